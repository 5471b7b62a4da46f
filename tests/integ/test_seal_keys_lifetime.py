"""An account's unwrapped keys stay in memory exactly while it has a
session, a resumable one included (PRIVACY.md, "Sealed records"), as
`lethectl status` counts them (accounts_unlocked): a login opens them,
a second session of the same account shares them, the last session's
end wipes them; a connection that drops with stream management keeps
them until the resume timeout passes, and a resumption keeps them
throughout; an abandoned login leaves nothing open."""
import time

from smlib import authenticate_only, enable, resume

LETHE_CONF = {"limits": {"resume_timeout": "2s"}}


def unlocked(server):
    r = server.ctl("status")
    assert r.returncode == 0, r.stderr
    return int(dict(l.split("=", 1) for l in r.stdout.split())
               ["accounts_unlocked"])


def settles(server, want, timeout=5.0):
    """The count reaches want (locks are queued to the storage thread)
    and stays there a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if unlocked(server) == want:
            return True
        time.sleep(0.05)
    return unlocked(server) == want


def test_sessions_hold_the_keys(lethe):
    assert settles(lethe, 0)
    acct = lethe.new_account()
    a = lethe.raw()
    a.login(acct[0], acct[1])
    assert settles(lethe, 1)
    b = lethe.raw()
    b.login(acct[0], acct[1], resource="second")
    assert settles(lethe, 1)
    other = lethe.new_account()
    c = lethe.raw()
    c.login(other[0], other[1])
    assert settles(lethe, 2)
    a.close()
    time.sleep(0.3)
    assert unlocked(lethe) == 2  # b still holds acct open
    b.close()
    assert settles(lethe, 1)
    c.close()
    assert settles(lethe, 0)


def test_resumable_session_holds_them_until_timeout(lethe):
    assert settles(lethe, 0)
    acct = lethe.new_account()
    a = lethe.raw()
    a.login(acct[0], acct[1])
    enabled = enable(a)
    a.sock.close()  # dropped, not closed: the session is detached
    time.sleep(0.8)
    assert unlocked(lethe) == 1
    # Resumed within the timeout: open throughout.
    b = lethe.raw()
    authenticate_only(b, acct[0], acct[1])
    res = resume(b, enabled.get("id"), 0)
    assert res.tag.endswith("resumed"), res.tag
    assert settles(lethe, 1)
    b.sock.close()
    time.sleep(0.8)
    assert unlocked(lethe) == 1
    # Never resumed: wiped when the timeout passes.
    assert settles(lethe, 0, timeout=6.0)


def test_abandoned_login_leaves_nothing(lethe):
    assert settles(lethe, 0)
    acct = lethe.new_account()
    for _ in range(5):
        c = lethe.raw()
        c.secure(False)
        c.authenticate(acct[0], acct[1], "SCRAM-SHA-256")
        c.sock.close()  # before binding anything
    assert settles(lethe, 0)
