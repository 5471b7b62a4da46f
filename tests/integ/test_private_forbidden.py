"""Private XML storage (XEP-0049): only the account itself reads or
writes its private data. A get or set addressed to another account,
online or not, is <forbidden/> and changes nothing; the server's domain
does not offer the namespace at all."""
from xmpp_raw import dump, q, stanza_error_condition

NS_PRIVATE = "jabber:iq:private"


def private_set(c, inner, to=None):
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='set' id='%%s'%s><query xmlns='%s'>%s"
                     "</query></iq>" % (to_attr, NS_PRIVATE, inner))


def private_get(c, to=None):
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='get' id='%%s'%s><query xmlns='%s'>"
                     "<prefs xmlns='urn:example:f'/></query></iq>" %
                     (to_attr, NS_PRIVATE))


def assert_error(iq, condition):
    assert iq.get("type") == "error", dump(iq)
    assert stanza_error_condition(iq) == condition, dump(iq)


def test_another_account(lethe, login):
    alice = lethe.new_account("alice")
    a = login(alice)
    r = private_set(a, "<prefs xmlns='urn:example:f'>secret</prefs>")
    assert r.get("type") == "result", dump(r)
    m = login()
    for _ in range(2):
        r = private_get(m, alice[2])
        assert_error(r, "forbidden")
        assert "secret" not in dump(r)
        assert_error(private_set(
            m, "<prefs xmlns='urn:example:f'>mallory</prefs>", alice[2]),
            "forbidden")
        a.close()  # the second round with Alice offline
    a = login(alice)
    r = private_get(a)
    el = r.find(q(NS_PRIVATE, "query")).find(q("urn:example:f", "prefs"))
    assert el.text == "secret", dump(r)


def test_server_domain(lethe, login):
    c = login()
    assert_error(private_get(c, "localhost"), "service-unavailable")
    assert_error(private_set(c, "<prefs xmlns='urn:example:f'>x</prefs>",
                             "localhost"), "service-unavailable")
