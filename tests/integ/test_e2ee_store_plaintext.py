"""[server] store_plaintext = false: a plaintext message for an offline
account is refused with <service-unavailable/> (never lost silently),
an encrypted one is kept; between online accounts plaintext is
delivered but not archived, encrypted messages are."""
import time

from e2eelib import OMEMO_2, send
from xmpp_raw import NS_CLIENT, Timeout, dump, q, stanza_error_condition

LETHE_CONF = {"server": {"store_plaintext": "false"}}
NS_MAM = "urn:xmpp:mam:2"


def test_offline_refuses_plaintext_keeps_encrypted(lethe, login):
    r_acct = lethe.new_account()
    s = login(presence=0)
    mid = s.message(r_acct[2], "clear for later")
    e = s.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                   e.get("id") == mid)
    assert stanza_error_condition(e) == "service-unavailable", dump(e)
    enc = send(s, r_acct[2], OMEMO_2)
    s.assert_alive()
    r = login(r_acct, presence=0)
    # Offline messages may arrive during login or a little after it
    # (delivery waits for the blocklist, read from the store at login):
    # look in all that came, waiting for the encrypted one.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and \
            not [e for e in r.history if e.get("id") == enc]:
        try:
            r.next_element(timeout=0.2)
        except Timeout:
            pass
    assert "clear for later" not in r.messages_so_far()
    got = [e for e in r.history if e.get("id") == enc]
    assert len(got) == 1, [dump(e) for e in r.history]
    assert got[0].find(q("urn:xmpp:omemo:2", "encrypted")) is not None


def test_archive_skips_plaintext(lethe, login):
    r_acct = lethe.new_account()
    r = login(r_acct, presence=0)
    s = login(presence=0)
    s.message(r_acct[2], "clear now")
    r.wait_message("clear now")
    enc = send(s, r_acct[2], OMEMO_2)
    r.wait_for(lambda e: e.get("id") == enc)
    qid = r.next_id()
    r.send("<iq type='set' id='%s'><query xmlns='%s' queryid='q1'/></iq>"
           % (qid, NS_MAM))
    r.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq") and
               e.get("id") == qid)
    results = [e for e in r.history if e.tag == q(NS_CLIENT, "message")
               and e.find(q(NS_MAM, "result")) is not None]
    text = "".join(dump(e) for e in results)
    assert len(results) == 1, text
    assert "omemo:2" in text and "clear now" not in text
