"""An idle bound stream releases its parser memory and rebuilds it when
data comes again: stanzas after a quiet spell still parse, and a stanza
left half-sent over the quiet spell is completed correctly."""
import time

from xmpp_raw import NS_CLIENT, q

QUIET = 6.0  # longer than the server's idle interval (5s)


def test_after_quiet_spell(lethe, login):
    idle = login(presence=0)
    half = login(presence=0)
    data = "<message to='%s' id='h'><body>half and half</body></message>" \
        % half.jid
    cut = data.index("and")
    half.send(data[:cut])
    time.sleep(QUIET)
    half.send(data[cut:])
    m = half.wait_message("half and half")
    assert m.get("id") == "h"
    # The idle one works, with namespaces from the stream header intact.
    idle.send("<message to='%s' id='i'><body>after idle</body>"
              "<x xmlns='urn:example:x'><y/></x></message>" % idle.jid)
    m = idle.wait_message("after idle")
    assert m.find("{urn:example:x}x/{urn:example:x}y") is not None
    assert m.tag == q(NS_CLIENT, "message")
    idle.assert_alive()
    half.assert_alive()
