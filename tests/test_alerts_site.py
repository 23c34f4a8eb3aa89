"""The alert path on the site: /alerts/, /alerts/<name>/ (redirect or chooser, lower-cased
form too), the runbook's box and search summary, and `opsbook generate`; one real build."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote, urljoin

import pytest

from conftest import POLICY, Handbook, Run, dedent
from htmldom import parse
from sitebuild import Built, build, install_site, pagefind_pages

pytestmark = pytest.mark.slow

HOSTILE = "Disk: full <img src=x onerror=alert(1)> {onfocus=alert(2)} [x](javascript:alert(3))"


def runbook(rb_id: str, title: str, service: str, alerts: list[str]) -> str:
    names = ", ".join('"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in alerts)
    return dedent(
        f"""
        ---
        id: {rb_id}
        title: {title}
        service: {service}
        owner: sre
        severity: [P1]
        last_reviewed: 2026-09-01
        alerts: [{names}]
        ---
        # {title}

        Do the thing.
        """
    )


RULES = dedent(
    """
    groups:
      - name: storage
        rules:
          - alert: DiskFull
            expr: disk_free < 0.05
            labels: {severity: critical}
            annotations:
              runbook_url: /alerts/{{ $labels.alertname }}/
          - alert: NobodyWroteThis
            expr: up == 0
            labels: {severity: critical}
          - alert: QuietOne
            expr: up == 0
            labels: {severity: warning}
    """
)

BOOKS = {
    # Two runbooks name DiskFull: a chooser. The first also names a hostile alert.
    "runbooks/storage/disk-full.md": runbook(
        "RB-0010", "Disk full", "storage", ["DiskFull", HOSTILE]
    ),
    "runbooks/storage/disk-cleanup.md": runbook("RB-0011", "Clean a disk", "storage", ["DiskFull"]),
    # Names differing only in case: each exact page redirects; the lower-cased one chooses.
    "runbooks/api/latency.md": runbook("RB-0020", "API latency", "api", ["ApiLatencyHigh"]),
    "runbooks/api/latency-old.md": runbook("RB-0021", "Old API latency", "api", ["APILatencyHigh"]),
    # An exact lower-case name wins over the lower-cased form of another.
    "runbooks/api/watchdog.md": runbook("RB-0030", "Watchdog", "api", ["Watchdog"]),
    "runbooks/api/watchdog-lower.md": runbook("RB-0031", "watchdog lower", "api", ["watchdog"]),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("alerts-site")
    book = Handbook(root)
    book.write("policy.yml", POLICY + "alerts:\n  rules: [rules/*.yml]\n")
    book.write("rules/storage.yml", RULES)
    for rel, text in BOOKS.items():
        book.write(rel, text)
    install_site(root)
    return build(root, tmp_path_factory.mktemp("alerts-site-out"))


def target(built: Built, name: str) -> tuple[str, Path]:
    """The HTML of /alerts/<name>/ as a server would answer the quoted URL, and its folder."""
    folder = built.site / "alerts" / unquote(quote(name, safe=""))
    return (folder / "index.html").read_text(encoding="utf-8"), folder


def redirect_of(html: str, base: str) -> str:
    """Where a redirect page sends the reader: its refresh, canonical and plain link agree."""
    page = parse(html)
    refresh = next(m for m in page.find_all("meta") if m.attrs.get("http-equiv") == "refresh")
    url = re.fullmatch(r"0; url=(.*)", refresh.attrs["content"])
    assert url is not None
    canonical = next(link for link in page.find_all("link") if link.attrs.get("rel") == "canonical")
    plain = page.find("a").attrs["href"]
    assert url.group(1) == canonical.attrs["href"] == plain
    return urljoin(base, url.group(1))


def chooser_of(html: str, base: str) -> list[str]:
    page = parse(html)
    assert not [m for m in page.find_all("meta") if m.attrs.get("http-equiv") == "refresh"]
    return [urljoin(base, a.attrs["href"]) for a in page.find_all("a") if a.text() != "All alerts"]


def test_the_site_builds(site: Built) -> None:
    assert site.code == 0, site.log


def test_one_runbook_naming_an_alert_is_a_redirect_to_it(site: Built) -> None:
    html, _ = target(site, "ApiLatencyHigh")
    base = "https://hb.example/alerts/ApiLatencyHigh/"
    assert redirect_of(html, base) == "https://hb.example/runbooks/api/latency/"
    html, _ = target(site, "APILatencyHigh")
    base = "https://hb.example/alerts/APILatencyHigh/"
    assert redirect_of(html, base) == "https://hb.example/runbooks/api/latency-old/"


def test_several_runbooks_naming_an_alert_get_a_chooser(site: Built) -> None:
    html, _ = target(site, "DiskFull")
    base = "https://hb.example/alerts/DiskFull/"
    assert chooser_of(html, base) == [
        "https://hb.example/runbooks/storage/disk-full/",
        "https://hb.example/runbooks/storage/disk-cleanup/",
    ]
    # The lower-cased form of a name only one alert has: the same chooser.
    html, _ = target(site, "diskfull")
    assert chooser_of(html, "https://hb.example/alerts/diskfull/") == [
        "https://hb.example/runbooks/storage/disk-full/",
        "https://hb.example/runbooks/storage/disk-cleanup/",
    ]


def test_lower_cased_form_chooses_between_names_differing_in_case(site: Built) -> None:
    html, _ = target(site, "apilatencyhigh")
    assert sorted(chooser_of(html, "https://hb.example/alerts/apilatencyhigh/")) == [
        "https://hb.example/runbooks/api/latency-old/",
        "https://hb.example/runbooks/api/latency/",
    ]
    assert "<code>ApiLatencyHigh</code>" in html and "<code>APILatencyHigh</code>" in html


def test_an_exact_name_wins_over_a_lower_cased_form(site: Built) -> None:
    html, _ = target(site, "watchdog")
    base = "https://hb.example/alerts/watchdog/"
    assert redirect_of(html, base) == "https://hb.example/runbooks/api/watchdog-lower/"
    html, _ = target(site, "Watchdog")
    base = "https://hb.example/alerts/Watchdog/"
    assert redirect_of(html, base) == "https://hb.example/runbooks/api/watchdog/"


def test_a_hostile_name_is_text_and_one_path_segment(site: Built) -> None:
    html, folder = target(site, HOSTILE)
    assert folder.parent == site.site / "alerts"
    base = f"https://hb.example/alerts/{quote(HOSTILE, safe='')}/"
    assert redirect_of(html, base) == "https://hb.example/runbooks/storage/disk-full/"
    page = parse(html)
    assert not page.find_all("img") and "onerror" not in str(page.find("body").attrs)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # Its lower-cased form too.
    html, _ = target(site, HOSTILE.lower())
    assert "&lt;img src=x onerror=alert(1)&gt;".lower() in html


def test_alerts_page_lists_alerts_without_runbook_first_paging_at_top(site: Built) -> None:
    article = site.content("alerts/")
    rows = article.find("div", cls="ob-alerts").find("tbody").find_all("tr")
    names = [row.find("td").text() for row in rows]
    assert names[:2] == ["NobodyWroteThis", "QuietOne"]
    assert set(names[2:]) == {
        "APILatencyHigh", "ApiLatencyHigh", "DiskFull", HOSTILE, "Watchdog", "watchdog",
    }  # fmt: skip
    first = [c.text() for c in rows[0].find_all("td")]
    assert first[1].startswith("critical") and "pages" in first[1]
    assert first[2] == "rules/storage.yml" and first[3] == "no runbook"
    disk = rows[names.index("DiskFull")]
    cells = disk.find_all("td")
    assert cells[2].text() == "rules/storage.yml"
    assert [a.text() for a in cells[3].find_all("a")] == [
        "RB-0010 Disk full",
        "RB-0011 Clean a disk",
    ]
    # Each named alert links its stable URL, percent-encoded; the hostile name stays text.
    links = {a.text(): a.attrs["href"] for row in rows for a in row.find("td").find_all("a")}
    assert links["DiskFull"] == "DiskFull/"
    assert links[HOSTILE] == quote(HOSTILE, safe="") + "/"
    assert not article.find_all("img")
    assert all("onfocus" not in el.attrs for el in article.iter())


def test_alerts_page_shows_coverage_by_severity_and_rule_file(site: Built) -> None:
    article = site.content("alerts/")
    tables = article.find_all("div", cls="ob-alert-coverage")
    total, by_severity, by_file = (
        [[c.text() for c in r.find_all("td")] for r in t.find("tbody").find_all("tr")]
        for t in tables
    )
    assert total == [["All rules", "3", "1", "33%", "2", "1"]]
    assert by_severity == [
        ["critical", "2", "1", "50%", "2", "1"],
        ["warning", "1", "0", "0%", "0", "0"],
    ]
    assert by_file == [["rules/storage.yml", "3", "1", "33%", "2", "1"]]


def test_the_runbooks_box_links_its_alerts(site: Built) -> None:
    box = site.content("runbooks/storage/disk-full/").find("div", cls="ob-meta")
    links = {a.text(): a.attrs["href"] for a in box.find_all("a", cls="ob-alert")}
    assert links == {
        "DiskFull": "../../../alerts/DiskFull/",
        HOSTILE: "../../../alerts/" + quote(HOSTILE, safe="/#.-_~") + "/",
    }
    assert ":" not in links[HOSTILE]
    assert not box.find_all("img")


def test_search_indexes_a_runbooks_alerts(site: Built) -> None:
    pages = pagefind_pages(site.site)
    texts = " ".join(p["content"] for p in pages if p["url"].startswith("/runbooks/api/latency/"))
    assert "ApiLatencyHigh" in texts
    # The chooser and redirect pages are not pages of the search index.
    assert not [p for p in pages if p["url"].startswith("/alerts/") and p["url"] != "/alerts/"]


def test_generate_writes_the_alert_pages(opsbook: Callable[..., Run], tmp_path: Path) -> None:
    book = Handbook(tmp_path / "book")
    book.write("policy.yml", POLICY)
    for rel, text in BOOKS.items():
        book.write(rel, text)
    run = opsbook("generate", "out", "--today", "2026-09-15", cwd=book.root)
    assert run.code == 0, run.err
    out = book.root / "out" / "docs"
    assert (out / "alerts" / "index.md").is_file()
    html = (out / "alerts" / "ApiLatencyHigh" / "index.html").read_text(encoding="utf-8")
    assert (
        redirect_of(html, "https://x/alerts/ApiLatencyHigh/") == "https://x/runbooks/api/latency/"
    )
    assert (out / "alerts" / "apilatencyhigh" / "index.html").is_file()


def test_dot_names_get_no_page_and_nothing_lands_outside_alerts(
    opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    """'.' and '..' pass the schema but are no URL path segment of their own."""
    book = Handbook(tmp_path / "book")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/dots.md", runbook("RB-0050", "Dots", "api", [".", "..", "A b"]))
    run = opsbook("generate", "out", "--today", "2026-09-15", cwd=book.root)
    assert run.code == 0, run.err
    out = book.root / "out" / "docs"
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    assert pages == ["alerts/A b/index.html", "alerts/a b/index.html"]
    assert "<code>..</code>" in (out / "alerts" / "index.md").read_text(encoding="utf-8")


def test_a_name_the_schema_refuses_writes_nothing_anywhere(
    opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    """A document failing lint is still shown: its names must not become paths."""
    book = Handbook(tmp_path / "book")
    book.write("policy.yml", POLICY)
    names = ["../../../escaped", "a/b", "c\\..\\..\\d", "e%2F..", "ok"]
    book.write("runbooks/api/bad.md", runbook("RB-0051", "Bad", "api", names))
    assert opsbook("lint", "--today", "2026-09-15", cwd=book.root).code == 1
    run = opsbook("generate", "out", "--today", "2026-09-15", cwd=book.root)
    assert run.code == 0, run.err
    out = book.root / "out" / "docs"
    assert not list(tmp_path.rglob("escaped*")) and not (out / "alerts" / "a").exists()
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    assert pages == ["alerts/ok/index.html"]


@pytest.mark.parametrize("name", [".", "..", "a\\b"])
def test_lint_refuses_a_name_that_gets_no_page(
    opsbook: Callable[..., Run], handbook: Handbook, name: str
) -> None:
    """Lint and build agree: a name the site cannot serve is an error at its line."""
    handbook.write("runbooks/api/odd.md", runbook("RB-0052", "Odd", "api", ["Fine", name]))
    run = opsbook("lint", "--today", "2026-09-15", cwd=handbook.root)
    assert run.code == 1, run.out
    assert "runbooks/api/odd.md:8:" in run.out and "schema-format" in run.out, run.out
    new = opsbook(
        "new", "runbook", "--title", "X", "--service", "api", "--owner", "sre",
        "--severity", "P1", "--alert", name, "--no-input", cwd=handbook.root,
    )  # fmt: skip
    assert new.code == 2 and "--alert" in new.err, new.err
