"""lethectl against a running server: adduser → users lists it and it can
log in; passwd → the old password fails and the new one works; deluser →
login fails and users no longer lists it. Bad input is refused."""
from xmpp_raw import NS_SASL, dump, q, sasl_condition


def can_login(lethe, local, password, mechanism):
    c = lethe.raw()
    try:
        c.starttls()
        res = c.authenticate(local, password, mechanism)
        if res.tag == q(NS_SASL, "success"):
            return True
        assert res.tag == q(NS_SASL, "failure"), dump(res)
        assert sasl_condition(res) == "not-authorized", dump(res)
        return False
    finally:
        c.close()


def users(lethe):
    r = lethe.ctl("users", "localhost")
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_round_trip(lethe):
    local = "roundtrip"
    bare = local + "@localhost"
    assert bare not in users(lethe) and local not in users(lethe)
    lethe.adduser(bare, "first-password")
    listed = users(lethe)
    assert bare in listed or local in listed, listed
    for mech in ("SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"):
        assert can_login(lethe, local, "first-password", mech), mech

    r = lethe.ctl("-y", "passwd", bare, stdin="second-password\n")
    assert r.returncode == 0, r.stdout + r.stderr
    for mech in ("SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"):
        assert not can_login(lethe, local, "first-password", mech), mech
        assert can_login(lethe, local, "second-password", mech), mech

    r = lethe.ctl("-y", "deluser", bare)
    assert r.returncode == 0, r.stdout + r.stderr
    listed = users(lethe)
    assert bare not in listed and local not in listed, listed
    for mech in ("SCRAM-SHA-256", "PLAIN"):
        assert not can_login(lethe, local, "second-password", mech), mech


def test_adduser_twice_refused(lethe):
    lethe.adduser("twice@localhost", "a-password")
    r = lethe.ctl("adduser", "twice@localhost", stdin="other-password\n")
    assert r.returncode != 0, r.stdout
    assert can_login(lethe, "twice", "a-password", "SCRAM-SHA-256")
    assert not can_login(lethe, "twice", "other-password", "SCRAM-SHA-256")


def test_adduser_normalizes_name(lethe):
    lethe.adduser("MixedCase@LocalHost", "a-password")
    assert can_login(lethe, "mixedcase", "a-password", "SCRAM-SHA-256")


def test_adduser_bad_input(lethe):
    for jid in ("no-domain", "a@example.org", "a@localhost/res",
                "@localhost", "a b@localhost"):
        r = lethe.ctl("adduser", jid, stdin="a-password\n")
        assert r.returncode != 0, (jid, r.stdout)
    r = lethe.ctl("adduser", "emptypw@localhost", stdin="\n")
    assert r.returncode != 0, r.stdout
    r = lethe.ctl("adduser", "nopw@localhost", stdin="")
    assert r.returncode != 0, r.stdout


def test_passwd_and_deluser_unknown(lethe):
    r = lethe.ctl("-y", "passwd", "ghost@localhost", stdin="x-password\n")
    assert r.returncode != 0, r.stdout
    r = lethe.ctl("-y", "deluser", "ghost@localhost")
    assert r.returncode != 0, r.stdout


def test_deluser_ends_nothing_else(lethe, login):
    """Deleting one account leaves another's session alone."""
    keep = login(presence=0)
    lethe.adduser("gone@localhost", "gone-password")
    r = lethe.ctl("-y", "deluser", "gone@localhost")
    assert r.returncode == 0, r.stderr
    keep.assert_alive()
