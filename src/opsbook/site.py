"""The MkDocs adapter: hooks/opsbook.py forwards MkDocs' events to the functions here.

One build, in event order:

- `on_config` loads and lints the handbook once, logs each lint problem as a WARNING (so
  `mkdocs build --strict` fails with the same `path:line:col` messages as `opsbook lint`),
  renders nothing yet, adds one nav entry per decision tree and per service, and links the
  packaged stylesheet and scripts.
- `on_files` adds runbooks/ and postmortems/ (outside docs_dir) as pages kept out of the nav,
  the generated pages, and the packaged stylesheet and scripts (assets/).
- `on_page_read_source` renders a generated page, or hands MkDocs a document's body (its
  frontmatter was parsed already, by our loader, which survives files MkDocs would crash on).
- `on_page_markdown` (before mkdocs-macros) sets safe page metadata and turns Jinja off for
  documents and generated pages; HTML that is finished already (generated tables) waits
  outside Python-Markdown and comes back in `on_page_content`, which also sanitises each
  document's body (opsbook.sanitize, unless policy.yml turns it off) and opens it with the words
  search should find of its box. `on_page_context`, after the search plugin
  indexed the page, puts in the metadata box or error banner, and the listings of documents.
- `on_post_build` writes action-items.json/.csv/.ics at the site root, and the redirect or
  chooser page at alerts/<name>/ of every alert a runbook names (opsbook.pages.alerts).

MkDocs keeps hook modules loaded across `mkdocs serve` rebuilds, so all state lives in one
object that `on_config` replaces; every index a page needs is computed once per build.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from opsbook import (
    actions,
    checks,
    fsutil,
    lint,
    load,
    oldpaths,
    report,
    sanitize,
    schemas,
    search_index,
)
from opsbook.model import Problem, Runbook
from opsbook.pages import (
    ASSETS,
    OFFLINE_SHIM,
    SCRIPTS,
    STYLESHEETS,
    Context,
    PageSpec,
    generated_pages,
)
from opsbook.pages import alerts as alerts_page
from opsbook.pages import document as document_page
from opsbook.pages import insights as insights_page
from opsbook.pages.common import (
    HOME,
    LISTING_END,
    LISTING_START,
    esc,
    page_url,
)

log = logging.getLogger("mkdocs.plugins.opsbook")

WATCHED = (load.RUNBOOK_DIR, load.POSTMORTEM_DIR, load.POLICY_FILE, "schemas")
SITE_FILES = ("action-items.json", "action-items.csv", "action-items.ics")
# Most children (decision trees, services) listed under one nav entry; see _children.
NAV_CHILDREN_MAX = 15


@dataclass
class Build:
    """Everything one build knows; replaced at every on_config."""

    root: Path
    ctx: Context
    specs: list[PageSpec]
    # Document pages (runbooks and postmortems), by src_uri (= path relative to the root).
    documents: dict[str, Path] = field(default_factory=dict)
    in_nav: set[str] = field(default_factory=set)
    generated: dict[str, PageSpec] = field(default_factory=dict)
    # HTML kept out of Python-Markdown (see `_stash`), by page, then by placeholder.
    stash: dict[str, dict[str, str]] = field(default_factory=dict)
    # Listings held back from the search index (see on_page_content), by page.
    deferred: dict[str, dict[str, str]] = field(default_factory=dict)
    # A document's search summary, in its page until its box replaces it, by page.
    boxes: dict[str, str] = field(default_factory=dict)
    nonce: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Whether document bodies pass through the sanitiser (policy.yml site.sanitize_html).
    sanitize: bool = True
    # mkdocs-redirects' redirect_maps for the documents' old_paths (opsbook.oldpaths).
    redirects: dict[str, str] = field(default_factory=dict)
    # Which search answers the search box, Pagefind's or Material's (opsbook.search_index).
    search: search_index.Search | None = None


_build: Build | None = None


def current() -> Build:
    """The build in progress; raises RuntimeError outside a build with the opsbook hooks."""
    if _build is None:
        raise RuntimeError(
            "opsbook's MkDocs hooks are not active: add `hooks: [hooks/opsbook.py]` to mkdocs.yml"
        )
    return _build


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


def _root(config: Any) -> Path:
    path = config.config_file_path
    return Path(path).resolve().parent if path else Path.cwd().resolve()


def _load(root: Path, config: Any) -> tuple[Context, dict[str, str]]:
    """The handbook and its lint problems bar staleness and overdue, and the redirects of its
    old paths; PluginError if unusable."""
    try:
        today = lint.today()
    except ValueError as exc:
        value = os.environ.get("OPSBOOK_TODAY", "")
        raise PluginError(
            f"opsbook: OPSBOOK_TODAY must be a date YYYY-MM-DD, got '{value}'"
        ) from exc
    try:
        result = lint.run(root, checks.Options(today=today, state=False))
        # Old paths are read from the documents' data, which release_sources drops.
        redirects = oldpaths.redirect_maps(
            result.handbook,
            bool(config.use_directory_urls),
            case_insensitive=_case_insensitive(Path(config.site_dir)),
        )
        old_addresses = oldpaths.old_paths(result.handbook)
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


def on_config(config: Any, **kwargs: Any) -> Any:
    """Load and lint the handbook, log its problems, and add tree and service pages to the nav."""
    global _build
    _build = None  # a failed load must not leave the previous build's pages behind
    root = _root(config)
    ctx, redirects = _load(root, config)
    # Staleness and overdue items were left out of the lint (they show on /review/ and
    # /action-items/): what is left is a mistake in a file, a warning under --strict.
    for p in ctx.problems:
        log.warning(format_problem(p))
    specs = generated_pages(ctx)
    docs_dir = Path(config.docs_dir)
    if config.nav is None:
        config.nav = default_nav(specs, docs_dir)
    else:
        config.nav = nav_with_children(config.nav, specs)
    _link_assets(config)
    _offline_shim_shipped(config)
    _macros_skip_finished_pages(config)
    _site_name_as_text(config)
    _add_redirects(config, redirects)
    _search_id_field(config)
    build = Build(
        root=root,
        ctx=ctx,
        specs=specs,
        generated={s.src_uri: s for s in specs},
        sanitize=sanitize.enabled(ctx.handbook.policy),
        redirects=redirects,
        search=search_index.configure(config, _policy_data(ctx)),
    )
    build.in_nav = set(_nav_uris(config.nav))
    _build = build
    return config


def _add_redirects(config: Any, redirects: dict[str, str]) -> None:
    """Give mkdocs-redirects a page at each document's old path, leading to the document.

    The handbook's own redirect_maps win over an old path at the same place. Without the
    plugin, old addresses would answer 404: a warning (so --strict fails) when there are any.
    """
    if not redirects:
        return
    plugins = config.plugins
    plugin = plugins.get("redirects") if hasattr(plugins, "get") else None
    maps = getattr(getattr(plugin, "config", None), "get", lambda _key: None)("redirect_maps")
    if plugin is None or not isinstance(maps, dict):
        log.warning(
            f"{len(redirects)} old_paths of documents need the mkdocs-redirects plugin: add "
            "`- redirects` to the plugins of mkdocs.yml (pip install mkdocs-redirects), or "
            "their old addresses answer 404"
        )
        return
    for key, target in redirects.items():
        maps.setdefault(key, target)


# The search index field holding a document's id, and its weight (Material: title 1e3,
# tags 1e6). See _search_id_field.
SEARCH_ID_FIELD = "ob_id"
SEARCH_ID_BOOST = 1e4


def _search_plugin(config: Any) -> Any:
    """Material's search plugin, listed as `search` in mkdocs.yml and kept as material/search."""
    plugins = config.plugins
    if not hasattr(plugins, "get"):
        return None
    return plugins.get("material/search") or plugins.get("search")


