"""Hostile input to what sealing added gets a clear error and changes
nothing: the daemon's control command `passwd` (what `lethectl passwd`
sends) with a missing or malformed JID, another host's or an unknown
account, a password that is not base64 or not an allowed password, and
too many arguments; and XEP-0060 subscription retrieval aimed at odd
addresses. The account's password and sealed data stay as they were and
the server keeps serving."""
import base64

from peplib import NS_PUBSUB
from rosterlib import items, roster_get, roster_set
from test_control_socket import raw_call
from xmpp_raw import dump

CONTACT = "zqhostile@elsewhere.example"


def b64(s):
    return base64.b64encode(s.encode()).decode()


def test_control_passwd_garbage(lethe, witness):
    local, pw, bare = lethe.new_account()
    c = lethe.raw()
    c.login(local, pw)
    assert roster_set(c, CONTACT, name="keep").get("type") == "result"
    c.close()
    bad = [
        b"passwd\n",
        b"passwd %s\n" % bare.encode(),
        b"passwd not@@a@jid %s\n" % b64("x").encode(),
        b"passwd %s/res %s\n" % (bare.encode(), b64("x").encode()),
        b"passwd localhost %s\n" % b64("x").encode(),
        b"passwd someone@elsewhere.example %s\n" % b64("x").encode(),
        b"passwd %s !!!not-base64!!!\n" % bare.encode(),
        b"passwd %s %s\n" % (bare.encode(), b64("").encode()),
        b"passwd %s %s\n" % (bare.encode(), b64("\x07bell").encode()),
        b"passwd %s %s extra\n" % (bare.encode(), b64("x").encode()),
        b"passwd nobody-here@localhost %s\n" % b64("whatever").encode(),
    ]
    for line in bad:
        out = raw_call(lethe, line)
        assert out.startswith("error "), (line, out)
    # Nothing changed: the old password opens the same sealed roster.
    c = lethe.raw()
    c.login(local, pw)
    its = items(roster_get(c))
    assert its[CONTACT].get("name") == "keep", dump(roster_get(c))
    c.close()
    witness.assert_alive()


def test_subscription_retrieval_odd_targets(lethe, login, witness):
    c = login()
    for to in ("nobody-here@localhost", "elsewhere.example",
               "localhost", "x@elsewhere.example/r"):
        r = c.request("<iq type='get' id='%%s' to='%s'><pubsub xmlns='%s'>"
                      "<subscriptions/></pubsub></iq>" % (to, NS_PUBSUB))
        assert r.get("type") in ("result", "error"), dump(r)
    r = c.request("<iq type='get' id='%%s'><pubsub xmlns='%s'>"
                  "<subscriptions node='%s'/></pubsub></iq>"
                  % (NS_PUBSUB, "n" * 3000))
    assert r.get("type") in ("result", "error"), dump(r)
    c.assert_alive()
    witness.assert_alive()
