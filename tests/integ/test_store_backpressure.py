"""Back-pressure: a client that sends faster than the storage thread can
archive does not make the server queue storage work without bound: past
[limits] store_backlog waiting requests the server stops reading until a
quarter are done. Nothing is lost: every message arrives and is
archived."""
import time

from mamlib import query, rsm

N = 3000


def status(server):
    r = server.ctl("status")
    assert r.returncode == 0, (r.stdout, r.stderr)
    return dict(line.lstrip("- ").split("=", 1)
                for line in r.stdout.splitlines() if "=" in line)


def flood(server, clients):
    a_acct, b_acct = server.new_account(), server.new_account()
    a, b = server.raw(), server.raw()
    clients.extend([a, b])
    a.login(a_acct[0], a_acct[1])
    b.login(b_acct[0], b_acct[1])
    b.presence(priority=0)
    b.assert_alive()
    body = "x" * 100
    a.send("".join("<message to='%s' type='chat' id='m%d'><body>%s %d"
                   "</body></message>" % (b_acct[2], i, body, i)
                   for i in range(N)))
    deadline = time.monotonic() + 60
    got = 0
    while got < N and time.monotonic() < deadline:
        e = b.next_element(timeout=deadline - time.monotonic())
        if e is not None and e.tag.endswith("}message"):
            got += 1
    assert got == N
    a.assert_alive()
    return a


def test_backlog_bounded_and_nothing_lost(lethe_factory, clients):
    server = lethe_factory({"limits": {"store_backlog": "64"}})
    a = flood(server, clients)
    # Everything was archived: the sender's archive holds all N.
    seen, after = 0, None
    for _ in range(N // 100 + 2):
        results, fin, _ = query(a, rsm(max=500, after=after))
        seen += len(results)
        if fin.get("complete") == "true" or not results:
            break
        after = results[-1].get("id")
    assert seen == N, seen
    st = status(server)
    # One read budget's worth of messages (two appends each) may land
    # after the limit is crossed, never the whole flood.
    assert int(st["store_requests_max"]) < 1000, st
    assert "reads=held" in server.log()
