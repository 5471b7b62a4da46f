"""Runs slixmpp clients against the test server, on a fresh event loop,
with every wait bounded.

    with SlixRun(lethe) as run:
        a = run.client(jid, password)
        run.until(run.connect(a), ...)

Each client records what happened to it in run.events[client]: the
mechanism that succeeded, SASL failures (mechanism, condition, text),
stream errors,
whether a session started, and the messages it received.
"""
import asyncio
import logging
import ssl
import warnings

import slixmpp

# slixmpp logs every stanza at DEBUG; keep the failure reports readable.
logging.getLogger("slixmpp").setLevel(logging.INFO)


class SlixRun:
    def __init__(self, lethe, timeout=15.0):
        self.lethe = lethe
        self.timeout = timeout
        self.clients = []
        self.events = {}

    def __enter__(self):
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        return self

    def __exit__(self, *exc):
        try:
            for c in self.clients:
                if c.transport is not None:
                    c.abort()
            # Let transports finish closing.
            self.loop.run_until_complete(asyncio.sleep(0.05))
            pending = [t for t in asyncio.all_tasks(self.loop)
                       if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                self.loop.run_until_complete(
                    asyncio.wait(pending, timeout=2))
        finally:
            self.loop.close()
            asyncio.set_event_loop(None)
        return False

    def client(self, jid, password):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            c = slixmpp.ClientXMPP(jid, password)
        c.ssl_context.check_hostname = False
        c.ssl_context.verify_mode = ssl.CERT_NONE
        ev = {
            "session": asyncio.Event(),
            "ended": asyncio.Event(),
            "succeeded_with": [],
            "sasl_failures": [],
            "stream_errors": [],
            "messages": [],
            "message_event": asyncio.Event(),
            "disconnected": False,
            "failed_all_auth": False,
        }
        self.events[c] = ev
        self.clients.append(c)

        def on_failed_auth(stanza):
            ev["sasl_failures"].append(
                (c.plugin["feature_mechanisms"].mech.name,
                 stanza["condition"], stanza["text"]))

        def on_auth_success(stanza):
            ev["succeeded_with"].append(
                c.plugin["feature_mechanisms"].mech.name)

        def on_failed_all(*_):
            ev["failed_all_auth"] = True
            ev["ended"].set()

        def on_disconnected(*_):
            ev["disconnected"] = True
            ev["ended"].set()

        def on_stream_error(err):
            ev["stream_errors"].append(err["condition"])

        def on_message(msg):
            ev["messages"].append((str(msg["from"]), msg["type"],
                                   msg["body"]))
            ev["message_event"].set()

        c.add_event_handler("failed_auth", on_failed_auth)
        c.add_event_handler("auth_success", on_auth_success)
        c.add_event_handler("failed_all_auth", on_failed_all)
        c.add_event_handler("disconnected", on_disconnected)
        c.add_event_handler("stream_error", on_stream_error)
        c.add_event_handler("message", on_message)
        c.add_event_handler("session_start",
                            lambda *_: ev["session"].set())
        return c

    def connect(self, c, direct=False):
        port = self.lethe.tls_port if direct else self.lethe.starttls_port
        # No reconnection loop: a failed connection ends the test.
        c.connect(("127.0.0.1", port), use_ssl=direct)

    async def wait_session(self, c, timeout=None):
        """True once the session started; False if the client gave up,
        was disconnected or the time ran out."""
        ev = self.events[c]
        s = asyncio.ensure_future(ev["session"].wait())
        e = asyncio.ensure_future(ev["ended"].wait())
        done, pending = await asyncio.wait(
            [s, e], timeout=timeout or self.timeout,
            return_when=asyncio.FIRST_COMPLETED)
        for t in pending:
            t.cancel()
        return ev["session"].is_set()

    async def wait_message(self, c, body, timeout=None):
        """True once c received a message with this body."""
        ev = self.events[c]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout or self.timeout)
        while True:
            if any(m[2] == body for m in ev["messages"]):
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            ev["message_event"].clear()
            try:
                await asyncio.wait_for(ev["message_event"].wait(), left)
            except asyncio.TimeoutError:
                return False

    def run(self, coro, timeout=None):
        """Runs coro on this loop, bounded in time."""
        return self.loop.run_until_complete(
            asyncio.wait_for(coro, (timeout or self.timeout) + 5))

    def describe(self, c):
        ev = self.events[c]
        return ("session=%s succeeded_with=%s sasl_failures=%s "
                "stream_errors=%s failed_all_auth=%s disconnected=%s" % (
                    ev["session"].is_set(), ev["succeeded_with"],
                    ev["sasl_failures"], ev["stream_errors"],
                    ev["failed_all_auth"], ev["disconnected"]))
