"""FAST tokens and sealing (docs/privacy.md, "Sealed records"): exactly
what a deployment gives up when it offers token logins with sealing on.

- A token cannot open the account's sealed data: a token login to an
  account no password login holds open is refused (not-authorized) and
  the token deleted (clients drop it and log in with the password, asking
  for a new one, which works).
- While a password login holds the account open, the token logs in and
  reads what any session reads (here: the sealed roster).
- What that gives up: the database holds each token's SHA-256, which is
  all HT-SHA-256 needs (RFC 2104 hashes a key longer than the block).
  Whoever copies the database can log in with it while the user is
  online, and read what the user's sessions read; not while the user is
  away, when the data stays sealed.
- With sealing off, a token login works on its own."""
import hashlib
import hmac
import os
import sqlite3

from rosterlib import items, roster_get, roster_set
from sasl2lib import (NS_SASL2, authenticate, authz, bind2, ht_login,
                      is_failure, request_token, result, scram, token_of)
from xmpp_raw import dump, q

CONTACT = "zqfastcontact@elsewhere.example"


def fresh(server):
    c = server.raw()
    c.secure(False)
    return c


def password_session(server, acct, token=False):
    """A bound password login; with token=True also (token, client)."""
    c = fresh(server)
    res = scram(c, acct[0], acct[1],
                extra=bind2("pw") + (request_token() if token else ""))
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    c.jid = authz(res)
    return (token_of(res)[0], c) if token else c


def stored_hashes(server, user):
    db = sqlite3.connect(os.path.join(server.dir, "data", "lethe.db"))
    try:
        rows = db.execute("SELECT value FROM map WHERE store = "
                          "'fast_tokens' AND user = ?", (user,)).fetchall()
    finally:
        db.close()
    return [bytes(v).decode().split()[1] for (v,) in rows]


def login_with_key(server, user, key):
    """HT-SHA-256-NONE computed from a key, as an attacker would."""
    c = fresh(server)
    proof = hmac.new(key, b"Initiator", hashlib.sha256).digest()
    authenticate(c, "HT-SHA-256-NONE", user.encode() + b"\0" + proof,
                 bind2("thief"))
    return c, result(c)


def test_token_needs_an_open_account(lethe_factory):
    server = lethe_factory()
    acct = server.new_account("fast")
    token, c = password_session(server, acct, token=True)
    assert roster_set(c, CONTACT, name="zqsecret").get("type") == "result"
    c.close()
    # Closed: the token is refused, and deleted.
    assert is_failure(ht_login(fresh(server), acct[0], token, count=1))
    assert stored_hashes(server, acct[0]) == []
    # The client's fallback: its password, and a new token.
    token, keeper = password_session(server, acct, token=True)
    # Open (that password login): the token works, and reads the sealed
    # roster.
    c2 = fresh(server)
    res = ht_login(c2, acct[0], token, extra=bind2("fast"), count=2)
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    c2.jid = authz(res)
    its = items(roster_get(c2))
    assert its[CONTACT].get("name") == "zqsecret"
    c2.close()
    keeper.close()


def test_what_a_stolen_hash_gives(lethe_factory):
    server = lethe_factory()
    acct = server.new_account("fast")
    token, c = password_session(server, acct, token=True)
    assert roster_set(c, CONTACT, name="zqsecret").get("type") == "result"
    hashes = stored_hashes(server, acct[0])
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    key = bytes.fromhex(hashes[0])
    # The user is online: the hash alone logs in and reads the roster.
    thief, res = login_with_key(server, acct[0], key)
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    thief.jid = authz(res)
    assert CONTACT in items(roster_get(thief))
    thief.close()
    c.close()
    # The user is away: the hash opens nothing.
    _, res = login_with_key(server, acct[0], key)
    assert is_failure(res), dump(res)


def test_sealing_off_token_alone(lethe_factory):
    server = lethe_factory({"server": {"sealing": "false"}})
    acct = server.new_account("fast")
    token, c = password_session(server, acct, token=True)
    c.close()
    res = ht_login(fresh(server), acct[0], token, count=1)
    assert res.tag == q(NS_SASL2, "success"), dump(res)


def test_password_change_ends_tokens(lethe_factory):
    server = lethe_factory()
    acct = server.new_account("fast")
    token, c = password_session(server, acct, token=True)
    r = c.request("<iq type='set' id='%%s'><query xmlns='jabber:iq:register'>"
                  "<username>%s</username><password>zq-new-password"
                  "</password></query></iq>" % acct[0])
    assert r.get("type") == "result", dump(r)
    # The account is open (c), yet the old token is gone.
    assert is_failure(ht_login(fresh(server), acct[0], token, count=1))
    assert stored_hashes(server, acct[0]) == []
    c.close()
