"""opsbook's MkDocs plugin (`plugins: [..., opsbook]`): the handbook's pages in the site.

One build, in event order:

- `on_config` loads and lints the handbook once, logs each lint problem as a WARNING (so
  `mkdocs build --strict` fails with the same `path:line:col` messages as `opsbook lint`),
  adds one nav entry per decision tree and per service, links the packaged stylesheet and
  scripts, and registers the FinishedHtml Markdown extension (opsbook.finished).
- `on_files` adds runbooks/ and postmortems/ (outside docs_dir) as pages kept out of the nav,
  the generated pages, and the packaged assets. Pages are added empty: their Markdown is
  made in `on_page_markdown`, so no File holds a second copy of every page until the end.
- `on_page_markdown` (before mkdocs-macros) gives each page its Markdown: a generated page
  rendered (its finished HTML marked for FinishedHtml), a document's body as opsbook's own
  loader read it (it survives files MkDocs would crash on); it sets safe page metadata and
  turns Jinja off for both.
- `on_page_content` sanitises each document's body (opsbook.sanitize, unless policy.yml turns
  it off) and opens it with its box or banner; what search must not read is handed to the
  MaterialSearch object (opsbook.sitesearch), which puts it back in `on_page_context`, after
  Material's search plugin indexed the page.
- `on_post_build` writes action-items.json/.csv/.ics and insights.json at the site root, and
  the redirect or chooser page at alerts/<name>/ of every alert a runbook names.

Every build starts from scratch in `on_config`: `mkdocs serve` keeps the plugin across
rebuilds. A handbook's hooks/opsbook.py (older sites) installs this plugin (`install`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data
from mkdocs.utils.templates import TemplateContext

from opsbook import finished, load, sanitize, search_index, site, sitesearch
from opsbook.model import Runbook
from opsbook.pages import ASSETS
from opsbook.pages import document as document_page
from opsbook.pages.common import esc
from opsbook.sitepaths import page_url

NAME = "opsbook"


class OpsbookConfig(Config):  # type: ignore[no-untyped-call]  # MkDocs' own
    """The plugin's options in mkdocs.yml (all optional)."""

    # The folder of policy.yml, runbooks/ and postmortems/; default: mkdocs.yml's folder.
    handbook_dir = c.Optional(c.Dir(exists=True))
    # The day staleness and overdue items are counted from (YYYY-MM-DD), as `lint --today`;
    # `today: !ENV OPSBOOK_TODAY` reads it from the environment. Default: OPSBOOK_TODAY, else
    # the real date.
    today = c.Optional(c.Type((str, dt.date)))
    # The weight of the search field holding documents' ids (0: no such field).
    search_id_boost = c.Type((int, float), default=sitesearch.ID_BOOST)
    # Whether search indexes the listings of documents on the index pages as well.
    index_listings = c.Type(bool, default=False)


