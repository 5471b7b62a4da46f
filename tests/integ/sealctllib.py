"""Helpers for the sealing tests of lethectl and of the in-band password
change: log in or fail to, put a roster item and an archived message in
an account's sealed stores, and read them back. Every wait is bounded."""
from mamlib import bodies, query, settle
from rosterlib import items, roster_get, roster_set
from xmpp_raw import NS_SASL, dump, q, sasl_condition


def can_login(lethe, local, password, mechanism="SCRAM-SHA-256"):
    """True if the password is accepted, False on <not-authorized/>."""
    c = lethe.raw()
    try:
        c.starttls()
        res = c.authenticate(local, password, mechanism)
        if res.tag == q(NS_SASL, "success"):
            return True
        assert res.tag == q(NS_SASL, "failure"), dump(res)
        assert sasl_condition(res) == "not-authorized", dump(res)
        return False
    finally:
        c.close()


def connect(lethe, local, password, clients=None):
    """A bound raw client for local with password."""
    c = lethe.raw()
    if clients is not None:
        clients.append(c)
    c.login(local, password)
    return c


def seed(lethe, acct, peer, clients, body):
    """acct (logged in, returned) gets peer as a roster item and sends
    peer (online) a message that both archives keep."""
    a = connect(lethe, acct[0], acct[1], clients)
    b = connect(lethe, peer[0], peer[1], clients)
    b.presence(priority=0)
    a.presence(priority=0)
    r = roster_set(a, peer[2], "Peer")
    assert r.get("type") == "result", dump(r)
    a.message(peer[2], body)
    b.wait_message(body, timeout=5)
    settle(a)
    b.close()
    return a


def holds(c, peer_bare, body):
    """(peer is a roster item, body is in the archive) for client c."""
    r = roster_get(c)
    assert r.get("type") == "result", dump(r)
    results, _, _ = query(c)
    return peer_bare in items(r), body in bodies(results)
