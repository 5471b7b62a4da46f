"""lethectl users (a summary line on standard error; standard output stays
one account per line) and lethectl status count the accounts with
sealing keys. Accounts made by adduser are sealed at once; one imported
with SCRAM verifiers only has no keys until its first login seals it."""
import re

from pielib import import_file
from sealctllib import can_login


def status(lethe):
    r = lethe.ctl("status")
    assert r.returncode == 0, r.stderr
    return dict(ln.split("=", 1) for ln in r.stdout.split())


def summary(lethe):
    r = lethe.ctl("users", lethe.host)
    assert r.returncode == 0, r.stderr
    for ln in r.stdout.splitlines():
        assert re.fullmatch(r"[^@\s]+@localhost", ln), r.stdout
    m = re.search(r"(\d+) accounts? on localhost, (\d+) sealed", r.stderr)
    assert m, r.stderr
    return int(m.group(1)), int(m.group(2)), r.stderr


def test_counts(lethe):
    a = lethe.new_account("counted")
    n, sealed, _ = summary(lethe)
    assert n >= 1 and sealed == n
    st = status(lethe)
    assert st["sealing"] == "on"
    assert st["accounts"] == st["accounts_sealed"] == str(n), st
    assert st["accounts_not_sealed"] == "0", st

    # The same verifiers under another name: no ClientKey, so no keys.
    out = lethe.ctl("export", a[2])
    assert out.returncode == 0, out.stderr
    other = "imported" + a[0]
    doc = out.stdout.replace("name='%s'" % a[0], "name='%s'" % other)
    r = import_file(lethe, doc)
    assert r.returncode == 0, r.stderr
    n2, sealed2, text = summary(lethe)
    assert (n2, sealed2) == (n + 1, n), text
    assert "1 not yet sealed (sealed at their next login)" in text, text
    st = status(lethe)
    assert st["accounts_not_sealed"] == "1", st

    assert can_login(lethe, other, a[1])
    n3, sealed3, _ = summary(lethe)
    assert (n3, sealed3) == (n + 1, n + 1)
