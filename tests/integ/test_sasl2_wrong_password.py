"""SASL2 with a wrong password fails with <not-authorized/> in a SASL2
<failure/>, binds nothing, and counts towards the same per-stream limit
as RFC 6120 SASL: past auth_attempts the stream is closed."""
from sasl2lib import NS_SASL2, bind2, is_failure, plain, scram
from xmpp_raw import NS_STREAM, dump, q

LETHE_CONF = {"limits": {"auth_attempts": "2"}}


def test_wrong_password(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    c.secure(False)
    res = scram(c, local, password + "x", extra=bind2("t"))
    assert is_failure(res), dump(res)
    # The stream stays usable: the right password works next.
    res = scram(c, local, password, extra=bind2("t"))
    assert res.tag == q(NS_SASL2, "success"), dump(res)


def test_attempts_are_limited(lethe, connect):
    local, password, _ = lethe.new_account()
    c = connect()
    c.secure(False)
    assert is_failure(plain(c, local, "nope"))
    res = plain(c, local, "still nope")
    if res.tag != q(NS_STREAM, "error"):
        assert is_failure(res), dump(res)
        c.expect_stream_error("policy-violation")
