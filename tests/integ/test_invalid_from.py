"""A stanza whose 'from' is not the sender's own full or bare JID ends the
stream with <invalid-from/> (RFC 6120 §8.1.2.1); the sender's own JIDs are
accepted, and the server stamps the full JID in either case."""
import pytest

from xmpp_raw import NS_CLIENT, dump, q


def forged(c, witness):
    local = c.jid.split("@", 1)[0]
    return {
        "other-account": witness.jid.split("/", 1)[0],
        "other-account-full": witness.jid,
        "own-bare-other-resource": c.jid.split("/", 1)[0] + "/elsewhere",
        "server": "localhost",
        "other-domain": "%s@example.org" % local,
        "malformed": "@@@",
    }


@pytest.mark.parametrize("kind", [
    "other-account", "other-account-full", "own-bare-other-resource",
    "server", "other-domain", "malformed"])
@pytest.mark.parametrize("stanza", ["message", "presence", "iq"])
def test_forged_from(lethe, login, witness, kind, stanza):
    c = login()
    frm = forged(c, witness)[kind]
    if stanza == "message":
        c.send("<message from='%s' to='%s'><body>forged</body></message>" %
               (frm, witness.jid), may_fail=True)
    elif stanza == "presence":
        c.send("<presence from='%s'/>" % frm, may_fail=True)
    else:
        c.send("<iq type='get' id='f1' from='%s' to='localhost'>"
               "<ping xmlns='urn:xmpp:ping'/></iq>" % frm, may_fail=True)
    c.expect_stream_error("invalid-from")
    witness.assert_alive()
    assert "forged" not in witness.messages_so_far()


@pytest.mark.parametrize("own", ["full", "bare"])
def test_own_from_accepted_and_stamped(lethe, login, witness, own):
    c = login()
    frm = c.jid if own == "full" else c.jid.split("/", 1)[0]
    c.send("<message from='%s' to='%s' id='m1'><body>mine</body>"
           "</message>" % (frm, c.jid))
    m = c.wait_message("mine")
    assert m.get("from") == c.jid, dump(m)
    c.assert_alive()


def test_missing_from_is_stamped(lethe, login, witness):
    c = login()
    c.message(c.jid, "stamped")
    m = c.wait_message("stamped")
    assert m.get("from") == c.jid, dump(m)
    assert m.tag == q(NS_CLIENT, "message")
