"""Servers under test and the load generator, for bench/compare and
bench/budget.

Each server runs from its own temporary directory (configuration, data,
logs, certificate), on its own loopback ports, started by this module and
stopped by the process IDs it started: nothing system-wide is used or
touched. Prosody and ejabberd drop to their own system users as their
Debian packages expect, so their directories are handed to those users.

Rate limits are lifted for every server (Prosody: no mod_limits;
ejabberd: no c2s shaper, a large max_fsm_queue); everything else is each
server's Debian default, minus federation and HTTP listeners. Debian's
Prosody and ejabberd keep no message archive (XEP-0313) by default;
Lethe archives every message by default, so it runs twice: "lethe" as
shipped and "lethe-noarchive" (archive_default = never), the like-for-
like figure. (Prosody's and ejabberd's archives on their default
storage, files and Mnesia, fall under 1,000 messages/s under this load,
so they are not turned on here.) Logs are at warning level for every
server, so none pays for a line per login.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD_SRV = os.path.join(TOP, "build-bench")
BUILD_GEN = os.path.join(TOP, "build-bench-gen")
GEN = os.path.join(BUILD_GEN, "lethe-bench")
SHIM = os.path.join(BUILD_GEN, "libmalloc-count.so")
FILL = os.path.join(BUILD_GEN, "archive-fill")
DOMAIN = "localhost"
PASSWORD = "bench-password"
USER_FMT = "b%ld"


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build():
    """Builds the server (build-bench/, as shipped: debugoptimized, no
    tests) and the generator (build-bench-gen/)."""
    if not os.path.exists(os.path.join(BUILD_SRV, "build.ninja")):
        sh(["meson", "setup", BUILD_SRV, "-Dtests=false"], cwd=TOP,
           stdout=subprocess.DEVNULL)
    sh(["ninja", "-C", BUILD_SRV], stdout=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(BUILD_GEN, "build.ninja")):
        sh(["meson", "setup", BUILD_GEN, "bench"], cwd=TOP,
           stdout=subprocess.DEVNULL)
    sh(["ninja", "-C", BUILD_GEN], stdout=subprocess.DEVNULL)


def raise_nofile():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pinned(cpu, cmd):
    """cmd pinned to one CPU when the machine has two or more."""
    if cpu is not None and shutil.which("taskset") and os.cpu_count() >= 2:
        return ["taskset", "-c", str(cpu)] + cmd
    return cmd


def children(pid):
    """Every descendant of pid, from /proc."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            parent[int(d)] = int(st[st.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c, pp in parent.items():
            if pp == p and c not in found:
                found.append(c)
                todo.append(c)
    return found


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def wait_port(port, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def make_cert(directory):
    os.makedirs(directory, exist_ok=True)
    sh([os.path.join(TOP, "tools", "gen-cert"), directory, DOMAIN],
       stdout=subprocess.DEVNULL)
    return (os.path.join(directory, DOMAIN + ".crt"),
            os.path.join(directory, DOMAIN + ".key"))


def chown_tree(path, user):
    import pwd
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for f in files:
            os.chown(os.path.join(root, f), pw.pw_uid, pw.pw_gid)


class Server:
    """One server under test. Subclasses fill in the specifics."""
    name = "?"

    def __init__(self, root, cert):
        self.dir = os.path.join(root, self.name)
        self.cert = cert
        self.port = free_port()
        self.proc = None
        self.logf = None
        self.accounts = 0
        os.makedirs(self.dir, exist_ok=True)

    def available(self):
        """None if the server can run here, else why not."""
        return None

    # What the generator measures: the process (and its descendants)
    # doing the work, without start-up wrappers.
    def measure_pid(self):
        return self.proc.pid

    def start(self, cpu=0, env=None, timeout=60):
        self.logf = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen(
            pinned(cpu, self.command()), stdin=subprocess.DEVNULL,
            stdout=self.logf, stderr=self.logf, cwd=self.dir,
            env=env)
        if not wait_port(self.port, self.proc, timeout):
            name = self.logf.name
            self.stop()
            raise RuntimeError("%s did not start: see %s" % (self.name, name))
        self.after_start()

    def after_start(self):
        pass

    # How long a server may take to exit after SIGTERM before SIGKILL.
    # Lethe with a large archive backlog and Prosody 0.12.3 (whose
    # shutdown sometimes stops on an error in mod_c2s's disconnect
    # handler) can take longer; the benchmark does not need to wait.
    stop_timeout = 20

    def stop(self, timeout=None):
        """Stops what we started, by PID: SIGTERM to the server process
        (which stops its own children), then to the start-up wrapper;
        SIGKILL to whatever is left after timeout. Waiting for a clean
        exit matters: ejabberd killed in the middle of writing Mnesia
        starts the next time with tables not yet loaded."""
        if self.proc is None:
            return
        if timeout is None:
            timeout = self.stop_timeout
        pids = [self.proc.pid] + children(self.proc.pid)
        main = self.measure_pid()
        deadline = time.monotonic() + timeout
        for p in dict.fromkeys((main, self.proc.pid)):
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
            while time.monotonic() < deadline and alive(p, self.proc):
                time.sleep(0.1)
        if alive(main, self.proc):
            log("%s did not stop within %d s of SIGTERM: killed" %
                (self.name, timeout))
        for p in pids:
            if alive(p, self.proc):
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None
        if self.logf:
            self.logf.close()
            self.logf = None


def alive(pid, root):
    """pid still runs (a zombie does not count)."""
    if pid == root.pid:
        return root.poll() is None
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return st[st.rindex(")") + 2] != "Z"
    except (OSError, ValueError, IndexError):
        return False


class Lethe(Server):
    name = "lethe"
    extra = ""

    def __init__(self, root, cert, build=BUILD_SRV):
        super().__init__(root, cert)
        self.build = build
        os.makedirs(os.path.join(self.dir, "data"), mode=0o700,
                    exist_ok=True)
        self.conf = os.path.join(self.dir, "lethe.ini")
        # Abuse limits per source address are lifted, as the other
        # servers' rate limits are: every client here comes from eight
        # loopback addresses. Only keys this tree's schema knows
        # (docs/configuration.md is generated from it).
        lifted = ""
        with open(os.path.join(TOP, "docs", "configuration.md")) as f:
            ref = f.read()
        for key in ("connections_per_address",
                    "login_failures_per_address"):
            if "`%s`" % key in ref:
                lifted += "%s = 0\n" % key
        if lifted:
            lifted = "\n[limits]\n" + lifted
        with open(self.conf, "w") as f:
            f.write("""; benchmark configuration
[server]
data_dir = data
log_level = warn
; SCRAM logins never run PBKDF2 on the server: the count only makes
; creating accounts quicker.
scram_iterations = 4096
%s
[host %s]
certificate = %s
key = %s

[listen c2s]
address = 127.0.0.1
port = %d
tls = starttls
%s""" % (self.extra, DOMAIN, cert[0], cert[1], self.port, lifted))

    def available(self):
        if not os.access(os.path.join(self.build, "lethe"), os.X_OK):
            return "no lethe binary in %s" % self.build
        return None

    def command(self):
        return [os.path.join(self.build, "lethe"), "-c",
                self.conf_used or self.conf]

    conf_used = None

    # The archive scenario's server: the same configuration with its own
    # data directory (so the other scenarios' runs never see the large
    # archive, nor rewrite its expiry at start-up), an archive limit
    # above its size and a retention longer than its time span.
    ARCHIVE_RETENTION_DAYS = 400

    def archive_prepare(self, items):
        """Makes (once) data-archive/ with accounts 1 and 2 and `items`
        archived messages of account 2, written before the server starts
        by archive-fill through the server's own store code. Switches the
        next start() to it; archive_done() switches back. Returns the
        path of the sample of ids."""
        conf = os.path.join(self.dir, "lethe-archive.ini")
        with open(self.conf) as f:
            text = f.read()
        text = text.replace("data_dir = data\n", "data_dir = data-archive\n")
        lim = "archive_messages = %d\n" % max(2 * items, 100000)
        if "\n[limits]\n" in text:
            text = text.replace("\n[limits]\n", "\n[limits]\n" + lim)
        else:
            text += "\n[limits]\n" + lim
        text += "\n[retention]\narchive = %dd\n" % self.ARCHIVE_RETENTION_DAYS
        with open(conf, "w") as f:
            f.write(text)
        ids = os.path.join(self.dir, "archive-ids.txt")
        mark = os.path.join(self.dir, "archive-filled")
        if not (os.path.exists(mark) and
                open(mark).read().strip() == str(items)):
            data = os.path.join(self.dir, "data-archive")
            shutil.rmtree(data, ignore_errors=True)
            os.makedirs(data, mode=0o700)
            ctl = os.path.join(self.build, "lethectl")
            for i in (1, 2):
                subprocess.run([ctl, "-c", conf, "adduser",
                                "%s@%s" % (USER_FMT % i, DOMAIN)],
                               input=(PASSWORD + "\n").encode(),
                               check=True, stdout=subprocess.DEVNULL)
            t0 = time.monotonic()
            # Sealed as the server seals a logged-in account's rows,
            # unless this variant turns sealing off.
            sh([FILL, data, DOMAIN, USER_FMT % 2, str(items),
                str(self.ARCHIVE_RETENTION_DAYS * 86400), ids] +
               ([] if "sealing = false" in self.extra else [PASSWORD]))
            log("%s: %d archived messages written in %.0f s" %
                (self.name, items, time.monotonic() - t0))
            with open(mark, "w") as f:
                f.write(str(items))
        self.conf_used = conf
        return ids

    def archive_done(self):
        self.conf_used = None

    def create_accounts(self, n):
        mark = os.path.join(self.dir, "accounts")
        have = int(open(mark).read()) if os.path.exists(mark) else 0
        ctl = os.path.join(self.build, "lethectl")
        for i in range(have + 1, n + 1):
            subprocess.run([ctl, "-c", self.conf, "adduser",
                            "%s@%s" % (USER_FMT % i, DOMAIN)],
                           input=(PASSWORD + "\n").encode(), check=True,
                           stdout=subprocess.DEVNULL)
            if i % 1000 == 0 or i == n:
                with open(mark, "w") as f:
                    f.write(str(i))
        self.accounts = max(n, have)


class LetheNoArchive(Lethe):
    """Lethe with no message archive: what archiving costs."""
    name = "lethe-noarchive"
    extra = "archive_default = never\n"


class LetheUnsealed(Lethe):
    """Lethe with [server] sealing = false: what sealing costs."""
    name = "lethe-unsealed"
    extra = "sealing = false\n"


class Prosody(Server):
    name = "prosody"
    MODULES = [
        # Debian's prosody.cfg.lua, without "limits" (rate limits are
        # lifted) and "dialback" (no federation here).
        "disco", "roster", "saslauth", "tls", "blocklist", "bookmarks",
        "carbons", "pep", "private", "smacks", "vcard4", "vcard_legacy",
        "csi_simple", "invites", "invites_adhoc", "invites_register",
        "ping", "register", "time", "uptime", "version", "admin_adhoc",
        "admin_shell", "posix",
    ]

    def __init__(self, root, cert):
        super().__init__(root, cert)
        os.chmod(self.dir, 0o755)
        d = self.dir
        os.makedirs(os.path.join(d, "data"), exist_ok=True)
        for src, dst in ((cert[0], "server.crt"), (cert[1], "server.key")):
            shutil.copy(src, os.path.join(d, dst))
        self.conf = os.path.join(d, "prosody.cfg.lua")
        with open(self.conf, "w") as f:
            f.write("""-- benchmark configuration
admins = { }
modules_enabled = { %s }
modules_disabled = { "s2s" }
pidfile = "%s/prosody.pid"
data_path = "%s/data"
c2s_ports = { %d }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
http_ports = { }
https_ports = { }
authentication = "internal_hashed"
password_hash = "SHA-256"
c2s_require_encryption = true
log = { warn = "%s/prosody.log" }
VirtualHost "%s"
	ssl = { certificate = "%s/server.crt"; key = "%s/server.key" }
""" % ("; ".join('"%s"' % m for m in self.MODULES), d, d, self.port, d,
                DOMAIN, d, d))
        if self.available() is None:
            chown_tree(d, "prosody")

    def available(self):
        import pwd
        for exe in ("prosody", "prosodyctl", "setpriv"):
            if shutil.which(exe) is None:
                return "%s is not installed (tools/install-bench-deps)" % exe
        try:
            pwd.getpwnam("prosody")
        except KeyError:
            return "no prosody user"
        return None

    def command(self):
        # Prosody switches users only under prosodyctl; started directly
        # it must already be its user (it refuses to work as root).
        return ["setpriv", "--reuid=prosody", "--regid=prosody",
                "--init-groups", "prosody", "--config", self.conf, "-F"]

    def create_accounts(self, n):
        adir = os.path.join(self.dir, "data", DOMAIN, "accounts")
        have = len(os.listdir(adir)) if os.path.isdir(adir) else 0
        if have >= n:
            self.accounts = have
            return
        self.start(cpu=None)
        try:
            # Through Prosody's own admin shell, which the running
            # server answers on a socket in its data directory.
            for lo in range(have + 1, n + 1, 2000):
                hi = min(n, lo + 1999)
                cmds = "".join('user:create("%s@%s", "%s")\n' %
                               (USER_FMT % i, DOMAIN, PASSWORD)
                               for i in range(lo, hi + 1))
                subprocess.run(["prosodyctl", "--config", self.conf,
                                "shell"], input=cmds.encode(), check=True,
                               stdout=subprocess.DEVNULL, timeout=600)
        finally:
            self.stop()
        have = len(os.listdir(adir)) if os.path.isdir(adir) else 0
        if have < n:
            raise RuntimeError("prosody: only %d of %d accounts created"
                               % (have, n))
        self.accounts = have


class Ejabberd(Server):
    name = "ejabberd"
    stop_timeout = 60  # Mnesia must be closed cleanly (see stop())

    def __init__(self, root, cert):
        super().__init__(root, cert)
        os.chmod(self.dir, 0o755)
        d = self.dir
        for sub in ("conf", "spool", "logs"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        self.node = "lethebench%d_%s@localhost" % (os.getpid(),
                                                   secrets.token_hex(3))
        self.dist_port = free_port()
        pem = os.path.join(d, "conf", "server.pem")
        with open(pem, "w") as f:
            f.write(open(cert[0]).read() + open(cert[1]).read())
        os.chmod(pem, 0o600)
        open(os.path.join(d, "conf", "inetrc"), "w").close()
        # Our own node name, distribution port (so no epmd is started)
        # and cookie: ejabberdctl then talks to this node only.
        with open(os.path.join(d, "conf", "ejabberdctl.cfg"), "w") as f:
            f.write("""ERLANG_NODE=%s
ERL_DIST_PORT=%d
INET_DIST_INTERFACE=127.0.0.1
ERL_OPTIONS="-setcookie %s"
ERL_MAX_PORTS=65536
EJABBERD_BYPASS_WARNINGS=true
""" % (self.node, self.dist_port, secrets.token_hex(16)))
        with open(os.path.join(d, "conf", "ejabberd.yml"), "w") as f:
            f.write(self.yml(pem))
        if self.available() is None:
            chown_tree(d, "ejabberd")

    def yml(self, pem):
        # Debian's ejabberd.yml, with: one c2s listener on our port (no
        # s2s, HTTP, STUN or MQTT listeners), no c2s shaper and a large
        # max_fsm_queue (limits lifted), SCRAM-SHA-256 verifiers, and the
        # modules that need those listeners left out.
        return """loglevel: warning
log_rotate_count: 0
hosts:
  - %s
certfiles:
  - "%s"
define_macro:
  'TLS_CIPHERS': "HIGH:!aNULL:!eNULL:!3DES:@STRENGTH"
  'TLS_OPTIONS':
    - "no_sslv3"
    - "no_tlsv1"
    - "no_tlsv1_1"
    - "cipher_server_preference"
    - "no_compression"
c2s_ciphers: 'TLS_CIPHERS'
c2s_protocol_options: 'TLS_OPTIONS'
listen:
  -
    port: %d
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    shaper: none
    access: c2s
    starttls_required: true
    protocol_options: 'TLS_OPTIONS'
    max_fsm_queue: 1000000
disable_sasl_mechanisms:
  - "digest-md5"
  - "X-OAUTH2"
auth_password_format: scram
auth_scram_hash: sha256
max_fsm_queue: 1000000
acl:
  admin:
     user:
       - ""
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
      - ::1/128
access_rules:
  local:
    allow: local
  c2s:
    deny: blocked
    allow: all
  announce:
    allow: admin
  configure:
    allow: admin
  muc_create:
    allow: local
  pubsub_createnode:
    allow: local
  trusted_network:
    allow: loopback
api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
shaper:
  normal:
    rate: 3000
    burst_size: 20000
  fast: 200000
shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages:
    5000: admin
    100: all
  c2s_shaper: none
  s2s_shaper: fast
modules:
  mod_adhoc: {}
  mod_admin_extra: {}
  mod_announce:
    access: announce
  mod_avatar: {}
  mod_blocking: {}
  mod_caps: {}
  mod_carboncopy: {}
  mod_client_state: {}
  mod_configure: {}
  mod_disco: {}
  mod_fail2ban: {}
  mod_last: {}
  mod_muc:
    access:
      - allow
    access_admin:
      - allow: admin
    access_create: muc_create
    access_persistent: muc_create
    access_mam:
      - allow
    default_room_options:
      mam: true
  mod_muc_admin: {}
  mod_offline:
    access_max_user_messages: max_user_offline_messages
  mod_ping: {}
  mod_privacy: {}
  mod_private: {}
  mod_pubsub:
    access_createnode: pubsub_createnode
    plugins:
      - flat
      - pep
    force_node_config:
      "eu.siacs.conversations.axolotl.*":
        access_model: open
      storage:bookmarks:
        access_model: whitelist
  mod_push: {}
  mod_push_keepalive: {}
  mod_roster:
    versioning: true
  mod_shared_roster: {}
  mod_sic: {}
  mod_stream_mgmt:
    resend_on_timeout: if_offline
  mod_vcard:
    search: false
  mod_vcard_xupdate: {}
  mod_version: {}
""" % (DOMAIN, pem, self.port)

    def available(self):
        import pwd
        if shutil.which("ejabberdctl") is None:
            return "ejabberd is not installed (tools/install-bench-deps)"
        if shutil.which("setpriv") is None:
            return "setpriv is not installed (util-linux)"
        try:
            pwd.getpwnam("ejabberd")
        except KeyError:
            return "no ejabberd user"
        return None

    def ctl(self):
        # Run as the ejabberd user directly: ejabberdctl then needs no
        # su, whose PAM session would lower the descriptor limit.
        d = self.dir
        return ["setpriv", "--reuid=ejabberd", "--regid=ejabberd",
                "--init-groups", "env", "HOME=" + d,
                "ejabberdctl", "--config-dir", d + "/conf",
                "--config", d + "/conf/ejabberd.yml",
                "--ctl-config", d + "/conf/ejabberdctl.cfg",
                "--logs", d + "/logs", "--spool", d + "/spool"]

    def command(self):
        return self.ctl() + ["foreground"]

    def measure_pid(self):
        # ejabberdctl runs a shell and then the Erlang VM: measure the
        # VM (and what it starts), not the wrappers.
        for p in children(self.proc.pid):
            if comm(p).startswith("beam"):
                return p
        return self.proc.pid

    def create_accounts(self, n):
        mark = os.path.join(self.dir, "accounts")
        have = int(open(mark).read()) if os.path.exists(mark) else 0
        if have >= n:
            self.accounts = have
            return
        # ejabberd's own XEP-0227 import: one command for every account
        # (ejabberdctl register starts a VM per account).
        xml = os.path.join(self.dir, "spool", "accounts.xml")
        with open(xml, "w") as f:
            f.write("<?xml version='1.0' encoding='UTF-8'?>\n"
                    "<server-data xmlns='urn:xmpp:pie:0'>"
                    "<host jid='%s'>\n" % DOMAIN)
            for i in range(have + 1, n + 1):
                f.write("<user name='%s' password='%s'/>\n" %
                        (USER_FMT % i, PASSWORD))
            f.write("</host></server-data>\n")
        chown_tree(self.dir, "ejabberd")
        self.start(cpu=None, timeout=120)
        try:
            # --no-timeout: the import takes longer than ejabberdctl's
            # default 60 s wait at some 10,000 accounts.
            subprocess.run(self.ctl() + ["--no-timeout", "import_piefxis",
                                         xml], check=True,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=1800)
            r = subprocess.run(self.ctl() + ["registered_users", DOMAIN],
                               capture_output=True, text=True, timeout=120)
            got = len([ln for ln in r.stdout.split("\n")
                       if ln.startswith("b")])
        finally:
            self.stop()
        if got < n:
            raise RuntimeError("ejabberd: only %d of %d accounts created"
                               % (got, n))
        with open(mark, "w") as f:
            f.write(str(n))
        self.accounts = n

    def start(self, cpu=0, env=None, timeout=120):
        super().start(cpu, env, timeout)


SERVERS = {"lethe": Lethe, "lethe-noarchive": LetheNoArchive,
           "lethe-unsealed": LetheUnsealed,
           "prosody": Prosody, "ejabberd": Ejabberd}


def run_gen(scenario, server, args, json_path, timeout, cpu=1, quiet=False):
    """Runs one scenario against a started server; returns its JSON."""
    import json
    cmd = pinned(cpu, [GEN, scenario, "--port", str(server.port),
                       "--pid", str(server.measure_pid()),
                       "--label", server.name, "--json", json_path,
                       "--accounts", str(server.accounts),
                       "--cache", os.path.join(server.dir, "scram.cache"),
                       "--timeout", str(timeout)] + args)
    if os.path.exists(json_path):
        os.unlink(json_path)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout + 60)
    if not quiet:
        sys.stdout.write(r.stdout)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
    try:
        with open(json_path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
