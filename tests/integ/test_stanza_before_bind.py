"""No stanza is routed before a resource is bound: before TLS and SASL,
and after SASL but before bind, a stanza ends the stream with
<not-authorized/> and reaches nobody (RFC 6120 §6.4.1, §7)."""
import pytest

from xmpp_raw import NS_CLIENT, NS_SASL, dump, q


def stanza_to(witness):
    return "<message to='%s' type='chat'><body>early</body></message>" % (
        witness.jid)


def test_before_sasl(lethe, connect, witness):
    c = connect()
    c.starttls()
    c.send(stanza_to(witness), may_fail=True)
    c.expect_stream_error("not-authorized")
    assert "early" not in witness.messages_so_far()


@pytest.mark.parametrize("stanza", ["message", "presence", "ping"])
def test_after_sasl_before_bind(lethe, connect, witness, stanza):
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "success"), dump(res)
    c.open_stream()
    if stanza == "message":
        c.send(stanza_to(witness), may_fail=True)
    elif stanza == "presence":
        c.send("<presence/>", may_fail=True)
    else:
        c.send("<iq type='get' id='p1' to='localhost'>"
               "<ping xmlns='urn:xmpp:ping'/></iq>", may_fail=True)
    c.expect_stream_error("not-authorized")
    assert "early" not in witness.messages_so_far()
    assert not any(e.tag == q(NS_CLIENT, "iq") and e.get("id") == "p1"
                   for e in c.history)
