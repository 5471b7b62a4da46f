"""Subscription changes waiting for an away owner are bounded: past
[limits] pep_nodes of them a <subscribe/> is answered a temporary
<resource-constraint/> and nothing is kept, so a stranger cannot make
the sealed inbox grow. The owner's next login applies and empties it:
the subscriber is told "subscribed", and once the owner is away again
the inbox takes new changes."""
from peplib import NS_EVENT, NS_PUBSUB, error_of, publish
from rosterlib import bare, online, seen
from xmpp_raw import NS_CLIENT, dump, q

LETHE_CONF = {"limits": {"pep_nodes": "3"}}
NODE = "urn:example:inbox-limit"


def subscribe(c, owner):
    return c.request("<iq type='set' id='%%s' to='%s'><pubsub xmlns='%s'>"
                     "<subscribe node='%s' jid='%s'/></pubsub></iq>" % (
                         owner, NS_PUBSUB, NODE, bare(c.jid)))


def state(r):
    assert r.get("type") == "result", dump(r)
    return r.find(q(NS_PUBSUB, "pubsub")).find(
        q(NS_PUBSUB, "subscription")).get("subscription")


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def told(c, owner, since):
    def match(e):
        ev = e.find(q(NS_EVENT, "event"))
        return (e.tag == q(NS_CLIENT, "message") and
                e.get("from") == owner and ev is not None and
                ev.find(q(NS_EVENT, "subscription")) is not None)
    return seen(c, match, since, 5.0, "subscription event").find(
        q(NS_EVENT, "event")).find(q(NS_EVENT, "subscription")).get(
        "subscription")


def test_inbox_bounded(lethe, login):
    acct = lethe.new_account()
    ob = acct[2]
    owner, stranger, other = online(login, acct), online(login), \
        online(login)
    r = publish(owner, NODE, "<n xmlns='%s'/>" % NODE, item_id="1",
                options={"pubsub#access_model": "open"})
    assert r.get("type") == "result", dump(r)
    end(owner)

    mark = len(stranger.history)
    for _ in range(3):
        assert state(subscribe(stranger, ob)) == "pending"
    assert error_of(subscribe(stranger, ob)) == ("resource-constraint", None)
    r = subscribe(other, ob)
    assert r.find(q(NS_CLIENT, "error")).get("type") == "wait", dump(r)

    owner = online(login, acct)
    assert told(stranger, ob, mark) == "subscribed"
    # Applied and emptied: the owner online answers at once...
    assert state(subscribe(other, ob)) == "subscribed"
    end(owner)
    # ...and away again, the inbox has room.
    assert state(subscribe(stranger, ob)) == "pending"
