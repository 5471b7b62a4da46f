"""lethectl export includes PEP nodes (settings as pubsub#owner forms)
with their items, and the message archive (urn:xmpp:pie:0#mam); import
puts them back: the items are served with their access model and the
archive answers a query."""
import mamlib
import peplib
from pielib import import_file

# Sealed rows cannot be exported (test_seal_ctl_export_skips.py): the
# data is kept in clear here so that all of it travels.
LETHE_CONF = {"server": {"sealing": "false"}}

NICK = "<nick xmlns='http://jabber.org/protocol/nick'>Ada</nick>"


def test_pep_and_archive_roundtrip(lethe, lethe_factory, login):
    local, pw, jid = acct = lethe.new_account()
    friend = lethe.new_account()
    c = login(acct, presence=0)
    f = login(friend, presence=0)
    r = peplib.publish(c, "http://jabber.org/protocol/nick", NICK, "current",
                       options={"pubsub#access_model": "open"})
    assert r.get("type") == "result", r
    f.message(jid, "archived hello")
    c.wait_message("archived hello")
    mamlib.settle(c)
    c.close()

    out = lethe.ctl("export", jid)
    assert out.returncode == 0, out.stderr
    assert "urn:xmpp:pie:0#mam" in out.stdout
    assert "pubsub#access_model" in out.stdout

    fresh = lethe_factory()
    r = import_file(fresh, out.stdout)
    assert r.returncode == 0, r.stderr
    assert "1 PEP nodes with 1 items, 1 archived" in r.stdout, r.stdout
    fresh.adduser(friend[2], friend[1])
    c2 = fresh.raw()
    s = fresh.raw()
    try:
        c2.login(local, pw)
        results, _, _ = mamlib.query(c2)
        assert mamlib.bodies(results) == ["archived hello"]
        s.login(friend[0], friend[1])  # no subscription: open access
        items = peplib.result_items(peplib.get_items(
            s, jid, "http://jabber.org/protocol/nick"))
        assert [i.get("id") for i in items] == ["current"]
        assert "Ada" in "".join(items[0].itertext())
    finally:
        c2.close()
        s.close()
