"""Offline messages (XEP-0160): a message to an account with no available
resource is kept and delivered, oldest first and with a XEP-0203 delay
stamp from the server, when a resource of the account first sends
available presence with a non-negative priority; once delivered it is
gone. The sender hears nothing: no error. What is kept names no
resource (PRIVACY.md): the delivered message is from the sender's bare
JID, to the recipient's."""
import calendar
import time

from xmpp_raw import NS_CLIENT, NS_DISCO_INFO, Timeout, dump, q

NS_DELAY = "urn:xmpp:delay"


def bodies(elems):
    return [e.findtext(q(NS_CLIENT, "body")) for e in elems
            if e.tag == q(NS_CLIENT, "message")]


def wait_body(c, body, timeout=5.0):
    """The message with this body, whether already read (by a wait for
    something else, which skips it) or still to come."""
    deadline = time.monotonic() + timeout
    while True:
        for e in c.history:
            if e.tag == q(NS_CLIENT, "message") and \
                    e.findtext(q(NS_CLIENT, "body")) == body:
                return e
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout("no message %r; got %s" % (
                body, [dump(e) for e in c.history]))
        try:
            c.next_element(min(left, 0.5))
        except Timeout:
            pass


def delivered(c):
    """Bodies c has received once the store is idle for it: a vCard read
    of its own account is answered by the store after any work queued
    before it (the delivery run that initial presence started), and the
    stanzas of that work are written before the answer."""
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)
    return bodies(c.history)


def no_error_for(c, mid):
    """No error came back for message mid once the server is done with
    it: storing is an account check, then an append queued when the
    check completes; two reads through the store (which runs requests in
    order) are answered after both."""
    for _ in range(2):
        r = c.request(
            "<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
        assert r.get("type") == "result", dump(r)
    assert not any(e.get("id") == mid for e in c.history), \
        [dump(e) for e in c.history]


def test_stored_then_delivered_with_delay(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    before = int(time.time())
    ids = [sender.message(acct[2], "offline-%d" % i) for i in range(3)]
    for mid in ids:
        no_error_for(sender, mid)
    after = int(time.time()) + 1
    r = login(acct, "phone")
    r.assert_alive()
    # Nothing before initial presence.
    assert bodies(r.history) == []
    r.presence(priority=1)
    # The barrier works: all three are in before the vCard answer.
    assert delivered(r) == ["offline-0", "offline-1", "offline-2"], \
        [dump(e) for e in r.history]
    got = [e for e in r.history if e.tag == q(NS_CLIENT, "message")]
    for m, mid in zip(got, ids):
        assert m.get("from") == sender.jid.split("/")[0], dump(m)
        assert m.get("to") == acct[2], dump(m)
        assert m.get("id") == mid, dump(m)
        delays = m.findall(q(NS_DELAY, "delay"))
        assert len(delays) == 1, dump(m)
        assert delays[0].get("from") == lethe.host, dump(m)
        stamp = delays[0].get("stamp")
        t = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
        assert before - 1 <= t <= after, (stamp, before, after)


def test_delivered_once_then_gone(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    sender.message(acct[2], "just-once")
    sender.assert_alive()
    first = login(acct, "first")
    first.presence(priority=0)
    first.wait_message("just-once")
    first.close()
    again = login(acct, "again")
    again.presence(priority=0)
    assert "just-once" not in delivered(again)


def test_only_the_first_available_session_gets_them(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    sender.message(acct[2], "for-one")
    sender.assert_alive()
    quiet = login(acct, "quiet")  # bound, never available
    one = login(acct, "one")
    one.presence(priority=0)
    one.wait_message("for-one")
    two = login(acct, "two")
    two.presence(priority=0)
    assert "for-one" not in delivered(two)
    assert "for-one" not in delivered(quiet)


def test_negative_priority_gets_none(lethe, login):
    """RFC 6121 §8.5.2.1.1 / XEP-0160: negative priority means 'do not
    send me messages for the bare JID', stored ones included."""
    acct = lethe.new_account()
    sender = login(presence=0)
    sender.message(acct[2], "not-for-negative")
    sender.assert_alive()
    neg = login(acct, "neg", presence=-1)
    assert "not-for-negative" not in delivered(neg)
    pos = login(acct, "pos", presence=0)
    wait_body(pos, "not-for-negative")


def test_full_jid_of_absent_resource_is_stored(lethe, login):
    """RFC 6121 §8.5.3.2.1: a chat message to an unbound full JID is
    treated as if sent to the bare JID."""
    acct = lethe.new_account()
    sender = login(presence=0)
    mid = sender.message(acct[2] + "/gone", "to-full")
    no_error_for(sender, mid)
    r = login(acct, "back", presence=0)
    m = wait_body(r, "to-full")
    assert m.get("to") == acct[2], dump(m)
    assert m.find(q(NS_DELAY, "delay")) is not None, dump(m)


def test_bound_but_unavailable_account_stores(lethe, login):
    acct = lethe.new_account()
    quiet = login(acct, "quiet")
    sender = login(presence=0)
    mid = sender.message(acct[2], "while-quiet")
    no_error_for(sender, mid)
    assert "while-quiet" not in quiet.messages_so_far()
    quiet.presence(priority=0)
    quiet.wait_message("while-quiet")


def test_server_advertises_msgoffline(lethe, login):
    c = login()
    r = c.request("<iq type='get' to='%s' id='%%s'><query xmlns='%s'/>"
                  "</iq>" % (lethe.host, NS_DISCO_INFO))
    feats = [f.get("var") for f in
             r.find(q(NS_DISCO_INFO, "query")).findall(
                 q(NS_DISCO_INFO, "feature"))]
    assert "msgoffline" in feats, dump(r)
