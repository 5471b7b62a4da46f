"""Helpers for the XEP-0198 (stream management) and XEP-0352 (client
state indication) tests, spoken as raw XML."""
from xmpp_raw import NS_BIND, NS_CLIENT, NS_SASL, dump, q

NS_SM = "urn:xmpp:sm:3"
NS_CSI = "urn:xmpp:csi:0"
STANZAS = tuple(q(NS_CLIENT, n) for n in ("message", "presence", "iq"))


def is_stanza(e):
    return e.tag in STANZAS


def enable(c, resume=True, max_=None):
    """Sends <enable/>; returns <enabled/>."""
    attrs = " resume='true'" if resume else ""
    if max_ is not None:
        attrs += " max='%d'" % max_
    c.send("<enable xmlns='%s'%s/>" % (NS_SM, attrs))
    e = c.wait_for(lambda e: e.tag in (q(NS_SM, "enabled"),
                                       q(NS_SM, "failed")))
    assert e.tag == q(NS_SM, "enabled"), dump(e)
    return e


def mark(c):
    """Index into c.history from which stanzas count for h."""
    return len(c.history)


def handled(c, since):
    """Stanzas received since a mark (what the client's h counts)."""
    return sum(1 for e in c.history[since:] if is_stanza(e))


def ask_ack(c):
    """Sends <r/>; returns the server's h."""
    c.send("<r xmlns='%s'/>" % NS_SM)
    a = c.wait_for(q(NS_SM, "a"))
    return int(a.get("h"))


def bodies(elems):
    out = []
    for e in elems:
        if e.tag == q(NS_CLIENT, "message"):
            b = e.find(q(NS_CLIENT, "body"))
            if b is not None:
                out.append(b.text)
    return out


def authenticate_only(c, local, password):
    """Secures and authenticates a new stream and opens the restarted
    one; returns its features (for a <resume/> instead of a bind)."""
    feats = c.secure(False)
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "success"), dump(res)
    feats = c.open_stream()
    assert feats.find(q(NS_BIND, "bind")) is not None, dump(feats)
    return feats


def resume(c, previd, h):
    c.send("<resume xmlns='%s' previd='%s' h='%d'/>" % (NS_SM, previd, h))
    return c.wait_for(lambda e: e.tag in (q(NS_SM, "resumed"),
                                          q(NS_SM, "failed")))
