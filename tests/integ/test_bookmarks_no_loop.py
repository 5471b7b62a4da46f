"""One bookmark write makes one round of copies (XEP-0411): a client
interested in both nodes gets exactly one notification per node, never a
ping-pong between the forms; and the account advertises the compat
features."""
import time

from bookmarkslib import (NS_LEGACY, NS_NATIVE, private_set,
                          publish_legacy, publish_native, storage_xml)
from peplib import caps_presence, events
from rosterlib import bare, online
from xmpp_raw import dump, q

NS_INFO = "http://jabber.org/protocol/disco#info"
A = "council@conference.example.org"


def settle(c):
    c.assert_alive()
    time.sleep(0.3)
    c.assert_alive()


def counts(c, mark):
    me = bare(c.jid)
    return (len(events(c, me, NS_NATIVE, mark)),
            len(events(c, me, NS_LEGACY, mark)))


def test_one_write_one_round(lethe, login):
    c = online(login)
    caps_presence(c, [NS_NATIVE + "+notify", NS_LEGACY + "+notify"])
    settle(c)
    mark = len(c.history)
    publish_native(c, A, name="Council")
    settle(c)
    assert counts(c, mark) == (1, 1)
    mark = len(c.history)
    publish_legacy(c, {A: dict(name="Renamed")})
    settle(c)
    assert counts(c, mark) == (1, 1)
    mark = len(c.history)
    private_set(c, storage_xml({A: dict(name="Again")}))
    settle(c)
    assert counts(c, mark) == (1, 1)
    # Written again as it is: the native item is left alone and the
    # legacy node is not published again.
    mark = len(c.history)
    private_set(c, storage_xml({A: dict(name="Again")}))
    settle(c)
    assert counts(c, mark) == (0, 0)


def test_compat_features(lethe, login):
    c = online(login)
    r = c.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (bare(c.jid), NS_INFO))
    assert r.get("type") == "result", dump(r)
    feats = {f.get("var") for f in
             r.find(q(NS_INFO, "query")).findall(q(NS_INFO, "feature"))}
    assert NS_NATIVE + "#compat" in feats, dump(r)
    assert NS_NATIVE + "#compat-pep" in feats, dump(r)
