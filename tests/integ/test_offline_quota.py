"""[limits] offline_messages caps what one account holds: past it the
sender gets <resource-constraint/> (type wait), never a silent drop, and
what was kept is all delivered; delivery frees the room again."""
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition

LETHE_CONF = {"limits": {"offline_messages": "3"}}


def delivered(c):
    """Bodies c has received once the store is idle for it (a vCard read
    of its own account is answered after the delivery run's read)."""
    store_barrier(c)
    return [e.findtext(q(NS_CLIENT, "body")) for e in c.history
            if e.tag == q(NS_CLIENT, "message")]


def store_barrier(c):
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)


def answers(c, ids):
    """Error replies to the given message ids, once the server is done
    with them: storing one is an account check, then an append queued
    when the check completes; two reads through the store (which runs
    requests in order) come back after both."""
    store_barrier(c)
    store_barrier(c)
    return {e.get("id"): e for e in c.history
            if e.tag == q(NS_CLIENT, "message") and e.get("id") in ids}


def test_full_store_refuses_with_resource_constraint(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    ids = [sender.message(acct[2], "m%d" % i) for i in range(5)]
    # The first three are kept silently, the last two are refused.
    got = answers(sender, ids)
    assert sorted(got) == sorted(ids[3:]), [dump(e) for e in got.values()]
    for mid in ids[3:]:
        e = got[mid]
        assert e.get("type") == "error", dump(e)
        assert e.get("from") == acct[2], dump(e)
        assert e.get("to") == sender.jid, dump(e)
        assert stanza_error_condition(e) == "resource-constraint", dump(e)
        assert e.find(q(NS_CLIENT, "error")).get("type") == "wait", dump(e)
    r = login(acct, "r")
    r.presence(priority=0)
    assert delivered(r) == ["m0", "m1", "m2"], [dump(e) for e in r.history]
    r.close()
    # Delivered messages no longer count.
    more = [sender.message(acct[2], "n%d" % i) for i in range(3)]
    assert answers(sender, more) == {}


def test_quota_is_per_account(lethe, login):
    full, other = lethe.new_account(), lethe.new_account()
    sender = login(presence=0)
    for i in range(3):
        sender.message(full[2], "f%d" % i)
    mid = sender.message(other[2], "still-room")
    assert answers(sender, [mid]) == {}
    r = login(other, "r")
    r.presence(priority=0)
    assert delivered(r) == ["still-room"]
