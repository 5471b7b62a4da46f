"""The SASL profile of RFC 6120 §6 beyond the happy path: no initial
response (empty challenge first), the "=" empty response, unknown
mechanisms, bad base64, <abort/>, and authorization identities."""
import base64

import pytest

from xmpp_raw import NS_SASL, dump, q, sasl_condition


def started(lethe, connect):
    local, password, bare = lethe.new_account()
    c = connect()
    c.starttls()
    return c, local, password, bare


def sasl_answer(c):
    return c.wait_for(lambda e: e.tag in (
        q(NS_SASL, "success"), q(NS_SASL, "failure"),
        q(NS_SASL, "challenge")))


def test_plain_without_initial_response(lethe, connect):
    c, local, password, _ = started(lethe, connect)
    c.send("<auth xmlns='%s' mechanism='PLAIN'/>" % NS_SASL)
    ch = sasl_answer(c)
    assert ch.tag == q(NS_SASL, "challenge"), dump(ch)
    assert not (ch.text or "").strip() or ch.text.strip() == "=", dump(ch)
    c.send("<response xmlns='%s'>%s</response>" % (
        NS_SASL, base64.b64encode(
            ("\0%s\0%s" % (local, password)).encode()).decode()))
    res = sasl_answer(c)
    assert res.tag == q(NS_SASL, "success"), dump(res)


def test_scram_without_initial_response(lethe, connect):
    c, local, _, _ = started(lethe, connect)
    c.send("<auth xmlns='%s' mechanism='SCRAM-SHA-256'/>" % NS_SASL)
    ch = sasl_answer(c)
    assert ch.tag == q(NS_SASL, "challenge"), dump(ch)
    c.send("<response xmlns='%s'>%s</response>" % (
        NS_SASL, base64.b64encode(
            ("n,,n=%s,r=0123456789abcdef" % local).encode()).decode()))
    ch = sasl_answer(c)
    assert ch.tag == q(NS_SASL, "challenge"), dump(ch)
    first = base64.b64decode(ch.text).decode()
    assert first.startswith("r=0123456789abcdef"), first


def test_empty_initial_response(lethe, connect):
    c, _, _, _ = started(lethe, connect)
    c.send("<auth xmlns='%s' mechanism='PLAIN'>=</auth>" % NS_SASL)
    res = sasl_answer(c)
    assert res.tag == q(NS_SASL, "failure"), dump(res)
    assert sasl_condition(res) == "malformed-request", dump(res)


@pytest.mark.parametrize("mech", ["DIGEST-MD5", "X-OAUTH2", "SCRAM-MD5",
                                  "EXTERNAL", "ANONYMOUS", ""])
def test_unknown_mechanism(lethe, connect, mech):
    c, local, password, _ = started(lethe, connect)
    c.send("<auth xmlns='%s' mechanism='%s'>AAAA</auth>" % (NS_SASL, mech))
    res = sasl_answer(c)
    assert res.tag == q(NS_SASL, "failure"), dump(res)
    assert sasl_condition(res) == "invalid-mechanism", dump(res)
    # The stream goes on: a real login still works.
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "success"), dump(res)


def test_bad_base64(lethe, connect):
    c, local, password, _ = started(lethe, connect)
    c.send("<auth xmlns='%s' mechanism='PLAIN'>!!not base64!!</auth>" %
           NS_SASL)
    res = sasl_answer(c)
    assert res.tag == q(NS_SASL, "failure"), dump(res)
    assert sasl_condition(res) == "incorrect-encoding", dump(res)
    res = c.authenticate(local, password, "PLAIN")
    assert res.tag == q(NS_SASL, "success"), dump(res)


def test_abort_then_login(lethe, connect):
    c, local, password, _ = started(lethe, connect)
    c.send("<auth xmlns='%s' mechanism='SCRAM-SHA-256'>%s</auth>" % (
        NS_SASL, base64.b64encode(("n,,n=%s,r=abcdefgh" % local).encode())
        .decode()))
    assert sasl_answer(c).tag == q(NS_SASL, "challenge")
    c.send("<abort xmlns='%s'/>" % NS_SASL)
    res = sasl_answer(c)
    assert res.tag == q(NS_SASL, "failure"), dump(res)
    assert sasl_condition(res) == "aborted", dump(res)
    # Aborts are not failed attempts: more than auth_attempts of them.
    for _ in range(3):
        c.send("<auth xmlns='%s' mechanism='PLAIN'/>" % NS_SASL)
        assert sasl_answer(c).tag == q(NS_SASL, "challenge")
        c.send("<abort xmlns='%s'/>" % NS_SASL)
        assert sasl_condition(sasl_answer(c)) == "aborted"
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "success"), dump(res)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_own_authzid_accepted(lethe, connect, mechanism):
    c, local, password, bare = started(lethe, connect)
    if mechanism == "PLAIN":
        res = c.auth_plain(local, password, authzid=bare)
    else:
        res = c.auth_scram(local, password, "SHA-256", authzid=bare)
    assert res.tag == q(NS_SASL, "success"), dump(res)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_other_authzid_refused(lethe, connect, mechanism):
    c, local, password, _ = started(lethe, connect)
    _, _, other = lethe.new_account()
    if mechanism == "PLAIN":
        res = c.auth_plain(local, password, authzid=other)
    else:
        res = c.auth_scram(local, password, "SHA-256", authzid=other)
    assert res.tag == q(NS_SASL, "failure"), dump(res)
    assert sasl_condition(res) == "invalid-authzid", dump(res)


def test_response_without_auth(lethe, connect):
    c, _, _, _ = started(lethe, connect)
    c.send("<response xmlns='%s'>AAAA</response>" % NS_SASL)
    cond = c.expect_stream_error_any()
    assert cond in ("policy-violation", "not-authorized"), cond
    assert not any(e.tag == q(NS_SASL, "success") for e in c.history)


def test_second_auth_after_success_refused(lethe, connect):
    """After <success/> the stream restarts; SASL is not offered again."""
    c, local, password, _ = started(lethe, connect)
    res = c.authenticate(local, password, "PLAIN")
    assert res.tag == q(NS_SASL, "success"), dump(res)
    feats = c.open_stream()
    assert feats.find(q(NS_SASL, "mechanisms")) is None, dump(feats)
    c.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (
        NS_SASL, base64.b64encode(
            ("\0%s\0%s" % (local, password)).encode()).decode()))
    cond = c.expect_stream_error_any()
    assert cond in ("policy-violation", "not-authorized",
                    "unsupported-stanza-type"), cond
