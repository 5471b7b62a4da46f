"""An account nobody logs in to is warned, then deleted. With
inactive_expiry = 4 weeks and inactive_warning = 1 week, the test-only
[server] inactive_clock_offset moves the check's clock: 3 weeks after the
last login's week the account gets a message from the server's domain,
held offline until its next login (once, however often the check runs);
4 weeks after it, the account is erased."""
import os
import re
import sqlite3
import time

from xmpp_raw import NS_CLIENT, q

CONF = {"server": {"inactive_expiry": "28d", "inactive_warning": "7d",
                   "inactive_check": "1s", "inactive_clock_offset": "0"}}


def restart(server, offset_days):
    server.stop()
    with open(server.conf_path) as f:
        text = f.read()
    text = re.sub(r"inactive_clock_offset = \S+",
                  "inactive_clock_offset = %dd" % offset_days, text)
    with open(server.conf_path, "w") as f:
        f.write(text)
    server.start()


def login(server, acct):
    c = server.raw()
    c.login(acct[0], acct[1])
    return c


def accounts(server, user):
    db = sqlite3.connect(os.path.join(server.dir, "data", "lethe.db"))
    try:
        return db.execute("SELECT count(*) FROM accounts WHERE user = ?",
                          (user,)).fetchone()[0]
    finally:
        db.close()


def test_warn_then_delete(lethe_factory):
    server = lethe_factory(CONF)
    acct = server.new_account()
    c = login(server, acct)
    c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    c.close()

    # Three weeks on: warned once, although the check runs every second.
    restart(server, 21)
    server.wait_log("event=inactive_warned", timeout=10)
    time.sleep(2.5)
    assert server.log().count("event=inactive_warned") == 1
    assert accounts(server, acct[0]) == 1
    c = login(server, acct)
    c.presence()
    m = c.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                   e.get("from") == server.host, timeout=5)
    assert "deleted" in m.findtext(q(NS_CLIENT, "body"))
    c.close()

    # That login (in the week 3 weeks ahead) restarted the clock: 4 weeks
    # after it the account goes.
    restart(server, 21 + 28)
    server.wait_log("event=inactive_erased", timeout=10)
    assert accounts(server, acct[0]) == 0
