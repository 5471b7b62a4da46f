"""Message delivery as presence and priority decide it (RFC 6121 §8.5):
a chat or normal message to a bare JID goes to every available resource
with non-negative priority, never to a negative-priority or merely bound
one; to a full JID that is not bound, chat gets the bare-JID treatment,
normal and groupchat are refused with <service-unavailable/> and a
headline is dropped; to a bound full JID anything is delivered, whatever
the priority."""
import pytest

from rosterlib import online
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition


def bodies(c):
    return c.messages_so_far()


@pytest.mark.parametrize("mtype", ["chat", "normal"])
def test_bare_jid_by_priority(lethe, login, mtype):
    acct = lethe.new_account()
    high = online(login, acct, "high", priority=5)
    zero = online(login, acct, "zero", priority=0)
    low = online(login, acct, "low", priority=-1)
    bound = login(acct, "bound")
    sender = login()
    sender.message(acct[2], "to all " + mtype, mtype=mtype)
    sender.assert_alive()
    assert "to all " + mtype in bodies(high)
    assert "to all " + mtype in bodies(zero)
    assert "to all " + mtype not in bodies(low)
    assert "to all " + mtype not in bodies(bound)


def test_negative_priority_only_is_not_available(lethe, login):
    acct = lethe.new_account()
    low = online(login, acct, "low", priority=-3)
    sender = login()
    sender.message(acct[2], "not for low")
    sender.assert_alive()
    assert "not for low" not in bodies(low)
    # Its full JID still reaches it.
    sender.message(low.jid, "for low")
    assert low.wait_message("for low") is not None


@pytest.mark.parametrize("mtype, outcome", [
    ("chat", "bare"),
    ("normal", "refused"),
    ("bogus", "refused"),
    ("groupchat", "refused"),
    ("headline", "dropped"),
])
def test_unbound_full_jid(lethe, login, mtype, outcome):
    acct = lethe.new_account()
    other = online(login, acct, "other", priority=1)
    sender = login()
    body = "to nowhere " + mtype
    mid = sender.message(acct[2] + "/gone", body, mtype=mtype)
    sender.assert_alive()
    errors = [e for e in sender.history if e.tag == q(NS_CLIENT, "message")
              and e.get("id") == mid]
    if outcome == "refused":
        assert len(errors) == 1, [dump(e) for e in sender.history]
        assert stanza_error_condition(errors[0]) == "service-unavailable"
        assert body not in bodies(other)
    elif outcome == "bare":
        assert errors == []
        assert body in bodies(other)
    else:
        assert errors == []
        assert body not in bodies(other)
