"""/alerts/ and the stable alert URLs /alerts/<name>/.

`render` makes the /alerts/ page: every alert the handbook knows (named by a runbook's
`alerts`, or found in the rule files policy.yml's `alerts.rules` names), alerts without a
runbook first and paging ones at the top, with the coverage of the rule files by severity
label and by rule file.

`alert_files` makes the small standalone HTML files at alerts/<name>/index.html, so that a rule
can say `runbook_url: https://<handbook>/alerts/{{ $labels.alertname }}/` once for all its
alerts: a redirect to the runbook when one runbook names the alert (as mkdocs-redirects writes
them), a short chooser when several do. The lower-cased name answers too: an exact name wins;
names that differ only in case share a chooser. Everything is relative, so the files work
under any base path, and every name is data: escaped in text, percent-encoded in hrefs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from opsbook.model import Runbook
from opsbook.pages.common import (
    DASH,
    Context,
    blocks,
    esc,
    hide,
    listing,
    plural,
    table,
)

URI = "alerts/index.md"
TITLE = "Alerts"
TOP = "alerts"


# What the schema allows in an alert name (no '/', '?', '#', '%' or control character), less
# the backslash, a separator where the site may be built on Windows.
_SEGMENT = re.compile(r"[^/\\?#%\x00-\x1f\x7f]+")


def folder_ok(name: str) -> bool:
    """Whether a name can be a folder of the site: one path segment, whatever else it holds
    (spaces, ':', quotes).

    Checked here, not left to the schema: a document failing lint is still shown, and its
    names must never become paths ('../../x'). '.' and '..' pass the schema but name no folder
    of their own: a URL path normalises them away.
    """
    return _SEGMENT.fullmatch(name) is not None and name.strip() not in ("", ".", "..")


def segment(name: str) -> str:
    """An alert name as one percent-encoded URL path segment (':' too: a relative href whose
    first segment holds a colon would read as a scheme)."""
    return quote(name, safe="")


def folder_index(directory_urls: bool) -> str:
    """What a link to a folder of the site ends with: nothing where a server answers for the
    folder, else its index.html (from file://, a folder opens as a listing of its files)."""
    return "" if directory_urls else "index.html"


@dataclass(frozen=True, slots=True)
class AlertPage:
    """One file under alerts/: the site path of its folder and what it points to."""

    name: str  # the folder's name (an alert name, or a lower-cased one)
    choices: list[tuple[str, list[Runbook]]]  # (alert name, its runbooks), in order

    @property
    def runbooks(self) -> list[Runbook]:
        seen: dict[str, Runbook] = {}
        for _, rbs in self.choices:
            for rb in rbs:
                seen.setdefault(rb.rel, rb)
        return list(seen.values())


def alert_pages(runbooks: Sequence[Runbook]) -> list[AlertPage]:
    """The pages /alerts/<name>/ of every alert the runbooks name, and their lower-cased forms."""
    named: dict[str, list[Runbook]] = {}
    for rb in sorted(runbooks, key=lambda r: (r.id or "\uffff", r.rel)):
        for name in dict.fromkeys(rb.alerts):
            if folder_ok(name):
                named.setdefault(name, []).append(rb)
    pages = [AlertPage(name, [(name, rbs)]) for name, rbs in sorted(named.items())]
    lower: dict[str, list[str]] = {}
    for name in sorted(named):
        lower.setdefault(name.lower(), []).append(name)
    for low, names in sorted(lower.items()):
        if low in named:  # an exact name wins
            continue
        pages.append(AlertPage(low, [(n, named[n]) for n in names]))
    return pages


def _rb_href(ctx: Context, rb: Runbook) -> str:
    """The runbook's URL relative to alerts/<name>/ (two folders deep, whatever the name)."""
    return "../../" + ctx.href("index.md", rb.rel)


def page_html(ctx: Context, page: AlertPage) -> str:
    """A redirect (one runbook) or a chooser (several), as a small standalone HTML file."""
    runbooks = page.runbooks
    if len(runbooks) == 1:
        rb = runbooks[0]
        href = esc(_rb_href(ctx, rb))
        title = esc(f"{page.name}: {rb.title}")
        # mkdocs-redirects' page: refresh at once, canonical link, a plain link without JS.
        return (
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n"
            f'<link rel="canonical" href="{href}">\n'
            '<meta name="robots" content="noindex">\n'
            f'<meta http-equiv="refresh" content="0; url={href}">\n'
            "</head>\n<body>\n"
            f"<p>Alert <code>{esc(page.name)}</code>: its runbook is "
            f'<a href="{href}">{esc(rb.id or rb.rel)} {esc(rb.title)}</a>.</p>\n'
            "</body>\n</html>\n"
        )
    items = []
    for name, rbs in page.choices:
        links = "".join(
            f'<li><a href="{esc(_rb_href(ctx, rb))}">{esc(rb.id or rb.rel)} {esc(rb.title)}</a>'
            "</li>"
            for rb in rbs
        )
        items.append(f"<h2><code>{esc(name)}</code></h2>\n<ul>{links}</ul>")
    what = plural(len(runbooks), "runbook")
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(f'Alert {page.name}: choose a runbook')}</title>\n"
        '<meta name="robots" content="noindex">\n'
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
        "padding:0 1rem}h2{font-size:1.1rem;margin-bottom:.25rem}</style>\n"
        "</head>\n<body>\n"
        f"<h1>Alert <code>{esc(page.name)}</code></h1>\n"
        f'<p class="ob-chooser">{what} name this alert: choose the one for what you see.</p>\n'
        + "\n".join(items)
        + f'\n<p><a href="../{folder_index(ctx.directory_urls)}">All alerts</a></p>\n'
        + "</body>\n</html>\n"
    )


