"""TLS 1.2 and 1.3 only: a TLS 1.1 handshake fails on both listeners
(while the same client settings do reach TLS 1.1 with a server that
allows it, so the refusal is the server's), TLS 1.2 and 1.3 succeed, and
direct TLS selects ALPN xmpp-client."""
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

# TLS 1.0 and 1.1 are deprecated in Python's ssl; these tests use them on
# purpose.
pytestmark = pytest.mark.filterwarnings(
    "ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")

from xmpp_raw import NS_TLS, RawClient, client_context, q, stream_header

OLD = dict(min_version=ssl.TLSVersion.TLSv1,
           max_version=ssl.TLSVersion.TLSv1_1,
           ciphers="DEFAULT@SECLEVEL=0")


def tls11_available(certdir):
    """Whether this machine's OpenSSL can speak TLS 1.1 at all, checked
    against a throwaway local server that allows it."""
    try:
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.minimum_version = ssl.TLSVersion.TLSv1
        sctx.maximum_version = ssl.TLSVersion.TLSv1_1
        sctx.set_ciphers("DEFAULT@SECLEVEL=0")
        sctx.load_cert_chain(certdir + "/localhost.crt",
                             certdir + "/localhost.key")
    except (ssl.SSLError, ValueError):
        return False
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(5)
    result = {}

    def serve():
        try:
            conn, _ = ls.accept()
            conn.settimeout(5)
            with sctx.wrap_socket(conn, server_side=True) as s:
                result["server"] = s.version()
        except (OSError, ssl.SSLError) as e:
            result["server_error"] = str(e)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        s = socket.create_connection(ls.getsockname(), timeout=5)
        with client_context(**OLD).wrap_socket(s) as tls:
            version = tls.version()
    except (OSError, ssl.SSLError):
        version = None
    t.join(6)
    ls.close()
    return version == "TLSv1.1"


@pytest.fixture(scope="module")
def can_tls11(certdir):
    if not tls11_available(certdir):
        pytest.skip("this OpenSSL cannot negotiate TLS 1.1 even with a "
                    "server that allows it")
    return True


def starttls_socket(port):
    """A plain socket after <proceed/>, ready for a TLS handshake."""
    c = RawClient(port)
    c.open_stream()
    c.send("<starttls xmlns='%s'/>" % NS_TLS)
    c.wait_for(q(NS_TLS, "proceed"))
    return c


def handshake(lethe, direct, ctx):
    if direct:
        s = socket.create_connection(("127.0.0.1", lethe.tls_port),
                                     timeout=5)
    else:
        s = starttls_socket(lethe.starttls_port).sock
        s.settimeout(5)
    try:
        return ctx.wrap_socket(s, server_hostname="localhost")
    except Exception:
        s.close()
        raise


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
def test_tls11_refused_python(lethe, can_tls11, direct):
    with pytest.raises((ssl.SSLError, ConnectionError)) as info:
        t = handshake(lethe, direct, client_context(**OLD))
        t.close()
    # The refusal comes from the server (an alert or a closed
    # connection), not from this client declining to offer TLS 1.1.
    assert "NO_PROTOCOLS_AVAILABLE" not in str(info.value), info.value


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
def test_tls11_refused_openssl_cli(lethe, can_tls11, direct):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command")
    args = [openssl, "s_client", "-connect",
            "127.0.0.1:%d" % (lethe.tls_port if direct else
                              lethe.starttls_port),
            "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
            "-servername", "localhost"]
    if not direct:
        args += ["-starttls", "xmpp", "-xmpphost", "localhost"]
    r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=20)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    # No cipher was agreed: the handshake never completed. (s_client
    # prints "Protocol: TLSv1.1" even then: it is what it offered.)
    assert "Cipher is (NONE)" in out, out
    assert "no protocols available" not in out, out


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_modern_versions_succeed(lethe, direct, version):
    v = getattr(ssl.TLSVersion, version)
    t = handshake(lethe, direct, client_context(min_version=v,
                                                max_version=v))
    try:
        assert t.version() == version.replace("_", "."), t.version()
        # The stream works over it.
        t.sendall(stream_header().encode())
        data = b""
        while b"</stream:features>" not in data and len(data) < 65536:
            chunk = t.recv(4096)
            if not chunk:
                break
            data += chunk
        assert b"mechanisms" in data, data
    finally:
        t.close()


def test_tls12_cipher_is_forward_secret_aead(lethe):
    v = ssl.TLSVersion.TLSv1_2
    t = handshake(lethe, True, client_context(min_version=v, max_version=v))
    try:
        name, _, _ = t.cipher()
        assert name.startswith("ECDHE-"), name
        assert "GCM" in name or "CHACHA20" in name, name
    finally:
        t.close()


def test_tls12_without_forward_secrecy_refused(lethe):
    v = ssl.TLSVersion.TLSv1_2
    ctx = client_context(min_version=v, max_version=v,
                         ciphers="AES128-GCM-SHA256:AES256-SHA")
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(lethe, True, ctx).close()


def test_alpn_selected_on_direct_tls(lethe):
    ctx = client_context(alpn=["xmpp-client"])
    t = handshake(lethe, True, ctx)
    try:
        assert t.selected_alpn_protocol() == "xmpp-client"
    finally:
        t.close()


def test_alpn_among_others(lethe):
    ctx = client_context(alpn=["h2", "xmpp-client", "http/1.1"])
    t = handshake(lethe, True, ctx)
    try:
        assert t.selected_alpn_protocol() == "xmpp-client"
    finally:
        t.close()


def test_alpn_wrong_protocol_refused(lethe):
    ctx = client_context(alpn=["http/1.1"])
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(lethe, True, ctx).close()


def test_no_alpn_accepted(lethe):
    t = handshake(lethe, True, client_context())
    try:
        assert t.selected_alpn_protocol() is None
    finally:
        t.close()