def _search_id_field(config: Any) -> None:
    """Give Material's search index a field for documents' ids, weighed above titles.

    A search for RB-0004 reaches lunr as the two terms `rb` and `0004` (its query lexer cuts
    at '-' whatever the separator says, so an unsplit RB0004 token would never be asked
    for). In the text, `rb` is on every runbook and a long runbook's one `0004` weighs less
    than a short one's link to it: RB-0002 came first. In a field of its own, `0004` is on
    one document only, and outweighs any text match. The field is not shown in results.
    """
    search = _search_plugin(config)
    fields = getattr(getattr(search, "config", None), "get", lambda _key: None)("fields")
    if isinstance(fields, dict):
        fields.setdefault(SEARCH_ID_FIELD, {"boost": SEARCH_ID_BOOST})


def _index_id(config: Any, page: Any, doc_id: str) -> None:
    """Put a document's id in the search entry of its page (the first, for its title).

    Called after Material's search plugin added the page's entries (its on_page_context).
    """
    search = _search_plugin(config)
    entries = getattr(getattr(search, "search_index", None), "entries", None)
    if not doc_id or not isinstance(entries, list):
        return
    url = page.url
    first = None
    for entry in reversed(entries):
        location = entry.get("location", "") if isinstance(entry, dict) else ""
        if location != url and not location.startswith(url + "#"):
            break
        first = entry
    if first is not None:
        first[SEARCH_ID_FIELD] = doc_id


