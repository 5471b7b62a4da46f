"""A subscription request to an account that has no session waits
sealed in its roster inbox (PRIVACY.md, "Sealed records") and is
applied at its next login, before its roster is served: the request is
pending in (no roster item), shown at each initial presence until
answered, and answering it works as for a live request. Several
stanzas from one contact apply in order; a request the account
pre-approved is approved at its login, and the contact learns it
then."""
from rosterlib import (bare, items, online, presences, pushes, roster_get,
                       roster_set, seen_presence, seen_push, wait_gone)
from xmpp_raw import dump


def store_barrier(c):
    """Returns once the store has done what c caused before (requests
    run in order; a vCard get is one)."""
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)


def away(lethe, login, observer, acct):
    """acct logs in and out, so it has sealing keys and no session."""
    c = login(acct, "once")
    c.close()
    wait_gone(observer, c.jid)


def test_request_waits_and_is_pending_in_after_login(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    ab, bb = bare(a.jid), acct_b[2]
    away(lethe, login, a, acct_b)
    ma = len(a.history)
    a.presence(to=bb, ptype="subscribe")
    seen_push(a, bb, ma, subscription="none", ask="subscribe")
    a.assert_alive()
    assert presences(a, ma, bb, "error") == []

    b = login(acct_b)
    r = roster_get(b)
    assert r.get("type") == "result", dump(r)
    assert items(r) == {}, dump(r)  # pending in is no roster item
    assert presences(b, 0, ab, "subscribe") == []
    b.presence()
    seen_presence(b, ab, "subscribe")

    # Not answered: shown again at the next login, still no item.
    b.close()
    wait_gone(a, b.jid)
    b = login(acct_b, "again")
    assert items(roster_get(b)) == {}
    mb = len(b.history)
    b.presence()
    seen_presence(b, ab, "subscribe", mb)

    # Approved now: both ends as for a live request.
    ma, mb = len(a.history), len(b.history)
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, subscription="from")
    seen_presence(a, bb, "subscribed", ma)
    seen_push(a, bb, ma, subscription="to", ask=None)


def test_stanzas_apply_in_order(lethe, login):
    acct_b = lethe.new_account()
    acct_c = lethe.new_account()
    a = online(login)
    c = online(login, acct_c)
    ab, cb, bb = bare(a.jid), acct_c[2], acct_b[2]
    away(lethe, login, a, acct_b)
    # a asks, then takes it back: nothing is left for b.
    a.presence(to=bb, ptype="subscribe")
    a.presence(to=bb, ptype="unsubscribe")
    # c asks, takes it back, asks again: one request.
    c.presence(to=bb, ptype="subscribe")
    c.presence(to=bb, ptype="unsubscribe")
    c.presence(to=bb, ptype="subscribe")
    seen_push(c, bb, 0, subscription="none", ask="subscribe")
    a.assert_alive()
    c.assert_alive()

    b = login(acct_b)
    assert items(roster_get(b)) == {}
    b.presence()
    seen_presence(b, cb, "subscribe")
    b.assert_alive()
    assert presences(b, 0, ab, "subscribe") == []
    assert len(presences(b, 0, cb, "subscribe")) == 1


def test_preapproved_request_approved_at_login(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b = online(login, acct_b)
    ab, bb = bare(a.jid), acct_b[2]
    # b pre-approves a (RFC 6121 §3.4), then goes away.
    mb = len(b.history)
    b.presence(to=ab, ptype="subscribed")
    seen_push(b, ab, mb, subscription="none", approved="true")
    b.close()
    wait_gone(a, b.jid)

    ma = len(a.history)
    a.presence(to=bb, ptype="subscribe")
    seen_push(a, bb, ma, subscription="none", ask="subscribe")

    # b's login applies the request: approved, and a learns it.
    b = login(acct_b)
    item = items(roster_get(b))[ab]
    assert item.get("subscription") == "from", dump(item)
    assert item.get("approved") is None, dump(item)
    seen_presence(a, bb, "subscribed", ma)
    seen_push(a, bb, ma, subscription="to", ask=None)
    # And b's presence reaches a once b is available.
    b.presence()
    seen_presence(a, b.jid, None, ma)
    assert pushes(b) == []


def test_repeated_requests_wait_once(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    ab, bb = bare(a.jid), acct_b[2]
    away(lethe, login, a, acct_b)
    roster_set(a, bb, name="B")
    before = lethe.log().count("event=roster_inbox_put")
    for _ in range(5):
        a.presence(to=bb, ptype="subscribe")
    # The account check, then the appends: two store round trips.
    store_barrier(a)
    store_barrier(a)
    log = lethe.log()
    assert log.count("event=roster_inbox_put") == before + 1, log[-2000:]
    b = login(acct_b)
    roster_get(b)
    b.presence()
    seen_presence(b, ab, "subscribe")
    b.assert_alive()
    assert len(presences(b, 0, ab, "subscribe")) == 1