def alert_files(ctx: Context) -> dict[str, str]:
    """Site path of each file (alerts/<name>/index.html) -> its HTML."""
    return {
        f"{TOP}/{page.name}/index.html": page_html(ctx, page)
        for page in alert_pages(ctx.handbook.runbooks)
    }


def _count_row(label: str, counts: dict[str, int]) -> str:
    alerts, covered = counts.get("alerts", 0), counts.get("covered", 0)
    paging, paging_covered = counts.get("paging", 0), counts.get("paging_covered", 0)
    share = f"{100 * covered // alerts}%" if alerts else DASH
    return (
        f'<tr><td>{label}</td><td class="ob-num">{alerts}</td>'
        f'<td class="ob-num">{covered}</td><td class="ob-num">{share}</td>'
        f'<td class="ob-num">{paging}</td><td class="ob-num">{paging_covered}</td></tr>'
    )


COUNT_HEADERS = ["", "Rules", "With a runbook", "Share", "Paging", "Paging with a runbook"]


def coverage_html(ctx: Context) -> str:
    """The rule files' coverage, in all, by severity label and by rule file."""
    coverage = ctx.site_alerts.coverage
    if not ctx.handbook.policy.alerts.rules:
        return (
            '<p class="ob-muted">No rule files are configured: set <code>alerts.rules</code> in '
            "policy.yml to list the alerts of your rule files here and see their coverage.</p>"
        )
    label = esc(ctx.handbook.policy.alerts.severity_label)
    by_severity = coverage.get("by_severity", {})
    by_file = coverage.get("by_file", {})
    rows = [_count_row("All rules", coverage)]
    severity_rows = [
        _count_row(f"<code>{esc(value)}</code>" if value else f"no {label} label", counts)
        for value, counts in by_severity.items()
    ]
    file_rows = [_count_row(f"<code>{esc(rel)}</code>", counts) for rel, counts in by_file.items()]
    return "\n".join(
        (
            table(COUNT_HEADERS, rows, cls="ob-alert-coverage"),
            f'<h3 id="by-severity">By {label} label</h3>',
            table(COUNT_HEADERS, severity_rows, cls="ob-alert-coverage"),
            '<h3 id="by-rule-file">By rule file</h3>',
            table(COUNT_HEADERS, file_rows, cls="ob-alert-coverage"),
        )
    )


def _alert_cell(ctx: Context, name: str, named: bool) -> str:
    code = f"<code>{esc(name)}</code>"
    if named and folder_ok(name):
        return f'<a href="{esc(segment(name))}/{folder_index(ctx.directory_urls)}">{code}</a>'
    return code


def render(ctx: Context) -> str:
    """The /alerts/ page."""
    known = ctx.site_alerts.known
    named = {name for rb in ctx.handbook.runbooks for name in rb.alerts}
    without = [k for k in known if not k.covered]
    paging_without = [k for k in without if k.paging]
    summary = f"{plural(len(known), 'alert')} known"
    if without:
        summary += f", {len(without)} without a runbook"
        if paging_without:
            summary += f" ({len(paging_without)} of them paging)"
    rows = []
    for k in known:
        severities = ", ".join(f"<code>{esc(s)}</code>" for s in k.severities if s) or DASH
        if k.paging:
            severities += ' <span class="ob-badge ob-badge--overdue">pages</span>'
        files = "<br>".join(f"<code>{esc(f)}</code>" for f in k.rule_files) or DASH
        ordered = sorted(k.runbooks, key=lambda rb: (rb.id or "\uffff", rb.rel))
        books = "<br>".join(ctx.runbook_link(rb, URI) for rb in ordered)
        if not books:
            books = '<span class="ob-badge ob-badge--stale">no runbook</span>'
        cls = ' class="ob-row--overdue"' if not k.covered and k.paging else ""
        rows.append(
            f"<tr{cls}><td>{_alert_cell(ctx, k.name, k.name in named)}</td><td>{severities}</td>"
            f"<td>{files}</td><td>{books}</td></tr>"
        )
    body = (
        table(["Alert", "Severity label", "Rule file", "Runbook"], rows, cls="ob-alerts")
        if rows
        else '<p class="ob-empty">No alerts yet: name them in a runbook\'s <code>alerts</code> '
        "field, or list rule files under <code>alerts.rules</code> in policy.yml.</p>"
    )
    return hide("toc") + blocks(
        f"# {TITLE}",
        f'<p class="ob-lead">{summary}. Link a rule to its runbook with '
        "<code>runbook_url: &lt;site&gt;/alerts/{{ $labels.alertname }}/</code>: each "
        "<code>/alerts/&lt;name&gt;/</code> opens the runbook naming the alert (its lower-cased "
        "form too).</p>",
        listing(body),
        # Figures, not words anyone searches for: kept out of the search index too.
        listing('<h2 id="coverage">Coverage of the rule files</h2>\n' + coverage_html(ctx)),
    )
