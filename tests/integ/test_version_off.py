"""Software version (XEP-0092) is off by default: the server does not
say what it runs. A query gets <service-unavailable/>, as for any
namespace nobody answers, and disco#info does not list the feature."""
from xmpp_raw import NS_DISCO_INFO, dump, q, stanza_error_condition

NS_VERSION = "jabber:iq:version"


def test_off(lethe, login):
    c = login()
    r = c.request("<iq type='get' id='%%s' to='localhost'><query xmlns='%s'/>"
                  "</iq>" % NS_VERSION)
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "service-unavailable", dump(r)
    assert "Lethe" not in dump(r) and "0.1" not in dump(r)
    r = c.request("<iq type='get' id='%%s' to='localhost'><query xmlns='%s'/>"
                  "</iq>" % NS_DISCO_INFO)
    vars_ = [f.get("var") for f in r.find(q(NS_DISCO_INFO, "query"))
             .findall(q(NS_DISCO_INFO, "feature"))]
    assert vars_ and NS_VERSION not in vars_, vars_
