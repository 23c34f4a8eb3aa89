"""/action-items/: open and in-progress action items of all postmortems, overdue first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from opsbook import actions
from opsbook.model import ActionItem
from opsbook.pages.common import (
    ACTION_ITEMS,
    DASH,
    Context,
    blocks,
    data_attr,
    esc,
    fmt_date,
    heading,
    listing,
    plural,
    safe_url,
    table,
    unique_slugs,
)
from opsbook.pages.runbooks import filter_form

TITLE = "Action items"
DOWNLOADS = (
    ("action-items.json", "JSON"),
    ("action-items.csv", "CSV"),
    ("action-items.ics", "calendar (iCalendar)"),
)


def overdue_cell(item: ActionItem, ctx: Context) -> str:
    days = item.days_overdue(ctx.today)
    if not days:
        return DASH
    return f'<span class="ob-badge ob-badge--overdue">{plural(days, "day")}</span>'


def title_cell(item: ActionItem) -> str:
    title = esc(item.title) or "<em>untitled</em>"
    url = safe_url(item.link) if item.link else None
    if url:
        title = f'<a href="{esc(url)}" rel="noopener">{title}</a>'
    if item.priority:
        title += f' <span class="ob-badge ob-badge--priority">{esc(item.priority)}</span>'
    return title


def table_html(
    ctx: Context,
    items: Sequence[ActionItem],
    from_uri: str,
    *,
    table_id: str = "",
    show_owner: bool = True,
    show_postmortem: bool = True,
) -> str:
    """Action items as a table; rows carry data-owner, data-status, data-service."""
    headers = ["Action item"]
    if show_owner:
        headers.append("Owner")
    headers += ["Due", "Overdue", "Status"]
    if show_postmortem:
        headers.append("Postmortem")
    rows = []
    for item in items:
        overdue = item.days_overdue(ctx.today) > 0
        pm = ctx.postmortems_by_rel.get(item.postmortem_rel)
        source = (
            f'<a href="{ctx.href(from_uri, pm.rel)}" title="{esc(pm.title)}">'
            f"{esc(pm.id or pm.title)}</a>"
            if pm
            else esc(item.postmortem_id)
        )
        cells = [f"<td>{title_cell(item)}</td>"]
        if show_owner:
            cells.append(f"<td>{esc(item.owner) or DASH}</td>")
        cells += [
            f'<td class="ob-date">{fmt_date(item.due)}</td>',
            f"<td>{overdue_cell(item, ctx)}</td>",
            f'<td><span class="ob-status ob-status--{esc(item.status)}">'
            f"{esc(item.status.replace('_', ' '))}</span></td>",
        ]
        if show_postmortem:
            cells.append(f"<td>{source}</td>")
        attrs = (
            (
                f' data-owner="{data_attr([item.owner])}"'
                f' data-status="{data_attr([item.status])}"'
                f' data-service="{data_attr(item.services)}"'
            )
            if table_id
            else ""
        )
        cls = ' class="ob-row--overdue"' if overdue else ""
        rows.append(f"<tr{cls}{attrs}>" + "".join(cells) + "</tr>")
    attrs = f'id="{esc(table_id)}"' if table_id else ""
    return table(headers, rows, cls="ob-actions", attrs=attrs)


def select(
    ctx: Context,
    owner: str | None = None,
    service: str | None = None,
    status: str | Sequence[str] | None = None,
) -> list[ActionItem]:
    """Items for the action_items() macro: open ones by default, overdue first."""
    if status is None:
        if owner is None and service is None:
            return ctx.open_items
        statuses: Sequence[str] = actions.OPEN_STATUSES
    else:
        statuses = [status] if isinstance(status, str) else list(status)
    return actions.select(
        ctx.handbook.action_items, ctx.today, statuses=statuses, owner=owner, service=service
    )


def stats(ctx: Context, items: Sequence[ActionItem]) -> str:
    counts = Counter(i.status for i in items)
    overdue = sum(1 for i in items if i.days_overdue(ctx.today) > 0)
    owners = len({i.owner for i in items})
    cells = [
        (str(len(items)), "open items", ""),
        (str(counts.get("open", 0)), "not started", ""),
        (str(counts.get("in_progress", 0)), "in progress", ""),
        (str(overdue), "overdue", " ob-stat--alert" if overdue else ""),
        (str(owners), plural(owners, "owner").split(" ", 1)[1], ""),
    ]
    return (
        '<div class="ob-stats">'
        + "".join(
            f'<div class="ob-stat{cls}"><span class="ob-stat__n">{n}</span>'
            f'<span class="ob-stat__label">{label}</span></div>'
            for n, label, cls in cells
        )
        + "</div>"
    )


def owner_anchors(items: Sequence[ActionItem]) -> dict[str, str]:
    owners = sorted({i.owner for i in items}, key=str.lower)
    return {o: f"owner-{slug}" for o, slug in unique_slugs(owners, "unassigned").items()}


def render(ctx: Context) -> str:
    """The /action-items/ page."""
    items = ctx.open_items
    downloads = " · ".join(
        f'<a href="{ctx.asset_href(ACTION_ITEMS, path)}" download>{esc(path)}</a> ({label})'
        for path, label in DOWNLOADS
    )
    parts = [
        f"# {TITLE}",
        '<p class="ob-lead">Every open and in-progress action item from the postmortems, '
        "overdue first. Done and dropped items are left out.</p>",
        stats(ctx, items),
        f'<p class="ob-downloads">The same list as data: {downloads}.</p>',
    ]
    if not items:
        parts.append('<p class="ob-empty">No open action items.</p>')
        return blocks(*parts)
    anchors = owner_anchors(items)
    owners = list(anchors)
    services = sorted({s for i in items for s in i.services})
    form = filter_form(
        "ob-action-table",
        [
            ("owner", "Owner", owners),
            ("status", "Status", sorted({i.status for i in items})),
            ("service", "Service", services),
        ],
    )
    table_all = table_html(ctx, items, ACTION_ITEMS, table_id="ob-action-table")
    parts += [
        "## All open items",
        listing(f'<div class="ob-filtered">\n{form}\n{table_all}\n</div>'),
    ]
    parts.append("## By owner")
    links = " · ".join(f'<a href="#{esc(anchors[o])}">{esc(o) or "unassigned"}</a>' for o in owners)
    parts.append(f'<p class="ob-owner-index">{links}</p>')
    by_owner: dict[str, list[ActionItem]] = {o: [] for o in owners}
    for item in items:
        by_owner[item.owner].append(item)
    for owner in owners:
        mine = by_owner[owner]
        overdue = sum(1 for i in mine if i.days_overdue(ctx.today) > 0)
        summary = plural(len(mine), "open item")
        if overdue:
            summary += f', <span class="ob-badge ob-badge--overdue">{overdue} overdue</span>'
        parts.append(heading(3, owner or "unassigned", anchors[owner]))
        parts.append(
            listing(
                f'<div class="ob-owner" data-owner="{esc(owner)}">\n<p>{summary}</p>\n'
                + table_html(ctx, mine, ACTION_ITEMS, show_owner=False)
                + "\n</div>"
            )
        )
    return blocks(*parts)
