"""The abuse controls store nothing: a workload from a distinctive
loopback address (logins, a failed login, chat delivered to online
sessions) leaves no trace of the address (text, packed, hex), of the
message bodies or of the connection times in any file of the data
directory (raw bytes, with the -wal and -shm files) while the server
runs and after it stops, nor of the address or the bodies in anything
the server printed (at debug level)."""
import datetime
import os
import socket
import struct
import time

from xmpp_raw import RawClient

ADDR = "127.77.1.9"
BODIES = ["abuse-body-%s-qz" % w for w in ("alpha", "bravo", "charlie")]

LETHE_CONF = {
    # The archive would keep delivered messages on purpose; this test is
    # about what the abuse controls and routing keep, so it is off.
    "limits": {"archive_messages": "0",
               "connections_per_address": "100",
               "login_failures_per_address": "50"},
}


def address_forms():
    packed = socket.inet_aton(ADDR)
    as_int = struct.unpack("!I", packed)[0]
    forms = [ADDR.encode(), packed, packed[::-1], packed.hex().encode(),
             packed.hex().upper().encode(), str(as_int).encode(),
             ("::ffff:" + ADDR).encode(),
             socket.inet_pton(socket.AF_INET6, "::ffff:" + ADDR)]
    return forms


def time_forms(t0, t1):
    forms = []
    for sec in range(int(t0) - 1, int(t1) + 2):
        forms.append(str(sec).encode())
        forms.append(struct.pack(">I", sec))
        forms.append(struct.pack("<I", sec))
        forms.append(struct.pack("<q", sec))
        d = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc)
        forms.append(d.strftime("%Y-%m-%dT%H:%M:%S").encode())
        forms.append(d.strftime("%Y-%m-%d %H:%M:%S").encode())
    return forms


def data_files(lethe):
    root = os.path.join(lethe.dir, "data")
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    out[p] = f.read()
    return out


def search(files, needles, what):
    for p, data in files.items():
        for n in needles:
            assert n not in data, "%s %r found in %s" % (what, n, p)


def test_nothing_stored(lethe_factory):
    lethe = lethe_factory(overrides=LETHE_CONF)
    a_local, a_pw, a_bare = lethe.new_account("abusea")
    b_local, b_pw, b_bare = lethe.new_account("abuseb")
    t0 = time.time()
    bad = RawClient(lethe.starttls_port, source=ADDR)
    bad.starttls()
    bad.authenticate(a_local, "wrong-password", "SCRAM-SHA-256")
    bad.close()
    a = RawClient(lethe.starttls_port, source=ADDR)
    a.login(a_local, a_pw)
    b = RawClient(lethe.tls_port, direct_tls=True, source=ADDR)
    b.login(b_local, b_pw, direct=True)
    for c in (a, b):
        c.presence(priority=0)
        c.assert_alive()
    for body in BODIES:
        a.message(b_bare, body)
        b.wait_message(body)
    b.message(a_bare, BODIES[0] + "-reply")
    a.wait_message(BODIES[0] + "-reply")
    t1 = time.time()
    a.close()
    b.close()
    bodies = [x.encode() for x in BODIES]
    addr = address_forms()
    times = time_forms(t0, t1)
    # While running, the database files are as a seizure would find them.
    time.sleep(0.3)
    running = data_files(lethe)
    # The search reads the real database: the account name is there.
    assert any(a_local.encode() in d for d in running.values()), running.keys()
    search(running, addr, "address")
    search(running, bodies, "body")
    search(running, times, "connection time")
    lethe.exit_checked = True
    assert lethe.stop() == 0
    stopped = data_files(lethe)
    search(stopped, addr, "address")
    search(stopped, bodies, "body")
    search(stopped, times, "connection time")
    with open(lethe.log_path, "rb") as f:
        printed = f.read()
    assert b"event=" in printed
    search({"server output": printed}, addr + bodies, "address or body")
