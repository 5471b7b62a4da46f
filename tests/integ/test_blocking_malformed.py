"""Bad blocking commands get the errors XEP-0191 and RFC 6120 prescribe
and change nothing: an empty <block/> is <bad-request/>, an item without
a 'jid' <bad-request/>, an invalid JID <jid-malformed/>; a block past
[limits] blocklist_items is <not-acceptable/> (modify: the same request
will never succeed) and applies none of its items; commands about
another account, or of the wrong IQ type, are <service-unavailable/>.
No push goes out for a refused command."""
from xmpp_raw import NS_CLIENT, dump, q, stanza_error_condition

NS_BLOCKING = "urn:xmpp:blocking"

LETHE_CONF = {"limits": {"blocklist_items": "3"}}


def blocklist(c):
    r = c.request("<iq type='get' id='%%s'><blocklist xmlns='%s'/></iq>"
                  % NS_BLOCKING)
    assert r.get("type") == "result", dump(r)
    return [i.get("jid") for i in
            r.find(q(NS_BLOCKING, "blocklist")).findall(
                q(NS_BLOCKING, "item"))]


def raw_command(c, inner, iqtype="set", to=None):
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='%s' id='%%s'%s>%s</iq>" % (
        iqtype, to_attr, inner))


def block(c, *jids):
    return raw_command(c, "<block xmlns='%s'>%s</block>" % (
        NS_BLOCKING, "".join("<item jid='%s'/>" % j for j in jids)))


def assert_error(r, cond, etype):
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == cond, dump(r)
    assert r.find(q(NS_CLIENT, "error")).get("type") == etype, dump(r)


def no_pushes(c):
    c.assert_alive()
    assert not [e for e in c.history if e.tag == q(NS_CLIENT, "iq") and
                e.get("type") == "set"], [dump(e) for e in c.history]


def test_empty_block(lethe, login):
    c = login()
    blocklist(c)
    assert_error(raw_command(c, "<block xmlns='%s'/>" % NS_BLOCKING),
                 "bad-request", "modify")
    # Elements that are not items do not count as items.
    assert_error(raw_command(c, "<block xmlns='%s'><jid>a@b.example</jid>"
                             "</block>" % NS_BLOCKING),
                 "bad-request", "modify")
    no_pushes(c)


def test_item_without_jid(lethe, login):
    c = login()
    blocklist(c)
    assert_error(raw_command(c, "<block xmlns='%s'><item jid='ok@b.example'"
                             "/><item/></block>" % NS_BLOCKING),
                 "bad-request", "modify")
    assert blocklist(c) == []
    no_pushes(c)


def test_malformed_jids(lethe, login):
    c = login()
    blocklist(c)
    for bad in ("", "@example.org", "a@b@example.org", "user@",
                "user@exa mple.org", "/res"):
        assert_error(block(c, "fine@example.org", bad), "jid-malformed",
                     "modify")
        assert_error(raw_command(c, "<unblock xmlns='%s'><item jid='%s'/>"
                                 "</unblock>" % (NS_BLOCKING, bad)),
                     "jid-malformed", "modify")
    assert blocklist(c) == []
    no_pushes(c)


def test_limit(lethe, login):
    c = login()
    blocklist(c)
    assert block(c, "a@x.example", "b@x.example").get("type") == "result"
    c.wait_for(lambda e: e.get("type") == "set")  # the push
    r = block(c, "c@x.example", "d@x.example")
    assert_error(r, "not-acceptable", "modify")
    assert blocklist(c) == ["a@x.example", "b@x.example"]
    # Already blocked items do not count twice; the third fits.
    assert block(c, "a@x.example", "c@x.example").get("type") == "result"
    assert blocklist(c) == ["a@x.example", "b@x.example", "c@x.example"]
    # A request longer than the limit is refused before it is read.
    r = block(c, *["e%d@x.example" % i for i in range(10)])
    assert_error(r, "not-acceptable", "modify")


def test_another_account_and_wrong_types(lethe, login):
    c = login()
    _, _, other = lethe.new_account()
    for inner in ("<blocklist xmlns='%s'/>" % NS_BLOCKING,
                  "<block xmlns='%s'><item jid='a@b.example'/></block>"
                  % NS_BLOCKING,
                  "<unblock xmlns='%s'/>" % NS_BLOCKING):
        r = raw_command(c, inner, "get" if "blocklist" in inner else "set",
                        to=other)
        assert_error(r, "service-unavailable", "cancel")
    assert_error(raw_command(c, "<blocklist xmlns='%s'/>" % NS_BLOCKING,
                             "set"), "service-unavailable", "cancel")
    assert_error(raw_command(c, "<block xmlns='%s'><item jid='a@b.example'"
                             "/></block>" % NS_BLOCKING, "get"),
                 "service-unavailable", "cancel")
    assert blocklist(c) == []
