"""Inactive-account expiry is off by default: a login stores nothing
about itself and no "last_login" store is registered."""
import os
import sqlite3

NS_DISCO = "http://jabber.org/protocol/disco#info"


def test_nothing_stored(lethe, login):
    c = login()
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result"
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (lethe.host, NS_DISCO))
    assert r.get("type") == "result"
    fields = [f.get("var") for f in r.iter("{jabber:x:data}field")]
    assert "archive" in fields, fields  # the retention form is there
    assert "last_login" not in fields, fields
    db = sqlite3.connect(os.path.join(lethe.dir, "data", "lethe.db"))
    try:
        n = db.execute("SELECT count(*) FROM map WHERE store = 'last_login'"
                       ).fetchone()[0]
    finally:
        db.close()
    assert n == 0
