"""XEP-0077 §3.3 password change by a logged-in account: the new
password works for every mechanism, the old one fails, and, the account
being unlocked, nothing sealed is lost: the roster item and the archived
message are there after a login with the new password alone. Another
account's name is <not-authorized/>, a password PRECIS refuses is
<not-acceptable/>, a request without both fields is <bad-request/>, and
the server advertises jabber:iq:register."""
import pytest

from sealctllib import can_login, connect, holds, seed
from xmpp_raw import NS_DISCO_INFO, dump, q, stanza_error_condition, \
    xml_escape

NS_REGISTER = "jabber:iq:register"


def change(c, username, password):
    inner = ""
    if username is not None:
        inner += "<username>%s</username>" % xml_escape(username)
    if password is not None:
        inner += "<password>%s</password>" % xml_escape(password)
    return c.request(("<iq type='set' id='%%s'><query xmlns='%s'>%s"
                      "</query></iq>") % (NS_REGISTER,
                                          inner.replace("%", "%%")))


def test_change_keeps_sealed_data(lethe, clients):
    acct = lethe.new_account("inband")
    peer = lethe.new_account("peer")
    a = seed(lethe, acct, peer, clients, "kept across the change")
    r = change(a, acct[0], "changed-in-band")
    assert r.get("type") == "result", dump(r)
    a.assert_alive()
    a.close()
    for mech in ("SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"):
        assert not can_login(lethe, acct[0], acct[1], mech), mech
    c = connect(lethe, acct[0], "changed-in-band", clients)
    assert holds(c, peer[2], "kept across the change") == (True, True)
    c.close()
    for mech in ("SCRAM-SHA-1", "SCRAM-SHA-512", "PLAIN"):
        assert can_login(lethe, acct[0], "changed-in-band", mech), mech


@pytest.mark.parametrize("username,password,cond", [
    ("someone-else", "whatever-pass", "not-authorized"),
    (None, "whatever-pass", "bad-request"),
    ("OWN", None, "bad-request"),
    ("OWN", "", "not-acceptable"),
    ("OWN", "unassigned\u0378", "not-acceptable"),
    ("OWN", "x" * 1100, "not-acceptable"),
])
def test_refused(lethe, clients, username, password, cond):
    acct = lethe.new_account("refused")
    c = connect(lethe, acct[0], acct[1], clients)
    if username == "OWN":
        username = acct[0]
    r = change(c, username, password)
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == cond, dump(r)
    c.assert_alive()
    c.close()
    assert can_login(lethe, acct[0], acct[1])


def test_username_is_normalized(lethe, clients):
    acct = lethe.new_account("norm")
    c = connect(lethe, acct[0], acct[1], clients)
    r = change(c, acct[0].upper(), "normalized-name-pw")
    assert r.get("type") == "result", dump(r)
    c.close()
    assert can_login(lethe, acct[0], "normalized-name-pw")


def test_advertised(lethe, clients):
    acct = lethe.new_account("disco")
    c = connect(lethe, acct[0], acct[1], clients)
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (lethe.host, NS_DISCO_INFO))
    assert r.get("type") == "result", dump(r)
    feats = [f.get("var") for f in r.iter(q(NS_DISCO_INFO, "feature"))]
    assert NS_REGISTER in feats, feats
