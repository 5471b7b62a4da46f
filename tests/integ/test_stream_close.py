"""Closing: a client's </stream:stream> is answered with
</stream:stream> and the connection ends; a closed or dropped stream's
session is gone at once (its full JID no longer receives, its bare JID
bounces)."""
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition

# Offline storage off, so that a bare JID nobody holds bounces.
LETHE_CONF = {"limits": {"offline_messages": "0"}}


def bounced(c, to):
    mid = c.message(to, "anyone there?")
    e = c.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                   e.get("id") == mid)
    assert e.get("type") == "error", dump(e)
    return stanza_error_condition(e)


def test_close_is_answered(lethe, login):
    c = login(presence=0)
    c.send("</stream:stream>")
    rest = c.read_to_eof()
    assert c.stream_ended, bytes(c.received[-200:])
    assert not any(e.tag.endswith("}error") for e in rest), \
        [dump(e) for e in rest]


def test_close_before_auth(lethe, connect):
    c = connect()
    c.open_stream()
    c.send("</stream:stream>")
    c.read_to_eof()
    assert c.stream_ended


def test_session_gone_after_close(lethe, login):
    acct = lethe.new_account()
    c = login(acct, "gone", presence=0)
    jid = c.jid
    c.send("</stream:stream>")
    c.read_to_eof()
    other = login(presence=0)
    assert bounced(other, acct[2]) == "service-unavailable"
    assert bounced(other, jid) == "service-unavailable"


def test_session_gone_after_drop(lethe, login):
    acct = lethe.new_account()
    c = login(acct, "dropped", presence=0)
    c.close()  # no </stream:stream>: the TCP connection just ends
    other = login(presence=0)
    # The server notices the end of the connection promptly; allow it a
    # couple of round trips.
    for _ in range(20):
        other.assert_alive()
        cond = bounced(other, acct[2])
        if cond == "service-unavailable":
            break
    assert cond == "service-unavailable"
