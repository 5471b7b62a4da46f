"""XEP-0191 commands: the blocklist (get), block one or more JIDs,
unblock some, unblock all. Items are normalized and deduplicated; each
change is pushed to every resource of the account that has asked for the
list (and only to those, §3.3), after the result; the list outlives the
session."""
from xmpp_raw import NS_CLIENT, dump, q

NS_BLOCKING = "urn:xmpp:blocking"


def items_of(el):
    return [i.get("jid") for i in el.findall(q(NS_BLOCKING, "item"))]


def blocklist(c):
    r = c.request("<iq type='get' id='%%s'><blocklist xmlns='%s'/></iq>"
                  % NS_BLOCKING)
    assert r.get("type") == "result", dump(r)
    bl = r.find(q(NS_BLOCKING, "blocklist"))
    assert bl is not None, dump(r)
    return items_of(bl)


def command(c, name, *jids, to=None):
    items = "".join("<item jid='%s'/>" % j for j in jids)
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='set' id='%%s'%s><%s xmlns='%s'>%s</%s>"
                     "</iq>" % (to_attr, name, NS_BLOCKING, items, name))


def is_push(e, name):
    return e.tag == q(NS_CLIENT, "iq") and e.get("type") == "set" and \
        e.find(q(NS_BLOCKING, name)) is not None


def wait_push(c, name):
    """The next push; answers it as a client must."""
    e = c.wait_for(lambda e: is_push(e, name))
    assert e.get("to") == c.jid, dump(e)
    assert e.get("from") in (None, c.jid.split("/")[0]), dump(e)
    c.send("<iq type='result' id='%s'/>" % e.get("id"))
    return items_of(e.find(q(NS_BLOCKING, name)))


def pushes_so_far(c):
    c.assert_alive()
    return [e for e in c.history
            if is_push(e, "block") or is_push(e, "unblock")]


def test_block_unblock_with_pushes(lethe, login):
    acct = lethe.new_account()
    one = login(acct, "one")
    two = login(acct, "two")
    deaf = login(acct, "deaf")  # never asks for the list: no pushes
    assert blocklist(one) == []
    assert blocklist(two) == []

    r = command(one, "block", "spam@example.org")
    assert r.get("type") == "result", dump(r)
    assert wait_push(one, "block") == ["spam@example.org"]
    assert wait_push(two, "block") == ["spam@example.org"]
    assert blocklist(two) == ["spam@example.org"]

    r = command(two, "block", "a@example.org", "example.net",
                "B@Example.ORG/Res", "a@example.org")
    assert r.get("type") == "result", dump(r)
    want = ["a@example.org", "example.net", "b@example.org/Res"]
    assert wait_push(one, "block") == want
    assert wait_push(two, "block") == want
    assert blocklist(one) == ["spam@example.org"] + want

    r = command(one, "unblock", "A@example.org", "never@blocked.example")
    assert r.get("type") == "result", dump(r)
    assert wait_push(one, "unblock") == ["a@example.org",
                                         "never@blocked.example"]
    assert wait_push(two, "unblock") == ["a@example.org",
                                         "never@blocked.example"]
    assert blocklist(two) == ["spam@example.org", "example.net",
                              "b@example.org/Res"]

    r = command(two, "unblock")
    assert r.get("type") == "result", dump(r)
    assert wait_push(one, "unblock") == []
    assert wait_push(two, "unblock") == []
    assert blocklist(one) == []
    assert pushes_so_far(deaf) == []


def test_result_comes_before_push(lethe, login):
    c = login()
    blocklist(c)
    iid = c.next_id()
    c.send("<iq type='set' id='%s'><block xmlns='%s'><item jid='x@y.example'"
           "/></block></iq>" % (iid, NS_BLOCKING))
    first = c.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq"))
    assert first.get("id") == iid and first.get("type") == "result", \
        dump(first)
    assert wait_push(c, "block") == ["x@y.example"]


def test_addressed_to_own_bare_jid(lethe, login):
    acct = lethe.new_account()
    c = login(acct)
    r = command(c, "block", "z@example.org", to=acct[2])
    assert r.get("type") == "result", dump(r)
    assert blocklist(c) == ["z@example.org"]


def end(c):
    """Closes the stream and waits for the server's close: the session,
    and with the last one the account's cached list, is gone then."""
    c.send("</stream:stream>")
    c.read_to_eof()


def test_list_outlives_the_session(lethe, login):
    acct = lethe.new_account()
    c = login(acct)
    assert command(c, "block", "kept@example.org").get("type") == "result"
    end(c)
    later = login(acct)
    assert blocklist(later) == ["kept@example.org"]
    assert command(later, "unblock").get("type") == "result"
    end(later)
    again = login(acct)
    assert blocklist(again) == []
