"""Logs never carry message content, at any level: at debug (the test
default) a chat, a bounced message, an offline message and a PEP item
with distinctive text leave none of it in the server's output. And the
logging API cannot take an address: log.h names no socket type, and no
source file asks for a printable peer address."""
import os
import re

from conftest import TOP

BODY = "logs-body-a9c4e1"


def test_no_bodies_at_debug(lethe, login):
    a_acct = lethe.new_account("logsa")
    b_acct = lethe.new_account("logsb")
    off_acct = lethe.new_account("logsoff")
    a = login(a_acct, resource="res-" + BODY, presence=0)
    b = login(b_acct, presence=0)
    a.message(b_acct[2], BODY + "-chat")
    b.wait_message(BODY + "-chat")
    a.message("nobody@localhost", BODY + "-bounce")
    a.wait_for(lambda e: e.get("type") == "error")
    a.message(off_acct[2], BODY + "-offline")
    a.presence(priority=0)
    a.assert_alive()
    b.assert_alive()
    log = lethe.log()
    assert "level=debug" in log  # debug lines are there to be checked
    assert BODY not in log


def test_log_api_takes_no_address():
    with open(os.path.join(TOP, "src", "core", "log.h")) as f:
        header = f.read()
    assert "sockaddr" not in header and "in_addr" not in header
    for dirpath, _, names in os.walk(os.path.join(TOP, "src")):
        for n in names:
            if not n.endswith((".c", ".h")):
                continue
            with open(os.path.join(dirpath, n)) as f:
                src = f.read()
            fns = ["inet_ntoa", "getpeername", "getnameinfo"]
            # jid.c writes IP-literal domains, conf.c configured
            # listen addresses: neither sees a peer.
            if n not in ("jid.c", "conf.c"):
                fns.append("inet_ntop")
            for fn in fns:
                assert not re.search(r"\b%s\s*\(" % fn, src), (n, fn)
