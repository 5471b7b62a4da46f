"""A roster inbox holds at most [limits] roster_items changes, so a
stranger cannot make the server store without bound for an account that
is away. Past the limit a change is dropped and logged, and the sender
is told nothing (no error, which would say something about the
account); the account logs in as usual and gets what was kept, in
order."""
from rosterlib import bare, items, online, presences, roster_get, wait_gone
from xmpp_raw import dump

LETHE_CONF = {"limits": {"roster_items": "4"}}


def store_barrier(c):
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)


def test_stranger_cannot_fill_the_inbox(lethe, login):
    acct_b = lethe.new_account()
    stranger = online(login)
    sb, bb = bare(stranger.jid), acct_b[2]
    b = login(acct_b, "once")
    b.close()
    wait_gone(stranger, b.jid)

    mark = len(stranger.history)
    for _ in range(5):
        stranger.presence(to=bb, ptype="subscribe")
        stranger.presence(to=bb, ptype="unsubscribe")
    stranger.presence(to=bb, ptype="subscribe")
    store_barrier(stranger)
    store_barrier(stranger)
    log = lethe.log()
    assert log.count("event=roster_inbox_put") == 4, log[-3000:]
    assert "event=roster_inbox_full" in log
    assert [e for e in stranger.history[mark:]
            if e.get("type") == "error"] == []
    stranger.assert_alive()

    # Kept: subscribe, unsubscribe, subscribe, unsubscribe: no request.
    b = login(acct_b)
    assert items(roster_get(b)) == {}
    b.presence()
    b.assert_alive()
    assert presences(b, 0, sb, "subscribe") == []
    assert "event=roster_inbox_applied count=4" in lethe.log()
