"""XEP-0198 acks: <enable/> is answered with a resumption id and the
lesser of the client's and the server's maximum; <r/> gets the count of
stanzas the server handled; the server asks for acks itself after a few
stanzas; an ack for more than was sent is a stream error; <enable/>
before binding fails; the feature is advertised after authentication."""
from xmpp_raw import NS_BIND, NS_SASL, dump, q
from smlib import NS_SM, ask_ack, enable, handled, mark

LETHE_CONF = {"limits": {"resume_timeout": "300s"}}


def test_feature_advertised(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    c.secure(False)
    res = c.authenticate(local, password, "SCRAM-SHA-256")
    assert res.tag == q(NS_SASL, "success")
    feats = c.open_stream()
    assert feats.find(q(NS_SM, "sm")) is not None, dump(feats)
    assert feats.find(q(NS_BIND, "bind")) is not None
    # Not before binding.
    c.send("<enable xmlns='%s' resume='true'/>" % NS_SM)
    f = c.wait_for(lambda e: e.tag.startswith("{%s}" % NS_SM))
    assert f.tag == q(NS_SM, "failed"), dump(f)


def test_enabled_max_and_counts(login):
    c = login()
    e = enable(c, max_=60)
    assert e.get("resume") in ("true", "1")
    assert e.get("id")
    assert e.get("max") == "60"
    assert ask_ack(c) == 0
    for _ in range(3):
        c.assert_alive()
    assert ask_ack(c) == 3
    # The client's max cannot exceed the server's.
    c2 = login()
    assert enable(c2, max_=100000).get("max") == "300"
    # A second enable fails.
    c2.send("<enable xmlns='%s'/>" % NS_SM)
    f = c2.wait_for(lambda e: e.tag.startswith("{%s}" % NS_SM))
    assert f.tag == q(NS_SM, "failed"), dump(f)


def test_server_requests_acks(login):
    c = login()
    enable(c)
    m = mark(c)
    for _ in range(6):
        c.ping()
    # ping() skips other elements; they stay in the history.
    assert any(e.tag == q(NS_SM, "r") for e in c.history[m:]), \
        [dump(e) for e in c.history[m:]]
    h = handled(c, m)
    assert h >= 5
    c.send("<a xmlns='%s' h='%d'/>" % (NS_SM, h))
    c.assert_alive()


def test_ack_too_high_is_a_stream_error(login):
    c = login()
    enable(c)
    c.assert_alive()
    c.send("<a xmlns='%s' h='5'/>" % NS_SM)
    err = c.expect_stream_error("undefined-condition")
    hc = err.find(q(NS_SM, "handled-count-too-high"))
    assert hc is not None, dump(err)
    assert hc.get("h") == "5" and hc.get("send-count") == "1"
