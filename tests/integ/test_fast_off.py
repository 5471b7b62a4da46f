"""[server] fast = false: no <fast/> among the SASL2 inline features, a
token request gets no token and a token mechanism is refused."""
from sasl2lib import (NS_FAST, NS_SASL2, fast_mechanisms, ht_login,
                      request_token, scram)
from xmpp_raw import dump, q

LETHE_CONF = {"server": {"fast": "false"}}


def test_fast_off(lethe, connect):
    acct = lethe.new_account()
    c = connect()
    feats = c.secure(False)
    assert feats.find(q(NS_SASL2, "authentication")) is not None
    assert fast_mechanisms(feats) == [], dump(feats)
    res = scram(c, acct[0], acct[1], extra=request_token())
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    assert res.find(q(NS_FAST, "token")) is None, dump(res)
    c2 = connect()
    c2.secure(False)
    res = ht_login(c2, acct[0], "0" * 80)
    assert res.tag == q(NS_SASL2, "failure"), dump(res)
    assert res.find(q("urn:ietf:params:xml:ns:xmpp-sasl",
                      "invalid-mechanism")) is not None, dump(res)
