"""XEP-0352: while a client is inactive, presence updates and messages
that carry only a chat state are held (only the latest per contact),
a message with a body is delivered at once right after what was held,
and <active/> flushes everything held. The feature is advertised."""
import time

from rosterlib import befriend, online
from smlib import NS_CSI, bodies
from xmpp_raw import NS_BIND, NS_CLIENT, NS_SASL, dump, q

NS_CHATSTATES = "http://jabber.org/protocol/chatstates"


def chat_state(sender, to, state):
    sender.send("<message to='%s' type='chat'><%s xmlns='%s'/></message>"
                % (to, state, NS_CHATSTATES))


def status(sender, text):
    sender.send("<presence><status>%s</status></presence>" % text)


def since(c, m):
    c.assert_alive()
    return [e for e in c.history[m:] if e.tag != q(NS_CLIENT, "iq")]


def describe(e):
    if e.tag == q(NS_CLIENT, "presence"):
        s = e.find(q(NS_CLIENT, "status"))
        return "presence:%s" % (s.text if s is not None else "")
    if e.tag == q(NS_CLIENT, "message"):
        b = bodies([e])
        if b:
            return "body:%s" % b[0]
        for c in e:
            if c.tag.startswith("{%s}" % NS_CHATSTATES):
                return "state:%s" % c.tag.split("}")[1]
    return dump(e)


def test_feature_advertised(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    c.secure(False)
    assert c.authenticate(local, password, "SCRAM-SHA-256").tag == \
        q(NS_SASL, "success")
    feats = c.open_stream()
    assert feats.find(q(NS_CSI, "csi")) is not None, dump(feats)
    assert feats.find(q(NS_BIND, "bind")) is not None


def test_hold_and_flush(login):
    a = online(login)
    b = online(login)
    befriend(a, b)
    a.assert_alive()
    a.send("<inactive xmlns='%s'/>" % NS_CSI)
    a.assert_alive()
    m = len(a.history)
    status(b, "first")
    status(b, "second")
    chat_state(b, a.jid, "composing")
    chat_state(b, a.jid, "paused")
    b.assert_alive()
    time.sleep(0.2)
    assert since(a, m) == [], [dump(e) for e in since(a, m)]
    # A body goes out at once, after what was held (latest only).
    b.message(a.jid, "hello")
    a.wait_message("hello")
    got = [describe(e) for e in since(a, m)]
    assert got == ["presence:second", "state:paused", "body:hello"], got
    # Held again, then flushed by <active/>.
    m = len(a.history)
    status(b, "third")
    chat_state(b, a.jid, "composing")
    b.assert_alive()
    time.sleep(0.2)
    assert since(a, m) == []
    a.send("<active xmlns='%s'/>" % NS_CSI)
    got = [describe(e) for e in since(a, m)]
    assert got == ["presence:third", "state:composing"], got
    # Active: nothing is held.
    m = len(a.history)
    status(b, "fourth")
    b.assert_alive()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not since(a, m):
        time.sleep(0.05)
    assert [describe(e) for e in since(a, m)] == ["presence:fourth"]
