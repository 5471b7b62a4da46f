"""The control socket: DATA_DIR/control.sock, 0600 in a 0700 directory,
answers `lethectl status` with aggregate counts only, bounds a request
line, refuses a second daemon on the same data directory and is removed
at exit (then lethectl says no server is running)."""
import os
import socket
import stat
import subprocess
import time

from conftest import LETHE


def sock_path(server):
    return os.path.join(server.dir, "data", "control.sock")


def raw_call(server, data, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path(server))
    s.sendall(data)
    out = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    s.close()
    return out.decode()


def test_status_and_modes(lethe_factory):
    server = lethe_factory()
    local, pw, _ = server.new_account()
    c = server.raw()
    c.login(local, pw)
    r = server.ctl("status")
    assert r.returncode == 0, r.stderr
    lines = dict(l.split("=", 1) for l in r.stdout.split())
    assert set(lines) == {"uptime", "streams", "sessions", "store_requests",
                          "store_requests_max", "accounts_unlocked",
                          "sealing", "accounts", "accounts_sealed",
                          "accounts_not_sealed"}
    assert int(lines["sessions"]) == 1
    assert int(lines["streams"]) >= 1
    assert local not in r.stdout
    st = os.stat(sock_path(server))
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(sock_path(server))).st_mode) \
        == 0o700
    c.close()


def test_protocol_errors(lethe_factory):
    server = lethe_factory()
    assert raw_call(server, b"nosuchcommand\n") == "error unknown command\n"
    assert raw_call(server, b"status extra\n").startswith("error ")
    out = raw_call(server, b"x" * 5000)
    assert out == "error request too long\n"
    out = raw_call(server, b"status\n")
    assert out.endswith("\nok\n")
    assert all(l.startswith("- ") for l in out.splitlines()[:-1])
    # Clients that connect and vanish cost nothing lasting: past a burst
    # (where some may be told "error busy"), status answers again.
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock_path(server))
        s.close()
    deadline = time.monotonic() + 5
    while True:
        out = raw_call(server, b"status\n")
        if out.endswith("\nok\n") or time.monotonic() > deadline:
            break
        assert out == "error busy\n", out
        time.sleep(0.1)
    assert out.endswith("\nok\n")
    assert server.alive()


def test_second_daemon_refused_and_removed_at_exit(lethe_factory):
    server = lethe_factory()
    r = subprocess.run([LETHE, "-c", server.conf_path],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=20)
    assert r.returncode != 0
    assert "another lethe is running" in r.stderr
    # The first daemon still answers.
    assert server.ctl("status").returncode == 0
    server.exit_checked = True
    assert server.stop() == 0
    assert not os.path.exists(sock_path(server))
    r = server.ctl("status")
    assert r.returncode == 1
    assert "not running" in r.stderr


def test_stale_socket_replaced(lethe_factory):
    server = lethe_factory(start=False)
    # A socket file nobody listens on, as a crashed daemon leaves it.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock_path(server))
    s.close()
    server.start()
    assert server.ctl("status").returncode == 0
