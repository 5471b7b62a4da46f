"""Archiving preferences (XEP-0441): the default comes from the
configuration; 'never' keeps nothing, 'roster' keeps only peers with a
subscription, 'always' everything; the always and never lists override
the default. Preferences are stored and survive a new login."""
from mamlib import NS_MAM, bodies, query, settle, stanza_id
from rosterlib import roster_set
from xmpp_raw import dump, q, xml_escape


def prefs_set(c, default, always=(), never=()):
    def lst(name, jids):
        return "<%s>%s</%s>" % (name, "".join(
            "<jid>%s</jid>" % xml_escape(j) for j in jids), name)
    r = c.request("<iq type='set' id='%%s'><prefs xmlns='%s' default='%s'>"
                  "%s%s</prefs></iq>" % (NS_MAM, default,
                                         lst("always", always),
                                         lst("never", never)))
    assert r.get("type") == "result", dump(r)
    return r


def prefs_get(c):
    r = c.request("<iq type='get' id='%%s'><prefs xmlns='%s'/></iq>"
                  % NS_MAM)
    assert r.get("type") == "result", dump(r)
    p = r.find(q(NS_MAM, "prefs"))
    return (p.get("default"),
            [j.text for j in p.find(q(NS_MAM, "always"))],
            [j.text for j in p.find(q(NS_MAM, "never"))])


def test_default_and_roundtrip(lethe, login):
    acct = lethe.new_account()
    a = login(acct)
    assert prefs_get(a) == ("always", [], [])
    prefs_set(a, "roster", always=["x@localhost"], never=["Y@localhost"])
    assert prefs_get(a) == ("roster", ["x@localhost"], ["y@localhost"])
    a.close()
    a = login(acct)
    assert prefs_get(a) == ("roster", ["x@localhost"], ["y@localhost"])
    r = a.request("<iq type='set' id='%%s'><prefs xmlns='%s' "
                  "default='sometimes'/></iq>" % NS_MAM)
    assert r.get("type") == "error", dump(r)


def test_never_roster_always(lethe, login):
    a_acct, b_acct, c_acct = (lethe.new_account() for _ in range(3))
    a = login(a_acct, presence=0)
    b = login(b_acct, presence=0)
    c = login(c_acct, presence=0)

    prefs_set(a, "never")
    b.message(a_acct[2], "never-1")
    m = a.wait_message("never-1")
    assert stanza_id(m, a_acct[2]) is None, dump(m)
    a.message(b_acct[2], "never-2")
    b.wait_message("never-2")
    settle(a)
    assert query(a)[0] == []
    # b archives by its own preferences.
    assert bodies(query(b)[0]) == ["never-1", "never-2"]

    # roster: b is a contact with a subscription (a pre-approved 'from'
    # is enough: roster_set then subscribe/subscribed), c is not.
    roster_set(a, b_acct[2])
    a.send("<presence to='%s' type='subscribe'/>" % b_acct[2])
    b.send("<presence to='%s' type='subscribed'/>" % a_acct[2])
    settle(b)
    settle(a)
    prefs_set(a, "roster")
    b.message(a_acct[2], "roster-b")
    c.message(a_acct[2], "roster-c")
    a.wait_message("roster-c")
    settle(a)
    assert bodies(query(a)[0]) == ["roster-b"]

    # Lists override the default.
    prefs_set(a, "always", never=[b_acct[2]])
    b.message(a_acct[2], "listed-b")
    c.message(a_acct[2], "listed-c")
    a.wait_message("listed-c")
    settle(a)
    assert bodies(query(a)[0]) == ["roster-b", "listed-c"]
    prefs_set(a, "never", always=[c_acct[2]])
    b.message(a_acct[2], "late-b")
    c.message(a_acct[2], "late-c")
    a.wait_message("late-c")
    settle(a)
    assert bodies(query(a)[0]) == ["roster-b", "listed-c", "late-c"]
