"""slixmpp (a real client library) logs in with its own default choice of
SASL mechanism, over STARTTLS and over direct TLS. Certificate
verification is off: the test certificate is self-signed. Nothing here
narrows slixmpp's choice of mechanism."""
import pytest

from slixclient import SlixRun


@pytest.mark.parametrize("direct", [False, True], ids=["starttls", "direct"])
def test_default_mechanism(lethe, direct):
    _, password, bare = lethe.new_account()
    with SlixRun(lethe) as run:
        c = run.client(bare, password)
        run.connect(c, direct=direct)
        ok = run.run(run.wait_session(c))
        assert ok, "slixmpp did not get a session: " + run.describe(c)
        assert str(c.boundjid.bare) == bare
        ev = run.events[c]
        assert len(ev["succeeded_with"]) == 1, run.describe(c)
        # The password was never refused: any failure on the way was
        # about channel binding. slixmpp 1.8 only knows tls-unique (not
        # defined for TLS 1.3, not offered), then sends the "y" flag,
        # which RFC 5802 requires a server offering -PLUS to refuse; it
        # ends on PLAIN inside TLS.
        for mech, condition, text in ev["sasl_failures"]:
            assert mech.startswith("SCRAM-"), run.describe(c)
            assert "channel binding" in (text or ""), run.describe(c)
        assert not ev["stream_errors"], run.describe(c)
