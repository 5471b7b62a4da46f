"""XEP-0153 via XEP-0398: the server adds vcard-temp:x:update with the
SHA-1 of the account's vCard photo to broadcast presence that carries
none, so contacts on older clients see avatar changes; a client's own
<x/> is left as it is."""
import time

from avatarlib import b64, png, sha1, vcard_set
from peplib import friends
from xmpp_raw import NS_CLIENT, q

NS_UPDATE = "vcard-temp:x:update"


def photo_of_x(x):
    assert x is not None, "no vcard-temp:x:update"
    p = x.find(q(NS_UPDATE, "photo"))
    return None if p is None else (p.text or "")


def test_hash_added_and_updated(lethe, login):
    a, b = friends(login)
    img = png(3, 3)
    vcard_set(a, "<PHOTO><TYPE>image/png</TYPE><BINVAL>%s</BINVAL></PHOTO>"
              % b64(img))
    mark = len(b.history)
    a.presence(priority=1)
    a.assert_alive()
    x = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        b.assert_alive()
        new = [e for e in b.history[mark:]
               if e.tag == q(NS_CLIENT, "presence") and e.get("from") == a.jid]
        if new:
            x = new[-1].find(q(NS_UPDATE, "x"))
            break
    assert photo_of_x(x) == sha1(img)
    # An emptied PHOTO: the hash says "no avatar".
    vcard_set(a, "<FN>A</FN><PHOTO/>")
    mark = len(b.history)
    a.presence(priority=2)
    a.assert_alive()
    new = []
    deadline = time.monotonic() + 5
    while not new and time.monotonic() < deadline:
        b.assert_alive()
        new = [e for e in b.history[mark:]
               if e.tag == q(NS_CLIENT, "presence") and e.get("from") == a.jid]
    assert new and photo_of_x(new[-1].find(q(NS_UPDATE, "x"))) == ""


def test_client_update_left_alone(lethe, login):
    a, b = friends(login)
    vcard_set(a, "<PHOTO><TYPE>image/png</TYPE><BINVAL>%s</BINVAL></PHOTO>"
              % b64(png(2, 2)))
    mark = len(b.history)
    a.send("<presence><x xmlns='%s'/></presence>" % NS_UPDATE)
    a.assert_alive()
    new = []
    deadline = time.monotonic() + 5
    while not new and time.monotonic() < deadline:
        b.assert_alive()
        new = [e for e in b.history[mark:]
               if e.tag == q(NS_CLIENT, "presence") and e.get("from") == a.jid]
    assert new
    xs = new[-1].findall(q(NS_UPDATE, "x"))
    assert len(xs) == 1 and xs[0].find(q(NS_UPDATE, "photo")) is None
