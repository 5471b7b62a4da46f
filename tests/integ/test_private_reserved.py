"""Private XML storage (XEP-0049): elements in a jabber:* namespace (the
XEP's reserved ones, including a child that inherits jabber:iq:private)
and elements without a namespace are refused with <not-acceptable/>, for
get and set; other namespaces are fine."""
import pytest

from xmpp_raw import dump, stanza_error_condition

NS_PRIVATE = "jabber:iq:private"


@pytest.mark.parametrize("element", [
    "<query xmlns='jabber:iq:roster'/>",
    "<x xmlns='jabber:x:data'/>",
    "<inherits/>",
    "<none xmlns=''/>",
])
@pytest.mark.parametrize("kind", ["get", "set"])
def test_refused(lethe, login, element, kind):
    c = login()
    if kind == "set":
        element = element.replace("/>", "><v>1</v></%s>" %
                                  element[1:].split()[0].rstrip("/>"))
    r = c.request("<iq type='%s' id='%%s'><query xmlns='%s'>%s</query>"
                  "</iq>" % (kind, NS_PRIVATE, element))
    assert r.get("type") == "error", dump(r)
    assert stanza_error_condition(r) == "not-acceptable", dump(r)


def test_similar_namespaces_are_fine(lethe, login):
    c = login()
    for ns in ("jabberwocky:prefs", "urn:example:jabber:x", "storage:rosternotes"):
        r = c.request("<iq type='set' id='%%s'><query xmlns='%s'>"
                      "<p xmlns='%s'>1</p></query></iq>" % (NS_PRIVATE, ns))
        assert r.get("type") == "result", dump(r)
