"""XEP-0191 §3.3, the user's side: a stanza the user sends to a JID it
blocks is not routed. Messages and IQ requests come back as
<not-acceptable/> with <blocked xmlns='urn:xmpp:blocking:errors'/>;
presence and IQ results are dropped without a word. A full-JID item
blocks that resource only, a bare JID every resource, a domain every
address at it (the server itself stays reachable). Unblocking restores
delivery."""
from xmpp_raw import NS_CLIENT, NS_PING, dump, q, stanza_error_condition

NS_BLOCKING = "urn:xmpp:blocking"
NS_BLOCKED = "urn:xmpp:blocking:errors"


def command(c, name, *jids):
    items = "".join("<item jid='%s'/>" % j for j in jids)
    r = c.request("<iq type='set' id='%%s'><%s xmlns='%s'>%s</%s></iq>"
                  % (name, NS_BLOCKING, items, name))
    assert r.get("type") == "result", dump(r)


def reply_to(c, mid):
    return c.wait_for(lambda e: e.get("id") == mid and
                      e.tag != q(NS_CLIENT, "presence"))


def assert_blocked_error(e):
    assert e.get("type") == "error", dump(e)
    assert stanza_error_condition(e) == "not-acceptable", dump(e)
    err = e.find(q(NS_CLIENT, "error"))
    assert err.get("type") == "cancel", dump(e)
    assert err.find(q(NS_BLOCKED, "blocked")) is not None, dump(e)


def got(c, pred):
    c.assert_alive()
    return [e for e in c.history if pred(e)]


def with_id(mid):
    return lambda e: e.get("id") == mid


def test_messages_iqs_presence_to_blocked(lethe, login):
    a = login(presence=0)
    bacct = lethe.new_account()
    b = login(bacct, "b", presence=0)
    command(a, "block", bacct[2])

    for to in (bacct[2], b.jid):
        mid = a.message(to, "you are blocked")
        e = reply_to(a, mid)
        assert_blocked_error(e)
        assert e.get("from") == to, dump(e)
        assert got(b, with_id(mid)) == []

    iid = a.next_id()
    a.send("<iq type='get' to='%s' id='%s'><ping xmlns='%s'/></iq>" % (
        b.jid, iid, NS_PING))
    assert_blocked_error(reply_to(a, iid))
    assert got(b, with_id(iid)) == []

    a.send("<presence to='%s' id='pres1'/>" % b.jid)
    a.send("<iq type='result' to='%s' id='res1'/>" % b.jid)
    a.send("<message type='error' to='%s' id='err1'><error type='cancel'>"
           "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
           "</error></message>" % b.jid)
    for mid in ("pres1", "res1", "err1"):
        assert got(a, with_id(mid)) == [], mid
        assert got(b, with_id(mid)) == [], mid

    command(a, "unblock", bacct[2])
    a.message(bacct[2], "welcome back")
    b.wait_message("welcome back")


def test_full_jid_item_blocks_one_resource(lethe, login):
    a = login(presence=0)
    bacct = lethe.new_account()
    one = login(bacct, "one", presence=0)
    two = login(bacct, "two", presence=0)
    command(a, "block", one.jid)
    assert_blocked_error(reply_to(a, a.message(one.jid, "to-one")))
    a.message(two.jid, "to-two")
    two.wait_message("to-two")
    # To the bare JID: every resource but the blocked one.
    mid = a.message(bacct[2], "to-all")
    two.wait_message("to-all")
    assert got(one, with_id(mid)) == []
    assert got(a, with_id(mid)) == []


def test_domain_item_blocks_everyone_there(lethe, login):
    a = login(presence=0)
    cacct = lethe.new_account()
    c = login(cacct, "c", presence=0)
    command(a, "block", lethe.host)
    assert_blocked_error(reply_to(a, a.message(cacct[2], "anyone?")))
    assert got(c, lambda e: e.tag == q(NS_CLIENT, "message")) == []
    # The server itself and the user's own account are not cut off.
    a.assert_alive()
    own = a.message(a.jid.split("/")[0], "note to self")
    m = a.wait_message("note to self")
    assert m.get("id") == own and m.get("type") == "chat", dump(m)
