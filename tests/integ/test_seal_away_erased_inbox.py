"""An account erased while it is online (its roster readable): a contact
that is away at that moment gets the change in its sealed roster inbox
and loses the item at its next login, before its roster is served; one
that is online is told at once, as before. With [retention] tombstone 0
there is no tombstone to find at login, so only the inbox can have done
it."""
from rosterlib import bare, befriend, items, online, roster_get, \
    seen_push, wait_gone
from xmpp_raw import dump

LETHE_CONF = {"retention": {"tombstone": "0"}}


def test_contact_erased_while_away(lethe, login):
    acct_a = lethe.new_account()
    a = online(login, acct_a)
    b = online(login)
    c = online(login)
    befriend(a, b)
    befriend(b, c)
    befriend(a, c)
    bb, cb = bare(b.jid), bare(c.jid)
    a.close()
    wait_gone(b, a.jid)
    mc = len(c.history)
    r = lethe.ctl("-y", "deluser", bb)
    assert r.returncode == 0, (r.stdout, r.stderr)
    b.expect_stream_error("not-authorized")
    seen_push(c, bb, mc, subscription="remove")  # online: told at once

    a = login(acct_a)
    got = items(roster_get(a))
    assert bb not in got, dump(got[bb])
    assert got[cb].get("subscription") == "both", dump(got[cb])
