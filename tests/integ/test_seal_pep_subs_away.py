"""Explicit PEP subscriptions while the owner is away (sealing on: its
subscriber list cannot be read or written). A <subscribe/> is accepted
as "pending" and waits sealed; an <unsubscribe/> is accepted as "none";
a node only the owner may see is refused at once, as when it is online;
retrieving one's subscriptions says the owner is away. At the owner's
next login each waiting change is applied in order, the access model
checked against its roster then: a friend and a stranger on an open node
and a friend on a presence node are told "subscribed" (with the last
item), a stranger on a presence node "none", and the owner's next
publish reaches exactly those subscribed."""
from peplib import NS_EVENT, NS_PUBSUB, error_of, events, publish, seen_event
from rosterlib import bare, befriend, online, seen
from xmpp_raw import NS_CLIENT, dump, q

OPEN = "urn:example:away-open"
PRES = "urn:example:away-presence"
MINE = "urn:example:away-mine"


def subscribe(c, owner, node, verb="subscribe"):
    return c.request("<iq type='set' id='%%s' to='%s'><pubsub xmlns='%s'>"
                     "<%s node='%s' jid='%s'/></pubsub></iq>" % (
                         owner, NS_PUBSUB, verb, node, bare(c.jid)))


def state(r):
    assert r.get("type") == "result", dump(r)
    return r.find(q(NS_PUBSUB, "pubsub")).find(
        q(NS_PUBSUB, "subscription")).get("subscription")


def pub(c, node, text, model=None):
    opts = None if model is None else {"pubsub#access_model": model}
    r = publish(c, node, "<n xmlns='%s'>%s</n>" % (node, text),
                item_id=text, options=opts)
    assert r.get("type") == "result", dump(r)


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def sub_event(c, owner, node, since):
    """The subscription state event about node; returns its state."""
    def match(e):
        ev = e.find(q(NS_EVENT, "event"))
        if e.tag != q(NS_CLIENT, "message") or e.get("from") != owner or \
                ev is None:
            return False
        s = ev.find(q(NS_EVENT, "subscription"))
        return s is not None and s.get("node") == node
    return seen(c, match, since, 5.0, "subscription event on " + node).find(
        q(NS_EVENT, "event")).find(q(NS_EVENT, "subscription")).get(
        "subscription")


def test_subscribe_while_away(lethe, login):
    acct = lethe.new_account()
    ob = acct[2]
    owner, friend, stranger, leaver = (online(login, acct), online(login),
                                       online(login), online(login))
    befriend(owner, friend)
    pub(owner, OPEN, "o1", "open")
    pub(owner, PRES, "p1")
    pub(owner, MINE, "m1", "whitelist")
    assert state(subscribe(leaver, ob, OPEN)) == "subscribed"
    end(owner)

    marks = {c: len(c.history) for c in (friend, stranger, leaver)}
    assert state(subscribe(friend, ob, OPEN)) == "pending"
    assert state(subscribe(friend, ob, PRES)) == "pending"
    assert state(subscribe(stranger, ob, OPEN)) == "pending"
    assert state(subscribe(stranger, ob, PRES)) == "pending"
    assert state(subscribe(leaver, ob, OPEN, "unsubscribe")) == "none"
    assert error_of(subscribe(friend, ob, MINE)) == (
        "not-allowed", "closed-node")
    r = friend.request("<iq type='get' id='%%s' to='%s'><pubsub xmlns='%s'>"
                       "<subscriptions/></pubsub></iq>" % (ob, NS_PUBSUB))
    assert error_of(r) == ("recipient-unavailable", None)
    # Nothing is sent while the owner is away.
    for c in (friend, stranger, leaver):
        c.assert_alive()
        assert events(c, ob, OPEN, marks[c]) == []
        assert events(c, ob, PRES, marks[c]) == []

    owner = online(login, acct)
    assert sub_event(friend, ob, OPEN, marks[friend]) == "subscribed"
    assert sub_event(friend, ob, PRES, marks[friend]) == "subscribed"
    assert sub_event(stranger, ob, OPEN, marks[stranger]) == "subscribed"
    assert sub_event(stranger, ob, PRES, marks[stranger]) == "none"
    # The last item came with each subscription that took.
    seen_event(friend, ob, OPEN, marks[friend],
               pred=lambda ev: ev.find(q(NS_EVENT, "items")) is not None)
    seen_event(stranger, ob, OPEN, marks[stranger],
               pred=lambda ev: ev.find(q(NS_EVENT, "items")) is not None)

    r = friend.request("<iq type='get' id='%%s' to='%s'><pubsub xmlns='%s'>"
                       "<subscriptions/></pubsub></iq>" % (ob, NS_PUBSUB))
    assert r.get("type") == "result", dump(r)
    got = sorted(s.get("node") for s in r.find(q(NS_PUBSUB, "pubsub")).find(
        q(NS_PUBSUB, "subscriptions")).findall(q(NS_PUBSUB, "subscription")))
    assert got == [OPEN, PRES], dump(r)

    marks = {c: len(c.history) for c in (friend, stranger, leaver)}
    pub(owner, OPEN, "o2")
    pub(owner, PRES, "p2")
    assert "o2" in dump(seen_event(friend, ob, OPEN, marks[friend]))
    assert "p2" in dump(seen_event(friend, ob, PRES, marks[friend]))
    assert "o2" in dump(seen_event(stranger, ob, OPEN, marks[stranger]))
    for c in (friend, stranger, leaver):
        c.assert_alive()
    assert events(stranger, ob, PRES, marks[stranger]) == []
    assert events(leaver, ob, OPEN, marks[leaver]) == []
