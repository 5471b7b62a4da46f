"""XEP-0198: a session that is never resumed ends when the resume timeout
passes: its contacts see it go unavailable only then, and every message
it never acknowledged goes to offline storage, so the next login gets it.
A clean </stream:stream> ends the session at once, with the same care
for unacknowledged messages."""
import time

from rosterlib import befriend, online, presences, seen_presence
from smlib import NS_SM, enable, handled, mark

LETHE_CONF = {"limits": {"resume_timeout": "2s"}}


def test_unacked_messages_survive_the_timeout(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    b = online(login)
    befriend(a, b)
    enable(a)
    b.message(a.jid, "kept one")
    b.message(a.jid, "kept two")
    a.wait_message("kept two")
    seen_b = len(b.history)
    a.sock.close()
    time.sleep(1.0)
    b.assert_alive()
    assert not presences(b, seen_b, frm=a.jid, ptype="unavailable")
    b.message(a.jid, "while away")
    seen_presence(b, a.jid, "unavailable", seen_b, timeout=5.0)
    again = online(login, acct)
    deadline = time.monotonic() + 5
    got = []
    while time.monotonic() < deadline:
        got = [x for x in again.messages_so_far() if x is not None]
        if len(got) >= 3:
            break
        time.sleep(0.1)
    assert sorted(got) == ["kept one", "kept two", "while away"], got


def test_clean_close_ends_the_session(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    b = online(login)
    befriend(a, b)
    enable(a)
    b.message(a.jid, "unacked")
    a.wait_message("unacked")
    seen_b = len(b.history)
    a.send("</stream:stream>")
    a.read_to_eof()
    seen_presence(b, a.jid, "unavailable", seen_b, timeout=1.5)
    again = online(login, acct)
    deadline = time.monotonic() + 5
    got = []
    while time.monotonic() < deadline and "unacked" not in got:
        got = again.messages_so_far()
        time.sleep(0.1)
    assert "unacked" in got, got
    # Acknowledged messages are not delivered twice.
    c = online(login, acct)
    enable(c)
    m = mark(c)
    b.message(c.jid, "acked")
    c.wait_message("acked")
    c.send("<a xmlns='%s' h='%d'/>" % (NS_SM, handled(c, m)))
    c.send("</stream:stream>")
    c.read_to_eof()
    d = online(login, acct)
    time.sleep(0.3)
    assert "acked" not in d.messages_so_far()
