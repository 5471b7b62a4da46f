"""Deleting an account (lethectl deluser) erases its roster, held
requests and version with it: an account made again under the same name
starts with an empty roster and is asked nothing."""
from rosterlib import (bare, items, online, presences, roster_get,
                       roster_set, seen_push, wait_gone)
from xmpp_raw import dump

# The name is made again after deletion: no tombstone here.
LETHE_CONF = {"retention": {"tombstone": "0"}}


def test_erased(lethe, login):
    local, password, jid = acct = lethe.new_account("gone")
    observer = online(login)
    c = online(login, acct)
    assert roster_set(c, "friend@example.org", "F").get("type") == "result"
    c.close()
    wait_gone(observer, c.jid)
    m = len(observer.history)
    observer.presence(to=jid, ptype="subscribe")  # held for it
    seen_push(observer, jid, m, ask="subscribe")
    # A ping to the offline account waits for a store lookup queued
    # after the request was written, so it is on disk now.
    assert observer.ping(jid).get("type") == "result"
    r = lethe.ctl("deluser", jid)
    assert r.returncode == 0, r.stdout + r.stderr
    lethe.adduser(jid, password)
    c = login((local, password, jid))
    result = roster_get(c)
    assert items(result) == {}, dump(result)
    c.presence()
    c.assert_alive()
    assert presences(c, 0, bare(observer.jid), "subscribe") == []
