"""[host] e2ee = require: a one-to-one message with a plaintext body is
refused with <policy-violation/> (type modify) and a readable text, and
the recipient gets nothing; OMEMO (both namespaces), OpenPGP, legacy
PGP and OTR messages pass, as do messages without a body; an EME tag
without its payload is not encryption."""
from e2eelib import ENCRYPTED, ids_so_far, reply_to, send
from xmpp_raw import (NS_CLIENT, NS_STANZA_ERR, dump, q,
                      stanza_error_condition)

LETHE_CONF = {"host localhost": {"e2ee": "require"}}


def test_plaintext_refused(lethe, login):
    r_acct = lethe.new_account()
    r = login(r_acct, presence=0)
    s = login(presence=0)
    for mtype in ("chat", "normal", None):
        mid = send(s, r_acct[2], "<body>hello in clear</body>", mtype)
        e = reply_to(s, mid)
        assert stanza_error_condition(e) == "policy-violation", dump(e)
        err = e.find(q(NS_CLIENT, "error"))
        assert err.get("type") == "modify", dump(e)
        text = err.find(q(NS_STANZA_ERR, "text"))
        assert text is not None and "end-to-end encrypted" in text.text
    assert "hello in clear" not in r.messages_so_far()


def test_encrypted_and_bodiless_pass(lethe, login):
    r_acct = lethe.new_account()
    r = login(r_acct, presence=0)
    s = login(presence=0)
    sent = [send(s, r_acct[2], inner) for inner in ENCRYPTED]
    sent.append(send(s, r_acct[2], "<active xmlns="
                     "'http://jabber.org/protocol/chatstates'/>"))
    sent.append(send(s, r_acct[2], "<body>a headline</body>", "headline"))
    r.wait_for(lambda e: e.get("id") == sent[-1])
    got = ids_so_far(r)
    for mid in sent:
        assert mid in got
    s.assert_alive()
    assert not [e for e in s.history if e.get("type") == "error"], \
        [dump(e) for e in s.history]


def test_eme_tag_alone_is_plaintext(lethe, login):
    r_acct = lethe.new_account()
    r = login(r_acct, presence=0)
    s = login(presence=0)
    mid = send(s, r_acct[2], "<encryption xmlns='urn:xmpp:eme:0' "
               "namespace='urn:xmpp:omemo:2'/><body>looks encrypted</body>")
    assert stanza_error_condition(reply_to(s, mid)) == "policy-violation"
    assert mid not in ids_so_far(r)
