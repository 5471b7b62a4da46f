"""vCard-temp (XEP-0054): a vCard larger than [limits] vcard_bytes is
refused with <not-acceptable/> (a permanent criterion: only a smaller
vCard will do) and the stored one stays; one under the limit is
accepted."""
from xmpp_raw import dump, q, stanza_error_condition

NS_VCARD = "vcard-temp"
LETHE_CONF = {"limits": {"vcard_bytes": "1k"}}


def vcard_set(c, desc):
    return c.request("<iq type='set' id='%%s'><vCard xmlns='%s'>"
                     "<DESC>%s</DESC></vCard></iq>" % (NS_VCARD, desc))


def stored_desc(c):
    r = c.request("<iq type='get' id='%%s'><vCard xmlns='%s'/></iq>" %
                  NS_VCARD)
    assert r.get("type") == "result", dump(r)
    d = r.find(q(NS_VCARD, "vCard")).find(q(NS_VCARD, "DESC"))
    return None if d is None else d.text


def test_limit(lethe, login):
    c = login()
    small = "s" * 900  # about 950 bytes serialized
    r = vcard_set(c, small)
    assert r.get("type") == "result", dump(r)
    r = vcard_set(c, "b" * 1100)
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "not-acceptable", dump(r)
    assert r.find(q("jabber:client", "error")).get("type") == "modify"
    assert stored_desc(c) == small
    # Escaping counts: 200 '&' are 1000 bytes once serialized.
    r = vcard_set(c, "&amp;" * 200)
    assert stanza_error_condition(r) == "not-acceptable", dump(r)
    assert stored_desc(c) == small
    c.assert_alive()
