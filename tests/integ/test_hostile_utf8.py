"""Bytes that are not UTF-8 (or are characters XML 1.0 forbids) end the
stream with <not-well-formed/>, in a stanza, in an attribute or in the
stream header; correct multi-byte text passes untouched."""
import pytest

from xmpp_raw import NS_CLIENT, q, stream_header

BAD = {
    "ff": b"\xff",
    "overlong": b"\xc0\xaf",
    "surrogate": b"\xed\xa0\x80",
    "beyond-10ffff": b"\xf4\x90\x80\x80",
    "truncated": b"\xe2\x82",
    "lone-continuation": b"\x80",
    "control-char": b"\x01",
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_in_body_after_login(lethe, login, witness, kind):
    c = login()
    c.send(b"<message to='" + witness.jid.encode() + b"'><body>a" +
           BAD[kind] + b"b</body></message>", may_fail=True)
    c.expect_stream_error("not-well-formed")
    witness.assert_alive()


@pytest.mark.parametrize("kind", ["ff", "overlong", "surrogate"])
def test_in_attribute_after_login(lethe, login, witness, kind):
    c = login()
    c.send(b"<message id='a" + BAD[kind] + b"' to='" + witness.jid.encode() +
           b"'><body>x</body></message>", may_fail=True)
    c.expect_stream_error("not-well-formed")
    witness.assert_alive()


@pytest.mark.parametrize("kind", ["ff", "overlong", "surrogate"])
def test_in_stream_header(lethe, connect, witness, kind):
    c = connect()
    hdr = stream_header().encode()
    hdr = hdr.replace(b"xml:lang='en'", b"xml:lang='e" + BAD[kind] + b"'")
    c.send(hdr, may_fail=True)
    c.expect_stream_error("not-well-formed")
    witness.assert_alive()


def test_valid_multibyte_passes(lethe, login, witness):
    c = login()
    body = "h\u00e9llo \u2713 \U0001f600 \u4e2d\u6587"
    c.message(c.jid, body)
    m = c.wait_message(body)
    assert m.find(q(NS_CLIENT, "body")).text == body
