"""Entity time (XEP-0202): the server answers for itself in UTC with
offset +00:00 (it reveals nothing about where it stands), the time in
XEP-0082 form and close to ours; accounts' bare JIDs do not answer
(clients do, at full JIDs). Raw XML only: slixmpp 1.8.3's xep_0202
cannot parse any <tzo/> or a <utc/> ending in Z, as XEP-0202 writes it."""
import datetime
import re

from xmpp_raw import dump, q, stanza_error_condition

NS_TIME = "urn:xmpp:time"
UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def time_get(c, to):
    return c.request("<iq type='get' id='%%s' to='%s'><time xmlns='%s'/>"
                     "</iq>" % (to, NS_TIME))


def test_server_time(lethe, login):
    c = login()
    before = datetime.datetime.now(datetime.timezone.utc)
    r = time_get(c, "localhost")
    after = datetime.datetime.now(datetime.timezone.utc)
    assert r.get("type") == "result" and r.get("from") == "localhost", \
        dump(r)
    t = r.find(q(NS_TIME, "time"))
    assert t is not None, dump(r)
    assert [e.tag for e in t] == [q(NS_TIME, "tzo"), q(NS_TIME, "utc")], \
        dump(r)
    assert t.find(q(NS_TIME, "tzo")).text == "+00:00"
    utc = t.find(q(NS_TIME, "utc")).text
    assert UTC.match(utc), utc
    when = datetime.datetime.strptime(utc[:19], "%Y-%m-%dT%H:%M:%S") \
        .replace(tzinfo=datetime.timezone.utc)
    slack = datetime.timedelta(seconds=2)
    assert before - slack <= when <= after + slack, (before, utc, after)


def test_set_and_accounts(lethe, login):
    c = login()
    r = c.request("<iq type='set' id='%%s' to='localhost'><time xmlns='%s'/>"
                  "</iq>" % NS_TIME)
    assert stanza_error_condition(r) == "service-unavailable", dump(r)
    _, _, other = lethe.new_account()
    for to in (other, c.jid.split("/", 1)[0]):
        r = time_get(c, to)
        assert stanza_error_condition(r) == "service-unavailable", dump(r)

