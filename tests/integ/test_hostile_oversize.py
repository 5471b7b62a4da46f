"""A stanza larger than [limits] stanza_bytes (16k here) ends the stream
with <policy-violation/> as soon as the limit is passed, before the
stanza is complete; one under the limit is delivered."""
from xmpp_raw import NS_CLIENT, dump, q, stream_header

LIMIT = 16 * 1024


def test_under_limit_is_delivered(lethe, login, witness):
    c = login()
    body = "a" * (LIMIT - 1024)
    c.message(c.jid, body)
    m = c.wait_message(body)
    assert m.find(q(NS_CLIENT, "body")).text == body


def test_oversized_message_after_login(lethe, login, witness):
    c = login()
    c.message(witness.jid, "b" * (LIMIT + 1024))
    c.expect_stream_error("policy-violation")
    witness.assert_alive()
    assert not any(e.tag == q(NS_CLIENT, "message") for e in
                   witness.history), [dump(e) for e in witness.history]


def test_oversized_unfinished_stanza_before_auth(lethe, connect, witness):
    """The server must not wait for the end of a stanza it will refuse:
    this one never ends."""
    c = connect()
    c.open_stream()
    c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>")
    for _ in range(8):
        c.send("<x>" + "c" * 4096 + "</x>", may_fail=True)
    c.expect_stream_error("policy-violation")
    witness.assert_alive()


def test_oversized_attribute(lethe, login, witness):
    c = login()
    c.send("<message to='%s' id='%s'><body>x</body></message>" % (
        witness.jid, "d" * (LIMIT + 16)), may_fail=True)
    c.expect_stream_error("policy-violation")
    witness.assert_alive()


def test_oversized_stream_header(lethe, connect, witness):
    """The stream header has its own limit (header_bytes, 4k)."""
    c = connect()
    c.send(stream_header(extra=" x='%s'" % ("e" * 16384)), may_fail=True)
    c.expect_stream_error("policy-violation")
    witness.assert_alive()
