"""SIGHUP reloads certificates: after the files are replaced, new
connections (STARTTLS and direct TLS) see the new certificate while an
established session keeps its TLS connection and keeps working; a broken
replacement keeps the old certificate and the server running."""
import os
import shutil
import signal

from conftest import make_certs


def replace_cert(server, tmp_path, name):
    d = str(tmp_path / name)
    make_certs(d, "localhost")
    for ext in ("crt", "key"):
        # Replace by rename, as certificate tools do.
        dst = os.path.join(server.dir, "certs", "localhost." + ext)
        shutil.copy(os.path.join(d, "localhost." + ext), dst + ".new")
        os.replace(dst + ".new", dst)
    with open(os.path.join(d, "localhost.crt"), "rb") as f:
        return f.read()


def der_of(pem):
    import ssl
    return ssl.PEM_cert_to_DER_cert(pem.decode())


def new_cert_seen(server, direct):
    c = server.raw(direct=direct)
    try:
        if not direct:
            c.starttls()
        return c.peer_cert
    finally:
        c.close()


def test_reload(lethe_factory, tmp_path):
    server = lethe_factory()
    local, password, _ = server.new_account()
    old = server.raw()
    old.login(local, password)
    old_cert = old.peer_cert
    assert new_cert_seen(server, False) == old_cert

    new_pem = replace_cert(server, tmp_path, "second")
    new_der = der_of(new_pem)
    assert new_der != old_cert
    mark = len(server.log())
    server.signal(signal.SIGHUP)
    server.wait_log("certificates_reloaded", start=mark)

    assert new_cert_seen(server, False) == new_der
    assert new_cert_seen(server, True) == new_der
    # The old session kept its connection and still works.
    old.assert_alive()
    assert old.peer_cert == old_cert
    # And a login with channel binding works against the new certificate.
    fresh = server.raw(direct=True)
    fresh.login(local, password, mechanism="SCRAM-SHA-256-PLUS",
                direct=True)
    fresh.assert_alive()
    assert fresh.peer_cert == new_der
    old.close()
    fresh.close()


def test_broken_replacement_keeps_old(lethe_factory, tmp_path):
    server = lethe_factory()
    before = new_cert_seen(server, True)
    crt = os.path.join(server.dir, "certs", "localhost.crt")
    with open(crt, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64\n"
                "-----END CERTIFICATE-----\n")
    mark = len(server.log())
    server.signal(signal.SIGHUP)
    server.wait_log("reload_failed", start=mark)
    assert server.alive()
    assert new_cert_seen(server, True) == before
    assert new_cert_seen(server, False) == before


def test_key_mismatch_keeps_old(lethe_factory, tmp_path):
    """A new certificate with the old key must not be half-loaded."""
    server = lethe_factory()
    before = new_cert_seen(server, True)
    d = str(tmp_path / "other")
    make_certs(d, "localhost")
    shutil.copy(os.path.join(d, "localhost.crt"),
                os.path.join(server.dir, "certs", "localhost.crt"))
    mark = len(server.log())
    server.signal(signal.SIGHUP)
    server.wait_log("reload_failed", start=mark)
    assert new_cert_seen(server, True) == before
