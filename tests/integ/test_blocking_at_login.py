"""A block holds from the first stanza of a session: what a client sends
in the same packet as its bind request, before the server has read the
list back from the store, waits for the list and is then refused (no
window in which a block is not enforced); stanzas that are allowed go
through in order."""
from xmpp_raw import NS_BIND, NS_CLIENT, dump, q, stanza_error_condition

NS_BLOCKING = "urn:xmpp:blocking"
NS_BLOCKED = "urn:xmpp:blocking:errors"


def test_pipelined_after_bind(lethe, login, connect):
    uacct = lethe.new_account()
    friend = login(presence=0)
    foe = login(presence=0)
    setup = login(uacct)
    r = setup.request("<iq type='set' id='%%s'><block xmlns='%s'><item "
                      "jid='%s'/></block></iq>" % (NS_BLOCKING,
                                                   foe.jid.split("/")[0]))
    assert r.get("type") == "result", dump(r)
    setup.send("</stream:stream>")
    setup.read_to_eof()

    c = connect()
    c.secure(False)
    res = c.authenticate(uacct[0], uacct[1], "SCRAM-SHA-256")
    assert res.tag.endswith("}success"), dump(res)
    c.open_stream()
    c.send("<iq type='set' id='bind1'><bind xmlns='%s'><resource>r"
           "</resource></bind></iq>"
           "<message to='%s' id='m1' type='chat'><body>one</body></message>"
           "<message to='%s' id='m2' type='chat'><body>two</body></message>"
           "<message to='%s' id='m3' type='chat'><body>three</body>"
           "</message>" % (NS_BIND, friend.jid, foe.jid, friend.jid))
    e = c.wait_for(lambda e: e.get("id") == "m2")
    assert e.get("type") == "error", dump(e)
    assert stanza_error_condition(e) == "not-acceptable", dump(e)
    assert e.find(q(NS_CLIENT, "error")).find(q(NS_BLOCKED, "blocked")) \
        is not None, dump(e)
    assert friend.wait_message("one").get("id") == "m1"
    assert friend.wait_message("three").get("id") == "m3"
    foe.assert_alive()
    assert not [x for x in foe.history if x.get("id") == "m2"]
