"""Private XML storage (XEP-0049): a request names or carries exactly one
element; a <query/> with none or with two is <bad-request/>, for get and
set, and nothing is stored by a refused set."""
import pytest

from xmpp_raw import dump, q, stanza_error_condition

NS_PRIVATE = "jabber:iq:private"


@pytest.mark.parametrize("kind", ["get", "set"])
@pytest.mark.parametrize("inner", [
    "",
    "   ",
    "<a xmlns='urn:example:c'>1</a><b xmlns='urn:example:c'>2</b>",
    "<a xmlns='urn:example:c'>1</a><a xmlns='urn:example:c'>2</a>",
])
def test_bad_request(lethe, login, witness, kind, inner):
    c = login()
    r = c.request("<iq type='%s' id='%%s'><query xmlns='%s'>%s</query>"
                  "</iq>" % (kind, NS_PRIVATE, inner))
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "bad-request", dump(r)
    r = c.request("<iq type='get' id='%%s'><query xmlns='%s'>"
                  "<a xmlns='urn:example:c'/></query></iq>" % NS_PRIVATE)
    el = r.find(q(NS_PRIVATE, "query")).find(q("urn:example:c", "a"))
    assert el is not None and el.text is None, dump(r)
    witness.assert_alive()
