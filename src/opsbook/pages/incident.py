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
    SYMPTOMS,
    Context,
    blocks,
    bullet_list,
    esc,
    hide,
    listing,
    plural,
    table,
    unique_slugs,
)

TITLE = "Incident: start here"
SYMPTOMS_TITLE = "Runbooks by symptom"
# Up to this many runbooks with symptoms are one table on the incident page; past it, the
# page holds a lookup and the busiest services, and the table is /incident/symptoms/.
SYMPTOMS_INLINE = 20
# The services listed on the incident page past SYMPTOMS_INLINE, most runbooks first: the
# page must weigh the same at 10,000 documents as at 100 (issue 19: at most 150 KB).
SERVICES_SHOWN = 30


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


def _with_symptoms(ctx: Context) -> list[Runbook]:
    """Runbooks that list symptoms, by service, most severe first within one.

    Only runbooks that list symptoms: a row saying "(no symptoms listed)" helps nobody
    (/runbooks/ lists every runbook).
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
    return runbooks


def _by_service(runbooks: list[Runbook]) -> dict[str, list[Runbook]]:
    groups: dict[str, list[Runbook]] = {}
    for rb in runbooks:
        groups.setdefault(rb.service, []).append(rb)
    return groups


def _service_anchors(services: list[str]) -> dict[str, str]:
    """Service -> the id of its section on the full list (svc-<slug>; 'svc-none' for none).

    No service is keyed by a name no service can have, so a service called "none" gets
    an id of its own.
    """
    slugs = unique_slugs([s or "\x00" for s in services], "none")
    return {s: f"svc-{slugs[s or chr(0)]}" for s in services}


def _symptom_row(ctx: Context, rb: Runbook, from_uri: str, with_service: bool) -> str:
    # One row per runbook, its symptoms one per line: at thousands of runbooks a row per
    # symptom made a page several megabytes, too much for a phone at 2 AM.
    seen = "<br>".join(esc(s) for s in rb.symptoms)
    service = (
        f"<td>{ctx.service_link(rb.service, from_uri) if rb.service else DASH}</td>"
        if with_service
        else ""
    )
    return (
        f"<tr><td>{seen}</td>"
        f"<td>{ctx.runbook_link(rb, from_uri)}</td>"
        f"{service}"
        f"<td>{ctx.severity_badges(rb.severity)}</td></tr>"
    )


def lookup(ctx: Context, from_uri: str) -> str:
    """A "What do you see?" search for the runbook, which needs no symptom in the page.

    With JavaScript (opsbook/assets/incident-lookup.js) the words go into the site's own
    search box, whatever answers it (Material's search, or another index behind that box).
    Without it, or with no search box on the site, the form opens the full list
    (/incident/symptoms/), where the browser's find-in-page finds the words.
    """
    action = ctx.href(from_uri, SYMPTOMS)
    return (
        f'<form class="ob-lookup" action="{action}" method="get" role="search" data-ob-lookup>'
        '<label for="ob-lookup-q">What do you see?</label> '
        '<input id="ob-lookup-q" type="search" name="q" autocomplete="off" '
        'placeholder="an alert name, an error message, a symptom"> '
        '<button class="md-button md-button--primary" type="submit">Find the runbook</button>'
        "</form>"
    )


def symptoms(ctx: Context) -> str:
    """The way from what the on-call engineer sees to its runbook, in bounded size.

    Up to SYMPTOMS_INLINE runbooks list their symptoms, they are one table here. Past it,
    the page holds the lookup and the services with the most runbooks (SERVICES_SHOWN), each
    a link to its part of the full list on /incident/symptoms/: at 3,000 documents the
    folded list of every symptom made this page 847 kB, 3 s at 4 Mbit/s before the first
    answer showed.
    """
    runbooks = _with_symptoms(ctx)
    if not runbooks:
        return '<p class="ob-empty">No runbook lists its symptoms yet.</p>'
    form = lookup(ctx, INCIDENT)
    if len(runbooks) <= SYMPTOMS_INLINE:
        rows = [_symptom_row(ctx, rb, INCIDENT, True) for rb in runbooks]
        head = ["When you see", "Open", "Service", "Severity"]
        return blocks(form, listing(table(head, rows, cls="ob-symptoms")))
    groups = _by_service(runbooks)
    anchors = _service_anchors(list(groups))
    busiest = sorted(groups, key=lambda s: (-len(groups[s]), s.lower()))[:SERVICES_SHOWN]
    items = []
    for service in busiest:
        href = ctx.href(INCIDENT, SYMPTOMS, anchors[service])
        name = esc(service) if service else "no service"
        items.append(
            f'<a href="{href}">{name}</a> <span class="ob-muted">{len(groups[service])}</span>'
        )
    rest = len(groups) - len(busiest)
    which = (
        f"The {len(busiest)} with the most runbooks ({rest} more on the full list):"
        if rest
        else "By service, with their number of runbooks:"
    )
    return blocks(
        form,
        f'<p class="ob-symptoms-by">{plural(len(runbooks), "runbook")} in '
        f"{plural(len(groups), 'service')} list what you see. {which}</p>",
        bullet_list(items, cls="ob-services-inline"),
        f'<p class="ob-more"><a href="{ctx.href(INCIDENT, SYMPTOMS)}">Every symptom, by '
        "service</a>: one page, to read or to search with your browser's find</p>",
    )


def render_symptoms(ctx: Context) -> str:
    """The /incident/symptoms/ page: every runbook that lists symptoms, by service.

    Sections, not folds: on a page of its own the list can be long, and so it prints and the
    browser's find-in-page finds every symptom in any browser. A listing: search indexes
    these symptoms on the runbooks' own pages already.
    """
    runbooks = _with_symptoms(ctx)
    if not runbooks:
        body = '<p class="ob-empty">No runbook lists its symptoms yet.</p>'
        return hide("toc") + blocks(f"# {SYMPTOMS_TITLE}", body)
    groups = _by_service(runbooks)
    anchors = _service_anchors(list(groups))
    jump = ", ".join(f'<a href="#{anchors[s]}">{esc(s) if s else "no service"}</a>' for s in groups)
    parts = [f'<p class="ob-jump">{jump}</p>']
    for service, members in groups.items():
        name = esc(service) if service else "no service"
        parts.append(
            f'<h2 id="{anchors[service]}">{name} '
            f'<span class="ob-muted">{plural(len(members), "runbook")}</span></h2>'
        )
        rows = [_symptom_row(ctx, rb, SYMPTOMS, False) for rb in members]
        parts.append(table(["When you see", "Open", "Severity"], rows, cls="ob-symptoms"))
    return hide("toc") + blocks(
        f"# {SYMPTOMS_TITLE}",
        f'<p class="ob-lead">{plural(len(runbooks), "runbook")} in '
        f"{plural(len(groups), 'service')} list what you see when you need them. Use your "
        f"browser's find (Ctrl+F), or search: "
        f'<a href="{ctx.href(SYMPTOMS, RUNBOOKS)}">all runbooks</a> has those that list '
        "none.</p>",
        lookup(ctx, SYMPTOMS),
        listing("\n".join(parts)),
    )


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
        "see under Runbooks by symptom, below.",
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
        '<p class="ob-print-only ob-more">Each tree, every step, is on the last sheets.</p>'
        if ctx.handbook.policy.decision_trees
        else "",
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
        # Last, so that the severity and communication tables stay on the first sheets.
        listing(decision_trees.printed(ctx, INCIDENT))
        if ctx.handbook.policy.decision_trees
        else "",
    )
