"""`lethectl deluser` while the daemon runs goes through its control
socket: the account's sessions are closed with <not-authorized/>, its
contacts see it go (unavailable, unsubscribe, unsubscribed, a roster
push removing it), and it can no longer log in."""
from rosterlib import bare, befriend, online, seen_presence, seen_push


def test_deluser_with_daemon_running(lethe, login):
    a = online(login)
    b = online(login)
    befriend(a, b)
    ab = bare(a.jid)
    mark = len(b.history)
    r = lethe.ctl("-y", "deluser", ab)
    assert r.returncode == 0, (r.stdout, r.stderr)
    a.expect_stream_error("not-authorized")
    seen_presence(b, a.jid, "unavailable", since=mark)
    seen_presence(b, ab, "unsubscribe", since=mark)
    seen_presence(b, ab, "unsubscribed", since=mark)
    seen_push(b, ab, mark, subscription="remove")
    b.assert_alive()
    r = lethe.ctl("users", "localhost")
    assert ab not in r.stdout.split()
