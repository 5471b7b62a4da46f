"""publish-options (XEP-0060 §7.1.5): a new node is made with the
options; an existing node whose configuration matches takes the item;
one that differs is refused with <conflict/> and
<precondition-not-met/>, and nothing is published. The owner can read
and change the configuration (pubsub#owner)."""
from peplib import (NS_DATA, NS_OWNER, error_of, get_items, publish,
                    result_items)
from rosterlib import bare, online
from xmpp_raw import dump, q

NODE = "urn:example:opts"


def config(c, node):
    r = c.request("<iq type='get' id='%%s'><pubsub xmlns='%s'><configure "
                  "node='%s'/></pubsub></iq>" % (NS_OWNER, node))
    assert r.get("type") == "result", dump(r)
    x = r.find(q(NS_OWNER, "pubsub")).find(q(NS_OWNER, "configure")).find(
        q(NS_DATA, "x"))
    return {f.get("var"): [v.text for v in f.findall(q(NS_DATA, "value"))]
            for f in x.findall(q(NS_DATA, "field"))}


def test_publish_options(lethe, login):
    c = online(login)
    me = bare(c.jid)
    opts = {"pubsub#access_model": "open", "pubsub#max_items": "max"}
    r = publish(c, NODE, "<a xmlns='%s'/>" % NODE, item_id="1", options=opts)
    assert r.get("type") == "result", dump(r)
    cfg = config(c, NODE)
    assert cfg["pubsub#access_model"] == ["open"], cfg
    assert cfg["pubsub#max_items"] == ["max"], cfg
    r = publish(c, NODE, "<b xmlns='%s'/>" % NODE, item_id="2", options=opts)
    assert r.get("type") == "result", dump(r)
    r = publish(c, NODE, "<c xmlns='%s'/>" % NODE, item_id="3",
                options={"pubsub#access_model": "whitelist"})
    assert error_of(r) == ("conflict", "precondition-not-met")
    ids = [i.get("id") for i in result_items(get_items(c, me, NODE))]
    assert ids == ["1", "2"], ids
    # After a reconfiguration the same options succeed.
    r = c.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><configure "
                  "node='%s'><x xmlns='%s' type='submit'><field "
                  "var='pubsub#access_model'><value>whitelist</value>"
                  "</field></x></configure></pubsub></iq>" % (
                      NS_OWNER, NODE, NS_DATA))
    assert r.get("type") == "result", dump(r)
    r = publish(c, NODE, "<c xmlns='%s'/>" % NODE, item_id="3",
                options={"pubsub#access_model": "whitelist"})
    assert r.get("type") == "result", dump(r)


def test_max_items_and_retract(lethe, login):
    c = online(login)
    me = bare(c.jid)
    node = NODE + ":two"
    for i in range(4):
        r = publish(c, node, "<a xmlns='%s'>%d</a>" % (NODE, i),
                    item_id=str(i), options={"pubsub#max_items": "2"})
        assert r.get("type") == "result", dump(r)
    ids = [i.get("id") for i in result_items(get_items(c, me, node))]
    assert ids == ["2", "3"], ids
    ids = [i.get("id") for i in result_items(get_items(c, me, node, 1))]
    assert ids == ["3"], ids
    r = c.request("<iq type='set' id='%%s'><pubsub xmlns='http://jabber.org"
                  "/protocol/pubsub'><retract node='%s'><item id='3'/>"
                  "</retract></pubsub></iq>" % node)
    assert r.get("type") == "result", dump(r)
    ids = [i.get("id") for i in result_items(get_items(c, me, node))]
    assert ids == ["2"], ids
    # A generated id comes back in the result.
    r = publish(c, node, "<a xmlns='%s'/>" % NODE)
    pub = r.find(q("http://jabber.org/protocol/pubsub", "pubsub"))
    assert pub[0][0].get("id"), dump(r)
