"""Ad-hoc commands (XEP-0050): the account's own resources see the
"Login tokens" command on their bare JID; running it lists the account's
FAST tokens in a form, and submitting it revokes the chosen ones (then a
token login with them fails) or all. Nobody else may list or run it."""
from sasl2lib import (NS_SASL2, ht_login, is_failure, request_token, scram,
                      token_of)
from xmpp_raw import NS_DISCO_ITEMS, dump, q

NS_CMD = "http://jabber.org/protocol/commands"
NS_DATA = "jabber:x:data"


def fresh(connect):
    c = connect()
    c.secure(False)
    return c


def new_token(connect, acct):
    res = scram(fresh(connect), acct[0], acct[1], extra=request_token())
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    return token_of(res)[0]


def execute(c, bare, inner="", action=None, sid=None):
    attrs = ""
    if action:
        attrs += " action='%s'" % action
    if sid:
        attrs += " sessionid='%s'" % sid
    return c.request("<iq type='set' to='%s' id='%%s'><command xmlns='%s' "
                     "node='fast-tokens'%s>%s</command></iq>" % (
                         bare, NS_CMD, attrs, inner))


def token_ids(r):
    cmd = r.find(q(NS_CMD, "command"))
    assert cmd is not None and cmd.get("status") == "executing", dump(r)
    x = cmd.find(q(NS_DATA, "x"))
    f = [f for f in x.findall(q(NS_DATA, "field"))
         if f.get("var") == "revoke"][0]
    return cmd.get("sessionid"), [
        o.findtext(q(NS_DATA, "value")) for o in f.findall(q(NS_DATA,
                                                              "option"))]


def submit(c, bare, sid, ids=(), everything=False):
    vals = "".join("<value>%s</value>" % i for i in ids)
    form = ("<x xmlns='%s' type='submit'><field var='revoke'>%s</field>"
            "<field var='all'><value>%d</value></field></x>" % (
                NS_DATA, vals, 1 if everything else 0))
    r = execute(c, bare, form, action="complete", sid=sid)
    cmd = r.find(q(NS_CMD, "command"))
    assert cmd is not None and cmd.get("status") == "completed", dump(r)
    assert cmd.find(q(NS_CMD, "note")) is not None, dump(r)
    return r


def test_listed_for_the_account_only(lethe, login):
    acct = lethe.new_account()
    me = login(acct)
    r = me.request("<iq type='get' to='%s' id='%%s'><query xmlns='%s' "
                   "node='%s'/></iq>" % (acct[2], NS_DISCO_ITEMS, NS_CMD))
    nodes = [i.get("node") for i in r.find(q(NS_DISCO_ITEMS, "query"))]
    assert "fast-tokens" in nodes, dump(r)
    stranger = login()
    r = stranger.request("<iq type='get' to='%s' id='%%s'><query xmlns='%s' "
                         "node='%s'/></iq>" % (acct[2], NS_DISCO_ITEMS,
                                               NS_CMD))
    assert r.get("type") in ("result", "error"), dump(r)
    if r.get("type") == "result":
        assert list(r.find(q(NS_DISCO_ITEMS, "query"))) == [], dump(r)
    r = execute(stranger, acct[2])
    assert r.get("type") == "error" and \
        r.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}forbidden") \
        is not None, dump(r)


def test_revoke_one_then_all(lethe, login, connect):
    acct = lethe.new_account()
    t1 = new_token(connect, acct)
    t2 = new_token(connect, acct)
    me = login(acct)
    sid, ids = token_ids(execute(me, acct[2]))
    assert len(ids) == 2, ids
    # Find which id is t1 by revoking one and trying both tokens.
    submit(me, acct[2], sid, [ids[0]])
    ok = [ht_login(fresh(connect), acct[0], t).tag == q(NS_SASL2, "success")
          for t in (t1, t2)]
    assert sorted(ok) == [False, True], ok
    sid, left = token_ids(execute(me, acct[2]))
    assert left == [ids[1]], left
    submit(me, acct[2], sid, everything=True)
    assert is_failure(ht_login(fresh(connect), acct[0], t1))
    assert is_failure(ht_login(fresh(connect), acct[0], t2))
    _, none = token_ids(execute(me, acct[2]))
    assert none == [], none


def test_cancel(lethe, login):
    acct = lethe.new_account()
    me = login(acct)
    sid, _ = token_ids(execute(me, acct[2]))
    r = execute(me, acct[2], action="cancel", sid=sid)
    assert r.find(q(NS_CMD, "command")).get("status") == "canceled", dump(r)
