"""Helpers for the bookmark tests: the three forms XEP-0411 keeps equal
(XEP-0402 native PEP items, XEP-0048 <storage/> in private XML and in
PEP node storage:bookmarks), each read back as {room jid: fields}."""
from peplib import NS_PUBSUB, get_items, publish
from rosterlib import bare
from xmpp_raw import dump, q, xml_escape

NS_NATIVE = "urn:xmpp:bookmarks:1"
NS_LEGACY = "storage:bookmarks"
NS_PRIVATE = "jabber:iq:private"
NATIVE_OPTS = {"pubsub#persist_items": "true", "pubsub#max_items": "max",
               "pubsub#send_last_published_item": "never",
               "pubsub#access_model": "whitelist"}
LEGACY_OPTS = {"pubsub#persist_items": "true",
               "pubsub#access_model": "whitelist"}


def fields(conf, ns):
    nick = conf.find(q(ns, "nick"))
    pw = conf.find(q(ns, "password"))
    return {"name": conf.get("name"),
            "autojoin": conf.get("autojoin") in ("true", "1"),
            "nick": None if nick is None else nick.text,
            "password": None if pw is None else pw.text}


def conference_xml(jid, name=None, autojoin=False, nick=None,
                   password=None, ns=NS_LEGACY, extra=""):
    attrs = " jid='%s'" % xml_escape(jid) if ns == NS_LEGACY else ""
    if name is not None:
        attrs += " name='%s'" % xml_escape(name)
    attrs += " autojoin='%s'" % ("true" if autojoin else "false")
    inner = ""
    if nick is not None:
        inner += "<nick>%s</nick>" % xml_escape(nick)
    if password is not None:
        inner += "<password>%s</password>" % xml_escape(password)
    return "<conference xmlns='%s'%s>%s%s</conference>" % (
        ns, attrs, inner, extra)


def storage_xml(rooms):
    """rooms: {jid: dict of conference_xml keywords}."""
    return "<storage xmlns='%s'>%s</storage>" % (
        NS_LEGACY, "".join(conference_xml(j, **kw)
                           for j, kw in rooms.items()))


def rooms_of_storage(st):
    assert st.tag == q(NS_LEGACY, "storage"), dump(st)
    return {c.get("jid"): fields(c, NS_LEGACY)
            for c in st.findall(q(NS_LEGACY, "conference"))}


def private_set(c, inner):
    r = c.request("<iq type='set' id='%%s'><query xmlns='%s'>%s</query>"
                  "</iq>" % (NS_PRIVATE, inner))
    assert r.get("type") == "result", dump(r)


def private_rooms(c):
    r = c.request("<iq type='get' id='%%s'><query xmlns='%s'><storage "
                  "xmlns='%s'/></query></iq>" % (NS_PRIVATE, NS_LEGACY))
    assert r.get("type") == "result", dump(r)
    return rooms_of_storage(r.find(q(NS_PRIVATE, "query"))[0])


def native_items(c):
    """{room jid: <conference/>} of the native node ({} if none)."""
    r = get_items(c, bare(c.jid), NS_NATIVE)
    if r.get("type") == "error":
        return {}
    its = r.find(q(NS_PUBSUB, "pubsub")).find(q(NS_PUBSUB, "items"))
    return {i.get("id"): i.find(q(NS_NATIVE, "conference"))
            for i in its.findall(q(NS_PUBSUB, "item"))}


def native_rooms(c):
    return {j: fields(conf, NS_NATIVE)
            for j, conf in native_items(c).items()}


def legacy_pep_rooms(c):
    """Rooms of item 'current' of storage:bookmarks (None: no item)."""
    r = get_items(c, bare(c.jid), NS_LEGACY)
    if r.get("type") == "error":
        return None
    its = r.find(q(NS_PUBSUB, "pubsub")).find(q(NS_PUBSUB, "items"))
    items = its.findall(q(NS_PUBSUB, "item"))
    if not items:
        return None
    assert items[-1].get("id") == "current", dump(r)
    return rooms_of_storage(items[-1].find(q(NS_LEGACY, "storage")))


def publish_native(c, jid, **kw):
    r = publish(c, NS_NATIVE, conference_xml(jid, ns=NS_NATIVE, **kw),
                item_id=jid, options=NATIVE_OPTS)
    assert r.get("type") == "result", dump(r)


def retract_native(c, jid):
    r = c.request("<iq type='set' id='%%s'><pubsub xmlns='%s'><retract "
                  "node='%s' notify='true'><item id='%s'/></retract>"
                  "</pubsub></iq>" % (NS_PUBSUB, NS_NATIVE, xml_escape(jid)))
    assert r.get("type") == "result", dump(r)


def publish_legacy(c, rooms):
    r = publish(c, NS_LEGACY, storage_xml(rooms), item_id="current",
                options=LEGACY_OPTS)
    assert r.get("type") == "result", dump(r)


def room(name=None, autojoin=False, nick=None, password=None):
    return {"name": name, "autojoin": autojoin, "nick": nick,
            "password": password}
