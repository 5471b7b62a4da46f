"""With [server] sealing = false the rosters of accounts that have no
session are read and changed at once, as before sealing: nothing waits
in a roster inbox, and a request to an account away that pre-approved
it is approved straight away."""
from rosterlib import bare, items, online, roster_get, seen_presence, \
    seen_push, wait_gone
from xmpp_raw import dump

LETHE_CONF = {"server": {"sealing": "false"}}


def store_barrier(c):
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)


def test_changes_applied_at_once(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b = online(login, acct_b)
    c = online(login)
    ab, bb, cb = bare(a.jid), acct_b[2], bare(c.jid)
    mb = len(b.history)
    b.presence(to=ab, ptype="subscribed")  # pre-approval
    seen_push(b, ab, mb, subscription="none", approved="true")
    b.close()
    wait_gone(a, b.jid)

    ma = len(a.history)
    a.presence(to=bb, ptype="subscribe")
    # Approved now, with b away.
    seen_presence(a, bb, "subscribed", ma)
    seen_push(a, bb, ma, subscription="to", ask=None)
    c.presence(to=bb, ptype="subscribe")
    seen_push(c, bb, 0, subscription="none", ask="subscribe")
    store_barrier(c)
    store_barrier(c)
    assert "event=roster_inbox_put" not in lethe.log()

    b = login(acct_b)
    got = items(roster_get(b))
    assert got[ab].get("subscription") == "from", dump(got[ab])
    assert cb not in got
    b.presence()
    seen_presence(b, cb, "subscribe")
