"""Message archive limits: [limits] archive_messages per account, the
oldest removed first; an offline recipient's archive gets its copy under
the stanza-id its offline message carries."""
from mamlib import bodies, ids, query, settle, stanza_id
from xmpp_raw import NS_CLIENT, q

LETHE_CONF = {"limits": {"archive_messages": "5"}}


def test_oldest_removed_first(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct, presence=0)
    for i in range(8):
        a.message(b_acct[2], "n%d" % i)
    settle(a)
    assert bodies(query(a)[0]) == ["n%d" % i for i in range(3, 8)]


def test_offline_recipient(lethe, login):
    a_acct, b_acct = lethe.new_account(), lethe.new_account()
    a = login(a_acct, presence=0)
    a.message(b_acct[2], "while-away")
    settle(a)
    b = login(b_acct, presence=0)
    # Delivered at initial presence: it may already have passed while
    # login() waited for its own answers.
    m = next((e for e in b.history if e.tag == q(NS_CLIENT, "message") and
              e.findtext(q(NS_CLIENT, "body")) == "while-away"), None)
    if m is None:
        m = b.wait_message("while-away")
    sid = stanza_id(m, b_acct[2])
    assert sid
    results = query(b)[0]
    assert ids(results) == [sid] and bodies(results) == ["while-away"]
