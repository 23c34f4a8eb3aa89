"""The MkDocs adapter's parts: loading the handbook for a build, the nav, assets and site files.

The plugin (opsbook.plugin) calls these from its events; macros.py reaches the build in
progress through `current()`. The event handlers named here (`on_config`, `on_files`, ...)
are what a handbook's hooks/opsbook.py made by an older `opsbook init` imports: `on_config`
installs the plugin (opsbook.plugin.install), the others do nothing, since the plugin
handles their events itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer

from opsbook import (
    actions,
    checks,
    dialects,
    docsplit,
    fsutil,
    lint,
    load,
    oldpaths,
    report,
    sanitize,
    schemas,
    search_index,
)
from opsbook.model import Problem
from opsbook.pages import OFFLINE_SHIM, SCRIPTS, STYLESHEETS, Context, PageSpec, generated_pages
from opsbook.pages import alerts as alerts_page
from opsbook.pages import insights as insights_page
from opsbook.pages.common import HOME, esc

log = logging.getLogger("mkdocs.plugins.opsbook")

WATCHED = (load.RUNBOOK_DIR, load.POSTMORTEM_DIR, load.POLICY_FILE, "schemas")
SITE_FILES = ("action-items.json", "action-items.csv", "action-items.ics")
# Most children (decision trees, services) listed under one nav entry; see _children.
NAV_CHILDREN_MAX = 15


@dataclass
class Build:
    """Everything one build knows; the plugin makes one at every on_config."""

    root: Path
    ctx: Context
    specs: list[PageSpec]
    # Document pages (runbooks and postmortems), by src_uri (= path relative to the root).
    documents: dict[str, Path] = field(default_factory=dict)
    in_nav: set[str] = field(default_factory=set)
    generated: dict[str, PageSpec] = field(default_factory=dict)
    # Whether document bodies pass through the sanitiser (policy.yml site.sanitize_html).
    sanitize: bool = True
    # mkdocs-redirects' redirect_maps for the documents' old_paths (opsbook.oldpaths).
    redirects: dict[str, str] = field(default_factory=dict)
    # Which search answers the search box, Pagefind's or Material's (opsbook.search_index).
    search: search_index.Search | None = None


# The build in progress, for the macros (mkdocs-macros calls them with no way to the plugin).
_active: Build | None = None


def activate(build: Build | None) -> None:
    """Make build the one current() returns (None: no build in progress)."""
    global _active
    _active = build


def current() -> Build:
    """The build in progress; raises RuntimeError outside a build with the opsbook plugin."""
    if _active is None:
        raise RuntimeError(
            "opsbook's MkDocs plugin is not active: add `- opsbook` to the plugins of mkdocs.yml"
        )
    return _active


def format_problem(p: Problem) -> str:
    """A problem as `opsbook lint` prints it, without the level (MkDocs shows its own)."""
    # Paths and messages carry text from files: escape control characters, as lint does.
    return report.visible(f"{p.path}:{p.line}:{p.column}: {p.message} [{p.rule}]")


def _case_insensitive(directory: Path) -> bool:
    """Whether files written under directory (or its nearest existing parent) ignore case.

    os.path.normcase says so on Windows only; macOS' default file system ignores case too, so
    a file is made and looked up under another case.
    """
    if os.path.normcase("A") == "a":
        return True
    while not directory.is_dir() and directory != directory.parent:
        directory = directory.parent
    try:
        with tempfile.NamedTemporaryFile(prefix="opsbook-Case-", dir=directory) as probe:
            name = Path(probe.name)
            return (name.parent / name.name.swapcase()).exists()
    except OSError:
        return False


def config_root(config: MkDocsConfig) -> Path:
    """The folder of mkdocs.yml (the working directory for a config without a file)."""
    path = config.config_file_path
    return Path(path).resolve().parent if path else Path.cwd().resolve()


def load_build(
    root: Path,
    config: MkDocsConfig,
    today: dt.date,
    read: load.DocumentReader | None = None,
    *,
    log_problems: bool = True,
) -> Build:
    """Load and lint the handbook at root and log its problems; PluginError if unusable.

    read: a cache of load.read_document (opsbook.preview), whose models are kept: their
    sources are not released then.
    """
    ctx, redirects = _load(root, config, today, read)
    # Staleness and overdue items were left out of the lint (they show on /review/ and
    # /action-items/): what is left is a mistake in a file, a warning under --strict.
    for p in ctx.problems if log_problems else []:
        log.warning(format_problem(p))
    specs = generated_pages(ctx)
    return Build(
        root=root,
        ctx=ctx,
        specs=specs,
        generated={s.src_uri: s for s in specs},
        sanitize=sanitize.enabled(ctx.handbook.policy),
        redirects=redirects,
    )


def _load(
    root: Path, config: MkDocsConfig, today: dt.date, read: load.DocumentReader | None = None
) -> tuple[Context, dict[str, str]]:
    """The handbook and its lint problems bar staleness and overdue, and the redirects of its
    old paths; PluginError if unusable."""
    try:
        options = checks.Options(today=today, state=False)
        result = lint.run(root, options, read=read or load.read_document)
        # Old paths are read from the documents' data, which release_sources drops.
        redirects = oldpaths.redirect_maps(
            result.handbook,
            bool(config.use_directory_urls),
            case_insensitive=_case_insensitive(Path(config.site_dir)),
        )
        old_addresses = oldpaths.old_paths(result.handbook)
        if read is None:
            lint.release_sources(result.handbook)
    except load.ConfigError as exc:
        lines = [f"opsbook: {exc}"] + [f"  {format_problem(p)}" for p in exc.problems]
        raise PluginError("\n".join(lines)) from exc
    except schemas.SchemaError as exc:
        raise PluginError(f"opsbook: {exc}") from exc
    ctx = Context(
        handbook=result.handbook,
        today=today,
        problems=sorted(result.problems, key=report.sort_key),
        directory_urls=bool(config.use_directory_urls),
        site_url=config.site_url or "",
        old_addresses=old_addresses,
    )
    return ctx, redirects


def configure(config: MkDocsConfig, build: Build) -> None:
    """Set the site up for the handbook: nav, assets, site name, redirects."""
    docs_dir = Path(config.docs_dir)
    if config.nav is None:
        config.nav = default_nav(build.specs, docs_dir)
    else:
        config.nav = nav_with_children(config.nav, build.specs)
    build.in_nav = set(_nav_uris(config.nav))
    _link_assets(config)
    _offline_shim_shipped(config)
    _site_name_as_text(config)
    _add_redirects(config, build.redirects)


def _add_redirects(config: MkDocsConfig, redirects: dict[str, str]) -> None:
    """Give mkdocs-redirects a page at each document's old path, leading to the document.

    The handbook's own redirect_maps win over an old path at the same place. Without the
    plugin, old addresses would answer 404: a warning (so --strict fails) when there are any.
    """
    if not redirects:
        return
    plugin = config.plugins.get("redirects")
    maps = plugin.config.get("redirect_maps") if plugin is not None else None
    if plugin is None or not isinstance(maps, dict):
        log.warning(
            f"{len(redirects)} old_paths of documents need the mkdocs-redirects plugin: add "
            "`- redirects` to the plugins of mkdocs.yml (pip install mkdocs-redirects), or "
            "their old addresses answer 404"
        )
        return
    for key, target in redirects.items():
        maps.setdefault(key, target)


def _site_name_as_text(config: MkDocsConfig) -> None:
    """Make site_name text in every page: Material prints it unescaped in <title> and the header.

    Markup is a str that is escaped already: printed as is (`{{ config.site_name }}`) it shows
    the name as text, and Jinja's `| e` (the logo's title) leaves it as it is, not escaped twice.
    """
    name = config.site_name
    if isinstance(name, str) and not isinstance(name, Markup):
        config.site_name = Markup(esc(name))


def _link_assets(config: MkDocsConfig) -> None:
    """Link opsbook's stylesheet and scripts from every page, unless mkdocs.yml does already."""
    listed_css: list[Any] = config.extra_css
    listed_js: list[Any] = config.extra_javascript
    for listed, wanted in ((listed_css, STYLESHEETS), (listed_js, SCRIPTS)):
        present = {str(item) for item in listed}
        listed.extend(uri for uri in wanted if uri not in present)


