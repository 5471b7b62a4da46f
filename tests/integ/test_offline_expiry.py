"""Offline messages expire after [retention] offline: an expired message
is never delivered, whether or not the sweep has removed it yet (the
store filters expired items on read)."""
import time

from xmpp_raw import NS_CLIENT, dump, q

LETHE_CONF = {"retention": {"offline": "2s"}}


def delivered(c):
    """Bodies c has received once the store is idle for it (a vCard read
    of its own account is answered after the delivery run's read)."""
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)
    return [e.findtext(q(NS_CLIENT, "body")) for e in c.history
            if e.tag == q(NS_CLIENT, "message")]


def test_expired_message_is_never_delivered(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    sender.message(acct[2], "too-old")
    sender.assert_alive()
    time.sleep(3.2)
    sender.message(acct[2], "fresh")
    sender.assert_alive()
    r = login(acct, "late")
    r.presence(priority=0)
    got = delivered(r)
    assert "fresh" in got, [dump(e) for e in r.history]
    assert "too-old" not in got, [dump(e) for e in r.history]
