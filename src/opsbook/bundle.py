"""The offline bundle: the handbook's whole site in one zip, to open from file:// with no network.

Outages take internal tools down with them, the handbook's host included. `make` builds the
site with MkDocs' Python API from the handbook's own mkdocs.yml, into a temporary folder, with
what a copy on a laptop needs and a served site does not:

- no directory URLs (`use_directory_urls: false`, given to load_config so that every plugin,
  opsbook's adapter included, sees it from the start): from file:// a link to a folder opens
  a listing of the folder, not its index.html;
- Material's offline plugin, added to the loaded configuration (or enabled, if mkdocs.yml lists
  it turned off): it writes the search index as a script, search/search_index.js, which a page
  opened from file:// can load where it cannot fetch JSON; with the plugin on, opsbook's
  adapter links its own copy of the iframe-worker shim (MIT) instead of unpkg.com's, and the
  shim's licence is written beside the site in LICENSES.txt;
- the build's date and commit (`Stamp`) at the foot of every page, so a reader knows how old
  the copy is: in Material's footer through `copyright` (kept, with the stamp after it), and
  before `</body>` of any page the theme did not render (alert and redirect pages).

Then every page, stylesheet and script is scanned for what it would load from another host
(`offsite`): a page or stylesheet that would (`Offsite.certain`) fails the bundle unless
allowed; a URL in a script, which may or may not be fetched, is a warning. The zip holds one
folder named like the zip, and is written atomically (fsutil.atomic_output).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import importlib.metadata
import logging
import os
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from opsbook import fsutil, htmlcheck
from opsbook.pages import ASSETS, OFFLINE_SHIM

CONFIG_FILE = "mkdocs.yml"
NOT_GIT = "not a git checkout"
STAMP_CLASS = "ob-bundle-stamp"
# The plugin's name in MkDocs' plugin collection (Material's plugins are named material/...).
OFFLINE_PLUGIN = "material/offline"
# Files of the built site that only a web server uses.
SERVER_ONLY = ("404.html",)
FIX_OFFSITE = (
    "copy the file into the handbook (docs/) and link it relatively, or pass --allow-offsite "
    "to bundle anyway"
)


class BundleError(Exception):
    """A bundle that could not be made; the message says why (and what to do)."""


@dataclass(frozen=True)
class Stamp:
    """When the bundle was built and from which commit of the handbook."""

    built: dt.datetime
    # The commit's hash, maybe followed by " with uncommitted changes", or NOT_GIT.
    commit: str

    @property
    def text(self) -> str:
        when = self.built.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        source = self.commit if self.commit == NOT_GIT else f"commit {self.commit}"
        return f"Offline copy built {when} from {source}"

    def html(self) -> str:
        """The stamp as a block of HTML, its text escaped."""
        return f'<div class="{STAMP_CLASS}">{html.escape(self.text)}</div>'


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # no git, say
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def commit_of(root: Path) -> str:
    """The handbook's commit (HEAD), marked when files differ from it, or NOT_GIT."""
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    if not head:
        return NOT_GIT
    # Only the handbook's own folder counts: a handbook may be one folder of a larger repository.
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no", "--", ".")
    return head[:12] + (" with uncommitted changes" if dirty else "")


