"""An account's own shorter archive retention (lethe:seconds on its
<prefs/>) holds for messages received while it is away, when its sealed
preferences cannot be read: such a message is gone once that time has
passed, while one received later is kept."""
import time

from mamlib import NS_MAM, bodies, query, settle
from rosterlib import online
from xmpp_raw import dump

NS_RET = "urn:lethe:retention:0"


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def test_own_retention_while_away(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    b = online(login)
    r = a.request("<iq type='set' id='%%s'><prefs xmlns='%s' "
                  "xmlns:l='%s' default='always' l:seconds='1'/></iq>"
                  % (NS_MAM, NS_RET))
    assert r.get("type") == "result", dump(r)
    end(a)
    b.message(acct[2], "while-away")
    settle(b)
    time.sleep(2.2)
    a = online(login, acct)
    b.message(acct[2], "back")
    a.wait_message("back")
    settle(a)
    assert bodies(query(a)[0]) == ["back"]
    # b chose nothing: it keeps both.
    assert bodies(query(b)[0]) == ["while-away", "back"]
