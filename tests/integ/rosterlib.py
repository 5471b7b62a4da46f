"""Helpers for the roster, subscription and presence tests, on top of
xmpp_raw: roster requests, and what a raw client has seen (pushes,
presence), with every wait bounded.

A raw client keeps every element it received in `history`; tests take a
mark (len(c.history)) before an action and look at what came after it.
"""
import time

from xmpp_raw import NS_CLIENT, Timeout, dump, q, xml_escape

NS_ROSTER = "jabber:iq:roster"


def bare(jid):
    return jid.split("/", 1)[0]


def roster_get(c, ver=None):
    """A roster get; returns the <iq/> answer."""
    attr = "" if ver is None else " ver='%s'" % xml_escape(ver)
    return c.request("<iq type='get' id='%%s'><query xmlns='%s'%s/></iq>"
                     % (NS_ROSTER, attr))


def items(result):
    """jid → <item/> of a roster result."""
    query = result.find(q(NS_ROSTER, "query"))
    assert query is not None, dump(result)
    return {i.get("jid"): i for i in query.findall(q(NS_ROSTER, "item"))}


def groups(item):
    return sorted(g.text or "" for g in item.findall(q(NS_ROSTER, "group")))


def item_xml(jid, name=None, group_names=(), attrs=""):
    a = " jid='%s'" % xml_escape(jid)
    if name is not None:
        a += " name='%s'" % xml_escape(name)
    body = "".join("<group>%s</group>" % xml_escape(g) for g in group_names)
    return "<item%s%s>%s</item>" % (a, attrs, body)


def roster_set_raw(c, inner, to=None):
    """A roster set whose <query/> holds `inner`; returns the answer."""
    to_attr = "" if to is None else " to='%s'" % xml_escape(to)
    return c.request("<iq type='set' id='%%s'%s><query xmlns='%s'>%s"
                     "</query></iq>" % (to_attr, NS_ROSTER,
                                        inner.replace("%", "%%")))


def roster_set(c, jid, name=None, group_names=(), attrs=""):
    return roster_set_raw(c, item_xml(jid, name, group_names, attrs))


def roster_remove(c, jid):
    return roster_set_raw(c, item_xml(jid, attrs=" subscription='remove'"))


def push_item(e, jid=None):
    """The <item/> of a roster push, or None if e is not one (for jid)."""
    if e.tag != q(NS_CLIENT, "iq") or e.get("type") != "set":
        return None
    query = e.find(q(NS_ROSTER, "query"))
    if query is None:
        return None
    item = query.find(q(NS_ROSTER, "item"))
    if item is None or (jid is not None and item.get("jid") != jid):
        return None
    return item


def pushes(c, since=0, jid=None):
    return [i for i in (push_item(e, jid) for e in c.history[since:])
            if i is not None]


def is_presence(e, frm=None, ptype=None):
    """e is a presence (from frm, of ptype; ptype None: available)."""
    if e.tag != q(NS_CLIENT, "presence"):
        return False
    if frm is not None and e.get("from") != frm:
        return False
    return e.get("type") == ptype


def presences(c, since=0, frm=None, ptype=None):
    return [e for e in c.history[since:] if is_presence(e, frm, ptype)]


def seen(c, pred, since=0, timeout=5.0, what="element"):
    """The first element in c.history[since:] for which pred holds,
    reading more until it comes or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        for e in c.history[since:]:
            if pred(e):
                return e
        left = deadline - time.monotonic()
        if left <= 0 or c.eof:
            raise AssertionError("no %s within %.1fs; got: %s" % (
                what, timeout, [dump(e) for e in c.history[since:]]))
        try:
            c.next_element(min(left, 0.5))
        except Timeout:
            pass


def seen_push(c, jid, since=0, timeout=5.0, **attrs):
    """Waits for a push of jid whose item has these attributes (value
    None: absent); returns the item."""
    def match(e):
        item = push_item(e, jid)
        return item is not None and all(item.get(k) == v
                                        for k, v in attrs.items())
    return push_item(seen(c, match, since, timeout,
                          "push of %s %s" % (jid, attrs)), jid)


def seen_presence(c, frm, ptype=None, since=0, timeout=5.0):
    return seen(c, lambda e: is_presence(e, frm, ptype), since, timeout,
                "presence %s from %s" % (ptype or "available", frm))


def online(login, account=None, resource=None, priority=0, roster=True):
    """A bound raw client that requested its roster (so it gets pushes)
    and sent initial presence."""
    c = login(account, resource)
    if roster:
        r = roster_get(c)
        assert r.get("type") == "result", dump(r)
    if priority is not None:
        c.presence(priority=priority)
    c.assert_alive()
    return c


def befriend(a, b):
    """Mutual subscription between two online, interested clients."""
    ab, bb = bare(a.jid), bare(b.jid)
    mark_a, mark_b = len(a.history), len(b.history)
    a.presence(to=bb, ptype="subscribe")
    seen_presence(b, ab, "subscribe", mark_b)
    b.presence(to=ab, ptype="subscribed")
    seen_push(a, bb, mark_a, subscription="to")
    b.presence(to=ab, ptype="subscribe")
    seen_presence(a, bb, "subscribe", mark_a)
    a.presence(to=bb, ptype="subscribed")
    seen_push(a, bb, mark_a, subscription="both")
    seen_push(b, ab, mark_b, subscription="both")


def wait_gone(observer, full, timeout=5.0):
    """Waits until the server no longer has session `full` bound (a
    normal message to it is refused, RFC 6121 §8.5.3.2.1)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mid = observer.message(full, "are you there?", mtype="normal")
        try:
            e = observer.wait_for(lambda e: e.get("id") == mid,
                                  timeout=0.2)
            if e.get("type") == "error":
                return
        except Timeout:
            pass
    raise AssertionError("%s still bound after %.1fs" % (full, timeout))
