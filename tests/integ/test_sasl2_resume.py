"""XEP-0198 resumption inline in SASL2: after a drop, <resume/> inside
<authenticate/> answers <resumed/> inside <success/>, and the messages
the client missed follow; a wrong previd falls back to Bind2."""
import time

from sasl2lib import NS_BIND2, NS_SASL2, NS_SM, authz, bind2, scram
from xmpp_raw import dump, q

LETHE_CONF = {"limits": {"resume_timeout": "60s"}}


def test_inline_resume(lethe, connect, login):
    acct = lethe.new_account()
    a = connect()
    a.secure(False)
    res = scram(a, acct[0], acct[1], extra=bind2("phone", sm=True))
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    a.jid = authz(res)
    previd = res.find(q(NS_BIND2, "bound")).find(q(NS_SM, "enabled")) \
        .get("id")
    a.presence(priority=1)
    a.assert_alive()
    b = login()
    a.sock.close()
    time.sleep(0.3)
    b.message(a.jid, "while away")
    b.assert_alive()

    c = connect()
    c.secure(False)
    res = scram(c, acct[0], acct[1],
                extra="<resume xmlns='%s' previd='%s' h='0'/>%s" % (
                    NS_SM, previd, bind2("phone")))
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    r = res.find(q(NS_SM, "resumed"))
    assert r is not None and r.get("previd") == previd, dump(res)
    assert res.find(q(NS_BIND2, "bound")) is None, dump(res)
    assert authz(res) == a.jid
    c.jid = a.jid
    c.wait_message("while away")
    c.assert_alive()


def test_unknown_previd_binds_instead(lethe, connect):
    acct = lethe.new_account()
    c = connect()
    c.secure(False)
    res = scram(c, acct[0], acct[1],
                extra="<resume xmlns='%s' previd='nope' h='0'/>%s" % (
                    NS_SM, bind2("phone")))
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    assert res.find(q(NS_SM, "failed")) is not None, dump(res)
    assert res.find(q(NS_BIND2, "bound")) is not None, dump(res)
    c.jid = authz(res)
    c.assert_alive()