def _macros_skip_finished_pages(config: Any) -> None:
    """Let mkdocs-macros see only pages that may render Jinja, not documents or generated pages.

    Its page_markdown event copies its variables and the page for every page, even one with
    `render_macros: false` that it then returns unchanged: for a handbook, that is every
    runbook and postmortem (about 1% of a build). The event is wrapped where MkDocs lists it;
    if MkDocs or mkdocs-macros change shape, nothing is wrapped and the build is as before.
    """
    plugins = config.plugins
    macros = plugins.get("macros") if hasattr(plugins, "get") else None
    events = getattr(plugins, "events", {}).get("page_markdown")
    origins = getattr(plugins, "_event_origins", None)
    if macros is None or not isinstance(events, list) or not isinstance(origins, dict):
        return
    for i, method in enumerate(events):
        if getattr(method, "__self__", None) is not macros:
            continue
        if getattr(method, "__name__", "") != "on_page_markdown":
            continue

        def on_page_markdown(
            markdown: str, *, page: Any, _render: Any = method, **kwargs: Any
        ) -> Any:
            build = _build
            uri = page.file.src_uri
            if build is not None and (uri in build.documents or uri in build.generated):
                return markdown
            return _render(markdown, page=page, **kwargs)

        events[i] = on_page_markdown
        origins[on_page_markdown] = origins.get(method, "macros")


def _site_name_as_text(config: Any) -> None:
    """Make site_name text in every page: Material prints it unescaped in <title> and the header.

    Markup is a str that is escaped already: printed as is (`{{ config.site_name }}`) it shows
    the name as text, and Jinja's `| e` (the logo's title) leaves it as it is, not escaped twice.
    """
    name = config.site_name
    if isinstance(name, str) and not isinstance(name, Markup):
        config.site_name = Markup(esc(name))


def _link_assets(config: Any) -> None:
    """Link opsbook's stylesheet and scripts from every page, unless mkdocs.yml does already."""
    for listed, wanted in ((config.extra_css, STYLESHEETS), (config.extra_javascript, SCRIPTS)):
        present = {str(item) for item in listed}
        listed.extend(uri for uri in wanted if uri not in present)


def _offline_shim_shipped(config: Any) -> None:
    """With Material's offline plugin on, load its iframe-worker shim from the site itself.

    The plugin (its on_config, before this hook's) adds https://unpkg.com/iframe-worker/shim
    to `extra.polyfills`, which every page loads: opened from file:// on a laptop with no
    network, the shim never came and the search box never appeared. opsbook ships the same
    shim (assets/iframe-worker-shim.js, MIT) and lists that instead; the plugin adds none when
    an iframe-worker is listed already, so the order of the two does not matter.
    """
    plugins = config.plugins
    offline = (
        plugins.get("material/offline") or plugins.get("offline")
        if hasattr(plugins, "get")
        else None
    )
    if offline is None or not getattr(offline, "config", {}).get("enabled", True):
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


