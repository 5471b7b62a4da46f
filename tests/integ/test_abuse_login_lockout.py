"""Failed logins per source address ([limits] login_failures_per_address
= 3 within account_window = 2s here): past the limit every login from
that address fails with <not-authorized/>, even with the right password,
whatever the account; another address logs in; after the window the
first address logs in again."""
import time

import pytest

from xmpp_raw import NS_SASL, RawClient, dump, q, sasl_condition

LETHE_CONF = {"limits": {"login_failures_per_address": "3",
                         "account_window": "2s"}}


def attempt(lethe, source, local, password, mechanism):
    c = RawClient(lethe.starttls_port, source=source)
    try:
        c.starttls()
        return c.authenticate(local, password, mechanism)
    finally:
        c.close()


def refused(res):
    return res.tag == q(NS_SASL, "failure") and \
        sasl_condition(res) == "not-authorized"


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "PLAIN"])
def test_lockout_per_address(lethe, mechanism):
    local, password, _ = lethe.new_account()
    others = [lethe.new_account() for _ in range(3)]
    src = "127.0.0.2" if mechanism == "PLAIN" else "127.0.0.5"
    first = time.monotonic()
    # Three wrong passwords for three different accounts: the account
    # counters stay low, the address counter reaches its limit.
    for o_local, _, _ in others:
        assert refused(attempt(lethe, src, o_local, "wrong", mechanism))
    res = attempt(lethe, src, local, password, mechanism)
    assert refused(res), dump(res)
    # Another address is not affected, the account is not locked.
    res = attempt(lethe, "127.0.0.3", local, password, mechanism)
    assert res.tag == q(NS_SASL, "success"), dump(res)
    time.sleep(max(0, first + 2.3 - time.monotonic()))
    res = attempt(lethe, src, local, password, mechanism)
    assert res.tag == q(NS_SASL, "success"), dump(res)
    assert src not in lethe.log()
