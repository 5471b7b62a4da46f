"""vCard-temp (XEP-0054): a set that is not a vCard (another element in
the namespace, character data loose in <vCard/>) and a get naming another
element are <bad-request/>; what was stored stays, and the server keeps
serving everyone."""
import pytest

from xmpp_raw import dump, q, stanza_error_condition

NS_VCARD = "vcard-temp"


def stored_fn(c):
    r = c.request("<iq type='get' id='%%s'><vCard xmlns='%s'/></iq>" %
                  NS_VCARD)
    assert r.get("type") == "result", dump(r)
    fn = r.find(q(NS_VCARD, "vCard")).find(q(NS_VCARD, "FN"))
    return None if fn is None else fn.text


@pytest.mark.parametrize("payload", [
    "<VCARD xmlns='vcard-temp'><FN>x</FN></VCARD>",
    "<vcard xmlns='vcard-temp'/>",
    "<vCard xmlns='vcard-temp'>loose text<FN>x</FN></vCard>",
    "<vCard xmlns='vcard-temp'><FN>x</FN>after</vCard>",
])
def test_bad_set(lethe, login, witness, payload):
    c = login()
    r = c.request("<iq type='set' id='%%s'><vCard xmlns='%s'><FN>Kept</FN>"
                  "</vCard></iq>" % NS_VCARD)
    assert r.get("type") == "result", dump(r)
    r = c.request("<iq type='set' id='%%s'>%s</iq>" % payload)
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "bad-request", dump(r)
    assert stored_fn(c) == "Kept"
    witness.assert_alive()


def test_bad_get(lethe, login, witness):
    c = login()
    for to in ("", " to='%s'" % c.jid.split("/", 1)[0], " to='localhost'"):
        r = c.request("<iq type='get' id='%%s'%s><photo xmlns='%s'/></iq>" %
                      (to, NS_VCARD))
        assert stanza_error_condition(r) == "bad-request", dump(r)
    witness.assert_alive()


def test_whitespace_is_fine(lethe, login):
    c = login()
    r = c.request("<iq type='set' id='%%s'><vCard xmlns='%s'>\n  <FN>W</FN>"
                  "\n</vCard></iq>" % NS_VCARD)
    assert r.get("type") == "result", dump(r)
    assert stored_fn(c) == "W"
