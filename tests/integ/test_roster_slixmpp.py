"""Roster management with a real client library: slixmpp adds an item
with a name and groups, changes it and deletes it; its own roster follows
the server's pushes, and so does another resource of the account that
requested the roster."""
import asyncio

from rosterlib import groups, online, seen_push
from slixclient import SlixRun


async def until(cond, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def test_add_change_delete(lethe, login):
    acct = lethe.new_account("carol")
    _, _, contact = lethe.new_account("dave")
    other = online(login, acct, "raw")
    with SlixRun(lethe) as run:
        c = run.client(acct[2], acct[1])

        async def scenario():
            run.connect(c)
            assert await run.wait_session(c), run.describe(c)
            await c.get_roster()
            m = len(other.history)
            await c.update_roster(contact, name="Dave",
                                  groups=["Work", "Chess"])
            assert await until(
                lambda: c.client_roster[contact]["name"] == "Dave")
            assert sorted(c.client_roster[contact]["groups"]) == [
                "Chess", "Work"]
            item = seen_push(other, contact, m, name="Dave")
            assert groups(item) == ["Chess", "Work"]

            await c.update_roster(contact, name="David", groups=[])
            assert await until(
                lambda: c.client_roster[contact]["name"] == "David")
            assert c.client_roster[contact]["groups"] == []

            m = len(other.history)
            await c.del_roster_item(contact)
            assert await until(lambda: contact not in c.client_roster)
            seen_push(other, contact, m, subscription="remove")

            # A fresh fetch agrees.
            await c.get_roster()
            assert contact not in c.client_roster
            return True

        assert run.run(scenario(), timeout=30)
