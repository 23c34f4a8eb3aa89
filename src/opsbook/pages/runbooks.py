"""/runbooks/: every runbook, filterable by service and severity, stale ones flagged."""

from __future__ import annotations

from collections.abc import Sequence

from opsbook import checks
from opsbook.model import Runbook
from opsbook.pages.common import (
    DASH,
    REVIEW,
    RUNBOOKS,
    Context,
    blocks,
    data_attr,
    esc,
    fmt_date,
    hide,
    listing,
    plural,
    table,
)

TITLE = "Runbooks"
NEVER_REVIEWED = '<span class="ob-badge ob-badge--never">never reviewed</span>'


def reviewed_cell(ctx: Context, rb: Runbook) -> str:
    """The review date, with a badge when the review is overdue."""
    if rb.last_reviewed is None:  # `last_reviewed: never` (reviews.is_never_reviewed)
        return NEVER_REVIEWED
    text = fmt_date(rb.last_reviewed)
    if rb.rel in ctx.stale_rels:
        due = checks.review_due(rb, ctx.handbook.policy)
        days = (ctx.today - due).days if due else 0
        title = esc(f"review was due {fmt_date(due)} ({plural(days, 'day')} ago)")
        text += f' <span class="ob-badge ob-badge--stale" title="{title}">stale</span>'
    return text


def summary_line(rb: Runbook) -> str:
    """The runbook's summary under its title in a list, as text."""
    return f'<br><span class="ob-summary">{esc(rb.summary)}</span>' if rb.summary else ""


def status_badge(status: str) -> str:
    if status in ("", "published"):
        return ""
    return f' <span class="ob-badge ob-badge--{esc(status)}">{esc(status)}</span>'


def filter_form(target: str, selects: Sequence[tuple[str, str, Sequence[str]]]) -> str:
    """Select boxes that hide table rows (opsbook/assets/table-filter.js); hidden without JS.

    selects: (name, label, values); rows match when their data-<name> JSON list holds the value.
    """
    parts = [f'<form class="ob-filter" data-ob-filter="{esc(target)}" hidden>']
    for name, label, values in selects:
        options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
        parts.append(
            f'<label>{esc(label)} <select name="{esc(name)}">'
            f'<option value="">All</option>{options}</select></label>'
        )
    parts.append('<output class="ob-filter__count" aria-live="polite"></output>')
    parts.append("</form>")
    return "".join(parts)


def table_html(
    ctx: Context,
    runbooks: Sequence[Runbook],
    from_uri: str,
    *,
    table_id: str = "",
    show_service: bool = True,
) -> str:
    """A runbook table; rows carry data-service and data-severity for the filter."""
    headers = ["ID", "Title"]
    if show_service:
        headers.append("Service")
    headers += ["Severity", "Owner", "Last reviewed"]
    rows = []
    for rb in runbooks:
        stale = rb.rel in ctx.stale_rels
        classes = " ".join(
            c
            for c in (
                "ob-row--stale" if stale else "",
                "ob-row--deprecated" if rb.status == "deprecated" else "",
            )
            if c
        )
        cells = [
            f'<td class="ob-id">{esc(rb.id) or DASH}</td>',
            f'<td><a href="{ctx.href(from_uri, rb.rel)}">{esc(rb.title)}</a>'
            f"{status_badge(rb.status)}{summary_line(rb)}</td>",
        ]
        if show_service:
            cells.append(
                f"<td>{ctx.service_link(rb.service, from_uri) if rb.service else DASH}</td>"
            )
        cells += [
            f"<td>{ctx.severity_badges(rb.severity)}</td>",
            f"<td>{esc(rb.owner) or DASH}</td>",
            f"<td>{reviewed_cell(ctx, rb)}</td>",
        ]
        # Only a filterable table needs its rows' values for the filter script.
        attrs = (
            (
                f' data-service="{data_attr([rb.service])}"'
                f' data-severity="{data_attr(rb.severity)}"'
                f' data-owner="{data_attr([rb.owner])}"'
            )
            if table_id
            else ""
        )
        cls = f' class="{classes}"' if classes else ""
        rows.append(f"<tr{cls}{attrs}>" + "".join(cells) + "</tr>")
    attrs = f'id="{esc(table_id)}"' if table_id else ""
    return table(headers, rows, cls="ob-runbooks", attrs=attrs)


def render(ctx: Context) -> str:
    """The /runbooks/ page."""
    runbooks = ctx.sorted_runbooks
    policy = ctx.handbook.policy
    services = sorted({rb.service for rb in runbooks if rb.service})
    known = [s.id for s in policy.severities]
    extra = sorted({s for rb in runbooks for s in rb.severity} - set(known))
    stale = len(ctx.stale_runbooks)
    summary = f"{plural(len(runbooks), 'runbook')}, {plural(len(services), 'service')}"
    if stale:
        summary += f', <a href="{ctx.href(RUNBOOKS, REVIEW)}">{stale} due for review</a>'
    form = filter_form(
        "ob-runbook-table",
        [("service", "Service", services), ("severity", "Severity", [*known, *extra])],
    )
    body = (
        table_html(ctx, runbooks, RUNBOOKS, table_id="ob-runbook-table")
        if runbooks
        else '<p class="ob-empty">No runbooks yet: add Markdown files under runbooks/.</p>'
    )
    return hide("toc") + blocks(
        f"# {TITLE}",
        f'<p class="ob-lead">{summary}. Search finds runbooks by id, title, symptom and '
        "alert name.</p>",
        listing(f'<div class="ob-filtered">\n{form}\n{body}\n</div>'),
    )
