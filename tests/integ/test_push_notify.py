"""Push (XEP-0357): an account registers an app server (here a local
account playing one); a message with a body for the account while it
has no session makes the server publish a notification to it: a pubsub
publish to the registered node with a urn:xmpp:push:summary form holding
a message count and nothing else (no body, no sender), with the
publish-options form as registered. A chat state alone notifies nobody;
disable stops notifications; an app server that answers with an error
loses the registration; registrations per account are limited."""
from xmpp_raw import NS_CLIENT, NS_DISCO_INFO, dump, q, xml_escape

NS_PUSH = "urn:xmpp:push:0"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_DATA = "jabber:x:data"

LETHE_CONF = {"limits": {"push_registrations": "2"}}


def enable(c, app, node, options=""):
    return c.request("<iq type='set' id='%%s'><enable xmlns='%s' jid='%s' "
                     "node='%s'>%s</enable></iq>" % (
                         NS_PUSH, xml_escape(app), xml_escape(node),
                         options))


def disable(c, app, node=None):
    n = "" if node is None else " node='%s'" % xml_escape(node)
    r = c.request("<iq type='set' id='%%s'><disable xmlns='%s' jid='%s'%s/>"
                  "</iq>" % (NS_PUSH, xml_escape(app), n))
    assert r.get("type") == "result", dump(r)


def publish(app, timeout=5.0):
    return app.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq") and
                        e.find(q(NS_PUBSUB, "pubsub")) is not None,
                        timeout=timeout)


def no_publish(app, sender):
    """No publish reached app, once what sender sent has been handled (a
    registration read goes through the store, in order, like a vCard
    read)."""
    for _ in range(2):
        sender.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/>"
                       "</iq>")
    app.assert_alive()
    assert not any(e.find(q(NS_PUBSUB, "pubsub")) is not None
                   for e in app.history), [dump(e) for e in app.history]


def registered(lethe, login, node="node-1", options=""):
    user, app_acct = lethe.new_account(), lethe.new_account("app")
    app = login(app_acct, "push", presence=0)
    u = login(user)
    r = enable(u, app.jid, node, options)
    assert r.get("type") == "result", dump(r)
    return user, u, app


def test_notification(lethe, login):
    opts = ("<x xmlns='%s' type='submit'><field var='FORM_TYPE'><value>"
            "http://jabber.org/protocol/pubsub#publish-options</value>"
            "</field><field var='secret'><value>s3cr3t</value></field></x>"
            % NS_DATA)
    user, u, app = registered(lethe, login, "my-node", opts)
    u.close()
    sender = login(presence=0)
    sender.message(user[2], "top secret body")
    iq = publish(app)
    assert iq.get("type") == "set" and iq.get("from") == user[2], dump(iq)
    pub = iq.find(q(NS_PUBSUB, "pubsub")).find(q(NS_PUBSUB, "publish"))
    assert pub.get("node") == "my-node", dump(iq)
    x = pub.find(q(NS_PUBSUB, "item")).find(q(NS_PUSH, "notification")) \
        .find(q(NS_DATA, "x"))
    fields = {f.get("var"): f.findtext(q(NS_DATA, "value"))
              for f in x.findall(q(NS_DATA, "field"))}
    assert fields == {"FORM_TYPE": "urn:xmpp:push:summary",
                      "message-count": "1"}, dump(iq)
    raw = dump(iq)
    assert "top secret body" not in raw and sender.jid.split("/")[0] \
        not in raw, raw
    po = iq.find(q(NS_PUBSUB, "pubsub")).find(q(NS_PUBSUB,
                                               "publish-options"))
    assert po is not None and "s3cr3t" in dump(po), raw
    app.send("<iq type='result' id='%s' to='%s'/>" % (iq.get("id"),
                                                       user[2]))
    app.assert_alive()
    # A chat state alone wakes nobody.
    app.history.clear()
    sender.send("<message to='%s' type='chat'><composing xmlns='http://"
                "jabber.org/protocol/chatstates'/></message>" % user[2])
    no_publish(app, sender)
    # Online: no push.
    u = login(user)
    sender.message(user[2], "while online")
    no_publish(app, sender)


def test_disable_stops(lethe, login):
    user, u, app = registered(lethe, login)
    disable(u, app.jid)
    u.close()
    sender = login(presence=0)
    sender.message(user[2], "after disable")
    no_publish(app, sender)


def test_error_removes_registration(lethe, login):
    user, u, app = registered(lethe, login)
    u.close()
    sender = login(presence=0)
    sender.message(user[2], "first")
    iq = publish(app)
    app.send("<iq type='error' id='%s' to='%s'><error type='cancel'>"
             "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
             "</error></iq>" % (iq.get("id"), user[2]))
    app.assert_alive()
    app.history.clear()
    sender.message(user[2], "second")
    no_publish(app, sender)


def test_limit_and_disco(lethe, login):
    user, u, app = registered(lethe, login)
    assert enable(u, app.jid, "node-2").get("type") == "result"
    # The same registration again is not a new one.
    assert enable(u, app.jid, "node-2").get("type") == "result"
    r = enable(u, app.jid, "node-3")
    assert r.get("type") == "error" and r.find(
        ".//{urn:ietf:params:xml:ns:xmpp-stanzas}resource-constraint") \
        is not None, dump(r)
    r = enable(u, app.jid, "")
    assert r.get("type") == "error", dump(r)
    r = u.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (user[2], NS_DISCO_INFO))
    assert NS_PUSH in {f.get("var") for f in
                       r.iter(q(NS_DISCO_INFO, "feature"))}, dump(r)
