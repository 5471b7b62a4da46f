"""lethectl export cannot open sealed rows (only the account's password
does): it leaves them out, says on standard error how many rows of which
store and why, and still writes a well-formed file with the verifiers
and the data in clear (the vCard, published on purpose). With sealing
off the same data is exported whole and nothing is said."""
import xml.etree.ElementTree as ET

from pielib import NS_PIE
from sealctllib import seed

VCARD = ("<iq type='set' id='%s'><vCard xmlns='vcard-temp'><FN>Public Name"
         "</FN></vCard></iq>")


def export(server, jid):
    r = server.ctl("export", jid)
    assert r.returncode == 0, r.stderr
    root = ET.fromstring(r.stdout)
    return r, root.find("{%s}host/{%s}user" % (NS_PIE, NS_PIE))


def test_sealed_rows_skipped(lethe, clients):
    acct = lethe.new_account("exported")
    peer = lethe.new_account("peer")
    a = seed(lethe, acct, peer, clients, "not in the export")
    assert a.request(VCARD).get("type") == "result"
    a.close()
    r, user = export(lethe, acct[2])
    assert "sealed row" in r.stderr and "not exported" in r.stderr, r.stderr
    assert "roster" in r.stderr and "archive" in r.stderr, r.stderr
    assert "password" in r.stderr, r.stderr
    assert acct[2] in r.stderr, r.stderr
    assert "not in the export" not in r.stdout
    assert peer[2] not in r.stdout
    assert user.find("{urn:xmpp:pie:0#scram}scram-credentials") is not None
    assert "Public Name" in r.stdout


def test_clear_rows_exported(lethe_factory, clients):
    s = lethe_factory({"server": {"sealing": "false"}})
    acct = s.new_account("clear")
    peer = s.new_account("peer")
    seed(s, acct, peer, clients, "in the export").close()
    r, user = export(s, acct[2])
    assert "sealed" not in r.stderr, r.stderr
    assert "in the export" in r.stdout
    assert peer[2] in r.stdout
