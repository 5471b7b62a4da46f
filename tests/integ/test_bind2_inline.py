"""Bind2 (XEP-0386) inside SASL2: the server picks the resource (the tag
and a short suffix), enables carbons and stream management inline, and
the session is bound as after an RFC 6120 bind: a contact's message
arrives, and what another resource sends arrives as a carbon."""
from sasl2lib import (NS_BIND2, NS_SASL2, NS_SM, authz, bind2, scram)
from smlib import ask_ack
from test_carbons_copies import carbon
from xmpp_raw import dump, q


def sasl2_online(connect, acct, tag, **kw):
    c = connect()
    c.secure(False)
    res = scram(c, acct[0], acct[1], extra=bind2(tag, **kw))
    assert res.tag == q(NS_SASL2, "success"), dump(res)
    c.jid = authz(res)
    return c, res


def test_inline_carbons_and_sm(lethe, connect, login):
    acct, contact = lethe.new_account(), lethe.new_account()
    phone, res = sasl2_online(connect, acct, "phone", carbons=True, sm=True)
    assert phone.jid.startswith(acct[2] + "/phone."), phone.jid
    bound = res.find(q(NS_BIND2, "bound"))
    assert bound is not None, dump(res)
    en = bound.find(q(NS_SM, "enabled"))
    assert en is not None and en.get("resume") == "true" and en.get("id"), \
        dump(res)
    phone.presence(priority=1)
    phone.assert_alive()
    laptop = login(acct, "laptop", presence=1)
    other = login(contact, "desk", presence=1)

    other.message(phone.jid, "to the phone")
    m = phone.wait_message("to the phone")
    assert m.get("from") == other.jid, dump(m)

    laptop.message(other.jid, "from the laptop")
    other.wait_message("from the laptop")
    _, fwd = carbon(phone, "sent", "from the laptop")
    assert fwd.get("from") == laptop.jid, dump(fwd)
    # Stream management counts from the <success/>: the server has
    # handled our presence and pings.
    assert ask_ack(phone) >= 1


def test_no_tag_gets_a_resource(lethe, connect):
    acct = lethe.new_account()
    c, res = sasl2_online(connect, acct, None)
    assert c.jid.startswith(acct[2] + "/"), c.jid
    assert len(c.jid) > len(acct[2]) + 2
    c.assert_alive()
