"""Explicit subscribers recorded in clear by an older version ("sub="
lines in a node's "pep_nodes" record) stay as they are while the owner
is away, and move to the sealed "pep_subs" at its next login: the clear
record loses them, the subscription keeps working (the owner publishes,
the subscriber gets the event), and the subscriber's bare JID is in no
clear row afterwards."""
import os
import sqlite3

from peplib import get_items, publish, result_items, seen_event
from xmpp_raw import dump

NODE = "urn:example:legacy-subs"


def db(server):
    return sqlite3.connect(os.path.join(server.dir, "data", "lethe.db"))


def node_value(server, user):
    c = db(server)
    try:
        row = c.execute("SELECT value FROM map WHERE store = 'pep_nodes' "
                        "AND user = ? AND key = ?", (user, NODE)).fetchone()
    finally:
        c.close()
    assert row is not None
    return bytes(row[0]) if not isinstance(row[0], str) else row[0].encode()


def clear_hits(server, needle):
    c = db(server)
    try:
        rows = c.execute("SELECT store, key, value FROM map WHERE store IN "
                         "('pep_nodes', 'pep_subs')").fetchall()
    finally:
        c.close()
    return [r[0] for r in rows if any(
        needle.encode() in (x if isinstance(x, bytes) else x.encode())
        for x in r[1:])], {r[0] for r in rows}


def test_legacy_subscribers_move(lethe_factory):
    server = lethe_factory()
    owner_acct = server.new_account("legowner")
    sub_acct = server.new_account("zqlegacyfollower")

    def client(acct):
        c = server.raw()
        c.login(acct[0], acct[1])
        c.presence()
        c.assert_alive()
        return c

    owner = client(owner_acct)
    r = publish(owner, NODE, "<n xmlns='%s'>one</n>" % NODE, item_id="one",
                options={"pubsub#access_model": "open"})
    assert r.get("type") == "result", dump(r)
    owner.close()
    assert server.stop() == 0

    # The record as an older version wrote it.
    value = node_value(server, owner_acct[0])
    assert b"sub=" not in value
    c = db(server)
    try:
        c.execute("UPDATE map SET value = ? WHERE store = 'pep_nodes' AND "
                  "user = ? AND key = ?",
                  (value + b"sub=%s\n" % sub_acct[2].encode(),
                   owner_acct[0], NODE))
        c.commit()
    finally:
        c.close()
    assert sub_acct[2].encode() in node_value(server, owner_acct[0])

    server.start()
    sub = client(sub_acct)
    # Read while the owner is away: the service is loaded, locked.
    assert len(result_items(get_items(sub, owner_acct[2], NODE))) == 1
    sub.close()
    assert server.stop() == 0
    # The owner did not log in: nothing moved.
    assert sub_acct[2].encode() in node_value(server, owner_acct[0])

    server.start()
    owner, sub = client(owner_acct), client(sub_acct)
    mark = len(sub.history)
    r = publish(owner, NODE, "<n xmlns='%s'>two</n>" % NODE, item_id="two")
    assert r.get("type") == "result", dump(r)
    assert "two" in dump(seen_event(sub, owner_acct[2], NODE, mark))
    owner.close()
    sub.close()
    assert server.stop() == 0
    hits, stores = clear_hits(server, sub_acct[2])
    assert hits == [] and "pep_subs" in stores, (hits, stores)
    assert b"access_model=open" in node_value(server, owner_acct[0])

    server.start()
    owner, sub = client(owner_acct), client(sub_acct)
    mark = len(sub.history)
    r = publish(owner, NODE, "<n xmlns='%s'>three</n>" % NODE,
                item_id="three")
    assert r.get("type") == "result", dump(r)
    assert "three" in dump(seen_event(sub, owner_acct[2], NODE, mark))
    owner.close()
    sub.close()
