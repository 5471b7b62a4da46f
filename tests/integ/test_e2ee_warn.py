"""[host] e2ee = warn: a plaintext message is delivered, and the sending
session gets one headline from its domain per peer, not one per
message; an encrypted message draws no warning."""
from e2eelib import OMEMO_2, ids_so_far, send
from xmpp_raw import NS_CLIENT, q

LETHE_CONF = {"host localhost": {"e2ee": "warn"}}


def headlines(c):
    c.assert_alive()
    return [e for e in c.history if e.tag == q(NS_CLIENT, "message") and
            e.get("type") == "headline" and e.get("from") == "localhost"]


def test_warned_once_per_peer(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a, b = login(a_acct, presence=0), login(b_acct, presence=0)
    s = login(presence=0)
    m1 = s.message(a_acct[2], "first")
    m2 = s.message(a_acct[2], "second")
    assert a.wait_message("second").get("id") == m2
    assert m1 in ids_so_far(a)
    h = headlines(s)
    assert len(h) == 1, h
    body = h[0].find(q(NS_CLIENT, "body")).text
    assert a_acct[2] in body and "not end-to-end encrypted" in body
    s.message(b_acct[2], "third")
    b.wait_message("third")
    assert len(headlines(s)) == 2


def test_encrypted_not_warned(lethe, login):
    r_acct = lethe.new_account()
    r = login(r_acct, presence=0)
    s = login(presence=0)
    mid = send(s, r_acct[2], OMEMO_2)
    r.wait_for(lambda e: e.get("id") == mid)
    assert headlines(s) == []
