"""XML that is not well-formed (or not namespace-well-formed) ends the
stream with <not-well-formed/>; other streams keep working."""
import pytest

AFTER_LOGIN = {
    "mismatched": "<message><body>x</message>",
    "duplicate-attribute": "<message to='a@localhost' to='b@localhost'/>",
    "unbound-prefix": "<message><foo:bar/></message>",
    "bad-name": "<message><1x/></message>",
    "unquoted-attribute": "<message to=a@localhost/>",
    "stray-close": "</message>",
    "lt-in-attribute": "<message id='<'/>",
    "undefined-entity": "<message><body>&nosuch;</body></message>",
}


@pytest.mark.parametrize("kind", sorted(AFTER_LOGIN))
def test_after_login(lethe, login, witness, kind):
    c = login()
    c.send(AFTER_LOGIN[kind], may_fail=True)
    c.expect_stream_error("not-well-formed")
    witness.assert_alive()


def test_garbage_instead_of_header(lethe, connect, witness):
    c = connect()
    c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", may_fail=True)
    c.expect_stream_error("not-well-formed")
    witness.assert_alive()


def test_mismatched_before_tls(lethe, connect, witness):
    c = connect()
    c.open_stream()
    c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'></proceed>",
           may_fail=True)
    c.expect_stream_error("not-well-formed")
    witness.assert_alive()

