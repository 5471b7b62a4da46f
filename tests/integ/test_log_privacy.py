"""The log never holds addresses, message bodies or passwords (PRIVACY.md),
and at the default level (info) no local user names either: checked on
the server's stderr after logins, failures, chat and errors."""
import pytest

LETHE_CONF = {"server": {"log_level": "info"}}

BODY = "secret-body-7f3a9c"


@pytest.fixture(scope="module")
def activity(lethe):
    """Logins, a failed login, a chat and a bounced message; returns what
    must not be logged."""
    a_local, a_pw, a_bare = lethe.new_account("privacya")
    b_local, b_pw, b_bare = lethe.new_account("privacyb")
    a = lethe.raw()
    a.login(a_local, a_pw, mechanism="PLAIN", resource="laptop-res")
    b = lethe.raw(direct=True)
    b.login(b_local, b_pw, mechanism="SCRAM-SHA-256-PLUS", direct=True)
    for c in (a, b):
        c.presence(priority=0)
        c.assert_alive()
    a.message(b_bare, BODY)
    b.wait_message(BODY)
    a.message("nosuchuser@localhost", BODY + "-bounced")
    a.wait_for(lambda e: e.get("type") == "error")
    bad = lethe.raw()
    bad.starttls()
    bad.auth_plain(a_local, "wrong-" + a_pw)
    bad.close()
    hostile = lethe.raw()
    hostile.open_stream()
    hostile.send("<!-- " + BODY + " -->", may_fail=True)
    hostile.expect_stream_error("restricted-xml")
    a.close()
    b.close()
    return {"users": [a_local, b_local, "nosuchuser"],
            "passwords": [a_pw, b_pw],
            "resource": "laptop-res",
            "body": BODY}


def test_no_addresses(lethe, activity):
    log = lethe.log()
    assert "event=" in log  # the log is the one we think it is
    assert "127.0.0.1" not in log
    assert "::1" not in log


def test_no_bodies_or_passwords(lethe, activity):
    log = lethe.log()
    assert activity["body"] not in log
    for pw in activity["passwords"]:
        assert pw not in log


def test_no_user_names_or_resources_at_info(lethe, activity):
    log = lethe.log()
    for user in activity["users"]:
        assert user not in log, user
    assert activity["resource"] not in log
