"""Message carbons (XEP-0280): with two resources of one account and a
contact, every message appears on both devices: what one resource sends
reaches the other as a <sent/> carbon, a message to one resource reaches
the other as <received/>, a message to the bare JID goes to both as the
original, or as a <received/> carbon to an enabled resource the router
skips (negative priority). <private/>, <no-copy/>, disabled resources and
messages with nothing of a chat in them get no copy."""
from mamlib import NS_FORWARD, stanza_id
from xmpp_raw import NS_CLIENT, NS_DISCO_INFO, dump, q, xml_escape

NS_CARBONS = "urn:xmpp:carbons:2"


def enable(c, on=True):
    r = c.request("<iq type='set' id='%%s'><%s xmlns='%s'/></iq>" % (
        "enable" if on else "disable", NS_CARBONS))
    assert r.get("type") == "result", dump(r)


def carbon(c, kind, body, timeout=5.0):
    """The next <sent/> or <received/> carbon whose message has body."""
    def match(e):
        w = e.find(q(NS_CARBONS, kind))
        if e.tag != q(NS_CLIENT, "message") or w is None:
            return False
        m = w.find(q(NS_FORWARD, "forwarded")).find(q(NS_CLIENT, "message"))
        return m is not None and m.findtext(q(NS_CLIENT, "body")) == body
    e = c.wait_for(match, timeout=timeout)
    return e, e.find(q(NS_CARBONS, kind)).find(q(NS_FORWARD, "forwarded")) \
        .find(q(NS_CLIENT, "message"))


def nothing_with(c, body):
    """c got nothing mentioning body (after a round trip)."""
    c.assert_alive()
    for e in c.history:
        for b in e.iter(q(NS_CLIENT, "body")):
            assert b.text != body, dump(e)


def three_devices(lethe, login):
    acct, contact = lethe.new_account(), lethe.new_account()
    phone = login(acct, "phone", presence=1)
    laptop = login(acct, "laptop", presence=1)
    other = login(contact, "desk", presence=1)
    enable(phone)
    enable(laptop)
    return acct, contact, phone, laptop, other


def test_sent_and_received(lethe, login):
    acct, contact, phone, laptop, other = three_devices(lethe, login)
    # phone → contact: laptop sees it as sent.
    phone.message(contact[2], "from-phone")
    other.wait_message("from-phone")
    e, m = carbon(laptop, "sent", "from-phone")
    assert e.get("from") == acct[2] and e.get("to") == laptop.jid, dump(e)
    assert m.get("from") == phone.jid and m.get("to") == contact[2], dump(e)
    nothing_with(phone, "from-phone")
    # contact → phone's full JID: laptop sees it as received, with the
    # stanza-id phone got.
    other.message(phone.jid, "to-phone")
    orig = phone.wait_message("to-phone")
    e, m = carbon(laptop, "received", "to-phone")
    assert e.get("from") == acct[2], dump(e)
    assert stanza_id(m, acct[2]) == stanza_id(orig, acct[2]) is not None
    # contact → bare JID: both get the original, no carbons.
    other.message(acct[2], "to-bare")
    phone.wait_message("to-bare")
    laptop.wait_message("to-bare")
    for c in (phone, laptop):
        c.assert_alive()
        assert not any(e.find(q(NS_CARBONS, "received")) is not None and
                       e.find(".//{%s}body" % NS_CLIENT).text == "to-bare"
                       for e in c.history), [dump(e) for e in c.history]


def test_negative_priority_gets_carbon(lethe, login):
    acct, contact, phone, laptop, other = three_devices(lethe, login)
    laptop.presence(priority=-1)
    laptop.assert_alive()
    other.message(acct[2], "bare-msg")
    phone.wait_message("bare-msg")
    carbon(laptop, "received", "bare-msg")


def test_not_copied(lethe, login):
    acct, contact, phone, laptop, other = three_devices(lethe, login)
    to = xml_escape(contact[2])
    phone.send("<message to='%s' type='chat'><body>priv</body><private "
               "xmlns='%s'/></message>" % (to, NS_CARBONS))
    phone.send("<message to='%s' type='chat'><body>nocopy</body><no-copy "
               "xmlns='urn:xmpp:hints'/></message>" % to)
    phone.send("<message to='%s' type='headline'><body>head</body>"
               "</message>" % to)
    phone.send("<message to='%s' type='normal' id='empty'><thread>t"
               "</thread></message>" % to)
    phone.message(contact[2], "marker")
    carbon(laptop, "sent", "marker")
    for b in ("priv", "nocopy", "head"):
        nothing_with(laptop, b)
    assert not any(e.get("id") == "empty" or
                   e.find(".//{%s}message[@id='empty']" % NS_CLIENT)
                   is not None for e in laptop.history)
    # A chat state alone is copied.
    phone.send("<message to='%s' type='chat' id='cs'><composing "
               "xmlns='http://jabber.org/protocol/chatstates'/></message>"
               % to)
    laptop.wait_for(lambda e: e.find(".//{%s}message[@id='cs']" %
                                     NS_CLIENT) is not None)
    # Disabled: no more copies.
    enable(laptop, False)
    phone.message(contact[2], "after-disable")
    other.wait_message("after-disable")
    nothing_with(laptop, "after-disable")


def test_disco(lethe, login):
    c = login()
    r = c.request("<iq type='get' id='%%s' to='localhost'><query "
                  "xmlns='%s'/></iq>" % NS_DISCO_INFO)
    assert NS_CARBONS in {f.get("var") for f in
                          r.iter(q(NS_DISCO_INFO, "feature"))}, dump(r)
