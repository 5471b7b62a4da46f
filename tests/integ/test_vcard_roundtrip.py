"""vCard-temp (XEP-0054): an account stores its vCard and reads it back
(raw XML and slixmpp's xep_0054), with or without a 'to'; any account
reads another's at its bare JID, online or not, answered by the server;
with nothing stored the answer is an empty <vCard/>; a new vCard
replaces the old one and an empty one removes it."""
from slixclient import SlixRun
from xmpp_raw import NS_CLIENT, dump, q

NS_VCARD = "vcard-temp"

VCARD = ("<vCard xmlns='vcard-temp'><FN>Ada &amp; Co</FN>"
         "<N><FAMILY>Lovelace</FAMILY><GIVEN>Ada</GIVEN></N>"
         "<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO>"
         "<X-EXT xmlns='urn:example:ext' k='v'>e</X-EXT></vCard>")


def vcard_get(c, to=None):
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='get' id='%%s'%s><vCard xmlns='%s'/></iq>" %
                     (to_attr, NS_VCARD))


def vcard_set(c, vcard):
    return c.request("<iq type='set' id='%%s'>%s</iq>" % vcard)


def vcard_of(iq):
    assert iq.get("type") == "result", dump(iq)
    v = iq.find(q(NS_VCARD, "vCard"))
    assert v is not None, dump(iq)
    return v


def text(v, *path):
    for name in path:
        v = v.find(q(NS_VCARD, name))
        assert v is not None, path
    return v.text


def test_nothing_stored_is_an_empty_vcard(lethe, login):
    c = login()
    for to in (None, c.jid.split("/", 1)[0]):
        v = vcard_of(vcard_get(c, to))
        assert len(v) == 0 and not (v.text or "").strip(), dump(v)


def test_own_round_trip(lethe, login):
    c = login()
    bare = c.jid.split("/", 1)[0]
    r = vcard_set(c, VCARD)
    assert r.get("type") == "result", dump(r)
    assert len(r) == 0, dump(r)
    for to in (None, bare):
        r = vcard_get(c, to)
        v = vcard_of(r)
        if to is not None:
            assert r.get("from") == bare, dump(r)
        assert text(v, "FN") == "Ada & Co"
        assert text(v, "N", "GIVEN") == "Ada"
        assert text(v, "PHOTO", "BINVAL") == "iVBORw0KGgo="
        ext = v.find(q("urn:example:ext", "X-EXT"))
        assert ext is not None and ext.text == "e" and \
            ext.get("k") == "v", dump(v)


def test_replace_and_remove(lethe, login):
    c = login()
    assert vcard_set(c, VCARD).get("type") == "result"
    r = vcard_set(c, "<vCard xmlns='vcard-temp'><NICKNAME>ada</NICKNAME>"
                     "</vCard>")
    assert r.get("type") == "result", dump(r)
    v = vcard_of(vcard_get(c))
    assert [e.tag for e in v] == [q(NS_VCARD, "NICKNAME")], dump(v)
    r = vcard_set(c, "<vCard xmlns='vcard-temp'/>")
    assert r.get("type") == "result", dump(r)
    assert len(vcard_of(vcard_get(c))) == 0
    # Removing what is not there is fine too.
    assert vcard_set(c, "<vCard xmlns='vcard-temp'/>").get("type") == \
        "result"


def test_other_account_reads_it(lethe, login):
    alice = lethe.new_account("alice")
    a = login(alice)
    assert vcard_set(a, VCARD).get("type") == "result"
    b = login()
    r = vcard_get(b, alice[2])
    assert r.get("from") == alice[2] and r.get("to") == b.jid, dump(r)
    assert text(vcard_of(r), "FN") == "Ada & Co"
    # Nothing went to Alice's client: the server answered.
    a.assert_alive()
    assert not any(e.tag == q(NS_CLIENT, "iq") and e.get("type") == "get"
                   for e in a.history), [dump(e) for e in a.history]
    # Alice offline: still answered from the store.
    a.close()
    assert text(vcard_of(vcard_get(b, alice[2])), "FN") == "Ada & Co"
    # An account that has none: empty, like one's own.
    _, _, carol = lethe.new_account("carol")
    assert len(vcard_of(vcard_get(b, carol))) == 0


def test_slixmpp_round_trip(lethe):
    _, password, bare = lethe.new_account("slix")
    _, _, other = lethe.new_account("other")
    with SlixRun(lethe) as run:
        c = run.client(bare, password)
        c.register_plugin("xep_0054")

        async def scenario():
            run.connect(c)
            assert await run.wait_session(c), run.describe(c)
            plugin = c.plugin["xep_0054"]
            card = plugin.make_vcard()
            card["FN"] = "Slix Person"
            card["NICKNAME"] = "slix"
            await plugin.publish_vcard(card, timeout=5)
            got = await plugin.get_vcard(bare, timeout=5)
            empty = await plugin.get_vcard(other, timeout=5)
            return got, empty

        got, empty = run.run(scenario())
        assert got["vcard_temp"]["FN"] == "Slix Person", got
        assert got["vcard_temp"]["NICKNAME"] == ["slix"], got
        assert got["from"] == bare, got
        assert empty["vcard_temp"]["FN"] == "", empty
