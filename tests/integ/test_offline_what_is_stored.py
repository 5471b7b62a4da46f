"""What offline storage keeps: messages with something for the recipient
to read later (a body, an encrypted payload, a delivery receipt, the
XEP-0334 <store/> hint), and <no-permanent-store/> ones (XEP-0334 lets
them be held for delivery). Not kept, and answered <service-unavailable/>
so the sender knows: chat states alone (XEP-0085), <no-store/>, and
anything for an account that does not exist. Headlines and errors are
never stored nor answered; groupchat is refused."""
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition

NS_HINTS = "urn:xmpp:hints"
NS_CHATSTATES = "http://jabber.org/protocol/chatstates"

KEPT = {
    "body": "<body>hello</body>",
    "receipt": "<received xmlns='urn:xmpp:receipts' id='abc'/>",
    "omemo": "<encrypted xmlns='eu.siacs.conversations.axolotl'>"
             "<header sid='1'><iv>AAAA</iv></header>"
             "<payload>BBBB</payload></encrypted>",
    "store-hint": "<composing xmlns='%s'/><store xmlns='%s'/>" % (
        NS_CHATSTATES, NS_HINTS),
    "no-permanent-store": "<body>otr</body>"
                          "<no-permanent-store xmlns='%s'/>" % NS_HINTS,
}

REFUSED = {
    "chat-state": "<composing xmlns='%s'/>" % NS_CHATSTATES,
    "no-store": "<body>ephemeral</body><no-store xmlns='%s'/>" % NS_HINTS,
    "empty": "",
    "subject-only": "<subject>topic</subject>",
}


def store_barrier(c):
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)


def replies(c, ids):
    """Replies to these message ids once the server is done with them
    (an account check, then an append: two store round trips)."""
    store_barrier(c)
    store_barrier(c)
    return {e.get("id"): e for e in c.history
            if e.tag == q(NS_CLIENT, "message") and e.get("id") in ids}


def send(c, to, payload, mid, mtype="chat"):
    c.send("<message to='%s' type='%s' id='%s'>%s</message>" % (
        to, mtype, mid, payload))
    return mid


def received_ids(lethe, login, acct):
    r = login(acct, "reader")
    r.presence(priority=0)
    store_barrier(r)
    return [e.get("id") for e in r.history
            if e.tag == q(NS_CLIENT, "message")]


def test_kept_and_refused(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    ids = [send(sender, acct[2], p, "keep-" + k) for k, p in KEPT.items()]
    ids += [send(sender, acct[2], p, "drop-" + k)
            for k, p in REFUSED.items()]
    got = replies(sender, ids)
    assert sorted(got) == sorted("drop-" + k for k in REFUSED), \
        [dump(e) for e in got.values()]
    for e in got.values():
        assert e.get("type") == "error", dump(e)
        assert stanza_error_condition(e) == "service-unavailable", dump(e)
    assert received_ids(lethe, login, acct) == \
        ["keep-" + k for k in KEPT]


def test_other_types(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    ids = [send(sender, acct[2], "<body>news</body>", "hl", "headline"),
           send(sender, acct[2], "<body>room</body>", "gc", "groupchat"),
           send(sender, acct[2], "<error type='cancel'><item-not-found "
                "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
                "err", "error"),
           send(sender, acct[2], "<body>plain</body>", "normal", "normal")]
    got = replies(sender, ids)
    assert sorted(got) == ["gc"], [dump(e) for e in got.values()]
    assert stanza_error_condition(got["gc"]) == "service-unavailable"
    assert received_ids(lethe, login, acct) == ["normal"]


def test_nonexistent_account_refused(lethe, login):
    sender = login(presence=0)
    mid = send(sender, "nosuchuser-off@localhost", "<body>hi</body>", "ne")
    got = replies(sender, [mid])
    assert mid in got, [dump(e) for e in sender.history]
    assert stanza_error_condition(got[mid]) == "service-unavailable", \
        dump(got[mid])
    assert got[mid].get("from") == "nosuchuser-off@localhost"
