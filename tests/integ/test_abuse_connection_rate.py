"""Connections per source address ([limits] connections_per_address = 3
within connection_window = 2s here): the next connection from that
address is closed at once, before any byte; another address is not
affected; after the window the first address connects again."""
import socket
import time

from xmpp_raw import RawClient

LETHE_CONF = {"limits": {"connections_per_address": "3",
                         "connection_window": "2s"}}


def opens(lethe, source):
    """True if a stream opens from source; False if the server closes
    the connection without a word."""
    s = socket.create_connection(("127.0.0.1", lethe.starttls_port),
                                 timeout=5, source_address=(source, 0))
    try:
        s.sendall(b"<?xml version='1.0'?><stream:stream to='localhost' "
                  b"xmlns='jabber:client' "
                  b"xmlns:stream='http://etherx.jabber.org/streams' "
                  b"version='1.0'>")
        data = s.recv(4096)
        return len(data) > 0
    except (ConnectionResetError, BrokenPipeError):
        return False
    finally:
        s.close()


def test_rate_per_address(lethe):
    first = time.monotonic()
    for _ in range(3):
        assert opens(lethe, "127.0.0.2")
    assert not opens(lethe, "127.0.0.2")
    assert not opens(lethe, "127.0.0.2")
    # Another address has its own count.
    for _ in range(3):
        assert opens(lethe, "127.0.0.3")
    # A login from a fresh address still works end to end.
    local, pw, _ = lethe.new_account()
    c = RawClient(lethe.starttls_port, source="127.0.0.4")
    c.login(local, pw)
    c.assert_alive()
    c.close()
    # After the window the address is welcome again.
    time.sleep(max(0, first + 2.3 - time.monotonic()))
    assert opens(lethe, "127.0.0.2")
    assert "127.0.0.2" not in lethe.log()
