"""Bookmarks published the XEP-0048 way in PEP (node storage:bookmarks,
item 'current') become XEP-0402 items and the private XML copy; a room
left out of the next publish is retracted, and retracting 'current'
empties both."""
from bookmarkslib import (NS_LEGACY, native_rooms, private_rooms,
                          publish_legacy, room)
from peplib import NS_PUBSUB
from rosterlib import online
from xmpp_raw import dump

A = "council@conference.example.org"
B = "orchard@conference.example.org"


def test_legacy_pep_to_native(lethe, login):
    c = online(login)
    publish_legacy(c, {A: dict(name="Council", autojoin=True),
                       B: dict(name="Orchard", nick="Puck")})
    want = {A: room("Council", True), B: room("Orchard", False, "Puck")}
    assert native_rooms(c) == want
    assert private_rooms(c) == want
    publish_legacy(c, {B: dict(name="Orchard", nick="Puck")})
    want = {B: room("Orchard", False, "Puck")}
    assert native_rooms(c) == want
    assert private_rooms(c) == want
    r = c.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><retract "
                  "node='%s'><item id='current'/></retract></pubsub></iq>"
                  % (NS_PUBSUB, NS_LEGACY))
    assert r.get("type") == "result", dump(r)
    assert native_rooms(c) == {}
    assert private_rooms(c) == {}
