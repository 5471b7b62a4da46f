"""Published PEP data stays readable while its owner is away (it is kept
in clear on purpose): a contact fetches the owner's avatar metadata and
an open node's items after the owner logged out, while the owner's
whitelist node is refused as it is when the owner is online, and the
owner finds everything again at its next login."""
from peplib import error_of, get_items, publish, result_items
from rosterlib import befriend, online
from xmpp_raw import dump

NS_META = "urn:xmpp:avatar:metadata"
NS_ADATA = "urn:xmpp:avatar:data"
OPEN = {"pubsub#access_model": "open"}
AID = "0123456789abcdef0123456789abcdef01234567"


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def test_public_readable_while_away(lethe, login):
    acct = lethe.new_account()
    owner, friend, stranger = online(login, acct), online(login), \
        online(login)
    befriend(owner, friend)
    ob = acct[2]
    r = publish(owner, NS_ADATA, "<data xmlns='%s'>AAAA</data>" % NS_ADATA,
                item_id=AID, options=OPEN)
    assert r.get("type") == "result", dump(r)
    r = publish(owner, NS_META, "<metadata xmlns='%s'><info bytes='3' "
                "id='%s' type='image/png' width='1' height='1'/>"
                "</metadata>" % (NS_META, AID), item_id=AID, options=OPEN)
    assert r.get("type") == "result", dump(r)
    r = publish(owner, "urn:example:mine", "<x xmlns='urn:example:mine'/>",
                item_id="1", options={"pubsub#access_model": "whitelist"})
    assert r.get("type") == "result", dump(r)
    end(owner)

    for c in (friend, stranger):
        its = result_items(get_items(c, ob, NS_META), NS_META)
        assert [i.get("id") for i in its] == [AID]
        its = result_items(get_items(c, ob, NS_ADATA), NS_ADATA)
        assert [i.get("id") for i in its] == [AID]
        assert error_of(get_items(c, ob, "urn:example:mine")) == \
            ("not-allowed", "closed-node")

    owner = online(login, acct)
    assert len(result_items(get_items(owner, ob, "urn:example:mine"))) == 1
    assert len(result_items(get_items(owner, ob, NS_META))) == 1
