"""Runbooks nobody has reviewed, and the order in which runbooks wait for review.

A runbook adopted from content with no history of its own is written `last_reviewed: never`:
its review date is unknown, and stamping the day of the import would switch staleness off
for it. Lint warns about each such published runbook (never-reviewed); /review/ lists them
first, then the stale ones, most severe first and, within a severity, most days late first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from opsbook.model import Handbook, Policy, Problem, Runbook, add_days

if TYPE_CHECKING:  # checks calls this module: no import back at run time
    from opsbook.checks import Options

NEVER = "never"


def review_interval(runbook: Runbook, policy: Policy) -> int:
    """Days between reviews: the runbook's own, else its most severe level's, else the default."""
    if runbook.review_days:
        return runbook.review_days
    ranked = sorted(runbook.severity, key=policy.rank)
    for sev_id in ranked:
        sev = policy.severity(sev_id)
        if sev is not None and sev.review_days:
            return sev.review_days
        if sev is not None:
            break
    return policy.default_review_days


def review_due(runbook: Runbook, policy: Policy) -> dt.date | None:
    """The day a runbook's review falls due, if it has a review date."""
    if runbook.last_reviewed is None:
        return None
    return add_days(runbook.last_reviewed, review_interval(runbook, policy))


def is_stale(runbook: Runbook, policy: Policy, today: dt.date) -> bool:
    """A published runbook whose review interval has passed."""
    due = review_due(runbook, policy)
    return runbook.status == "published" and due is not None and due < today


def is_never_reviewed(runbook: Runbook) -> bool:
    """No review date: `last_reviewed: never` (or none that reads as a date)."""
    return runbook.last_reviewed is None


def check(handbook: Handbook, options: Options) -> Iterator[Problem]:
    """never-reviewed, a warning, for each published runbook marked `last_reviewed: never`."""
    if not options.state:
        return
    for runbook in handbook.runbooks:
        source = runbook.source
        if source is None or runbook.status != "published":
            continue
        if source.data.get("last_reviewed") != NEVER:
            continue
        mark = source.mark(("last_reviewed",))
        yield Problem(
            source.rel,
            mark.line,
            mark.column,
            "warning",
            "never-reviewed",
            "this runbook has never been reviewed (last_reviewed: never): review it, then set "
            "last_reviewed to that day (YYYY-MM-DD)",
        )


def days_late(runbook: Runbook, policy: Policy, today: dt.date) -> int:
    """Whole days since the review fell due (0 if not due, or never reviewed)."""
    due = review_due(runbook, policy)
    return max(0, (today - due).days) if due is not None else 0


def _most_severe(runbook: Runbook, policy: Policy) -> int:
    return min((policy.rank(s) for s in runbook.severity), default=len(policy.severities))


def due_for_review(handbook: Handbook, today: dt.date) -> list[Runbook]:
    """The published runbooks waiting for review, in the order /review/ lists them.

    Never reviewed first, then stale ones; within each, the most severe first (the policy's
    order), then the most days late, then by id and path so that the order is stable.
    """
    policy = handbook.policy
    waiting = [
        rb
        for rb in handbook.runbooks
        if rb.status == "published" and (is_never_reviewed(rb) or is_stale(rb, policy, today))
    ]
    return sorted(
        waiting,
        key=lambda rb: (
            not is_never_reviewed(rb),
            _most_severe(rb, policy),
            -days_late(rb, policy, today),
            rb.id,
            rb.rel,
        ),
    )
