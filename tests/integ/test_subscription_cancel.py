"""Ending subscriptions (RFC 6121 §3.2, §3.3, §2.5.2): unsubscribe and
unsubscribed in both directions change both rosters, are shown to the
other side, and the side that can no longer see the other gets its
unavailable presence; removing a roster item cancels both ways,
withdraws a pending request and denies a pending one."""
from rosterlib import (bare, befriend, items, online, presences,
                       roster_get, roster_remove, roster_set,
                       seen_presence, seen_push, wait_gone)
from xmpp_raw import dump


def updates_seen(sender, receiver):
    """Whether receiver sees sender's next presence update."""
    m = len(receiver.history)
    sender.send("<presence><status>probe %d</status></presence>" % m)
    sender.assert_alive()
    receiver.assert_alive()
    return presences(receiver, m, sender.jid) != []


def test_unsubscribe(lethe, login):
    a = online(login)
    b = online(login)
    befriend(a, b)
    ab, bb = bare(a.jid), bare(b.jid)
    ma, mb = len(a.history), len(b.history)
    a.presence(to=bb, ptype="unsubscribe")
    seen_push(a, bb, ma, subscription="from")
    seen_presence(b, ab, "unsubscribe", mb)
    seen_push(b, ab, mb, subscription="to")
    # a no longer sees b: b's resources are unavailable to it.
    seen_presence(a, b.jid, "unavailable", ma)
    assert not updates_seen(b, a)
    assert updates_seen(a, b)


def test_unsubscribed(lethe, login):
    a = online(login)
    b = online(login)
    befriend(a, b)
    ab, bb = bare(a.jid), bare(b.jid)
    ma, mb = len(a.history), len(b.history)
    a.presence(to=bb, ptype="unsubscribed")
    seen_push(a, bb, ma, subscription="to")
    seen_presence(b, ab, "unsubscribed", mb)
    seen_push(b, ab, mb, subscription="from")
    seen_presence(b, a.jid, "unavailable", mb)
    assert not updates_seen(a, b)
    assert updates_seen(b, a)
    # And the other way: nothing left.
    ma, mb = len(a.history), len(b.history)
    b.presence(to=ab, ptype="unsubscribed")
    seen_push(b, ab, mb, subscription="none")
    seen_push(a, bb, ma, subscription="none")
    seen_presence(a, b.jid, "unavailable", ma)
    assert not updates_seen(b, a)


def test_remove_cancels_both_ways(lethe, login):
    a = online(login)
    b = online(login)
    befriend(a, b)
    ab, bb = bare(a.jid), bare(b.jid)
    ma, mb = len(a.history), len(b.history)
    r = roster_remove(a, bb)
    assert r.get("type") == "result", dump(r)
    seen_push(a, bb, ma, subscription="remove")
    seen_presence(b, ab, "unsubscribe", mb)
    seen_presence(b, ab, "unsubscribed", mb)
    seen_push(b, ab, mb, subscription="none")
    seen_presence(b, a.jid, "unavailable", mb)
    seen_presence(a, b.jid, "unavailable", ma)
    assert not updates_seen(a, b)
    assert not updates_seen(b, a)
    assert bb not in items(roster_get(a))
    assert items(roster_get(b))[ab].get("subscription") == "none"


def test_remove_withdraws_and_denies_requests(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b = online(login, acct_b)
    ab, bb = bare(a.jid), bare(b.jid)
    # a asks b; b asks a, who has b on the roster already.
    assert roster_set(a, bb, "Bob").get("type") == "result"
    mb = len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mb)
    ma = len(a.history)
    b.presence(to=ab, ptype="subscribe")
    seen_presence(a, bb, "subscribe", ma)
    seen_push(b, ab, mb, ask="subscribe")

    ma, mb = len(a.history), len(b.history)
    assert roster_remove(a, bb).get("type") == "result"
    seen_push(a, bb, ma, subscription="remove")
    # b's request was denied ...
    seen_presence(b, ab, "unsubscribed", mb)
    seen_push(b, ab, mb, ask=None, subscription="none")
    # ... and a's withdrawn: b is not asked again at its next login.
    seen_presence(b, ab, "unsubscribe", mb)
    b.close()
    wait_gone(a, b.jid)
    b = login(acct_b)
    b.presence()
    b.assert_alive()
    assert presences(b, 0, ab, "subscribe") == []
