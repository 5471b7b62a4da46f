"""Messages in each end-to-end encryption form the e2ee policy knows,
and helpers for the e2ee tests."""
from xmpp_raw import NS_CLIENT, q, xml_escape

OMEMO_LEGACY = ("<encrypted xmlns='eu.siacs.conversations.axolotl'>"
                "<header sid='1'><iv>AAAA</iv></header><payload>QUJD"
                "</payload></encrypted>"
                "<body>I sent you an OMEMO encrypted message</body>")
OMEMO_2 = ("<encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'/>"
           "<payload>QUJD</payload></encrypted>")
OPENPGP = "<openpgp xmlns='urn:xmpp:openpgp:0'>QUJD</openpgp>" \
    "<body>This message is encrypted with OpenPGP</body>"
LEGACY_PGP = "<x xmlns='jabber:x:encrypted'>QUJD</x>" \
    "<body>This message is encrypted</body>"
OTR = "<body>?OTR:AAMDAAAAAAE=</body>"
ENCRYPTED = [OMEMO_LEGACY, OMEMO_2, OPENPGP, LEGACY_PGP, OTR]


def send(c, to, inner, mtype="chat"):
    """Sends a message with raw children; returns its id."""
    mid = c.next_id()
    t = "" if mtype is None else " type='%s'" % mtype
    c.send("<message to='%s'%s id='%s'>%s</message>" %
           (xml_escape(to), t, mid, inner))
    return mid


def reply_to(c, mid):
    return c.wait_for(lambda e: e.tag == q(NS_CLIENT, "message") and
                      e.get("id") == mid and e.get("type") == "error")


def ids_so_far(c):
    """Ids of the messages received so far (after a round trip)."""
    c.assert_alive()
    return [e.get("id") for e in c.history
            if e.tag == q(NS_CLIENT, "message")]