# Before mkdocs-redirects (0), which lists the site's pages in its own on_files: the documents
# and generated pages must be among them for its redirects to find their targets.
@event_priority(50)
def on_files(files: Files, *, config: Any, **kwargs: Any) -> Files:
    """Add the documents (out of the nav), the generated pages and opsbook's assets."""
    build = current()
    ctx = build.ctx
    for uri, path in ASSETS.items():
        # A handbook's own docs/assets/opsbook.css (say) wins over the packaged one.
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    search_index.add_files(build.search, files, config)
    generated_urls = {page_url(s.src_uri, ctx.directory_urls): s.src_uri for s in build.specs}
    for spec in build.specs:
        existing = files.get_file_from_path(spec.src_uri)
        if existing is not None:
            log.warning(
                f"docs/{spec.src_uri} is replaced by the page opsbook generates there: "
                "move it to another path"
            )
            files.remove(existing)
        inclusion = (
            InclusionLevel.UNDEFINED if spec.src_uri in build.in_nav else InclusionLevel.NOT_IN_NAV
        )
        # Rendered when MkDocs reads the page (on_page_read_source): a File keeps the content
        # it is given until the build ends, a second copy of every generated page.
        files.append(File.generated(config, spec.src_uri, content="", inclusion=inclusion))
    rels = [rb.rel for rb in ctx.handbook.runbooks]
    rels += [pm.rel for pm in ctx.handbook.postmortems]
    rels += list(ctx.handbook.broken)
    for rel in rels:
        if not rel.endswith(".md"):
            continue
        clash = generated_urls.get(page_url(rel, ctx.directory_urls))
        if clash is not None:
            log.warning(
                f"{rel}: its page would replace the generated page {clash}: rename the file"
            )
            continue
        existing = files.get_file_from_path(rel)
        if existing is not None:
            log.warning(f"docs/{rel} is replaced by the handbook document {rel}: remove one")
            files.remove(existing)
        path = build.root / rel
        files.append(
            File.generated(config, rel, abs_src_path=str(path), inclusion=InclusionLevel.NOT_IN_NAV)
        )
        build.documents[rel] = path
    return files


def on_page_read_source(page: Any, *, config: Any, **kwargs: Any) -> str | None:
    """A generated page, rendered; a document's body without its frontmatter, read by opsbook's
    own loader."""
    build = _build
    if build is None:
        return None
    rel = page.file.src_uri
    spec = build.generated.get(rel)
    if spec is not None:
        return spec.render(build.ctx)
    if rel not in build.documents:
        return None
    doc = build.ctx.document(rel)
    source = doc.source if doc is not None else None
    body = source.body if source is not None else _broken_body(build.documents[rel], build.root)
    # Runbooks adopted from Hugo sites link with {{< ref "x.md" >}}: resolve those to the
    # relative paths MkDocs understands (the files themselves stay as they were).
    if "{{" in body:
        # Imported here: adopt and the scaffolding it uses are a fifth of the import time of
        # the hooks, and only a page with a Hugo shortcode needs them.
        from opsbook import adopt

        body = adopt.hugo_ref_links(body)
    # A leading blank line stops MkDocs from reading the body's first lines as metadata.
    return "\n" + body


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
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is not None:
            return "\n".join(lines[end + 1 :])
        # Unterminated frontmatter: show the lines as text rather than guess where it ends.
        return "```yaml\n" + text.replace("```", "` ` `") + "\n```\n"
    return text


def _stash(build: Build, uri: str, html: str) -> str:
    """A placeholder paragraph for a block of finished HTML, put back by on_page_content.

    The generated tables are HTML already; handing them to Python-Markdown only to have it
    parse and copy them through cost more than rendering the rest of a page.
    """
    page = build.stash.setdefault(uri, {})
    token = f"OPSBOOK{build.nonce}X{len(page)}"
    page[token] = html
    return token


