"""Message archive (XEP-0313): a chat message between two local accounts
is kept in both archives; the recipient gets it with a <stanza-id/>
(XEP-0359) by its bare JID naming the item in its archive. A stanza-id a
client writes claiming one of our JIDs is removed. Chat states alone,
<no-store/> and headlines are not archived; nobody reads another's
archive."""
from mamlib import (NS_DELAY, NS_FORWARD, NS_MAM, bodies, body, inner,
                    query, query_raw, settle, stanza_id)
from xmpp_raw import NS_CLIENT, NS_DISCO_INFO, dump, q, xml_escape


def test_both_archives_and_stanza_id(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct, "laptop", presence=0)
    b = login(b_acct, "phone", presence=0)
    a.message(b_acct[2], "hello archive")
    m = b.wait_message("hello archive")
    sid = stanza_id(m, b_acct[2])
    assert sid, dump(m)
    settle(a)
    results, fin, _ = query(b)
    assert [r.get("id") for r in results] == [sid]
    assert fin.get("complete") == "true", dump(fin)
    kept = inner(results[0])
    # Kept with bare JIDs only: resources are never written down.
    assert kept.get("from") == a_acct[2] and kept.get("to") == b_acct[2]
    fw = results[0].find(q(NS_FORWARD, "forwarded"))
    assert fw.find(q(NS_DELAY, "delay")).get("stamp"), dump(fw)
    results, _, _ = query(a)
    assert bodies(results) == ["hello archive"]
    # The sender's archive has its own id: nothing links the two.
    assert results[0].get("id") != sid


def test_forged_stanza_id_removed(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct, presence=0)
    b = login(b_acct, presence=0)
    a.send("<message to='%s' type='chat' id='f1'><body>forged</body>"
           "<stanza-id xmlns='urn:xmpp:sid:0' by='%s' id='FAKE'/>"
           "<stanza-id xmlns='urn:xmpp:sid:0' by='localhost' id='FAKE2'/>"
           "<stanza-id xmlns='urn:xmpp:sid:0' by='other.example' "
           "id='KEEP'/></message>" % (b_acct[2], b_acct[2]))
    m = b.wait_message("forged")
    ids = [(s.get("by"), s.get("id"))
           for s in m.findall(q("urn:xmpp:sid:0", "stanza-id"))]
    assert ("other.example", "KEEP") in ids, dump(m)
    assert all(i not in ("FAKE", "FAKE2") for _, i in ids), dump(m)
    assert stanza_id(m, b_acct[2]) is not None, dump(m)


def test_not_archived(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct, presence=0)
    b = login(b_acct, presence=0)
    to = xml_escape(b_acct[2])
    a.send("<message to='%s' type='chat'><composing "
           "xmlns='http://jabber.org/protocol/chatstates'/></message>" % to)
    a.send("<message to='%s' type='chat'><body>secret</body>"
           "<no-store xmlns='urn:xmpp:hints'/></message>" % to)
    a.send("<message to='%s' type='chat'><body>fleeting</body>"
           "<no-permanent-store xmlns='urn:xmpp:hints'/></message>" % to)
    a.send("<message to='%s' type='headline'><body>news</body></message>"
           % to)
    a.message(b_acct[2], "kept")
    m = b.wait_message("kept")
    assert stanza_id(m, b_acct[2]), dump(m)
    settle(a)
    assert bodies(query(a)[0]) == ["kept"]
    assert bodies(query(b)[0]) == ["kept"]
    # An OMEMO message without a body is kept.
    a.send("<message to='%s' type='chat' id='om'><encrypted "
           "xmlns='eu.siacs.conversations.axolotl'><header sid='1'/>"
           "</encrypted></message>" % to)
    b.wait_for(lambda e: e.get("id") == "om")
    settle(a)
    assert len(query(b)[0]) == 2


def test_other_archive_forbidden(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct)
    _, ans = query_raw(a, to=b_acct[2])
    assert ans.get("type") == "error", dump(ans)
    assert ans.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}forbidden") \
        is not None, dump(ans)


def test_disco_advertises_mam(lethe, login):
    a_acct = lethe.new_account()
    a = login(a_acct)
    r = a.request("<iq type='get' id='%%s' to='%s'><query xmlns='%s'/>"
                  "</iq>" % (a_acct[2], NS_DISCO_INFO))
    feats = {f.get("var") for f in r.iter(q(NS_DISCO_INFO, "feature"))}
    assert {NS_MAM, NS_MAM + "#extended", "urn:xmpp:sid:0"} <= feats, \
        dump(r)


def test_note_to_self_kept_once(lethe, login):
    acct = lethe.new_account()
    a = login(acct, "one", presence=0)
    a.message(acct[2], "note")
    m = a.wait_message("note")
    sid = stanza_id(m, acct[2])
    settle(a)
    results = query(a)[0]
    assert [r.get("id") for r in results] == [sid], \
        [dump(r) for r in results]
