"""[server] account_removal = false: <remove/> is <not-allowed/> and the
account stays."""
from xmpp_raw import dump

LETHE_CONF = {"server": {"account_removal": "false"}}


def test_refused(lethe, login):
    acct = lethe.new_account("keep")
    c = login(acct)
    r = c.request("<iq type='set' id='%s'><query xmlns='jabber:iq:register'>"
                  "<remove/></query></iq>")
    assert r.get("type") == "error" and "not-allowed" in dump(r), dump(r)
    c.assert_alive()
    c.close()
    login(acct).assert_alive()
