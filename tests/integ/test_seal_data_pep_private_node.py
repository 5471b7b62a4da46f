"""Items of a PEP node only its owner may read (access model whitelist)
are sealed to the owner: a contact is refused them while the owner is
online and while it is away, in the same words; they survive logging out
and in; a configuration change to 'presence' lets the contact read them
(they move to the clear store) and back to 'whitelist' closes them again
(they move back), each surviving a new login."""
from peplib import (NS_DATA, NS_OWNER, error_of, form, get_items, publish,
                    result_items)
from rosterlib import bare, befriend, online
from xmpp_raw import dump, xml_escape

NODE = "urn:example:sealed"
PAYLOAD = "<note xmlns='urn:example:sealed'>%s</note>"


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def configure(c, node, model):
    r = c.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><configure "
                  "node='%s'>%s</configure></pubsub></iq>" % (
                      NS_OWNER, xml_escape(node),
                      form(NS_OWNER.replace("#owner", "#node_config"),
                           {"pubsub#access_model": model})))
    assert r.get("type") == "result", dump(r)


def texts(r):
    return sorted(i[0].text for i in result_items(r, NODE))


def test_private_node_sealed(lethe, login):
    acct = lethe.new_account()
    owner, friend = online(login, acct), online(login)
    befriend(owner, friend)
    ob = acct[2]
    for i in ("one", "two"):
        r = publish(owner, NODE, PAYLOAD % i, item_id=i,
                    options={"pubsub#access_model": "whitelist"})
        assert r.get("type") == "result", dump(r)
    closed = ("not-allowed", "closed-node")
    assert error_of(get_items(friend, ob, NODE)) == closed
    end(owner)
    assert error_of(get_items(friend, ob, NODE)) == closed

    owner = online(login, acct)
    assert texts(get_items(owner, ob, NODE)) == ["one", "two"]
    configure(owner, NODE, "presence")
    assert texts(get_items(friend, ob, NODE)) == ["one", "two"]
    end(owner)
    owner = online(login, acct)
    assert texts(get_items(friend, ob, NODE)) == ["one", "two"]
    assert texts(get_items(owner, ob, NODE)) == ["one", "two"]

    configure(owner, NODE, "whitelist")
    assert error_of(get_items(friend, ob, NODE)) == closed
    r = publish(owner, NODE, PAYLOAD % "three", item_id="three")
    assert r.get("type") == "result", dump(r)
    end(owner)
    assert error_of(get_items(friend, ob, NODE)) == closed
    owner = online(login, acct)
    assert texts(get_items(owner, ob, NODE)) == ["one", "three", "two"]
    assert error_of(get_items(friend, ob, NODE)) == closed
