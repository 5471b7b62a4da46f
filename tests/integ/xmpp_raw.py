"""A raw XMPP client for the integration tests.

It speaks just enough XMPP to drive the server by hand: it can send any
bytes, parse what comes back into top-level elements (xml.etree's pull
parser), upgrade with STARTTLS or start with direct TLS (certificate checks
off, ALPN xmpp-client), and authenticate with its own SASL PLAIN and SCRAM
(SHA-1/-256/-512, with or without tls-server-end-point channel binding),
so that every step can also be done wrong on purpose.

Every read has a deadline: nothing here can wait forever.
"""
import base64
import hashlib
import hmac
import os
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from collections import deque

NS_STREAM = "http://etherx.jabber.org/streams"
NS_CLIENT = "jabber:client"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session"
NS_STREAM_ERR = "urn:ietf:params:xml:ns:xmpp-streams"
NS_STANZA_ERR = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_SASL_CB = "urn:xmpp:sasl-cb:0"
NS_PING = "urn:xmpp:ping"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"

DEFAULT_TIMEOUT = 5.0

SCRAM_HASHES = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}


def q(ns, name):
    """Clark notation, as ElementTree names elements."""
    return "{%s}%s" % (ns, name)


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("'", "&apos;")
            .replace('"', "&quot;"))


def dump(elem):
    return ET.tostring(elem, encoding="unicode")


class StreamEnded(AssertionError):
    """The server closed the connection before the expected element."""


class Timeout(AssertionError):
    """Nothing matching arrived before the deadline."""


def client_context(min_version=None, max_version=None, ciphers=None,
                   alpn=None):
    """A client TLS context that does not check the certificate (the test
    certificates are self-signed)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    if min_version is not None:
        ctx.minimum_version = min_version
    if max_version is not None:
        ctx.maximum_version = max_version
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def stream_error_condition(elem):
    """The defined condition of a <stream:error/>, e.g. 'host-unknown'."""
    for child in elem:
        if child.tag.startswith("{%s}" % NS_STREAM_ERR) and \
                child.tag != q(NS_STREAM_ERR, "text"):
            return child.tag.split("}", 1)[1]
    return None


def stanza_error_condition(elem):
    """The defined condition of an error stanza's <error/>, or None."""
    err = elem.find(q(NS_CLIENT, "error"))
    if err is None:
        return None
    for child in err:
        if child.tag.startswith("{%s}" % NS_STANZA_ERR) and \
                child.tag != q(NS_STANZA_ERR, "text"):
            return child.tag.split("}", 1)[1]
    return None


def sasl_condition(elem):
    """The condition inside a SASL <failure/>."""
    for child in elem:
        if child.tag.startswith("{%s}" % NS_SASL) and \
                child.tag != q(NS_SASL, "text"):
            return child.tag.split("}", 1)[1]
    return None


def _saslname(s):
    return s.replace("=", "=3D").replace(",", "=2C")


def _xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


