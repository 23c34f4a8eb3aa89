"""Edit to preview: opsbook's own preview server (`opsbook serve`, `make serve`).

`mkdocs serve` rebuilds the whole site at every save: at 10,000 documents a saved runbook took
about a minute to show (6.2 s even with `--dirty` and a cache). This server builds the site once
as `mkdocs serve` does, serves it with MkDocs' own LiveReloadServer (live reload works as
there), and on a save:

- FAST PATH, when only existing documents under runbooks/ or postmortems/ changed (a stat
  scan of the watched files, then a content compare): the handbook is loaded again through
  `DocumentCache` (only the changed files are parsed and schema-checked; the cross-document
  checks rerun over the whole handbook), the plugin's Build is replaced, the problems the save
  brought are logged as warnings, and the saved documents' pages are rendered again with
  MkDocs' public pieces (`render_page`). The builder then returns: MkDocs reloads the browser.
  A second pass, asked for through a watched file of opsbook's own, settles the pages that
  depend on the save: each generated page (indexes, incident, services, review) whose
  Markdown changed, the documents whose box or banner may show the save (_boxes_touched),
  and the site-root files (action items, insights, alert pages).
- Anything else (a new or deleted document, policy.yml, a schema, mkdocs.yml, docs/): a full
  rebuild with a fresh config, as `mkdocs serve` does.

Material's search index is not rebuilt on the fast path: search in the preview may be a save
behind until a full rebuild.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.commands.build import get_context
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from opsbook import checks, fsutil, load, schemas, site
from opsbook.model import Postmortem, Problem, Runbook
from opsbook.pages import alerts as alerts_page
from opsbook.plugin import NAME, OpsbookPlugin

log = logging.getLogger("mkdocs.plugins.opsbook")

# (inode, size, mtime, ctime) of a file: any write, rename over or touch changes one of them.
Key = tuple[int, int, int, int]

# A file changed this close to being read may change again within the same clock tick of a
# coarse file system (FAT: 2 s) and keep its key: its entry is checked by content until then.
RACY_NS = 2_000_000_000

# Folders under docs_dir that a stat scan skips (an editor's or a VCS's own).
_SKIPPED = {".git", "__pycache__", ".venv", "node_modules"}


def _key(st: os.stat_result) -> Key:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


@dataclass
class _Entry:
    key: Key
    kind: str
    checker: schemas.Checker
    model: Runbook | Postmortem | None
    problems: tuple[Problem, ...]
    digest: bytes
    # Whether the key alone says the file is unchanged (see RACY_NS).
    trusted: bool


@dataclass
class DocumentCache:
    """load.read_document for each file, kept while the file and the schema are unchanged.

    A `load.DocumentReader`. The models it returns are shared between builds: nothing may
    change them (site.load_build does not release their sources when given a reader).
    """

    _entries: dict[str, _Entry] = field(default_factory=dict)
    # Since begin(): the documents read from their file (new or changed), and all asked for.
    read_again: set[str] = field(default_factory=set)
    asked: set[str] = field(default_factory=set)

    def begin(self) -> None:
        self.read_again, self.asked = set(), set()

    def end(self) -> None:
        """Forget the documents not asked for since begin() (removed files)."""
        for rel in set(self._entries) - self.asked:
            del self._entries[rel]

    def digest(self, rel: str) -> bytes | None:
        entry = self._entries.get(rel)
        return entry.digest if entry is not None else None

    def __call__(
        self, path: Path, rel: str, kind: str, checker: schemas.Checker
    ) -> tuple[Runbook | Postmortem | None, list[Problem]]:
        self.asked.add(rel)
        try:
            st: os.stat_result | None = os.stat(path)
        except OSError:
            st = None
        entry = self._entries.get(rel)
        if st is not None and entry is not None and entry.key == _key(st):
            same = entry.kind == kind and entry.checker is checker
            if same and self._unchanged(entry, path, st):
                return entry.model, list(entry.problems)
        started = time.time_ns()
        # Read once: the digest and the document come from the same bytes.
        raw = _read_bytes(path)
        model, problems = load.read_document(path, rel, kind, checker, raw)
        self.read_again.add(rel)
        if st is None or raw is None:
            self._entries.pop(rel, None)  # unreadable: read again next time, it reports why
        else:
            trusted = max(st.st_mtime_ns, st.st_ctime_ns) < started - RACY_NS
            self._entries[rel] = _Entry(
                _key(st), kind, checker, model, tuple(problems), _digest(raw), trusted
            )
        return model, problems

    @staticmethod
    def _unchanged(entry: _Entry, path: Path, st: os.stat_result) -> bool:
        if entry.trusted:
            return True
        started = time.time_ns()
        raw = _read_bytes(path)
        if raw is None or _digest(raw) != entry.digest:
            return False
        entry.trusted = max(st.st_mtime_ns, st.st_ctime_ns) < started - RACY_NS
        return True


@dataclass
class Snapshot:
    """The stat keys of what the server watches: the documents, and everything else."""

    documents: dict[str, Key]
    others: dict[str, Key]


def _stat_tree(top: Path, into: dict[str, Key]) -> None:
    if top.is_file():
        with contextlib.suppress(OSError):
            into[str(top)] = _key(top.stat())
        return
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d not in _SKIPPED]
        for name in names:
            path = os.path.join(folder, name)
            try:
                into[path] = _key(os.stat(path))
            except OSError:
                continue


def _documents(root: Path) -> dict[str, Key]:
    """The stat keys of the Markdown files under runbooks/ and postmortems/, by rel path.

    Plain os.walk, not load.scan (which checks every path for symlinks out and bad names): a
    superset is enough here, since any file that comes or goes makes a full build, which scans.
    Hidden folders are left out, as load.scan leaves them out.
    """
    found: dict[str, Key] = {}
    start = len(str(root)) + 1
    for top in (load.RUNBOOK_DIR, load.POSTMORTEM_DIR):
        for folder, dirs, names in os.walk(root / top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                if not name.endswith(".md") or name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    found[path[start:].replace(os.sep, "/")] = _key(os.stat(path))
    return found


def snapshot(root: Path, config: MkDocsConfig) -> Snapshot:
    """Stat every watched file (10,000 stats take a few tens of milliseconds)."""
    documents = _documents(root)
    others: dict[str, Key] = {}
    for path in (Path(config.docs_dir), root / load.POLICY_FILE, root / "schemas"):
        if path.exists():
            _stat_tree(path, others)
    if config.config_file_path:
        _stat_tree(Path(config.config_file_path), others)
    return Snapshot(documents, others)


def render_page(
    page: Page,
    config: MkDocsConfig,
    files: Files,
    doc_files: Sequence[File],
    nav: Navigation,
    env: jinja2.Environment,
) -> None:
    """Render one page again and write it, as a build does.

    This mirrors mkdocs.commands.build._populate_page followed by _build_page of MkDocs 1.6
    (and ProperDocs, which keeps them): the same events in the same order, with MkDocs' public
    pieces only. After an upgrade of MkDocs, this is the one place to compare with it.
    Differences: no --dirty check (the page is known to have changed), no draft marker
    (documents and generated pages are never drafts), and the page is written atomically, so
    the server never serves half of it.
    """
    plugins = config.plugins
    # _populate_page
    page = plugins.on_pre_page(page, config=config, files=files)
    page.read_source(config)
    assert page.markdown is not None
    page.markdown = plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
    page.render(config, files)
    assert page.content is not None
    page.content = plugins.on_page_content(page.content, page=page, config=config, files=files)
    # _build_page
    page.active = True
    try:
        context = get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = plugins.on_page_context(context, page=page, config=config, nav=nav)
        output = template.render(context)
        output = plugins.on_post_page(output, page=page, config=config)
    finally:
        page.active = False
    if output.strip():
        data = output.encode("utf-8", errors="xmlcharrefreplace")
        fsutil.atomic_write(Path(page.file.abs_dest_path), data)


def _spec_digests(build: site.Build) -> dict[str, bytes]:
    return {
        s.src_uri: _digest(s.render(build.ctx).encode("utf-8", "surrogatepass"))
        for s in build.specs
    }


def _spec_shape(build: site.Build) -> list[tuple[str, str, str | None]]:
    """What of the generated pages the nav and the list of files show."""
    return [(s.src_uri, s.title, s.parent) for s in build.specs]


def _boxes_touched(old: site.Build, new: site.Build, changed: list[str]) -> set[str]:
    """The documents whose box or banner may show the saved ones differently: those with
    problems that came or went (a duplicate id's other half), those naming a saved document's
    id (related runbooks, a postmortem's runbooks), and the runbooks a saved one names."""
    touched = {p.path for p in set(old.ctx.problems) ^ set(new.ctx.problems)}
    ids: set[str] = set()
    for build in (old, new):
        for rel in changed:
            rb = build.ctx.runbooks_by_rel.get(rel)
            pm = build.ctx.postmortems_by_rel.get(rel)
            if rb is not None:
                ids.add(rb.id)
                ids.update(rb.related)
            if pm is not None:
                ids.add(pm.id)
                ids.update(pm.runbooks)
    for rb in new.ctx.handbook.runbooks:
        if rb.id in ids or ids.intersection(rb.related):
            touched.add(rb.rel)
    for pm in new.ctx.handbook.postmortems:
        if pm.id in ids or ids.intersection(pm.runbooks):
            touched.add(pm.rel)
    return touched & new.documents.keys()


def _alert_pages(build: site.Build, site_dir: Path) -> list[Path]:
    """The alert pages (site.write_site_files) in site_dir that hold what opsbook wrote."""
    found = []
    for rel, text in alerts_page.alert_files(build.ctx).items():
        path = site_dir / rel
        if _read_bytes(path) == text.encode("utf-8"):
            found.append(path)
    return found


@dataclass
class Timing:
    """What the last builder call did, and how long it took (for bench/preview.py's log)."""

    kind: str = ""
    seconds: float = 0.0


class Preview:
    """The site, built once, and what a save needs to update it (see the module)."""

    def __init__(self, config_file: str | None, dev_addr: str | None = None) -> None:
        self.config_file = config_file
        self.dev_addr = dev_addr
        self.site_dir = tempfile.mkdtemp(prefix="opsbook_serve_")
        self.cache = DocumentCache()
        # The documents' texts are kept across loads (the cache): remember their placeholders.
        if checks.PLACEHOLDER_MEMO is None:
            checks.PLACEHOLDER_MEMO = {}
        self._trigger_dir = tempfile.mkdtemp(prefix="opsbook_settle_")
        self.trigger = Path(self._trigger_dir) / "settle"
        self._settle_pending = False
        self._lock = threading.Lock()
        self.config = self._load_config()
        self.config.plugins.on_startup(command="serve", dirty=False)
        host, port = self.config.dev_addr
        self.host, self.port = str(host), int(port)
        self.mount_path = urlsplit(self.config.site_url or "/").path
        self.serve_url = f"http://{self.host}:{self.port}{self.mount_path}"
        self.config.site_url = self.serve_url
        self.snap: Snapshot | None = None
        self.root = Path(self.config.config_file_path or ".").resolve().parent
        self.digests: dict[str, bytes] = {}
        self.doc_files: Sequence[File] = []
        self.last = Timing()
        self.alert_pages: list[Path] = []
        # Documents whose box or banner a save changed, for the second pass.
        self._boxes: set[str] = set()

    def _load_config(self) -> MkDocsConfig:
        kwargs: dict[str, Any] = {"site_dir": self.site_dir}
        if self.dev_addr:
            kwargs["dev_addr"] = self.dev_addr
        return load_config(config_file=self.config_file, **kwargs)

    @property
    def plugin(self) -> OpsbookPlugin:
        plugin = self.config.plugins.get(NAME)
        if not isinstance(plugin, OpsbookPlugin):
            raise RuntimeError("opsbook serve: the site does not use the opsbook plugin")
        return plugin

    # --- builds -------------------------------------------------------------------------

    def full(self, fresh: bool = True) -> None:
        """A whole build, as `mkdocs serve` makes at every change (fresh: reload mkdocs.yml)."""
        started = time.perf_counter()
        if fresh:
            self.config = self._load_config()
            self.config.site_url = self.serve_url
        plugin = self.config.plugins.get(NAME)
        if isinstance(plugin, OpsbookPlugin):
            plugin.read = self.cache
        self.cache.begin()
        mkdocs_build(self.config, serve_url=self.serve_url)
        self.cache.end()
        build = self.plugin.build
        assert build is not None
        self.root = build.root
        self.snap = snapshot(build.root, self.config)
        self.digests = _spec_digests(build)
        files = self.plugin.files
        assert files is not None
        self.doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        self._settle_pending = False
        self.alert_pages = _alert_pages(build, Path(self.config.site_dir))
        self.last = Timing("full", time.perf_counter() - started)

    def builder(self) -> None:
        """LiveReloadServer's builder: the fast path, the settle pass, or a full build."""
        with self._lock:
            started = time.perf_counter()
            now, old = snapshot(self.root, self.config), self.snap
            if (
                old is None
                or now.others != old.others
                or now.documents.keys() != old.documents.keys()
            ):
                log.info("opsbook: rebuilding the whole site")
                self._full_or_say()
                return
            changed = [
                rel
                for rel, key in now.documents.items()
                if key != old.documents[rel]
                and _digest(_read_bytes(self.root / rel) or b"") != self.cache.digest(rel)
            ]
            self.snap = now
            if changed:
                if not self._fast_or_none(changed):
                    self._full_or_say()
                    return
                self.last = Timing("page", time.perf_counter() - started)
                self._ask_settle()
            elif self._settle_pending:
                self.settle()
                self.last = Timing("dependents", time.perf_counter() - started)
            log.info(f"opsbook: {self.last.kind} in {self.last.seconds:.2f} s")

    def _fast_or_none(self, changed: list[str]) -> bool:
        """The fast path; False (a full build follows) when it cannot be taken or fails.

        Any failure: the fast path is an optimisation of a full build, which reports the
        error its own way if the handbook is really at fault.
        """
        try:
            return self.fast(changed)
        except Exception as exc:  # see the docstring
            log.warning(f"opsbook: rebuilding the whole site, the quick update failed: {exc!r}")
            return False

    def _full_or_say(self) -> None:
        """A full build; one that fails (a broken policy.yml, say) keeps the last site served
        and says why, as the next save is tried again."""
        try:
            self.full()
        except MkDocsException as exc:
            log.error(f"opsbook: the site was not rebuilt: {exc}")
            self.snap = None

    def _ask_settle(self) -> None:
        # The server watches this file: writing it asks for one more builder call, after the
        # browser was reloaded with the saved page.
        self._settle_pending = True
        self.trigger.write_text(str(time.time_ns()), encoding="utf-8")

    def fast(self, changed: list[str]) -> bool:
        """Reload the handbook through the cache and render the changed documents' pages.

        False when the save changed what every page shows (the nav's titles, the generated
        pages, the redirects of old paths): the caller makes a full build then.
        """
        plugin = self.plugin
        old = plugin.build
        files, nav, env = plugin.files, plugin.nav, plugin.env
        if old is None or files is None or nav is None or env is None:
            return False
        self.cache.begin()
        new = site.load_build(old.root, self.config, old.ctx.today, self.cache, log_problems=False)
        self.cache.end()
        if new.redirects != old.redirects or _spec_shape(new) != _spec_shape(old):
            return False
        new.documents, new.in_nav, new.search = old.documents, old.in_nav, old.search
        known = set(old.ctx.problems)
        for p in new.ctx.problems:
            if p not in known:
                log.warning(site.format_problem(p))
        self._boxes |= _boxes_touched(old, new, changed) - set(changed)
        plugin.build = new
        site.activate(new)
        for rel in changed:
            file = files.get_file_from_path(rel)
            if file is not None and file.page is not None:
                render_page(file.page, self.config, files, self.doc_files, nav, env)
        return True

    def settle(self) -> None:
        """Render each generated page whose Markdown changed; write the site-root files."""
        self._settle_pending = False
        plugin = self.plugin
        build, files, nav, env = plugin.build, plugin.files, plugin.nav, plugin.env
        if build is None or files is None or nav is None or env is None:
            return
        digests = _spec_digests(build)
        boxes, self._boxes = self._boxes, set()
        for uri in [*(u for u, d in digests.items() if self.digests.get(u) != d), *sorted(boxes)]:
            file = files.get_file_from_path(uri)
            if file is not None and file.page is not None:
                render_page(file.page, self.config, files, self.doc_files, nav, env)
        self.digests = digests
        # The alert pages this server wrote go first: site.write_site_files keeps a page it
        # finds in the way (a docs/ page of the build) and says so.
        for path in self.alert_pages:
            path.unlink(missing_ok=True)
        site.write_site_files(build, self.config)
        self.alert_pages = _alert_pages(build, Path(self.config.site_dir))

    # --- serving ------------------------------------------------------------------------

    def serve(self) -> None:
        """Build, then serve until interrupted (Ctrl-C)."""
        server = LiveReloadServer(
            builder=self.builder,
            host=self.host,
            port=self.port,
            root=self.site_dir,
            mount_path=self.mount_path,
        )
        server.error_handler = self._error_page
        try:
            self.full(fresh=False)
            server.watch(self.config.docs_dir)
            if self.config.config_file_path:
                server.watch(self.config.config_file_path)
            server.watch(self._trigger_dir)
            # The plugins' own serve events: opsbook's watches runbooks/, postmortems/,
            # policy.yml and schemas/ (site.watch_handbook).
            builder: Callable[..., Any] = self.builder
            server = self.config.plugins.on_serve(server, config=self.config, builder=builder)
            for item in self.config.watch:
                server.watch(item)
            try:
                server.serve()  # type: ignore[no-untyped-call]  # MkDocs' own
            except KeyboardInterrupt:
                log.info("Shutting down...")
            finally:
                server.shutdown()
        finally:
            self.config.plugins.on_shutdown()
            shutil.rmtree(self.site_dir, ignore_errors=True)
            shutil.rmtree(self._trigger_dir, ignore_errors=True)

    def _error_page(self, code: int) -> bytes | None:
        if code in (404, 500):
            page = Path(self.site_dir) / f"{code}.html"
            if page.is_file():
                return page.read_bytes()
        return None
