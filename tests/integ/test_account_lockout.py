"""Failed logins per account ([limits] account_failures = 3 within
account_window = 2s here): past the limit even the right password is
refused, with the same answer as a wrong one; other accounts are not
affected; once the window has passed the account logs in again."""
import time

import pytest

from xmpp_raw import NS_SASL, dump, q, sasl_condition

LETHE_CONF = {"limits": {"account_failures": "3", "account_window": "2s"}}


def attempt(lethe, local, password, mechanism):
    c = lethe.raw()
    try:
        c.starttls()
        return c.authenticate(local, password, mechanism)
    finally:
        c.close()


def assert_refused(res):
    assert res.tag == q(NS_SASL, "failure"), dump(res)
    assert sasl_condition(res) == "not-authorized", dump(res)


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "PLAIN"])
def test_lockout_and_recovery(lethe, mechanism):
    local, password, _ = lethe.new_account()
    other, other_pw, _ = lethe.new_account()
    first = time.monotonic()
    for i in range(3):
        assert_refused(attempt(lethe, local, "wrong%d" % i, mechanism))
    # Locked: the right password gets the same answer as a wrong one.
    for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"):
        assert_refused(attempt(lethe, local, password, mech))
    # Another account is not affected.
    res = attempt(lethe, other, other_pw, mechanism)
    assert res.tag == q(NS_SASL, "success"), dump(res)
    # After the window (counted from the first failure, in whole
    # seconds) the account works again.
    time.sleep(max(0, first + 3.2 - time.monotonic()))
    res = attempt(lethe, local, password, mechanism)
    assert res.tag == q(NS_SASL, "success"), dump(res)
