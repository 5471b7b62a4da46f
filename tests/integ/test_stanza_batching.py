"""Input arrives in any chunking: many stanzas in one write (more than one
read budget), and one stanza split into single bytes (inside TLS records
of one byte, a multi-byte UTF-8 character split across them). Answers
come complete and in order."""
import socket

from xmpp_raw import NS_CLIENT, NS_PING, dump, q


def test_many_in_one_write(lethe, login):
    c = login()
    n = 300
    burst = "".join("<iq type='get' id='b%d' to='localhost'><ping xmlns='%s'/>"
                    "</iq>" % (i, NS_PING) for i in range(n))
    assert len(burst) > 16 * 1024  # more than one read budget
    c.send(burst)
    ids = []
    for _ in range(n):
        e = c.wait_for(lambda e: e.tag == q(NS_CLIENT, "iq"))
        assert e.get("type") == "result", dump(e)
        ids.append(e.get("id"))
    assert ids == ["b%d" % i for i in range(n)]


def test_big_stanzas_back_to_back(lethe, login):
    c = login()
    bodies = ["%d-" % i + "x" * 12000 for i in range(6)]
    c.send("".join("<message to='%s' id='m%d'><body>%s</body></message>" %
                   (c.jid, i, b) for i, b in enumerate(bodies)))
    for b in bodies:
        m = c.wait_message(b)
        assert m.find(q(NS_CLIENT, "body")).text == b


def test_one_byte_at_a_time(lethe, login):
    c = login()
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = "split \u00e9\u2713\U0001f600 end"
    data = ("<message to='%s' id='slow'><body>%s</body></message>" % (
        c.jid, body)).encode("utf-8")
    for i in range(len(data)):
        c.send(data[i:i + 1])
    m = c.wait_message(body)
    assert m.get("id") == "slow"
