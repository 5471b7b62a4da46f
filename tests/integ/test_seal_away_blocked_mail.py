"""Mail to an account that has no session: its blocklist is sealed
(PRIVACY.md, "Sealed records"), so nobody can tell whether it blocks the
sender. Every message is stored as any other; at login the blocklist is
read first, and a stored message from a sender the account blocks is
dropped and deleted, never delivered, while the others are. What the
senders see is the same whether they are blocked or not, for every
message type: chat and normal are kept without an error, headline and
error vanish, groupchat is refused with <service-unavailable/>."""
import time

from rosterlib import wait_gone
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition, xml_escape

NS_BLOCKING = "urn:xmpp:blocking"


def block(c, jid):
    r = c.request("<iq type='set' id='%%s'><block xmlns='%s'><item "
                  "jid='%s'/></block></iq>" % (NS_BLOCKING, jid))
    assert r.get("type") == "result", dump(r)


def store_barrier(c):
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)


def send(c, to, mtype, body):
    mid = c.next_id()
    c.send("<message to='%s' type='%s' id='%s'><body>%s</body></message>"
           % (xml_escape(to), mtype, mid, xml_escape(body)))
    return mid


def answers(c, ids):
    """What came back for each id, after the server is done with them
    (account check, append: two store round trips, then a short read)."""
    store_barrier(c)
    store_barrier(c)
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:
        try:
            c.next_element(deadline - time.monotonic())
        except AssertionError:
            break
    out = {}
    for mid in ids:
        got = [e for e in c.history if e.get("id") == mid]
        out[mid] = [(e.get("type"), stanza_error_condition(e)
                     if e.get("type") == "error" else None) for e in got]
    return out


def bodies(c):
    store_barrier(c)
    return sorted(e.findtext(q(NS_CLIENT, "body")) for e in c.history
                  if e.tag == q(NS_CLIENT, "message"))


def test_blocked_sender_dropped_at_login_senders_see_the_same(lethe, login):
    uacct = lethe.new_account()
    blocked = login(presence=0)
    friend = login(presence=0)
    u = login(uacct, "setup")
    block(u, blocked.jid.split("/")[0])
    u.close()
    wait_gone(friend, u.jid)

    seen = {}
    for who, c in (("blocked", blocked), ("friend", friend)):
        ids = [send(c, uacct[2], t, "%s-%s" % (who, t))
               for t in ("chat", "normal", "headline", "groupchat",
                         "error")]
        got = answers(c, ids)
        seen[who] = [got[i] for i in ids]
    assert seen["blocked"] == seen["friend"], seen
    assert seen["friend"] == [[], [], [], [("error", "service-unavailable")],
                              []], seen

    first = login(uacct, "first")
    first.presence(priority=0)
    assert bodies(first) == ["friend-chat", "friend-normal"], \
        [dump(e) for e in first.history]
    first.close()
    wait_gone(friend, first.jid)

    # The blocked ones were deleted, not kept for a later login.
    again = login(uacct, "again")
    r = again.request("<iq type='set' id='%%s'><unblock xmlns='%s'/></iq>"
                      % NS_BLOCKING)
    assert r.get("type") == "result", dump(r)
    again.presence(priority=0)
    assert bodies(again) == [], [dump(e) for e in again.history]