class RawClient:
    """One TCP connection to the server, read through a pull parser.

    received: every byte read (after TLS), for failure messages.
    history: every top-level element received, in order.
    """

    def __init__(self, port, *, direct_tls=False, alpn=("xmpp-client",),
                 sni="localhost", timeout=DEFAULT_TIMEOUT, context=None,
                 host="localhost", source=None):
        self.host = host
        self.sni = sni
        self.timeout = timeout
        self.received = bytearray()
        self.history = []
        self.eof = False
        self.stream_ended = False
        self.tls = False
        self.peer_cert = None
        self.jid = None
        self._ids = 0
        # source: a loopback address to connect from (127.0.0.2...), so
        # tests can tell per-address limits apart.
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout,
            source_address=(source, 0) if source else None)
        self._reset_parser()
        if direct_tls:
            self._wrap(context or client_context(alpn=alpn))

    # --- transport ---

    def _wrap(self, ctx):
        self.sock.settimeout(self.timeout)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=self.sni)
        self.tls = True
        self.peer_cert = self.sock.getpeercert(binary_form=True)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data, *, may_fail=False):
        """Sends str (UTF-8) or bytes. With may_fail, a connection the
        server already closed is not an error (hostile-input tests send
        more than the server will read)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError,
                socket.timeout):
            if not may_fail:
                raise

    def _reset_parser(self):
        self._parser = ET.XMLPullParser(events=("start", "end"))
        self._depth = 0
        self._pending = deque()
        self.header = None
        self.stream_ended = False

    def _recv(self, deadline):
        """Reads once. False on timeout; sets eof at end of input."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, ssl.SSLZeroReturnError,
                ssl.SSLEOFError):
            data = b""
        except ssl.SSLError as e:
            if "timed out" in str(e):
                return False
            data = b""
        if not data:
            self.eof = True
            return True
        self.received += data
        try:
            self._parser.feed(data)
            events = list(self._parser.read_events())
        except ET.ParseError as e:
            raise AssertionError("server sent bad XML (%s): %r" %
                                 (e, bytes(self.received[-2000:])))
        for ev, elem in events:
            if ev == "start":
                self._depth += 1
                if self._depth == 1:
                    self.header = elem
            else:
                self._depth -= 1
                if self._depth == 1:
                    self._pending.append(elem)
                    self.history.append(elem)
                    # Keep the stream root from growing without bound.
                    if self.header is not None:
                        try:
                            self.header.remove(elem)
                        except ValueError:
                            pass
                elif self._depth == 0:
                    self.stream_ended = True
        return True

    def next_element(self, timeout=None):
        """The next top-level element, or None once the connection is
        closed and nothing is left. Raises Timeout."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self._pending:
            if self.eof:
                return None
            if not self._recv(deadline):
                raise Timeout("no element within %.1fs; last bytes: %r" % (
                    timeout or self.timeout, bytes(self.received[-1000:])))
        return self._pending.popleft()

    def wait_for(self, match, timeout=None, skip=True):
        """Returns the first element for which match (a Clark tag or a
        predicate) holds. Elements skipped on the way are dropped unless
        skip is False, in which case the first other element fails."""
        if isinstance(match, str):
            tag = match
            match = lambda e: e.tag == tag  # noqa: E731
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("nothing matching within %.1fs; last bytes: %r"
                              % (timeout or self.timeout,
                                 bytes(self.received[-1000:])))
            e = self.next_element(left)
            if e is None:
                raise StreamEnded("connection closed; last bytes: %r" %
                                  bytes(self.received[-1000:]))
            if match(e):
                return e
            if not skip:
                raise AssertionError("unexpected element: %s" % dump(e))

    def unread(self, elem):
        """Puts an element back in front of the unread ones."""
        self._pending.appendleft(elem)

    def drain(self):
        """Elements already parsed and not yet consumed."""
        out = list(self._pending)
        self._pending.clear()
        return out

    def read_to_eof(self, timeout=None):
        """Reads until the server closes the connection; returns the
        elements that came. Raises Timeout if it stays open."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.eof:
            if not self._recv(deadline):
                raise Timeout("connection still open after %.1fs; last "
                              "bytes: %r" % (timeout or self.timeout,
                                             bytes(self.received[-1000:])))
        return self.drain()

    def expect_stream_error(self, condition, timeout=None):
        """Asserts that the next thing of note is a stream error with this
        condition, then </stream:stream> and the end of the connection.
        Returns the error element."""
        deadline = time.monotonic() + (timeout or self.timeout)
        err = None
        while err is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("no stream error within %.1fs; last bytes: %r"
                              % (timeout or self.timeout,
                                 bytes(self.received[-1000:])))
            e = self.next_element(left)
            if e is None:
                raise StreamEnded(
                    "connection closed without <stream:error/>; got: %r" %
                    bytes(self.received[-1000:]))
            if e.tag == q(NS_STREAM, "error"):
                err = e
            elif e.tag in (q(NS_SASL, "success"),):
                raise AssertionError("unexpected SASL success: %s" % dump(e))
        assert condition is None or \
            stream_error_condition(err) == condition, \
            "expected <%s/>, got %s" % (condition, dump(err))
        left = max(0.5, deadline - time.monotonic())
        self.read_to_eof(left)
        assert self.stream_ended, \
            "no </stream:stream> after the error: %r" % \
            bytes(self.received[-500:])
        return err

    def expect_stream_error_any(self, timeout=None):
        """Like expect_stream_error for any condition; returns it."""
        return stream_error_condition(
            self.expect_stream_error(None, timeout))

    # --- stream negotiation ---

    def open_stream(self, to=None, *, version="1.0", xmlns=NS_CLIENT,
                    stream_ns=NS_STREAM, decl=True, wait=True):
        """Sends a stream header and, unless wait is False, returns the
        features element."""
        self._reset_parser()
        hdr = ("<?xml version='1.0'?>" if decl else "") + \
            "<stream:stream to='%s' version='%s' xmlns='%s' " \
            "xmlns:stream='%s' xml:lang='en'>" % (
                xml_escape(to or self.host), version, xmlns, stream_ns)
        self.send(hdr)
        if not wait:
            return None
        return self.wait_for(q(NS_STREAM, "features"))

    def starttls(self, context=None, restart=True):
        """STARTTLS on a fresh connection; returns the new features (or,
        with restart False, None, leaving the stream to be reopened)."""
        f = self.open_stream()
        assert f.find(q(NS_TLS, "starttls")) is not None, dump(f)
        self.send("<starttls xmlns='%s'/>" % NS_TLS)
        self.wait_for(q(NS_TLS, "proceed"), skip=False)
        self._wrap(context or client_context())
        self._reset_parser()
        if not restart:
            return None
        return self.open_stream()

    def restart(self):
        """Forgets the old stream's parser state, as after <success/>."""
        self._reset_parser()

    def secure(self, direct):
        """Brings a fresh connection to the point where SASL is offered."""
        if direct:
            return self.open_stream()
        return self.starttls()

    @staticmethod
    def mechanisms(features):
        m = features.find(q(NS_SASL, "mechanisms"))
        if m is None:
            return []
        return [x.text for x in m.findall(q(NS_SASL, "mechanism"))]

    @staticmethod
    def channel_bindings(features):
        cb = features.find(q(NS_SASL_CB, "sasl-channel-binding"))
        if cb is None:
            return []
        return [x.get("type") for x in cb.findall(
            q(NS_SASL_CB, "channel-binding"))]

    def endpoint_cb(self):
        """tls-server-end-point (RFC 5929) for the test certificates, whose
        signature hash is SHA-256."""
        assert self.peer_cert is not None, "not a TLS connection"
        return hashlib.sha256(self.peer_cert).digest()

    # --- SASL ---

    def _sasl_result(self, timeout=None):
        return self.wait_for(lambda e: e.tag in (
            q(NS_SASL, "success"), q(NS_SASL, "failure"),
            q(NS_SASL, "challenge"), q(NS_STREAM, "error")),
            timeout=timeout)

    def auth_plain(self, user, password, authzid=""):
        """Sends PLAIN; returns <success/>, <failure/> or a stream error."""
        msg = ("%s\0%s\0%s" % (authzid, user, password)).encode("utf-8")
        self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (
            NS_SASL, base64.b64encode(msg).decode()))
        return self._sasl_result(timeout=max(self.timeout, 10))

    def auth_scram(self, user, password, hashname="SHA-256", plus=False,
                   cb_type="tls-server-end-point", cb_data=None, flag=None,
                   mechanism=None, authzid=""):
        """One SCRAM exchange (RFC 5802/7677). plus selects -PLUS with
        cb_type; cb_data overrides the channel-binding bytes, flag the
        gs2 flag ('n', 'y' or 'p=TYPE'); authzid goes in the gs2 header.
        Returns the final element:
        <success/> (whose server signature has been checked), <failure/>
        or a stream error."""
        hf = SCRAM_HASHES[hashname]
        mech = mechanism or ("SCRAM-%s%s" % (hashname, "-PLUS" if plus
                                             else ""))
        if flag is None:
            flag = "p=" + cb_type if plus else "n"
        gs2 = flag + "," + ("a=" + _saslname(authzid) if authzid else "") \
            + ","
        cnonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = "n=%s,r=%s" % (_saslname(user), cnonce)
        self.send("<auth xmlns='%s' mechanism='%s'>%s</auth>" % (
            NS_SASL, mech,
            base64.b64encode((gs2 + first_bare).encode()).decode()))
        ch = self._sasl_result()
        if ch.tag != q(NS_SASL, "challenge"):
            return ch
        server_first = base64.b64decode(ch.text or "").decode()
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        assert attrs["r"].startswith(cnonce) and len(attrs["r"]) > \
            len(cnonce), "server nonce must extend ours: %r" % server_first
        salt = base64.b64decode(attrs["s"])
        iterations = int(attrs["i"])
        assert iterations >= 4096, server_first
        if flag.startswith("p="):
            if cb_data is None:
                assert cb_type == "tls-server-end-point", \
                    "only tls-server-end-point can be computed here"
                cb_data = self.endpoint_cb()
        else:
            cb_data = b"" if cb_data is None else cb_data
        cbind = gs2.encode() + cb_data
        without_proof = "c=%s,r=%s" % (base64.b64encode(cbind).decode(),
                                       attrs["r"])
        salted = hashlib.pbkdf2_hmac(hf, password.encode("utf-8"), salt,
                                     iterations)
        client_key = hmac.new(salted, b"Client Key", hf).digest()
        stored_key = hashlib.new(hf, client_key).digest()
        auth_message = ",".join((first_bare, server_first, without_proof))
        signature = hmac.new(stored_key, auth_message.encode(), hf).digest()
        proof = _xor(client_key, signature)
        final = "%s,p=%s" % (without_proof, base64.b64encode(proof).decode())
        self.send("<response xmlns='%s'>%s</response>" % (
            NS_SASL, base64.b64encode(final.encode()).decode()))
        res = self._sasl_result()
        if res.tag == q(NS_SASL, "success"):
            server_key = hmac.new(salted, b"Server Key", hf).digest()
            want = hmac.new(server_key, auth_message.encode(), hf).digest()
            got = base64.b64decode(res.text or "").decode()
            assert got == "v=" + base64.b64encode(want).decode(), \
                "bad server signature in <success/>: %r" % got
        return res

    def authenticate(self, user, password, mechanism):
        """Authenticates with a mechanism name as offered; returns the
        final element."""
        if mechanism == "PLAIN":
            return self.auth_plain(user, password)
        assert mechanism.startswith("SCRAM-"), mechanism
        plus = mechanism.endswith("-PLUS")
        hashname = mechanism[len("SCRAM-"):]
        if plus:
            hashname = hashname[:-len("-PLUS")]
        return self.auth_scram(user, password, hashname, plus=plus)

    # --- after SASL ---

    def next_id(self):
        self._ids += 1
        return "t%d" % self._ids

    def bind(self, resource=None):
        """Restarted stream → bind; returns the <iq/> answer."""
        iid = self.next_id()
        res = "" if resource is None else \
            "<resource>%s</resource>" % xml_escape(resource)
        self.send("<iq type='set' id='%s'><bind xmlns='%s'>%s</bind></iq>" %
                  (iid, NS_BIND, res))
        return self.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq") and
                             e.get("id") == iid or
                             e.tag == q(NS_STREAM, "error"))

    def login(self, user, password, mechanism="SCRAM-SHA-256",
              resource=None, direct=False, session=True):
        """Secures the stream, authenticates, binds; returns the full JID."""
        feats = self.secure(direct)
        assert mechanism in self.mechanisms(feats), dump(feats)
        res = self.authenticate(user, password, mechanism)
        assert res.tag == q(NS_SASL, "success"), dump(res)
        feats = self.open_stream()
        assert feats.find(q(NS_BIND, "bind")) is not None, dump(feats)
        r = self.bind(resource)
        assert r.tag == q(NS_CLIENT, "iq") and r.get("type") == "result", \
            dump(r)
        self.jid = r.find(q(NS_BIND, "bind")).find(q(NS_BIND, "jid")).text
        if session and feats.find(q(NS_SESSION, "session")) is not None:
            r = self.request("<iq type='set' id='%%s'><session xmlns='%s'/>"
                             "</iq>" % NS_SESSION)
            assert r.get("type") == "result", dump(r)
        return self.jid

    def request(self, template, timeout=None):
        """Sends an IQ whose template has '%s' for the id; returns the
        answer with that id."""
        iid = self.next_id()
        self.send(template % iid)
        return self.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq") and
                             e.get("id") == iid and
                             e.get("type") in ("result", "error"),
                             timeout=timeout)

    def ping(self, to=None, timeout=None):
        """XEP-0199 ping; returns the answer."""
        to_attr = "" if to is None else " to='%s'" % xml_escape(to)
        return self.request("<iq type='get' id='%%s'%s><ping xmlns='%s'/>"
                            "</iq>" % (to_attr, NS_PING), timeout=timeout)

    def assert_alive(self):
        """A ping to the server must come back as a result."""
        r = self.ping(self.host)
        assert r.get("type") == "result", dump(r)

    def presence(self, priority=None, to=None, ptype=None):
        attrs = ""
        if to is not None:
            attrs += " to='%s'" % xml_escape(to)
        if ptype is not None:
            attrs += " type='%s'" % ptype
        body = "" if priority is None else \
            "<priority>%d</priority>" % priority
        self.send("<presence%s>%s</presence>" % (attrs, body))

    def message(self, to, body, mtype="chat", mid=None):
        mid = mid or self.next_id()
        self.send("<message to='%s' type='%s' id='%s'><body>%s</body>"
                  "</message>" % (xml_escape(to), mtype, mid,
                                  xml_escape(body)))
        return mid

    def wait_message(self, body=None, timeout=None):
        """The next <message/> (with this body if given)."""
        def match(e):
            if e.tag != q(NS_CLIENT, "message"):
                return False
            if body is None:
                return True
            b = e.find(q(NS_CLIENT, "body"))
            return b is not None and b.text == body
        return self.wait_for(match, timeout=timeout)

    def messages_so_far(self):
        """Bodies of the messages received and not yet consumed, after a
        round trip to the server (everything queued before it is here)."""
        self.assert_alive()
        out = []
        for e in self.history:
            if e.tag == q(NS_CLIENT, "message"):
                b = e.find(q(NS_CLIENT, "body"))
                out.append(b.text if b is not None else None)
        return out


def stream_header(to="localhost", xmlns=NS_CLIENT, stream_ns=NS_STREAM,
                  decl=True, extra=""):
    """The bytes of a client stream header."""
    return ("<?xml version='1.0'?>" if decl else "") + \
        "<stream:stream to='%s' version='1.0' xmlns='%s' " \
        "xmlns:stream='%s' xml:lang='en'%s>" % (to, xmlns, stream_ns, extra)
