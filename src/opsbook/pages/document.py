"""What opens a runbook or postmortem page: its metadata box, or an error banner.

The document's own Markdown body follows unchanged; it is never passed through Jinja.
"""

from __future__ import annotations

from collections.abc import Sequence

from opsbook import checks
from opsbook.model import TIMELINE_KEYS, Postmortem, Problem, Runbook
from opsbook.pages import action_items
from opsbook.pages import alerts as alerts_page
from opsbook.pages.common import (
    DASH,
    Context,
    admonition,
    esc,
    fmt_date,
    fmt_duration,
    fmt_time,
    heading,
    plural,
    table,
)

# The id of the heading added to a document without one: no slug of a heading has a colon.
TITLE_ID = "ob:title"

DURATION_LABELS = {
    "detected": "Time to detect",
    "acknowledged": "Time to acknowledge",
    "mitigated": "Time to mitigate",
    "resolved": "Time to resolve",
}


def _field(label: str, value: str) -> str:
    return f"<div><dt>{label}</dt><dd>{value}</dd></div>"


def _review(ctx: Context, rb: Runbook) -> str:
    if rb.last_reviewed is None:  # `last_reviewed: never`
        return '<span class="ob-badge ob-badge--never">never reviewed</span>'
    text = fmt_date(rb.last_reviewed)
    due = checks.review_due(rb, ctx.handbook.policy)
    if due is None:
        return text
    if rb.rel in ctx.stale_rels:
        days = (ctx.today - due).days
        return (
            f'{text} <span class="ob-badge ob-badge--stale">stale</span>'
            f'<br><span class="ob-muted">review was due {fmt_date(due)}, '
            f"{plural(days, 'day')} ago</span>"
        )
    return f'{text}<br><span class="ob-muted">next review by {fmt_date(due)}</span>'


def runbook_box(ctx: Context, rb: Runbook) -> str:
    """The metadata box at the top of a runbook page."""
    uri = rb.rel
    fields = [
        _field("Service", ctx.service_link(rb.service, uri) if rb.service else DASH),
        _field("Owner", esc(rb.owner) or DASH),
        _field("Severity", ctx.severity_badges(rb.severity, uri)),
        _field("Last reviewed", _review(ctx, rb)),
    ]
    if rb.estimated_duration:
        fields.append(_field("Takes", esc(rb.estimated_duration)))
    if rb.status and rb.status != "published":
        fields.append(
            _field(
                "Status",
                f'<span class="ob-badge ob-badge--{esc(rb.status)}">{esc(rb.status)}</span>',
            )
        )
    parts = ['<dl class="ob-meta__grid">' + "".join(fields) + "</dl>"]
    if rb.summary:
        parts.insert(0, f'<p class="ob-meta__summary">{esc(rb.summary)}</p>')
    if rb.symptoms:
        parts.append('<p class="ob-meta__label">Symptoms</p>')
        parts.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in rb.symptoms) + "</ul>")
    more = []

    def alert_folder(name: str) -> str:
        return f"alerts/{name}/{alerts_page.folder_index(ctx.directory_urls)}"

    if rb.alerts:
        # The stable URL of each alert (what a rule's runbook_url names), not the page itself.
        links = ", ".join(
            f'<a class="ob-alert" href="{ctx.asset_href(uri, alert_folder(name))}">'
            f"<code>{esc(name)}</code></a>"
            if alerts_page.folder_ok(name)
            else f"<code>{esc(name)}</code>"
            for name in dict.fromkeys(rb.alerts)
        )
        more.append(f'<p><span class="ob-meta__label">Alerts</span> {links}</p>')
    if rb.related:
        refs = ", ".join(ctx.runbook_ref(r, uri) for r in dict.fromkeys(rb.related))
        more.append(f'<p><span class="ob-meta__label">Related</span> {refs}</p>')
    if rb.links:
        links = " · ".join(ctx.external_link(link.title, link.url) for link in rb.links)
        more.append(f'<p><span class="ob-meta__label">Links</span> {links}</p>')
    parts.extend(more)
    title = f'Runbook <span class="ob-id">{esc(rb.id)}</span>' if rb.id else "Runbook"
    kind = "warning" if rb.status == "deprecated" else "info"
    return admonition(kind, title, "\n".join(parts), cls="ob-meta ob-meta--runbook")


def _key_times(pm: Postmortem) -> str:
    start = pm.timeline.get("started")
    rows = []
    for key in TIMELINE_KEYS:
        value = pm.timeline.get(key)
        if value is None:
            continue
        since = fmt_duration(pm.duration("started", key)) if start and key != "started" else ""
        rows.append(
            f'<tr><td>{key}</td><td class="ob-date">{fmt_time(value)}</td>'
            f'<td class="ob-num">{since or DASH}</td></tr>'
        )
    if not rows:
        return '<p class="ob-muted">No key times recorded yet.</p>'
    return table(["Key time", "When", "Since start"], rows, cls="ob-key-times")


def _durations(pm: Postmortem) -> str:
    stats = []
    for key, label in DURATION_LABELS.items():
        delta = pm.duration("started", key)
        if delta is None:
            continue
        stats.append(
            f'<div class="ob-stat"><span class="ob-stat__n">{fmt_duration(delta)}</span>'
            f'<span class="ob-stat__label">{label}</span></div>'
        )
    return '<div class="ob-stats">' + "".join(stats) + "</div>" if stats else ""


