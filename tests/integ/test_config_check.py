"""`lethe --check` accepts a good configuration and rejects a bad one
with a non-zero status and FILE:LINE: reason, naming the offending line;
the server itself refuses to start on a bad one."""
import os
import subprocess

import pytest

from conftest import LETHE, render_conf

GOOD = {
    "server": {"data_dir": "data"},
    "host localhost": {"certificate": "certs/localhost.crt",
                       "key": "certs/localhost.key"},
    "listen c2s": {"address": "127.0.0.1", "port": "1", "tls": "starttls"},
}


@pytest.fixture
def confdir(tmp_path, certdir):
    os.makedirs(tmp_path / "certs")
    os.makedirs(tmp_path / "data")
    for ext in ("crt", "key"):
        src = os.path.join(certdir, "localhost." + ext)
        with open(src, "rb") as f, \
                open(tmp_path / "certs" / ("localhost." + ext), "wb") as g:
            g.write(f.read())
    return tmp_path


def check(path, *extra):
    return subprocess.run([LETHE, "-c", str(path), "--check"] + list(extra),
                          capture_output=True, text=True, timeout=20)


def line_of(text, needle):
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError("%r not in config" % needle)


def test_good_config(confdir):
    p = confdir / "good.ini"
    p.write_text(render_conf(GOOD))
    r = check(p)
    assert r.returncode == 0, r.stdout + r.stderr


BAD = {
    "unknown-key": ("server", "colour", "blue"),
    "bad-size": ("limits", "stanza_bytes", "lots"),
    "too-small": ("limits", "stanza_bytes", "100"),
    "bad-duration": ("limits", "auth_timeout", "2 weeks"),
    "bad-enum": ("listen c2s", "tls", "sometimes"),
    "bad-address": ("listen c2s", "address", "localhost"),
    "bad-port": ("listen c2s", "port", "70000"),
    "bad-bool": ("server", "registration", "perhaps"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_value_names_its_line(confdir, kind):
    section, key, value = BAD[kind]
    conf = {k: dict(v) for k, v in GOOD.items()}
    conf.setdefault(section, {})[key] = value
    text = render_conf(conf)
    p = confdir / ("bad-%s.ini" % kind)
    p.write_text(text)
    r = check(p)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    want = "%s:%d:" % (p, line_of(text, "%s = %s" % (key, value)))
    assert want in out, "expected %r in %r" % (want, out)


def test_missing_certificate_file(confdir):
    conf = {k: dict(v) for k, v in GOOD.items()}
    conf["host localhost"]["certificate"] = "certs/nope.crt"
    p = confdir / "nocert.ini"
    p.write_text(render_conf(conf))
    r = check(p)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "nope.crt" in r.stdout + r.stderr


def test_unknown_section(confdir):
    text = render_conf(GOOD) + "\n[frobnicate]\nx = 1\n"
    p = confdir / "section.ini"
    p.write_text(text)
    r = check(p)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "%s:%d:" % (p, line_of(text, "[frobnicate]")) in out, out


def test_missing_required_key(confdir):
    conf = {k: dict(v) for k, v in GOOD.items()}
    del conf["server"]["data_dir"]
    p = confdir / "nodata.ini"
    p.write_text(render_conf(conf))
    r = check(p)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert str(p) + ":" in out and "data_dir" in out, out


def test_missing_file(confdir):
    r = check(confdir / "does-not-exist.ini")
    assert r.returncode != 0
    assert "does-not-exist.ini" in r.stdout + r.stderr


def test_server_refuses_to_start(confdir):
    conf = {k: dict(v) for k, v in GOOD.items()}
    conf["server"]["colour"] = "blue"
    text = render_conf(conf)
    p = confdir / "start.ini"
    p.write_text(text)
    r = subprocess.run([LETHE, "-c", str(p)], capture_output=True,
                       text=True, timeout=20, stdin=subprocess.DEVNULL)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "%s:%d:" % (p, line_of(text, "colour = blue")) in out, out
