"""/incident/: the one page for 2 AM, built to be read top to bottom and printed."""

from __future__ import annotations

from opsbook.model import Runbook
from opsbook.pages import communication, decision_trees, severity
from opsbook.pages.common import (
    COMMUNICATION,
    DASH,
    INCIDENT,
    RUNBOOKS,
    SEVERITY,
    Context,
    blocks,
    bullet_list,
    esc,
    hide,
    listing,
    plural,
    table,
)

TITLE = "Incident: start here"
# Up to this many runbooks with symptoms are one table; past it, one fold per service.
GROUP_OVER = 20


def roles(ctx: Context) -> str:
    """Incident roles with their duties and how to reach whoever holds them."""
    policy = ctx.handbook.policy
    contacts: dict[str, list[str]] = {}
    for c in policy.contacts:
        line = f"<strong>{esc(c.name)}</strong>" + (f": {esc(c.how)}" if c.how else "")
        contacts.setdefault(c.role, []).append(line)
    rows = []
    for role in policy.roles:
        rows.append(
            f'<tr id="role-{esc(role.id)}">'
            f'<td class="ob-role"><strong>{esc(role.name or role.id)}</strong></td>'
            f"<td>{bullet_list([esc(d) for d in role.duties])}</td>"
            f"<td>{bullet_list(contacts.pop(role.id, []))}</td>"
            "</tr>"
        )
    for role_id, lines in contacts.items():
        rows.append(
            f"<tr><td>{esc(role_id) or DASH}</td><td>{DASH}</td><td>{bullet_list(lines)}</td></tr>"
        )
    if not rows:
        return '<p class="ob-empty">policy.yml defines no incident roles.</p>'
    return table(["Role", "Duties", "How to reach"], rows, cls="ob-roles")


def symptoms(ctx: Context) -> str:
    """What the on-call engineer sees, and the runbook for it, grouped by service.

    Only runbooks that list symptoms: a row saying "(no symptoms listed)" helps nobody, and an
    adopted collection of a hundred runbooks made this page a wall of them (/runbooks/ lists
    every runbook). Past GROUP_OVER runbooks, each service's rows fold into a <details> that
    says how many it holds: the page opens as one short list of services, the rows stay in
    the page (no script, printable, and the browser's find-in-page opens a closed <details>
    on a match), and the page weighs what the flat table did, less its Service column.
    """
    policy = ctx.handbook.policy
    runbooks = [rb for rb in ctx.sorted_runbooks if rb.status != "deprecated" and rb.symptoms]
    runbooks.sort(
        key=lambda rb: (
            rb.service.lower(),
            min((policy.rank(s) for s in rb.severity), default=len(policy.severities)),
            rb.id,
        )
    )
    if not runbooks:
        return '<p class="ob-empty">No runbook lists its symptoms yet.</p>'

    def row(rb: Runbook, with_service: bool) -> str:
        # One row per runbook, its symptoms one per line: at thousands of runbooks a row per
        # symptom made this page several megabytes, too much for a phone at 2 AM.
        seen = "<br>".join(esc(s) for s in rb.symptoms)
        service = (
            f"<td>{ctx.service_link(rb.service, INCIDENT) if rb.service else DASH}</td>"
            if with_service
            else ""
        )
        return (
            f"<tr><td>{seen}</td>"
            f"<td>{ctx.runbook_link(rb, INCIDENT)}</td>"
            f"{service}"
            f"<td>{ctx.severity_badges(rb.severity)}</td></tr>"
        )

    if len(runbooks) <= GROUP_OVER:
        rows = [row(rb, True) for rb in runbooks]
        head = ["When you see", "Open", "Service", "Severity"]
        return listing(table(head, rows, cls="ob-symptoms"))
    groups: dict[str, list[Runbook]] = {}
    for rb in runbooks:
        groups.setdefault(rb.service, []).append(rb)
    parts = ['<div class="ob-symptoms ob-symptoms--grouped">']
    for service, members in groups.items():
        name = f"<strong>{esc(service)}</strong>" if service else "<strong>no service</strong>"
        parts.append(
            f'<details class="ob-symptom-group"><summary>{name} '
            f'<span class="ob-muted">{plural(len(members), "runbook")}</span></summary>'
        )
        rows = [row(rb, False) for rb in members]
        parts.append(table(["When you see", "Open", "Severity"], rows))
        parts.append("</details>")
    parts.append("</div>")
    return listing("\n".join(parts))


def first_steps(ctx: Context) -> str:
    policy = ctx.handbook.policy
    lead_role = policy.roles[0].name if policy.roles else "an incident lead"
    items = [
        "<strong>Decide</strong> whether it is an incident and how severe: answer the questions "
        "below, one click each.",
        f"<strong>Declare</strong> it and name the {esc(lead_role)}; say the severity out loud.",
        f'<strong>Communicate</strong> on the schedule for that severity (<a href="'
        f'{ctx.href(INCIDENT, COMMUNICATION)}">templates to copy</a>).',
        "<strong>Mitigate</strong> first, investigate later: find the runbook for what you "
        "see in the last table.",
    ]
    return '<ol class="ob-first-steps">' + "".join(f"<li>{i}</li>" for i in items) + "</ol>"


def render(ctx: Context) -> str:
    """The /incident/ page."""
    return hide("toc") + blocks(
        f"# {TITLE}",
        '<p class="ob-lead">Something is wrong and you are on call. Work down this page.</p>',
        first_steps(ctx),
        "## Decide",
        decision_trees.starts(ctx, INCIDENT),
        "## Severity",
        severity.matrix(ctx, INCIDENT, compact=True),
        f'<p class="ob-more"><a href="{ctx.href(INCIDENT, SEVERITY)}">Examples and details '
        "of each level</a></p>",
        "## Communicate",
        communication.matrix(ctx, INCIDENT),
        f'<p class="ob-more"><a href="{ctx.href(INCIDENT, COMMUNICATION)}">Status update '
        "templates, ready to copy</a></p>",
        "## Roles and contacts",
        roles(ctx),
        "## Runbooks by symptom",
        symptoms(ctx),
        f'<p class="ob-more"><a href="{ctx.href(INCIDENT, RUNBOOKS)}">All runbooks</a>, '
        "with those that list no symptoms</p>",
    )
