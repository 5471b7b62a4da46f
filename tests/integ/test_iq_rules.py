"""IQ handling (RFC 6120 §8.2.3, RFC 6121 §8.5, XEP-0030, XEP-0199):
the server answers disco and ping for itself and on behalf of accounts
that exist (online or not); unknown namespaces and nonexistent accounts
get <service-unavailable/>; every request gets exactly one answer."""
import pytest

from xmpp_raw import (NS_CLIENT, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING,
                      dump, q, stanza_error_condition)


def disco_info(c, to):
    return c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                     "</iq>" % (to, NS_DISCO_INFO))


def features(iq):
    query = iq.find(q(NS_DISCO_INFO, "query"))
    assert query is not None, dump(iq)
    return [f.get("var") for f in query.findall(q(NS_DISCO_INFO, "feature"))]


def assert_result(iq, frm=None):
    assert iq.get("type") == "result", dump(iq)
    if frm is not None:
        assert iq.get("from") == frm, dump(iq)


def assert_error(iq, condition):
    assert iq.get("type") == "error", dump(iq)
    assert stanza_error_condition(iq) == condition, dump(iq)


def test_server_disco_info(lethe, login):
    c = login()
    r = disco_info(c, "localhost")
    assert_result(r, "localhost")
    assert r.get("to") == c.jid, dump(r)
    f = features(r)
    for var in (NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING):
        assert var in f, f
    ident = r.find(q(NS_DISCO_INFO, "query")).find(
        q(NS_DISCO_INFO, "identity"))
    assert ident is not None and ident.get("category") == "server", dump(r)


def test_server_disco_items(lethe, login):
    c = login()
    r = c.request("<iq type='get' id='%%s' to='localhost'><query xmlns='%s'/>"
                  "</iq>" % NS_DISCO_ITEMS)
    assert_result(r, "localhost")
    assert r.find(q(NS_DISCO_ITEMS, "query")) is not None, dump(r)


def test_ping_server(lethe, login):
    c = login()
    assert_result(c.ping("localhost"), "localhost")


@pytest.mark.parametrize("form", ["bare", "no-to"])
def test_ping_own_account(lethe, login, form):
    c = login()
    bare = c.jid.split("/", 1)[0]
    r = c.ping(bare if form == "bare" else None)
    assert_result(r)
    if form == "bare":
        assert r.get("from") == bare, dump(r)


def test_disco_own_account(lethe, login):
    c = login()
    bare = c.jid.split("/", 1)[0]
    r = disco_info(c, bare)
    assert_result(r, bare)
    assert NS_DISCO_INFO in features(r)


@pytest.mark.parametrize("to", ["server", "own-bare"])
def test_unknown_namespace(lethe, login, to):
    c = login()
    dest = "localhost" if to == "server" else c.jid.split("/", 1)[0]
    r = c.request("<iq type='get' id='%%s' to='%s'>"
                  "<query xmlns='urn:example:nothing-here'/></iq>" % dest)
    assert_error(r, "service-unavailable")
    r = c.request("<iq type='set' id='%%s' to='%s'>"
                  "<query xmlns='urn:example:nothing-here'/></iq>" % dest)
    assert_error(r, "service-unavailable")


def test_offline_account_answered_by_server(lethe, login):
    c = login()
    _, _, other = lethe.new_account()  # exists, never logs in
    r = c.ping(other)
    assert_result(r, other)
    r = disco_info(c, other)
    assert_result(r, other)
    assert NS_DISCO_INFO in features(r)


def test_online_account_bare_answered_by_server(lethe, login):
    """An IQ to a bare JID is for the account, not for its clients."""
    acct = lethe.new_account()
    target = login(acct, presence=0)
    c = login()
    r = c.ping(acct[2])
    assert_result(r, acct[2])
    target.assert_alive()
    assert not any(e.tag == q(NS_CLIENT, "iq") and e.get("type") == "get"
                   for e in target.history), \
        [dump(e) for e in target.history]


def test_nonexistent_account(lethe, login):
    c = login()
    r = c.ping("nosuchuser-xyz@localhost")
    assert_error(r, "service-unavailable")
    r = disco_info(c, "nosuchuser-xyz@localhost")
    assert_error(r, "service-unavailable")


def test_iq_to_full_jid_is_relayed(lethe, login):
    acct = lethe.new_account()
    target = login(acct, "phone", presence=0)
    c = login()
    c.send("<iq type='get' id='relay1' to='%s'><ping xmlns='%s'/></iq>" % (
        target.jid, NS_PING))
    got = target.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq") and
                          e.get("id") == "relay1")
    assert got.get("from") == c.jid, dump(got)
    target.send("<iq type='result' id='relay1' to='%s'/>" % c.jid)
    r = c.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq") and
                   e.get("id") == "relay1")
    assert_result(r, target.jid)


def test_iq_to_unbound_full_jid(lethe, login):
    c = login()
    _, _, other = lethe.new_account()
    r = c.ping(other + "/nowhere")
    assert_error(r, "service-unavailable")


def test_iq_without_id_or_bad_type(lethe, login):
    c = login()
    r = c.request("<iq type='fetch' id='%%s' to='localhost'>"
                  "<ping xmlns='%s'/></iq>" % NS_PING)
    assert_error(r, "bad-request")
    c.assert_alive()


def test_iq_with_two_payloads(lethe, login):
    c = login()
    r = c.request("<iq type='get' id='%%s' to='localhost'><ping xmlns='%s'/>"
                  "<ping xmlns='%s'/></iq>" % (NS_PING, NS_PING))
    assert_error(r, "bad-request")


def test_malformed_to(lethe, login):
    c = login()
    for to in ("@localhost", "a@b@localhost", "user@", "x" * 1100 +
               "@localhost"):
        r = c.ping(to)
        assert_error(r, "jid-malformed")


def test_remote_domain(lethe, login):
    c = login()
    r = c.ping("example.org")
    assert_error(r, "remote-server-not-found")
    r = c.ping("someone@example.org")
    assert_error(r, "remote-server-not-found")
