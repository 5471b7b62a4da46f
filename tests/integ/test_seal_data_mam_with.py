"""The archive is sealed and its peers kept as keyed hashes, yet queries
by peer ('with') answer as before: for items archived while the account
was online, while it was away (sealed then without its private key) and
after it came back, with and without paging, and in the sender's own
archive."""
from mamlib import bodies, form, ids, query, rsm, settle
from rosterlib import bare, online


def end(c):
    c.send("</stream:stream>")
    c.read_to_eof()


def test_with_filters_across_logins(lethe, login):
    acct = lethe.new_account()
    a = online(login, acct)
    b, c = online(login), online(login)
    ab, bb, cb = acct[2], bare(b.jid), bare(c.jid)
    b.message(ab, "b-1")
    a.wait_message("b-1")
    c.message(ab, "c-1")
    a.wait_message("c-1")
    a.message(bb, "a-b")
    b.wait_message("a-b")
    settle(a)
    end(a)
    b.message(ab, "b-2")
    c.message(ab, "c-2")
    settle(b)
    settle(c)
    a = online(login, acct)
    b.message(ab, "b-3")
    a.wait_message("b-3")
    settle(a)

    assert bodies(query(a)[0]) == ["b-1", "c-1", "a-b", "b-2", "c-2",
                                   "b-3"]
    assert bodies(query(a, form(**{"with": bb}))[0]) == \
        ["b-1", "a-b", "b-2", "b-3"]
    assert bodies(query(a, form(**{"with": cb}))[0]) == ["c-1", "c-2"]
    assert bodies(query(a, form(**{"with": "nobody@localhost"}))[0]) == []

    # Paging inside a 'with' query.
    res, fin, st = query(a, form(**{"with": bb}) + rsm(max=2))
    assert bodies(res) == ["b-1", "a-b"]
    assert fin.get("complete") == "false"
    res2, fin2, _ = query(a, form(**{"with": bb}) +
                          rsm(max=2, after=ids(res)[-1]))
    assert bodies(res2) == ["b-2", "b-3"]
    assert fin2.get("complete") == "true"
    res3, _, _ = query(a, form(**{"with": bb}) + rsm(max=2, before=""))
    assert bodies(res3) == ["b-2", "b-3"]

    # The other side's archive, by the owner's peer.
    assert bodies(query(b, form(**{"with": ab}))[0]) == \
        ["b-1", "a-b", "b-2", "b-3"]
    assert bodies(query(c, form(**{"with": ab}))[0]) == ["c-1", "c-2"]
