"""Messages that cannot be delivered are bounced with the right condition:
an account with no available resource (offline storage is turned off
here; test_offline_* cover it), a nonexistent account, a remote domain
(no federation yet), a malformed 'to'. Errors are never answered with
errors."""
import pytest

from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition

LETHE_CONF = {"limits": {"offline_messages": "0"}}


def bounce(c, to, body, mtype="chat"):
    mid = c.message(to, body, mtype=mtype)
    e = c.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                   e.get("id") == mid)
    assert e.get("type") == "error", dump(e)
    return e


@pytest.mark.parametrize("mtype", ["chat", "normal"])
def test_offline_account(lethe, login, mtype):
    c = login()
    _, _, other = lethe.new_account()
    e = bounce(c, other, "hello", mtype)
    assert stanza_error_condition(e) == "service-unavailable", dump(e)
    assert e.get("from") == other and e.get("to") == c.jid, dump(e)


def test_online_but_unavailable_account(lethe, login):
    """Bound but no initial presence: not available for bare-JID mail."""
    acct = lethe.new_account()
    quiet = login(acct)
    c = login()
    e = bounce(c, acct[2], "unseen")
    assert stanza_error_condition(e) == "service-unavailable", dump(e)
    assert "unseen" not in quiet.messages_so_far()


def test_nonexistent_account(lethe, login):
    c = login()
    e = bounce(c, "nosuchuser-abc@localhost", "hello")
    assert stanza_error_condition(e) == "service-unavailable", dump(e)


@pytest.mark.parametrize("to", ["someone@example.org", "example.org",
                                "someone@example.org/res"])
def test_remote_domain(lethe, login, to):
    c = login()
    e = bounce(c, to, "far away")
    assert stanza_error_condition(e) == "remote-server-not-found", dump(e)


@pytest.mark.parametrize("to", ["@localhost", "a@b@localhost", "user@",
                                "user@local host", "/res"])
def test_malformed_to(lethe, login, to):
    c = login()
    e = bounce(c, to, "where?")
    assert stanza_error_condition(e) == "jid-malformed", dump(e)


def test_error_is_not_bounced(lethe, login):
    c = login()
    c.send("<message type='error' to='nosuchuser-abc@localhost' id='e1'>"
           "<error type='cancel'><item-not-found "
           "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")
    c.assert_alive()
    assert not any(e.get("id") == "e1" for e in c.history), \
        [dump(e) for e in c.history]


def test_headline_to_offline_is_dropped(lethe, login):
    c = login()
    _, _, other = lethe.new_account()
    mid = c.message(other, "news", mtype="headline")
    c.assert_alive()
    assert not any(e.get("id") == mid for e in c.history)
