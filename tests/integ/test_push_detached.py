"""Push (XEP-0357) for a resumable session: when the only session of an
account has lost its connection and waits for a resumption (XEP-0198),
a message for it wakes the client through its app server."""
import time

from smlib import enable as sm_enable
from test_push_notify import enable, publish
from xmpp_raw import NS_CLIENT, dump

LETHE_CONF = {"limits": {"resume_timeout": "60s"}}


def test_detached_session_gets_push(lethe, login):
    user, app_acct = lethe.new_account(), lethe.new_account("app")
    app = login(app_acct, "push", presence=0)
    u = login(user, presence=0)
    r = enable(u, app.jid, "node-d")
    assert r.get("type") == "result", dump(r)
    sm_enable(u)
    u.sock.close()
    sender = login(presence=0)
    # Bounded wait for the server to notice the drop and detach.
    deadline = time.monotonic() + 5
    while True:
        sender.message(user[2], "wake up")
        try:
            iq = publish(app, timeout=0.5)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
    assert iq.get("from") == user[2], dump(iq)
    assert iq.find(".//{%s}body" % NS_CLIENT) is None, dump(iq)
