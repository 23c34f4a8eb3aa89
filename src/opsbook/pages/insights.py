"""/insights/: what the published postmortems say over time, as distributions and counts.

Rendered from the dict of opsbook.insights.compute, the same one the site writes as
insights.json and `opsbook insights --format json` prints: the page recomputes nothing.

Charts are inline SVG written here: no script, nothing from another host, text in
`currentColor` and bars in the stylesheet's severity colours, so they follow Material's light
and dark palettes and print. Each chart is followed by the table of its numbers. A plotting
library was not worth it: matplotlib is not installed with opsbook and its import alone takes
about half a second; these charts cost a few milliseconds (bench/insights.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opsbook import insights
from opsbook.pages.common import (
    DASH,
    Context,
    blocks,
    esc,
    listing,
    plural,
    table,
    unique_slugs,
)

URI = "insights/index.md"
TITLE = "Insights"
JSON_FILE = "insights.json"
_CACHE = "_opsbook_insights"

# Bar classes for the action item states (see opsbook.css, .ob-chart).
STATE_LABELS = {"overdue": "Overdue", "open": "Open", "done": "Done", "wont_do": "Won't do"}


def data(ctx: Context) -> dict[str, Any]:
    """The insights of this build, computed once and kept with the context (page and JSON)."""
    cached: dict[str, Any] | None = vars(ctx).get(_CACHE)
    if cached is None:
        cached = insights.compute(ctx.handbook, ctx.today)
        vars(ctx)[_CACHE] = cached
    return cached


def json_text(ctx: Context) -> str:
    """insights.json, the site root's copy of the page's figures."""
    return insights.to_json(data(ctx))


# --- SVG ------------------------------------------------------------------------------------


def _svg(width: int, height: int, label: str, body: Sequence[str]) -> str:
    """An SVG element that scales to its container; label is its accessible name (escaped)."""
    return (
        f'<svg class="ob-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{esc(label)}">'
        f"<title>{esc(label)}</title>" + "".join(body) + "</svg>"
    )


def _clip(text: str, size: int = 22) -> str:
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def stacked_columns(
    label: str, columns: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]]
) -> str:
    """Vertical stacked bars: one column per label, one stacked segment per series.

    series: (name, CSS class, counts per column).
    """
    left, top, bottom, plot_h = 34, 10, 46, 150
    bar_w, gap = 24, 8
    width = max(360, left + len(columns) * (bar_w + gap) + 10)
    height = top + plot_h + bottom
    totals = [sum(s[2][i] for s in series) for i in range(len(columns))]
    peak = _nice_max(max(totals, default=0))
    body = [
        f'<line class="ob-chart__axis" x1="{left}" y1="{top + plot_h}" '
        f'x2="{width - 4}" y2="{top + plot_h}"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{insights.number(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<line class="ob-chart__grid" x1="{left}" y1="{top}" x2="{width - 4}" y2="{top}"/>',
    ]
    every = max(1, len(columns) // 24)  # at most about two dozen axis labels
    for i, name in enumerate(columns):
        x = left + 4 + i * (bar_w + gap)
        y = float(top + plot_h)
        for series_name, cls, counts in series:
            count = counts[i]
            if not count:
                continue
            h = count / peak * plot_h
            y -= h
            body.append(
                f'<rect class="{cls}" x="{x}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}">'
                f"<title>{esc(name)}: {count} {esc(series_name)}</title></rect>"
            )
        if i % every == 0:
            lx, ly = x + bar_w / 2, top + plot_h + 8
            body.append(
                f'<text x="{lx:.1f}" y="{ly}" text-anchor="end" '
                f'transform="rotate(-60 {lx:.1f} {ly})">{esc(name)}</text>'
            )
    return _svg(width, height, label, body)


def horizontal_bars(label: str, rows: Sequence[tuple[str, int]]) -> str:
    """One horizontal bar per row: (name, count)."""
    left, row_h, plot_w = 170, 18, 360
    width, height = left + plot_w + 40, 10 + row_h * max(1, len(rows))
    peak = _nice_max(max((n for _, n in rows), default=0))
    body = [f'<line class="ob-chart__axis" x1="{left}" y1="4" x2="{left}" y2="{height - 2}"/>']
    for i, (name, count) in enumerate(rows):
        y = 6 + i * row_h
        w = count / peak * plot_w
        body += [
            f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">{esc(_clip(name))}</text>',
            f'<rect class="ob-chart__bar" x="{left}" y="{y}" width="{w:.1f}" '
            f'height="{row_h - 5}"><title>{esc(name)}: {count}</title></rect>',
            f'<text x="{left + w + 4:.1f}" y="{y + 11}">{count}</text>',
        ]
    return _svg(width, height, label, body)


def ranges(label: str, rows: Sequence[tuple[str, str, dict[str, Any]]]) -> str:
    """Per group: a bar to the median, a thinner one on to p90, and a tick at the maximum.

    rows: (name, CSS class, distribution from opsbook.insights).
    """
    left, row_h, plot_w = 90, 22, 420
    width, height = left + plot_w + 20, 24 + row_h * max(1, len(rows))
    peak = _nice_max(max((d["max"] or 0 for _, _, d in rows), default=0))
    base = height - 16
    body = [
        f'<line class="ob-chart__axis" x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}"/>',
        f'<text x="{left}" y="{height - 3}">0</text>',
        f'<text x="{left + plot_w}" y="{height - 3}" text-anchor="end">'
        f"{esc(insights.fmt_minutes(peak))}</text>",
    ]
    for i, (name, cls, d) in enumerate(rows):
        y = 4 + i * row_h
        body.append(
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{esc(_clip(name, 12))}</text>'
        )
        if not d["n"]:
            body.append(f'<text x="{left + 4}" y="{y + 12}">no data</text>')
            continue
        median = d["median"] / peak * plot_w
        p90 = d["p90"] / peak * plot_w
        top = d["max"] / peak * plot_w
        summary = (
            f"{name}: n={d['n']}, median {insights.fmt_minutes(d['median'])}, "
            f"p90 {insights.fmt_minutes(d['p90'])}, max {insights.fmt_minutes(d['max'])}"
        )
        body += [
            f"<g><title>{esc(summary)}</title>",
            f'<rect class="{cls} ob-chart__faint" x="{left}" y="{y + 5}" width="{p90:.1f}" '
            f'height="6"/>',
            f'<rect class="{cls}" x="{left}" y="{y + 2}" width="{median:.1f}" height="12"/>',
            f'<line class="ob-chart__max" x1="{left + top:.1f}" y1="{y}" x2="{left + top:.1f}" '
            f'y2="{y + 16}"/>',
            "</g>",
        ]
    return _svg(width, height, label, body)


def legend(items: Sequence[tuple[str, str]]) -> str:
    """A legend under a chart: (name, CSS class) pairs, as HTML text."""
    return (
        '<p class="ob-chart-legend">'
        + " ".join(
            f'<span><svg width="10" height="10" aria-hidden="true"><rect class="{cls}" '
            f'width="10" height="10"/></svg> {esc(name)}</span>'
            for name, cls in items
        )
        + "</p>"
    )


def figure(chart: str, caption: str, table_html: str, extra: str = "") -> str:
    """A chart, its caption and legend, and the table of its numbers."""
    return (
        f'<figure class="ob-figure">\n{chart}\n<figcaption>{caption}</figcaption>\n</figure>\n'
        f"{extra}{table_html}"
    )


# --- the page -------------------------------------------------------------------------------


class _Page:
    """What the sections share: the context, the data and the links to postmortems."""

    def __init__(self, ctx: Context, figures: dict[str, Any]) -> None:
        self.ctx = ctx
        self.data = figures
        self.index: dict[str, Any] = figures["index"]
        policy = ctx.handbook.policy
        self.sev_cls = {
            s: f"ob-fill-{min(policy.rank(s), 4)}" if policy.severity(s) else "ob-fill-unknown"
            for s in figures["severities"]
        }
        self.sev_slugs = unique_slugs(figures["severities"], "severity")

    def pm_link(self, name: str, label: str | None = None, *, with_title: bool = True) -> str:
        entry = self.index.get(name)
        text = esc(label if label is not None else name)
        if entry is None or not entry.get("path"):
            return text
        href = self.ctx.href(URI, entry["path"])
        if not with_title:
            return f'<a href="{href}">{text}</a>'
        return f'<a href="{href}" title="{esc(entry.get("title") or "")}">{text}</a>'

    def group_label(self, section: str, group: str) -> str:
        if section == "by_severity":
            return self.ctx.severity_badge(group, URI)
        return esc(group)

    def anchor(self, section: str, group: str, measure: str) -> str:
        slug = self.sev_slugs.get(group, group.lower()) if section == "by_severity" else group
        return f"pm-{measure.replace('_', '-')}-{slug.lower()}"

    def measure_block(self, section: str, measure: str) -> str:
        label = insights.MEASURES[measure][0]
        groups: dict[str, Any] = self.data[section]
        rows, behind, chart_rows = [], [], []
        for group, figures in groups.items():
            d = figures[measure]
            cls = self.sev_cls.get(group, "ob-fill-3") if section == "by_severity" else "ob-fill-3"
            chart_rows.append((group, cls, d))
            anchor = self.anchor(section, group, measure)
            if d["n"]:
                top = d["postmortems"][-1]
                cells = [
                    f'<a href="#{esc(anchor)}">{d["n"]}</a>',
                    f'<a href="#{esc(anchor)}">{esc(insights.fmt_minutes(d["median"]))}</a>',
                    f'<a href="#{esc(anchor)}">{esc(insights.fmt_minutes(d["p90"]))}</a>',
                    self.pm_link(top, insights.fmt_minutes(d["max"])),
                ]
                # Ids linked to their postmortems, no titles: with titles written out, these
                # lists were 5.4 MB of the page at 10,000 documents.
                items = "".join(
                    f"<li>{self.pm_link(name, with_title=False)}: "
                    f"{esc(insights.fmt_minutes(value))}</li>"
                    for name, value in zip(d["postmortems"], d["values"], strict=True)
                )
                behind.append(
                    f'<p id="{esc(anchor)}"><strong>{esc(group)}</strong>: '
                    f"{plural(d['n'], 'postmortem')}, shortest first</p><ol>{items}</ol>"
                )
            else:
                cells = ["0", DASH, DASH, DASH]
            rows.append(
                f"<tr><td>{self.group_label(section, group)}</td><td>{figures['n']}</td>"
                + "".join(f'<td class="ob-num">{c}</td>' for c in cells)
                + "</tr>"
            )
        where = "severity" if section == "by_severity" else "quarter"
        chart = ranges(f"{label} by {where}: median, 90th percentile and maximum", chart_rows)
        caption = (
            f"{label} by {where}: the solid bar is the median, the thin bar reaches the 90th "
            "percentile, the tick marks the maximum."
        )
        headers = [where.capitalize(), "Incidents", "n", "Median", "p90", "Max"]
        tbl = table(headers, rows, cls="ob-insights-table")
        if not behind:
            return figure(chart, caption, tbl)
        # One collapsed list per measure: a link to a figure opens it at its group.
        details = (
            f'<details class="ob-behind"><summary>The postmortems behind these figures, '
            f"{label.lower()} by {where}</summary>\n" + "\n".join(behind) + "\n</details>"
        )
        return figure(chart, caption, tbl) + "\n" + listing(details)

    def by_month(self) -> str:
        months = self.data["by_month"]
        sevs: list[str] = self.data["severities"]
        columns = [row["month"] for row in months]
        series = [
            (sev, self.sev_cls[sev], [row["counts"].get(sev, 0) for row in months]) for sev in sevs
        ]
        chart = stacked_columns("Incidents per month by severity", columns, series)
        rows = [
            f"<td>{esc(row['month'])}</td>"
            + "".join(f'<td class="ob-num">{row["counts"].get(s, 0)}</td>' for s in sevs)
            + f'<td class="ob-num">{sum(row["counts"].values())}</td>'
            for row in months
        ]
        headers = ["Month", *(self.ctx.severity_badge(s, URI) for s in sevs), "Total"]
        tbl = table(headers, [f"<tr>{r}</tr>" for r in rows], cls="ob-insights-table")
        return figure(
            chart,
            "Published postmortems per month of their date, stacked by severity.",
            tbl,
            legend([(s, self.sev_cls[s]) for s in sevs]),
        )

    def by_service(self) -> str:
        services = self.data["by_service"]
        chart = horizontal_bars(
            "Incidents per service, most affected first",
            [(row["service"], row["incidents"]) for row in services],
        )
        rows = [
            f"<tr><td>{self.ctx.service_link(row['service'], URI)}</td>"
            f'<td class="ob-num">{row["incidents"]}</td></tr>'
            for row in services
        ]
        tbl = table(["Service", "Incidents"], rows, cls="ob-insights-table")
        return figure(
            chart,
            "Published postmortems naming each service (a postmortem of two services counts "
            "for both); each service's page lists them.",
            tbl,
        )

    def action_items(self) -> str:
        items = self.data["action_items"]
        done = items["done_by_due_date"]
        share = f"{done['share'] * 100:.0f}%" if done["share"] is not None else DASH
        age = items["open_age_days"]
        stats = [
            (str(items["total"]), "action items", ""),
            (str(items["open"]), "open, not yet due", ""),
            (str(items["overdue"]), "overdue", " ob-stat--alert" if items["overdue"] else ""),
            (str(items["done"]), "done", ""),
            (str(items["wont_do"]), "won't do", ""),
            (share, "done by the due date", ""),
        ]
        parts = [
            '<div class="ob-stats">'
            + "".join(
                f'<div class="ob-stat{cls}"><span class="ob-stat__n">{esc(n)}</span>'
                f'<span class="ob-stat__label">{label}</span></div>'
                for n, label, cls in stats
            )
            + "</div>",
            f"<p>Done by the due date: {done['done']} of the {done['due_passed']} items "
            f"whose due date has passed ({share}). Age of the open items, in days since their "
            + (
                f"incident: n {age['n']}, median {esc(age['median'])}, p90 {esc(age['p90'])}, "
                f"max {esc(age['max'])}.</p>"
                if age["n"]
                else "incident: none is open.</p>"
            ),
        ]
        months = items["by_month"]
        if months:
            states = list(STATE_LABELS)
            series = [(STATE_LABELS[s], f"ob-fill-{s}", [row[s] for row in months]) for s in states]
            chart = stacked_columns(
                "Action items by the month they are due, by state today",
                [row["month"] for row in months],
                series,
            )
            rows = [
                f"<tr><td>{esc(row['month'])}</td>"
                + "".join(f'<td class="ob-num">{row[s]}</td>' for s in states)
                + "</tr>"
                for row in months
            ]
            tbl = table(["Due", *STATE_LABELS.values()], rows, cls="ob-insights-table")
            parts.append(
                figure(
                    chart,
                    "Action items by the month they are due: overdue, open, done and dropped.",
                    tbl,
                    legend([(STATE_LABELS[s], f"ob-fill-{s}") for s in states]),
                )
            )
        owners = items["per_owner"]
        if owners:
            rows = [
                f"<tr><td>{esc(row['owner']) or '<em>unassigned</em>'}</td>"
                + "".join(f'<td class="ob-num">{row[s]}</td>' for s in (*STATE_LABELS, "total"))
                + "</tr>"
                for row in owners
            ]
            parts += [
                '<h3 id="per-owner">Per owner</h3>',
                listing(
                    table(
                        ["Owner", *STATE_LABELS.values(), "Total"],
                        rows,
                        cls="ob-insights-table",
                    )
                ),
            ]
        return "\n".join(parts)

    def repeats(self) -> str:
        window = self.data["repeat_window_days"]
        parts = [
            f"<p>Postmortems of the same service, each within {plural(window, 'day')} of the "
            "one before (policy.yml <code>insights.repeat_window_days</code>).</p>"
        ]
        groups = self.data["repeats"]
        if groups:
            rows = [
                f"<tr><td>{self.ctx.service_link(g['service'], URI)}</td>"
                f'<td class="ob-num">{len(g["postmortems"])}</td>'
                f"<td>{', '.join(self.pm_link(p) for p in g['postmortems'])}</td>"
                f'<td class="ob-date">{esc(g["first"])}</td>'
                f'<td class="ob-date">{esc(g["last"])}</td></tr>'
                for g in groups
            ]
            parts.append(
                table(
                    ["Service", "Incidents", "Postmortems", "First", "Last"],
                    rows,
                    cls="ob-insights-table",
                )
            )
        else:
            parts.append('<p class="ob-empty">No repeat incidents.</p>')
        parts.append('<h3 id="runbooks-used-again">Runbooks used again and again</h3>')
        reused = self.data["runbooks_reused"]
        if reused:
            rows = [
                f"<tr><td>{self.ctx.runbook_ref(r['runbook'], URI)}</td>"
                f'<td class="ob-num">{len(r["postmortems"])}</td>'
                f"<td>{', '.join(self.pm_link(p) for p in r['postmortems'])}</td></tr>"
                for r in reused
            ]
            parts.append(
                listing(table(["Runbook", "Postmortems", "Used in"], rows, cls="ob-insights-table"))
            )
        else:
            parts.append('<p class="ob-empty">No runbook was used by two postmortems.</p>')
        return "\n".join(parts)


def _definitions() -> str:
    items = "".join(
        f"<dt>{esc(term)}</dt><dd>{_code(text)}</dd>" for term, text in insights.DEFINITIONS
    )
    return f'<dl class="ob-definitions">{items}</dl>'


def _code(text: str) -> str:
    """Trusted definition text with `backticks` as <code>."""
    parts = esc(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def render(ctx: Context) -> str:
    """The /insights/ page."""
    figures = data(ctx)
    counted = figures["postmortems"]["counted"]
    left = figures["postmortems"]["left_out"]
    href = ctx.asset_href(URI, JSON_FILE)
    parts = [
        f"# {TITLE}",
        '<p class="ob-lead">What the published postmortems say over time: counts and '
        "distributions (median, 90th percentile, maximum), each figure linked to the "
        "postmortems behind it. No averages: incident durations are skewed. How each figure "
        'is made: <a href="#definitions">Definitions</a>.</p>',
        f'<p class="ob-counted"><strong>{plural(counted, "published postmortem")}</strong> '
        f"counted. {plural(left['draft'], 'draft')} and {left['in_review']} in review left "
        f'out. The same figures as data: <a href="{href}" download>{JSON_FILE}</a> '
        "(or <code>opsbook insights --format json</code>).</p>",
    ]
    page = _Page(ctx, figures)
    if counted:
        parts += ["## Response times by severity"]
        for measure, (label, _s, _e) in insights.MEASURES.items():
            parts += [f"### {label}", page.measure_block("by_severity", measure)]
        parts += ["## Response times by quarter"]
        for measure, (label, _s, _e) in insights.MEASURES.items():
            parts += [
                f"### {label} {{#{measure.replace('_', '-')}-by-quarter}}",
                page.measure_block("by_quarter", measure),
            ]
        parts += [
            "## Incidents per month",
            page.by_month(),
            "## Incidents per service",
            page.by_service(),
            "## Action items",
            page.action_items(),
            "## Repeat incidents",
            page.repeats(),
        ]
    else:
        parts.append('<p class="ob-empty">No published postmortem yet: nothing to count.</p>')
    parts += ["## Definitions", _definitions()]
    return blocks(*parts)
