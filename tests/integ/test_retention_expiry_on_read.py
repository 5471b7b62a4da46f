"""Expiry is enforced on read for the stores not covered elsewhere: an
archived message older than [retention] archive is not returned by a
query, and a push registration unused for longer than [retention] push
no longer fires, although no sweep ran in between (the sweep runs once a
minute; these run within seconds)."""
import time

from mamlib import bodies, query, settle
from rosterlib import wait_gone
from test_push_notify import enable, no_publish, publish
from xmpp_raw import dump

LETHE_CONF = {"retention": {"archive": "2s", "push": "2s"}}


def test_archive_item_expires_on_read(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct, presence=0)
    a.message(b_acct[2], "soon forgotten")
    settle(a)
    assert bodies(query(a)[0]) == ["soon forgotten"]
    time.sleep(2.5)
    assert bodies(query(a)[0]) == []
    a.message(b_acct[2], "fresh")
    settle(a)
    assert bodies(query(a)[0]) == ["fresh"]


def test_push_registration_expires_on_read(lethe, login):
    user, app_acct = lethe.new_account(), lethe.new_account("app")
    app = login(app_acct, "push", presence=0)
    u = login(user)
    r = enable(u, app.jid, "node-x")
    assert r.get("type") == "result", dump(r)
    u.close()
    time.sleep(2.5)
    sender = login(presence=0)
    sender.message(user[2], "after expiry")
    no_publish(app, sender)
    # A fresh registration fires, so the silence above is the expiry.
    u = login(user)
    assert enable(u, app.jid, "node-y").get("type") == "result"
    full = u.jid
    u.close()
    wait_gone(sender, full)
    sender.message(user[2], "after renewal")
    iq = publish(app)
    assert iq.get("type") == "set", dump(iq)
