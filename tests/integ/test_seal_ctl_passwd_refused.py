"""lethectl passwd on an account with sealing keys wants a typed "yes" on
a terminal or --yes: from a script without --yes it refuses with a
message that says why and how, exits non-zero and changes nothing (the
old password still works, the new one does not). An account without keys
(sealing off) needs no confirmation. On a terminal, anything but "yes"
declines before a password is asked for."""
import os
import subprocess
import time

from conftest import LETHECTL
from sealctllib import can_login


def test_refused_without_confirmation(lethe):
    local, pw, bare = lethe.new_account("refuse")
    assert can_login(lethe, local, pw)  # the keys exist, as at adduser
    r = lethe.ctl("passwd", bare, stdin="another-password\n")
    assert r.returncode == 1, r
    assert "--yes" in r.stderr and "nothing changed" in r.stderr, r.stderr
    assert "sealed" in r.stderr, r.stderr
    assert r.stdout == "", r.stdout
    assert can_login(lethe, local, pw)
    assert not can_login(lethe, local, "another-password")


def test_no_keys_no_question(lethe_factory):
    s = lethe_factory({"server": {"sealing": "false"}})
    local, pw, bare = s.new_account("clear")
    r = s.ctl("passwd", bare, stdin="another-password\n")
    assert r.returncode == 0, r.stderr
    assert "deleted" not in r.stdout, r.stdout
    assert can_login(s, local, "another-password")
    assert not can_login(s, local, pw)


def test_terminal_answer_no(lethe):
    local, pw, bare = lethe.new_account("tty")
    master, slave = os.openpty()
    try:
        p = subprocess.Popen([LETHECTL, "-c", lethe.conf_path, "passwd",
                              bare], stdin=slave, stdout=subprocess.PIPE,
                             stderr=slave, close_fds=True)
        os.close(slave)
        slave = None
        seen = b""
        deadline = time.monotonic() + 10
        while b"Type yes" not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
        assert b"Type yes" in seen and b"old password" in seen, seen
        os.write(master, b"y\n")
        out, _ = p.communicate(timeout=10)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert p.returncode == 1, (p.returncode, out)
    assert out == b"", out
    assert can_login(lethe, local, pw)
