"""Incident insights: what the published postmortems say over time, as distributions and counts.

A pure function of a loaded handbook (`compute`) makes one JSON-ready dict: `opsbook insights`
prints it (or a text or CSV view of it), and the /insights/ page and the site's insights.json
are made from the same dict, so the command, the page and the file cannot disagree.

Definitions (written on the page as well, see DEFINITIONS):

- Only published postmortems count; drafts and postmortems in review are counted as left out.
- Durations are in minutes, between two key times of the timeline: time to detect is started
  to detected, to acknowledge detected to acknowledged, to mitigate started to mitigated, to
  resolve started to resolved. A postmortem missing either time, or with a time without a UTC
  offset or the end before the start (both lint errors), is missing for that measure: it is
  left out of the measure's n, never counted as zero.
- Median is `statistics.median`; the 90th percentile is
  `statistics.quantiles(values, n=10, method="inclusive")[8]` for two or more values and the
  value itself for one. Figures are rounded to two decimals. No mean is given: incident
  durations are skewed and a mean sits right of most incidents.
- Months and quarters are those of the postmortem's `date`.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from opsbook.model import ActionItem, Handbook, Postmortem

# The four measures: JSON key -> (label, start key time, end key time).
MEASURES: dict[str, tuple[str, str, str]] = {
    "time_to_detect": ("Time to detect", "started", "detected"),
    "time_to_acknowledge": ("Time to acknowledge", "detected", "acknowledged"),
    "time_to_mitigate": ("Time to mitigate", "started", "mitigated"),
    "time_to_resolve": ("Time to resolve", "started", "resolved"),
}

COUNTED = "published"
LEFT_OUT = ("draft", "in_review")
OPEN_STATUSES = ("open", "in_progress")
# Past this many months between the first and the last postmortem, by_month lists only the
# months that had one: filling 1900-01..2999-12 (both valid dates) would be 13,200 rows.
MONTH_SPAN_MAX = 240

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Counted",
        "Only published postmortems count. Drafts and postmortems in review are left out, and "
        "counted as such.",
    ),
    ("Time to detect", "From the `started` key time to `detected`."),
    ("Time to acknowledge", "From `detected` to `acknowledged`."),
    ("Time to mitigate", "From `started` to `mitigated`."),
    ("Time to resolve", "From `started` to `resolved`."),
    (
        "Missing",
        "A postmortem without one of a measure's two key times (or with the end before the "
        "start) is missing for that measure: it is not in that measure's n, and never counts "
        "as zero.",
    ),
    (
        "n, median, p90, max",
        "n is how many postmortems have the measure. The median is the middle value (the mean "
        "of the two middle values for an even n; Python's statistics.median). p90, the 90th "
        "percentile, is statistics.quantiles(values, n=10, method='inclusive')[8] for two or "
        "more values, and the value itself for one. Durations are minutes, rounded to two "
        "decimals. There is no mean: incident durations are skewed, and a mean sits to the "
        "right of most incidents.",
    ),
    ("Month, quarter", "Those of the postmortem's date, the day the incident started."),
    (
        "Action items",
        "The action items of the counted postmortems. Open means open or in progress; overdue "
        "means open past its due date (today counts as not yet overdue); done and won't do as "
        "the item's status says. By month means by the month the item is due.",
    ),
    (
        "Done by the due date",
        "Of the items whose due date has passed and that were not dropped (won't do), the "
        "share whose status is done. Postmortems record no completion date, so an item done "
        "after its due date still counts as done.",
    ),
    (
        "Age of open items",
        "Days from the postmortem's date to today, for each open item: postmortems record when "
        "the incident happened, not when an item was written.",
    ),
    (
        "Per owner",
        "Every owner of an action item of a counted postmortem, with their items' states; "
        "most overdue first.",
    ),
    (
        "Repeat incidents",
        "Two or more postmortems of the same service, each dated within the repeat window "
        "(policy.yml insights.repeat_window_days, default 30 days) of the one before it.",
    ),
    ("Runbooks used again", "Runbooks named in the runbooks of two or more counted postmortems."),
)


@dataclass(frozen=True)
class Filters:
    """Which postmortems to look at: by date (inclusive), severity and service."""

    since: dt.date | None = None
    until: dt.date | None = None
    severity: str | None = None
    service: str | None = None

    def match(self, pm: Postmortem) -> bool:
        if self.since is not None and (pm.date is None or pm.date < self.since):
            return False
        if self.until is not None and (pm.date is None or pm.date > self.until):
            return False
        if self.severity is not None and pm.severity != self.severity:
            return False
        return self.service is None or self.service in pm.services

    def as_dict(self) -> dict[str, str | None]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "severity": self.severity,
            "service": self.service,
        }


def number(value: float) -> int | float:
    """A figure rounded to two decimals, as an int when it is whole (12, not 12.0)."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def p90(values: Sequence[float]) -> float:
    """The 90th percentile as the issue defines it: inclusive quantiles, or the one value."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def minutes(pm: Postmortem, start: str, end: str) -> float | None:
    """Minutes between two key times, or None when one is missing or they are out of order."""
    try:
        delta = pm.duration(start, end)
    except OverflowError:  # only under a team's own schema without year bounds
        return None
    if delta is None or delta < dt.timedelta(0):
        return None
    return delta.total_seconds() / 60


def ref(pm: Postmortem) -> str:
    """How the figures name a postmortem: its id, or its path when it has none."""
    return pm.id or pm.rel


def distribution(values: Sequence[tuple[float, str]]) -> dict[str, Any]:
    """n, median, p90, max of (value, postmortem) pairs, and the postmortems behind them.

    The postmortems are listed from the smallest value to the largest (ties by name), so the
    last one is the maximum's.
    """
    ordered = sorted(values)
    numbers = [v for v, _ in ordered]
    if not numbers:
        return {"n": 0, "median": None, "p90": None, "max": None, "postmortems": [], "values": []}
    return {
        "n": len(numbers),
        "median": number(statistics.median(numbers)),
        "p90": number(p90(numbers)),
        "max": number(numbers[-1]),
        "postmortems": [name for _, name in ordered],
        # Each postmortem's own value, in the same order: every figure can be checked.
        "values": [number(v) for v in numbers],
    }


def measures(pms: Iterable[Postmortem]) -> dict[str, Any]:
    """A group's n and its four distributions."""
    group = list(pms)
    out: dict[str, Any] = {"n": len(group)}
    for key, (_label, start, end) in MEASURES.items():
        pairs = [(m, ref(pm)) for pm in group if (m := minutes(pm, start, end)) is not None]
        out[key] = distribution(pairs)
    return out


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_of(day: dt.date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def _months_between(first: dt.date, last: dt.date) -> list[str]:
    start, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(start, end + 1)]


