"""Search that answers before the index is all there: Material's search box, Pagefind's index.

Material's search downloads its whole index (search_index.json: 28 MB at 10,000 documents)
before it answers a query. Pagefind (https://pagefind.app) indexes the built site into small
chunks and fragments, and its browser library loads only those a query needs. opsbook keeps
Material's header search box and result list, and replaces Material's search worker with its
own (assets/search-worker.js), which speaks Material's worker messages and answers from Pagefind.

What the MkDocs adapter calls, in event order:

- `configure` (on_config): which engine this build uses (`mkdocs serve`, known from
  on_startup, keeps Material's search), a `Search` to keep for the build.
- `add_files` (on_files): the worker script, when Pagefind is used.
- `ignored` (on_page_context): a generated listing, marked for Pagefind to skip (the
  documents' own pages are indexed already).
- `content_html` (on_page_content): each page's article goes to Pagefind's service as soon
  as its content is final, and `contents_known` (on_env) lets the service write its bundle
  while MkDocs writes the pages (opsbook.pagefind_articles, opsbook.pagefind_feed).
- `page_html` (on_post_page) and `template_html` (on_post_template, 404.html): pages name
  opsbook's worker instead of Material's, and mark what Pagefind indexes and weighs; the
  article sent early is checked against the page written.
- `finish` (on_post_build): waits for Pagefind's bundle, and leaves search_index.json
  with Material's config only (the page script fetches it before it starts the worker).
- `stop` (on_build_error): ends Pagefind's service of a failed build.

Material's search stays as it was when it is chosen, with Material's offline plugin (file://),
in `mkdocs serve`, in Backstage TechDocs (whose own search reads search_index.json), without
Pagefind installed, or when no page's __config names Material's
worker where expected (a new mkdocs-material): each with a warning but the first three. A
Pagefind run that fails fails the build: its pages name opsbook's worker already.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from opsbook import fsutil
from opsbook.pagefind_articles import ArticleFeed, Theme, mark
from opsbook.pages.common import replace_listings

log = logging.getLogger("mkdocs.plugins.opsbook")

PAGEFIND = "pagefind"
MATERIAL = "material"
ENGINES = (PAGEFIND, MATERIAL)
# The environment variable choosing the engine; it wins over policy.yml's site.search.
ENV = "OPSBOOK_SEARCH"

# Site paths: opsbook's worker, and the folder Pagefind writes its bundle into.
WORKER = "assets/search-worker.js"
BUNDLE = "pagefind"
WORKER_SOURCE = Path(__file__).parent / "assets" / "search-worker.js"
INDEX_JSON = Path("search") / "search_index.json"

# Material's worker, as its base.html names it in __config: `"search": "<base>assets/...js"`.
_WORKER_IN_CONFIG = re.compile(
    r'("search":\s*")((?:\.\./|\./|/)*)assets/javascripts/workers/search\.[0-9a-f]+\.min\.js"'
)
# What Pagefind leaves out of every page: the ¶ permalink of each heading.
EXCLUDED = (".headerlink",)
# Longest a Pagefind run may take (10,000 documents index in well under a minute).
TIMEOUT = 900.0


@dataclass
class Search:
    """The search of one build."""

    engine: str
    # Why Material's search is used, when it is ("" when Pagefind is).
    reason: str = ""
    # Pages whose __config now names opsbook's worker.
    rewritten: int = 0
    # Pages that kept Material's worker (its template changed shape): Pagefind is then off.
    missed: int = 0
    # Pagefind's service of this build, fed each page's article (opsbook.pagefind_articles).
    articles: ArticleFeed | None = None


def chosen(policy_data: Any) -> str:
    """The search a handbook asks for: $OPSBOOK_SEARCH, else policy.yml site.search, else
    Pagefind. The one place the choice is read (the plugin's Config may replace it)."""
    env = os.environ.get(ENV, "").strip().lower()
    if env in ENGINES:
        return env
    if env:
        log.warning(f"{ENV}={env!r} is not one of {', '.join(ENGINES)}: using {PAGEFIND}")
    site = policy_data.get("site") if isinstance(policy_data, dict) else None
    value = site.get("search") if isinstance(site, dict) else None
    return value if isinstance(value, str) and value in ENGINES else PAGEFIND


def plugin_enabled(config: Any, *names: str) -> bool:
    """Whether the site lists one of the plugins names (Material's under two: material/x, x)
    and has not turned it off (`enabled: false`)."""
    plugins = config.plugins
    if not hasattr(plugins, "get"):
        return False
    plugin = next((p for p in map(plugins.get, names) if p is not None), None)
    return plugin is not None and bool(getattr(plugin, "config", {}).get("enabled", True))


def pagefind_binary() -> str | None:
    """The Pagefind executable that `pip install pagefind[bin]` ships, or None."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]  # pagefind[bin]
    except ImportError:
        return None
    try:
        return str(get_executable())
    except OSError:
        return None


def engine(config: Any, policy_data: Any, command: str | None = None) -> tuple[str, str]:
    """The engine this build uses, and why Material's when it is not the one chosen."""
    if not plugin_enabled(config, "material/search", "search"):
        return MATERIAL, "no search plugin"
    if chosen(policy_data) == MATERIAL:
        return MATERIAL, "chosen"
    # Opened from file:// (the offline bundle), a page cannot fetch Pagefind's chunks:
    # Material's offline search, with its index in search_index.js, works there.
    if plugin_enabled(config, "material/offline", "offline"):
        return MATERIAL, "offline plugin"
    # `mkdocs serve` rebuilds at every save: indexing the whole site each time would undo
    # incremental rebuilds, and Material's search is rebuilt with the pages it serves.
    if command == "serve":
        return MATERIAL, "mkdocs serve"
    # Backstage TechDocs shows pages inside Backstage, whose search collator reads the
    # site's search/search_index.json: it must stay whole. techdocs-core takes itself out of
    # the plugins in its on_config; the template it adds to the theme says it ran.
    if plugin_enabled(config, "techdocs-core") or "techdocs_metadata.json" in getattr(
        config.theme, "static_templates", ()
    ):
        return MATERIAL, "techdocs"
    if pagefind_binary() is None:
        log.warning(
            "Pagefind is not installed (pip install 'pagefind[bin]'): the site uses "
            "Material's search, which downloads its whole index before it answers"
        )
        return MATERIAL, "no pagefind"
    return PAGEFIND, ""


def configure(config: Any, policy_data: Any, command: str | None = None) -> Search:
    """The search of this build (on_config, after Material's search plugin's); command is
    MkDocs' (on_startup: build, gh-deploy or serve), None when unknown."""
    name, reason = engine(config, policy_data, command)
    search = Search(name, reason)
    binary = pagefind_binary() if name == PAGEFIND else None
    if binary is not None:
        language = str(config.theme.get("language") or "en")
        theme = Theme(
            site_name=str(config.site_name),
            html_tag=f'<html lang="{language}" class="no-js">',
            tags=plugin_enabled(config, "material/tags", "tags"),
        )
        search.articles = ArticleFeed(binary, EXCLUDED, theme, Path(config.site_dir) / BUNDLE)
    return search


def keep_from_material(search: Search | None, page: Any) -> bool | None:
    """Spare Material's search plugin indexing a page Pagefind answers for: parsing every
    page's HTML for an index that is then thrown away (search_index.json keeps its config
    only) was a tenth of a build. Uses the page metadata Material documents for leaving a
    page out (`search: {exclude: true}`), set before its on_page_context; returns whether the
    page asked to be left out itself (Pagefind leaves it out too), None if nothing was done."""
    if search is None or search.engine != PAGEFIND:
        return None
    asked = excluded(page)
    page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
    return asked


def add_files(search: Search | None, files: Files, config: Any) -> None:
    """Ship opsbook's worker with the site (on_files), when Pagefind answers."""
    if search is None or search.engine != PAGEFIND:
        return
    if files.get_file_from_path(WORKER) is None:
        files.append(File.generated(config, WORKER, abs_src_path=str(WORKER_SOURCE)))


def ignored(search: Search | None, html: str) -> str:
    """A generated listing, kept out of Pagefind's index (the documents' pages feed it)."""
    if search is None or search.engine != PAGEFIND:
        return html
    return f"<div data-pagefind-ignore>{html}</div>"


def ignore_listings(search: Search, html: str) -> str:
    """A page's HTML with each of its listings (opsbook.pages.common.listing) `ignored`."""
    return replace_listings(html, lambda block: ignored(search, block))


def _point_at_worker(search: Search, html: str) -> str:
    new, count = _WORKER_IN_CONFIG.subn(rf'\g<1>\g<2>{WORKER}"', html, count=1)
    if count:
        search.rewritten += 1
    else:
        search.missed += 1
    return new


def content_html(search: Search | None, page: Any, content: str, *, indexed: bool) -> None:
    """A page's content is final (on_page_content): its article goes to Pagefind now."""
    if search is None or search.articles is None or not indexed:
        return
    meta = page.meta if isinstance(page.meta, dict) else {}
    tags = meta.get("tags")
    hide = meta.get("hide")
    search.articles.content(
        page.file.dest_uri,
        content,
        page.title,
        [str(t) for t in tags] if isinstance(tags, list) else [],
        isinstance(hide, list) and "tags" in hide,
    )


def contents_known(search: Search | None) -> None:
    """Every page's content is final (on_env): Pagefind may write its bundle meanwhile."""
    if search is not None and search.articles is not None:
        search.articles.contents_known()


def page_html(
    search: Search | None, html: str, *, indexed: bool = True, path: str | None = None
) -> str:
    """A page's final HTML (on_post_page): opsbook's worker, and what Pagefind indexes.

    Only the article is indexed (not the nav, header or footer repeated on every page);
    a document's id weighs most. indexed=False (a page with Material's `search: exclude`)
    keeps the page out of the index. path is where the page is written in the site (its
    dest_uri): the article sent early is checked against it (opsbook.pagefind_articles).
    """
    if search is None or search.engine != PAGEFIND:
        return html
    html = _point_at_worker(search, html)
    if not indexed:
        return html
    marked = mark(html)
    if path is not None and search.articles is not None:
        search.articles.written(path, html, marked)
    return marked


def stop(search: Search | None) -> None:
    """Stop Pagefind's service of a build that failed (on_build_error)."""
    if search is not None and search.articles is not None:
        search.articles.stop()


def template_html(search: Search | None, html: str) -> str:
    """A static template's HTML (404.html, on_post_template): opsbook's worker, not indexed."""
    if search is None or search.engine != PAGEFIND or '"search":' not in html:
        return html
    return _point_at_worker(search, html)


def excluded(page: Any) -> bool:
    """Whether a page asks Material's search to leave it out (`search: {exclude: true}`)."""
    meta = getattr(page, "meta", None)
    value = meta.get("search") if isinstance(meta, dict) else None
    return isinstance(value, dict) and value.get("exclude") is True


def run_pagefind(site: Path) -> str | None:
    """Index the built site into site/pagefind/; None, or what went wrong."""
    binary = pagefind_binary()
    if binary is None:
        return "Pagefind is not installed (pip install 'pagefind[bin]')"
    cmd = [
        binary,
        "--site",
        str(site),
        "--output-subdir",
        BUNDLE,
        "--exclude-selectors",
        ",".join(EXCLUDED),
        "--silent",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Pagefind did not run: {exc}"
    if proc.returncode != 0:
        return f"Pagefind exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-800:]}"
    return None


def _lean_index(site: Path) -> None:
    """Keep only Material's config in search_index.json: the page script fetches it before it
    sets the worker up, and opsbook's worker reads nothing of it."""
    path = site / INDEX_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    config = data.get("config") if isinstance(data, dict) else None
    lean = {"config": config if isinstance(config, dict) else {}, "docs": []}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fsutil.atomic_write(path, json.dumps(lean, separators=(",", ":")))
    except fsutil.WriteError as exc:
        raise PluginError(f"opsbook: {exc}") from None


def finish(search: Search | None, site_dir: str | Path) -> None:
    """Index the built site with Pagefind and make search_index.json lean (on_post_build)."""
    if search is None or search.engine != PAGEFIND:
        return
    site = Path(site_dir)
    if not search.rewritten:
        # No page names opsbook's worker: they all use Material's, with its whole index.
        log.warning(
            "no page names Material's search worker where opsbook expects it (a new "
            "mkdocs-material?): the site keeps Material's search"
        )
        search.engine, search.reason = MATERIAL, "template"
        stop(search)
        return
    if search.missed:
        log.warning(
            f"{search.missed} pages do not name Material's search worker where opsbook "
            "expects it (a new mkdocs-material?): their search box finds nothing"
        )
    articles = search.articles
    if articles is not None and articles.started:
        problem = articles.finish()
    else:  # no page was fed (none marked for the index): Pagefind reads the site itself
        if articles is not None:
            articles.stop()
        problem = run_pagefind(site)
    if problem is not None:
        # The pages name opsbook's worker already: a site without its index must not pass.
        raise PluginError(f"opsbook: {problem}")
    _lean_index(site)


def worker_loaded_by(html: str) -> str | None:
    """The search worker a built page names in its __config (for tests and benchmarks)."""
    match = re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S)
    if match is None:
        return None
    try:
        value = json.loads(match.group(1)).get("search")
    except ValueError:
        return None
    return value if isinstance(value, str) else None


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m opsbook.search_index
    print(pagefind_binary() or "no pagefind", file=sys.stderr)
