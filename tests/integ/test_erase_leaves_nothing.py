"""Erasure leaves nothing: an account with a distinctive name and data of
every kind (roster, archive, offline messages, vCard, private XML, PEP,
blocklist) is deleted, in-band (XEP-0077 <remove/>) or by lethectl; after a clean stop no file of the data directory
holds the name or any planted text, and the name cannot be registered
again while its tombstone lives. lethectl is tried without a daemon (it
erases in the database, including the friend's roster row)."""
import os
import secrets

import pytest

from peplib import publish
from rosterlib import bare, befriend, roster_get
from xmpp_raw import NS_CLIENT, dump, q

NS_REGISTER = "jabber:iq:register"
NS_PRIVATE = "jabber:iq:private"
NS_MAM = "urn:xmpp:mam:2"
# Nobody else archives: only the erased account keeps an archive, so
# every copy of the planted texts is its own.
CONF = {"server": {"archive_default": "never"}}


def client(server, account, presence=True):
    local, password, _ = account
    c = server.raw()
    c.login(local, password)
    if presence:
        roster_get(c)
        c.presence()
        c.assert_alive()
    return c


def ok(r):
    assert r.get("type") == "result", dump(r)


def plant(server, tag):
    """Makes the account and its data; returns (account, texts, friend)."""
    local = "zqx%serase%s" % (tag, secrets.token_hex(4))
    password = "pw-" + secrets.token_urlsafe(12)
    acct = (local, password, "%s@%s" % (local, server.host))
    server.adduser(acct[2], password)
    texts = {k: "%s%s%s" % (k, tag, secrets.token_hex(6)) for k in
             ("archived", "offline", "vcard", "private", "pep", "blocked")}
    friend = server.new_account("friend")
    stranger = server.new_account("stranger")
    a = client(server, acct)
    f = client(server, friend)
    befriend(a, f)
    ok(a.request("<iq type='set' id='%%s'><prefs xmlns='%s' "
                 "default='always'/></iq>" % NS_MAM))
    a.message(friend[2], texts["archived"])
    f.wait_message(texts["archived"])
    ok(a.request("<iq type='set' id='%%s'><vCard xmlns='vcard-temp'>"
                 "<FN>%s</FN></vCard></iq>" % texts["vcard"]))
    ok(a.request("<iq type='set' id='%%s'><query xmlns='%s'><x xmlns="
                 "'urn:example:plant'>%s</x></query></iq>" %
                 (NS_PRIVATE, texts["private"])))
    ok(publish(a, "urn:example:plant", "<p xmlns='urn:example:plant'>%s"
               "</p>" % texts["pep"], item_id="1"))
    ok(a.request("<iq type='set' id='%%s'><block xmlns='urn:xmpp:blocking'>"
                 "<item jid='%s@example.org'/></block></iq>" %
                 texts["blocked"]))
    a.close()
    # A message held for it while it is away (stranger: not a contact).
    s = client(server, stranger)
    s.message(acct[2], texts["offline"])
    # The ping waits for a store lookup queued after that write.
    ok(s.ping(acct[2]))
    s.close()
    return acct, texts, f


def data_files(server):
    root = os.path.join(server.dir, "data")
    for d, _, files in os.walk(root):
        for name in files:
            path = os.path.join(d, name)
            if os.path.isfile(path):  # not the control socket
                yield path


def found_in_data(server, needles):
    hits = []
    for path in data_files(server):
        with open(path, "rb") as fh:
            blob = fh.read()
        for n in needles:
            if n.encode() in blob:
                hits.append((os.path.basename(path), n))
    return hits


@pytest.mark.parametrize("how", ["inband", "lethectl_offline"])
def test_nothing_left(lethe_factory, how):
    server = lethe_factory(CONF)
    acct, texts, friend = plant(server, how.replace("_", ""))
    local = acct[0]
    # Planted for real: found in the data directory before erasure
    # (the WAL or the database), so the search below can fail.
    assert found_in_data(server, [local]), "the name is nowhere yet"
    if how == "inband":
        a = client(server, acct, presence=False)
        r = a.request("<iq type='set' id='%%s'><query xmlns='%s'>"
                      "<remove/></query></iq>" % NS_REGISTER)
        ok(r)
        assert a.expect_stream_error("not-authorized") is not None
        # The friend's roster no longer names it.
        res = roster_get(friend)
        assert acct[2] not in dump(res), dump(res)
    friend.close()
    server.exit_checked = True  # stopped here, checked here
    assert server.stop() == 0
    if how == "lethectl_offline":
        # No daemon: lethectl erases in the database itself.
        r = server.ctl("deluser", acct[2])
        assert r.returncode == 0, r.stdout + r.stderr
    needles = [local] + list(texts.values())
    assert found_in_data(server, needles) == []
    # The tombstone stops the name (the server is down: the database
    # path of lethectl).
    r = server.ctl("adduser", acct[2], stdin="another-pw\n")
    assert r.returncode != 0
    assert "deleted account" in r.stderr, r.stderr
