"""Service discovery (XEP-0030) says what answers: for the server and for
an account, each namespace of the IQ services (vCard, private XML, time,
version, last activity, ping, disco) is listed in disco#info exactly
when a request in it is answered there, once, and the account's
disco#info carries no extended-information form (XEP-0128)."""
import pytest

from xmpp_raw import (NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, dump, q,
                      stanza_error_condition)

# namespace → a get that a service for it must answer.
PROBES = {
    NS_DISCO_INFO: "<query xmlns='%s'/>" % NS_DISCO_INFO,
    NS_DISCO_ITEMS: "<query xmlns='%s'/>" % NS_DISCO_ITEMS,
    NS_PING: "<ping xmlns='%s'/>" % NS_PING,
    "vcard-temp": "<vCard xmlns='vcard-temp'/>",
    "jabber:iq:private": "<query xmlns='jabber:iq:private'>"
                         "<p xmlns='urn:example:disco'/></query>",
    "urn:xmpp:time": "<time xmlns='urn:xmpp:time'/>",
    "jabber:iq:version": "<query xmlns='jabber:iq:version'/>",
    "jabber:iq:last": "<query xmlns='jabber:iq:last'/>",
}

# What each place must offer with the default configuration.
EXPECTED = {
    "server": {NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, "vcard-temp",
               "urn:xmpp:time", "jabber:iq:last"},
    "account": {NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, "vcard-temp",
                "jabber:iq:private"},
}


def features(c, to):
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (to, NS_DISCO_INFO))
    assert r.get("type") == "result", dump(r)
    query = r.find(q(NS_DISCO_INFO, "query"))
    return query, [f.get("var") for f in
                   query.findall(q(NS_DISCO_INFO, "feature"))]


def answers(c, to, ns):
    r = c.request("<iq type='get' id='%%s' to='%s'>%s</iq>" %
                  (to, PROBES[ns]))
    if r.get("type") == "result":
        return True
    assert stanza_error_condition(r) == "service-unavailable", dump(r)
    return False


@pytest.mark.parametrize("where", ["server", "account"])
def test_advertised_iff_answered(lethe, login, where):
    c = login()
    to = "localhost" if where == "server" else c.jid.split("/", 1)[0]
    query, vars_ = features(c, to)
    assert len(vars_) == len(set(vars_)), vars_
    for ns in PROBES:
        assert (ns in vars_) == answers(c, to, ns), (where, ns, vars_)
        assert (ns in vars_) == (ns in EXPECTED[where]), (where, ns, vars_)
    if where == "account":
        assert query.find(q("jabber:x:data", "x")) is None, dump(query)
