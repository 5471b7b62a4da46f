"""An operator's password reset while the account is logged in goes
through the daemon, which wraps the account's key again under the new
password: lethectl passwd --yes says the sealed data was kept, and a new
login with the new password sees the roster item and the archived
message; the old password fails."""
from sealctllib import can_login, connect, holds, seed


def test_reset_while_online_keeps_data(lethe, clients):
    acct = lethe.new_account("online")
    peer = lethe.new_account("peer")
    a = seed(lethe, acct, peer, clients, "kept across the reset")
    r = lethe.ctl("passwd", acct[2], "--yes", stdin="reset-while-online\n")
    assert r.returncode == 0, r.stderr
    assert "sealed data kept" in r.stdout, r.stdout
    a.assert_alive()
    assert not can_login(lethe, acct[0], acct[1])
    c = connect(lethe, acct[0], "reset-while-online", clients)
    assert holds(c, peer[2], "kept across the reset") == (True, True)
    a.close()
    c.close()
    # Locked again and opened by the new password alone.
    c = connect(lethe, acct[0], "reset-while-online", clients)
    assert holds(c, peer[2], "kept across the reset") == (True, True)
