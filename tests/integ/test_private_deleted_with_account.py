"""Deleting an account (lethectl deluser) erases its private XML
(XEP-0049) and its vCard (XEP-0054): an account made again under the
same name starts with neither."""
from xmpp_raw import dump, q

# The name is made again after deletion: no tombstone here.
LETHE_CONF = {"retention": {"tombstone": "0"}}

NS_PRIVATE = "jabber:iq:private"
NS_VCARD = "vcard-temp"


def test_erased(lethe, login):
    local, password, bare = acct = lethe.new_account("gone")
    c = login(acct)
    for payload in ("<vCard xmlns='%s'><FN>Gone</FN></vCard>" % NS_VCARD,
                    "<query xmlns='%s'><p xmlns='urn:example:d'>kept</p>"
                    "</query>" % NS_PRIVATE):
        r = c.request("<iq type='set' id='%%s'>%s</iq>" % payload)
        assert r.get("type") == "result", dump(r)
    c.close()
    r = lethe.ctl("deluser", bare)
    assert r.returncode == 0, r.stdout + r.stderr
    lethe.adduser(bare, password)
    c = login((local, password, bare))
    r = c.request("<iq type='get' id='%%s'><vCard xmlns='%s'/></iq>" %
                  NS_VCARD)
    assert len(r.find(q(NS_VCARD, "vCard"))) == 0, dump(r)
    r = c.request("<iq type='get' id='%%s'><query xmlns='%s'>"
                  "<p xmlns='urn:example:d'/></query></iq>" % NS_PRIVATE)
    el = r.find(q(NS_PRIVATE, "query")).find(q("urn:example:d", "p"))
    assert el is not None and el.text is None, dump(r)
