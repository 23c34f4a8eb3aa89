"""Macros for hand-written pages (mkdocs-macros-plugin, `modules: [opsbook.macros]`).

A page opts in with `render_macros: true` in its frontmatter and calls, each on a line of
its own (the output is an HTML block):

    {{ severity_matrix() }}
    {{ comms_matrix() }}
    {{ decision_tree("should-i-roll-back") }}
    {{ action_items(owner="alice") }}
    {{ runbook_list(service="api", severity="P1") }}

They render with the same functions as the generated pages, with links relative to the page
that calls them. Inside a build with opsbook's adapter they use that build's one loaded
handbook; anywhere else (a build without the adapter, Zensical's own macros extension) they
load the handbook themselves, once per configuration (see `standalone_context`). `opsbook
generate` calls `functions` directly to expand them into plain Markdown, for engines that run
no macros at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from opsbook import checks, lint, report
from opsbook.pages import action_items as action_items_page
from opsbook.pages import communication, decision_trees, runbooks
from opsbook.pages import severity as severity_page
from opsbook.pages.common import HOME, Context

NAMES = ("severity_matrix", "comms_matrix", "decision_tree", "action_items", "runbook_list")


def _block(html: str) -> str:
    # Blank lines around the output make Python-Markdown treat it as one raw HTML block.
    return f"\n\n{html}\n\n"


def functions(here: Callable[[], tuple[Context, str]]) -> dict[str, Callable[..., str]]:
    """The macros by name; here() gives the context and the calling page's source path."""

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

    found = {
        f.__name__: f
        for f in (severity_matrix, comms_matrix, decision_tree, action_items, runbook_list)
    }
    assert tuple(found) == NAMES
    return found


def load_context(root: Path, directory_urls: bool = True, site_url: str = "") -> Context:
    """The handbook at root as the pages see it, linted as a site build lints it.

    Raises ValueError for a bad OPSBOOK_TODAY, load.ConfigError or schemas.SchemaError for a
    handbook that cannot be used: mkdocs-macros (`on_error_fail`) and Zensical show them.
    """
    today = lint.today()
    result = lint.run(root, checks.Options(today=today, state=False))
    return Context(
        handbook=result.handbook,
        today=today,
        problems=sorted(result.problems, key=report.sort_key),
        directory_urls=directory_urls,
        site_url=site_url,
    )


# The one handbook loaded outside an adapter build, with what it was loaded for. Zensical's
# macros extension calls define_env once per page, mkdocs-macros once per build: loading the
# handbook at every call made a Zensical build of 40 documents load it 40 times. The
# configuration object is held, not only its id, so that no later configuration can take its
# id and be handed this one's handbook; a new configuration (a `serve` rebuild) loads it again.
_standalone: tuple[tuple[Any, str, str, bool, str, bool], Context] | None = None


def standalone_context(conf: Any, root: Path, source_hrefs: bool = False) -> Context:
    """The handbook at root for a build with configuration conf, loaded once per conf.

    source_hrefs: the engine rebases links in a page's HTML as paths from its source file
    (Zensical), so the macros' links are written that way (Context.source_hrefs).
    """
    global _standalone
    get = conf.get if hasattr(conf, "get") else lambda _key, default=None: default
    directory_urls = bool(get("use_directory_urls", True))
    site_url = str(get("site_url", "") or "")
    today = os.environ.get("OPSBOOK_TODAY", "")
    key = (conf, str(root), today, directory_urls, site_url, source_hrefs)
    if _standalone is not None:
        held, ctx = _standalone
        if held[0] is key[0] and held[1:] == key[1:]:
            return ctx
    ctx = load_context(root, directory_urls, site_url)
    ctx.source_hrefs = source_hrefs
    _standalone = (key, ctx)
    return ctx


def _rebases_links(env: Any) -> bool:
    """Whether the engine is Zensical, which rebases a page's HTML links from its source file.

    Its macros extension gives a page with `.path` and no `.file`, and a configuration with
    root_dir where MkDocs' has config_file_path.
    """
    page = getattr(env, "page", None)
    return page is not None and getattr(page, "file", None) is None and hasattr(page, "path")


def _root(env: Any) -> Path:
    """The handbook root: the folder of the engine's configuration file."""
    conf = getattr(env, "conf", None) or {}
    get = conf.get if hasattr(conf, "get") else lambda _key, default=None: default
    # mkdocs-macros: the MkDocs config's config_file_path; Zensical: root_dir (its folder).
    config_file = get("config_file_path", None)
    if config_file:
        return Path(config_file).resolve().parent
    for folder in (get("root_dir", None), getattr(env, "project_dir", None)):
        if folder:
            return Path(folder).resolve()
    return Path.cwd().resolve()


def page_uri(page: Any) -> str:
    """The calling page's path in the site's source (`a/b.md`), from what the engine gives.

    MkDocs (mkdocs-macros) gives page.file.src_uri; Zensical's macros extension a Page with
    .path, relative to docs_dir. Without either (a macro rendered outside a page), links are
    made from the home page.
    """
    file = getattr(page, "file", None)
    uri = getattr(file, "src_uri", None)
    if not isinstance(uri, str) or not uri:
        uri = getattr(page, "path", None)
    if not isinstance(uri, str) or not uri:
        return HOME
    return uri.replace(os.sep, "/").lstrip("/")


def define_env(env: Any) -> None:
    """Register opsbook's macros with mkdocs-macros (or Zensical's macros extension)."""

    def here() -> tuple[Context, str]:
        try:
            # Imported here: the adapter needs MkDocs, which a Zensical build may not have.
            from opsbook import site

            ctx = site.current().ctx
        except (ImportError, RuntimeError):  # no build of opsbook's adapter is running
            conf = getattr(env, "conf", None) or {}
            ctx = standalone_context(conf, _root(env), _rebases_links(env))
        return ctx, page_uri(getattr(env, "page", None))

    for macro in functions(here).values():
        env.macro(macro)
