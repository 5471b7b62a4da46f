"""A bound session that goes silent for [limits] idle_timeout is pinged
(XEP-0199); any answer keeps it; silence for twice the timeout closes it
with <connection-timeout/>."""
import time

import pytest

from xmpp_raw import NS_CLIENT

IDLE = 2


@pytest.fixture
def server(lethe_factory):
    return lethe_factory({"limits": {"idle_timeout": "%ds" % IDLE},
                          "server": {"keepalive": "0"}})


def login(server, clients):
    local, password, _ = server.new_account()
    c = server.raw()
    clients.append(c)
    c.login(local, password)
    return c


def test_silent_session_is_pinged_then_closed(server, clients):
    c = login(server, clients)
    t = time.monotonic()
    ping = c.wait_for("{%s}iq" % NS_CLIENT, timeout=IDLE + 8)
    assert ping.get("type") == "get"
    assert ping.find("{urn:xmpp:ping}ping") is not None
    assert ping.get("to") == c.jid
    c.expect_stream_error("connection-timeout", timeout=2 * IDLE + 8)
    assert time.monotonic() - t >= 2 * IDLE - 0.5


def test_answered_ping_keeps_session(server, clients):
    c = login(server, clients)
    for _ in range(2):
        ping = c.wait_for("{%s}iq" % NS_CLIENT, timeout=IDLE + 8)
        c.send("<iq type='result' id='%s' to='%s'/>" %
               (ping.get("id"), ping.get("from")))
    time.sleep(IDLE)
    c.assert_alive()
