"""Authentication that must fail: wrong passwords, unknown users (with the
same answer, so accounts cannot be probed), too many attempts on one
connection, SASL before STARTTLS, and channel binding that does not match
the connection."""
import base64

import pytest

from xmpp_raw import (NS_SASL, NS_STREAM, StreamEnded, dump, q,
                      sasl_condition)

MECHS = ["SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]


def assert_failure(res, condition="not-authorized"):
    assert res.tag == q(NS_SASL, "failure"), dump(res)
    assert sasl_condition(res) == condition, dump(res)


@pytest.mark.parametrize("mechanism", MECHS)
def test_wrong_password(lethe, connect, mechanism):
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    assert_failure(c.authenticate(local, password + "x", mechanism))


@pytest.mark.parametrize("mechanism", MECHS)
def test_unknown_user_same_answer(lethe, connect, mechanism):
    local, password, _ = lethe.new_account()
    known = connect()
    known.starttls()
    a = known.authenticate(local, "wrong-password", mechanism)
    unknown = connect()
    unknown.starttls()
    b = unknown.authenticate("nobody" + local, "wrong-password", mechanism)
    assert_failure(a)
    assert_failure(b)
    assert [x.tag for x in a] == [x.tag for x in b], (dump(a), dump(b))
    assert (a.text or "").strip() == (b.text or "").strip()


def _scram_first_challenge(c, user, hashname):
    """Sends a SCRAM client-first; returns the decoded server-first."""
    c.send("<auth xmlns='%s' mechanism='SCRAM-%s'>%s</auth>" % (
        NS_SASL, hashname,
        base64.b64encode(("n,,n=%s,r=abcdefgh" % user).encode()).decode()))
    ch = c.wait_for(lambda e: e.tag in (q(NS_SASL, "challenge"),
                                        q(NS_SASL, "failure")))
    assert ch.tag == q(NS_SASL, "challenge"), dump(ch)
    return dict(kv.split("=", 1) for kv in
                base64.b64decode(ch.text).decode().split(","))


def test_unknown_user_gets_plausible_challenge(lethe, connect):
    local, _, _ = lethe.new_account()
    a = connect()
    a.starttls()
    known = _scram_first_challenge(a, local, "SHA-256")
    b = connect()
    b.starttls()
    unknown = _scram_first_challenge(b, "nobody" + local, "SHA-256")
    # h: XEP-0474 downgrade protection, the same for every account.
    assert sorted(known) == sorted(unknown) == ["h", "i", "r", "s"]
    assert known["h"] == unknown["h"]
    assert known["i"] == unknown["i"]
    assert len(base64.b64decode(known["s"])) == \
        len(base64.b64decode(unknown["s"]))
    # The fake salt is stable, as a real one would be.
    c = connect()
    c.starttls()
    again = _scram_first_challenge(c, "nobody" + local, "SHA-256")
    assert again["s"] == unknown["s"]


def test_attempts_limit_closes_stream(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    # auth_attempts = 3 in the test configuration.
    for i in range(2):
        assert_failure(c.authenticate(local, "wrong%d" % i, "SCRAM-SHA-256"))
    try:
        res = c.authenticate(local, "wrong-again", "SCRAM-SHA-256")
    except StreamEnded:
        res = None
    assert res is None or res.tag != q(NS_SASL, "success"), dump(res)
    rest = c.read_to_eof()
    assert not any(e.tag == q(NS_SASL, "success") for e in rest)
    assert c.eof


def test_retry_within_attempts_succeeds(lethe, connect):
    local, password, bare = lethe.new_account()
    c = connect()
    c.starttls()
    for i in range(2):
        assert_failure(c.authenticate(local, "wrong%d" % i, "SCRAM-SHA-256"))
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "success"), dump(res)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_auth_before_starttls_refused(lethe, connect, mechanism):
    local, password, _ = lethe.new_account()
    c = connect()
    c.open_stream()
    try:
        res = c.authenticate(local, password, mechanism)
    except StreamEnded:
        res = None
    if res is not None:
        assert res.tag != q(NS_SASL, "success"), dump(res)
        if res.tag == q(NS_SASL, "failure"):
            assert sasl_condition(res) == "encryption-required", dump(res)
        elif res.tag == q(NS_SASL, "challenge"):
            pytest.fail("SASL exchange started before TLS: %s" % dump(res))
        else:
            assert res.tag == q(NS_STREAM, "error"), dump(res)
    # Whatever else the server says, it never says success.
    c.send("</stream:stream>", may_fail=True)
    rest = c.read_to_eof()
    assert not any(e.tag == q(NS_SASL, "success") for e in rest)
    assert not any(e.tag == q(NS_SASL, "success") for e in c.history)


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
def test_plus_wrong_channel_binding(lethe, connect, direct):
    local, password, _ = lethe.new_account()
    c = connect(direct=direct)
    c.secure(direct)
    wrong = bytes(32)
    assert_failure(c.auth_scram(local, password, "SHA-256", plus=True,
                                cb_data=wrong))


def test_plus_unsupported_binding_type(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    res = c.auth_scram(local, password, "SHA-256", plus=True,
                       cb_type="tls-unique", cb_data=b"\x01" * 12)
    assert res.tag == q(NS_SASL, "failure"), dump(res)


def test_downgrade_flag_y_refused(lethe, connect):
    """'y' says: the client can bind but thinks the server cannot. The
    server offers -PLUS, so this is a downgrade (RFC 5802 §6)."""
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    res = c.auth_scram(local, password, "SHA-256", flag="y")
    assert res.tag == q(NS_SASL, "failure"), dump(res)


def test_binding_flag_with_non_plus_mechanism_refused(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    res = c.auth_scram(local, password, "SHA-256",
                       flag="p=tls-server-end-point",
                       mechanism="SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "failure"), dump(res)
