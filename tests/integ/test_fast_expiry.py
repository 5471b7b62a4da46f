"""FAST tokens expire after [retention] fast_token: the expiry the
server announces is that far away, and after it the token fails."""
import calendar
import time

from sasl2lib import NS_SASL2, ht_login, is_failure, request_token, scram, \
    token_of
from xmpp_raw import dump, q

LETHE_CONF = {"retention": {"fast_token": "2s"}}


def fresh(connect):
    c = connect()
    c.secure(False)
    return c


def test_expiry(lethe, connect):
    acct = lethe.new_account()
    res = scram(fresh(connect), acct[0], acct[1], extra=request_token())
    token, expiry = token_of(res)
    when = calendar.timegm(time.strptime(expiry, "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(when - (time.time() + 2)) <= 2, expiry
    assert ht_login(fresh(connect), acct[0], token).tag == \
        q(NS_SASL2, "success"), dump(res)
    time.sleep(3.2)
    assert is_failure(ht_login(fresh(connect), acct[0], token))
