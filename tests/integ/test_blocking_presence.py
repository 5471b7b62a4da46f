"""Blocking and presence (XEP-0191 §3.3, §3.4): blocking a contact that
receives the user's presence sends it unavailable from each available
resource, then no presence passes either way: updates, a fresh login's
broadcast and probes, subscription requests. A stranger is told nothing.
Unblocking sends the contact the user's current presence, and presence
flows again."""
from rosterlib import bare, befriend, online, presences, seen_presence
from xmpp_raw import NS_CLIENT, dump, q

NS_BLOCKING = "urn:xmpp:blocking"


def command(c, name, *jids):
    items = "".join("<item jid='%s'/>" % j for j in jids)
    r = c.request("<iq type='set' id='%%s'><%s xmlns='%s'>%s</%s></iq>"
                  % (name, NS_BLOCKING, items, name))
    assert r.get("type") == "result", dump(r)


def test_block_and_unblock_a_contact(lethe, login):
    aacct = lethe.new_account()
    a = online(login, aacct, "a1", priority=1)
    a2 = online(login, aacct, "a2", priority=2)
    b = online(login)
    befriend(a, b)
    mb = len(b.history)
    command(a, "block", bare(b.jid))
    # One unavailable per available resource of the blocker.
    seen_presence(b, a.jid, "unavailable", mb)
    seen_presence(b, a2.jid, "unavailable", mb)

    ma, mb = len(a.history), len(b.history)
    a.send("<presence><show>away</show></presence>")
    b.send("<presence><show>dnd</show></presence>")
    a.assert_alive()
    b.assert_alive()
    assert presences(b, mb, a.jid) == [], [dump(e) for e in b.history[mb:]]
    assert [e for e in a.history[ma:] if e.tag == q(NS_CLIENT, "presence")
            and bare(e.get("from", "")) == bare(b.jid)] == []

    mb = len(b.history)
    command(a2, "unblock", bare(b.jid))
    got = seen_presence(b, a.jid, None, mb)
    assert got.findtext(q(NS_CLIENT, "show")) == "away", dump(got)
    seen_presence(b, a2.jid, None, mb)
    ma = len(a.history)
    b.send("<presence><show>chat</show></presence>")
    got = seen_presence(a, b.jid, None, ma)
    assert got.findtext(q(NS_CLIENT, "show")) == "chat", dump(got)


def test_blocked_contact_logging_in(lethe, login):
    a = online(login)
    bacct = lethe.new_account()
    b = online(login, bacct, "b1")
    befriend(a, b)
    command(a, "block", bare(b.jid))
    b.send("</stream:stream>")
    b.read_to_eof()
    ma = len(a.history)
    # b2's probes are not answered with a's presence; its broadcast does
    # not reach a.
    b2 = online(login, bacct, "b2")
    a.assert_alive()
    b2.assert_alive()
    assert presences(b2, 0, a.jid) == [], [dump(e) for e in b2.history]
    assert [e for e in a.history[ma:] if e.tag == q(NS_CLIENT, "presence")
            and bare(e.get("from", "")) == bare(b2.jid)] == []


def test_stranger_is_told_nothing(lethe, login):
    a = online(login)
    s = online(login)
    ms = len(s.history)
    command(a, "block", bare(s.jid))
    s.send("<presence to='%s' type='subscribe'/>" % bare(a.jid))
    a.assert_alive()
    s.assert_alive()
    assert [e for e in s.history[ms:]
            if e.tag == q(NS_CLIENT, "presence")] == []
    assert [e for e in a.history if e.tag == q(NS_CLIENT, "presence") and
            bare(e.get("from", "")) == bare(s.jid)] == []
