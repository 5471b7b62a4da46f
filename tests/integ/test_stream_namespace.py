"""A stream header in the wrong namespace, or with a content namespace a
client stream does not use, is <invalid-namespace/> (RFC 6120 §4.9.3.10).
"""
import pytest

from xmpp_raw import stream_header


@pytest.mark.parametrize("direct", [False, True], ids=["plain", "direct"])
def test_wrong_stream_namespace(lethe, connect, witness, direct):
    c = connect(direct=direct)
    c.send(stream_header(stream_ns="http://etherx.jabber.org/streamz"),
           may_fail=True)
    c.expect_stream_error("invalid-namespace")
    witness.assert_alive()


def test_wrong_content_namespace(lethe, connect, witness):
    c = connect()
    c.send(stream_header(xmlns="urn:example:not-jabber"), may_fail=True)
    c.expect_stream_error("invalid-namespace")
    witness.assert_alive()


def test_stream_element_without_namespace(lethe, connect, witness):
    c = connect()
    c.send("<?xml version='1.0'?><stream to='localhost' version='1.0' "
           "xmlns='jabber:client'>", may_fail=True)
    c.expect_stream_error("invalid-namespace")
    witness.assert_alive()


def test_wrong_namespace_after_starttls(lethe, connect, witness):
    c = connect()
    c.starttls(restart=False)
    c.send(stream_header(stream_ns="urn:example:streams"), may_fail=True)
    c.expect_stream_error("invalid-namespace")
    witness.assert_alive()


def test_stanza_in_wrong_namespace_after_login(lethe, login, witness):
    """A stanza in a namespace other than jabber:client."""
    c = login()
    c.send("<message xmlns='jabber:server' to='%s'><body>x</body>"
           "</message>" % witness.jid, may_fail=True)
    c.expect_stream_error("invalid-namespace")
    witness.assert_alive()