def build_time(env: dict[str, str] | None = None) -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH (reproducible builds) when it is set to a number."""
    value = (os.environ if env is None else env).get("SOURCE_DATE_EPOCH", "")
    if value.strip().isdigit():
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    return dt.datetime.now(dt.UTC)


# --- what loads from another host -------------------------------------------------------


@dataclass(frozen=True)
class Offsite:
    """Something a file of the site would load from another host."""

    file: str  # its path in the site
    url: str
    what: str
    # True when it loads whenever the file is opened (a page's tag, a stylesheet's url());
    # False for a URL in a script, which may be fetched only in some cases.
    certain: bool

    def message(self) -> str:
        how = "loads" if self.certain else "may load"
        return f"{self.file}: {self.what} {how} {self.url} from another host"


# Every <link rel> through which a browser connects to the href's host.
_LINK_RELS = htmlcheck.LOADING_RELS | {"preconnect", "dns-prefetch", "manifest", "prerender"}
# The tags that may load something, with a style attribute, or a <style> element: only these
# are parsed (a page's text and links are skipped in one regular expression search).
_TAGS = "|".join((*htmlcheck.LOADING, "link"))
_CANDIDATE = re.compile(
    rf"<(?:{_TAGS})\b[^>]*>|<[a-z][a-z0-9-]*\s[^>]*\bstyle\s*=[^>]*>|<style\b[^>]*>.*?</style>",
    re.IGNORECASE | re.DOTALL,
)
_SCRIPT_BODY = re.compile(r"(<script\b[^>]*>).*?</script\s*>", re.IGNORECASE | re.DOTALL)
# A page loading a Mermaid of the site's own (Material then loads none from unpkg.com).
_LOCAL_MERMAID = re.compile(
    r"""<script[^>]*\bsrc="(?![a-z]+:|//)[^"]*mermaid[^"]*\"""", re.IGNORECASE
)
# A URL literal in a script.
_JS_URL = re.compile(r"""["'`](https?://[\w$][^"'`\s]*)""")
# URLs in scripts that are names, not addresses (XML namespaces).
_JS_NAMES = ("http://www.w3.org/",)
# URLs in Material's own scripts, and when they are fetched: the polyfill only in browsers
# without ResizeObserver (none in use), the repository's facts only with a repo_url on GitHub
# or GitLab, Mermaid only on a page with a diagram.
_MATERIAL_CONDITIONAL = {
    "unpkg.com/resize-observer-polyfill": "never",
    "api.github.com/": "repo_url",
    "${e}/api/v4/": "repo_url",
    "unpkg.com/mermaid": "mermaid",
}


