"""FAST (XEP-0484): a SASL2 login asks for a token and gets one; the
token logs in with HT-SHA-256-NONE in one round trip (the server proves
it knows the token too); a wrong token, another account's name or a
replayed count fail; invalidate='true' ends the token.

With sealing on (the default) a token login only joins an account that a
password login holds open (docs/privacy.md): the stream that obtained
the token stays connected here; test_seal_fast.py covers the rest."""
from sasl2lib import (NS_BIND2, NS_SASL2, authz, bind2, ht_login,
                      is_failure, request_token, scram, token_of)
from xmpp_raw import dump, q


def get_token(lethe, connect, acct):
    c = connect()
    c.secure(False)
    res = scram(c, acct[0], acct[1], extra=request_token())
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    token, expiry = token_of(res)
    assert len(token) >= 32 and expiry.endswith("Z"), dump(res)
    # Left open (closed by the fixture): it holds the account open.
    return token


def fresh(connect):
    c = connect()
    c.secure(False)
    return c


def test_token_login(lethe, connect):
    acct = lethe.new_account()
    token = get_token(lethe, connect, acct)
    c = fresh(connect)
    res = ht_login(c, acct[0], token, extra=bind2("fast"), count=1)
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    assert res.find(q(NS_BIND2, "bound")) is not None, dump(res)
    c.jid = authz(res)
    c.assert_alive()
    # A token login without request-token keeps the token.
    c2 = fresh(connect)
    assert ht_login(c2, acct[0], token, count=2).tag == \
        q(NS_SASL2, "success")


def test_wrong_token_and_wrong_user(lethe, connect):
    acct, other = lethe.new_account(), lethe.new_account()
    token = get_token(lethe, connect, acct)
    assert is_failure(ht_login(fresh(connect), acct[0], token[:-1] + "0"
                               if token[-1] != "0" else token[:-1] + "1"))
    assert is_failure(ht_login(fresh(connect), other[0], token))
    assert is_failure(ht_login(fresh(connect), "nobody-here", token))


def test_count_must_grow(lethe, connect):
    acct = lethe.new_account()
    token = get_token(lethe, connect, acct)
    assert ht_login(fresh(connect), acct[0], token, count=5).tag == \
        q(NS_SASL2, "success")
    assert is_failure(ht_login(fresh(connect), acct[0], token, count=5))
    assert is_failure(ht_login(fresh(connect), acct[0], token, count=4))
    assert ht_login(fresh(connect), acct[0], token, count=6).tag == \
        q(NS_SASL2, "success")


def test_invalidate(lethe, connect):
    acct = lethe.new_account()
    token = get_token(lethe, connect, acct)
    assert ht_login(fresh(connect), acct[0], token, invalidate=True).tag == \
        q(NS_SASL2, "success")
    assert is_failure(ht_login(fresh(connect), acct[0], token))


def test_token_for_another_mechanism_is_refused(lethe, connect):
    acct = lethe.new_account()
    token = get_token(lethe, connect, acct)
    res = ht_login(fresh(connect), acct[0], token, mech="HT-SHA-256-ENDP")
    assert res.tag == q(NS_SASL2, "failure"), dump(res)


def test_endpoint_binding(lethe, connect):
    acct = lethe.new_account()
    c = fresh(connect)
    res = scram(c, acct[0], acct[1], extra=request_token("HT-SHA-256-ENDP"))
    token, _ = token_of(res)
    c2 = fresh(connect)
    res = ht_login(c2, acct[0], token, mech="HT-SHA-256-ENDP",
                   cb=c2.endpoint_cb())
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    # The same token bound to another connection's data fails.
    c3 = fresh(connect)
    assert is_failure(ht_login(c3, acct[0], token, mech="HT-SHA-256-ENDP",
                               cb=b"\0" * 32))
