"""FAST rotation: a token login that asks for a new token gets one; the
old token keeps working until the new one has been used once, and not
after."""
from sasl2lib import (NS_SASL2, ht_login, is_failure, request_token, scram,
                      token_of)
from xmpp_raw import dump, q


def fresh(connect):
    c = connect()
    c.secure(False)
    return c


def test_rotation(lethe, connect):
    acct = lethe.new_account()
    res = scram(fresh(connect), acct[0], acct[1], extra=request_token())
    old, _ = token_of(res)
    res = ht_login(fresh(connect), acct[0], old, extra=request_token())
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    new, _ = token_of(res)
    assert new != old
    # Not used yet: the old one still logs in (the client may have
    # missed the <success/> with the new one).
    assert ht_login(fresh(connect), acct[0], old).tag == \
        q(NS_SASL2, "success")
    assert ht_login(fresh(connect), acct[0], new).tag == \
        q(NS_SASL2, "success")
    assert is_failure(ht_login(fresh(connect), acct[0], old))
    assert ht_login(fresh(connect), acct[0], new).tag == \
        q(NS_SASL2, "success")