class _Loads(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (what, url)
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        names: tuple[str, ...] = htmlcheck.LOADING.get(tag, ())
        if tag == "link" and _LINK_RELS & set(values.get("rel", "").lower().split()):
            names = ("href",)
        for name in names:
            value = values.get(name, "")
            urls = (
                [p.split()[0] for p in value.split(",") if p.split()]
                if name == "srcset"
                else [value]
            )
            self.found += [(f"<{tag} {name}>", url) for url in urls if htmlcheck.offsite(url)]
        self._css(f"<{tag} style>", values.get("style", ""))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css("<style>", data)

    def _css(self, what: str, css: str) -> None:
        self.found += [
            (what, url) for url in htmlcheck.CSS_URL.findall(css) if htmlcheck.offsite(url)
        ]


def page_loads(text: str) -> list[tuple[str, str]]:
    """What an HTML page loads from other hosts by itself: (what, url) pairs."""
    found: list[tuple[str, str]] = []
    # An inline script's text is code, not tags (a URL in it is the scripts' scan's).
    text = _SCRIPT_BODY.sub(r"\1</script>", text)
    for match in _CANDIDATE.finditer(text):
        if "//" in match.group(0):
            # A parser per tag: after a lone <script> tag, one would read the rest as script.
            parser = _Loads()
            parser.feed(match.group(0))
            parser.close()
            found += parser.found
    return found


def offsite(site: Path, *, repo_url: str = "") -> list[Offsite]:
    """Everything the built site at site would load from another host, by file."""
    found: list[Offsite] = []
    mermaid = mermaid_here = False
    scripts: list[Path] = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            text = path.read_text(encoding="utf-8", errors="replace")
            mermaid = mermaid or 'class="mermaid"' in text
            mermaid_here = mermaid_here or _LOCAL_MERMAID.search(text) is not None
            found += [Offsite(rel, url, what, True) for what, url in page_loads(text)]
        elif suffix == ".css":
            text = path.read_text(encoding="utf-8", errors="replace")
            urls = [u for u in htmlcheck.CSS_URL.findall(text) if htmlcheck.offsite(u)]
            found += [Offsite(rel, url, "the stylesheet", True) for url in urls]
        elif suffix in (".js", ".mjs") and rel != "search/search_index.js":
            # The search index is the pages' text: its links are data, not loads.
            scripts.append(path)
    github = re.match(r"https?://(www\.)?(github|gitlab)\.com/", repo_url or "") is not None
    for path in scripts:
        rel = path.relative_to(site).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for url in dict.fromkeys(_JS_URL.findall(text)):
            if url.startswith(_JS_NAMES):
                continue
            when = next((w for key, w in _MATERIAL_CONDITIONAL.items() if key in url), None)
            if when == "never" or (when == "repo_url" and not github):
                continue
            if when == "mermaid":
                # Material fetches Mermaid only when no mermaid is loaded already.
                if mermaid and not mermaid_here:
                    what = (
                        "the script, for the pages' Mermaid diagrams (a copy of mermaid.min.js "
                        "in docs/, listed in extra_javascript, is used instead),"
                    )
                    found.append(Offsite(rel, url, what, True))
                continue
            found.append(Offsite(rel, url, "the script", False))
    return found


# --- the build --------------------------------------------------------------------------


@dataclass
class Bundle:
    """A bundle written: where, how many files, its stamp, and what was said on the way."""

    out: Path
    files: int
    stamp: Stamp
    offsite: list[Offsite] = field(default_factory=list)
    warnings: int = 0


class _Relay(logging.Handler):
    """MkDocs' warnings and errors (opsbook's lint problems among them), to a callback."""

    def __init__(self, say: Callable[[str, str], None]) -> None:
        super().__init__(logging.WARNING)
        self.say = say
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.levelno >= logging.WARNING
        with contextlib.suppress(Exception):
            self.say(record.levelname, record.getMessage())


@contextlib.contextmanager
def _relayed(say: Callable[[str, str], None]) -> Iterator[_Relay]:
    logger = logging.getLogger("mkdocs")
    relay = _Relay(say)
    propagate = logger.propagate
    logger.addHandler(relay)
    logger.propagate = False  # said once, by the relay, not again by a root handler
    try:
        yield relay
    finally:
        logger.removeHandler(relay)
        logger.propagate = propagate


def _with_offline_plugin(config: Any) -> None:
    """Turn Material's offline plugin on in a loaded configuration.

    A plugin added to MkDocs' PluginCollection by item assignment registers its events, as
    load_config does for the plugins mkdocs.yml lists; its configuration is validated first.
    """
    plugins = config.plugins
    listed = plugins.get(OFFLINE_PLUGIN) or plugins.get("offline")
    if listed is not None:
        listed.config["enabled"] = True
        return
    from mkdocs.plugins import get_plugins

    entry = get_plugins().get(OFFLINE_PLUGIN)
    if entry is None:
        raise BundleError(
            "the bundle needs Material for MkDocs' offline plugin: "
            "pip install 'mkdocs-material>=9.5'"
        )
    plugin = entry.load()()
    errors, _warnings = plugin.load_config({}, config.config_file_path)
    if errors:
        raise BundleError(f"Material's offline plugin: {errors}")
    plugins[OFFLINE_PLUGIN] = plugin


def _stamped(config: Any, stamp: Stamp) -> None:
    """Put the stamp in the footer of every page the theme renders (after any copyright)."""
    copyright = config.copyright or ""
    config.copyright = f"{copyright}{stamp.html()}"


def _stamp_unthemed(site: Path, stamp: Stamp) -> None:
    """Put the stamp in the pages the theme did not render (alert and redirect pages)."""
    block = stamp.html()
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if STAMP_CLASS in text:
            continue
        end = text.lower().rfind("</body>")
        text = text[:end] + block + "\n" + text[end:] if end >= 0 else text + block + "\n"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")


def build_site(
    root: Path, site: Path, stamp: Stamp, *, strict: bool, say: Callable[[str, str], None]
) -> tuple[str, int]:
    """Build the handbook's site for file:// into site; (its repo_url, warnings logged)."""
    try:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.exceptions import MkDocsException
    except ImportError:
        raise BundleError("the bundle needs MkDocs: pip install 'opsbook[site]'") from None
    config_file = root / CONFIG_FILE
    with _relayed(say) as relay, contextlib.chdir(root):
        try:
            config = load_config(
                str(config_file),
                site_dir=str(site),
                use_directory_urls=False,
                # None leaves mkdocs.yml's own setting.
                strict=True if strict else None,
            )
            _with_offline_plugin(config)
            _stamped(config, stamp)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
        except BundleError:
            raise
        except (MkDocsException, SystemExit) as exc:
            raise BundleError(f"the site build failed: {exc}") from None
        except Exception as exc:  # a plugin's own failure: said, not a traceback
            raise BundleError(f"the site build failed: {type(exc).__name__}: {exc}") from None
        return str(config.repo_url or ""), relay.count


def licences() -> str:
    """The licences of the third-party code the bundle ships: the shim's and Material's."""
    shim = ASSETS[OFFLINE_SHIM].read_text(encoding="utf-8")
    lines = []
    inside = False
    for line in shim.splitlines():
        text = line.strip().removeprefix("*").strip()
        inside = inside or text.startswith("Copyright")
        if inside:
            lines.append(text)
            if text.endswith("IN THE SOFTWARE."):
                break
    parts = [
        f"{OFFLINE_SHIM}: iframe-worker 1.0.4 (https://github.com/squidfunk/iframe-worker), "
        "MIT License\n\n" + "\n".join(lines).replace("\n\n\n", "\n\n")
    ]
    with contextlib.suppress(importlib.metadata.PackageNotFoundError, OSError, TypeError):
        dist = importlib.metadata.distribution("mkdocs-material")
        text = dist.read_text("licenses/LICENSE") or dist.read_text("LICENSE") or ""
        if text:
            parts.append(
                "assets/javascripts, assets/stylesheets: Material for MkDocs "
                f"{dist.version} (https://github.com/squidfunk/mkdocs-material), MIT License\n\n"
                + text.strip()
            )
    rule = "\n\n" + "-" * 72 + "\n\n"
    return "Third-party software in this copy of the handbook" + rule + rule.join(parts) + "\n"


def readme(stamp: Stamp) -> str:
    return (
        f"{stamp.text}.\n\n"
        "Open index.html in this folder with a web browser: every page, search and the decision\n"
        "trees work from the file system, with no network. Pages link with .html addresses;\n"
        "a newer copy replaces this folder whole. Third-party licences: LICENSES.txt.\n"
    )


def write_zip(site: Path, out: Path, folder: str, extra: dict[str, str]) -> int:
    """Zip site (under folder/, with the extra files) into out, atomically; the file count."""
    paths = sorted(p for p in site.rglob("*") if p.is_file())
    with (
        fsutil.atomic_output(out) as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for path in paths:
            archive.write(path, f"{folder}/{path.relative_to(site).as_posix()}")
        for name, text in extra.items():
            archive.writestr(f"{folder}/{name}", text)
    return len(paths) + len(extra)


def make(
    root: Path,
    out: Path,
    *,
    strict: bool = False,
    allow_offsite: bool = False,
    say: Callable[[str, str], None] = lambda _level, _message: None,
    stamp: Stamp | None = None,
) -> Bundle:
    """Build the handbook at root into the offline bundle out (a .zip); BundleError if not.

    say(level, message) hears MkDocs' warnings and errors, and what loads from another host.
    """
    if not (root / CONFIG_FILE).is_file():
        raise BundleError(f"no {CONFIG_FILE} in {root}: the bundle builds the handbook's site")
    stamp = stamp or Stamp(build_time(), commit_of(root))
    with tempfile.TemporaryDirectory(prefix="opsbook-bundle-") as temp:
        site = Path(temp) / "site"
        repo_url, warnings = build_site(root, site, stamp, strict=strict, say=say)
        # Only a server shows its not-found page, whose links are absolute (to site_url).
        for name in SERVER_ONLY:
            with contextlib.suppress(FileNotFoundError):
                (site / name).unlink()
        _stamp_unthemed(site, stamp)
        found = offsite(site, repo_url=repo_url)
        for item in found:
            say("ERROR" if item.certain and not allow_offsite else "WARNING", item.message())
        certain = [f for f in found if f.certain]
        if certain and not allow_offsite:
            raise BundleError(
                f"{len(certain)} load(s) from another host: the bundle must work with no "
                f"network; {FIX_OFFSITE}"
            )
        if strict and found:
            raise BundleError(f"{len(found)} warning(s) about other hosts in strict mode")
        extra = {"README.txt": readme(stamp), "LICENSES.txt": licences()}
        try:
            files = write_zip(site, out, out.stem or "handbook", extra)
        except fsutil.WriteError as exc:
            raise BundleError(f"cannot write {exc.path}: {exc.reason}") from None
    return Bundle(out, files, stamp, found, warnings)
