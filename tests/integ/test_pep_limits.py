"""PEP limits ([limits] pep_nodes, pep_items, pep_item_bytes): an item
too big is <not-acceptable/> with <payload-too-big/>, a node beyond the
count is <resource-constraint/>, max_items above pep_items is refused and
"max" means pep_items."""
from peplib import NS_OWNER, error_of, get_items, publish, result_items
from rosterlib import bare, online
from xmpp_raw import dump

LETHE_CONF = {"limits": {"pep_nodes": "3", "pep_items": "4",
                         "pep_item_bytes": "2k"}}
NS = "urn:example:limits"


def test_item_bytes(lethe, login):
    c = online(login)
    r = publish(c, NS, "<a xmlns='%s'>%s</a>" % (NS, "x" * 3000))
    assert error_of(r) == ("not-acceptable", "payload-too-big")
    r = publish(c, NS, "<a xmlns='%s'>%s</a>" % (NS, "x" * 1000))
    assert r.get("type") == "result", dump(r)


def test_node_count(lethe, login):
    c = online(login)
    for i in range(3):
        r = publish(c, "%s:%d" % (NS, i), "<a xmlns='%s'/>" % NS)
        assert r.get("type") == "result", dump(r)
    r = publish(c, NS + ":3", "<a xmlns='%s'/>" % NS)
    assert error_of(r)[0] == "resource-constraint"
    # An existing node still takes items.
    r = publish(c, NS + ":0", "<a xmlns='%s'/>" % NS)
    assert r.get("type") == "result", dump(r)


def test_items_cap(lethe, login):
    c = online(login)
    r = publish(c, NS, "<a xmlns='%s'/>" % NS,
                options={"pubsub#max_items": "5"})
    assert error_of(r)[1] == "precondition-not-met"
    for i in range(6):
        r = publish(c, NS, "<a xmlns='%s'/>" % NS, item_id=str(i),
                    options={"pubsub#max_items": "max"})
        assert r.get("type") == "result", dump(r)
    ids = [i.get("id") for i in result_items(get_items(c, bare(c.jid), NS))]
    assert ids == ["2", "3", "4", "5"], ids
    r = c.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><configure "
                  "node='%s'><x xmlns='jabber:x:data' type='submit'><field "
                  "var='pubsub#max_items'><value>10</value></field></x>"
                  "</configure></pubsub></iq>" % (NS_OWNER, NS))
    assert error_of(r)[0] == "not-acceptable"
