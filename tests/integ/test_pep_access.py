"""PEP access models (XEP-0060 §4.5): presence lets contacts subscribed
to the owner's presence fetch items and refuses strangers
(<not-authorized/> with <presence-subscription-required/>); open lets
anyone; roster lets contacts in an allowed roster group only; whitelist
only the owner (<not-allowed/> with <closed-node/>)."""
from peplib import error_of, get_items, publish, result_items
from rosterlib import bare, befriend, online, roster_set
from xmpp_raw import dump

NODE = "urn:example:access"


def trio(login):
    owner, friend = online(login), online(login)
    stranger = online(login)
    befriend(owner, friend)
    return owner, friend, stranger


def put(owner, model, **extra):
    opts = {"pubsub#access_model": model}
    opts.update(extra)
    node = "%s:%s" % (NODE, model)
    r = publish(owner, node, "<x xmlns='%s'/>" % NODE, item_id="1",
                options=opts)
    assert r.get("type") == "result", dump(r)
    return node


def test_presence(lethe, login):
    owner, friend, stranger = trio(login)
    node = put(owner, "presence")
    ob = bare(owner.jid)
    assert len(result_items(get_items(friend, ob, node))) == 1
    assert len(result_items(get_items(owner, ob, node))) == 1
    assert error_of(get_items(stranger, ob, node)) == (
        "not-authorized", "presence-subscription-required")


def test_open(lethe, login):
    owner, friend, stranger = trio(login)
    node = put(owner, "open")
    assert len(result_items(get_items(stranger, bare(owner.jid), node))) == 1


def test_roster(lethe, login):
    owner, friend, stranger = trio(login)
    other = online(login)
    befriend(owner, other)
    r = roster_set(owner, bare(friend.jid), group_names=["Family"])
    assert r.get("type") == "result", dump(r)
    node = put(owner, "roster", **{"pubsub#roster_groups_allowed":
                                   ["Family"]})
    ob = bare(owner.jid)
    assert len(result_items(get_items(friend, ob, node))) == 1
    assert error_of(get_items(other, ob, node)) == (
        "not-authorized", "not-in-roster-group")
    assert error_of(get_items(stranger, ob, node))[0] == "not-authorized"


def test_whitelist(lethe, login):
    owner, friend, stranger = trio(login)
    node = put(owner, "whitelist")
    ob = bare(owner.jid)
    assert len(result_items(get_items(owner, ob, node))) == 1
    for c in (friend, stranger):
        assert error_of(get_items(c, ob, node)) == ("not-allowed",
                                                    "closed-node")


def test_only_owner_publishes(lethe, login):
    owner, friend, stranger = trio(login)
    r = publish(friend, NODE, "<x xmlns='%s'/>" % NODE, to=bare(owner.jid))
    assert error_of(r)[0] == "forbidden"
