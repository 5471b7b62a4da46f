"""XEP-0398: a vCard set with a PHOTO publishes the image as a User
Avatar (XEP-0084): a data item and a metadata item whose id is the SHA-1
of the bytes, with bytes, type, width and height; contacts interested in
the metadata are told. Saving the same vCard again publishes nothing."""
import base64
import time

from avatarlib import NS_ADATA, NS_META, b64, png, sha1, vcard_set
from peplib import caps_presence, events, friends, get_items, result_items
from rosterlib import bare
from xmpp_raw import dump, q


def photo_vcard(img):
    # Folded base64, as many clients write it.
    s = b64(img)
    folded = "\n".join(s[i:i + 20] for i in range(0, len(s), 20))
    return ("<FN>Robin</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>%s"
            "</BINVAL></PHOTO>" % folded)


def test_vcard_photo_to_pep(lethe, login):
    a, b = friends(login)
    caps_presence(b, [NS_META + "+notify"])
    b.assert_alive()
    me = bare(a.jid)
    img = png(5, 4)
    aid = sha1(img)
    mark = len(b.history)
    vcard_set(a, photo_vcard(img))
    its = result_items(get_items(a, me, NS_ADATA), NS_ADATA)
    assert [i.get("id") for i in its] == [aid], [dump(i) for i in its]
    data = its[0].find(q(NS_ADATA, "data")).text
    assert base64.b64decode(data) == img
    its = result_items(get_items(b, me, NS_META), NS_META)
    assert [i.get("id") for i in its] == [aid]
    info = its[0].find(q(NS_META, "metadata")).find(q(NS_META, "info"))
    assert info.get("id") == aid and info.get("type") == "image/png"
    assert info.get("bytes") == str(len(img))
    assert (info.get("width"), info.get("height")) == ("5", "4"), dump(info)
    b.assert_alive()
    assert len(events(b, me, NS_META, mark)) == 1
    # The same photo again (another property changed): no new publish.
    mark = len(b.history)
    vcard_set(a, photo_vcard(img).replace("Robin", "Robin G."))
    a.assert_alive()
    time.sleep(0.3)
    b.assert_alive()
    assert events(b, me, NS_META, mark) == []
    its = result_items(get_items(a, me, NS_META), NS_META)
    assert len(its) == 1
