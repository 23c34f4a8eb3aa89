"""The generated pages: each a pure function of the build context returning Markdown/HTML.

`generated_pages(ctx)` lists every page opsbook generates for a handbook (fixed pages, one
per decision tree, one per service). The MkDocs plugin (opsbook.plugin) and `opsbook generate`
both render this same list, so the site and the exported files cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from opsbook.pages import (
    action_items,
    alerts,
    communication,
    decision_trees,
    incident,
    insights,
    postmortems,
    review,
    runbooks,
    services,
    severity,
)
from opsbook.pages.common import (
    ACTION_ITEMS,
    COMMUNICATION,
    INCIDENT,
    POSTMORTEMS,
    REVIEW,
    RUNBOOKS,
    SERVICES,
    SEVERITY,
    SYMPTOMS,
    TREES,
    Context,
)

__all__ = [
    "ASSETS",
    "FIXED",
    "OFFLINE_SHIM",
    "SCRIPTS",
    "STYLESHEETS",
    "Context",
    "PageSpec",
    "generated_pages",
]

# The stylesheet and scripts the pages rely on (tables, badges, filters, the step-through),
# shipped in the package so that upgrading opsbook upgrades them in every handbook. Site paths.
STYLESHEETS = ("assets/opsbook.css",)
SCRIPTS = ("assets/decision-tree.js", "assets/table-filter.js", "assets/incident-lookup.js")
# Material's offline plugin makes pages load the iframe-worker shim (search from file://) from
# unpkg.com; opsbook ships it (MIT, its licence in the file) and links it instead (site.py).
OFFLINE_SHIM = "assets/iframe-worker-shim.js"
ASSETS = {uri: Path(__file__).parent.parent / uri for uri in (*STYLESHEETS, *SCRIPTS, OFFLINE_SHIM)}


@dataclass(frozen=True)
class PageSpec:
    """One generated page: where it goes, its plain-text title, and how to render it."""

    src_uri: str
    title: str
    render: Callable[[Context], str]
    # The generated page this one is listed under in the nav, if any.
    parent: str | None = None


# In nav order: the incident page first, with what an incident in progress needs under it.
FIXED: tuple[PageSpec, ...] = (
    PageSpec(INCIDENT, "Incident", incident.render),
    PageSpec(SEVERITY, "Severity", severity.render, parent=INCIDENT),
    PageSpec(COMMUNICATION, "Communication", communication.render, parent=INCIDENT),
    PageSpec(TREES, "Decision trees", decision_trees.render_index, parent=INCIDENT),
    PageSpec(SYMPTOMS, incident.SYMPTOMS_TITLE, incident.render_symptoms, parent=INCIDENT),
    PageSpec(RUNBOOKS, "Runbooks", runbooks.render),
    PageSpec(alerts.URI, alerts.TITLE, alerts.render),
    PageSpec(POSTMORTEMS, "Postmortems", postmortems.render),
    PageSpec(ACTION_ITEMS, "Action items", action_items.render),
    PageSpec(insights.URI, insights.TITLE, insights.render),
    PageSpec(SERVICES, "Services", services.render_index),
    PageSpec(REVIEW, "Review", review.render),
)


def _tree_renderer(index: int) -> Callable[[Context], str]:
    def render(ctx: Context) -> str:
        tree = ctx.handbook.policy.decision_trees[index]
        return decision_trees.render_tree(ctx, tree)

    return render


def _service_renderer(service: str) -> Callable[[Context], str]:
    def render(ctx: Context) -> str:
        return services.render_service(ctx, service)

    return render


def generated_pages(ctx: Context) -> list[PageSpec]:
    """Every generated page of this handbook, fixed pages first."""
    specs = list(FIXED)
    for tree in ctx.handbook.policy.decision_trees:
        specs.append(
            PageSpec(
                ctx.tree_uri(tree),
                tree.title or tree.id or "Decision tree",
                _tree_renderer(tree.index),
                parent=TREES,
            )
        )
    for service in ctx.services:
        specs.append(
            PageSpec(ctx.service_uri(service), service, _service_renderer(service), parent=SERVICES)
        )
    return specs