def postmortem_box(ctx: Context, pm: Postmortem) -> str:
    """Key times, the durations computed from them, and the action items."""
    uri = pm.rel
    fields = [
        _field("Date", fmt_date(pm.date)),
        _field("Severity", ctx.severity_badge(pm.severity, uri) if pm.severity else DASH),
        _field("Services", ctx.service_links(pm.services, uri)),
        _field("Status", esc(pm.status.replace("_", " ")) or DASH),
    ]
    if pm.authors:
        fields.append(_field("Authors", esc(", ".join(pm.authors))))
    if pm.runbooks:
        refs = ", ".join(ctx.runbook_ref(r, uri) for r in dict.fromkeys(pm.runbooks))
        fields.append(_field("Runbooks used", refs))
    parts = [
        '<dl class="ob-meta__grid">' + "".join(fields) + "</dl>",
        _durations(pm),
        _key_times(pm),
    ]
    if pm.action_items:
        open_count = sum(1 for i in pm.action_items if i.is_open)
        parts.append(
            f'<p class="ob-meta__label">Action items ({open_count} of '
            f"{len(pm.action_items)} open)</p>"
        )
        parts.append(action_items.table_html(ctx, pm.action_items, uri, show_postmortem=False))
    title = f'Postmortem <span class="ob-id">{esc(pm.id)}</span>' if pm.id else "Postmortem"
    return admonition(
        "abstract", title, "\n".join(p for p in parts if p), cls="ob-meta ob-meta--postmortem"
    )


def banner(rel: str, problems: Sequence[Problem]) -> str:
    """The error banner of a document with lint problems (build warnings elsewhere)."""
    items = "".join(
        f"<li><code>{esc(f'{p.path}:{p.line}:{p.column}')}</code> "
        f'<span class="ob-level ob-level--{esc(p.level)}">{esc(p.level)}</span>: '
        f"{esc(p.message)} <code>[{esc(p.rule)}]</code></li>"
        for p in problems
    )
    errors = sum(1 for p in problems if p.level == "error")
    what = plural(len(problems), "problem")
    body = (
        f'<ul class="ob-banner__list">{items}</ul>\n'
        f"<p>The page shows what could be read. Fix the file, then check it with "
        f"<code>opsbook lint {esc(rel)}</code>.</p>"
    )
    kind = "failure" if errors else "warning"
    return admonition(kind, f"This document has {what}", body, cls="ob-banner").replace(
        '<div class="admonition', '<div role="alert" class="admonition', 1
    )


def insert_after_h1(body: str, block: str, title: str | None) -> str:
    """Put block right after the body's leading '# ' heading, or after a heading we add."""
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].startswith("# "):
        head = "\n".join(lines[: first + 1])
        rest = "\n".join(lines[first + 1 :])
        return f"{head}\n\n{block}\n\n{rest}" if block else body
    top = f"{heading(1, title)}\n\n" if title else ""
    return f"{top}{block}\n\n{body}" if block else f"{top}{body}"


def insert_after_h1_html(content: str, block: str, title: str | None) -> str:
    """`insert_after_h1` for a body already rendered to HTML (a heading made here, not parsed)."""
    stripped = content.lstrip()
    if stripped.startswith("<h1"):
        end = stripped.find("</h1>")
        if end >= 0:
            end += len("</h1>")
            return f"{stripped[:end]}\n{block}\n{stripped[end:]}" if block else content
    if title:
        # Search makes a heading a section (titled by its text) only when it has an id.
        block = f'<h1 id="{TITLE_ID}">{esc(title)}</h1>\n{block}'
    return f"{block}\n{content}" if block else content


def problems_for(ctx: Context, rel: str) -> list[Problem]:
    """A document's problems that belong in its banner (not staleness or overdue items)."""
    return [p for p in ctx.problems_by_path.get(rel, []) if p.rule not in checks.STATE_RULES]


def header(ctx: Context, rel: str) -> tuple[str, str | None]:
    """What opens a document's page (banner, metadata box) as HTML, and the document's title."""
    boxes = []
    problems = problems_for(ctx, rel)
    if problems:
        boxes.append(banner(rel, problems))
    title: str | None = None
    rb = ctx.runbooks_by_rel.get(rel)
    pm = ctx.postmortems_by_rel.get(rel)
    if rb is not None:
        boxes.append(runbook_box(ctx, rb))
        title = rb.title
    elif pm is not None:
        boxes.append(postmortem_box(ctx, pm))
        title = pm.title
    return "\n\n".join(boxes), title


def search_summary(ctx: Context, rel: str) -> str:
    """What search indexes in place of a document's box: its id and the words worth finding.

    A runbook's symptoms and a postmortem's action item titles are on no other page that
    search sees; the box's other fields are on the index pages. Indexing the whole box (its
    tables and links) cost the search plugin a fifth more per document.
    """
    rb = ctx.runbooks_by_rel.get(rel)
    if rb is not None:
        # An alert's name is what the engineer it paged types into search.
        head = f"<p>Runbook {esc(rb.id)}</p>"
        if rb.summary:  # the box shows it, after search has seen the page
            head += f"<p>{esc(rb.summary)}</p>"
        found = [("Symptoms", rb.symptoms), ("Alerts", rb.alerts)]
        return head + "".join(
            f"<p>{label}</p><ul>{''.join(f'<li>{esc(i)}</li>' for i in items)}</ul>"
            for label, items in found
            if items
        )
    pm = ctx.postmortems_by_rel.get(rel)
    if pm is None:
        return ""
    head, items = f"Postmortem {esc(pm.id)}", [i.title for i in pm.action_items]
    listed = "".join(f"<li>{esc(item)}</li>" for item in items)
    return f"<p>{head}</p><p>Action items</p><ul>{listed}</ul>" if items else f"<p>{head}</p>"


def decorate(ctx: Context, rel: str, body: str) -> str:
    """A document's page Markdown: banner if it has problems, metadata box, then its body."""
    html, title = header(ctx, rel)
    return insert_after_h1(body, html, title)
