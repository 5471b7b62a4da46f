"""lethectl import reads Prosody- and ejabberd-style XEP-0227 files with
a plaintext password attribute: the account logs in with it, its roster,
waiting subscription request, vCard, private XML and offline messages
are there, and the password itself is nowhere in the database."""
import os

from pielib import (import_file, offline_bodies, private_of, roster_of,
                    vcard_of)

PROSODY = """<?xml version='1.0' encoding='utf-8'?>
<server-data xmlns='urn:xmpp:pie:0'>
  <host jid='localhost'>
    <user name='juliet' password='R0meo-for-ever'>
      <query xmlns='jabber:iq:roster' version='5'>
        <item jid='romeo@montague.example' subscription='both' name='Romeo'>
          <group>Lovers</group>
        </item>
        <item jid='nurse@localhost' subscription='none' ask='subscribe'/>
      </query>
      <presence xmlns='jabber:client' from='tybalt@capulet.example'
                type='subscribe'/>
      <vCard xmlns='vcard-temp'><FN>Juliet Capulet</FN></vCard>
      <query xmlns='jabber:iq:private'>
        <storage xmlns='storage:rosternotes'><note jid='romeo@montague.example'>
        hmm</note></storage>
      </query>
      <offline-messages>
        <message xmlns='jabber:client' from='romeo@montague.example/orchard'
                 to='juliet@localhost' type='chat'>
          <body>Wherefore art thou?</body>
          <delay xmlns='urn:xmpp:delay' from='localhost'
                 stamp='%s'/>
        </message>
      </offline-messages>
    </user>
  </host>
</server-data>
"""

EJABBERD = """<?xml version='1.0' encoding='UTF-8'?>
<server-data xmlns='urn:xmpp:pie:0'><host jid='localhost'><user name='Benvolio' password='m3rcutio!'><query xmlns='jabber:iq:roster'><item jid='romeo@montague.example' name='Cousin' subscription='to'><group>Family</group></item></query><vCard xmlns='vcard-temp'><FN>Benvolio</FN></vCard></user></host></server-data>"""


def stamp():
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) - \
        datetime.timedelta(minutes=5)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def db_bytes(lethe):
    out = b""
    d = os.path.join(lethe.dir, "data")
    for name in os.listdir(d):
        if not os.path.isfile(os.path.join(d, name)):
            continue
        with open(os.path.join(d, name), "rb") as f:
            out += f.read()
    return out


def test_prosody_style(lethe):
    r = import_file(lethe, PROSODY % stamp())
    assert r.returncode == 0, r.stderr
    assert "imported juliet@localhost" in r.stdout
    c = lethe.raw()
    try:
        c.login("juliet", "R0meo-for-ever")
        ros = roster_of(c)
        assert ros["romeo@montague.example"] == \
            ("Romeo", ["Lovers"], "both", None)
        assert ros["nurse@localhost"][2:] == ("none", "subscribe")
        assert "tybalt@capulet.example" not in ros  # a request, no item
        assert vcard_of(c) == "Juliet Capulet"
        assert private_of(c, "storage:rosternotes", "storage") is not None
        bodies = offline_bodies(c, 1)
        assert bodies == ["Wherefore art thou?"], bodies
        # The waiting request is shown at initial presence.
        assert any(e.get("type") == "subscribe" and
                   e.get("from") == "tybalt@capulet.example"
                   for e in c.history)
    finally:
        c.close()
    assert b"R0meo-for-ever" not in db_bytes(lethe)


def test_ejabberd_style(lethe):
    r = import_file(lethe, EJABBERD)
    assert r.returncode == 0, r.stderr
    c = lethe.raw()
    try:
        c.login("benvolio", "m3rcutio!")  # names are normalized
        assert roster_of(c)["romeo@montague.example"] == \
            ("Cousin", ["Family"], "to", None)
        assert vcard_of(c) == "Benvolio"
    finally:
        c.close()
