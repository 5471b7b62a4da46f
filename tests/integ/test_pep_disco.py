"""An account's disco#info advertises PEP: identity pubsub/pep and the
pubsub features that work (XEP-0163 §6), including publish-options."""
from rosterlib import bare, online
from xmpp_raw import dump, q

NS_INFO = "http://jabber.org/protocol/disco#info"
PS = "http://jabber.org/protocol/pubsub"


def test_account_info(lethe, login):
    c = online(login)
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (bare(c.jid), NS_INFO))
    assert r.get("type") == "result", dump(r)
    query = r.find(q(NS_INFO, "query"))
    ids = {(i.get("category"), i.get("type"))
           for i in query.findall(q(NS_INFO, "identity"))}
    assert ("pubsub", "pep") in ids, dump(r)
    feats = {f.get("var") for f in query.findall(q(NS_INFO, "feature"))}
    for f in ("publish", "publish-options", "auto-create", "access-open",
              "access-presence", "access-roster", "access-whitelist",
              "persistent-items", "retrieve-items", "delete-items",
              "purge-nodes", "config-node", "retract-items", "subscribe",
              "last-published", "filtered-notifications"):
        assert "%s#%s" % (PS, f) in feats, f
    # Server disco does not claim to be a PEP service.
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (lethe.host, NS_INFO))
    ids = {(i.get("category"), i.get("type"))
           for i in r.find(q(NS_INFO, "query")).findall(q(NS_INFO,
                                                          "identity"))}
    assert ("pubsub", "pep") not in ids, dump(r)
