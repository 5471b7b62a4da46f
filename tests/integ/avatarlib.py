"""Helpers for the avatar tests (XEP-0084 and XEP-0398): a small real
PNG, vCard get and set, and polling for a copy made in the background."""
import base64
import hashlib
import struct
import time
import zlib

from xmpp_raw import dump, q

NS_VCARD = "vcard-temp"
NS_META = "urn:xmpp:avatar:metadata"
NS_ADATA = "urn:xmpp:avatar:data"


def png(width, height, rgb=(200, 30, 60)):
    """A valid truecolour PNG of one colour."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                       0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(row * height)) +
            chunk(b"IEND", b""))


def sha1(data):
    return hashlib.sha1(data).hexdigest()


def b64(data):
    return base64.b64encode(data).decode()


def vcard_get(c):
    r = c.request("<iq type='get' id='%%s'><vCard xmlns='%s'/></iq>"
                  % NS_VCARD)
    assert r.get("type") == "result", dump(r)
    return r.find(q(NS_VCARD, "vCard"))


def vcard_set(c, inner):
    r = c.request("<iq type='set' id='%%s'><vCard xmlns='%s'>%s</vCard>"
                  "</iq>" % (NS_VCARD, inner))
    assert r.get("type") == "result", dump(r)


def photo_of(v):
    """(TYPE, decoded bytes) of a vCard's PHOTO, or None."""
    ph = v.find(q(NS_VCARD, "PHOTO")) if v is not None else None
    if ph is None:
        return None
    t = ph.find(q(NS_VCARD, "TYPE"))
    bv = ph.find(q(NS_VCARD, "BINVAL"))
    return (None if t is None else t.text,
            base64.b64decode("".join((bv.text or "").split())))


def wait_photo(c, pred, timeout=5.0):
    """Polls the vCard until pred(photo_of(vCard)); the vCard copy is
    written after the publish is answered."""
    deadline = time.monotonic() + timeout
    while True:
        v = vcard_get(c)
        if pred(photo_of(v)):
            return v
        assert time.monotonic() < deadline, dump(v)
        time.sleep(0.05)
