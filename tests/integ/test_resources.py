"""Several resources of one account (RFC 6121 §8.5): a message to the bare
JID reaches every available resource with non-negative priority and no
other; a message to a full JID reaches exactly that resource; binding a
resource that is already bound replaces the old session with <conflict/>.
"""
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition

# Offline storage off: a message nobody can take is refused, not kept.
LETHE_CONF = {"limits": {"resources": "5", "offline_messages": "0"}}


def setup_account(lethe, login):
    acct = lethe.new_account()
    r = {
        "hi": login(acct, "hi", presence=5),
        "zero": login(acct, "zero", presence=0),
        "neg": login(acct, "neg", presence=-1),
        "quiet": login(acct, "quiet"),  # bound, never available
    }
    return acct[2], r


def delivered(clients, sender, body):
    """Names of the clients that received body, once the sender's and
    every receiver's stream have been flushed by a round trip."""
    sender.assert_alive()
    return sorted(name for name, c in clients.items()
                  if body in c.messages_so_far())


def test_bare_jid_reaches_available_nonnegative(lethe, login):
    bare, r = setup_account(lethe, login)
    sender = login(presence=0)
    sender.message(bare, "to-bare")
    for name in ("hi", "zero"):
        m = r[name].wait_message("to-bare")
        assert m.get("from") == sender.jid, dump(m)
        assert m.get("to") == bare, dump(m)
    assert delivered(r, sender, "to-bare") == ["hi", "zero"]


def test_full_jid_reaches_only_that_resource(lethe, login):
    bare, r = setup_account(lethe, login)
    sender = login(presence=0)
    for name in ("zero", "neg", "quiet"):
        body = "to-" + name
        sender.message(bare + "/" + name, body)
        m = r[name].wait_message(body)
        assert m.get("to") == bare + "/" + name, dump(m)
        assert delivered(r, sender, body) == [name]


def test_negative_priority_gets_no_bare_messages(lethe, login):
    acct = lethe.new_account()
    neg = login(acct, "neg", presence=-5)
    sender = login(presence=0)
    sender.message(acct[2], "nobody-home")
    # With no resource able to take it, the sender is told (offline
    # storage is off here), and the negative-priority resource never
    # sees it.
    err = sender.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                          e.get("type") == "error")
    assert "nobody-home" not in neg.messages_so_far()
    assert err.get("from") == acct[2], dump(err)


def test_unavailable_resource_stops_getting_bare_messages(lethe, login):
    bare, r = setup_account(lethe, login)
    sender = login(presence=0)
    r["hi"].presence(ptype="unavailable")
    r["hi"].assert_alive()
    sender.message(bare, "after-unavailable")
    r["zero"].wait_message("after-unavailable")
    assert delivered(r, sender, "after-unavailable") == ["zero"]


def test_same_resource_twice_conflict(lethe, login):
    acct = lethe.new_account()
    old = login(acct, "dup", presence=0)
    new = login(acct, "dup", presence=0)
    assert new.jid == acct[2] + "/dup"
    old.expect_stream_error("conflict")
    new.assert_alive()
    sender = login(presence=0)
    sender.message(acct[2] + "/dup", "to-new")
    new.wait_message("to-new")


def test_server_generated_resources_differ(lethe, login):
    acct = lethe.new_account()
    a = login(acct)
    b = login(acct)
    assert a.jid != b.jid
    assert a.jid.startswith(acct[2] + "/") and b.jid.startswith(acct[2] + "/")
    a.assert_alive()
    b.assert_alive()


def test_resource_limit(lethe, login, connect):
    """[limits] resources = 5 here: a sixth bind is refused with
    <resource-constraint/>, rebinding an existing resource still works,
    and a freed slot can be taken again."""
    acct = lethe.new_account()
    bound = [login(acct, "r%d" % i) for i in range(5)]
    extra = connect()
    extra.secure(False)
    res = extra.authenticate(acct[0], acct[1], "SCRAM-SHA-256")
    assert res.tag.endswith("}success"), dump(res)
    extra.open_stream()
    r = extra.bind("r5")
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "resource-constraint", dump(r)
    # Replacing one of the five is not a sixth.
    again = login(acct, "r0")
    bound[0].expect_stream_error("conflict")
    again.assert_alive()
    # Closing one frees its slot.
    bound[1].send("</stream:stream>")
    bound[1].read_to_eof()
    sixth = login(acct, "r6")
    sixth.assert_alive()
