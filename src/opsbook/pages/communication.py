"""/communication/: who hears what and how often, and status updates ready to copy."""

from __future__ import annotations

import re

from opsbook.model import Cadence, Severity
from opsbook.pages.common import DASH, Context, blocks, esc, hide, md, table
from opsbook.pages.common import every as every_text

TITLE = "Communication"

_UNUSED = ("", "-", "—", "not used", "n/a", "none")


def _used(cadence: Cadence | None) -> bool:
    return cadence is not None and cadence.when.strip().lower() not in _UNUSED


def matrix(ctx: Context, from_uri: str = "") -> str:
    """Severity x channel: when to start posting and how often to update."""
    policy = ctx.handbook.policy
    if not policy.severities or not policy.channels:
        return '<p class="ob-empty">policy.yml defines no severities or no channels.</p>'
    headers = ["Level", *(esc(c.name or c.id) for c in policy.channels)]
    rows = []
    for sev in policy.severities:
        per_channel = policy.communication.get(sev.id, {})
        cells = [f'<td class="ob-level">{ctx.severity_badge(sev.id)}</td>']
        for channel in policy.channels:
            cadence = per_channel.get(channel.id)
            if cadence is None:
                cells.append(f'<td class="ob-unset">{DASH}</td>')
            elif not _used(cadence):
                cells.append(f'<td class="ob-unused">{esc(cadence.when) or DASH}</td>')
            else:
                every = cadence.every.strip()
                every_html = (
                    f'<br><span class="ob-every">{esc(every_text(every))}</span>'
                    if every not in _UNUSED
                    else ""
                )
                cells.append(f"<td>{esc(cadence.when)}{every_html}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return table(headers, rows, cls="ob-comms")


def _fence(text: str) -> str:
    """A fence longer than any backtick run in the text, so a value cannot close the block."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _code(text: str, indent: str = "    ") -> str:
    fence = _fence(text)
    # ob-template: the template wraps on a phone (opsbook.css) instead of scrolling sideways.
    lines = [f"{fence}{{ .text .ob-template }}", *text.splitlines(), fence]
    return "\n".join(indent + line if line else "" for line in lines)


def _first_cadence(ctx: Context, sev: Severity) -> tuple[str, str] | None:
    """The first channel in policy order that is used for this severity, with its cadence."""
    per_channel = ctx.handbook.policy.communication.get(sev.id, {})
    for channel in ctx.handbook.policy.channels:
        cadence = per_channel.get(channel.id)
        if _used(cadence) and cadence is not None and cadence.every.strip() not in _UNUSED:
            return channel.name or channel.id, cadence.every.strip()
    return None


def internal_template(ctx: Context, sev: Severity) -> str:
    """The internal status update for one severity, as plain text (shown in a code block)."""
    label = f"{sev.id} {sev.name}".strip()
    lines = [
        f"[{label}] <one-line summary of the impact>",
        "Status: Investigating | Identified | Mitigated | Resolved",
        "Impact: <who is affected, what they see, since HH:MM UTC>",
        f"Severity: {sev.id}" + (f" ({sev.name})" if sev.name else ""),
    ]
    lines += [f"{role.name or role.id}: <name>" for role in ctx.handbook.policy.roles]
    lines += [
        "Doing now: <current actions and who is on them>",
        "Help needed: <none, or what and from whom>",
    ]
    cadence = _first_cadence(ctx, sev)
    if cadence:
        lines.append(f"Next update: <HH:MM UTC> ({every_text(cadence[1])} in {cadence[0]})")
    else:
        lines.append("Next update: <HH:MM UTC>")
    return "\n".join(lines)


def external_template(ctx: Context, sev: Severity) -> str:
    """The customer-facing status update for one severity: no internal names or ids."""
    return "\n".join(
        [
            "Title: <Service or feature> <unavailable | degraded | delayed>",
            "",
            "Investigating - We are investigating <what customers see, e.g. errors when",
            "signing in> since <HH:MM UTC>. <Who is affected, e.g. some customers in EU>.",
            "We will post the next update by <HH:MM UTC>.",
            "",
            "Update - We have identified the cause and are <rolling out a fix | restoring",
            "service>. <What still does not work, and any workaround>.",
            "Next update by <HH:MM UTC>.",
            "",
            "Resolved - <Service or feature> has been working normally since <HH:MM UTC>.",
            "<Short, honest sentence on the cause>. We are sorry for the disruption.",
        ]
    )


def _where(ctx: Context, sev: Severity) -> str:
    policy = ctx.handbook.policy
    per_channel = policy.communication.get(sev.id, {})
    items = []
    for channel in policy.channels:
        cadence = per_channel.get(channel.id)
        if not _used(cadence) or cadence is None:
            continue
        every = cadence.every.strip()
        then = f", then {md(every_text(every))}" if every not in _UNUSED else ""
        items.append(f"    - **{md(channel.name or channel.id)}**: {md(cadence.when)}{then}")
    if not items:
        return "    No channel is used for this severity in policy.yml."
    return "\n".join(items)


def templates(ctx: Context) -> str:
    """Per severity, content tabs with where to post and the two templates (copy buttons)."""
    parts = []
    for sev in ctx.handbook.policy.severities:
        label = md(f"{sev.id} · {sev.name}" if sev.name else sev.id).replace('"', "&quot;")
        parts.append(
            "\n\n".join(
                [
                    f'=== "{label}"',
                    "    Where and how often to post:",
                    _where(ctx, sev),
                    "    **Internal update** (incident channel, call, stakeholders):",
                    _code(internal_template(ctx, sev)),
                    "    **External update** (status page, customers):",
                    _code(external_template(ctx, sev)),
                ]
            )
        )
    return "\n\n".join(parts)


def render(ctx: Context) -> str:
    """The /communication/ page."""
    return hide("toc") + blocks(
        f"# {TITLE}",
        '<p class="ob-lead">When to start posting in each channel and how often to update it. '
        "An update is due even when there is no news: say so, and when the next one comes.</p>",
        matrix(ctx),
        "## Status update templates",
        '<p class="ob-note">Copy a template with the button in its corner, fill in the '
        "&lt;placeholders&gt;, and delete the lines that do not apply.</p>",
        templates(ctx),
    )
