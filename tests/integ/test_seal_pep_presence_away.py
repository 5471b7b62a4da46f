"""A presence-access PEP node (the default access model, e.g. avatars
published without options) stays readable by the owner's contacts while
the owner is away: the owner's roster is sealed then, so the server asks
the contact's own roster, which says the same (both ends of a
subscription change together). A stranger is still refused, and a
contact whose subscription ended is refused too."""
from peplib import error_of, get_items, publish, result_items
from rosterlib import befriend, online, roster_remove
from xmpp_raw import dump

NS_META = "urn:xmpp:avatar:metadata"
AID = "89abcdef0123456789abcdef0123456789abcdef"


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def test_presence_node_while_away(lethe, login):
    acct = lethe.new_account()
    owner, friend, former, stranger = (online(login, acct), online(login),
                                       online(login), online(login))
    befriend(owner, friend)
    befriend(owner, former)
    ob = acct[2]
    r = publish(owner, NS_META, "<metadata xmlns='%s'><info bytes='3' "
                "id='%s' type='image/png'/></metadata>" % (NS_META, AID),
                item_id=AID)
    assert r.get("type") == "result", dump(r)
    end(owner)
    # The former contact drops the owner while the owner is away.
    assert roster_remove(former, ob).get("type") == "result"

    its = result_items(get_items(friend, ob, NS_META), NS_META)
    assert [i.get("id") for i in its] == [AID]
    for c in (stranger, former):
        assert error_of(get_items(c, ob, NS_META))[0] == "not-authorized", \
            dump(get_items(c, ob, NS_META))
    # Back online: the owner's own roster decides again, the same way.
    owner = online(login, acct)
    its = result_items(get_items(friend, ob, NS_META), NS_META)
    assert [i.get("id") for i in its] == [AID]
    assert error_of(get_items(stranger, ob, NS_META))[0] == "not-authorized"
