"""A connection that does not authenticate within [limits] auth_timeout
(2s here) gets <connection-timeout/> and is closed: whether it sent
nothing, stopped after the header, after TLS or in the middle of SASL,
or keeps trickling whitespace. A bound session is not subject to it."""
import base64
import time

import pytest

from xmpp_raw import NS_SASL, Timeout

TIMEOUT = 2.0


def assert_timed_out(c, started):
    c.expect_stream_error("connection-timeout", timeout=TIMEOUT + 4)
    elapsed = time.monotonic() - started
    assert TIMEOUT - 0.5 <= elapsed <= TIMEOUT + 4, elapsed


def test_silent_connection(lethe, connect, witness):
    t = time.monotonic()
    c = connect()
    assert_timed_out(c, t)
    witness.assert_alive()


def test_silent_direct_tls(lethe, connect, witness):
    """Direct TLS, handshake done, not even a header."""
    t = time.monotonic()
    c = connect(direct=True)
    assert_timed_out(c, t)
    witness.assert_alive()


def test_after_header(lethe, connect, witness):
    t = time.monotonic()
    c = connect()
    c.open_stream()
    assert_timed_out(c, t)
    witness.assert_alive()


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
def test_after_tls(lethe, connect, witness, direct):
    t = time.monotonic()
    c = connect(direct=direct)
    c.secure(direct)
    assert_timed_out(c, t)
    witness.assert_alive()


def test_mid_sasl(lethe, connect, witness):
    """A SCRAM exchange left after the first challenge times out too."""
    local, _, _ = lethe.new_account()
    t = time.monotonic()
    c = connect()
    c.starttls()
    c.send("<auth xmlns='%s' mechanism='SCRAM-SHA-256'>%s</auth>" % (
        NS_SASL,
        base64.b64encode(("n,,n=%s,r=abcdefghij" % local).encode())
        .decode()))
    c.wait_for("{%s}challenge" % NS_SASL)
    assert_timed_out(c, t)
    witness.assert_alive()


def test_trickle_does_not_extend_deadline(lethe, connect, witness):
    t = time.monotonic()
    c = connect()
    c.starttls()
    # Whitespace every 0.3s: traffic, but no progress.
    for _ in range(int((TIMEOUT + 4) / 0.3)):
        c.send(" ", may_fail=True)
        try:
            e = c.next_element(timeout=0.3)
        except Timeout:
            continue
        if e is not None:
            c.unread(e)
        break
    assert_timed_out(c, t)
    witness.assert_alive()


def test_bound_session_outlives_timeout(lethe, login, witness):
    c = login()
    time.sleep(TIMEOUT + 0.5)
    c.assert_alive()
    witness.assert_alive()