def _offline_shim_shipped(config: MkDocsConfig) -> None:
    """With Material's offline plugin on, load its iframe-worker shim from the site itself.

    The plugin (its on_config, before this one's) adds https://unpkg.com/iframe-worker/shim
    to `extra.polyfills`, which every page loads: opened from file:// on a laptop with no
    network, the shim never came and the search box never appeared. opsbook ships the same
    shim (assets/iframe-worker-shim.js, MIT) and lists that instead; the plugin adds none when
    an iframe-worker is listed already, so the order of the two does not matter.
    """
    if not search_index.plugin_enabled(config, "material/offline", "offline"):
        return
    polyfills = [
        str(script)
        for script in config.extra.get("polyfills", [])
        if not ("iframe-worker" in str(script) and "://" in str(script))
    ]
    if OFFLINE_SHIM not in polyfills:
        polyfills.append(OFFLINE_SHIM)
    config.extra["polyfills"] = polyfills


def _entry(specs: list[PageSpec], spec: PageSpec, listed: frozenset[str]) -> dict[str, Any]:
    """A nav entry for a generated page, with the pages listed under it (see _children)."""
    children = _children(specs, spec.src_uri, listed)
    return {esc(spec.title): [spec.src_uri, *children] if children else spec.src_uri}


def _children(specs: list[PageSpec], parent: str, listed: frozenset[str]) -> list[Any]:
    """Nav entries of the pages under a generated page, but for those in the nav already.

    Titles are escaped: Material prints them as they are. Material renders the whole nav
    into every page: at 40 services, their entries were 45% of each runbook page's HTML and
    a tenth of the build time. Past NAV_CHILDREN_MAX, the children are reached from their
    index page (and search) instead.
    """
    children = [
        _entry(specs, s, listed) for s in specs if s.parent == parent and s.src_uri not in listed
    ]
    return children if len(children) <= NAV_CHILDREN_MAX else []