def _stash_html_blocks(build: Build, uri: str, markdown: str) -> str:
    # Generated pages are written as blank-line separated blocks where every raw HTML block
    # starts with "<" (opsbook.pages.common.blocks): each such block is stashed whole.
    chunks = markdown.split("\n\n")
    return "\n\n".join(
        _stash(build, uri, chunk) if chunk.startswith("<") else chunk for chunk in chunks
    )


@event_priority(50)  # before mkdocs-macros (0) and Material's tags plugin (-50)
def on_page_markdown(markdown: str, *, page: Any, config: Any, **kwargs: Any) -> str | None:
    """Turn Jinja off where it must not run, and open documents with their box or banner."""
    build = _build
    if build is None:
        return None
    rel = page.file.src_uri
    if rel in build.documents:
        ctx = build.ctx
        doc = ctx.document(rel)
        # Replace the metadata MkDocs read: a document's fields are data, not page settings,
        # and Material prints meta.title and tags unescaped.
        meta: dict[str, Any] = {"render_macros": False}
        if doc is not None:
            meta["title"] = esc(doc.title)
        if isinstance(doc, Runbook) and doc.tags:
            meta["tags"] = [esc(t) for t in doc.tags]
        page.meta = meta
        # The box or banner is added to the HTML in on_page_content: as a block of Markdown,
        # even a placeholder for it, and a heading to put it under, cost more to convert than a
        # tenth of a typical runbook.
        return None
    spec = build.generated.get(rel)
    if spec is not None:
        page.meta["render_macros"] = False
        # Generated pages have tables, not sections worth a table of contents: an empty
        # sidebar took the room of their last columns.
        hidden = page.meta.get("hide")
        hidden = list(hidden) if isinstance(hidden, list) else []
        if "toc" not in hidden:
            page.meta["hide"] = [*hidden, "toc"]
        if spec.parent is not None:
            # A title from policy.yml or a document (tree, service): Material prints
            # meta.title as is, while the nav title would go through `striptags`, which
            # unescapes entities and would turn an escaped title back into markup.
            page.meta["title"] = esc(spec.title)
        return _stash_html_blocks(build, rel, markdown)
    return None


def on_page_content(html: str, *, page: Any, config: Any, **kwargs: Any) -> str | None:
    """Put the stashed HTML back, open documents with their search summary, and hold listings
    back until search has indexed the page.

    A listing (opsbook.pages.common.listing) repeats what the documents' own pages say.
    """
    build = _build
    if build is None:
        return None
    uri = page.file.src_uri
    for token, block in build.stash.pop(uri, {}).items():
        html = html.replace(f"<p>{token}</p>", block, 1)
    if uri in build.documents:
        # A body is Markdown from any team's pull request: only what the allow-list keeps
        # reaches the page. The box is added after, out of the sanitiser: it is opsbook's
        # own, escaped HTML, and needs attributes bodies may not have.
        if build.sanitize:
            html = sanitize.clean(html)
        # Search indexes a lean summary; the box itself is made after search has seen the page
        # (on_page_context), so no build holds every document's box from one phase to the next.
        summary = document_page.search_summary(build.ctx, uri)
        box = f'<div data-ob-box="{build.nonce}">{summary}</div>'
        doc = build.ctx.document(uri)
        html = document_page.insert_after_h1_html(html, box, doc.title if doc else None)
        build.boxes[uri] = box
        return html
    if LISTING_START not in html:
        return html
    parts: list[str] = []
    deferred: dict[str, str] = {}
    rest = html
    while (start := rest.find(LISTING_START)) >= 0:
        end = rest.find(LISTING_END, start)
        if end < 0:
            break
        placeholder = f'<div data-ob-listing="{len(deferred)}-{build.nonce}"></div>'
        deferred[placeholder] = rest[start + len(LISTING_START) : end]
        parts += [rest[:start], placeholder]
        rest = rest[end + len(LISTING_END) :]
    build.deferred[uri] = deferred
    return "".join(parts) + rest


