"""A seized database reveals no contacts and no messages (PRIVACY.md,
"Sealed records").

Accounts get contacts (with handles and groups), a block, archived
messages both ways, a message and a subscription request held while the
recipient is away, private XML and a bookmark, each with a distinctive
text. The server is stopped and every file of its data directory (the
database's raw pages, the WAL if any) is searched for those texts:
nothing is found. Then it is started again and every user logs in and
finds everything intact.

The same run with [server] sealing = false finds the texts (the search
can fail), and still finds everything intact after the restart.

Account names themselves are not searched for: a server must know whom
it serves, and the privacy report says so."""
import os
import secrets

import pytest

from bookmarkslib import native_rooms, publish_native
from mamlib import bodies, form, query
from rosterlib import (befriend, groups, items, roster_get, roster_set,
                       seen_presence)
from xmpp_raw import dump, q

NS_PRIVATE = "jabber:iq:private"
NS_BLOCKING = "urn:xmpp:blocking"
NS_MAM = "urn:xmpp:mam:2"
CONF = {"server": {"archive_default": "always"}}


def ok(r):
    assert r.get("type") == "result", dump(r)
    return r


def client(server, account, roster=True, presence=True):
    local, password, _ = account
    c = server.raw()
    c.login(local, password)
    if roster:
        ok(roster_get(c))
    if presence:
        c.presence()
        c.assert_alive()
    return c


def data_files(server):
    for d, _, files in os.walk(os.path.join(server.dir, "data")):
        for name in files:
            path = os.path.join(d, name)
            if os.path.isfile(path):  # not the control socket
                yield path


def found(server, needles):
    hits = []
    for path in data_files(server):
        with open(path, "rb") as fh:
            blob = fh.read()
        hits += [(os.path.basename(path), n) for n in needles
                 if n.encode() in blob]
    return hits


def plant(server):
    tag = secrets.token_hex(4)
    t = {k: "zq%s%s" % (k, tag) for k in (
        "nick", "group", "archab", "archba", "offline", "private",
        "roomname", "bobnick")}
    t["contact"] = "zqcontact%s@elsewhere.example" % tag
    t["blocked"] = "zqblocked%s@example.org" % tag
    t["room"] = "zqroom%s@conference.example" % tag
    accts = {n: server.new_account(n) for n in ("alice", "bob", "carol",
                                                 "dave")}
    # Carol logs in once (her keys exist from then on), then is away.
    client(server, accts["carol"]).close()
    a = client(server, accts["alice"])
    b = client(server, accts["bob"])
    befriend(a, b)
    ok(roster_set(a, accts["bob"][2], name=t["bobnick"]))
    ok(roster_set(a, t["contact"], name=t["nick"], group_names=[t["group"]]))
    ok(a.request("<iq type='set' id='%%s'><block xmlns='%s'><item jid='%s'/>"
                 "</block></iq>" % (NS_BLOCKING, t["blocked"])))
    a.message(accts["bob"][2], t["archab"])
    b.wait_message(t["archab"])
    b.message(accts["alice"][2], t["archba"])
    a.wait_message(t["archba"])
    ok(a.request("<iq type='set' id='%%s'><query xmlns='%s'><x xmlns="
                 "'urn:example:plant'>%s</x></query></iq>" %
                 (NS_PRIVATE, t["private"])))
    publish_native(a, t["room"], name=t["roomname"])
    # Held for Carol while she is away: a message and a request.
    b.message(accts["carol"][2], t["offline"])
    d = client(server, accts["dave"])
    d.presence(to=accts["carol"][2], ptype="subscribe")
    ok(d.ping())
    ok(b.ping(accts["carol"][2]))
    for c in (a, b, d):
        c.close()
    return accts, t


def check_intact(server, accts, t):
    a = client(server, accts["alice"], roster=False)
    its = items(roster_get(a))
    assert its[t["contact"]].get("name") == t["nick"], its
    assert groups(its[t["contact"]]) == [t["group"]]
    assert its[accts["bob"][2]].get("name") == t["bobnick"]
    assert its[accts["bob"][2]].get("subscription") == "both"
    r = ok(a.request("<iq type='get' id='%%s'><blocklist xmlns='%s'/></iq>"
                     % NS_BLOCKING))
    assert t["blocked"] in dump(r), dump(r)
    results, fin, _ = query(a)
    got = bodies(results)
    assert t["archab"] in got and t["archba"] in got, got
    # The archive's peer index still answers `with` after sealing.
    results, _, _ = query(a, form(**{"with": accts["bob"][2]}))
    assert sorted(bodies(results)) == sorted([t["archab"], t["archba"]])
    results, _, _ = query(a, form(**{"with": t["contact"]}))
    assert bodies(results) == []
    r = ok(a.request("<iq type='get' id='%%s'><query xmlns='%s'><x xmlns="
                     "'urn:example:plant'/></query></iq>" % NS_PRIVATE))
    assert t["private"] in dump(r), dump(r)
    assert native_rooms(a)[t["room"]]["name"] == t["roomname"]
    b = client(server, accts["bob"], roster=False)
    results, _, _ = query(b)
    assert sorted(bodies(results)) == sorted([t["archab"], t["archba"],
                                              t["offline"]])
    # Carol gets what was held for her, the request when she is present.
    c = client(server, accts["carol"], presence=False)
    mark = len(c.history)
    c.presence()
    c.wait_message(t["offline"])
    seen_presence(c, accts["dave"][2], "subscribe", mark)
    for x in (a, b, c):
        x.close()


@pytest.mark.parametrize("sealing", ["true", "false"])
def test_seizure(lethe_factory, sealing):
    conf = {"server": dict(CONF["server"], sealing=sealing)}
    server = lethe_factory(conf)
    accts, t = plant(server)
    server.exit_checked = True
    assert server.stop() == 0
    hits = found(server, t.values())
    if sealing == "true":
        assert hits == [], hits
    else:
        # In clear: the search finds what it looks for.
        assert {n for _, n in hits} >= {t["contact"], t["blocked"],
                                         t["archab"], t["private"]}, hits
    server.start()
    server.exit_checked = False
    check_intact(server, accts, t)
