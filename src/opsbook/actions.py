"""Action items across postmortems: selection, order, and table, JSON, CSV and iCalendar.

The library part: the site, `opsbook generate` and the `actions` command (actions_cli) use it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from opsbook import mkdocsconfig
from opsbook.model import ActionItem, add_days
from opsbook.report import visible

FORMATS = ("table", "json", "csv", "ics")
OPEN_STATUSES = ("open", "in_progress")
FIELDS = (
    "uid",
    "id",
    "title",
    "owner",
    "due",
    "days_overdue",
    "status",
    "priority",
    "link",
    "postmortem_id",
    "postmortem_title",
    "postmortem_path",
    "services",
)


def select(
    items: Iterable[ActionItem],
    today: dt.date,
    *,
    statuses: Sequence[str] = OPEN_STATUSES,
    owner: str | None = None,
    service: str | None = None,
    overdue: bool = False,
) -> list[ActionItem]:
    """The items matching every filter given, overdue first (most overdue first), then by due."""
    chosen = [
        item
        for item in items
        if item.status in statuses
        and (owner is None or item.owner == owner)
        and (service is None or service in item.services)
        and (not overdue or item.days_overdue(today) > 0)
    ]
    return sorted(chosen, key=lambda i: order_key(i, today))


def order_key(item: ActionItem, today: dt.date) -> tuple[int, int, str, str]:
    due = item.due.toordinal() if item.due else dt.date.max.toordinal()
    return (-item.days_overdue(today), due, item.owner, item.uid)


def as_record(item: ActionItem, today: dt.date) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "id": item.id,
        "title": item.title,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "days_overdue": item.days_overdue(today),
        "status": item.status,
        "priority": item.priority,
        "link": item.link,
        "postmortem_id": item.postmortem_id,
        "postmortem_title": item.postmortem_title,
        "postmortem_path": item.postmortem_rel,
        "services": list(item.services),
    }


def to_json(items: Sequence[ActionItem], today: dt.date) -> str:
    return json.dumps([as_record(i, today) for i in items], indent=2, ensure_ascii=False) + "\n"


# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets
# (=HYPERLINK(...) sends the reader's data away; tab and CR are read past to a formula).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A text cell no spreadsheet reads as a formula: OWASP's leading single quote when needed.

    Shown as written by spreadsheets (the quote marks the cell as text); a program reading the
    CSV sees the quote, which is why the JSON file keeps every value as written.
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(items: Sequence[ActionItem], today: dt.date) -> str:
    """The items as CSV, every text cell passed through csv_cell (the site's file and the CLI).

    Lines end with CRLF, as RFC 4180 asks: the csv module quotes a cell holding a character of
    the line terminator only, and an unquoted carriage return starts a new row in a spreadsheet
    (whose first cell could then be a formula).
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for item in items:
        record = as_record(item, today)
        record["services"] = ";".join(record["services"])
        writer.writerow({k: csv_cell(v) if isinstance(v, str) else v for k, v in record.items()})
    return out.getvalue()


def calendar_domain(site_url: str, site_name: str, root_name: str) -> str:
    """What makes a handbook's UIDs its own, so that two handbooks' items never collide in one
    calendar: its site_url's host (and path, for several sites on one host), else its
    site_name as a slug, else a stable hash of the handbook folder's name."""
    try:
        parts = urllib.parse.urlsplit(site_url.strip())
        host = parts.hostname
    except ValueError:  # a malformed URL (a bad port, an unclosed IPv6 bracket)
        host = None
    if host:
        path = "/".join(p for p in parts.path.split("/") if p)
        return _uid_safe(f"{host}/{path}" if path else host)
    ascii_name = unicodedata.normalize("NFKD", site_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if slug:
        return slug
    seed = site_name.strip() or root_name
    return "opsbook-" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:12]


def _uid_safe(text: str) -> str:
    # No TEXT escapes or folding surprises in a UID: keep URL-ish characters only.
    return re.sub(r"[^A-Za-z0-9._~/-]", "-", text)


def handbook_calendar_domain(root: Path, site_url: str | None = None) -> str:
    """calendar_domain of the handbook at root, from site_url if given, else its mkdocs.yml's
    site_url and site_name (what the site build's action-items.ics uses too)."""
    config = mkdocsconfig.read(root)  # no readable mkdocs.yml: the folder's name decides
    url, name = site_url or config.get("site_url"), config.get("site_name")
    return calendar_domain(
        url if isinstance(url, str) else "",
        name if isinstance(name, str) else "",
        root.resolve().name,
    )


def to_ics(items: Sequence[ActionItem], today: dt.date, domain: str = "opsbook") -> str:
    """An iCalendar file: one all-day event on each item's due date, with a stable UID.

    A UID is `<postmortem id>/<item>@<domain>`, domain being the handbook's own
    (calendar_domain): UIDs are unique across every calendar a user subscribes to (RFC 5545),
    so two handbooks' PM-2026-001/1 must differ, or one replaces the other.

    Written directly (RFC 5545: escaped TEXT values, lines folded at 75 octets, CRLF):
    icalendar's object model took 0.6 ms an event, a second of every large site build.
    """
    stamp = f"{_ics_date(today)}T000000Z"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//opsbook//action items//EN",
        "X-WR-CALNAME:Incident action items",
    ]
    for item in items:
        if item.due is None:
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_ics_text(item.uid)}@{_ics_text(domain)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_ics_date(item.due)}",
        ]
        # The day after: an all-day event ends there (exclusive). On the last date Python has
        # there is none; an event without DTEND lasts the one day of its DTSTART (RFC 5545).
        end = add_days(item.due, 1)
        if end > item.due:
            lines.append(f"DTEND;VALUE=DATE:{_ics_date(end)}")
        lines += [
            f"SUMMARY:{_ics_text(f'{item.title} ({item.owner})')}",
            "DESCRIPTION:"
            + _ics_text(
                f"Action item from {item.postmortem_id}: {item.postmortem_title}. "
                f"Status: {item.status}. Owner: {item.owner}."
            ),
        ]
        if item.link:
            lines.append(f"URL:{_ICS_CONTROL.sub('', item.link)}")
        lines.append("CATEGORIES:" + ",".join(_ics_text(c) for c in [item.status, *item.services]))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