def nav_with_children(nav: list[Any], specs: list[PageSpec]) -> list[Any]:
    """The configured nav with each generated page's children (trees, services) under it."""
    listed = frozenset(_nav_uris(nav))

    def walk(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
            if isinstance(item, dict) and len(item) != 1:
                out.append(item)
            elif isinstance(value, list):
                out.append({title: walk(value)})
            elif isinstance(value, str) and (children := _children(specs, value, listed)):
                spec_title = next(esc(s.title) for s in specs if s.src_uri == value)
                out.append({title or spec_title: [value, *children]})
            else:
                out.append(item)
        return out

    return walk(list(nav))


def default_nav(specs: list[PageSpec], docs_dir: Path) -> list[Any]:
    """A nav for a mkdocs.yml without one: home, the generated pages, then docs/ pages."""
    nav: list[Any] = []
    if (docs_dir / HOME).is_file():
        nav.append({"Home": HOME})
    nav += [_entry(specs, spec, frozenset()) for spec in specs if spec.parent is None]
    generated = {s.src_uri for s in specs}
    if docs_dir.is_dir():
        for path in sorted(docs_dir.rglob("*.md")):
            uri = path.relative_to(docs_dir).as_posix()
            if uri != HOME and uri not in generated:
                nav.append(uri)
    return nav


def _nav_uris(nav: Any) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [u for value in nav.values() for u in _nav_uris(value)]
    if isinstance(nav, list):
        return [u for item in nav for u in _nav_uris(item)]
    return []


def document_body(build: Build, rel: str) -> str:
    """A document's body as Markdown, without its frontmatter (read by opsbook's own loader)."""
    doc = build.ctx.document(rel)
    source = doc.source if doc is not None else None
    body = source.body if source is not None else _broken_body(build.documents[rel], build.root)
    # Runbooks adopted from Hugo sites link with {{< ref "x.md" >}}: resolve those to the
    # relative paths MkDocs understands (the files themselves stay as they were).
    if "{{" in body:
        body = dialects.hugo_ref_links(body)
    return body


def _broken_body(path: Path, root: Path) -> str:
    """What can be shown of a document opsbook could not parse: its text minus frontmatter."""
    try:
        # A symlink out of the handbook (file-symlink-outside) must not publish its target.
        if not path.resolve().is_relative_to(root.resolve()):
            return ""
        text = path.read_bytes().decode("utf-8", errors="replace").replace("\x00", "")
    except (OSError, RuntimeError):  # unreadable, or a symlink loop
        return ""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    split = docsplit.split(text)
    if split is not None:
        if split.closed:
            return split.body
        # Unterminated frontmatter: show the lines as text rather than guess where it ends.
        return "```yaml\n" + text.replace("```", "` ` `") + "\n```\n"
    return text


def write_site_files(build: Build, config: MkDocsConfig) -> None:
    """Write the open action items as JSON, CSV and iCalendar, insights.json, the alert pages."""
    ctx = build.ctx
    items = ctx.open_items
    site = Path(config.site_dir)
    site.mkdir(parents=True, exist_ok=True)
    domain = actions.calendar_domain(ctx.site_url, config.site_name, build.root.name)
    outputs = {
        "action-items.json": actions.to_json(items, ctx.today),
        "action-items.csv": actions.to_csv(items, ctx.today),
        "action-items.ics": actions.to_ics(items, ctx.today, domain),
        insights_page.JSON_FILE: insights_page.json_text(ctx),
    }
    for name, text in outputs.items():
        # Atomic: a server or a sync of site/ never reads half a file, and a symbolic link
        # left in site/ is replaced, not written through.
        try:
            fsutil.atomic_write(site / name, text)
        except fsutil.WriteError as exc:
            raise PluginError(f"opsbook: {exc}") from exc
    _write_alert_pages(ctx, site)


def _write_alert_pages(ctx: Context, site: Path) -> None:
    """/alerts/<name>/ for every alert a runbook names: a redirect, or a chooser of runbooks.

    Written after the build, as mkdocs-redirects writes its pages; a page the build made
    there (a docs/ file) is kept and the clash is said.
    """
    written: set[str] = set()
    for rel, text in alerts_page.alert_files(ctx).items():
        path = site / rel
        if rel.lower() in written:
            # A filesystem that ignores case (macOS, Windows) has one folder for ApiDown and
            # apidown: the exact name, written first, keeps it.
            continue
        if path.exists():
            log.warning(
                f"the site has a page at {rel} already: /{rel.removesuffix('index.html')} "
                "does not lead to the alert's runbook; move that page"
            )
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fsutil.atomic_write(path, text)
            # Only where case is ignored does the upper-cased name find the file just written.
            if path.with_name("INDEX.HTML").exists():
                written.add(rel.lower())
        except OSError as exc:  # a file of the build where the folder goes, say
            log.warning(f"cannot write the alert page {rel}: {exc.strerror or exc}")
        except fsutil.WriteError as exc:
            log.warning(f"cannot write the alert page {rel}: {exc.reason}")


def watch_handbook(server: LiveReloadServer, root: Path) -> None:
    """Have `mkdocs serve` rebuild when a document, policy.yml or a schema changes.

    They live outside docs/. MkDocs can watch only what exists, and asks once: a folder made
    after `serve` started (the first postmortem's) is caught by a watch on the root itself.
    """
    for name in WATCHED:
        path = root / name
        if path.exists():
            server.watch(str(path))
    if any(not (root / name).exists() for name in WATCHED):
        _watch_for_new(server, root)


class _RebuildRequests:
    """Asks `mkdocs serve` for a rebuild through its public watch, as any changed file does.

    MkDocs has no call for it: a file is written into a folder of opsbook's own that the
    server watches (a temporary one, removed when serve ends).
    """

    def __init__(self, server: LiveReloadServer) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="opsbook-serve-")
        server.watch(self._folder.name)

    def ask(self) -> None:
        (Path(self._folder.name) / "rebuild").write_text(str(time.time_ns()), encoding="utf-8")


