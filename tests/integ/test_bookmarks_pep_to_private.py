"""XEP-0402 bookmarks published and retracted in PEP are written to the
XEP-0048 <storage/> in private XML and in the storage:bookmarks node
(XEP-0411 behaviour); a room's <extensions/> survive a legacy write that
leaves the room as it was."""
from bookmarkslib import (NS_NATIVE, legacy_pep_rooms, native_items,
                          private_rooms, private_set, publish_native,
                          retract_native, room, storage_xml)
from rosterlib import online
from xmpp_raw import dump, q

A = "council@conference.example.org"
B = "orchard@conference.example.org"
EXT = "<extensions><state xmlns='urn:example:ext'>x</state></extensions>"


def test_native_to_private(lethe, login):
    c = online(login)
    publish_native(c, A, name="Council", autojoin=True, nick="Puck")
    publish_native(c, B, name="Orchard", password="pw", extra=EXT)
    want = {A: room("Council", True, "Puck"),
            B: room("Orchard", False, None, "pw")}
    assert private_rooms(c) == want
    assert legacy_pep_rooms(c) == want
    retract_native(c, A)
    want = {B: room("Orchard", False, None, "pw")}
    assert private_rooms(c) == want
    assert legacy_pep_rooms(c) == want
    # Written back unchanged through the legacy form: extensions stay.
    private_set(c, storage_xml({B: dict(name="Orchard", password="pw")}))
    conf = native_items(c)[B]
    ext = conf.find(q(NS_NATIVE, "extensions"))
    assert ext is not None and len(ext) == 1, dump(conf)
    # Changed through the legacy form: still kept, with the change.
    private_set(c, storage_xml({B: dict(name="Renamed", password="pw")}))
    conf = native_items(c)[B]
    assert conf.get("name") == "Renamed", dump(conf)
    assert conf.find(q(NS_NATIVE, "extensions")) is not None, dump(conf)
    retract_native(c, B)
    assert private_rooms(c) == {}
    assert legacy_pep_rooms(c) == {}
