"""XEP-0198 resumption: a client whose TCP connection drops in the middle
of a conversation resumes its session on a new connection and receives
exactly the stanzas it had not acknowledged, including those sent while
it was away; its contact never sees it go unavailable. The old
connection, if the server still holds it, is closed."""
import time

from rosterlib import bare, befriend, online, presences
from smlib import (NS_SM, authenticate_only, bodies, enable, handled, mark,
                   resume)
from xmpp_raw import dump, q

LETHE_CONF = {"limits": {"resume_timeout": "60s"}}


def test_resume_after_drop(lethe, login, connect):
    acct = lethe.new_account()
    a = online(login, acct)
    b = online(login)
    befriend(a, b)
    e = enable(a)
    previd = e.get("id")
    m = mark(a)
    for body in ("one", "two", "three"):
        b.message(a.jid, body)
        a.wait_message(body)
    # a acknowledges everything up to "one" only.
    upto = next(i for i, x in enumerate(a.history[m:], m)
                if bodies([x]) == ["one"])
    h = handled(a, m) - handled(a, upto + 1)
    a.send("<a xmlns='%s' h='%d'/>" % (NS_SM, h))
    a.assert_alive()
    seen_b = len(b.history)
    a.sock.close()
    time.sleep(0.3)
    b.message(a.jid, "four")
    b.assert_alive()

    c = connect()
    authenticate_only(c, acct[0], acct[1])
    r = resume(c, previd, h)
    assert r.tag == q(NS_SM, "resumed"), dump(r)
    assert r.get("previd") == previd
    assert int(r.get("h")) >= 1
    got = c.messages_so_far()
    assert [x for x in got if x is not None] == ["two", "three", "four"], got
    # The session is the same one: same full JID, still online for b.
    c.message(b.jid, "back")
    reply = b.wait_message("back")
    assert reply.get("from") == a.jid
    assert not presences(b, seen_b, frm=a.jid, ptype="unavailable")


def test_resume_takes_over_a_live_connection(lethe, login, connect):
    acct = lethe.new_account()
    a = online(login, acct)
    previd = enable(a).get("id")
    c = connect()
    authenticate_only(c, acct[0], acct[1])
    r = resume(c, previd, 0)
    assert r.tag == q(NS_SM, "resumed"), dump(r)
    assert a.expect_stream_error("conflict") is not None
    c.assert_alive()
