"""Initial presence is broadcast to all of the account's available
resources, including the one that sent it (RFC 6121 §4.2.2: an entity
is implicitly subscribed to its own presence); an unavailable resource
gets none."""
from xmpp_raw import NS_CLIENT, dump, q


def presences_from(c, jid):
    c.assert_alive()
    return [e for e in c.history if e.tag == q(NS_CLIENT, "presence") and
            e.get("from") == jid]


def test_own_initial_presence_reflected(lethe, login):
    c = login()
    c.presence(priority=1)
    got = presences_from(c, c.jid)
    assert len(got) == 1, [dump(e) for e in c.history]


def test_other_resources_see_it(lethe, login):
    acct = lethe.new_account()
    first = login(acct, "first", presence=0)
    quiet = login(acct, "quiet")
    second = login(acct, "second")
    second.presence(priority=3)
    second.assert_alive()
    got = presences_from(first, second.jid)
    assert len(got) == 1, [dump(e) for e in first.history]
    assert got[0].findtext(q(NS_CLIENT, "priority")) == "3", dump(got[0])
    assert presences_from(quiet, second.jid) == []