class OpsbookPlugin(BasePlugin[OpsbookConfig]):  # type: ignore[no-untyped-call]
    """The opsbook handbook in a MkDocs (or ProperDocs) site; see the module."""

    def __init__(self) -> None:
        super().__init__()
        self.build: site.Build | None = None
        self.search: sitesearch.MaterialSearch | None = None
        # MkDocs' command (on_startup): `serve` keeps Material's search (opsbook.search_index).
        self.command: str | None = None
        # Pages that ask search to leave them out (`search: {exclude: true}`), by src_uri.
        self._unindexed: set[str] = set()
        # The config `install` ran on_config for already, whose event is still to reach us.
        self._installed_for: MkDocsConfig | None = None
        # For opsbook's preview server (opsbook.preview), which re-renders a saved page with
        # MkDocs' public pieces: how documents are read (a cache kept across builds), and the
        # last build's files, nav and Jinja environment.
        self.read: load.DocumentReader | None = None
        self.files: Files | None = None
        self.nav: Navigation | None = None
        self.env: jinja2.Environment | None = None

    # --- configuration ----------------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note MkDocs' command (a plugin with on_startup is kept across serve's rebuilds)."""
        self.command = command

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Load and lint the handbook, log its problems, and set the site up for its pages."""
        if self._installed_for is config:  # run already by `install`
            self._installed_for = None
            return None
        self.build = None  # a failed load must not leave the previous build's pages behind
        self.search = None
        site.activate(None)
        root = self._root(config)
        self.files, self.nav, self.env = None, None, None
        build = site.load_build(root, config, self._today(), self.read)
        site.configure(config, build)
        build.search = search_index.configure(config, _policy_data(build), self.command)
        self._unindexed = set()
        if not any(isinstance(e, finished.FinishedHtml) for e in config.markdown_extensions):
            config.markdown_extensions.append(finished.FinishedHtml())
        self.search = sitesearch.MaterialSearch(
            config,
            id_boost=float(self.config.search_id_boost),
            index_listings=self.config.index_listings,
            feeds=build.search.engine != search_index.PAGEFIND,
        )
        self.build = build
        site.activate(build)
        return config

    def _root(self, config: MkDocsConfig) -> Path:
        if self.config.handbook_dir:
            return Path(self.config.handbook_dir).resolve()
        return site.config_root(config)

    def _today(self) -> dt.date:
        value = self.config.today
        if isinstance(value, dt.date):
            return value
        value = str(value or os.environ.get("OPSBOOK_TODAY") or "")
        if not value:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            name = "OPSBOOK_TODAY" if value == os.environ.get("OPSBOOK_TODAY") else "today"
            raise PluginError(f"opsbook: {name} must be a date YYYY-MM-DD, got '{value}'") from None

    # --- pages --------------------------------------------------------------------------

    # Before mkdocs-redirects (0), which lists the site's pages in its own on_files: the
    # documents and generated pages must be among them for its redirects to find their targets.
    @event_priority(50)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Add the documents (out of the nav), the generated pages and opsbook's assets."""
        build = self._current()
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
                site.log.warning(
                    f"docs/{spec.src_uri} is replaced by the page opsbook generates there: "
                    "move it to another path"
                )
                files.remove(existing)
            inclusion = (
                InclusionLevel.UNDEFINED
                if spec.src_uri in build.in_nav
                else InclusionLevel.NOT_IN_NAV
            )
            files.append(File.generated(config, spec.src_uri, content="", inclusion=inclusion))
        rels = [rb.rel for rb in ctx.handbook.runbooks]
        rels += [pm.rel for pm in ctx.handbook.postmortems]
        rels += list(ctx.handbook.broken)
        for rel in rels:
            if not rel.endswith(".md"):
                continue
            clash = generated_urls.get(page_url(rel, ctx.directory_urls))
            if clash is not None:
                site.log.warning(
                    f"{rel}: its page would replace the generated page {clash}: rename the file"
                )
                continue
            existing = files.get_file_from_path(rel)
            if existing is not None:
                site.log.warning(
                    f"docs/{rel} is replaced by the handbook document {rel}: remove one"
                )
                files.remove(existing)
            # Empty: MkDocs would parse the frontmatter itself (and fail on what opsbook's
            # loader survives); the body comes in on_page_markdown.
            files.append(
                File.generated(config, rel, content="", inclusion=InclusionLevel.NOT_IN_NAV)
            )
            build.documents[rel] = build.root / rel
        return files

    @event_priority(-100)  # the nav as every other plugin left it
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> None:
        """Keep the nav and files, for the preview server's re-rendered pages."""
        self.nav, self.files = nav, files

    @event_priority(-100)
    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> None:
        """Keep the Jinja environment, for the preview server's re-rendered pages; every
        page's content is final, so Pagefind may write its bundle while MkDocs writes pages."""
        self.env = env
        if self.build is not None:
            search_index.contents_known(self.build.search)

    @event_priority(50)  # before mkdocs-macros (0) and Material's tags plugin (-50)
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """A generated page's or a document's Markdown, with Jinja off and safe metadata."""
        build = self.build
        if build is None:
            return None
        rel = page.file.src_uri
        spec = build.generated.get(rel)
        if spec is not None:
            # A generated page may open with its own frontmatter (hide:, say): read as MkDocs
            # would have, had the page been its source.
            markdown, meta = get_data(spec.render(build.ctx))
            page.meta = {**meta, "render_macros": False}
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
            return finished.mark(markdown)
        if rel not in build.documents:
            return None
        doc = build.ctx.document(rel)
        # A document's fields are data, not page settings, and Material prints meta.title
        # and tags unescaped. The box or banner is added to the HTML in on_page_content: as
        # Markdown it cost more to convert than a tenth of a typical runbook.
        fields: dict[str, Any] = {"render_macros": False}
        if doc is not None:
            fields["title"] = esc(doc.title)
        if isinstance(doc, Runbook) and doc.tags:
            fields["tags"] = [esc(t) for t in doc.tags]
        page.meta = fields
        return site.document_body(build, rel)

    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Sanitise a document's body and open it with its box; hold listings from search."""
        build, search = self.build, self.search
        if build is None or search is None:
            return None
        uri = page.file.src_uri
        unindexed = search_index.keep_from_material(build.search, page)
        if unindexed:
            self._unindexed.add(uri)
        content = self._content(build, search, uri, html)
        search_index.content_html(build.search, page, content, indexed=not unindexed)
        return content

    def _content(
        self, build: site.Build, search: sitesearch.MaterialSearch, uri: str, html: str
    ) -> str:
        if uri not in build.documents:
            if build.search is not None and build.search.engine == search_index.PAGEFIND:
                return search_index.ignore_listings(build.search, html)
            return search.listings(uri, html)
        # A body is Markdown from any team's pull request: only what the allow-list keeps
        # reaches the page. The box is added after, out of the sanitiser: it is opsbook's
        # own, escaped HTML, and needs attributes bodies may not have.
        if build.sanitize:
            html = sanitize.clean(html)
        doc = build.ctx.document(uri)
        title = doc.title if doc else None
        if not search.active:
            return document_page.insert_after_h1_html(html, self._box(uri), title)
        summary = f"<div data-ob-box>{document_page.search_summary(build.ctx, uri)}</div>"
        search.hold_box(uri, summary)
        return document_page.insert_after_h1_html(html, summary, title)

    @event_priority(-100)  # after Material's search plugin (0) has indexed the page
    def on_page_context(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        """Put back what search was not to read, now that it has indexed the page."""
        if self.build is None or self.search is None:
            return None
        uri = page.file.src_uri
        doc = self.build.ctx.document(uri)
        self.search.page_indexed(page, doc.id if doc is not None else None, lambda: self._box(uri))
        return None

    def _box(self, uri: str) -> str:
        """What opens a document's page: its banner of problems, its metadata box."""
        assert self.build is not None
        return document_page.header(self.build.ctx, uri)[0]

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        """Name opsbook's search worker in the page, and mark what Pagefind indexes."""
        if self.build is None:
            return None
        indexed = page.file.src_uri not in self._unindexed
        return search_index.page_html(
            self.build.search, output, indexed=indexed, path=page.file.dest_uri
        )

    def on_post_template(
        self, output_content: str, *, template_name: str, config: MkDocsConfig
    ) -> str | None:
        """404.html names opsbook's search worker too."""
        if self.build is None:
            return None
        return search_index.template_html(self.build.search, output_content)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the open action items and the insights at the site root; index the site."""
        if self.build is not None:
            site.write_site_files(self.build, config)
            search_index.finish(self.build.search, config.site_dir)

    def on_build_error(self, *, error: Exception) -> None:
        """Stop Pagefind's service: the build it indexed for failed."""
        if self.build is not None:
            search_index.stop(self.build.search)

    # --- serve --------------------------------------------------------------------------

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Callable[..., Any]
    ) -> LiveReloadServer | None:
        """Rebuild when a document, policy.yml or a schema changes (they live outside docs/)."""
        site.watch_handbook(server, self._root(config))
        return server

    def _current(self) -> site.Build:
        if self.build is None:
            raise PluginError("opsbook: the handbook was not loaded (on_config did not run)")
        return self.build


def _policy_data(build: site.Build) -> Any:
    source = build.ctx.handbook.policy.source
    return source.data if source is not None else {}


def install(config: MkDocsConfig) -> MkDocsConfig:
    """Run the plugin in a build whose mkdocs.yml has only the hooks/opsbook.py shim.

    The plugin is put into the site's plugins (a dict that registers the events of what it
    is given), so every event it handles reaches it, this one included: a handbook's copy of
    the shim never needs editing when opsbook handles a new event.
    """
    if NAME in config.plugins:  # listed in mkdocs.yml as well: it runs there
        return config
    plugin = OpsbookPlugin()
    errors, warnings = plugin.load_config({}, config.config_file_path)
    for _key, problem in [*errors, *warnings]:
        raise PluginError(f"opsbook: {problem}")
    # Registered first, then run at once: the event this shim handles is under way, and
    # whether MkDocs still calls the plugin's part of it is MkDocs' business (it does, since
    # it lists each new handler after those of the same priority; the plugin then skips it).
    config.plugins[NAME] = plugin
    result = plugin.on_config(config) or config
    plugin._installed_for = config
    return result
