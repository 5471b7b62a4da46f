"""Private XML storage (XEP-0049): an account stores an element and reads
it back, with no 'to' or its own bare JID, across sessions; a get for
nothing stored returns the empty element asked for; elements are kept
per (namespace, name), independent of one another; a set replaces, and
an empty element removes."""
from xmpp_raw import dump, q

NS_PRIVATE = "jabber:iq:private"


def private_set(c, inner, to=None):
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='set' id='%%s'%s><query xmlns='%s'>%s"
                     "</query></iq>" % (to_attr, NS_PRIVATE, inner))


def private_get(c, ns, name, to=None):
    to_attr = "" if to is None else " to='%s'" % to
    r = c.request("<iq type='get' id='%%s'%s><query xmlns='%s'>"
                  "<%s xmlns='%s'/></query></iq>" %
                  (to_attr, NS_PRIVATE, name, ns))
    assert r.get("type") == "result", dump(r)
    query = r.find(q(NS_PRIVATE, "query"))
    assert query is not None and len(query) == 1, dump(r)
    el = query[0]
    assert el.tag == q(ns, name), dump(r)
    return el


def assert_ok(r):
    assert r.get("type") == "result", dump(r)
    assert len(r) == 0, dump(r)


def test_nothing_stored_returns_the_empty_element(lethe, login):
    c = login()
    el = private_get(c, "urn:example:prefs", "prefs")
    assert len(el) == 0 and not el.attrib and not (el.text or "").strip()


def test_round_trip(lethe, login):
    acct = lethe.new_account()
    c = login(acct)
    bare = c.jid.split("/", 1)[0]
    assert_ok(private_set(
        c, "<exodus xmlns='exodus:prefs' v='1'><defaultnick>Hamlet &amp; "
           "co</defaultnick><x xmlns='urn:example:inner'>i</x></exodus>"))
    for to in (None, bare):
        el = private_get(c, "exodus:prefs", "exodus", to)
        assert el.get("v") == "1"
        assert el.find(q("exodus:prefs", "defaultnick")).text == \
            "Hamlet & co"
        assert el.find(q("urn:example:inner", "x")).text == "i"
    # A set with the own bare JID as 'to' works as well.
    assert_ok(private_set(c, "<exodus xmlns='exodus:prefs' v='2'/>", bare))
    # Kept across sessions.
    c.close()
    c2 = login(acct)
    el = private_get(c2, "exodus:prefs", "exodus")
    assert el.get("v") == "2" and len(el) == 0, dump(el)


def test_independent_elements(lethe, login):
    c = login()
    assert_ok(private_set(c, "<storage xmlns='storage:bookmarks'>"
                             "<conference jid='room@muc.example' "
                             "autojoin='true'/></storage>"))
    assert_ok(private_set(c, "<prefs xmlns='urn:example:a'>A</prefs>"))
    assert_ok(private_set(c, "<other xmlns='urn:example:a'>O</other>"))
    assert_ok(private_set(c, "<prefs xmlns='urn:example:b'>B</prefs>"))
    assert private_get(c, "urn:example:a", "prefs").text == "A"
    assert private_get(c, "urn:example:a", "other").text == "O"
    assert private_get(c, "urn:example:b", "prefs").text == "B"
    conf = private_get(c, "storage:bookmarks", "storage").find(
        q("storage:bookmarks", "conference"))
    assert conf is not None and conf.get("autojoin") == "true"
    # Replacing one leaves the others.
    assert_ok(private_set(c, "<prefs xmlns='urn:example:a'>A2</prefs>"))
    assert private_get(c, "urn:example:a", "prefs").text == "A2"
    assert private_get(c, "urn:example:b", "prefs").text == "B"
    # Removing one (an empty element) leaves the others.
    assert_ok(private_set(c, "<prefs xmlns='urn:example:b'/>"))
    assert len(private_get(c, "urn:example:b", "prefs")) == 0
    assert private_get(c, "urn:example:b", "prefs").text is None
    assert private_get(c, "urn:example:a", "other").text == "O"


def test_accounts_do_not_share(lethe, login):
    a = login()
    b = login()
    assert_ok(private_set(a, "<prefs xmlns='urn:example:s'>mine</prefs>"))
    assert private_get(b, "urn:example:s", "prefs").text is None
    assert private_get(a, "urn:example:s", "prefs").text == "mine"


def test_set_then_get_in_one_burst(lethe, login):
    """Requests sent without waiting are answered in order, and a get
    sees the set before it."""
    c = login()
    batch = []
    for i in range(5):
        batch.append("<iq type='set' id='b-set%d'><query xmlns='%s'>"
                     "<n xmlns='urn:example:burst'>%d</n></query></iq>" %
                     (i, NS_PRIVATE, i))
        batch.append("<iq type='get' id='b-get%d'><query xmlns='%s'>"
                     "<n xmlns='urn:example:burst'/></query></iq>" %
                     (i, NS_PRIVATE))
    c.send("".join(batch))
    got = []
    while len(got) < 10:
        e = c.wait_for(lambda e: (e.get("id") or "").startswith("b-"))
        got.append(e)
    assert [e.get("id") for e in got] == \
        [x for i in range(5) for x in ("b-set%d" % i, "b-get%d" % i)]
    for i in range(5):
        g = got[2 * i + 1]
        assert g.get("type") == "result", dump(g)
        n = g.find(q(NS_PRIVATE, "query")).find(q("urn:example:burst", "n"))
        assert n.text == str(i), dump(g)
