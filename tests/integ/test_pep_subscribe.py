"""Explicit subscriptions to a PEP node (XEP-0060 §6.1): a JID the
access model allows may subscribe (and gets the last item), a stranger
to a presence node may not, a subscriber without +notify caps gets
notifications, and node deletion and purge are notified."""
from peplib import (NS_OWNER, NS_PUBSUB, error_of, events, publish,
                    seen_event)
from rosterlib import bare, online
from xmpp_raw import dump, q

NS = "urn:example:sub"


def subscribe(c, owner, node, jid=None, verb="subscribe"):
    return c.request("<iq type='set' id='%%s' to='%s'><pubsub xmlns='%s'>"
                     "<%s node='%s' jid='%s'/></pubsub></iq>" % (
                         owner, NS_PUBSUB, verb, node, jid or bare(c.jid)))


def test_subscribe_open(lethe, login):
    owner, sub, stranger = online(login), online(login), online(login)
    ob = bare(owner.jid)
    r = publish(owner, NS, "<a xmlns='%s'>first</a>" % NS, item_id="1",
                options={"pubsub#access_model": "open"})
    assert r.get("type") == "result", dump(r)
    mark = len(sub.history)
    r = subscribe(sub, ob, NS)
    assert r.get("type") == "result", dump(r)
    s = r.find(q(NS_PUBSUB, "pubsub")).find(q(NS_PUBSUB, "subscription"))
    assert s.get("subscription") == "subscribed", dump(r)
    assert "first" in dump(seen_event(sub, ob, NS, mark))
    assert error_of(subscribe(sub, ob, NS, jid=bare(stranger.jid))) == (
        "bad-request", "invalid-jid")
    mark = len(sub.history)
    r = publish(owner, NS, "<a xmlns='%s'>second</a>" % NS, item_id="2")
    assert r.get("type") == "result", dump(r)
    assert "second" in dump(seen_event(sub, ob, NS, mark))
    mark = len(sub.history)
    r = owner.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><purge "
                      "node='%s'/></pubsub></iq>" % (NS_OWNER, NS))
    assert r.get("type") == "result", dump(r)
    seen_event(sub, ob, NS, mark, pred=lambda ev: ev.find(
        q(NS_PUBSUB + "#event", "purge")) is not None)
    r = owner.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><delete "
                      "node='%s'/></pubsub></iq>" % (NS_OWNER, NS))
    assert r.get("type") == "result", dump(r)
    seen_event(sub, ob, NS, mark, pred=lambda ev: ev.find(
        q(NS_PUBSUB + "#event", "delete")) is not None)
    stranger.assert_alive()
    assert events(stranger, ob, NS) == []


def test_subscribe_presence_denied(lethe, login):
    owner, stranger = online(login), online(login)
    r = publish(owner, NS + ":p", "<a xmlns='%s'/>" % NS)
    assert r.get("type") == "result", dump(r)
    assert error_of(subscribe(stranger, bare(owner.jid), NS + ":p")) == (
        "not-authorized", "presence-subscription-required")
