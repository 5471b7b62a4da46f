"""SIGTERM: every stream, bound or not, gets <system-shutdown/> and
</stream:stream>, then the server exits with status 0."""
import signal



def test_sigterm_tells_every_stream(lethe_factory):
    server = lethe_factory()
    local, password, _ = server.new_account()
    bound = server.raw()
    bound.login(local, password)
    bound.presence()
    bound.assert_alive()
    early = server.raw()
    early.open_stream()
    direct = server.raw(direct=True)
    direct.open_stream()
    server.signal(signal.SIGTERM)
    rc = server.wait_exit()
    # What the server wrote before exiting is still in the sockets.
    for c in (bound, early, direct):
        c.expect_stream_error("system-shutdown")
    assert rc == 0, server.log()[-2000:]
    assert "event=stopped" in server.log()
    for c in (bound, early, direct):
        c.close()


def test_sigterm_idle(lethe_factory):
    server = lethe_factory()
    server.signal(signal.SIGTERM)
    assert server.wait_exit() == 0, server.log()[-2000:]


def test_sigint_also_stops(lethe_factory):
    server = lethe_factory()
    server.signal(signal.SIGINT)
    assert server.wait_exit() == 0, server.log()[-2000:]
