"""Macros for hand-written pages (mkdocs-macros-plugin, `modules: [opsbook.macros]`).

A page opts in with `render_macros: true` in its frontmatter and calls, each on a line of
its own (the output is an HTML block):

    {{ severity_matrix() }}
    {{ comms_matrix() }}
    {{ decision_tree("should-i-roll-back") }}
    {{ action_items(owner="alice") }}
    {{ runbook_list(service="api", severity="P1") }}

They render with the same functions as the generated pages, from the build's one loaded
handbook, with links relative to the page that calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opsbook import site
from opsbook.pages import action_items as action_items_page
from opsbook.pages import communication, decision_trees, runbooks
from opsbook.pages import severity as severity_page
from opsbook.pages.common import Context


def _block(html: str) -> str:
    # Blank lines around the output make Python-Markdown treat it as one raw HTML block.
    return f"\n\n{html}\n\n"


def define_env(env: Any) -> None:
    """Register opsbook's macros with mkdocs-macros."""

    def here() -> tuple[Context, str]:
        ctx = site.current().ctx
        return ctx, env.page.file.src_uri

    def severity_matrix() -> str:
        """The severity table of policy.yml."""
        ctx, uri = here()
        return _block(severity_page.matrix(ctx, uri))

    def comms_matrix() -> str:
        """The severity x channel communication table of policy.yml."""
        ctx, uri = here()
        return _block(communication.matrix(ctx, uri))

    def decision_tree(tree_id: str) -> str:
        """One decision tree, drawn and interactive, by its id in policy.yml."""
        ctx, uri = here()
        for tree in ctx.handbook.policy.decision_trees:
            if tree.id == tree_id:
                return _block(decision_trees.widget(ctx, tree, uri))
        known = ", ".join(t.id for t in ctx.handbook.policy.decision_trees)
        raise ValueError(f"decision_tree: no tree with id '{tree_id}' in policy.yml ({known})")

    def action_items(
        owner: str | None = None,
        service: str | None = None,
        status: str | Sequence[str] | None = None,
    ) -> str:
        """Action items (open and in progress unless status says otherwise), overdue first."""
        ctx, uri = here()
        items = action_items_page.select(ctx, owner=owner, service=service, status=status)
        if not items:
            return _block('<p class="ob-empty">No matching action items.</p>')
        return _block(action_items_page.table_html(ctx, items, uri, show_owner=owner is None))

    def runbook_list(service: str | None = None, severity: str | None = None) -> str:
        """Runbooks, optionally of one service and/or one severity."""
        ctx, uri = here()
        chosen = [
            rb
            for rb in ctx.sorted_runbooks
            if (service is None or rb.service == service)
            and (severity is None or severity in rb.severity)
        ]
        if not chosen:
            return _block('<p class="ob-empty">No matching runbooks.</p>')
        return _block(runbooks.table_html(ctx, chosen, uri, show_service=service is None))

    for macro in (severity_matrix, comms_matrix, decision_tree, action_items, runbook_list):
        env.macro(macro)
