"""The privacy report follows [server] sealing. On: the account stores
the issue names (roster, blocklist, offline messages, archive, private
XML) are reported sealed, readable by the account only, exposing
ciphertext and what their indexes still show; the seizure statement
names what a copy of the database still yields. Off: nothing is reported
sealed, and the report says data sealed earlier stays sealed."""
import json

SEALED = ("roster", "blocklist", "offline", "archive", "private")


def report(server, fmt="json"):
    r = server.ctl("privacy-report", "--format", fmt)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_sealing_on(lethe):
    lethe.new_account("reported")
    data = json.loads(report(lethe))
    assert data["sealing"]["on"] is True, data["sealing"]
    assert data["sealing"]["accounts"] >= 1
    assert data["sealing"]["accounts_sealed"] == data["sealing"]["accounts"]
    stores = {s["store"]: s for s in data["stored"]}
    for name in SEALED:
        assert stores[name]["sealed"] is True, stores[name]
        assert "operator" not in stores[name]["readers"], stores[name]
        assert "ciphertext" in stores[name]["seizure_exposes"]
    assert "keyed hash" in stores["archive"]["seizure_exposes"]
    assert "grouped" in stores["archive"]["seizure_exposes"]
    assert "number of entries" in stores["roster"]["seizure_exposes"]
    for name in ("vcard", "pep_items", "push"):
        assert stores[name]["sealed"] is False, stores[name]
    text = data["seizure"]
    for words in ("account names", "verifiers", "public key", "push",
                  "FAST", "time, id and size", "ciphertext",
                  "cannot be named", "number of contacts"):
        assert words in text, (words, text)
    md = report(lethe, "md")
    assert "Sealing is on" in md
    line = [ln for ln in md.splitlines() if "| roster (map) |" in ln]
    assert len(line) == 1 and "| yes |" in line[0], line


def test_sealing_off(lethe_factory):
    s = lethe_factory({"server": {"sealing": "false"}}, start=False)
    data = json.loads(report(s))
    assert data["sealing"]["on"] is False
    assert not any(st["sealed"] for st in data["stored"]), data["stored"]
    assert "stays sealed" in data["seizure"], data["seizure"]
    stores = {st["store"]: st for st in data["stored"]}
    assert "in clear" in stores["roster"]["seizure_exposes"]
    html = report(s, "html")
    assert "Sealing is off" in html
