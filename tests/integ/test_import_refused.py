"""lethectl import refuses a malformed file, or one with any unusable
account, with a message and without changing anything; an account that
exists already is never overwritten."""
from pielib import import_file, users

GOOD = ("<user name='first'><scram-credentials xmlns='urn:xmpp:pie:0#scram'"
        " mechanism='SCRAM-SHA-1'><iter-count>4096</iter-count>"
        "<salt>c2FsdHNhbHQ=</salt>"
        "<server-key>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</server-key>"
        "<stored-key>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</stored-key>"
        "</scram-credentials></user>")


def wrap(inner, host="localhost"):
    return ("<server-data xmlns='urn:xmpp:pie:0'><host jid='%s'>%s</host>"
            "</server-data>" % (host, inner))


CASES = {
    "truncated": wrap(GOOD)[:-20],
    "not pie": "<server-data xmlns='urn:other'/>",
    "doctype": "<!DOCTYPE x [<!ENTITY a 'b'>]>" + wrap(GOOD),
    "bad second user": wrap(GOOD + "<user name='a b@c'/>"),
    "bad roster jid": wrap(GOOD.replace(
        "</user>", "<query xmlns='jabber:iq:roster'><item jid='@@'/></query>"
        "</user>")),
    "bad scram key": wrap(GOOD.replace("<stored-key>AAAA", "<stored-key>A")),
    "unknown host": wrap(GOOD, "elsewhere.example"),
    "xinclude": "<server-data xmlns='urn:xmpp:pie:0' "
                "xmlns:xi='http://www.w3.org/2001/XInclude'>"
                "<xi:include href='localhost.xml'/></server-data>",
}


def test_refused_unchanged(lethe):
    before = users(lethe)
    for what, text in CASES.items():
        r = import_file(lethe, text)
        assert r.returncode == 1, (what, r.stdout, r.stderr)
        assert r.stderr.startswith("lethectl: "), (what, r.stderr)
        assert "imported" not in r.stdout, what
        assert users(lethe) == before, what


def test_existing_not_overwritten(lethe, login):
    local, pw, jid = acct = lethe.new_account()
    r = import_file(lethe, wrap(
        "<user name='%s' password='other-password'/>" % local))
    assert r.returncode == 1
    assert "exists" in r.stderr
    login(acct).assert_alive()  # the old password still works
