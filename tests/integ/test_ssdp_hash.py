"""XEP-0474 (SASL SCRAM downgrade protection): server-first-message
carries h=, the base64 hash (with the mechanism's own hash function) of
the offered mechanisms sorted and joined by 0x1E, then 0x1F and the
offered channel-binding types sorted and joined by 0x1E. The attribute is
part of AuthMessage, so ordinary and -PLUS logins still succeed."""
import base64
import hashlib
import os

import pytest

from xmpp_raw import NS_SASL, RawClient, dump, q

features_mechs = RawClient.mechanisms
features_cbs = RawClient.channel_bindings


def expected(features, hashname):
    mechs = sorted(features_mechs(features))
    cbs = sorted(features_cbs(features))
    s = "\x1e".join(mechs)
    if cbs:
        s += "\x1f" + "\x1e".join(cbs)
    return base64.b64encode(
        hashlib.new(hashname, s.encode()).digest()).decode()


@pytest.mark.parametrize("mech,hashname", [
    ("SCRAM-SHA-1", "sha1"), ("SCRAM-SHA-256", "sha256"),
    ("SCRAM-SHA-512", "sha512")])
def test_h_attribute(lethe, connect, mech, hashname):
    local, _, _ = lethe.new_account()
    c = connect()
    feats = c.secure(False)
    assert features_cbs(feats), dump(feats)
    cnonce = base64.b64encode(os.urandom(18)).decode()
    first = "n,,n=%s,r=%s" % (local, cnonce)
    c.send("<auth xmlns='%s' mechanism='%s'>%s</auth>" % (
        NS_SASL, mech, base64.b64encode(first.encode()).decode()))
    ch = c.wait_for(q(NS_SASL, "challenge"))
    sf = base64.b64decode(ch.text).decode()
    attrs = dict(kv.split("=", 1) for kv in sf.split(","))
    assert attrs.get("h") == expected(feats, hashname), sf
    # Its place: after the RFC 5802 attributes.
    assert sf.index(",i=") < sf.index(",h=")
    c.send("<abort xmlns='%s'/>" % NS_SASL)
    c.wait_for(q(NS_SASL, "failure"))


@pytest.mark.parametrize("plus", [False, True])
def test_login_still_works(lethe, connect, plus):
    local, password, _ = lethe.new_account()
    c = connect()
    c.secure(False)
    r = c.auth_scram(local, password, "SHA-256", plus=plus)
    assert r.tag == q(NS_SASL, "success"), dump(r)
