"""/review/: runbooks waiting for review (never reviewed, then most severe, then most days
late) and what else needs fixing."""

from __future__ import annotations

from collections import Counter

from opsbook import checks, reviews
from opsbook.model import add_days
from opsbook.pages.common import (
    DASH,
    REVIEW,
    Context,
    blocks,
    esc,
    fmt_date,
    listing,
    plural,
    table,
)
from opsbook.pages.runbooks import NEVER_REVIEWED

TITLE = "Review"

# Runbooks whose review falls due within this many days are listed as coming up.
SOON_DAYS = 30


def _stale_table(ctx: Context) -> str:
    policy = ctx.handbook.policy
    rows = []
    for rb in ctx.review_queue:
        never = reviews.is_never_reviewed(rb)
        due = checks.review_due(rb, policy)
        late = reviews.days_late(rb, policy, ctx.today)
        last = NEVER_REVIEWED if never else fmt_date(rb.last_reviewed)
        late_by = (
            DASH
            if never
            else (f'<span class="ob-badge ob-badge--stale">{plural(late, "day")}</span>')
        )
        rows.append(
            f'<tr class="{"ob-row--never" if never else "ob-row--stale"}">'
            f'<td class="ob-id">{esc(rb.id) or DASH}</td>'
            f'<td><a href="{ctx.href(REVIEW, rb.rel)}">{esc(rb.title)}</a></td>'
            f"<td>{esc(rb.owner) or DASH}</td>"
            f"<td>{ctx.service_link(rb.service, REVIEW) if rb.service else DASH}</td>"
            f"<td>{ctx.severity_badges(rb.severity, REVIEW)}</td>"
            f'<td class="ob-date">{last}</td>'
            f'<td class="ob-date">{fmt_date(due) if due else DASH}</td>'
            f"<td>{late_by}</td>"
            f'<td class="ob-num">{checks.review_interval(rb, policy)} days</td>'
            "</tr>"
        )
    # A listing: the runbooks' own pages feed search; indexing a thousand rows here cost
    # as much as indexing a hundred runbooks.
    head = ["ID", "Runbook", "Owner", "Service", "Severity", "Last reviewed", "Review due"]
    return listing(table([*head, "Late by", "Every"], rows, cls="ob-review"))


def _soon_table(ctx: Context) -> str:
    policy = ctx.handbook.policy
    horizon = add_days(ctx.today, SOON_DAYS)  # saturates: --today may be 9999-12-31
    soon = []
    for rb in ctx.handbook.runbooks:
        due = checks.review_due(rb, policy)
        if rb.status == "published" and due is not None and ctx.today <= due <= horizon:
            soon.append((due, rb))
    soon.sort(key=lambda pair: (pair[0], pair[1].id))
    if not soon:
        return ""
    rows = [
        "<tr>"
        f'<td class="ob-id">{esc(rb.id) or DASH}</td>'
        f'<td><a href="{ctx.href(REVIEW, rb.rel)}">{esc(rb.title)}</a></td>'
        f"<td>{esc(rb.owner) or DASH}</td>"
        f'<td class="ob-date">{fmt_date(due)}</td>'
        "</tr>"
        for due, rb in soon
    ]
    return listing(table(["ID", "Runbook", "Owner", "Review due"], rows, cls="ob-review-soon"))


def _problems_table(ctx: Context) -> str:
    problems = [p for p in ctx.problems if p.rule not in checks.STATE_RULES]
    if not problems:
        return ""
    problems.sort(key=lambda p: (p.path, p.line, p.column, p.rule))
    rows = []
    for p in problems:
        where = esc(f"{p.path}:{p.line}:{p.column}")
        doc = ctx.document(p.path)
        broken = p.path in ctx.handbook.broken
        if doc is not None or broken:
            where = f'<a href="{ctx.href(REVIEW, p.path)}">{where}</a>'
        rows.append(
            f'<tr class="ob-level--{esc(p.level)}">'
            f"<td><code>{where}</code></td>"
            f"<td>{esc(p.level)}</td>"
            f"<td>{esc(p.message)}</td>"
            f"<td><code>{esc(p.rule)}</code></td>"
            "</tr>"
        )
    return listing(table(["Where", "Level", "Problem", "Rule"], rows, cls="ob-problems"))


def render(ctx: Context) -> str:
    """The /review/ page."""
    stale = ctx.review_queue
    never = sum(1 for rb in stale if reviews.is_never_reviewed(rb))
    owners = Counter(rb.owner for rb in stale)
    parts = [
        f"# {TITLE}",
        '<p class="ob-lead">Runbooks are reviewed on a schedule so that they still work when '
        "they are needed. Review a runbook, then set its <code>last_reviewed</code> to the "
        "day you did.</p>",
        "## Waiting for review",
    ]
    if stale:
        by_owner = ", ".join(
            f"{esc(owner) or 'no owner'} ({n})" for owner, n in sorted(owners.items())
        )
        first = f" ({never} never reviewed, listed first)" if never else ""
        parts.append(
            f"<p>{plural(len(stale), 'runbook')} waiting for review{first}; then the most "
            f"severe, then the most days late. By owner: {by_owner}.</p>"
        )
        parts.append(_stale_table(ctx))
    else:
        parts.append('<p class="ob-empty">Every runbook has been reviewed on time.</p>')
    soon = _soon_table(ctx)
    if soon:
        parts += [f"## Due in the next {SOON_DAYS} days", soon]
    problems = _problems_table(ctx)
    if problems:
        parts += [
            "## Problems found by opsbook lint",
            '<p class="ob-note">Fix these in the files named; '
            "<code>opsbook lint</code> shows the same list.</p>",
            problems,
        ]
    return blocks(*parts)
