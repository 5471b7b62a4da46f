"""Helpers for the PEP tests (XEP-0163 on XEP-0060), on top of xmpp_raw
and rosterlib: publishing, fetching, entity capabilities (XEP-0115) with
the answer to the server's disco#info query, and event notifications."""
import base64
import hashlib

from rosterlib import befriend, online, seen
from xmpp_raw import NS_CLIENT, dump, q, xml_escape

NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_OWNER = "http://jabber.org/protocol/pubsub#owner"
NS_EVENT = "http://jabber.org/protocol/pubsub#event"
NS_ERRORS = "http://jabber.org/protocol/pubsub#errors"
NS_CAPS = "http://jabber.org/protocol/caps"
NS_INFO = "http://jabber.org/protocol/disco#info"
NS_DATA = "jabber:x:data"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
CAPS_NODE = "https://lethe.example/test"
IDENTITY = ("client", "pc", "", "peptest")


def form(form_type, fields):
    """A submitted data form; fields maps var → value or list of values."""
    out = ["<x xmlns='%s' type='submit'><field var='FORM_TYPE' "
           "type='hidden'><value>%s</value></field>" % (NS_DATA, form_type)]
    for var, val in fields.items():
        vals = val if isinstance(val, (list, tuple)) else [val]
        out.append("<field var='%s'>%s</field>" % (
            var, "".join("<value>%s</value>" % xml_escape(str(v))
                         for v in vals)))
    out.append("</x>")
    return "".join(out)


def publish(c, node, payload, item_id=None, options=None, to=None):
    """Publishes payload (XML text) to node; returns the answer."""
    idattr = "" if item_id is None else " id='%s'" % xml_escape(item_id)
    opts = "" if options is None else "<publish-options>%s" \
        "</publish-options>" % form(NS_PUBSUB + "#publish-options", options)
    toattr = "" if to is None else " to='%s'" % xml_escape(to)
    return c.request("<iq type='set' id='%%s'%s><pubsub xmlns='%s'>"
                     "<publish node='%s'><item%s>%s</item></publish>%s"
                     "</pubsub></iq>" % (toattr, NS_PUBSUB, xml_escape(node),
                                         idattr, payload.replace("%", "%%"),
                                         opts.replace("%", "%%")))


def get_items(c, owner, node, max_items=None, ids=()):
    """An items request to owner's node; returns the answer."""
    m = "" if max_items is None else " max_items='%d'" % max_items
    inner = "".join("<item id='%s'/>" % xml_escape(i) for i in ids)
    return c.request("<iq type='get' id='%%s' to='%s'><pubsub xmlns='%s'>"
                     "<items node='%s'%s>%s</items></pubsub></iq>" % (
                         xml_escape(owner), NS_PUBSUB, xml_escape(node), m,
                         inner))


def result_items(r, node=None):
    """The <item/> elements of an items result."""
    assert r.get("type") == "result", dump(r)
    its = r.find(q(NS_PUBSUB, "pubsub")).find(q(NS_PUBSUB, "items"))
    assert its is not None, dump(r)
    if node is not None:
        assert its.get("node") == node, dump(r)
    return its.findall(q(NS_PUBSUB, "item"))


def error_of(r):
    """(condition, application condition or None) of an error answer."""
    assert r.get("type") == "error", dump(r)
    err = r.find(q(NS_CLIENT, "error"))
    cond = app = None
    for child in err:
        ns, _, name = child.tag[1:].partition("}")
        if ns == NS_STANZAS and name != "text":
            cond = name
        elif ns == NS_ERRORS:
            app = name
    return cond, app


def caps_ver(features, identity=IDENTITY):
    s = "%s/%s/%s/%s<" % identity
    s += "".join(f + "<" for f in sorted(features))
    return base64.b64encode(hashlib.sha1(s.encode()).digest()).decode()


def caps_presence(c, features, answer=True, lie=False):
    """Sends available presence with caps for `features` and, if answer,
    replies to the server's disco#info query on node#ver if it asks (with
    a list that does not match ver if lie). Returns the ver."""
    ver = caps_ver(features)
    mark = len(c.history)
    c.send("<presence><c xmlns='%s' hash='sha-1' node='%s' ver='%s'/>"
           "</presence>" % (NS_CAPS, CAPS_NODE, ver))
    if answer:
        def is_query(e):
            qq = e.find(q(NS_INFO, "query"))
            return (e.tag == q(NS_CLIENT, "iq") and e.get("type") == "get"
                    and qq is not None and
                    qq.get("node") == "%s#%s" % (CAPS_NODE, ver))
        # The query is sent while the presence is handled, before the
        # ping after it is answered; a ver the server knows brings none.
        c.assert_alive()
        asked = [e for e in c.history[mark:] if is_query(e)]
        if not asked:
            return ver
        iq = asked[0]
        feats = list(features) + (["urn:example:lie"] if lie else [])
        body = "<identity category='%s' type='%s' name='%s'/>" % (
            IDENTITY[0], IDENTITY[1], IDENTITY[3])
        body += "".join("<feature var='%s'/>" % xml_escape(f)
                        for f in feats)
        c.send("<iq type='result' id='%s' to='%s'><query xmlns='%s' "
               "node='%s#%s'>%s</query></iq>" % (
                   iq.get("id"), iq.get("from"), NS_INFO, CAPS_NODE, ver,
                   body))
    return ver


def is_event(e, frm, node):
    """e is a headline event message from frm about node: returns the
    <event/> child, or None."""
    if e.tag != q(NS_CLIENT, "message") or e.get("from") != frm:
        return None
    ev = e.find(q(NS_EVENT, "event"))
    if ev is None:
        return None
    for child in ev:
        if child.get("node") == node:
            return ev
    return None


def seen_event(c, frm, node, since=0, timeout=5.0, pred=None):
    def match(e):
        ev = is_event(e, frm, node)
        return ev is not None and (pred is None or pred(ev))
    return seen(c, match, since, timeout,
                "event from %s on %s" % (frm, node)).find(q(NS_EVENT,
                                                            "event"))


def events(c, frm, node, since=0):
    return [e for e in c.history[since:] if is_event(e, frm, node)]


def friends(login):
    """Two online raw clients with a mutual presence subscription."""
    a = online(login)
    b = online(login)
    befriend(a, b)
    return a, b
