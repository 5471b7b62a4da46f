"""Software version (XEP-0092) when the operator turns it on
([server] software_version = true): the server answers with its name and
version and never the operating system, advertises the feature, and
answers only for itself (accounts' bare JIDs do not)."""
from slixclient import SlixRun
from xmpp_raw import NS_DISCO_INFO, dump, q, stanza_error_condition

NS_VERSION = "jabber:iq:version"


def test_on(lethe_factory):
    server = lethe_factory({"server": {"software_version": "true"}})
    local, password, bare = server.new_account()
    c = server.raw()
    try:
        c.login(local, password)
        r = c.request("<iq type='get' id='%%s' to='localhost'>"
                      "<query xmlns='%s'/></iq>" % NS_VERSION)
        assert r.get("type") == "result", dump(r)
        query = r.find(q(NS_VERSION, "query"))
        assert [e.tag for e in query] == [q(NS_VERSION, "name"),
                                          q(NS_VERSION, "version")], dump(r)
        assert query.find(q(NS_VERSION, "name")).text == "Lethe"
        assert query.find(q(NS_VERSION, "version")).text == "0.1.0"
        assert query.find(q(NS_VERSION, "os")) is None
        r = c.request("<iq type='get' id='%%s' to='localhost'>"
                      "<query xmlns='%s'/></iq>" % NS_DISCO_INFO)
        vars_ = [f.get("var") for f in r.find(q(NS_DISCO_INFO, "query"))
                 .findall(q(NS_DISCO_INFO, "feature"))]
        assert vars_.count(NS_VERSION) == 1, vars_
        r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                      "</iq>" % (bare, NS_VERSION))
        assert stanza_error_condition(r) == "service-unavailable", dump(r)
    finally:
        c.close()
    with SlixRun(server) as run:
        s = run.client(bare, password)
        s.register_plugin("xep_0092")

        async def scenario():
            run.connect(s)
            assert await run.wait_session(s), run.describe(s)
            return await s.plugin["xep_0092"].get_version("localhost",
                                                          timeout=5)

        iq = run.run(scenario())
        assert iq["software_version"]["name"] == "Lethe", iq
        assert iq["software_version"]["version"] == "0.1.0", iq
        assert iq["software_version"]["os"] == "", iq
