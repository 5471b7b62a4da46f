"""The user's own view (ad-hoc command urn:lethe:myview:0): an account
sees, for each store it owns, how many items the server holds, when the
oldest archived one was written and when the first expires; an expired
item is not counted even though no sweep has run yet (the sweep runs
every minute; the archive here keeps 3 s). Nobody else may run it."""
import time

from xmpp_raw import dump, q

NS_CMD = "http://jabber.org/protocol/commands"
NS_DATA = "jabber:x:data"
NODE = "urn:lethe:myview:0"
LETHE_CONF = {"retention": {"archive": "3s", "offline": "1h"}}


def view(c, bare):
    r = c.request("<iq type='set' to='%s' id='%%s'><command xmlns='%s' "
                  "node='%s'/></iq>" % (bare, NS_CMD, NODE))
    return r


def table(r):
    cmd = r.find(q(NS_CMD, "command"))
    assert cmd is not None and cmd.get("status") == "completed", dump(r)
    x = cmd.find(q(NS_DATA, "x"))
    assert x is not None and x.get("type") == "result", dump(r)
    out = {}
    for item in x.findall(q(NS_DATA, "item")):
        row = {f.get("var"): f.findtext(q(NS_DATA, "value"))
               for f in item.findall(q(NS_DATA, "field"))}
        out[row["store"]] = row
    return out


def wait_count(c, bare, store, n, timeout=3.0):
    end = time.monotonic() + timeout
    while True:
        t = table(view(c, bare))
        if int(t[store]["items"]) == n or time.monotonic() > end:
            return t
        time.sleep(0.1)


def test_counts_and_expiry(lethe, login):
    me_acct = lethe.new_account()
    off = lethe.new_account()
    me = login(me_acct)
    t = table(view(me, me_acct[2]))
    assert "archive" in t and "offline" in t and "roster" in t, t
    assert t["archive"]["items"] == "0", t
    me.message(off[2], "one")
    me.message(off[2], "two")
    me.assert_alive()
    t = wait_count(me, me_acct[2], "archive", 2)
    assert t["archive"]["items"] == "2", t
    assert t["archive"]["oldest"].endswith("Z"), t
    assert t["archive"]["first-expiry"].endswith("Z"), t
    assert t["archive"]["retention"] == "3", t
    assert t["offline"]["items"] == "0", t
    # The recipient holds them offline (and in its own archive).
    other = login(off, presence=None)
    t = table(view(other, off[2]))
    assert t["offline"]["items"] == "2", t
    assert t["offline"]["retention"] == "3600", t
    # Past the archive's retention, before any sweep: nothing held.
    time.sleep(3.5)
    t = table(view(me, me_acct[2]))
    assert t["archive"]["items"] == "0", t
    assert t["archive"]["first-expiry"] in (None, ""), t


def test_only_the_account(lethe, login):
    acct = lethe.new_account()
    stranger = login()
    r = view(stranger, acct[2])
    assert r.get("type") == "error" and \
        r.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}forbidden") \
        is not None, dump(r)
