"""Subscriptions while one side is offline (RFC 6121 §3.1.3, §3.1.6): a
request to an offline account is held and shown at each of its initial
presences until answered; an approval, unsubscribe or cancellation made
while the other side is offline is in that side's roster when it comes
back, and its first presence brings the contact's current presence."""
from rosterlib import (bare, befriend, items, online, presences, pushes,
                       roster_get, seen_presence, seen_push, wait_gone)
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition


def test_request_held_until_initial_presence(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    ab, bb = bare(a.jid), acct_b[2]
    ma = len(a.history)
    a.presence(to=bb, ptype="subscribe")
    seen_push(a, bb, ma, subscription="none", ask="subscribe")

    b = login(acct_b)
    assert items(roster_get(b)) == {}
    b.assert_alive()
    assert presences(b, 0, ab, "subscribe") == [], "before presence"
    b.presence()
    seen_presence(b, ab, "subscribe")

    # Not answered: shown again at the next login.
    b.close()
    wait_gone(a, b.jid)
    b = login(acct_b)
    b.presence()
    req = seen_presence(b, ab, "subscribe")
    assert req.get("to") == b.jid, dump(req)
    roster_get(b)
    ma, mb = len(a.history), len(b.history)
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, subscription="from")
    seen_presence(a, bb, "subscribed", ma)
    seen_push(a, bb, ma, subscription="to", ask=None)
    seen_presence(a, b.jid, None, ma)


def test_only_available_resources_are_asked(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    shown = online(login, acct_b, "shown")
    hidden = login(acct_b, "hidden")  # bound, no presence yet
    a.presence(to=acct_b[2], ptype="subscribe")
    seen_presence(shown, bare(a.jid), "subscribe")
    hidden.assert_alive()
    assert presences(hidden, 0, bare(a.jid), "subscribe") == []
    hidden.presence()
    seen_presence(hidden, bare(a.jid), "subscribe")


def test_approval_while_user_offline(lethe, login):
    acct_a = lethe.new_account()
    a = online(login, acct_a)
    b = online(login)
    ab, bb = acct_a[2], bare(b.jid)
    mb = len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mb)
    a.close()
    wait_gone(b, a.jid)
    b.send("<presence><status>here</status></presence>")
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, subscription="from")

    a = login(acct_a)
    item = items(roster_get(a))[bb]
    assert item.get("subscription") == "to", dump(item)
    assert item.get("ask") is None, dump(item)
    # The first presence brings the contact's, answered by the server.
    a.presence()
    p = seen_presence(a, b.jid)
    assert p.get("to") == a.jid, dump(p)


def test_changes_while_contact_offline(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b = online(login, acct_b)
    befriend(a, b)
    ab, bb = bare(a.jid), acct_b[2]
    b.close()
    seen_presence(a, b.jid, "unavailable")
    ma = len(a.history)
    a.presence(to=bb, ptype="unsubscribe")
    seen_push(a, bb, ma, subscription="from")
    b = login(acct_b)
    assert items(roster_get(b))[ab].get("subscription") == "to"
    ma = len(a.history)
    b.close()
    wait_gone(a, b.jid)
    a.presence(to=bb, ptype="unsubscribed")
    seen_push(a, bb, ma, subscription="none")
    b = login(acct_b)
    item = items(roster_get(b))[ab]
    assert item.get("subscription") == "none", dump(item)
    b.presence()
    b.assert_alive()
    assert presences(b, 0, ab, "subscribe") == []
    assert pushes(b) == []


def test_nonexistent_and_remote_contacts(lethe, login):
    a = online(login)
    for to, cond in (("nosuchuser-xyz@localhost", "item-not-found"),
                     ("someone@example.org", "remote-server-not-found")):
        m = len(a.history)
        a.presence(to=to, ptype="subscribe")
        e = seen_presence(a, to, "error", m)
        assert stanza_error_condition(e) == cond, dump(e)
        assert e.tag == q(NS_CLIENT, "presence")
    # Nothing was recorded for either.
    assert items(roster_get(a)) == {}