def _ics_date(day: dt.date) -> str:
    # Not strftime("%Y"): it drops the leading zeros of a year before 1000 on glibc.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


# Control characters other than tab are not allowed in iCalendar text; line breaks are escaped.
_ICS_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ICS_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})


def _ics_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 asks."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").translate(_ICS_ESCAPES)
    return _ICS_CONTROL.sub("", text)


def _ics_fold(line: str) -> str:
    """A content line folded into parts of at most 75 octets, never inside a UTF-8 character."""
    if len(line.encode("utf-8")) <= 75:
        return line
    parts: list[str] = []
    part: list[str] = []
    size, limit = 0, 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(part))
            # A continuation line starts with a space, which counts towards its 75 octets.
            part, size, limit = [], 0, 74
        part.append(char)
        size += n
    parts.append("".join(part))
    return "\r\n ".join(parts)


def to_table(items: Sequence[ActionItem], today: dt.date) -> str:
    """Aligned columns for a terminal: every cell through report.visible, one item a line."""
    headers = ("DUE", "OVERDUE", "STATUS", "OWNER", "TITLE", "POSTMORTEM")
    rows = [
        tuple(
            visible(cell)
            for cell in (
                item.due.isoformat() if item.due else "-",
                f"{item.days_overdue(today)}d" if item.days_overdue(today) else "",
                item.status,
                item.owner,
                item.title,
                item.postmortem_id,
            )
        )
        for item in items
    ]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    ]
    open_count = sum(i.is_open for i in items)
    overdue_count = sum(i.days_overdue(today) > 0 for i in items)
    lines.append(f"{len(items)} items, {open_count} open, {overdue_count} overdue")
    return "\n".join(lines) + "\n"


RENDERERS = {"table": to_table, "json": to_json, "csv": to_csv, "ics": to_ics}
