"""Message archive (XEP-0313) queries over thousands of messages: RSM
pages forwards (<after/>) and backwards (<before/>), both covering the
archive exactly once and in order; flip-page; the #extended after-id,
before-id and ids fields; with, start and end filters; an unknown
cursor is <item-not-found/>, RSM index <feature-not-implemented/>."""
import time

from mamlib import NS_RSM, bodies, form, ids, query, query_raw, rsm, settle
from xmpp_raw import dump, q, xml_escape

N = 2000
PAGE = 250


def send_many(c, to, n, prefix):
    """n chat messages in one write."""
    c.send("".join("<message to='%s' type='chat' id='%s%d'><body>%s%d"
                   "</body></message>" % (xml_escape(to), prefix, i, prefix,
                                          i) for i in range(n)))


def test_paging(lethe, login):
    a_acct, b_acct, c_acct = (lethe.new_account() for _ in range(3))
    a = login(a_acct, presence=0)
    t0 = int(time.time())
    send_many(a, b_acct[2], N, "m")  # b is offline: a's archive holds all
    a.message(c_acct[2], "to-c")
    settle(a)
    want = ["m%d" % i for i in range(N)] + ["to-c"]

    # Forwards, page by page.
    got, after, pages = [], None, 0
    while True:
        results, fin, s = query(a, rsm(max=PAGE, after=after))
        got += bodies(results)
        pages += 1
        if fin.get("complete") == "true":
            break
        after = s.findtext(q(NS_RSM, "last"))
        assert after == results[-1].get("id")
        assert pages < 20
    assert got == want
    a.history.clear()

    # Backwards from the last page: each page still oldest first.
    got, before, pages = [], "", 0
    while True:
        results, fin, s = query(a, rsm(max=PAGE, before=before))
        got = bodies(results) + got
        pages += 1
        if fin.get("complete") == "true":
            break
        before = s.findtext(q(NS_RSM, "first"))
        assert before == results[0].get("id")
        assert pages < 20
    assert got == want
    a.history.clear()

    # flip-page: the same last page, newest first.
    results, _, _ = query(a, rsm(max=3, before="") + "<flip-page/>")
    assert bodies(results) == ["to-c", "m%d" % (N - 1), "m%d" % (N - 2)]

    # with
    results, fin, _ = query(a, form(**{"with": c_acct[2]}))
    assert bodies(results) == ["to-c"] and fin.get("complete") == "true"
    results, _, _ = query(a, form(**{"with": b_acct[2]}) + rsm(max=2))
    assert bodies(results) == ["m0", "m1"]

    # start / end
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    future = time.strftime(fmt, time.gmtime(time.time() + 3600))
    past = time.strftime(fmt, time.gmtime(t0 - 3600))
    assert query(a, form(start=future))[0] == []
    assert query(a, form(end=past))[0] == []
    results, _, _ = query(a, form(start=past, end=future) + rsm(max=1))
    assert bodies(results) == ["m0"]

    # after-id / before-id / ids
    first5, _, _ = query(a, rsm(max=5))
    i = ids(first5)
    results, _, _ = query(a, form(after_id=i[1], before_id=i[4]))
    assert bodies(results) == ["m2", "m3"]
    results, fin, _ = query(a, form(ids=[i[3], i[0], "no-such-id"]))
    assert bodies(results) == ["m0", "m3"], [dump(r) for r in results]


def test_bad_queries(lethe, login):
    a = login(presence=0)
    _, ans = query_raw(a, rsm(after="no-such-item"))
    assert ans.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}"
                    "item-not-found") is not None, dump(ans)
    _, ans = query_raw(a, "<set xmlns='%s'><index>3</index></set>" % NS_RSM)
    assert ans.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}"
                    "feature-not-implemented") is not None, dump(ans)
    _, ans = query_raw(a, form(start="yesterday"))
    assert ans.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}"
                    "bad-request") is not None, dump(ans)
    _, ans = query_raw(a, form(color="blue"))
    assert ans.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}"
                    "bad-request") is not None, dump(ans)
