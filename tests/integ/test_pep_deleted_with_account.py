"""Deleting an account (lethectl deluser) erases its PEP nodes and
items (its two stores are registered as owned by the user); before
that, the items outlive the owner's session and are read back from the
store."""
from peplib import error_of, get_items, publish, result_items
from rosterlib import bare, online
from xmpp_raw import dump

# The name is made again after deletion: no tombstone here.
LETHE_CONF = {"retention": {"tombstone": "0"}}

NS = "urn:example:gone"


def test_erased(lethe, login):
    acct = lethe.new_account("pepgone")
    local, password, bare_jid = acct
    c = online(login, acct)
    r = publish(c, NS, "<a xmlns='%s'>kept</a>" % NS, item_id="1",
                options={"pubsub#access_model": "open"})
    assert r.get("type") == "result", dump(r)
    c.close()
    # Read back from the store by someone else while the owner is away.
    other = online(login)
    its = result_items(get_items(other, bare_jid, NS))
    assert [i.get("id") for i in its] == ["1"]
    r = lethe.ctl("deluser", bare_jid)
    assert r.returncode == 0, r.stdout + r.stderr
    lethe.adduser(bare_jid, password)
    c = online(login, acct)
    assert error_of(get_items(c, bare_jid, NS))[0] == "item-not-found"
