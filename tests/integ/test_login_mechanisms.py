"""Login with every SASL mechanism the server offers, over STARTTLS and
over direct TLS, each with this suite's own client implementation; a
successful SCRAM exchange must also carry a correct server signature."""
import ssl

import pytest

from xmpp_raw import NS_SASL, client_context, dump, q

MECHANISMS = [
    "SCRAM-SHA-1",
    "SCRAM-SHA-256",
    "SCRAM-SHA-512",
    "SCRAM-SHA-1-PLUS",
    "SCRAM-SHA-256-PLUS",
    "SCRAM-SHA-512-PLUS",
    "PLAIN",
]


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
def test_offered_mechanisms(lethe, connect, direct):
    c = connect(direct=direct)
    feats = c.secure(direct)
    mechs = c.mechanisms(feats)
    for m in MECHANISMS:
        assert m in mechs, "%s not offered: %s" % (m, dump(feats))
    assert "tls-server-end-point" in c.channel_bindings(feats), dump(feats)


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_login(lethe, connect, mechanism, direct):
    local, password, bare = lethe.new_account()
    c = connect(direct=direct)
    jid = c.login(local, password, mechanism=mechanism, resource="res",
                  direct=direct)
    assert jid == bare + "/res"
    # The session works: the server answers a ping.
    c.assert_alive()


def test_plain_not_offered_before_tls(lethe, connect):
    c = connect()
    feats = c.open_stream()
    assert feats.find(q(NS_SASL, "mechanisms")) is None, dump(feats)


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256-PLUS", "PLAIN"])
def test_login_over_tls12(lethe, clients, mechanism, direct):
    """Channel binding and PLAIN work on TLS 1.2 as on TLS 1.3."""
    ctx = client_context(min_version=ssl.TLSVersion.TLSv1_2,
                         max_version=ssl.TLSVersion.TLSv1_2)
    local, password, bare = lethe.new_account()
    c = lethe.raw(direct=direct, context=ctx) if direct else lethe.raw()
    clients.append(c)
    if direct:
        feats = c.open_stream()
    else:
        feats = c.starttls(context=ctx)
    assert c.sock.version() == "TLSv1.2"
    assert mechanism in c.mechanisms(feats)
    res = c.authenticate(local, password, mechanism)
    assert res.tag == q(NS_SASL, "success"), dump(res)
