"""lethectl export JID writes the account in XEP-0227 with SCRAM
verifiers and never a password; importing that file into a fresh server
gives the same login, roster, vCard, private XML and offline messages."""
import xml.etree.ElementTree as ET

from pielib import (NS_PIE, import_file, offline_bodies, private_of,
                    roster_of, vcard_of)
from rosterlib import roster_set

# Sealed rows cannot be exported (test_seal_ctl_export_skips.py): the
# data is kept in clear here so that all of it travels.
LETHE_CONF = {"server": {"sealing": "false"}}


def test_export_then_import(lethe, lethe_factory, login):
    local, pw, jid = acct = lethe.new_account()
    friend = lethe.new_account()
    c = login(acct)
    assert roster_set(c, friend[2], "Friend", ["Family", "Work"]) \
        .get("type") == "result"
    r = c.request("<iq type='set' id='%s'><vCard xmlns='vcard-temp'>"
                  "<FN>Ada Lovelace</FN></vCard></iq>")
    assert r.get("type") == "result"
    r = c.request("<iq type='set' id='%s'><query xmlns='jabber:iq:private'>"
                  "<note xmlns='x:notes'>remember &amp; this</note>"
                  "</query></iq>")
    assert r.get("type") == "result"
    c.close()
    f = login(friend, presence=0)
    f.message(jid, "while you were away")
    f.assert_alive()

    out = lethe.ctl("export", jid)
    assert out.returncode == 0, out.stderr
    assert pw not in out.stdout and "password=" not in out.stdout
    root = ET.fromstring(out.stdout)
    assert root.tag == "{%s}server-data" % NS_PIE
    user = root.find("{%s}host/{%s}user" % (NS_PIE, NS_PIE))
    assert user.get("name") == local
    mechs = {s.get("mechanism") for s in
             user.findall("{urn:xmpp:pie:0#scram}scram-credentials")}
    assert "SCRAM-SHA-256" in mechs, out.stdout

    fresh = lethe_factory()
    r = import_file(fresh, out.stdout)
    assert r.returncode == 0, r.stderr
    assert "imported %s" % jid in r.stdout
    c2 = fresh.raw()
    try:
        c2.login(local, pw)
        assert roster_of(c2)[friend[2]][:2] == ("Friend", ["Family", "Work"])
        assert vcard_of(c2) == "Ada Lovelace"
        assert private_of(c2, "x:notes", "note").text == "remember & this"
        assert offline_bodies(c2, 1) == ["while you were away"]
    finally:
        c2.close()
