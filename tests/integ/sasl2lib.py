"""Helpers for the SASL2 (XEP-0388), Bind2 (XEP-0386) and FAST (XEP-0484)
tests, spoken as raw XML over xmpp_raw.RawClient."""
import base64
import hashlib
import hmac
import os
import uuid

from xmpp_raw import (NS_SASL, NS_STREAM, SCRAM_HASHES, _saslname, _xor,
                      dump, q, xml_escape)

NS_SASL2 = "urn:xmpp:sasl:2"
NS_BIND2 = "urn:xmpp:bind:0"
NS_FAST = "urn:xmpp:fast:0"
NS_SM = "urn:xmpp:sm:3"
NS_CARBONS = "urn:xmpp:carbons:2"

UA = "<user-agent id='%s'><software>test</software>" \
    "<device>bench</device></user-agent>"


def authentication(features):
    return features.find(q(NS_SASL2, "authentication"))


def sasl2_mechanisms(features):
    a = authentication(features)
    assert a is not None, dump(features)
    return [m.text for m in a.findall(q(NS_SASL2, "mechanism"))]


def fast_mechanisms(features):
    a = authentication(features)
    if a is None:
        return []
    f = a.find(q(NS_SASL2, "inline") + "/" + q(NS_FAST, "fast"))
    if f is None:
        return []
    return [m.text for m in f.findall(q(NS_FAST, "mechanism"))]


def result(c, timeout=None):
    return c.wait_for(lambda e: e.tag in (
        q(NS_SASL2, "success"), q(NS_SASL2, "failure"),
        q(NS_SASL2, "challenge"), q(NS_STREAM, "error")),
        timeout=timeout)


def bind2(tag="client", carbons=False, sm=False):
    inner = "<tag>%s</tag>" % tag if tag else ""
    if carbons:
        inner += "<enable xmlns='%s'/>" % NS_CARBONS
    if sm:
        inner += "<enable xmlns='%s' resume='true'/>" % NS_SM
    return "<bind xmlns='%s'>%s</bind>" % (NS_BIND2, inner)


def request_token(mech="HT-SHA-256-NONE"):
    return "<request-token xmlns='%s' mechanism='%s'/>" % (NS_FAST, mech)


def authenticate(c, mech, initial, extra="", ua_id=None):
    ua = UA % (ua_id or str(uuid.uuid4()))
    ir = "" if initial is None else \
        "<initial-response>%s</initial-response>" % \
        base64.b64encode(initial).decode()
    c.send("<authenticate xmlns='%s' mechanism='%s'>%s%s%s</authenticate>"
           % (NS_SASL2, mech, ir, ua, extra))


def plain(c, user, password, extra="", ua_id=None):
    """SASL2 PLAIN; returns <success/>, <failure/> or a stream error."""
    authenticate(c, "PLAIN", ("\0%s\0%s" % (user, password)).encode(),
                 extra, ua_id)
    return result(c, timeout=max(c.timeout, 10))


def scram(c, user, password, hashname="SHA-256", extra="", ua_id=None):
    """SASL2 SCRAM without channel binding; checks the server signature
    in <additional-data/>. Returns the final element."""
    hf = SCRAM_HASHES[hashname]
    cnonce = base64.b64encode(os.urandom(18)).decode()
    gs2 = "n,,"
    first_bare = "n=%s,r=%s" % (_saslname(user), cnonce)
    authenticate(c, "SCRAM-" + hashname, (gs2 + first_bare).encode(),
                 extra, ua_id)
    ch = result(c)
    if ch.tag != q(NS_SASL2, "challenge"):
        return ch
    server_first = base64.b64decode(ch.text or "").decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    assert "h" in attrs, "XEP-0474 h= missing: %r" % server_first
    salt = base64.b64decode(attrs["s"])
    salted = hashlib.pbkdf2_hmac(hf, password.encode(), salt, int(attrs["i"]))
    without_proof = "c=%s,r=%s" % (base64.b64encode(gs2.encode()).decode(),
                                   attrs["r"])
    client_key = hmac.new(salted, b"Client Key", hf).digest()
    stored_key = hashlib.new(hf, client_key).digest()
    auth_message = ",".join((first_bare, server_first, without_proof))
    proof = _xor(client_key,
                 hmac.new(stored_key, auth_message.encode(), hf).digest())
    final = "%s,p=%s" % (without_proof, base64.b64encode(proof).decode())
    c.send("<response xmlns='%s'>%s</response>" % (
        NS_SASL2, base64.b64encode(final.encode()).decode()))
    res = result(c)
    if res.tag == q(NS_SASL2, "success"):
        server_key = hmac.new(salted, b"Server Key", hf).digest()
        want = hmac.new(server_key, auth_message.encode(), hf).digest()
        ad = res.find(q(NS_SASL2, "additional-data"))
        assert ad is not None, dump(res)
        assert base64.b64decode(ad.text).decode() == \
            "v=" + base64.b64encode(want).decode(), dump(res)
    return res


def ht_login(c, user, token, extra="", mech="HT-SHA-256-NONE", count=None,
             invalidate=False, ua_id=None, cb=b""):
    """A token login (cb: the channel-binding data the mechanism names);
    checks the server's proof on success."""
    key = token.encode()
    proof = hmac.new(key, b"Initiator" + cb, hashlib.sha256).digest()
    fast = ""
    if count is not None or invalidate:
        fast = "<fast xmlns='%s'%s%s/>" % (
            NS_FAST, "" if count is None else " count='%d'" % count,
            " invalidate='true'" if invalidate else "")
    authenticate(c, mech, user.encode() + b"\0" + proof, extra + fast, ua_id)
    res = result(c)
    if res.tag == q(NS_SASL2, "success"):
        ad = res.find(q(NS_SASL2, "additional-data"))
        assert ad is not None, dump(res)
        want = hmac.new(key, b"Responder" + cb, hashlib.sha256).digest()
        assert base64.b64decode(ad.text) == want, dump(res)
    return res


def token_of(success):
    t = success.find(q(NS_FAST, "token"))
    assert t is not None, dump(success)
    return t.get("token"), t.get("expiry")


def authz(success):
    return success.find(q(NS_SASL2, "authorization-identifier")).text


def is_failure(res, cond="not-authorized"):
    return res.tag == q(NS_SASL2, "failure") and \
        res.find(q(NS_SASL, cond)) is not None


def escape(s):
    return xml_escape(s)
