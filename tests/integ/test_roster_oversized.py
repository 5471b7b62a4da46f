"""Raw XML at the edges of roster items: an item bigger than the stanza
limit ends that stream (<policy-violation/>) and stores nothing, others
are unaffected; names and groups with markup characters and non-ASCII
text are kept exactly; unknown children of an item are ignored."""
from rosterlib import (NS_ROSTER, groups, item_xml, items, online,
                       roster_get, roster_set, roster_set_raw)
from xmpp_raw import dump

CONTACT = "juliet@example.org"


def test_item_over_the_stanza_limit(lethe, login, witness):
    acct = lethe.new_account()
    c = online(login, acct)
    huge = "<item jid='%s' name='%s'/>" % (CONTACT, "n" * 20000)
    c.send("<iq type='set' id='big'><query xmlns='%s'>%s</query></iq>"
           % (NS_ROSTER, huge), may_fail=True)
    c.expect_stream_error("policy-violation")
    witness.assert_alive()
    again = online(login, acct)
    assert items(roster_get(again)) == {}


def test_markup_and_unicode_kept(lethe, login):
    acct = lethe.new_account()
    c = online(login, acct)
    name = "Ju<li>et & \"R\" 'M' \u00e9\u4e2d\U0001f600"
    gs = ["a&b", "<tag>", "\u0444\u0440\u0438\u0437"]
    r = roster_set(c, CONTACT, name, gs)
    assert r.get("type") == "result", dump(r)
    c.close()
    c = online(login, acct)
    item = items(roster_get(c))[CONTACT]
    assert item.get("name") == name, dump(item)
    assert groups(item) == sorted(gs)


def test_unknown_children_ignored(lethe, login):
    c = online(login)
    inner = item_xml(CONTACT, "J").replace(
        "></item>", "><x xmlns='urn:example'><group>no</group></x>"
        "<group>yes</group></item>")
    r = roster_set_raw(c, inner)
    assert r.get("type") == "result", dump(r)
    assert groups(items(roster_get(c))[CONTACT]) == ["yes"]
