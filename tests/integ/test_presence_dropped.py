"""A connection dropped without </stream:stream> (RFC 6121 §4.5.3): the
server broadcasts unavailable presence for the session anyway, to the
account's other available resources, to subscribed contacts and to the
targets of its directed presence, whether the socket was closed quietly
or reset."""
import socket
import struct

import pytest

from rosterlib import bare, befriend, online, seen_presence


@pytest.mark.parametrize("reset", [False, True])
def test_dropped_connection_broadcasts_unavailable(lethe, login, reset):
    acct_a = lethe.new_account()
    a = online(login, acct_a, "dropped")
    a2 = online(login, acct_a, "stays")
    b = online(login)
    s = online(login)
    befriend(a, b)
    ms = len(s.history)
    a.presence(to=bare(s.jid))
    seen_presence(s, a.jid, None, ms)
    marks = [len(c.history) for c in (a2, b, s)]

    raw = a.sock
    if reset:
        # SO_LINGER 0: the close sends RST, not FIN.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                       struct.pack("ii", 1, 0))
    raw.close()
    for c, m in zip((a2, b, s), marks):
        p = seen_presence(c, a.jid, "unavailable", m)
        assert p.get("from") == a.jid
