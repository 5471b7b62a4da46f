"""Presence the server refuses (RFC 6121 §4.7, RFC 6120 §8.3): an unknown
type, a <priority/> that is not an integer in -128..127 or comes twice,
a <show/> outside its four values: <bad-request/>, and the bad presence
has no effect; a remote domain: <remote-server-not-found/>; a malformed
'to': <jid-malformed/>. Presence to an account that does not exist is
ignored (§8.5.1), and an error is never answered with an error."""
import pytest

from rosterlib import online, presences, seen_presence
from xmpp_raw import dump, stanza_error_condition


@pytest.mark.parametrize("stanza", [
    "<presence type='available'/>",
    "<presence type='bogus'/>",
    "<presence><priority>high</priority></presence>",
    "<presence><priority>128</priority></presence>",
    "<presence><priority>-129</priority></presence>",
    "<presence><priority>1</priority><priority>2</priority></presence>",
    "<presence><show>sleeping</show></presence>",
    "<presence><show>away</show><show>xa</show></presence>",
])
def test_bad_request(lethe, login, witness, stanza):
    acct = lethe.new_account()
    c = login(acct)
    other = online(login, acct)
    m = len(other.history)
    c.send(stanza)
    e = seen_presence(c, None, "error")
    assert stanza_error_condition(e) == "bad-request", dump(e)
    other.assert_alive()
    assert presences(other, m, c.jid) == [], "the bad presence went out"
    witness.assert_alive()


def test_priority_bounds_accepted(lethe, login):
    c = login()
    for prio in ("-128", "127", "0", " 12\n", "+3"):
        m = len(c.history)
        c.send("<presence><priority>%s</priority></presence>" % prio)
        seen_presence(c, c.jid, None, m)


@pytest.mark.parametrize("to, ptype, cond", [
    ("someone@example.org", None, "remote-server-not-found"),
    ("example.org", "probe", "remote-server-not-found"),
    ("someone@example.org/r", "unavailable", "remote-server-not-found"),
    ("a@b@localhost", None, "jid-malformed"),
    ("@localhost", "subscribe", "jid-malformed"),
])
def test_bad_targets(lethe, login, to, ptype, cond):
    c = online(login)
    m = len(c.history)
    c.presence(to=to, ptype=ptype)
    e = seen_presence(c, None, "error", m) if cond == "jid-malformed" \
        else seen_presence(c, to, "error", m)
    assert stanza_error_condition(e) == cond, dump(e)


def test_unknown_account_ignored(lethe, login):
    c = online(login)
    m = len(c.history)
    for ptype in (None, "unavailable", "probe", "unsubscribe",
                  "unsubscribed", "subscribed"):
        c.presence(to="nosuchuser-q@localhost", ptype=ptype)
    c.send("<presence type='error' to='nosuchuser-q@localhost/x'>"
           "<error type='cancel'><item-not-found xmlns='urn:ietf:params:"
           "xml:ns:xmpp-stanzas'/></error></presence>")
    c.assert_alive()
    assert [dump(e) for e in c.history[m:]
            if e.get("type") == "error"] == []
