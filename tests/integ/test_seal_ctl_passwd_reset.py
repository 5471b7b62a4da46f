"""An operator's password reset with the server stopped: lethectl passwd
--yes writes the new verifiers and new sealing keys in one transaction,
so everything sealed under the old password (roster, archive) is gone;
the tool says so with the number of rows, the new password works and the
old one does not."""
import re

from sealctllib import can_login, connect, holds, seed


def test_reset_deletes_sealed_data(lethe_factory, clients):
    s = lethe_factory()
    acct = s.new_account("reset")
    peer = s.new_account("peer")
    a = seed(s, acct, peer, clients, "sealed before the reset")
    assert holds(a, peer[2], "sealed before the reset") == (True, True)
    a.close()
    s.exit_checked = True  # stopped on purpose until the restart
    assert s.stop() == 0

    r = s.ctl("passwd", acct[2], "--yes", stdin="after-the-reset\n")
    assert r.returncode == 0, r.stderr
    m = re.search(r"sealed data deleted: (\d+) rows?", r.stdout)
    assert m and int(m.group(1)) >= 2, r.stdout

    s.start()
    s.exit_checked = False
    assert not can_login(s, acct[0], acct[1])
    c = connect(s, acct[0], "after-the-reset", clients)
    assert holds(c, peer[2], "sealed before the reset") == (False, False)
    # The peer's own copy is the peer's: untouched.
    p = connect(s, peer[0], peer[1], clients)
    assert holds(p, acct[2], "sealed before the reset")[1]
