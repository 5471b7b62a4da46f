"""Entity declarations are <restricted-xml/>: nothing is expanded, nothing
external is fetched, and other streams keep working."""
import pytest

from xmpp_raw import stream_header

LAUGHS = "<!DOCTYPE stream:stream [<!ENTITY a 'lol'>" + "".join(
    "<!ENTITY %s '%s'>" % (chr(ord("b") + i), ("&%s;" % chr(ord("a") + i))
                           * 10) for i in range(9)) + "]>"

ENTITIES = {
    "internal": "<!DOCTYPE stream:stream [<!ENTITY e 'boom'>]>",
    "laughs": LAUGHS,
    "external": "<!DOCTYPE stream:stream "
                "[<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>",
    "parameter": "<!DOCTYPE stream:stream [<!ENTITY % p 'x'> %p;]>",
}
REFS = {"internal": "&e;", "laughs": "&j;", "external": "&xxe;",
        "parameter": ""}


@pytest.mark.parametrize("kind", sorted(ENTITIES))
def test_entity_declaration(lethe, connect, witness, kind):
    c = connect()
    c.send("<?xml version='1.0'?>" + ENTITIES[kind] +
           stream_header(decl=False, to="localhost") + REFS[kind],
           may_fail=True)
    c.expect_stream_error("restricted-xml")
    assert b"root:" not in c.received
    assert b"lollol" not in c.received and b"boom" not in c.received
    witness.assert_alive()


def test_entity_declaration_after_login(lethe, login, witness):
    """After authentication the parser is rebuilt; the restriction holds."""
    c = login()
    # A DOCTYPE inside the stream is not even well-formed XML; either
    # way it must be refused and must not be processed.
    c.send("<!DOCTYPE x [<!ENTITY e 'boom'>]><message>&e;</message>",
           may_fail=True)
    err = c.expect_stream_error_any()
    assert err in ("restricted-xml", "not-well-formed"), err
    assert b"boom" not in c.received
    witness.assert_alive()
