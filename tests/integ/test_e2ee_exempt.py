"""[host] e2ee_exempt lifts e2ee = require for messages from or to the
JIDs and domains it lists: a bare JID covers its resources; others are
still refused."""
from e2eelib import ids_so_far
from xmpp_raw import NS_CLIENT, q, stanza_error_condition

LETHE_CONF = {"host localhost": {"e2ee": "require",
                                 "e2ee_exempt": "support@localhost "
                                 "bot@example.org"}}


def test_exempt_account_reachable_both_ways(lethe, login):
    lethe.adduser("support@localhost", "support-password")
    sup = login(("support", "support-password", "support@localhost"),
                resource="desk", presence=0)
    u_acct = lethe.new_account()
    u = login(u_acct, presence=0)
    mid = u.message("support@localhost", "help me")
    sup.wait_message("help me")
    mid2 = sup.message(u_acct[2], "here to help")
    u.wait_message("here to help")
    for c in (u, sup):
        c.assert_alive()
        assert not [e for e in c.history if e.get("type") == "error"]
    assert mid and mid2


def test_others_still_refused(lethe, login):
    r_acct = lethe.new_account()
    r = login(r_acct, presence=0)
    s = login(presence=0)
    mid = s.message(r_acct[2], "in clear")
    e = s.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                   e.get("id") == mid)
    assert stanza_error_condition(e) == "policy-violation"
    assert mid not in ids_so_far(r)