def _watch_for_new(server: LiveReloadServer, root: Path) -> None:
    """Watch (not recursively) the root for a WATCHED folder or file to appear, then watch it.

    Files may land in a new folder before its watch begins (`opsbook new` makes both at
    once): a rebuild is asked for then, since MkDocs' own watch ignores a folder being made.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    rebuild = _RebuildRequests(server)

    def appeared(event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = Path(os.fsdecode(raw)) if raw else None
            if path is None or path.parent != root or path.name not in WATCHED:
                continue
            if path.exists():
                server.watch(str(path))
                rebuild.ask()

    handler = FileSystemEventHandler()
    handler.on_created = appeared  # type: ignore[method-assign]
    handler.on_moved = appeared  # type: ignore[method-assign]
    server.observer.schedule(handler, str(root), recursive=False)


# --- the events an older handbook's hooks/opsbook.py imports ------------------------------


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """Install opsbook's plugin into this build (opsbook.plugin.install), which does the rest."""
    from opsbook import plugin  # the plugin imports this module

    return plugin.install(config)


def _handled_by_the_plugin(*args: Any, **kwargs: Any) -> None:
    """An event the plugin that on_config installed handles itself."""


on_files = on_page_content = on_page_context = on_page_markdown = _handled_by_the_plugin
on_page_read_source = on_post_build = on_serve = _handled_by_the_plugin
