"""/postmortems/: every postmortem, newest first, with its key durations."""

from __future__ import annotations

from collections.abc import Sequence

from opsbook.model import Postmortem
from opsbook.pages.common import (
    DASH,
    POSTMORTEMS,
    Context,
    blocks,
    esc,
    fmt_date,
    fmt_duration,
    hide,
    listing,
    plural,
    table,
)

TITLE = "Postmortems"

# Each duration is measured from the start of the incident.
DURATIONS = (
    ("detected", "Time to detect"),
    ("mitigated", "Time to mitigate"),
    ("resolved", "Time to resolve"),
)


def status_badge(status: str) -> str:
    if status == "published" or not status:
        return esc(status) or DASH
    return f'<span class="ob-badge ob-badge--{esc(status)}">{esc(status)}</span>'


def table_html(
    ctx: Context, postmortems: Sequence[Postmortem], from_uri: str, *, show_services: bool = True
) -> str:
    """A postmortem table: date, title, severity, durations, services, status, open items."""
    headers = ["Date", "Title", "Severity"]
    headers += [label.replace("Time to ", "To ") for _, label in DURATIONS]
    if show_services:
        headers.append("Services")
    headers += ["Status", "Open items"]
    rows = []
    for pm in postmortems:
        open_count = ctx.open_items_by_postmortem.get(pm.rel, 0)
        overdue = sum(1 for item in pm.action_items if item.days_overdue(ctx.today) > 0)
        open_html = str(open_count) if open_count else "0"
        if overdue:
            open_html += f' <span class="ob-badge ob-badge--overdue">{overdue} overdue</span>'
        cells = [
            f'<td class="ob-date">{fmt_date(pm.date)}</td>',
            f"<td>{ctx.postmortem_link(pm, from_uri)}</td>",
            f"<td>{ctx.severity_badge(pm.severity) if pm.severity else DASH}</td>",
        ]
        cells += [
            f'<td class="ob-num">{fmt_duration(pm.duration("started", key))}</td>'
            for key, _ in DURATIONS
        ]
        if show_services:
            cells.append(f"<td>{ctx.service_links(pm.services, from_uri)}</td>")
        cells += [f"<td>{status_badge(pm.status)}</td>", f'<td class="ob-num">{open_html}</td>']
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return table(headers, rows, cls="ob-postmortems")


def render(ctx: Context) -> str:
    """The /postmortems/ page."""
    pms = ctx.sorted_postmortems
    body = (
        listing(table_html(ctx, pms, POSTMORTEMS))
        if pms
        else '<p class="ob-empty">No postmortems yet: add them under postmortems/ '
        "as YYYY-MM-DD-slug.md.</p>"
    )
    return hide("toc") + blocks(
        f"# {TITLE}",
        f'<p class="ob-lead">{plural(len(pms), "postmortem")}, newest first. Durations are '
        "measured from when the incident started to when it was detected, mitigated and "
        "resolved.</p>",
        body,
    )
