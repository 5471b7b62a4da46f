"""Malformed roster sets (RFC 6121 §2.1.2, §2.3.3) get the RFC's errors
and change nothing: more than one item, none, no or a bad 'jid', a group
named twice (<bad-request/>, <jid-malformed/>); an empty or too long
group, a too long name, too many groups (<not-acceptable/>). A client
cannot set a subscription state: 'subscription' other than "remove",
'ask' and 'approved' are ignored. Roster requests addressed to another
account, as a forged push would be, are <forbidden/>."""
import pytest

from rosterlib import (NS_ROSTER, bare, item_xml, items, online, pushes,
                       roster_get, roster_set, roster_set_raw)
from xmpp_raw import dump, stanza_error_condition

CONTACT = "juliet@example.org"


def refused(c, inner, cond):
    m = len(c.history)
    r = roster_set_raw(c, inner)
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == cond, dump(r)
    c.assert_alive()
    assert pushes(c, m) == [], "a refused set was pushed"
    return r


@pytest.mark.parametrize("inner, cond", [
    (item_xml(CONTACT) + item_xml("romeo@example.org"), "bad-request"),
    ("", "bad-request"),
    ("<item name='no jid'/>", "bad-request"),
    (item_xml(CONTACT, group_names=["a", "b", "a"]), "bad-request"),
    (item_xml("a@b@example.org"), "jid-malformed"),
    (item_xml("@example.org"), "jid-malformed"),
    (item_xml("user@"), "jid-malformed"),
    (item_xml(CONTACT, group_names=[""]), "not-acceptable"),
    (item_xml(CONTACT, name="n" * 1024), "not-acceptable"),
    (item_xml(CONTACT, group_names=["g" * 1024]), "not-acceptable"),
    (item_xml(CONTACT, group_names=["g%d" % i for i in range(65)]),
     "not-acceptable"),
])
def test_refused(lethe, login, witness, inner, cond):
    c = online(login)
    refused(c, inner, cond)
    assert items(roster_get(c)) == {}
    witness.assert_alive()


def test_limits_are_inclusive(lethe, login):
    c = online(login)
    r = roster_set(c, CONTACT, "n" * 1023,
                   ["g" * 1023] + ["g%d" % i for i in range(63)])
    assert r.get("type") == "result", dump(r)


@pytest.mark.parametrize("attrs", [
    " subscription='both'", " subscription='from'", " subscription='to'",
    " subscription='bogus'", " ask='subscribe'", " approved='true'",
])
def test_client_cannot_set_subscription_state(lethe, login, attrs):
    c = online(login)
    _, _, contact = lethe.new_account()
    r = roster_set_raw(c, item_xml(contact, "C", attrs=attrs))
    assert r.get("type") == "result", dump(r)
    item = items(roster_get(c))[contact]
    assert item.get("subscription") == "none", dump(item)
    assert item.get("ask") is None and item.get("approved") is None


@pytest.mark.parametrize("online_target", [True, False])
@pytest.mark.parametrize("kind", ["set", "get"])
def test_other_accounts_roster_forbidden(lethe, login, online_target, kind):
    target_acct = lethe.new_account()
    target = online(login, target_acct) if online_target else None
    c = online(login)
    body = item_xml(bare(c.jid)) if kind == "set" else ""
    r = c.request("<iq type='%s' id='%%s' to='%s'><query xmlns='%s'>%s"
                  "</query></iq>" % (kind, target_acct[2], NS_ROSTER, body))
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "forbidden", dump(r)
    if target is None:
        target = online(login, target_acct)
    else:
        target.assert_alive()
        assert pushes(target) == []
    assert items(roster_get(target)) == {}
