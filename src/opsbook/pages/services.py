"""/services/ and /services/<service>/: each service's runbooks, postmortems and open items."""

from __future__ import annotations

from opsbook.pages import action_items, postmortems, runbooks
from opsbook.pages.common import SERVICES, Context, blocks, heading, listing, plural, table

TITLE = "Services"


def render_index(ctx: Context) -> str:
    """The /services/ page."""
    rows = []
    for service in ctx.services:
        rbs = ctx.runbooks_by_service.get(service, [])
        pms = ctx.postmortems_by_service.get(service, [])
        items = ctx.open_items_by_service.get(service, [])
        overdue = sum(1 for i in items if i.days_overdue(ctx.today) > 0)
        stale = sum(1 for rb in rbs if rb.rel in ctx.stale_rels)
        items_html = str(len(items))
        if overdue:
            items_html += f' <span class="ob-badge ob-badge--overdue">{overdue} overdue</span>'
        rbs_html = str(len(rbs))
        if stale:
            rbs_html += f' <span class="ob-badge ob-badge--stale">{stale} stale</span>'
        rows.append(
            "<tr>"
            f"<td>{ctx.service_link(service, SERVICES)}</td>"
            f'<td class="ob-num">{rbs_html}</td>'
            f'<td class="ob-num">{len(pms)}</td>'
            f'<td class="ob-num">{items_html}</td>'
            "</tr>"
        )
    body = (
        table(["Service", "Runbooks", "Postmortems", "Open action items"], rows, cls="ob-services")
        if rows
        else '<p class="ob-empty">No services yet: runbooks name theirs in '
        "<code>service</code>, postmortems in <code>services</code>.</p>"
    )
    return blocks(
        f"# {TITLE}",
        '<p class="ob-lead">Every service named by a runbook or a postmortem.</p>',
        body,
    )


def render_service(ctx: Context, service: str) -> str:
    """One service's page."""
    uri = ctx.service_uri(service)
    rbs = ctx.runbooks_by_service.get(service, [])
    pms = ctx.postmortems_by_service.get(service, [])
    items = ctx.open_items_by_service.get(service, [])
    lead = (
        f'<p class="ob-lead">{plural(len(rbs), "runbook")}, {plural(len(pms), "postmortem")}, '
        f"{plural(len(items), 'open action item')}.</p>"
    )
    return blocks(
        heading(1, service),
        lead,
        "## Runbooks",
        listing(runbooks.table_html(ctx, rbs, uri, show_service=False))
        if rbs
        else '<p class="ob-empty">No runbook for this service yet.</p>',
        "## Postmortems",
        listing(postmortems.table_html(ctx, pms, uri))
        if pms
        else '<p class="ob-empty">No postmortem mentions this service.</p>',
        "## Open action items",
        listing(action_items.table_html(ctx, items, uri))
        if items
        else '<p class="ob-empty">No open action item.</p>',
    )
