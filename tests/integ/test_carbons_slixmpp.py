"""Message carbons with slixmpp's XEP-0280 plugin, and the archive with
its XEP-0313 plugin: an account on a phone and a laptop chats with a
contact; every message shows on both devices (sent ones as carbons), and
the archive holds the whole conversation."""
import asyncio

from slixclient import SlixRun


def test_every_message_on_both_devices(lethe):
    _, pw, me = lethe.new_account("me")
    _, pc, contact = lethe.new_account("contact")
    with SlixRun(lethe) as run:
        phone = run.client(me + "/phone", pw)
        laptop = run.client(me + "/laptop", pw)
        other = run.client(contact + "/desk", pc)
        got = {phone: [], laptop: []}

        for dev in (phone, laptop):
            dev.register_plugin("xep_0280")
            dev.register_plugin("xep_0313")
            dev.register_plugin("xep_0199")
            dev.add_event_handler(
                "carbon_sent",
                lambda m, d=dev: got[d].append(
                    ("sent", m["carbon_sent"]["body"])))
            dev.add_event_handler(
                "carbon_received",
                lambda m, d=dev: got[d].append(
                    ("received", m["carbon_received"]["body"])))
        other.register_plugin("xep_0199")

        async def until(pred, what):
            for _ in range(100):
                if pred():
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("timed out: %s %r" % (what, got))

        async def scenario():
            for c in (phone, laptop, other):
                run.connect(c)
            for c in (phone, laptop, other):
                assert await run.wait_session(c), run.describe(c)
                c.send_presence()
            for dev in (phone, laptop):
                await dev.plugin["xep_0280"].enable(timeout=5)
            for c in (phone, laptop, other):
                await c.plugin["xep_0199"].ping(jid="localhost", timeout=5)

            phone.send_message(mto=contact, mbody="from phone",
                               mtype="chat")
            assert await run.wait_message(other, "from phone")
            await until(lambda: ("sent", "from phone") in got[laptop],
                        "sent carbon on the laptop")
            other.send_message(mto=str(laptop.boundjid), mbody="to laptop",
                               mtype="chat")
            assert await run.wait_message(laptop, "to laptop")
            await until(lambda: ("received", "to laptop") in got[phone],
                        "received carbon on the phone")
            other.send_message(mto=me, mbody="to both", mtype="chat")
            assert await run.wait_message(phone, "to both")
            assert await run.wait_message(laptop, "to both")

            bodies = []
            async for rsm in phone.plugin["xep_0313"].retrieve(
                    with_jid=contact, iterator=True, rsm={"max": 2}):
                for m in rsm["mam"]["results"]:
                    bodies.append(
                        m["mam_result"]["forwarded"]["stanza"]["body"])
            assert bodies == ["from phone", "to laptop", "to both"], bodies
            return True

        assert run.run(scenario(), timeout=20)
