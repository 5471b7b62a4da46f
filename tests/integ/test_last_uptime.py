"""Last activity (XEP-0012): asked of the server it is the server's
uptime in seconds; asked of an account it is <service-unavailable/>
(no per-user last activity is kept: PRIVACY.md), and only the server
advertises it."""
import time

from slixclient import SlixRun
from xmpp_raw import NS_DISCO_INFO, dump, q, stanza_error_condition

NS_LAST = "jabber:iq:last"


def last_get(c, to=None):
    to_attr = "" if to is None else " to='%s'" % to
    return c.request("<iq type='get' id='%%s'%s><query xmlns='%s'/></iq>" %
                     (to_attr, NS_LAST))


def features(c, to):
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (to, NS_DISCO_INFO))
    return [f.get("var") for f in r.find(q(NS_DISCO_INFO, "query"))
            .findall(q(NS_DISCO_INFO, "feature"))]


def seconds(r):
    assert r.get("type") == "result" and r.get("from") == "localhost", \
        dump(r)
    query = r.find(q(NS_LAST, "query"))
    assert query is not None and len(query) == 0 and not query.text, dump(r)
    return int(query.get("seconds"))


def test_server_uptime(lethe_factory):
    started = time.monotonic()
    server = lethe_factory()
    local, password, bare = server.new_account()
    c = server.raw()
    try:
        c.login(local, password)
        first = seconds(last_get(c, "localhost"))
        assert 0 <= first <= time.monotonic() - started + 1, first
        time.sleep(1.1)
        second = seconds(last_get(c, "localhost"))
        assert first + 1 <= second <= first + 3, (first, second)
        assert NS_LAST in features(c, "localhost")
        assert NS_LAST not in features(c, bare)
    finally:
        c.close()


def test_accounts(lethe, login):
    c = login()
    _, _, other = lethe.new_account()
    for to in (None, c.jid.split("/", 1)[0], other):
        r = last_get(c, to)
        assert r.get("type") == "error", dump(r)
        assert stanza_error_condition(r) == "service-unavailable", dump(r)
        assert r.find(q(NS_LAST, "query")) is None or \
            r.find(q(NS_LAST, "query")).get("seconds") is None, dump(r)


def test_slixmpp(lethe):
    _, password, bare = lethe.new_account("slix")
    with SlixRun(lethe) as run:
        c = run.client(bare, password)
        c.register_plugin("xep_0012")

        async def scenario():
            run.connect(c)
            assert await run.wait_session(c), run.describe(c)
            return await c.plugin["xep_0012"].get_last_activity(
                "localhost", timeout=5)

        iq = run.run(scenario())
        assert iq["type"] == "result", iq
        assert iq["last_activity"]["seconds"] >= 0, iq
