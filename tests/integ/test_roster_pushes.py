"""Roster get, set and remove (RFC 6121 §2.2-2.5): an item is added with
a name and groups, updated, and removed; every change is pushed to each
resource that requested the roster (§2.1.6), the one that made it too,
and to no other; the roster survives a new login."""
from rosterlib import (bare, groups, items, online, pushes, roster_get,
                       roster_remove, roster_set, seen_push)
from xmpp_raw import dump, stanza_error_condition


def test_add_update_remove_with_pushes(lethe, login):
    acct = lethe.new_account()
    _, _, contact = lethe.new_account()
    one = online(login, acct, "one")
    two = online(login, acct, "two")
    quiet = login(acct, "quiet")  # never asked for the roster
    marks = [len(c.history) for c in (one, two, quiet)]

    r = roster_set(one, contact, "Juliet", ["Friends", "Capulets"])
    assert r.get("type") == "result", dump(r)
    for c, m in ((one, marks[0]), (two, marks[1])):
        item = seen_push(c, contact, m, subscription="none")
        assert item.get("name") == "Juliet", dump(item)
        assert groups(item) == ["Capulets", "Friends"]
        assert item.get("ask") is None
    quiet.assert_alive()
    assert pushes(quiet, marks[2]) == []

    got = items(roster_get(two))
    assert list(got) == [contact]
    assert got[contact].get("name") == "Juliet"
    assert groups(got[contact]) == ["Capulets", "Friends"]
    assert got[contact].get("subscription") == "none"

    # An update replaces name and groups.
    m = len(one.history)
    r = roster_set(two, contact, "J.", ["Verona"])
    assert r.get("type") == "result", dump(r)
    item = seen_push(one, contact, m, name="J.")
    assert groups(item) == ["Verona"]
    # Without a name and groups, both go.
    m = len(one.history)
    assert roster_set(one, contact).get("type") == "result"
    item = seen_push(one, contact, m, name=None)
    assert groups(item) == []

    m1, m2 = len(one.history), len(two.history)
    r = roster_remove(one, contact)
    assert r.get("type") == "result", dump(r)
    seen_push(one, contact, m1, subscription="remove")
    seen_push(two, contact, m2, subscription="remove")
    assert items(roster_get(one)) == {}


def test_kept_across_logins(lethe, login):
    acct = lethe.new_account()
    _, _, contact = lethe.new_account()
    c = online(login, acct)
    assert roster_set(c, contact, "Romeo", ["Montagues"]).get(
        "type") == "result"
    c.close()
    again = login(acct)
    got = items(roster_get(again))
    assert got[contact].get("name") == "Romeo", dump(got[contact])
    assert groups(got[contact]) == ["Montagues"]


def test_jid_is_normalized(lethe, login):
    c = online(login)
    _, _, contact = lethe.new_account()
    local, domain = contact.split("@")
    r = roster_set(c, "%s@%s" % (local.upper(), domain.upper()))
    assert r.get("type") == "result", dump(r)
    assert list(items(roster_get(c))) == [contact]


def test_own_jid_and_other_domains_allowed(lethe, login):
    c = online(login)
    for jid in (bare(c.jid), "someone@example.org", "irc.example.org"):
        r = roster_set(c, jid, "x")
        assert r.get("type") == "result", dump(r)
    assert sorted(items(roster_get(c))) == sorted(
        [bare(c.jid), "someone@example.org", "irc.example.org"])


def test_remove_unknown_item(lethe, login):
    c = online(login)
    r = roster_remove(c, "nobody@localhost")
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "item-not-found", dump(r)