@event_priority(-100)  # after Material's search plugin (0) has indexed the page
def on_page_context(context: Any, *, page: Any, config: Any, **kwargs: Any) -> Any:
    """Put the listings and the documents' boxes in, now that search has seen the page."""
    build = _build
    if build is None:
        return context
    uri = page.file.src_uri
    box = build.boxes.pop(uri, None)
    if box is not None:
        doc = build.ctx.document(uri)
        if doc is not None:
            _index_id(config, page, doc.id)
        header, _title = document_page.header(build.ctx, uri)
        page.content = page.content.replace(box, header, 1)
        return context
    if uri not in build.deferred:
        return context
    content = page.content
    for placeholder, block in build.deferred.pop(uri).items():
        content = content.replace(placeholder, search_index.ignored(build.search, block), 1)
    page.content = content
    return context


def on_post_build(*, config: Any, **kwargs: Any) -> None:
    """Write the open action items as JSON, CSV and iCalendar at the site root."""
    build = _build
    if build is None:
        return
    ctx = build.ctx
    items = ctx.open_items
    site = Path(config.site_dir)
    site.mkdir(parents=True, exist_ok=True)
    domain = actions.calendar_domain(ctx.site_url, config.site_name, _root(config).name)
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
    search_index.finish(build.search, site)


def on_startup(*, command: str, **kwargs: Any) -> None:
    """Note whether this is `mkdocs serve` (its rebuilds keep Material's search)."""
    search_index.set_command(command)


def on_post_page(output: str, *, page: Any, config: Any, **kwargs: Any) -> str:
    """Name opsbook's search worker in the page, and mark what Pagefind indexes."""
    build = _build
    if build is None:
        return output
    return search_index.page_html(build.search, output, indexed=not search_index.excluded(page))


def on_post_template(output_content: str, *, template_name: str, **kwargs: Any) -> str:
    """404.html names opsbook's search worker too."""
    build = _build
    return (
        output_content
        if build is None
        else search_index.template_html(build.search, output_content)
    )


def _policy_data(ctx: Context) -> Any:
    source = ctx.handbook.policy.source
    return source.data if source is not None else {}


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


def on_serve(server: Any, *, config: Any, builder: Any = None, **kwargs: Any) -> Any:
    """Rebuild when a document, policy.yml or a schema changes (they live outside docs/).

    MkDocs can watch only what exists, and calls this once: a folder made after `serve`
    started (the first postmortem's) is caught by a watch on the handbook root itself.
    """
    root = _root(config)
    for name in WATCHED:
        path = root / name
        if path.exists():
            server.watch(str(path))
    if any(not (root / name).exists() for name in WATCHED):
        _watch_for_new(server, root)
    return server


def _watch_for_new(server: Any, root: Path) -> None:
    """Watch (not recursively) the root for a WATCHED folder or file to appear, then watch it."""
    observer = getattr(server, "observer", None)
    if observer is None:
        return
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    def appeared(event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = Path(os.fsdecode(raw)) if raw else None
            if path is None or path.parent != root or path.name not in WATCHED:
                continue
            if path.exists():
                server.watch(str(path))
                _rebuild(server)

    handler = FileSystemEventHandler()
    handler.on_created = appeared  # type: ignore[method-assign]
    handler.on_moved = appeared  # type: ignore[method-assign]
    observer.schedule(handler, str(root), recursive=False)


def _rebuild(server: Any) -> None:
    """Ask `mkdocs serve` for a rebuild: files may have landed in a folder before its watch did.

    MkDocs has no public call for it; without these attributes the next change rebuilds.
    """
    cond = getattr(server, "_rebuild_cond", None)
    if cond is None or not hasattr(server, "_want_rebuild"):
        return
    with cond:
        server._want_rebuild = True
        cond.notify_all()
