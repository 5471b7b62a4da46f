"""The server and every account advertise urn:xmpp:blocking (XEP-0191
§3.1; clients look on the server, some on their account)."""
from xmpp_raw import NS_DISCO_INFO, dump, q


def features(c, to):
    r = c.request("<iq type='get' to='%s' id='%%s'><query xmlns='%s'/></iq>"
                  % (to, NS_DISCO_INFO))
    assert r.get("type") == "result", dump(r)
    return [f.get("var") for f in r.find(q(NS_DISCO_INFO, "query"))
            .findall(q(NS_DISCO_INFO, "feature"))]


def test_server_and_account(lethe, login):
    acct = lethe.new_account()
    c = login(acct)
    assert "urn:xmpp:blocking" in features(c, lethe.host)
    assert "urn:xmpp:blocking" in features(c, acct[2])
