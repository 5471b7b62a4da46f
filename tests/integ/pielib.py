"""Helpers for the XEP-0227 export and import tests: write a file, run
lethectl import, and read back an account's data over XMPP."""
import os
import secrets

from rosterlib import groups, items, roster_get
from xmpp_raw import NS_CLIENT, dump, q

NS_PIE = "urn:xmpp:pie:0"


def import_file(lethe, text):
    """Writes text to a file in the server's directory and imports it;
    returns the finished process."""
    path = os.path.join(lethe.dir, "import-%s.xml" % secrets.token_hex(4))
    with open(path, "w") as f:
        f.write(text)
    return lethe.ctl("import", path)


def users(lethe):
    r = lethe.ctl("users", lethe.host)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def roster_of(c):
    """jid → (name, groups, subscription, ask) of c's roster."""
    return {j: (i.get("name"), groups(i), i.get("subscription"),
                i.get("ask"))
            for j, i in items(roster_get(c)).items()}


def vcard_of(c):
    r = c.request("<iq type='get' id='%s'><vCard xmlns='vcard-temp'/></iq>")
    assert r.get("type") == "result", dump(r)
    v = r.find(q("vcard-temp", "vCard"))
    fn = v.find(q("vcard-temp", "FN")) if v is not None else None
    return fn.text if fn is not None else None


def private_of(c, ns, name):
    r = c.request("<iq type='get' id='%%s'><query xmlns='jabber:iq:private'>"
                  "<%s xmlns='%s'/></query></iq>" % (name, ns))
    assert r.get("type") == "result", dump(r)
    el = r.find(q("jabber:iq:private", "query")).find(q(ns, name))
    return el


def offline_bodies(c, n):
    """Bodies of the messages with a body received once n of them came
    after initial presence (delivery is asynchronous)."""
    def bodies():
        return [b for b in (e.findtext(q(NS_CLIENT, "body"))
                            for e in c.history
                            if e.tag == q(NS_CLIENT, "message"))
                if b is not None]
    c.presence(priority=0)
    while len(bodies()) < n:
        c.wait_for(lambda e: e.tag == q(NS_CLIENT, "message"))
    c.assert_alive()
    return bodies()
