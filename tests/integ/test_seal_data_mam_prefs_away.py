"""Archiving preferences hold for messages received while the account is
away, when its sealed preferences and roster cannot be read: whatever is
archived then is checked at the next login, so a peer on the never list
is gone from the archive once the account is back, a 'roster' default
keeps contacts only, an always list keeps its peers under a 'never'
default, and every other message is still there."""
import time

from mamlib import NS_MAM, bodies, query, settle
from rosterlib import bare, befriend, online
from xmpp_raw import dump, xml_escape

def prefs_set(c, default, always=(), never=()):
    def lst(name, jids):
        return "<%s>%s</%s>" % (name, "".join(
            "<jid>%s</jid>" % xml_escape(j) for j in jids), name)
    r = c.request("<iq type='set' id='%%s'><prefs xmlns='%s' default='%s'>"
                  "%s%s</prefs></iq>" % (NS_MAM, default,
                                         lst("always", always),
                                         lst("never", never)))
    assert r.get("type") == "result", dump(r)


def end(c):
    """Logs out: the stream is closed and the session gone."""
    c.send("</stream:stream>")
    c.read_to_eof()


def archive_becomes(c, want, timeout=5.0):
    """Waits (bounded) for the archive's bodies to be `want`: the check at
    login runs after the preferences and the roster are read."""
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        settle(c)
        got = bodies(query(c)[0])
        if got == want:
            return
        time.sleep(0.1)
    raise AssertionError("archive %r, expected %r" % (got, want))


def away_then_back(lethe, login, acct, senders_bodies):
    """acct is away while each (client, body) is sent; returns it back."""
    for c, b in senders_bodies:
        c.message(acct[2], b)
    for c, _ in senders_bodies:
        settle(c)
    return online(login, acct)


def test_never_list(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    b, c = online(login), online(login)
    prefs_set(a, "always", never=[bare(c.jid)])
    end(a)
    a = away_then_back(lethe, login, acct, [(b, "b-1"), (c, "c-1"),
                                            (b, "b-2"), (c, "c-2")])
    archive_becomes(a, ["b-1", "b-2"])
    # Checked once: a later message from b is kept, c's never.
    b.message(acct[2], "b-3")
    c.message(acct[2], "c-3")
    a.wait_message("c-3")
    archive_becomes(a, ["b-1", "b-2", "b-3"])
    # The sender's own archive keeps what it sent.
    assert bodies(query(c)[0]) == ["c-1", "c-2", "c-3"]


def test_roster_default(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    b, c = online(login), online(login)
    befriend(a, b)
    prefs_set(a, "roster")
    end(a)
    a = away_then_back(lethe, login, acct, [(c, "stranger"),
                                            (b, "contact")])
    archive_becomes(a, ["contact"])


def test_always_list_under_never(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    b, c = online(login), online(login)
    prefs_set(a, "never", always=[bare(b.jid)])
    end(a)
    a = away_then_back(lethe, login, acct, [(b, "listed"), (c, "other")])
    archive_becomes(a, ["listed"])


def test_preferences_survive(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    prefs_set(a, "roster", always=["x@localhost"], never=["y@localhost"])
    end(a)
    a = online(login, acct)
    r = a.request("<iq type='get' id='%%s'><prefs xmlns='%s'/></iq>"
                  % NS_MAM)
    assert r.get("type") == "result", dump(r)
    p = r.find("{%s}prefs" % NS_MAM)
    assert p.get("default") == "roster", dump(r)
    assert [j.text for j in p.find("{%s}always" % NS_MAM)] == \
        ["x@localhost"], dump(r)
    assert [j.text for j in p.find("{%s}never" % NS_MAM)] == \
        ["y@localhost"], dump(r)
