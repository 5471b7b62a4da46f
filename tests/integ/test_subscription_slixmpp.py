"""The normal flow with a real client library: slixmpp accounts that
approve requests and ask back (its defaults) become mutual contacts from
one subscription request, each sees the other online, and each sees the
other go offline when it disconnects."""
import asyncio

from slixclient import SlixRun


async def until(cond, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def test_mutual_subscription(lethe):
    _, pa, alice = lethe.new_account("alice")
    _, pb, bob = lethe.new_account("bob")
    with SlixRun(lethe) as run:
        a = run.client(alice, pa)
        b = run.client(bob, pb)

        async def scenario():
            run.connect(a)
            run.connect(b)
            for c in (a, b):
                assert await run.wait_session(c), run.describe(c)
                await c.get_roster()
                c.send_presence()
            a.send_presence_subscription(pto=bob)

            def both():
                return (a.client_roster[bob]["subscription"] == "both" and
                        b.client_roster[alice]["subscription"] == "both")
            assert await until(both), (
                dict(a.client_roster[bob]), dict(b.client_roster[alice]))
            # Each sees the other's resource online.
            assert await until(lambda: a.client_roster[bob].resources and
                               b.client_roster[alice].resources)
            assert str(b.boundjid.resource) in a.client_roster[bob].resources
            # The server's roster agrees with what the pushes said.
            await a.get_roster()
            assert a.client_roster[bob]["subscription"] == "both"

            b.disconnect()
            assert await until(
                lambda: not a.client_roster[bob].resources), \
                a.client_roster[bob].resources
            return True

        assert run.run(scenario(), timeout=30)
