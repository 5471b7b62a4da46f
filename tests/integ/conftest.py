"""Fixtures for the integration tests: a real lethe on loopback.

LETHE_BUILD names the meson build directory with the `lethe` and
`lethectl` binaries (default: build-integ at the top of the tree). Each
test module gets its own server with its own configuration, data and
certificates in a temporary directory; it must stop with exit status 0
on SIGTERM, and its stderr is kept for assertions and failure reports.
"""
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import xmpp_raw  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("LETHE_BUILD", os.path.join(TOP, "build-integ"))
LETHE = os.path.join(BUILD, "lethe")
LETHECTL = os.path.join(BUILD, "lethectl")
GEN_CERT = os.path.join(TOP, "tools", "gen-cert")
HOST = "localhost"

# Test-friendly limits: small enough that the limit tests stay quick,
# account_failures high so that one test's wrong passwords cannot lock
# another test's account, and no per-address limits (every test connects
# from 127.0.0.1; the abuse tests set their own).
DEFAULT_CONF = {
    "server": {
        "data_dir": "data",
        "log_level": "debug",
        "scram_iterations": "4096",
    },
    "limits": {
        "stanza_bytes": "16k",
        "depth": "16",
        "auth_timeout": "2s",
        "auth_attempts": "3",
        "account_failures": "1000",
        "connections_per_address": "0",
        "login_failures_per_address": "0",
    },
}

