"""Directed presence (RFC 6121 §4.6): presence sent to an entity that is
not subscribed reaches it (a bare JID: every available resource; a full
JID: that resource) and is remembered; the target gets unavailable
presence when the session ends, when it broadcasts unavailable, or not
at all once the session sent it unavailable itself. A subscribed contact
gets one unavailable, not two."""
from rosterlib import (bare, befriend, online, presences, seen_presence,
                       wait_gone)
from xmpp_raw import dump


def test_unavailable_when_session_ends(lethe, login):
    a = online(login)
    s_bare = online(login)
    s_full = online(login)
    ms, mf = len(s_bare.history), len(s_full.history)
    a.presence(to=bare(s_bare.jid))
    a.presence(to=s_full.jid)
    p = seen_presence(s_bare, a.jid, None, ms)
    assert p.get("to") == bare(s_bare.jid), dump(p)
    seen_presence(s_full, a.jid, None, mf)
    a.send("</stream:stream>")
    a.read_to_eof()
    seen_presence(s_bare, a.jid, "unavailable", ms)
    seen_presence(s_full, a.jid, "unavailable", mf)


def test_unavailable_broadcast_reaches_targets(lethe, login):
    a = online(login)
    s = online(login)
    ms = len(s.history)
    a.presence(to=bare(s.jid))
    seen_presence(s, a.jid, None, ms)
    a.presence(ptype="unavailable")
    seen_presence(s, a.jid, "unavailable", ms)
    # Told once: the session's end sends nothing more.
    a.close()
    wait_gone(s, a.jid)
    s.assert_alive()
    assert len(presences(s, ms, a.jid, "unavailable")) == 1


def test_directed_unavailable_forgets_the_target(lethe, login):
    a = online(login)
    s = online(login)
    ms = len(s.history)
    a.presence(to=bare(s.jid))
    a.presence(to=bare(s.jid), ptype="unavailable")
    seen_presence(s, a.jid, "unavailable", ms)
    a.close()
    wait_gone(s, a.jid)
    s.assert_alive()
    assert len(presences(s, ms, a.jid, "unavailable")) == 1


def test_subscribed_contact_told_once(lethe, login):
    a = online(login)
    b = online(login)
    befriend(a, b)
    mb = len(b.history)
    a.presence(to=bare(b.jid))
    seen_presence(b, a.jid, None, mb)
    a.close()
    seen_presence(b, a.jid, "unavailable", mb)
    wait_gone(b, a.jid)
    b.assert_alive()
    assert len(presences(b, mb, a.jid, "unavailable")) == 1


def test_directed_before_initial_presence(lethe, login):
    a = online(login, priority=None)
    s = online(login)
    ms = len(s.history)
    a.presence(to=bare(s.jid))
    seen_presence(s, a.jid, None, ms)
    a.close()
    seen_presence(s, a.jid, "unavailable", ms)
