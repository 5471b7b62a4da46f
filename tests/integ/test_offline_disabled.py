"""[limits] offline_messages = 0 turns offline storage off: messages for
an account with no available resource are refused with
<service-unavailable/>, nothing is kept for later, and the server does
not advertise msgoffline."""
from xmpp_raw import NS_CLIENT, NS_DISCO_INFO, dump, q, stanza_error_condition

LETHE_CONF = {"limits": {"offline_messages": "0"}}


def test_refused_and_not_kept(lethe, login):
    acct = lethe.new_account()
    sender = login(presence=0)
    mid = sender.message(acct[2], "nobody-keeps-this")
    e = sender.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                        e.get("id") == mid)
    assert e.get("type") == "error", dump(e)
    assert stanza_error_condition(e) == "service-unavailable", dump(e)
    r = login(acct, "r")
    r.presence(priority=0)
    s = r.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert s.get("type") == "result", dump(s)
    assert "nobody-keeps-this" not in r.messages_so_far()


def test_not_advertised(lethe, login):
    c = login()
    r = c.request("<iq type='get' to='%s' id='%%s'><query xmlns='%s'/>"
                  "</iq>" % (lethe.host, NS_DISCO_INFO))
    feats = [f.get("var") for f in r.find(q(NS_DISCO_INFO, "query"))]
    assert feats and "msgoffline" not in feats, dump(r)
