"""An account erased while it has no session: its roster is sealed, so
its contacts cannot be known then (PRIVACY.md, "Sealed records"), and a
sealed contact roster's entry cannot be found by the erasure either.
What names it goes at each contact's next login instead: the roster
module finds the erased account's tombstone and removes the entry with
a roster push (RFC 6121 §2.5.3 for a contact that no longer exists).
Contacts that are online when it goes and have it in their roster are
told at once, as before."""
from rosterlib import (bare, befriend, items, online, push_item,
                       roster_get, seen, wait_gone)
from xmpp_raw import dump


def gone_for(c, jid):
    """Waits until jid is out of c's roster: absent from a fresh roster
    get, or removed by a push after it."""
    first = items(roster_get(c))
    if jid in first:
        seen(c, lambda e: (push_item(e, jid) is not None and
                           push_item(e, jid).get("subscription") ==
                           "remove"),
             what="push removing %s" % jid)
    assert jid not in items(roster_get(c))


def test_erased_while_both_away(lethe, login):
    acct_a = lethe.new_account()
    acct_b = lethe.new_account()
    witness = online(login)
    a = online(login, acct_a)
    b = online(login, acct_b)
    c = online(login)
    befriend(a, b)
    befriend(a, c)
    ab, bb, cb = acct_a[2], acct_b[2], bare(c.jid)
    a.close()
    wait_gone(witness, a.jid)
    b.close()
    wait_gone(witness, b.jid)
    r = lethe.ctl("-y", "deluser", bb)
    assert r.returncode == 0, (r.stdout, r.stderr)

    a = login(acct_a)
    gone_for(a, bb)
    assert items(roster_get(a))[cb].get("subscription") == "both"
    # The same at every later login: nothing comes back.
    a.close()
    wait_gone(witness, a.jid)
    a = login(acct_a, "again")
    assert bb not in items(roster_get(a))
    assert items(roster_get(c))[ab].get("subscription") == "both"
    witness.assert_alive()


def test_online_contact_told_when_locked_account_erased(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b = online(login, acct_b)
    befriend(a, b)
    bb = acct_b[2]
    b.close()
    wait_gone(a, b.jid)
    mark = len(a.history)
    r = lethe.ctl("-y", "deluser", bb)
    assert r.returncode == 0, (r.stdout, r.stderr)
    # a's roster is loaded and names bb: it is told now.
    seen(a, lambda e: (push_item(e, bb) is not None and
                       push_item(e, bb).get("subscription") == "remove"),
         since=mark, what="push removing %s" % bb)
    assert bb not in items(roster_get(a))
    assert bare(a.jid) != bb
