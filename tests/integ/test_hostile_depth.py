"""Element nesting deeper than [limits] depth (16 here; the stream root
is depth 1, a stanza depth 2) ends the stream with <policy-violation/>;
nesting up to the limit is accepted."""
from xmpp_raw import NS_CLIENT, q

DEPTH = 16


def nested(levels):
    return "<x xmlns='urn:example:deep'>" * levels + "</x>" * levels


def test_at_limit_is_delivered(lethe, login, witness):
    c = login()
    # message = depth 2, so DEPTH - 2 more levels reach the limit.
    c.send("<message to='%s' id='deep'><body>deep</body>%s</message>" % (
        c.jid, nested(DEPTH - 2)))
    m = c.wait_message("deep")
    assert m.get("id") == "deep"
    depth, e = 2, m.find("{urn:example:deep}x")
    while e is not None:
        depth += 1
        e = e.find("{urn:example:deep}x")
    assert depth == DEPTH


def test_past_limit(lethe, login, witness):
    c = login()
    c.send("<message to='%s'><body>x</body>%s</message>" % (
        witness.jid, nested(DEPTH - 1)), may_fail=True)
    c.expect_stream_error("policy-violation")
    witness.assert_alive()
    assert not any(e.tag == q(NS_CLIENT, "message")
                   for e in witness.history)


def test_very_deep_unfinished_before_auth(lethe, connect, witness):
    """Thousands of open tags, never closed: refused without waiting."""
    c = connect()
    c.open_stream()
    c.send("<a>" * 5000, may_fail=True)
    c.expect_stream_error("policy-violation")
    witness.assert_alive()
