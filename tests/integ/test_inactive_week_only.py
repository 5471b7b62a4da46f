"""With inactive-account expiry on, the only thing stored about logins is
the ISO week of the last one (e.g. 2026-W47), under the account, in the
registered store "last_login"; nothing else of the login is written."""
import datetime
import os
import re
import sqlite3

LETHE_CONF = {"server": {"inactive_expiry": "28d"}}


def rows(lethe):
    db = sqlite3.connect(os.path.join(lethe.dir, "data", "lethe.db"))
    try:
        return db.execute("SELECT host, user, key, value, expires FROM map"
                          " WHERE store = 'last_login'").fetchall()
    finally:
        db.close()


def test_week_only(lethe, login):
    acct = lethe.new_account()
    c = login(acct)
    # A second login in the same week writes nothing new.
    login(acct)
    # The write is queued before the bind's answer came back; a request
    # through the store is behind it.
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result"
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (lethe.host,
                             "http://jabber.org/protocol/disco#info"))
    fields = [f.get("var") for f in r.iter("{jabber:x:data}field")]
    assert "last_login" in fields, fields
    y, w, _ = datetime.datetime.now(datetime.timezone.utc).isocalendar()
    got = rows(lethe)
    mine = [r for r in got if r[1] == acct[0]]
    assert len(mine) == 1, got
    host, user, key, value, expires = mine[0]
    assert key == ""
    assert expires is None
    value = value.decode() if isinstance(value, bytes) else value
    assert re.fullmatch(r"\d{4}-W\d{2}", value), value
    assert value == "%04d-W%02d" % (y, w)
    for r in got:
        v = r[3].decode() if isinstance(r[3], bytes) else r[3]
        assert re.fullmatch(r"\d{4}-W\d{2}", v), got
