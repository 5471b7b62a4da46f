"""Comments and processing instructions are <restricted-xml/> (RFC 6120
§11.1) wherever they appear: in the prolog, between stanzas, inside a
stanza, before and after authentication. The XML declaration itself is
not a processing instruction and is accepted."""
import pytest

from xmpp_raw import stream_header

ITEMS = {
    "comment": "<!-- hello -->",
    "pi": "<?lethe-test do-something?>",
}


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_in_prolog(lethe, connect, witness, kind):
    c = connect()
    c.send("<?xml version='1.0'?>" + ITEMS[kind] + stream_header(decl=False),
           may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_between_stanzas_before_tls(lethe, connect, witness, kind):
    c = connect()
    c.open_stream()
    c.send(ITEMS[kind], may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_inside_stanza_before_tls(lethe, connect, witness, kind):
    c = connect()
    c.open_stream()
    c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>%s"
           "</starttls>" % ITEMS[kind], may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_between_stanzas_after_login(lethe, login, witness, kind):
    c = login()
    c.send(ITEMS[kind], may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_inside_stanza_after_login(lethe, login, witness, kind):
    c = login()
    c.send("<message to='%s'><body>x%sy</body></message>" % (
        witness.jid, ITEMS[kind]), may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()
    # Nothing of the refused stanza reached the witness.
    assert "xy" not in [b for b in witness.messages_so_far()]
