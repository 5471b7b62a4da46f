"""lethectl privacy-report is generated from the configuration it runs
under and the daemon's store registry: changing [retention] offline and
archive changes the report; the JSON parses, has stable keys and lists
every store the server advertises; the HTML is well-formed and escaped;
the things never stored are listed."""
import json
import xml.dom.minidom

from test_retention_disco_form import retention_form

LETHE_CONF = {"retention": {"offline": "5h", "archive": "3d"}}


def report(lethe, *args):
    r = lethe.ctl("privacy-report", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_json_follows_configuration(lethe, login):
    data = json.loads(report(lethe, "--format", "json"))
    assert set(data) >= {"version", "hosts", "stored", "never_stored",
                         "seizure"}, data.keys()
    stores = {s["store"]: s for s in data["stored"]}
    for s in data["stored"]:
        assert set(s) == {"store", "what", "table", "owner",
                          "retention_seconds", "retention_key", "sealed",
                          "readers", "seizure_exposes"}, s
        assert s["what"], s
    assert stores["offline"]["retention_seconds"] == 5 * 3600
    assert stores["offline"]["retention_key"] == "[retention] offline"
    assert stores["archive"]["retention_seconds"] == 3 * 86400
    assert stores["roster"]["retention_seconds"] == 0
    # The same registry as the daemon's: every store it advertises.
    c = login()
    form = retention_form(c, "localhost")
    advertised = {k: int(v[0]) for k, v in form.items() if k != "FORM_TYPE"}
    assert advertised == {k: s["retention_seconds"]
                          for k, s in stores.items()}
    never = " ".join(n["what"] for n in data["never_stored"])
    for word in ("IP addresses", "connection and login times",
                 "client software", "presence", "routing metadata"):
        assert word in never, never


def test_markdown_changes_with_configuration(lethe, lethe_factory):
    md = report(lethe)
    assert md.startswith("# Privacy report")
    line = [ln for ln in md.splitlines() if "| offline (archive) |" in ln]
    assert len(line) == 1 and "| 5 hours |" in line[0], line
    other = lethe_factory({"retention": {"offline": "2d",
                                         "archive": "90m"}}, start=False)
    md2 = report(other)
    line = [ln for ln in md2.splitlines() if "| offline (archive) |" in ln]
    assert len(line) == 1 and "| 2 days |" in line[0], line
    line = [ln for ln in md2.splitlines() if "| archive (archive) |" in ln]
    assert len(line) == 1 and "| 90 minutes |" in line[0], line


def test_html_well_formed(lethe):
    html = report(lethe, "--format=html")
    assert html.startswith("<!DOCTYPE html>")
    doc = xml.dom.minidom.parseString(html[len("<!DOCTYPE html>"):])
    rows = doc.getElementsByTagName("tr")
    assert len(rows) > 10


def test_bad_format(lethe):
    r = lethe.ctl("privacy-report", "--format", "pdf")
    assert r.returncode == 2, r
