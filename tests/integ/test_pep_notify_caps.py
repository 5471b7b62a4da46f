"""PEP notifications (XEP-0163 §4.3) go to the owner's resources and to
contacts subscribed to the owner's presence whose entity capabilities
(XEP-0115, verified) contain NODE+notify; not to a contact without it,
nor to a stranger with it. The last item comes when a contact with
+notify caps becomes available."""
from peplib import caps_presence, events, publish, seen_event
from rosterlib import bare, befriend, roster_get
from xmpp_raw import NS_CLIENT, Timeout, dump, q

NODE = "urn:example:tune"
NOTIFY = [NODE + "+notify", "http://jabber.org/protocol/caps"]


def caps_online(login, features, account=None):
    c = login(account)
    assert roster_get(c).get("type") == "result"
    caps_presence(c, features)
    c.assert_alive()
    return c


def test_notifications_by_caps(lethe, login):
    owner = caps_online(login, NOTIFY)
    fan = caps_online(login, NOTIFY)
    deaf = caps_online(login, ["urn:example:other"])
    stranger = caps_online(login, NOTIFY)
    befriend(owner, fan)
    befriend(owner, deaf)
    ob = bare(owner.jid)
    marks = [len(c.history) for c in (owner, fan, deaf, stranger)]
    r = publish(owner, NODE, "<tune xmlns='%s'><title>One</title></tune>"
                % NODE, item_id="current")
    assert r.get("type") == "result", dump(r)
    ev = seen_event(fan, ob, NODE, marks[1])
    item = ev.find(q("http://jabber.org/protocol/pubsub#event",
                     "items")).find(q("http://jabber.org/protocol/pubsub"
                                      "#event", "item"))
    assert item.get("id") == "current", dump(ev)
    assert item.find(q(NODE, "tune")) is not None, dump(ev)
    seen_event(owner, ob, NODE, marks[0])
    deaf.assert_alive()
    stranger.assert_alive()
    assert events(deaf, ob, NODE, marks[2]) == []
    assert events(stranger, ob, NODE, marks[3]) == []


def test_last_item_on_presence(lethe, login):
    owner = caps_online(login, NOTIFY)
    acct = lethe.new_account()
    fan = caps_online(login, NOTIFY, acct)
    befriend(owner, fan)
    r = publish(owner, NODE, "<tune xmlns='%s'><title>Two</title></tune>"
                % NODE, item_id="last")
    assert r.get("type") == "result", dump(r)
    fan.close()
    # A new session of the contact gets the last item at initial presence.
    again = login(acct)
    mark = len(again.history)
    caps_presence(again, NOTIFY)
    ev = seen_event(again, bare(owner.jid), NODE, mark)
    assert "Two" in dump(ev)


def test_unverified_caps_ignored(lethe, login):
    owner = caps_online(login, NOTIFY)
    liar = login()
    assert roster_get(liar).get("type") == "result"
    # The answer does not hash to ver: nothing is learnt from it.
    caps_presence(liar, [NODE + "+notify", "urn:example:liar"], lie=True)
    befriend(owner, liar)
    mark = len(liar.history)
    r = publish(owner, NODE, "<tune xmlns='%s'/>" % NODE)
    assert r.get("type") == "result", dump(r)
    liar.assert_alive()
    assert events(liar, bare(owner.jid), NODE, mark) == []
