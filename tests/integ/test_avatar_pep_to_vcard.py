"""XEP-0398: an avatar published in PEP (XEP-0084 data, then metadata)
becomes the vCard's PHOTO, other vCard properties kept; metadata without
<info/> (avatar disabled) removes the PHOTO. The account advertises
urn:xmpp:pep-vcard-conversion:0."""
from avatarlib import (NS_ADATA, NS_META, NS_VCARD, b64, photo_of, png,
                       sha1, vcard_get, vcard_set, wait_photo)
from peplib import publish
from rosterlib import bare, online
from xmpp_raw import dump, q

NS_INFO = "http://jabber.org/protocol/disco#info"


def publish_avatar(c, img):
    aid = sha1(img)
    r = publish(c, NS_ADATA, "<data xmlns='%s'>%s</data>" % (NS_ADATA,
                                                             b64(img)),
                item_id=aid)
    assert r.get("type") == "result", dump(r)
    r = publish(c, NS_META, "<metadata xmlns='%s'><info bytes='%d' id='%s' "
                "type='image/png' width='3' height='2'/></metadata>" % (
                    NS_META, len(img), aid), item_id=aid)
    assert r.get("type") == "result", dump(r)


def test_pep_avatar_to_vcard(lethe, login):
    c = online(login)
    vcard_set(c, "<NICKNAME>Puck</NICKNAME>")
    img = png(3, 2)
    publish_avatar(c, img)
    v = wait_photo(c, lambda p: p is not None)
    assert photo_of(v) == ("image/png", img), dump(v)
    assert v.find(q(NS_VCARD, "NICKNAME")).text == "Puck", dump(v)
    # A new avatar replaces the photo; there is still one PHOTO.
    img2 = png(2, 2, (1, 2, 3))
    publish_avatar(c, img2)
    v = wait_photo(c, lambda p: p is not None and p[1] == img2)
    assert len(v.findall(q(NS_VCARD, "PHOTO"))) == 1, dump(v)
    # Disabled: metadata with no <info/>.
    r = publish(c, NS_META, "<metadata xmlns='%s'/>" % NS_META,
                item_id="none")
    assert r.get("type") == "result", dump(r)
    v = wait_photo(c, lambda p: p is None)
    assert v.find(q(NS_VCARD, "NICKNAME")).text == "Puck", dump(v)
    assert vcard_get(c) is not None


def test_conversion_feature(lethe, login):
    c = online(login)
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (bare(c.jid), NS_INFO))
    feats = {f.get("var") for f in
             r.find(q(NS_INFO, "query")).findall(q(NS_INFO, "feature"))}
    assert "urn:xmpp:pep-vcard-conversion:0" in feats, dump(r)
