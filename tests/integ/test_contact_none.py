"""Server contact addresses (XEP-0157): with no address configured the
server's disco#info carries no serverinfo form at all, and a host whose
contact keys hold only spaces counts as having none."""
from xmpp_raw import NS_DISCO_INFO, dump, q

NS_DATA = "jabber:x:data"
LETHE_CONF = {"host localhost": {"contact_support": "   "}}


def test_no_form(lethe, login):
    c = login()
    r = c.request("<iq type='get' id='%%s' to='localhost'><query xmlns='%s'/>"
                  "</iq>" % NS_DISCO_INFO)
    assert r.get("type") == "result", dump(r)
    query = r.find(q(NS_DISCO_INFO, "query"))
    assert query.find(q(NS_DISCO_INFO, "identity")) is not None, dump(r)
    # Other modules add forms of their own (e.g. retention); no
    # serverinfo form among them.
    for x in query.findall(q(NS_DATA, "x")):
        assert "http://jabber.org/network/serverinfo" not in [
            v.text for f in x.findall(q(NS_DATA, "field"))
            if f.get("var") == "FORM_TYPE"
            for v in f.findall(q(NS_DATA, "value"))], dump(r)
