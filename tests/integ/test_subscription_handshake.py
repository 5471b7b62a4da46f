"""The subscription handshake between two online local accounts (RFC 6121
§3.1): the request is pushed to the user as ask='subscribe' and shown to
the contact's available resources without becoming a roster item there;
the approval makes the contact's item 'from' and the user's 'to', and
the user gets the contact's current presence. Crossed requests end in
'both'; a denied request leaves nothing behind."""
from rosterlib import (bare, befriend, items, online, presences, pushes,
                       roster_get, seen_presence, seen_push)
from xmpp_raw import NS_CLIENT, dump, q


def test_request_then_approval(lethe, login):
    a = online(login)
    b = online(login, priority=5)
    ab, bb = bare(a.jid), bare(b.jid)
    ma, mb = len(a.history), len(b.history)

    a.send("<presence to='%s' type='subscribe'><status>it is me</status>"
           "</presence>" % bb)
    seen_push(a, bb, ma, subscription="none", ask="subscribe")
    req = seen_presence(b, ab, "subscribe", mb)
    assert req.get("to") == bb, dump(req)
    assert req.findtext(q(NS_CLIENT, "status")) == "it is me", dump(req)
    # A request is not a roster item (§3.1.3).
    assert items(roster_get(b)) == {}
    assert pushes(b, mb) == []

    ma, mb = len(a.history), len(b.history)
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, subscription="from", ask=None)
    ok = seen_presence(a, bb, "subscribed", ma)
    assert ok.get("to") == ab, dump(ok)
    seen_push(a, bb, ma, subscription="to", ask=None)
    # The user now sees the contact's presence, priority and all.
    p = seen_presence(a, b.jid, None, ma)
    assert p.findtext(q(NS_CLIENT, "priority")) == "5", dump(p)
    assert items(roster_get(a))[bb].get("subscription") == "to"
    assert items(roster_get(b))[ab].get("subscription") == "from"

    # Only 'to' for a: b's updates reach a, a's do not reach b.
    ma, mb = len(a.history), len(b.history)
    b.presence(priority=2)
    seen_presence(a, b.jid, None, ma)
    a.presence(priority=3)
    a.assert_alive()
    b.assert_alive()
    assert presences(b, mb, a.jid) == []


def test_crossed_requests_end_in_both(lethe, login):
    a = online(login)
    b = online(login)
    ab, bb = bare(a.jid), bare(b.jid)
    ma, mb = len(a.history), len(b.history)
    a.presence(to=bb, ptype="subscribe")
    b.presence(to=ab, ptype="subscribe")
    seen_presence(a, bb, "subscribe", ma)
    seen_presence(b, ab, "subscribe", mb)
    b.presence(to=ab, ptype="subscribed")
    a.presence(to=bb, ptype="subscribed")
    seen_push(a, bb, ma, subscription="both", ask=None)
    seen_push(b, ab, mb, subscription="both", ask=None)
    seen_presence(a, b.jid, None, ma)
    seen_presence(b, a.jid, None, mb)


def test_mutual_presence_and_strangers(lethe, login):
    a = online(login)
    b = online(login)
    stranger = online(login)
    befriend(a, b)
    ma, mb, ms = len(a.history), len(b.history), len(stranger.history)
    a.send("<presence><show>away</show></presence>")
    b.send("<presence><show>dnd</show></presence>")
    got = seen_presence(b, a.jid, None, mb)
    assert got.findtext(q(NS_CLIENT, "show")) == "away", dump(got)
    assert got.get("to") == bare(b.jid), dump(got)
    got = seen_presence(a, b.jid, None, ma)
    assert got.findtext(q(NS_CLIENT, "show")) == "dnd", dump(got)
    stranger.assert_alive()
    assert presences(stranger, ms, a.jid) == []
    assert presences(stranger, ms, b.jid) == []


def test_denied_request(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b = online(login, acct_b)
    ab, bb = bare(a.jid), bare(b.jid)
    ma, mb = len(a.history), len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mb)
    b.presence(to=ab, ptype="unsubscribed")
    seen_presence(a, bb, "unsubscribed", ma)
    seen_push(a, bb, ma, subscription="none", ask=None)
    assert items(roster_get(b)) == {}
    # Denied is forgotten: a new session of b is not asked again.
    b.close()
    again = login(acct_b)
    again.presence()
    again.assert_alive()
    assert presences(again, 0, ab, "subscribe") == []


def test_repeated_request_shown_once(lethe, login):
    a = online(login)
    b = online(login)
    ab, bb = bare(a.jid), bare(b.jid)
    mb = len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mb)
    a.presence(to=bb + "/whatever", ptype="subscribe")
    a.assert_alive()
    b.assert_alive()
    assert len(presences(b, mb, ab, "subscribe")) == 1
    # Approving an approved contact changes nothing.
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, subscription="from")
    m = len(b.history)
    b.presence(to=ab, ptype="subscribed")
    b.assert_alive()
    assert pushes(b, m) == []
