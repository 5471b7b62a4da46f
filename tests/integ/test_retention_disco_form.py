"""Retention in service discovery: the server's disco#info carries a
XEP-0128 form of FORM_TYPE urn:lethe:retention:0 with one field per
registered store, its value the retention in seconds from the
configuration (0: kept until removed)."""
from xmpp_raw import NS_DISCO_INFO, dump, q

NS_DATA = "jabber:x:data"
FORM = "urn:lethe:retention:0"
LETHE_CONF = {"retention": {"offline": "5h", "archive": "2d",
                            "push": "3d", "fast_token": "90m"}}


def retention_form(c, to):
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (to, NS_DISCO_INFO))
    assert r.get("type") == "result", dump(r)
    query = r.find(q(NS_DISCO_INFO, "query"))
    for x in query.findall(q(NS_DATA, "x")):
        fields = {f.get("var"): [v.text for v in f.findall(q(NS_DATA,
                                                               "value"))]
                  for f in x.findall(q(NS_DATA, "field"))}
        if fields.get("FORM_TYPE") == [FORM]:
            return fields
    return None


def test_form_follows_configuration(lethe, login):
    c = login()
    f = retention_form(c, "localhost")
    assert f is not None
    assert f["offline"] == [str(5 * 3600)], f
    assert f["archive"] == [str(2 * 86400)], f
    assert f["push"] == [str(3 * 86400)], f
    assert f["fast_tokens"] == [str(90 * 60)], f
    # Stores kept until removed say 0.
    assert f["roster"] == ["0"], f
    # Every value is a whole number of seconds.
    for k, v in f.items():
        if k != "FORM_TYPE":
            assert len(v) == 1 and v[0].isdigit(), (k, v)


def test_not_on_accounts(lethe, login):
    c = login()
    assert retention_form(c, c.jid.split("/", 1)[0]) is None
