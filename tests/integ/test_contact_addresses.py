"""Server contact addresses (XEP-0157): the addresses configured for the
host appear in the server's disco#info as one extended-information form
(XEP-0128) of FORM_TYPE http://jabber.org/network/serverinfo, one
list-multi field per kind that has addresses, one value per address, in
the configured order; kinds without addresses have no field; accounts'
disco#info carries no form."""
from xmpp_raw import NS_DISCO_INFO, dump, q

NS_DATA = "jabber:x:data"
SERVERINFO = "http://jabber.org/network/serverinfo"

LETHE_CONF = {"host localhost": {
    "contact_admin": "xmpp:admin@localhost  mailto:admin@example.org",
    "contact_abuse": "mailto:abuse@example.org",
    "contact_security": "https://example.org/security?a=1&b=2",
}}


def disco_info(c, to):
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (to, NS_DISCO_INFO))
    assert r.get("type") == "result", dump(r)
    return r.find(q(NS_DISCO_INFO, "query"))


def form_type(x):
    for f in x.findall(q(NS_DATA, "field")):
        if f.get("var") == "FORM_TYPE":
            return f
    return None


def test_form(lethe, login):
    c = login()
    query = disco_info(c, "localhost")
    # Other modules add forms of their own (e.g. retention): pick ours.
    forms = [x for x in query.findall(q(NS_DATA, "x"))
             if form_type(x) is not None and
             [v.text for v in form_type(x).findall(q(NS_DATA, "value"))]
             == [SERVERINFO]]
    assert len(forms) == 1, dump(query)
    x = forms[0]
    assert x.get("type") == "result", dump(x)
    ft = form_type(x)
    assert ft is not None and ft.get("type") == "hidden", dump(x)
    assert [v.text for v in ft.findall(q(NS_DATA, "value"))] == \
        [SERVERINFO], dump(x)
    fields = {f.get("var"): f for f in x.findall(q(NS_DATA, "field"))
              if f.get("var") != "FORM_TYPE"}
    assert sorted(fields) == ["abuse-addresses", "admin-addresses",
                              "security-addresses"], dump(x)
    for f in fields.values():
        assert f.get("type") == "list-multi", dump(f)

    def values(var):
        return [v.text for v in fields[var].findall(q(NS_DATA, "value"))]
    assert values("admin-addresses") == ["xmpp:admin@localhost",
                                         "mailto:admin@example.org"]
    assert values("abuse-addresses") == ["mailto:abuse@example.org"]
    assert values("security-addresses") == \
        ["https://example.org/security?a=1&b=2"]
    # The form follows identity and features (XEP-0128 §2).
    kinds = [e.tag for e in query]
    assert all(k == q(NS_DATA, "x")
               for k in kinds[kinds.index(q(NS_DATA, "x")):]), kinds


def test_not_for_accounts(lethe, login):
    c = login()
    query = disco_info(c, c.jid.split("/", 1)[0])
    assert query.find(q(NS_DATA, "x")) is None, dump(query)
