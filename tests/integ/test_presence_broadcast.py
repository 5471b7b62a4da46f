"""Presence broadcast (RFC 6121 §4.2-4.5): initial presence, updates and
unavailable presence reach every available resource of each contact
subscribed to the sender (from, both), addressed to the contact's bare
JID, and no resource that is only bound; becoming available again is a
new initial presence with fresh probe answers."""
from rosterlib import bare, befriend, online, presences, seen_presence
from xmpp_raw import NS_CLIENT, dump, q


def test_updates_and_unavailable_reach_contacts(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b1 = online(login, acct_b, "one")
    befriend(a, b1)
    b2 = online(login, acct_b, "two", priority=-5)
    quiet = login(acct_b, "quiet")
    marks = [len(c.history) for c in (b1, b2, quiet)]

    a.send("<presence><show>xa</show><status>gone fishing</status>"
           "</presence>")
    for c, m in ((b1, marks[0]), (b2, marks[1])):
        p = seen_presence(c, a.jid, None, m)
        assert p.get("to") == acct_b[2], dump(p)
        assert p.findtext(q(NS_CLIENT, "status")) == "gone fishing"
    a.presence(ptype="unavailable")
    for c, m in ((b1, marks[0]), (b2, marks[1])):
        seen_presence(c, a.jid, "unavailable", m)
    quiet.assert_alive()
    assert presences(quiet, marks[2], a.jid) == []
    assert presences(quiet, marks[2], a.jid, "unavailable") == []

    # Unavailable, then available again: probes are answered anew.
    ma = len(a.history)
    a.presence(priority=1)
    seen_presence(a, b1.jid, None, ma)
    seen_presence(a, b2.jid, None, ma)
    seen_presence(b1, a.jid, None, marks[0])


def test_unavailable_sender_gets_its_own(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct, "a")
    other = online(login, acct, "b")
    m, mo = len(a.history), len(other.history)
    a.presence(ptype="unavailable")
    seen_presence(a, a.jid, "unavailable", m)
    seen_presence(other, a.jid, "unavailable", mo)
    # An unavailable resource gets no more of its account's presence.
    m = len(a.history)
    other.presence(priority=4)
    other.assert_alive()
    a.assert_alive()
    assert presences(a, m, other.jid) == []


def test_no_broadcast_before_subscription(lethe, login):
    a = online(login)
    b = online(login)
    mb = len(b.history)
    a.presence(priority=9)
    a.presence(to=bare(b.jid), ptype="subscribe")
    seen_presence(b, bare(a.jid), "subscribe", mb)
    assert presences(b, mb, a.jid) == []
