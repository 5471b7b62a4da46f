"""Bookmarks stored the XEP-0048 way in private XML (XEP-0049) appear as
XEP-0402 items in PEP (one per room, id = room JID) and in the legacy
storage:bookmarks node (XEP-0411 behaviour); a room dropped from the
private list is retracted, and an empty list empties the native node."""
from bookmarkslib import (legacy_pep_rooms, native_rooms, private_set,
                          room, storage_xml)
from rosterlib import online

A = "council@conference.example.org"
B = "orchard@conference.example.org"


def test_private_to_native_and_back_out(lethe, login):
    c = online(login)
    assert native_rooms(c) == {}
    private_set(c, storage_xml({
        A: dict(name="Council", autojoin=True, nick="Puck",
                password="s3cret"),
        B: dict(name="Orchard")}))
    want = {A: room("Council", True, "Puck", "s3cret"),
            B: room("Orchard")}
    assert native_rooms(c) == want
    assert legacy_pep_rooms(c) == want
    # A changed room and a removed one.
    private_set(c, storage_xml({A: dict(name="Council", nick="Oberon")}))
    want = {A: room("Council", False, "Oberon")}
    assert native_rooms(c) == want
    assert legacy_pep_rooms(c) == want
    # Nothing left: the empty element removes the private copy.
    private_set(c, "<storage xmlns='storage:bookmarks'/>")
    assert native_rooms(c) == {}
    assert legacy_pep_rooms(c) == {}
