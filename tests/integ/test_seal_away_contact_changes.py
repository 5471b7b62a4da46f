"""What a contact does while an account has no session reaches that
account's roster at its next login, from its sealed roster inbox
(PRIVACY.md, "Sealed records"), with the subscription states a live
change would have left: an approval, a cancellation, a denial, the
contact removing the account from its roster, and the contact's account
being erased. A client that cached the roster version before gets the
changed roster, not "nothing changed". (Erasure: test_seal_away_erased*.)"""
from rosterlib import (bare, befriend, items, online, roster_get,
                       roster_remove, seen_presence, seen_push, wait_gone)
from xmpp_raw import dump


def leave(c, observer):
    c.close()
    wait_gone(observer, c.jid)


def test_approval_while_away(lethe, login):
    acct_a = lethe.new_account()
    a = online(login, acct_a)
    b = online(login)
    ab, bb = acct_a[2], bare(b.jid)
    mb = len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mb)
    ver = roster_get(a).find("{jabber:iq:roster}query").get("ver")
    leave(a, b)
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, subscription="from")

    a = login(acct_a)
    r = roster_get(a, ver)
    assert r.find("{jabber:iq:roster}query") is not None, dump(r)
    item = items(r)[bb]
    assert item.get("subscription") == "to", dump(item)
    assert item.get("ask") is None, dump(item)
    a.presence()
    seen_presence(a, b.jid)


def test_denial_while_away(lethe, login):
    acct_a = lethe.new_account()
    a = online(login, acct_a)
    b = online(login)
    ab, bb = acct_a[2], bare(b.jid)
    mb = len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mb)
    leave(a, b)
    b.presence(to=ab, ptype="unsubscribed")
    b.assert_alive()

    a = login(acct_a)
    item = items(roster_get(a))[bb]
    assert item.get("subscription") == "none", dump(item)
    assert item.get("ask") is None, dump(item)


def test_cancellations_while_away(lethe, login):
    acct_a = lethe.new_account()
    a = online(login, acct_a)
    b = online(login)
    befriend(a, b)
    ab, bb = acct_a[2], bare(b.jid)
    leave(a, b)
    # b stops seeing a, then stops letting a see b.
    mb = len(b.history)
    b.presence(to=ab, ptype="unsubscribe")
    seen_push(b, ab, mb, subscription="from")
    b.presence(to=ab, ptype="unsubscribed")
    seen_push(b, ab, mb, subscription="none")

    a = login(acct_a)
    item = items(roster_get(a))[bb]
    assert item.get("subscription") == "none", dump(item)
    # a's presence no longer goes to b, and b's does not come.
    mb = len(b.history)
    a.presence()
    a.assert_alive()
    b.assert_alive()
    assert [e for e in b.history[mb:] if e.get("from") == a.jid] == []


def test_contact_removes_account_while_away(lethe, login):
    acct_a = lethe.new_account()
    a = online(login, acct_a)
    b = online(login)
    befriend(a, b)
    ab, bb = acct_a[2], bare(b.jid)
    leave(a, b)
    mb = len(b.history)
    r = roster_remove(b, ab)
    assert r.get("type") == "result", dump(r)
    seen_push(b, ab, mb, subscription="remove")

    a = login(acct_a)
    item = items(roster_get(a))[bb]
    assert item.get("subscription") == "none", dump(item)
    assert item.get("ask") is None, dump(item)
