"""A shorter archive retention chosen by the account (Lethe extension of
XEP-0441: lethe:seconds in urn:lethe:retention:0 on <prefs/>). It is
returned by a prefs get, applies at once (a query no longer reaches past
it, and older items are deleted), and a value above the server's
[retention] archive is clamped: the prefs result then carries no
lethe:seconds, since the server's retention is what applies."""
import sqlite3
import os
import time

from mamlib import NS_MAM, bodies, query, settle
from xmpp_raw import dump, q

NS_RET = "urn:lethe:retention:0"
LETHE_CONF = {"retention": {"archive": "1h"}}


def prefs_set(c, seconds):
    r = c.request("<iq type='set' id='%%s'><prefs xmlns='%s' "
                  "xmlns:lethe='%s' default='always' lethe:seconds='%s'>"
                  "<always/><never/></prefs></iq>" % (NS_MAM, NS_RET,
                                                      seconds))
    return r


def own_seconds(r):
    p = r.find(q(NS_MAM, "prefs"))
    assert p is not None, dump(r)
    return p.get("{%s}seconds" % NS_RET)


def prefs_get(c):
    r = c.request("<iq type='get' id='%%s'><prefs xmlns='%s'/></iq>"
                  % NS_MAM)
    assert r.get("type") == "result", dump(r)
    return own_seconds(r)


def test_shorter_retention_hides_and_deletes(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct, presence=0)
    b = login(b_acct, presence=0)
    assert prefs_get(a) is None
    # Something already held, from before the choice.
    b.message(a_acct[2], "before-choice")
    a.wait_message("before-choice")
    settle(a)
    assert bodies(query(a)[0]) == ["before-choice"]
    time.sleep(2.2)

    r = prefs_set(a, "2")
    assert r.get("type") == "result", dump(r)
    assert own_seconds(r) == "2"
    assert prefs_get(a) == "2"
    settle(a)
    # Older than the choice: gone from queries and from the database.
    assert query(a)[0] == []
    db = sqlite3.connect(os.path.join(lethe.dir, "data", "lethe.db"))
    try:
        n = db.execute("SELECT count(*) FROM archive WHERE user = ?",
                       (a_acct[0],)).fetchone()[0]
    finally:
        db.close()
    assert n == 0

    b.message(a_acct[2], "short-lived")
    a.wait_message("short-lived")
    settle(a)
    assert bodies(query(a)[0]) == ["short-lived"]
    # b's archive keeps the server's retention.
    time.sleep(2.5)
    assert query(a)[0] == []
    assert "short-lived" in bodies(query(b)[0])

    # The choice survives a new login.
    a.close()
    a = login(a_acct, presence=0)
    assert prefs_get(a) == "2"


def test_longer_than_server_is_clamped(lethe, login):
    a = login(lethe.new_account(), presence=0)
    r = prefs_set(a, str(2 * 3600))
    assert r.get("type") == "result", dump(r)
    assert own_seconds(r) is None
    assert prefs_get(a) is None
    r = prefs_set(a, "soon")
    assert r.get("type") == "error", dump(r)
    assert r.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}bad-request") \
        is not None, dump(r)
