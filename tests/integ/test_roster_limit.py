"""The roster size limit ([limits] roster_items, RFC 6121 §2.3.3): a new
item past it is refused with <resource-constraint/> (roster sets,
subscription requests and pre-approvals alike) while updates and removals
still work; requests waiting for an answer are held up to the same
number."""
from rosterlib import (bare, items, online, presences, pushes, roster_get,
                       roster_remove, roster_set, seen_presence)
from xmpp_raw import dump, stanza_error_condition

LETHE_CONF = {"limits": {"roster_items": "3"}}


def test_roster_set_past_the_limit(lethe, login):
    c = online(login)
    for i in range(3):
        r = roster_set(c, "c%d@example.org" % i)
        assert r.get("type") == "result", dump(r)
    m = len(c.history)
    r = roster_set(c, "c3@example.org")
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "resource-constraint", dump(r)
    assert pushes(c, m) == []
    # Updating what is there is not adding.
    assert roster_set(c, "c0@example.org", "zero").get("type") == "result"
    assert roster_remove(c, "c1@example.org").get("type") == "result"
    assert roster_set(c, "c3@example.org").get("type") == "result"
    assert sorted(items(roster_get(c))) == [
        "c0@example.org", "c2@example.org", "c3@example.org"]


def test_subscribe_and_preapprove_past_the_limit(lethe, login):
    c = online(login)
    other = online(login)
    for i in range(3):
        assert roster_set(c, "c%d@example.org" % i).get("type") == "result"
    for ptype in ("subscribe", "subscribed"):
        m, mo = len(c.history), len(other.history)
        c.presence(to=bare(other.jid), ptype=ptype)
        e = seen_presence(c, bare(other.jid), "error", m)
        assert stanza_error_condition(e) == "resource-constraint", dump(e)
        other.assert_alive()
        assert presences(other, mo, bare(c.jid), ptype) == []
    assert bare(other.jid) not in items(roster_get(c))


def test_pending_requests_held_up_to_the_limit(lethe, login):
    acct = lethe.new_account()
    askers = [online(login) for _ in range(4)]
    for a in askers:
        a.presence(to=acct[2], ptype="subscribe")
        a.assert_alive()
    c = login(acct)
    c.presence()
    for a in askers[:3]:
        seen_presence(c, bare(a.jid), "subscribe")
    c.assert_alive()
    assert presences(c, 0, bare(askers[3].jid), "subscribe") == []
