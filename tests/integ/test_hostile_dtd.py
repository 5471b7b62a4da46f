"""A document type declaration anywhere in a stream is <restricted-xml/>
(RFC 6120 §11.1), and the other streams are unaffected."""
import pytest

from xmpp_raw import stream_header

DTDS = {
    "external": "<!DOCTYPE stream:stream SYSTEM 'http://127.0.0.1:1/x.dtd'>",
    "internal": "<!DOCTYPE stream:stream [<!ELEMENT stream:stream ANY>]>",
    "empty": "<!DOCTYPE stream:stream>",
}


@pytest.mark.parametrize("dtd", sorted(DTDS))
@pytest.mark.parametrize("direct", [False, True], ids=["plain", "direct"])
def test_dtd_before_header(lethe, connect, witness, dtd, direct):
    c = connect(direct=direct)
    c.send("<?xml version='1.0'?>" + DTDS[dtd] + stream_header(decl=False),
           may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()


def test_dtd_in_restarted_stream_after_starttls(lethe, connect, witness):
    c = connect()
    c.starttls(restart=False)
    # The parser is new after TLS; the restart header carries a DTD.
    c.send("<?xml version='1.0'?>" + DTDS["internal"] +
           stream_header(decl=False), may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()


def test_dtd_in_restarted_stream_after_sasl(lethe, connect, witness):
    local, password, _ = lethe.new_account()
    c = connect()
    c.starttls()
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag.endswith("}success")
    c.restart()
    c.send("<?xml version='1.0'?>" + DTDS["internal"] +
           stream_header(decl=False), may_fail=True)
    c.expect_stream_error("restricted-xml")
    witness.assert_alive()
