"""Bookmarks are sealed to their account in all three forms (XEP-0402
PEP node, XEP-0048 in private XML and in PEP): they survive logging out
and in, each form readable by the account; both PEP nodes are whitelist
whatever a client asks, so a contact is refused them, online or away."""
from bookmarkslib import (NS_LEGACY, NS_NATIVE, conference_xml,
                          legacy_pep_rooms, native_rooms, private_rooms,
                          private_set, publish_native, room, storage_xml)
from peplib import NS_OWNER, error_of, get_items, publish
from rosterlib import befriend, online
from xmpp_raw import dump, q, xml_escape

A = "council@conference.example.org"
B = "orchard@conference.example.org"
CLOSED = ("not-allowed", "closed-node")


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def access_model(c, node):
    r = c.request("<iq type='get' id='%%s'><pubsub xmlns='%s'><configure "
                  "node='%s'/></pubsub></iq>" % (NS_OWNER, xml_escape(node)))
    assert r.get("type") == "result", dump(r)
    for f in r.iter(q("jabber:x:data", "field")):
        if f.get("var") == "pubsub#access_model":
            return f.findtext(q("jabber:x:data", "value"))
    raise AssertionError(dump(r))


def test_all_forms_survive_relogin(lethe, login):
    acct = lethe.new_account()
    c, friend = online(login, acct), online(login)
    befriend(c, friend)
    publish_native(c, A, name="Council", autojoin=True, nick="Puck")
    private_set(c, storage_xml({A: dict(name="Council", autojoin=True,
                                        nick="Puck"),
                                B: dict(name="Orchard", password="pw")}))
    want = {A: room("Council", True, "Puck"),
            B: room("Orchard", False, None, "pw")}
    assert native_rooms(c) == want
    for node in (NS_NATIVE, NS_LEGACY):
        assert error_of(get_items(friend, acct[2], node)) == CLOSED
    end(c)
    for node in (NS_NATIVE, NS_LEGACY):
        assert error_of(get_items(friend, acct[2], node)) == CLOSED

    c = online(login, acct)
    assert private_rooms(c) == want
    assert native_rooms(c) == want
    assert legacy_pep_rooms(c) == want
    end(c)
    # The older form alone, written at the next login, is read back too.
    c = online(login, acct)
    private_set(c, storage_xml({B: dict(name="Orchard", password="pw")}))
    end(c)
    c = online(login, acct)
    want = {B: room("Orchard", False, None, "pw")}
    assert private_rooms(c) == want
    assert native_rooms(c) == want
    assert legacy_pep_rooms(c) == want


def test_bookmark_nodes_stay_whitelist(lethe, login):
    c = online(login)
    # No publish-options: made whitelist all the same.
    r = publish(c, NS_LEGACY, storage_xml({A: {}}), item_id="current")
    assert r.get("type") == "result", dump(r)
    assert access_model(c, NS_LEGACY) == "whitelist"
    assert access_model(c, NS_NATIVE) == "whitelist"
    # Asking for another model is refused, and changes nothing.
    r = publish(c, NS_NATIVE, conference_xml(B, ns=NS_NATIVE), item_id=B,
                options={"pubsub#access_model": "presence"})
    assert error_of(r) == ("conflict", "precondition-not-met"), dump(r)
    r = c.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><configure "
                  "node='%s'><x xmlns='jabber:x:data' type='submit'>"
                  "<field var='pubsub#access_model'><value>open</value>"
                  "</field></x></configure></pubsub></iq>" % (NS_OWNER,
                                                               NS_LEGACY))
    assert r.get("type") == "error", dump(r)
    assert access_model(c, NS_LEGACY) == "whitelist"
