"""`opsbook insights`: the figures of the /insights/ page for scripts and reports.

The JSON format is the contract (opsbook.insights.compute); text and CSV are views of it.
Every string from a document goes through report.visible (text) or actions.csv_cell (CSV).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from typing import Any

from opsbook import insights, load
from opsbook.actions import csv_cell
from opsbook.console import add_root_today, fail, open_handbook
from opsbook.report import visible


def plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


FORMATS = ("text", "json", "csv")


def to_csv(data: dict[str, Any]) -> str:
    """One row per figure; text cells neutralised for spreadsheets, CRLF lines (RFC 4180)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=insights.CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in insights.csv_rows(data):
        writer.writerow({k: csv_cell(v) if isinstance(v, str) else v for k, v in row.items()})
    return out.getvalue()


def _figures(d: dict[str, Any]) -> str:
    if not d["n"]:
        return "n=0"
    return (
        f"n={d['n']} median {insights.fmt_minutes(d['median'])}, "
        f"p90 {insights.fmt_minutes(d['p90'])}, max {insights.fmt_minutes(d['max'])}"
    )


def to_text(data: dict[str, Any]) -> str:
    """A terminal summary; every value from a document shown through report.visible."""
    v = visible
    pms = data["postmortems"]
    left = pms["left_out"]
    lines = [
        f"{plural(pms['counted'], 'published postmortem')} counted; "
        f"{plural(left['draft'], 'draft')} and {left['in_review']} in review left out",
    ]
    for section, title in (("by_severity", "By severity"), ("by_quarter", "By quarter")):
        lines += ["", title]
        for group, figures in data[section].items():
            lines.append(f"  {v(group) or '(none)'}: {figures['n']} incidents")
            for key, (label, _start, _end) in insights.MEASURES.items():
                lines.append(f"    {label.lower()}: {_figures(figures[key])}")
    lines += ["", "Incidents per month"]
    for row in data["by_month"]:
        counts = ", ".join(f"{v(s)} {n}" for s, n in row["counts"].items() if n)
        lines.append(f"  {row['month']}: {counts or '0'}")
    lines += ["", "By service (most affected first)"]
    for row in data["by_service"]:
        lines.append(f"  {v(row['service'])}: {row['incidents']}")
    items = data["action_items"]
    done = items["done_by_due_date"]
    share = f"{done['share'] * 100:.0f}%" if done["share"] is not None else "-"
    age = items["open_age_days"]
    lines += [
        "",
        f"Action items: {items['total']}, {items['open']} open, {items['overdue']} overdue, "
        f"{items['done']} done, {items['wont_do']} won't do",
        f"  done by their due date: {share} ({done['done']} of {done['due_passed']} past due)",
        "  age of open items: "
        + (
            f"n={age['n']} median {age['median']} d, p90 {age['p90']} d, max {age['max']} d"
            if age["n"]
            else "none open"
        ),
        "  per owner:",
    ]
    for row in items["per_owner"]:
        lines.append(
            f"    {v(row['owner']) or '(none)'}: {row['open']} open, {row['overdue']} overdue, "
            f"{row['done']} done, {row['wont_do']} won't do"
        )
    lines += ["", f"Repeat incidents (within {data['repeat_window_days']} days)"]
    for row in data["repeats"]:
        ids = ", ".join(v(i) for i in row["postmortems"])
        lines.append(f"  {v(row['service'])}: {ids} ({row['first']} to {row['last']})")
    if not data["repeats"]:
        lines.append("  none")
    lines += ["", "Runbooks used again and again"]
    for row in data["runbooks_reused"]:
        title = f" {v(row['title'])}" if row["title"] else ""
        ids = ", ".join(v(i) for i in row["postmortems"])
        lines.append(f"  {v(row['runbook'])}{title}: {len(row['postmortems'])} ({ids})")
    if not data["runbooks_reused"]:
        lines.append("  none")
    return "\n".join(lines) + "\n"


RENDERERS = {"text": to_text, "json": insights.to_json, "csv": to_csv}


def _date(value: str | None, option: str) -> dt.date | str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return f"{option} must be a date YYYY-MM-DD, got '{value}'"


def _run(args: argparse.Namespace) -> int:
    since, until = _date(args.since, "--since"), _date(args.until, "--until")
    for value in (since, until):
        if isinstance(value, str):
            return fail(visible(value))
    assert not isinstance(since, str) and not isinstance(until, str)
    opened = open_handbook(args, lambda root, _today: load.load_handbook(root))
    if isinstance(opened, int):
        return opened
    _root, today, handbook = opened
    filters = insights.Filters(
        since=since, until=until, severity=args.severity, service=args.service
    )
    sys.stdout.write(RENDERERS[args.format](insights.compute(handbook, today, filters)))
    return 0


def register(sub: Any) -> None:
    """Add the `insights` command to the CLI."""
    p = sub.add_parser(
        "insights",
        help="incident figures from the published postmortems",
        description="Counts and distributions (n, median, 90th percentile, maximum) of time "
        "to detect, acknowledge, mitigate and resolve, by severity and quarter; incidents per "
        "month and service; action items; repeat incidents. Only published postmortems count. "
        "The JSON format is the contract the /insights/ page is made from.",
    )
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only postmortems dated on or after")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only postmortems dated on or before")
    p.add_argument("--severity", metavar="ID", help="only postmortems of this severity")
    p.add_argument("--service", metavar="NAME", help="only postmortems naming this service")
    add_root_today(p, "the date for overdue action items and their age")
    p.set_defaults(func=_run)
