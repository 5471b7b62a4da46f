"""OMEMO (XEP-0384): the legacy eu.siacs.conversations.axolotl device
list and bundle and the urn:xmpp:omemo:2 ones, published with
access_model=open as clients do, can be fetched by someone who is not
subscribed to the owner's presence, and a contact with +notify caps gets
the device list when it changes."""
from peplib import caps_presence, get_items, publish, result_items, seen_event
from rosterlib import bare, befriend, online, roster_get
from xmpp_raw import dump, q

AXOLOTL = "eu.siacs.conversations.axolotl"
OMEMO2 = "urn:xmpp:omemo:2"
OPEN = {"pubsub#access_model": "open"}


def test_legacy_open(lethe, login):
    alice, stranger = online(login), online(login)
    ab = bare(alice.jid)
    r = publish(alice, AXOLOTL + ".devicelist",
                "<list xmlns='%s'><device id='1234'/></list>" % AXOLOTL,
                item_id="current", options=OPEN)
    assert r.get("type") == "result", dump(r)
    bundle = ("<bundle xmlns='%s'><signedPreKeyPublic signedPreKeyId='1'>"
              "BASE64</signedPreKeyPublic><identityKey>KEY</identityKey>"
              "<prekeys><preKeyPublic preKeyId='1'>PK</preKeyPublic>"
              "</prekeys></bundle>" % AXOLOTL)
    r = publish(alice, AXOLOTL + ".bundles:1234", bundle, item_id="current",
                options=OPEN)
    assert r.get("type") == "result", dump(r)
    its = result_items(get_items(stranger, ab, AXOLOTL + ".devicelist"))
    dev = its[0].find(q(AXOLOTL, "list")).find(q(AXOLOTL, "device"))
    assert dev.get("id") == "1234", dump(its[0])
    its = result_items(get_items(stranger, ab, AXOLOTL + ".bundles:1234",
                                 max_items=1))
    assert its[0].find(q(AXOLOTL, "bundle")).find(
        q(AXOLOTL, "identityKey")).text == "KEY"


def test_omemo2_open_and_notified(lethe, login):
    alice = online(login)
    bob = login()
    assert roster_get(bob).get("type") == "result"
    caps_presence(bob, [OMEMO2 + ":devices+notify"])
    befriend(alice, bob)
    stranger = online(login)
    ab = bare(alice.jid)
    mark = len(bob.history)
    r = publish(alice, OMEMO2 + ":devices",
                "<devices xmlns='%s'><device id='42'/></devices>" % OMEMO2,
                item_id="current", options=OPEN)
    assert r.get("type") == "result", dump(r)
    seen_event(bob, ab, OMEMO2 + ":devices", mark)
    r = publish(alice, OMEMO2 + ":bundles",
                "<bundle xmlns='%s'><ik>IK</ik></bundle>" % OMEMO2,
                item_id="42", options=dict(OPEN, **{"pubsub#max_items":
                                                    "max"}))
    assert r.get("type") == "result", dump(r)
    its = result_items(get_items(stranger, ab, OMEMO2 + ":bundles",
                                 ids=["42"]))
    assert [i.get("id") for i in its] == ["42"]
    its = result_items(get_items(stranger, ab, OMEMO2 + ":devices"))
    assert its[0].find(q(OMEMO2, "devices")) is not None
