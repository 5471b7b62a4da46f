"""Blocking and offline messages. The list of an account that is offline
is not consulted (PRIVACY.md: it is the user's, read at login), so a
blocked sender's message is stored like any other; it is dropped when
delivered at login, and deleted with the rest. While the account is
online, even with no available resource, a blocked sender is refused at
once."""
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition

NS_BLOCKING = "urn:xmpp:blocking"


def command(c, name, *jids):
    items = "".join("<item jid='%s'/>" % j for j in jids)
    r = c.request("<iq type='set' id='%%s'><%s xmlns='%s'>%s</%s></iq>"
                  % (name, NS_BLOCKING, items, name))
    assert r.get("type") == "result", dump(r)


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def store_barrier(c):
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)


def settled(c):
    """Replies to what c sent once the server is done with it (an
    account check, then an append: two store round trips)."""
    store_barrier(c)
    store_barrier(c)
    return [e for e in c.history if e.tag == q(NS_CLIENT, "message")]


def bodies(c):
    store_barrier(c)
    return [e.findtext(q(NS_CLIENT, "body")) for e in c.history
            if e.tag == q(NS_CLIENT, "message")]


def test_stored_message_from_blocked_sender_dropped_at_login(lethe, login):
    uacct = lethe.new_account()
    b = login(presence=0)
    c = login(presence=0)
    u = login(uacct, "setup")
    command(u, "block", b.jid.split("/")[0])
    end(u)

    b.message(uacct[2], "from-blocked")
    c.message(uacct[2], "from-friend")
    assert settled(b) == [] and settled(c) == []

    first = login(uacct, "first")
    first.presence(priority=0)
    assert bodies(first) == ["from-friend"], \
        [dump(e) for e in first.history]
    end(first)

    # The blocked one was deleted too, not kept for a later login.
    command(login(uacct, "unblocker"), "unblock")
    again = login(uacct, "again")
    again.presence(priority=0)
    assert bodies(again) == [], [dump(e) for e in again.history]


def test_online_but_unavailable_user_refuses_at_once(lethe, login):
    uacct = lethe.new_account()
    u = login(uacct, "quiet")  # bound, no presence: list loaded
    b = login(presence=0)
    command(u, "block", b.jid.split("/")[0])
    mid = b.message(uacct[2], "not stored")
    e = b.wait_for(lambda e: e.get("id") == mid)
    assert e.get("type") == "error", dump(e)
    assert stanza_error_condition(e) == "service-unavailable", dump(e)
    u.presence(priority=0)
    assert "not stored" not in bodies(u)
