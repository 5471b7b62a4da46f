"""Probes (RFC 6121 §4.3): with its initial presence a session gets the
current presence of every available resource of each contact it is
subscribed to (to, both), answered by the server and addressed to that
session, and of its own account's other resources; nothing for a contact
that is offline or does not let it see its presence. A probe sent by a
client is answered the same way."""
from rosterlib import bare, befriend, online, presences, seen_presence
from xmpp_raw import NS_CLIENT, dump, q


def test_login_sees_contacts_current_presence(lethe, login):
    acct_a = lethe.new_account()
    acct_b = lethe.new_account()
    a = online(login, acct_a, "first")
    b1 = online(login, acct_b, "b1")
    befriend(a, b1)
    b1.send("<presence><show>dnd</show><status>busy</status>"
            "<priority>3</priority></presence>")
    b2 = online(login, acct_b, "b2", priority=-1)
    unavailable_b = login(acct_b, "b3")  # bound, never available
    b1.assert_alive()

    fresh = online(login, acct_a, "second")
    p = seen_presence(fresh, b1.jid)
    assert p.get("to") == fresh.jid, dump(p)
    assert p.findtext(q(NS_CLIENT, "show")) == "dnd", dump(p)
    assert p.findtext(q(NS_CLIENT, "status")) == "busy", dump(p)
    p = seen_presence(fresh, b2.jid)
    assert p.findtext(q(NS_CLIENT, "priority")) == "-1", dump(p)
    # Its own account's other resource, too (§4.2.2).
    seen_presence(fresh, a.jid)
    fresh.assert_alive()
    assert presences(fresh, 0, unavailable_b.jid) == []


def test_no_answer_for_offline_or_unsubscribed(lethe, login):
    acct_b = lethe.new_account()
    acct_c = lethe.new_account()
    acct_a = lethe.new_account()
    a = online(login, acct_a)
    b = online(login, acct_b)
    c = online(login, acct_c)
    befriend(a, b)
    # c sees a, a does not see c.
    c.presence(to=bare(a.jid), ptype="subscribe")
    seen_presence(a, bare(c.jid), "subscribe")
    a.presence(to=bare(c.jid), ptype="subscribed")
    b.close()
    seen_presence(a, b.jid, "unavailable")

    fresh = online(login, acct_a)
    fresh.assert_alive()
    got = [dump(e) for e in presences(fresh, 0)
           if bare(e.get("from")) != acct_a[2]]
    assert got == [], got
    assert [e for e in fresh.history if e.tag == q(NS_CLIENT, "presence")
            and e.get("type") == "unavailable"] == []


def test_client_probe(lethe, login):
    a = online(login)
    b = online(login)
    stranger = online(login)
    befriend(a, b)
    m = len(a.history)
    a.presence(to=bare(b.jid), ptype="probe")
    seen_presence(a, b.jid, None, m)
    m = len(a.history)
    a.presence(to=bare(stranger.jid), ptype="probe")
    a.assert_alive()
    assert presences(a, m, stranger.jid) == []
    # The probe itself is never passed on.
    stranger.assert_alive()
    b.assert_alive()
    for c in (b, stranger):
        assert [e for e in c.history if e.get("type") == "probe"] == []
