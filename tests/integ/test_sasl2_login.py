"""SASL2 (XEP-0388): the <authentication/> feature sits beside the old
<mechanisms/> after TLS; SCRAM-SHA-256 and PLAIN authenticate with no
stream restart; without Bind2 the stream goes on to an RFC 6120 bind."""
from sasl2lib import (NS_BIND2, NS_SASL2, authz, fast_mechanisms, plain,
                      sasl2_mechanisms, scram)
from xmpp_raw import NS_BIND, NS_CLIENT, NS_STREAM, dump, q


def test_features_offer_sasl2_beside_sasl(lethe, connect):
    c = connect()
    feats = c.secure(False)
    assert "SCRAM-SHA-256" in c.mechanisms(feats)
    m = sasl2_mechanisms(feats)
    assert m == c.mechanisms(feats), dump(feats)
    inline = feats.find(q(NS_SASL2, "authentication")).find(
        q(NS_SASL2, "inline"))
    assert inline.find(q(NS_BIND2, "bind")) is not None, dump(feats)
    assert inline.find(q("urn:xmpp:sm:3", "sm")) is not None, dump(feats)
    assert "HT-SHA-256-NONE" in fast_mechanisms(feats), dump(feats)


def test_scram_then_legacy_bind(lethe, connect):
    local, password, bare = lethe.new_account()
    c = connect()
    c.secure(False)
    res = scram(c, local, password)
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    assert authz(res) == bare
    # No restart: the next features come on the same stream.
    feats = c.wait_for(q(NS_STREAM, "features"))
    assert feats.find(q(NS_BIND, "bind")) is not None, dump(feats)
    r = c.bind("laptop")
    assert r.get("type") == "result", dump(r)
    c.assert_alive()


def test_plain_with_bind2(lethe, connect):
    local, password, bare = lethe.new_account()
    c = connect()
    c.secure(False)
    res = plain(c, local, password,
                "<bind xmlns='%s'><tag>phone</tag></bind>" % NS_BIND2)
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    full = authz(res)
    assert full.startswith(bare + "/phone."), full
    assert res.find(q(NS_BIND2, "bound")) is not None, dump(res)
    c.jid = full
    c.assert_alive()
    r = c.request("<iq type='get' id='%s'><query xmlns='jabber:iq:roster'/>"
                  "</iq>")
    assert r.tag == q(NS_CLIENT, "iq") and r.get("type") == "result", dump(r)


def test_same_user_agent_same_resource(lethe, connect):
    local, password, bare = lethe.new_account()
    fulls = []
    for _ in range(2):
        c = connect()
        c.secure(False)
        res = scram(c, local, password,
                    extra="<bind xmlns='%s'><tag>app</tag></bind>" % NS_BIND2,
                    ua_id="d4f1c1e0-8c9a-4a3e-9d56-5b6bd5b1f7a2")
        assert res.tag == q(NS_SASL2, "success"), dump(res)
        fulls.append(authz(res))
        c.close()
    assert fulls[0] == fulls[1], fulls