_names = itertools.count(1)


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (bound together, then
    released, so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def make_certs(directory, *hosts):
    r = subprocess.run([GEN_CERT, directory] + list(hosts),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def render_conf(conf):
    out = []
    for section, keys in conf.items():
        out.append("[%s]" % section)
        for k, v in keys.items():
            out.append("%s = %s" % (k, v))
        out.append("")
    return "\n".join(out)


class Lethe:
    """One server process with its own directory."""

    def __init__(self, workdir, certdir, overrides=None):
        for exe in (LETHE, LETHECTL):
            if not os.access(exe, os.X_OK):
                pytest.fail("%s is missing: build it (LETHE_BUILD=%s)" %
                            (exe, BUILD))
        self.dir = str(workdir)
        self.host = HOST
        self.starttls_port, self.tls_port = free_ports(2)
        os.makedirs(os.path.join(self.dir, "certs"), exist_ok=True)
        for ext in ("crt", "key"):
            shutil.copy(os.path.join(certdir, "%s.%s" % (HOST, ext)),
                        os.path.join(self.dir, "certs"))
        os.makedirs(os.path.join(self.dir, "data"), mode=0o700,
                    exist_ok=True)
        conf = {k: dict(v) for k, v in DEFAULT_CONF.items()}
        for section, keys in (overrides or {}).items():
            conf.setdefault(section, {}).update(keys)
        # Overrides may add keys to the host section (contacts...).
        conf["host %s" % HOST] = dict({
            "certificate": "certs/%s.crt" % HOST,
            "key": "certs/%s.key" % HOST,
        }, **conf.get("host %s" % HOST, {}))
        conf["listen c2s"] = {
            "address": "127.0.0.1",
            "port": str(self.starttls_port),
            "tls": "starttls",
        }
        conf["listen c2s-tls"] = {
            "address": "127.0.0.1",
            "port": str(self.tls_port),
            "tls": "direct",
        }
        self.conf_path = os.path.join(self.dir, "lethe.ini")
        with open(self.conf_path, "w") as f:
            f.write(render_conf(conf))
        self.log_path = os.path.join(self.dir, "lethe.log")
        self.proc = None
        self.exit_checked = False

    # --- process ---

    def start(self, timeout=10.0):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([LETHE, "-c", self.conf_path],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + timeout
        pending = [self.starttls_port, self.tls_port]
        while pending:
            if self.proc.poll() is not None:
                pytest.fail("lethe exited with %s at start-up:\n%s" %
                            (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait(5)
                pytest.fail("lethe did not accept connections within "
                            "%.0fs:\n%s" % (timeout, self.log()))
            try:
                socket.create_connection(("127.0.0.1", pending[0]),
                                         timeout=1).close()
                pending.pop(0)
            except OSError:
                time.sleep(0.05)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM; returns the exit status (killing it on a hang)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                self._log.close()
                return "hung after SIGTERM"
        self._log.close()
        return self.proc.returncode

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=10.0):
        """For tests that stop the server themselves: waits for the exit
        and returns the status (the fixture then checks nothing more)."""
        self.exit_checked = True
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return "hung"

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, text, timeout=5.0, start=0):
        """Waits until text appears in the log after offset start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log()[start:]:
                return
            if not self.alive():
                break
            time.sleep(0.05)
        pytest.fail("%r not logged within %.0fs:\n%s" %
                    (text, timeout, self.log()[-3000:]))

    # --- lethectl ---

    def ctl(self, *args, stdin=None, timeout=30):
        return subprocess.run([LETHECTL, "-c", self.conf_path] + list(args),
                              input=stdin, capture_output=True, text=True,
                              timeout=timeout)

    def adduser(self, jid, password):
        r = self.ctl("adduser", jid, stdin=password + "\n")
        assert r.returncode == 0, "adduser %s: %s%s" % (jid, r.stdout,
                                                         r.stderr)

    def new_account(self, prefix="user"):
        """Creates a fresh account; returns (localpart, password, bare)."""
        local = "%s%d%s" % (prefix, next(_names), secrets.token_hex(3))
        password = "pw-" + secrets.token_urlsafe(12)
        bare = "%s@%s" % (local, self.host)
        self.adduser(bare, password)
        return local, password, bare

    # --- clients ---

    def raw(self, direct=False, **kw):
        port = self.tls_port if direct else self.starttls_port
        return xmpp_raw.RawClient(port, direct_tls=direct, **kw)


def finish(server):
    """Stops the server and asserts it was alive and exits cleanly."""
    if server.exit_checked:
        server.stop()
        return
    was_alive = server.alive()
    rc = server.stop()
    assert was_alive, "lethe died during the tests (status %s):\n%s" % (
        server.proc.returncode, server.log()[-4000:])
    assert rc == 0, "lethe exit status %r after SIGTERM:\n%s" % (
        rc, server.log()[-4000:])


@pytest.fixture(scope="session")
def certdir(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("certs"))
    make_certs(d, HOST)
    return d


@pytest.fixture(scope="module")
def lethe(request, tmp_path_factory, certdir):
    """A running server for the whole module. A module may set
    LETHE_CONF = {section: {key: value}} to override the test defaults."""
    overrides = getattr(request.module, "LETHE_CONF", None)
    server = Lethe(tmp_path_factory.mktemp("lethe"), certdir, overrides)
    server.start()
    yield server
    finish(server)


@pytest.fixture
def lethe_factory(tmp_path_factory, certdir):
    """Makes servers a test owns (they are stopped and checked at its end).
    factory(overrides=None, start=True)."""
    made = []

    def factory(overrides=None, start=True):
        server = Lethe(tmp_path_factory.mktemp("lethe"), certdir, overrides)
        made.append(server)
        if start:
            server.start()
        return server

    yield factory
    for server in made:
        if server.proc is not None:
            finish(server)


@pytest.fixture
def clients():
    """Closes every raw client a test registers: clients.append(c)."""
    made = []
    yield made
    for c in made:
        c.close()


@pytest.fixture
def connect(lethe, clients):
    """connect(direct=False) → a new RawClient to the module's server."""
    def make(direct=False, **kw):
        c = lethe.raw(direct=direct, **kw)
        clients.append(c)
        return c
    return make


@pytest.fixture
def login(lethe, connect):
    """login(account=None, resource=None, direct=False, presence=None,
    mechanism='SCRAM-SHA-256') → a bound RawClient. account is a tuple
    from new_account(); presence is a priority to announce, or None."""
    def make(account=None, resource=None, direct=False, presence=None,
             mechanism="SCRAM-SHA-256"):
        local, password, _ = account or lethe.new_account()
        c = connect(direct=direct)
        c.login(local, password, mechanism=mechanism, resource=resource,
                direct=direct)
        if presence is not None:
            c.presence(priority=presence)
            c.assert_alive()
        return c
    return make


@pytest.fixture(scope="module")
def witness(lethe):
    """A client logged in before the test's hostile input; it must keep
    working afterwards (witness.assert_alive())."""
    local, password, _ = lethe.new_account("witness")
    c = lethe.raw()
    c.login(local, password)
    c.presence()
    c.assert_alive()
    yield c
    c.close()
