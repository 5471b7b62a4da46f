"""Subscription pre-approval (RFC 6121 §3.4): the server advertises it;
'subscribed' sent before any request is noted on the roster item
(approved='true') and not routed; the later request is then approved by
the server without asking the contact; 'unsubscribed' withdraws it."""
from rosterlib import (bare, items, online, presences, pushes, roster_get,
                       roster_set, seen_presence, seen_push)
from xmpp_raw import dump, q

NS_PREAPPROVAL = "urn:xmpp:features:pre-approval"


def test_advertised_after_authentication(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    feats = c.secure(False)
    assert feats.find(q(NS_PREAPPROVAL, "sub")) is None, dump(feats)
    assert c.authenticate(local, password, "SCRAM-SHA-256").tag.endswith(
        "success")
    feats = c.open_stream()
    assert feats.find(q(NS_PREAPPROVAL, "sub")) is not None, dump(feats)


def test_preapproved_request_is_approved_by_the_server(lethe, login):
    a = online(login)
    b = online(login, priority=7)
    ab, bb = bare(a.jid), bare(b.jid)
    ma, mb = len(a.history), len(b.history)
    b.presence(to=ab, ptype="subscribed")
    item = seen_push(b, ab, mb, approved="true")
    assert item.get("subscription") == "none", dump(item)
    a.assert_alive()
    assert presences(a, ma, bb, "subscribed") == [], "routed too early"

    mb = len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(a, bb, "subscribed", ma)
    seen_push(a, bb, ma, subscription="to", ask=None)
    seen_presence(a, b.jid, None, ma)
    item = seen_push(b, ab, mb, subscription="from", approved=None)
    b.assert_alive()
    assert presences(b, mb, ab, "subscribe") == [], "the contact was asked"
    assert items(roster_get(b))[ab].get("approved") is None


def test_preapproval_withdrawn(lethe, login):
    a = online(login)
    b = online(login)
    ab, bb = bare(a.jid), bare(b.jid)
    mb = len(b.history)
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, approved="true")
    mb = len(b.history)
    b.presence(to=ab, ptype="unsubscribed")
    seen_push(b, ab, mb, approved=None, subscription="none")
    mb = len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mb)
    assert pushes(b, mb) == []


def test_preapproval_of_an_existing_item(lethe, login):
    a = online(login)
    b = online(login)
    ab = bare(a.jid)
    assert roster_set(b, ab, "Alice").get("type") == "result"
    mb = len(b.history)
    b.presence(to=ab, ptype="subscribed")
    item = seen_push(b, ab, mb, approved="true")
    assert item.get("name") == "Alice", dump(item)
