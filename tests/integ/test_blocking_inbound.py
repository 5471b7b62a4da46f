"""XEP-0191 §3.3, the contact's side: nothing a blocked JID sends reaches
the user. Its messages and IQ requests are answered
<service-unavailable/> (the user looks offline; no <blocked/> is
revealed), its presence and IQ results are dropped without answer. Every
resource of the user is covered, and unblocking lets stanzas through
again."""
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


def assert_unavailable(e):
    assert e.get("type") == "error", dump(e)
    assert stanza_error_condition(e) == "service-unavailable", dump(e)
    err = e.find(q(NS_CLIENT, "error"))
    assert err.find(q(NS_BLOCKED, "blocked")) is None, dump(e)


def got(c, mid):
    c.assert_alive()
    return [e for e in c.history if e.get("id") == mid]


def test_blocked_contact_cannot_reach_user(lethe, login):
    uacct = lethe.new_account()
    u1 = login(uacct, "u1", presence=0)
    u2 = login(uacct, "u2", presence=0)
    b = login(presence=0)
    bare_b = b.jid.split("/")[0]
    command(u1, "block", bare_b)

    for to in (uacct[2], u1.jid, u2.jid):
        mid = b.message(to, "let me in")
        e = reply_to(b, mid)
        assert_unavailable(e)
        assert e.get("from") == to, dump(e)

    for iqtype in ("get", "set"):
        iid = b.next_id()
        b.send("<iq type='%s' to='%s' id='%s'><ping xmlns='%s'/></iq>" % (
            iqtype, u2.jid, iid, NS_PING))
        assert_unavailable(reply_to(b, iid))

    b.send("<presence to='%s' id='p1'/>" % uacct[2])
    b.send("<presence to='%s' id='p2' type='subscribe'/>" % uacct[2])
    b.send("<presence to='%s' id='p3'/>" % u1.jid)
    b.send("<iq type='result' to='%s' id='r1'/>" % u1.jid)
    b.send("<message type='error' to='%s' id='e1'><error type='cancel'>"
           "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
           "</error></message>" % u1.jid)
    for mid in ("p1", "p2", "p3", "r1", "e1"):
        assert got(b, mid) == [], mid

    for u in (u1, u2):
        u.assert_alive()
        assert not [e for e in u.history if e.get("from", "")
                    .startswith(bare_b)], [dump(e) for e in u.history]

    command(u2, "unblock", bare_b)
    b.message(u1.jid, "thanks")
    u1.wait_message("thanks")
    iid = b.next_id()
    b.send("<iq type='get' to='%s' id='%s'><ping xmlns='%s'/></iq>" % (
        u2.jid, iid, NS_PING))
    ping = u2.wait_for(lambda e: e.get("id") == iid)
    assert ping.get("from") == b.jid, dump(ping)


def test_domain_block_covers_every_local_sender(lethe, login):
    u = login(presence=0)
    command(u, "block", lethe.host)
    for _ in range(2):
        other = login(presence=0)
        assert_unavailable(reply_to(other, other.message(u.jid, "hi")))
    # The server still answers the user.
    u.assert_alive()
