"""Roster versioning (RFC 6121 §2.6): advertised as a stream feature
after authentication; a get with the current version is answered with an
empty result, any other (or an empty one) with the whole roster and the
new version; every push carries the version it makes; versions survive
logins."""
from rosterlib import (NS_ROSTER, bare, items, online, roster_get,
                       roster_set, seen_push)
from xmpp_raw import dump, q

NS_ROSTERVER = "urn:xmpp:features:rosterver"


def ver_of(result):
    query = result.find(q(NS_ROSTER, "query"))
    assert query is not None, dump(result)
    assert query.get("ver"), dump(result)
    return query.get("ver")


def test_advertised_after_authentication(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    feats = c.secure(False)
    assert feats.find(q(NS_ROSTERVER, "ver")) is None, dump(feats)
    assert c.authenticate(local, password, "SCRAM-SHA-256").tag.endswith(
        "success")
    feats = c.open_stream()
    assert feats.find(q(NS_ROSTERVER, "ver")) is not None, dump(feats)


def test_same_version_empty_result_else_full(lethe, login):
    acct = lethe.new_account()
    _, _, x = lethe.new_account()
    _, _, y = lethe.new_account()
    c = online(login, acct)
    assert roster_set(c, x, "X").get("type") == "result"
    v1 = ver_of(roster_get(c, ver=""))

    same = roster_get(c, ver=v1)
    assert same.get("type") == "result", dump(same)
    assert len(list(same)) == 0, "expected an empty result: " + dump(same)

    m = len(c.history)
    assert roster_set(c, y, "Y").get("type") == "result"
    seen_push(c, y, m)
    push = [e for e in c.history[m:] if e.get("type") == "set"]
    v2 = push[0].find(q(NS_ROSTER, "query")).get("ver")
    assert v2 and v2 != v1

    full = roster_get(c, ver=v1)
    assert ver_of(full) == v2
    assert sorted(items(full)) == sorted([x, y])
    assert len(list(roster_get(c, ver=v2))) == 0
    assert len(list(roster_get(c, ver="bogus"))) == 1

    # A new login keeps the version; a subscription change moves it.
    c.close()
    c = online(login, acct)
    assert len(list(roster_get(c, ver=v2))) == 0
    other = online(login)
    m = len(c.history)
    c.presence(to=bare(other.jid), ptype="subscribe")
    seen_push(c, bare(other.jid), m, ask="subscribe")
    v3 = ver_of(roster_get(c, ver=v2))
    assert v3 not in (v1, v2)