def _quarters_between(first: dt.date, last: dt.date) -> list[str]:
    start = first.year * 4 + (first.month - 1) // 3
    end = last.year * 4 + (last.month - 1) // 3
    return [f"{i // 4:04d}-Q{i % 4 + 1}" for i in range(start, end + 1)]


def _severity_order(handbook: Handbook, seen: Iterable[str]) -> list[str]:
    """The policy's severities in its order, then any other id a postmortem gives."""
    # A severity listed twice (a lint error) is one group, not two.
    ids = list(dict.fromkeys(s.id for s in handbook.policy.severities))
    extra = sorted(set(seen) - set(ids))
    return ids + extra


def _timeline(
    counted: list[Postmortem], severities: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """by_quarter and by_month: every quarter and month from the first postmortem to the last."""
    dated = [pm for pm in counted if pm.date is not None]
    if not dated:
        return {}, []
    first = min(pm.date for pm in dated if pm.date)
    last = max(pm.date for pm in dated if pm.date)
    by_quarter_pms: dict[str, list[Postmortem]] = defaultdict(list)
    by_month_pms: dict[str, list[Postmortem]] = defaultdict(list)
    for pm in dated:
        assert pm.date is not None
        by_quarter_pms[quarter_of(pm.date)].append(pm)
        by_month_pms[month_of(pm.date)].append(pm)
    span = (last.year - first.year) * 12 + last.month - first.month
    if span <= MONTH_SPAN_MAX:
        months, quarters = _months_between(first, last), _quarters_between(first, last)
    else:
        months, quarters = sorted(by_month_pms), sorted(by_quarter_pms)
    by_quarter = {q: measures(by_quarter_pms.get(q, [])) for q in quarters}
    by_month = []
    for month in months:
        counts = Counter(pm.severity for pm in by_month_pms.get(month, []))
        by_month.append(
            {
                "month": month,
                "counts": {s: counts.get(s, 0) for s in severities},
                "postmortems": [ref(pm) for pm in by_month_pms.get(month, [])],
            }
        )
    return by_quarter, by_month


def _by_service(counted: list[Postmortem]) -> list[dict[str, Any]]:
    per: dict[str, list[str]] = defaultdict(list)
    for pm in counted:
        for service in dict.fromkeys(pm.services):
            per[service].append(ref(pm))
    rows = [{"service": s, "incidents": len(ids), "postmortems": ids} for s, ids in per.items()]
    return sorted(rows, key=lambda r: (-r["incidents"], r["service"]))


def _state(item: ActionItem, today: dt.date) -> str:
    """open, overdue, done or wont_do: one state per item."""
    if item.status in OPEN_STATUSES:
        return "overdue" if item.days_overdue(today) > 0 else "open"
    return item.status


STATES = ("open", "overdue", "done", "wont_do")


def _action_items(counted: list[Postmortem], today: dt.date) -> dict[str, Any]:
    dates = {id(item): pm.date for pm in counted for item in pm.action_items}
    items = [item for pm in counted for item in pm.action_items]
    totals = Counter(_state(i, today) for i in items)
    by_month: dict[str, Counter[str]] = defaultdict(Counter)
    no_due = 0
    for item in items:
        if item.due is None:
            no_due += 1
            continue
        by_month[month_of(item.due)][_state(item, today)] += 1
    past_due = [i for i in items if i.due is not None and i.due < today and i.status != "wont_do"]
    done_past_due = sum(i.status == "done" for i in past_due)
    ages: list[tuple[float, str]] = []
    for item in items:
        day = dates.get(id(item))
        if item.status in OPEN_STATUSES and day is not None:
            ages.append((float(max(0, (today - day).days)), item.uid))
    age = distribution(ages)
    age["items"] = age.pop("postmortems")  # action item uids: postmortem id / item id
    owners: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        owners[item.owner][_state(item, today)] += 1
    per_owner: list[dict[str, Any]] = [
        {"owner": owner, **{s: c.get(s, 0) for s in STATES}, "total": sum(c.values())}
        for owner, c in owners.items()
    ]
    per_owner.sort(key=lambda r: (-r["overdue"], -r["open"], r["owner"]))
    return {
        "total": len(items),
        **{s: totals.get(s, 0) for s in STATES},
        "no_due_date": no_due,
        "by_month": [
            {"month": m, **{s: by_month[m].get(s, 0) for s in STATES}} for m in sorted(by_month)
        ],
        "done_by_due_date": {
            "due_passed": len(past_due),
            "done": done_past_due,
            "share": number(done_past_due / len(past_due)) if past_due else None,
        },
        "open_age_days": age,
        "per_owner": per_owner,
    }


def _repeats(counted: list[Postmortem], window: int) -> list[dict[str, Any]]:
    """Chains of postmortems of one service, each within `window` days of the one before."""
    per: dict[str, list[Postmortem]] = defaultdict(list)
    for pm in counted:
        if pm.date is None:
            continue
        for service in dict.fromkeys(pm.services):
            per[service].append(pm)
    groups: list[dict[str, Any]] = []
    for service, pms in per.items():
        pms.sort(key=lambda pm: (pm.date or dt.date.min, ref(pm)))
        chain: list[Postmortem] = []
        for cur in [*pms, None]:
            # Subtracting dates gives whole days and never overflows, whatever the window.
            last_date = chain[-1].date if chain else None
            if cur is not None and cur.date and last_date and (cur.date - last_date).days <= window:
                chain.append(cur)
                continue
            if len(chain) >= 2:
                first, last = chain[0].date, chain[-1].date
                assert first is not None and last is not None
                groups.append(
                    {
                        "service": service,
                        "postmortems": [ref(p) for p in chain],
                        "first": first.isoformat(),
                        "last": last.isoformat(),
                        "days": (last - first).days,
                    }
                )
            chain = [cur] if cur is not None else []
    # The longest chains first, then the most recent.
    groups.sort(key=lambda g: g["service"])
    groups.sort(key=lambda g: g["last"], reverse=True)
    groups.sort(key=lambda g: -len(g["postmortems"]))
    return groups


def _runbooks_reused(handbook: Handbook, counted: list[Postmortem]) -> list[dict[str, Any]]:
    per: dict[str, list[str]] = defaultdict(list)
    for pm in counted:
        for rb_id in dict.fromkeys(pm.runbooks):
            per[rb_id].append(ref(pm))
    rows = []
    for rb_id, ids in per.items():
        if len(ids) < 2:
            continue
        rb = handbook.runbook(rb_id)
        rows.append(
            {
                "runbook": rb_id,
                "title": rb.title if rb else None,
                "path": rb.rel if rb else None,
                "postmortems": ids,
            }
        )
    return sorted(rows, key=lambda r: (-len(r["postmortems"]), r["runbook"]))


def compute(handbook: Handbook, today: dt.date, filters: Filters | None = None) -> dict[str, Any]:
    """The insights of a handbook: the JSON contract of `opsbook insights` and insights.json."""
    filters = filters or Filters()
    chosen = [pm for pm in handbook.postmortems if filters.match(pm)]
    counted = sorted(
        (pm for pm in chosen if pm.status == COUNTED),
        key=lambda pm: (pm.date or dt.date.min, ref(pm)),
    )
    left_out = Counter(pm.status for pm in chosen if pm.status != COUNTED)
    severities = _severity_order(handbook, (pm.severity for pm in counted))
    by_severity = {sev: measures(pm for pm in counted if pm.severity == sev) for sev in severities}
    by_quarter, by_month = _timeline(counted, severities)
    window = handbook.policy.repeat_window_days
    index: dict[str, dict[str, Any]] = {}
    for pm in counted:
        index.setdefault(
            ref(pm),
            {
                "title": pm.title,
                "date": pm.date.isoformat() if pm.date else None,
                "severity": pm.severity,
                "services": list(dict.fromkeys(pm.services)),
                "path": pm.rel,
            },
        )
    return {
        "today": today.isoformat(),
        "filters": filters.as_dict(),
        "postmortems": {
            "counted": len(counted),
            "left_out": {status: left_out.get(status, 0) for status in LEFT_OUT},
        },
        "severities": severities,
        "by_severity": by_severity,
        "by_quarter": by_quarter,
        "by_month": by_month,
        "by_service": _by_service(counted),
        "action_items": _action_items(counted, today),
        "repeat_window_days": window,
        "repeats": _repeats(counted, window),
        "runbooks_reused": _runbooks_reused(handbook, counted),
        "index": index,
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def fmt_minutes(value: float | None) -> str:
    """Minutes as a short duration for text: '45 min', '1 h 05 min', '2 d 4 h', or '-'."""
    if value is None:
        return "-"
    if value < 60:
        return f"{number(value)} min"
    total = round(value)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


CSV_FIELDS = ("section", "group", "measure", "n", "median", "p90", "max", "postmortems")


def csv_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures as flat rows: one per group and measure, then counts, items and repeats."""
    rows: list[dict[str, Any]] = []
    for section in ("by_severity", "by_quarter"):
        for group, figures in data[section].items():
            rows.append(
                {"section": section, "group": group, "measure": "incidents", "n": figures["n"]}
            )
            for key in MEASURES:
                d = figures[key]
                rows.append(
                    {
                        "section": section,
                        "group": group,
                        "measure": key,
                        "n": d["n"],
                        "median": d["median"],
                        "p90": d["p90"],
                        "max": d["max"],
                        "postmortems": ";".join(d["postmortems"]),
                    }
                )
    for row in data["by_month"]:
        for sev, n in row["counts"].items():
            rows.append({"section": "by_month", "group": row["month"], "measure": sev, "n": n})
    for row in data["by_service"]:
        rows.append(
            {
                "section": "by_service",
                "group": row["service"],
                "measure": "incidents",
                "n": row["incidents"],
                "postmortems": ";".join(row["postmortems"]),
            }
        )
    items = data["action_items"]
    for state in ("total", *STATES, "no_due_date"):
        rows.append(
            {"section": "action_items", "group": "all", "measure": state, "n": items[state]}
        )
    for row in items["by_month"]:
        for state in STATES:
            rows.append(
                {
                    "section": "action_items_by_due_month",
                    "group": row["month"],
                    "measure": state,
                    "n": row[state],
                }
            )
    done = items["done_by_due_date"]
    rows.append(
        {
            "section": "action_items",
            "group": "all",
            "measure": "done_by_due_date",
            "n": done["due_passed"],
            "median": done["share"],
        }
    )
    age = items["open_age_days"]
    rows.append(
        {
            "section": "action_items",
            "group": "all",
            "measure": "open_age_days",
            "n": age["n"],
            "median": age["median"],
            "p90": age["p90"],
            "max": age["max"],
            "postmortems": ";".join(age["items"]),
        }
    )
    for row in items["per_owner"]:
        for state in (*STATES, "total"):
            rows.append(
                {
                    "section": "action_items_per_owner",
                    "group": row["owner"],
                    "measure": state,
                    "n": row[state],
                }
            )
    for row in data["repeats"]:
        rows.append(
            {
                "section": "repeats",
                "group": row["service"],
                "measure": "postmortems",
                "n": len(row["postmortems"]),
                "postmortems": ";".join(row["postmortems"]),
            }
        )
    for row in data["runbooks_reused"]:
        rows.append(
            {
                "section": "runbooks_reused",
                "group": row["runbook"],
                "measure": "postmortems",
                "n": len(row["postmortems"]),
                "postmortems": ";".join(row["postmortems"]),
            }
        )
    return rows
