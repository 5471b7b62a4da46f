"""A stream header naming a domain this server does not serve gets
<host-unknown/>; the domain is compared after normalization; a restarted
stream cannot switch to another host."""
import pytest

from xmpp_raw import NS_SASL, dump, q, stream_header


@pytest.mark.parametrize("to", ["example.org", "localhost.example",
                                "xn--nxasmq6b.example", "127.0.0.1"])
def test_unknown_host(lethe, connect, witness, to):
    c = connect()
    c.send(stream_header(to=to), may_fail=True)
    c.expect_stream_error("host-unknown")
    witness.assert_alive()


def test_unknown_host_direct_tls(lethe, connect, witness):
    c = connect(direct=True)
    c.send(stream_header(to="example.org"), may_fail=True)
    c.expect_stream_error("host-unknown")
    witness.assert_alive()


def test_case_is_normalized(lethe, connect):
    c = connect()
    feats = c.open_stream(to="LocalHost")
    assert feats is not None
    assert c.header.get("from") == "localhost", c.header.attrib


def test_switch_host_after_starttls(lethe, connect, witness):
    c = connect()
    c.starttls(restart=False)
    c.send(stream_header(to="example.org"), may_fail=True)
    c.expect_stream_error("host-unknown")
    witness.assert_alive()


def test_switch_host_after_sasl(lethe, connect, witness):
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "success"), dump(res)
    c.restart()
    c.send(stream_header(to="example.org"), may_fail=True)
    c.expect_stream_error("host-unknown")
    witness.assert_alive()
