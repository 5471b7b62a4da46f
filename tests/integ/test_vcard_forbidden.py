"""vCard-temp (XEP-0054): only the account itself sets its vCard. A set
addressed to another account, existing or not, or to the server is
refused, and the other account's vCard is left as it was."""
from xmpp_raw import dump, q, stanza_error_condition

NS_VCARD = "vcard-temp"


def vcard_set(c, fn, to=None):
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='set' id='%%s'%s><vCard xmlns='%s'>"
                     "<FN>%s</FN></vCard></iq>" % (to_attr, NS_VCARD, fn))


def vcard_fn(c, to):
    r = c.request("<iq type='get' id='%%s' to='%s'><vCard xmlns='%s'/>"
                  "</iq>" % (to, NS_VCARD))
    assert r.get("type") == "result", dump(r)
    fn = r.find(q(NS_VCARD, "vCard")).find(q(NS_VCARD, "FN"))
    return None if fn is None else fn.text


def assert_error(iq, condition):
    assert iq.get("type") == "error", dump(iq)
    assert stanza_error_condition(iq) == condition, dump(iq)


def test_set_for_another_account(lethe, login):
    alice = lethe.new_account("alice")
    a = login(alice)
    assert vcard_set(a, "Alice").get("type") == "result"
    m = login()
    assert_error(vcard_set(m, "Mallory was here", alice[2]), "forbidden")
    assert vcard_fn(m, alice[2]) == "Alice"
    # Offline makes no difference.
    a.close()
    assert_error(vcard_set(m, "Mallory was here", alice[2]), "forbidden")
    assert vcard_fn(m, alice[2]) == "Alice"


def test_set_for_an_account_with_none(lethe, login):
    _, _, bob = lethe.new_account("bob")
    m = login()
    assert_error(vcard_set(m, "Not Bob", bob), "forbidden")
    assert vcard_fn(m, bob) is None


def test_set_for_the_server(lethe, login):
    m = login()
    assert_error(vcard_set(m, "Server", "localhost"), "forbidden")
    assert vcard_fn(m, "localhost") is None


def test_set_for_nobody(lethe, login):
    m = login()
    assert_error(vcard_set(m, "x", "nosuchuser-vc@localhost"),
                 "service-unavailable")
