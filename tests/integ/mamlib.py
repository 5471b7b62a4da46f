"""Helpers for the message archive tests (XEP-0313) on top of xmpp_raw:
a query with its form and RSM set, its results and its <fin/>, and a
barrier that waits for the archive's writes. Every wait is bounded."""
from xmpp_raw import NS_CLIENT, dump, q, xml_escape

NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_FORWARD = "urn:xmpp:forward:0"
NS_DELAY = "urn:xmpp:delay"
NS_SID = "urn:xmpp:sid:0"
NS_DATA = "jabber:x:data"


def form(**fields):
    """A MAM data form; a field given a list gets one <value/> each.
    Python names: before_id → before-id."""
    out = ["<x xmlns='%s' type='submit'><field var='FORM_TYPE' "
           "type='hidden'><value>%s</value></field>" % (NS_DATA, NS_MAM)]
    for k, v in fields.items():
        vals = v if isinstance(v, (list, tuple)) else [v]
        out.append("<field var='%s'>%s</field>" % (
            k.replace("_", "-"),
            "".join("<value>%s</value>" % xml_escape(x) for x in vals)))
    out.append("</x>")
    return "".join(out)


def rsm(max=None, after=None, before=None):
    """An RSM <set/>; before='' asks for the last page."""
    s = "<set xmlns='%s'>" % NS_RSM
    if max is not None:
        s += "<max>%d</max>" % max
    if after is not None:
        s += "<after>%s</after>" % xml_escape(after)
    if before is not None:
        s += "<before>%s</before>" % xml_escape(before) if before \
            else "<before/>"
    return s + "</set>"


def query_raw(c, inner="", to=None, timeout=None):
    """Sends a MAM query holding `inner`; returns (results, answer): the
    <result/> elements with this query's id, in order, and the <iq/>."""
    qid = "q" + c.next_id()
    to_attr = "" if to is None else " to='%s'" % xml_escape(to)
    mark = len(c.history)
    ans = c.request("<iq type='set' id='%%s'%s><query xmlns='%s' "
                    "queryid='%s'>%s</query></iq>" % (
                        to_attr, NS_MAM, qid, inner.replace("%", "%%")),
                    timeout=timeout)
    results = []
    for e in c.history[mark:]:
        if e.tag != q(NS_CLIENT, "message"):
            continue
        r = e.find(q(NS_MAM, "result"))
        if r is not None and r.get("queryid") == qid:
            results.append(r)
    return results, ans


def query(c, inner="", timeout=None):
    """A query that must succeed: (results, fin, rsm set)."""
    results, ans = query_raw(c, inner, timeout=timeout)
    assert ans.get("type") == "result", dump(ans)
    fin = ans.find(q(NS_MAM, "fin"))
    assert fin is not None, dump(ans)
    return results, fin, fin.find(q(NS_RSM, "set"))


def inner(result):
    """The archived <message/> inside a <result/>."""
    m = result.find(q(NS_FORWARD, "forwarded")).find(q(NS_CLIENT,
                                                        "message"))
    assert m is not None, dump(result)
    return m


def body(result):
    return inner(result).findtext(q(NS_CLIENT, "body"))


def bodies(results):
    return [body(r) for r in results]


def ids(results):
    return [r.get("id") for r in results]


def settle(c, rounds=3):
    """Waits until writes queued so far are done: each prefs get is
    answered from memory, but a vCard read goes through the store, which
    runs requests in order; an offline recipient's copy takes up to three
    store steps."""
    for _ in range(rounds):
        r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/>"
                      "</iq>")
        assert r.get("type") == "result", dump(r)


def stanza_id(msg, by):
    """The id of msg's <stanza-id/> by `by`, or None."""
    for s in msg.findall(q(NS_SID, "stanza-id")):
        if s.get("by") == by:
            return s.get("id")
    return None
