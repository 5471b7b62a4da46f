"""XEP-0198: <resume/> with an id that names no resumable session, or
another account's session, fails with <item-not-found/>; the stream can
still bind afterwards."""
from smlib import NS_SM, authenticate_only, enable, resume
from xmpp_raw import NS_STANZA_ERR, dump, q


def test_unknown_id(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    authenticate_only(c, local, password)
    f = resume(c, "no-such-session", 0)
    assert f.tag == q(NS_SM, "failed"), dump(f)
    assert f.find(q(NS_STANZA_ERR, "item-not-found")) is not None, dump(f)
    r = c.bind()
    assert r.get("type") == "result", dump(r)


def test_other_accounts_id(lethe, login, connect):
    victim = login()
    previd = enable(victim).get("id")
    local, password, _ = lethe.new_account()
    c = connect()
    authenticate_only(c, local, password)
    f = resume(c, previd, 0)
    assert f.tag == q(NS_SM, "failed"), dump(f)
    assert f.find(q(NS_STANZA_ERR, "item-not-found")) is not None
    victim.assert_alive()
