"""Two accounts chat both ways with slixmpp: each sends initial presence,
then a message to the other's bare JID; both bodies arrive, from the
sender's full JID."""
from slixclient import SlixRun


def test_chat_both_ways(lethe):
    _, pa, alice = lethe.new_account("alice")
    _, pb, bob = lethe.new_account("bob")
    with SlixRun(lethe) as run:
        a = run.client(alice, pa)
        b = run.client(bob, pb)

        async def scenario():
            run.connect(a)
            run.connect(b)
            assert await run.wait_session(a), run.describe(a)
            assert await run.wait_session(b), run.describe(b)
            a.send_presence()
            b.send_presence()
            # A round trip each, so the server has seen the presence.
            for c in (a, b):
                await c.plugin["xep_0199"].ping(jid="localhost", timeout=5)
            a.send_message(mto=bob, mbody="hello bob", mtype="chat")
            assert await run.wait_message(b, "hello bob"), \
                run.events[b]["messages"]
            b.send_message(mto=alice, mbody="hello alice", mtype="chat")
            assert await run.wait_message(a, "hello alice"), \
                run.events[a]["messages"]
            return True

        for c in (a, b):
            c.register_plugin("xep_0199")
        assert run.run(scenario())
        got_b = [m for m in run.events[b]["messages"] if m[2] == "hello bob"]
        got_a = [m for m in run.events[a]["messages"]
                 if m[2] == "hello alice"]
        assert got_b[0][0] == str(a.boundjid.full), got_b
        assert got_a[0][0] == str(b.boundjid.full), got_a
        assert got_b[0][1] == "chat" and got_a[0][1] == "chat"
