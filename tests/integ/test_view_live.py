"""`lethectl view [JID]`: a live trace of stanzas sent by local sessions
over the control socket, one line each (from, to, kind, type, size),
never a body; `view JID` narrows it to one account; the log says a view
was opened and closed, not what it showed or for whom; nothing of it
reaches the data directory."""
import os
import queue
import signal
import subprocess
import threading
import time

from conftest import LETHECTL

BODY = "view-body-secret-5c1e"

# The archive keeps delivered messages on purpose; off here so the data
# directory can show that the view itself writes nothing.
LETHE_CONF = {"limits": {"archive_messages": "0"}}


class View:
    def __init__(self, lethe, *args):
        self.p = subprocess.Popen(
            [LETHECTL, "-c", lethe.conf_path, "view"] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.q = queue.Queue()
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.q.put(line.rstrip("\n"))

    def wait(self, pred, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=0.1)
            except queue.Empty:
                continue
            self.lines.append(line)
            if pred(line):
                return line
        raise AssertionError("no matching view line; got %r" % self.lines)

    def drain(self, seconds=0.5):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.lines.append(self.q.get(timeout=0.05))
            except queue.Empty:
                pass
        return self.lines

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        self.p.wait(5)


def test_view(lethe, login):
    a_acct = lethe.new_account("viewa")
    b_acct = lethe.new_account("viewb")
    c_acct = lethe.new_account("viewc")
    a = login(a_acct, resource="ra", presence=0)
    b = login(b_acct, resource="rb", presence=0)
    c = login(c_acct, resource="rc", presence=0)
    start = len(lethe.log())
    everything = View(lethe)
    only_c = View(lethe, c_acct[2])
    lethe.wait_log("event=view_opened filter=all", start=start)
    lethe.wait_log("event=view_opened filter=account", start=start)
    everything.wait(lambda l: l.startswith("view open"))
    only_c.wait(lambda l: l.startswith("view open"))

    a.message(b_acct[2], BODY)
    b.wait_message(BODY)
    line = everything.wait(lambda l: "kind=message" in l and
                           ("to=%s" % b_acct[2]) in l)
    assert ("from=%s/ra" % a_acct[2]) in line
    assert "type=chat" in line
    assert int(line.rsplit("size=", 1)[1]) > len(BODY)
    c.message(a_acct[2], BODY + "-c")
    a.wait_message(BODY + "-c")
    line = only_c.wait(lambda l: "kind=message" in l)
    assert ("from=%s/rc" % c_acct[2]) in line
    everything.wait(lambda l: ("from=%s/rc" % c_acct[2]) in l)
    # The narrowed view saw nothing of a and b's conversation.
    assert not any(("to=%s" % b_acct[2]) in l for l in only_c.drain())
    for v in (everything, only_c):
        assert not any(BODY in l for l in v.drain())
        v.stop()
    deadline = time.monotonic() + 5
    while lethe.log()[start:].count("event=view_closed") < 2 and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    log = lethe.log()[start:]
    assert log.count("event=view_closed") == 2, log
    for acct in (a_acct, b_acct, c_acct):
        assert acct[0] not in log
    for dirpath, _, names in os.walk(os.path.join(lethe.dir, "data")):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    assert BODY.encode() not in f.read(), p
    # The daemon is well after its viewers left.
    a.message(b_acct[2], "after")
    b.wait_message("after")
    assert lethe.ctl("status").returncode == 0


def test_view_refuses_bad_filter(lethe):
    r = lethe.ctl("view", "not a jid@")
    assert r.returncode != 0
    r = lethe.ctl("view", "someone@localhost/res")
    assert r.returncode == 1
    assert "bare JID" in r.stderr
