"""While an account has no session its roster is sealed (PRIVACY.md,
"Sealed records"), so the server cannot tell whether a prober may see
it: a presence probe to it gets no answer at all, not even
unavailable, exactly as a probe to an account that does not exist. Once
it is back, the same probe is answered."""
import time

from rosterlib import bare, befriend, online, presences, seen_presence, \
    wait_gone
from xmpp_raw import NS_CLIENT, q


def quiet_from(c, since, who, seconds=1.0):
    """Everything from bare JID `who` in c.history[since:] after reading
    for `seconds` (a bounded wait for what must not come)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            c.next_element(deadline - time.monotonic())
        except AssertionError:
            break
    c.assert_alive()
    return [e for e in c.history[since:]
            if (e.get("from") or "").split("/")[0] == who]


def test_probe_to_offline_contact_gets_nothing(lethe, login):
    acct_b = lethe.new_account()
    a = online(login)
    b = online(login, acct_b)
    befriend(a, b)
    bb = acct_b[2]
    b.close()
    wait_gone(a, b.jid)
    seen_presence(a, b.jid, "unavailable")

    mark = len(a.history)
    a.presence(to=bb, ptype="probe")
    a.presence(to="nosuchuser-probe@localhost", ptype="probe")
    assert quiet_from(a, mark, bb) == []
    assert quiet_from(a, mark, "nosuchuser-probe@localhost", 0.2) == []
    # No presence of any kind came back for the probes.
    assert [e for e in a.history[mark:]
            if e.tag == q(NS_CLIENT, "presence")] == []

    # Back online: the same probe brings its presence.
    b = online(login, acct_b, "back")
    mark = len(a.history)
    a.presence(to=bb, ptype="probe")
    seen_presence(a, b.jid, None, mark)
    assert presences(a, mark, b.jid, "unavailable") == []


def test_login_probes_get_nothing_from_offline_contacts(lethe, login):
    acct_a = lethe.new_account()
    acct_b = lethe.new_account()
    a = online(login, acct_a)
    b = online(login, acct_b)
    befriend(a, b)
    b.close()
    wait_gone(a, b.jid)
    a.close()
    wait_gone(online(login), a.jid)

    # a's initial presence probes b (subscription both): b is away.
    again = online(login, acct_a, "again")
    assert quiet_from(again, 0, acct_b[2]) == []
    assert bare(again.jid) == acct_a[2]
