"""Explicit PEP subscribers are sealed (PRIVACY.md, "Sealed records": a
seized database yields no social graph). A contact outside the owner's
roster subscribes to an open node, the owner publishes and the contact
gets the event; with the server stopped, the contact's bare JID is in no
clear value or key of the PEP node and subscriber stores; started again,
the subscription still works. With [server] sealing off the same search
finds the JID in "pep_subs", so the search can fail."""
import os
import sqlite3

import pytest

from peplib import NS_PUBSUB, publish, seen_event
from rosterlib import online
from xmpp_raw import dump, q

NODE = "urn:example:sealed-subs"


def subscribe(c, owner, node, jid):
    return c.request("<iq type='set' id='%%s' to='%s'><pubsub xmlns='%s'>"
                     "<subscribe node='%s' jid='%s'/></pubsub></iq>" % (
                         owner, NS_PUBSUB, node, jid))


def pub(c, text):
    r = publish(c, NODE, "<n xmlns='%s'>%s</n>" % (NODE, text),
                item_id=text, options={"pubsub#access_model": "open"})
    assert r.get("type") == "result", dump(r)


def rows(server):
    """(store, key, value) of every PEP node and subscriber row, and the
    subscription inbox's (store, peer, value), as bytes."""
    db = sqlite3.connect(os.path.join(server.dir, "data", "lethe.db"))
    try:
        m = db.execute("SELECT store, key, value FROM map WHERE store IN "
                       "('pep_nodes', 'pep_subs')").fetchall()
        a = db.execute("SELECT store, coalesce(peer, ''), value FROM "
                       "archive WHERE store = 'pep_subs_inbox'").fetchall()
    finally:
        db.close()

    def b(x):
        return x if isinstance(x, bytes) else str(x).encode()
    return [tuple(b(x) for x in r) for r in m + a]


@pytest.mark.parametrize("sealing", ["true", "false"])
def test_subscribers_sealed(lethe_factory, sealing):
    server = lethe_factory({"server": {"sealing": sealing}})
    owner_acct = server.new_account("pepowner")
    sub_acct = server.new_account("zqpepfollower")
    sub_bare = sub_acct[2]

    def client(acct):
        c = server.raw()
        c.login(acct[0], acct[1])
        c.presence()
        c.assert_alive()
        return c

    owner, sub = client(owner_acct), client(sub_acct)
    ob = owner_acct[2]
    pub(owner, "one")
    r = subscribe(sub, ob, NODE, sub_bare)
    assert r.get("type") == "result", dump(r)
    s = r.find(q(NS_PUBSUB, "pubsub")).find(q(NS_PUBSUB, "subscription"))
    assert s.get("subscription") == "subscribed", dump(r)
    mark = len(sub.history)
    pub(owner, "two")
    assert "two" in dump(seen_event(sub, ob, NODE, mark))
    owner.close()
    sub.close()
    assert server.stop() == 0

    found = rows(server)
    stores = {r[0] for r in found}
    assert b"pep_nodes" in stores and b"pep_subs" in stores, found
    hits = [r[0] for r in found if any(sub_bare.encode() in x for x in r)]
    if sealing == "true":
        assert hits == [], found
    else:
        assert hits == [b"pep_subs"], found

    server.start()
    owner, sub = client(owner_acct), client(sub_acct)
    mark = len(sub.history)
    pub(owner, "three")
    assert "three" in dump(seen_event(sub, ob, NODE, mark))
    owner.close()
    sub.close()
