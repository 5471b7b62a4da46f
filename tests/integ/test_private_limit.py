"""Private XML storage (XEP-0049): all of an account's elements together
may take at most [limits] private_bytes. A set that would go beyond is
<not-acceptable/> (permanent: only storing less helps) and stores
nothing; replacing an element counts only the new one; removing one
frees its room; a burst of sets sent without waiting cannot overshoot."""
from xmpp_raw import dump, q, stanza_error_condition

NS_PRIVATE = "jabber:iq:private"
LETHE_CONF = {"limits": {"private_bytes": "1k"}}


def element(name, size):
    # Serialized: <NAME xmlns="urn:example:l">...</NAME>, about size bytes.
    return "<%s xmlns='urn:example:l'>%s</%s>" % (name, "x" * size, name)


def private_set(c, inner):
    return c.request("<iq type='set' id='%%s'><query xmlns='%s'>%s"
                     "</query></iq>" % (NS_PRIVATE, inner))


def stored(c, name):
    r = c.request("<iq type='get' id='%%s'><query xmlns='%s'>"
                  "<%s xmlns='urn:example:l'/></query></iq>" %
                  (NS_PRIVATE, name))
    assert r.get("type") == "result", dump(r)
    return r.find(q(NS_PRIVATE, "query")).find(
        q("urn:example:l", name)).text or ""


def assert_full(r):
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "not-acceptable", dump(r)


def test_limit(lethe, login):
    c = login()
    for name in ("a", "b", "c"):
        r = private_set(c, element(name, 280))
        assert r.get("type") == "result", dump(r)
    # About 960 bytes held: one more of 280 does not fit.
    assert_full(private_set(c, element("d", 280)))
    assert stored(c, "d") == ""
    # Alone too big.
    assert_full(private_set(c, element("e", 1100)))
    # Replacing counts the new size only.
    r = private_set(c, element("a", 290))
    assert r.get("type") == "result", dump(r)
    assert len(stored(c, "a")) == 290
    # Removing frees room.
    r = private_set(c, "<b xmlns='urn:example:l'/>")
    assert r.get("type") == "result", dump(r)
    r = private_set(c, element("d", 280))
    assert r.get("type") == "result", dump(r)


def test_burst_cannot_overshoot(lethe, login):
    c = login()
    n = 8
    c.send("".join("<iq type='set' id='burst%d'><query xmlns='%s'>%s"
                   "</query></iq>" % (i, NS_PRIVATE, element("k%d" % i, 280))
                   for i in range(n)))
    answers = {}
    while len(answers) < n:
        e = c.wait_for(lambda e: (e.get("id") or "").startswith("burst"))
        answers[e.get("id")] = e
    ok = [i for i in range(n) if answers["burst%d" % i].get("type") ==
          "result"]
    assert ok == [0, 1, 2], [dump(e) for e in answers.values()]
    for i in range(3, n):
        assert_full(answers["burst%d" % i])
    held = sum(len(stored(c, "k%d" % i)) for i in range(n))
    assert held == 3 * 280
