"""/severity/: the severity matrix, straight from policy.yml."""

from __future__ import annotations

from collections import Counter

from opsbook.pages.common import (
    DASH,
    RUNBOOKS,
    SEVERITY,
    Context,
    blocks,
    bullet_list,
    esc,
    every,
    plural,
    query,
    table,
)

TITLE = "Severity levels"


def _cadence(ctx: Context, sev_id: str) -> list[str]:
    policy = ctx.handbook.policy
    per_channel = policy.communication.get(sev_id, {})
    lines = []
    for channel in policy.channels:
        cadence = per_channel.get(channel.id)
        if cadence is None or cadence.every.strip() in ("", "-", "—"):
            continue
        lines.append(f"{esc(channel.name or channel.id)}: {esc(every(cadence.every))}")
    return lines


def matrix(ctx: Context, from_uri: str, *, compact: bool = False) -> str:
    """The severity table; compact (for the incident page) leaves out examples and cadence."""
    policy = ctx.handbook.policy
    if not policy.severities:
        return '<p class="ob-empty">policy.yml defines no severities.</p>'
    runbook_counts: Counter[str] = Counter()
    if not compact:
        runbook_counts.update(
            s for rb in ctx.handbook.runbooks if rb.status != "deprecated" for s in set(rb.severity)
        )
    if compact:
        headers = ["Level", "Definition", "Respond", "Notify"]
    else:
        headers = [
            "Level",
            "Definition",
            "Examples",
            "Response time",
            "Notify",
            "Updates",
            "Runbooks",
        ]
    rows = []
    for sev in policy.severities:
        anchor = ctx.severity_anchors[sev.id]
        level = (
            f"{ctx.severity_badge(sev.id)}<br><strong>{esc(sev.name)}</strong>"
            if sev.name
            else ctx.severity_badge(sev.id)
        )
        notify = (
            esc(", ".join(sev.notify)) or DASH
            if compact
            else bullet_list([esc(n) for n in sev.notify])
        )
        cells = [
            f'<td class="ob-level">{level}</td>',
            f"<td>{esc(sev.definition) or DASH}</td>",
        ]
        if not compact:
            cells.append(f"<td>{bullet_list([esc(x) for x in sev.examples])}</td>")
        cells.append(f"<td>{esc(sev.response_time) or DASH}</td>")
        cells.append(f"<td>{notify}</td>")
        if not compact:
            cells.append(f"<td>{bullet_list(_cadence(ctx, sev.id))}</td>")
            count = runbook_counts.get(sev.id, 0)
            link = ctx.href(from_uri, RUNBOOKS) + query(severity=sev.id)
            cells.append(f'<td><a href="{link}">{plural(count, "runbook")}</a></td>')
        rows.append(f'<tr id="{esc(anchor)}">' + "".join(cells) + "</tr>")
    return table(headers, rows, cls="ob-severity")


def render(ctx: Context) -> str:
    """The /severity/ page."""
    policy = ctx.handbook.policy
    intro = (
        '<p class="ob-lead">Ordered from most to least severe. When in doubt, pick the higher '
        "severity: lowering it later is cheap, a slow start is not.</p>"
    )
    review = ", ".join(
        f"{esc(s.id)} every {s.review_days} days" for s in policy.severities if s.review_days
    )
    note = (
        f'<p class="ob-note">Runbooks are reviewed every {policy.default_review_days} days'
        + (f" ({review})" if review else "")
        + ".</p>"
    )
    return blocks(f"# {TITLE}", intro, matrix(ctx, SEVERITY), note)
