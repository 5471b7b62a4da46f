"""When an account is erased (XEP-0077 <remove/>), each contact that saw
it gets unavailable presence from its resource, <presence
type='unsubscribe'/> and 'unsubscribed' from its bare JID, and a roster
push removing it; the account's stream gets the result, then
<not-authorized/>."""
from rosterlib import bare, befriend, online, seen, seen_presence, \
    seen_push
from xmpp_raw import dump

NS_REGISTER = "jabber:iq:register"


def test_contacts_told(lethe, login):
    a = online(login)
    b = online(login)
    befriend(a, b)
    ab = bare(a.jid)
    mark = len(b.history)
    r = a.request("<iq type='set' id='%%s'><query xmlns='%s'><remove/>"
                  "</query></iq>" % NS_REGISTER)
    assert r.get("type") == "result", dump(r)
    a.expect_stream_error("not-authorized")
    seen_presence(b, a.jid, "unavailable", since=mark)
    seen_presence(b, ab, "unsubscribe", since=mark)
    seen_presence(b, ab, "unsubscribed", since=mark)
    seen_push(b, ab, mark, subscription="remove")
    b.assert_alive()


def test_registered_form_and_switch(lethe, login):
    c = login()
    r = c.request("<iq type='get' id='%%s'><query xmlns='%s'/></iq>" %
                  NS_REGISTER)
    assert r.get("type") == "result", dump(r)
    assert "registered" in dump(r), dump(r)
    # A registration (neither <remove/> nor a password change) is refused.
    r = c.request("<iq type='set' id='%%s'><query xmlns='%s'><email>"
                  "x@example.org</email></query></iq>" % NS_REGISTER)
    assert r.get("type") == "error" and "not-allowed" in dump(r), dump(r)
    c.assert_alive()
