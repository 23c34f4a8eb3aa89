"""The addresses documents had on the site they came from, and the redirects that keep them.

An adopted runbook records in `old_paths` the site paths its old site served it at (Hugo's
lower-cased path, its `aliases`, `url` and `slug`; MkDocs' own path), so that links people and
alerting rules hold (kube-prometheus' `runbook_url`s) keep landing on it. This module computes
those paths at adoption, maps a loaded handbook to {old path: document}, gives the
`redirect_maps` of the mkdocs-redirects plugin, and checks that no two documents claim one old
path and that no old path hides a real page of the site.

Old paths are site-absolute and end in `/` (directory URLs, the default of Hugo and MkDocs):
`/runbooks/kubernetes/kubepodcrashlooping/`. A path ending in `.html` is kept as it is.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any

from opsbook import links, sitepaths
from opsbook.model import Handbook, Problem, Runbook

FIELD = "old_paths"

# What an old path may be (the schema's pattern says the same): from the site root, no
# spaces, no query or fragment, no escapes.
_VALID = re.compile(r"^/[^\s#?%]*$")


def normalise(path: str) -> str | None:
    """A site path in the form old_paths keeps ('/a/b/'), or None if it cannot be one."""
    path = path.strip()
    if not path:
        return None
    if "://" in path:  # a full URL: keep its path
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    if not path.startswith("/"):
        path = "/" + path
    path = posixpath.normpath(path) if path not in ("/", "//") else "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if path != "/" and not path.endswith(".html"):
        path += "/"
    return path if _VALID.match(path) else None


def page_path(rel: str) -> str:
    """A source file's address under directory URLs: 'a/B.md' -> '/a/B/', 'a/index.md' -> '/a/'."""
    return "/" + sitepaths.page_key(rel)


def hugo_paths(content_rel: str, data: dict[str, Any]) -> list[str]:
    """Where Hugo served a page, from its path under content/ and its frontmatter.

    Hugo lower-cases URLs by default (disablePathToLower is off): content/runbooks/kubernetes/
    KubePodCrashLooping.md was served at /runbooks/kubernetes/kubepodcrashlooping/. A `url`
    replaces that path, a `slug` its last part; each of `aliases` is served too (a relative
    alias from the page's section).
    """
    head, name = posixpath.split(content_rel)
    stem = name[:-3] if name.endswith(".md") else name
    section = "/" + head.lower() + "/" if head else "/"
    if stem in ("_index", "index"):
        own = section
    else:
        slug = data.get("slug")
        last = str(slug) if isinstance(slug, (str, int)) and str(slug).strip() else stem
        own = section + last.strip().lower() + "/"
    url = data.get("url")
    if isinstance(url, str) and url.strip():
        own = url.strip()
    found = [own]
    aliases = data.get("aliases")
    if isinstance(aliases, str):
        aliases = [aliases]
    if isinstance(aliases, list):
        for alias in aliases:
            if isinstance(alias, str) and alias.strip():
                text = alias.strip()
                found.append(text if text.startswith("/") else section + text)
    return _unique(found)


def mkdocs_paths(docs_rel: str) -> list[str]:
    """Where MkDocs (directory URLs) served a file of its docs_dir; the case is kept."""
    return [page_path(docs_rel)]


def _unique(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        n = normalise(p)
        if n is not None and n not in out:
            out.append(n)
    return out


def _declared(runbook: Runbook) -> list[str]:
    data = runbook.source.data if runbook.source else {}
    value = data.get(FIELD)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def old_paths(handbook: Handbook) -> dict[str, str]:
    """{old site path: the source path of the document that now answers it}.

    Read from the documents' data: call it before lint.release_sources. An old path that is
    the document's own address needs no redirect and is left out; so is the second claim of
    an old path (check() reports it).
    """
    found: dict[str, str] = {}
    for runbook in handbook.runbooks:
        own = page_path(runbook.rel)
        for path in _declared(runbook):
            n = normalise(path)
            if n is None or n == own or n in found:
                continue
            found[n] = runbook.rel
    return found


def redirect_key(old: str, use_directory_urls: bool = True) -> str | None:
    """The mkdocs-redirects key for an old path: the source-like path whose page is there.

    The plugin writes each key's page where MkDocs would put that Markdown file:
    'a/b/index.md' lands at a/b/index.html with or without directory URLs, which a server
    answers for /a/b/. '/a/b.html' needs 'a/b.md' without directory URLs; with them no
    Markdown name lands there, so it has no key (None).
    """
    if old.endswith(".html"):
        return old[1:-5] + ".md" if not use_directory_urls else None
    inner = old.strip("/")
    return f"{inner}/index.md" if inner else "index.md"


def redirect_maps(
    handbook: Handbook, use_directory_urls: bool = True, case_insensitive: bool = False
) -> dict[str, str]:
    """The `redirect_maps` option of the mkdocs-redirects plugin for a handbook.

    Keys are old paths as the plugin wants them (redirect_key); values are the documents'
    source paths, which the plugin resolves to their pages (relative links, so the site works
    under any base URL). Read from the documents' data: call it before lint.release_sources.

    case_insensitive: the site is written to a file system that does not tell KubePod/ from
    kubepod/ (macOS, Windows). There a redirect whose page is the document's own page but
    for case would overwrite that page with a redirect to itself; it is left out, as the
    server already answers the old address with the page.
    """
    maps: dict[str, str] = {}
    for old, rel in old_paths(handbook).items():
        key = redirect_key(old, use_directory_urls)
        if key is None:
            continue
        if case_insensitive and old.lower() == page_path(rel).lower():
            continue
        maps.setdefault(key, rel)
    return maps


def _problem(runbook: Runbook, index: int, rule: str, message: str) -> Problem:
    source = runbook.source
    if source is None:
        return Problem(runbook.rel, 1, 1, "error", rule, message)
    mark = source.mark((FIELD, index))
    return Problem(source.rel, mark.line, mark.column, "error", rule, message)


def check(handbook: Handbook) -> Iterator[Problem]:
    """Two documents claiming one old path; an old path that is a real page's address."""
    documents = [f for f in handbook.files if f.endswith(".md")]
    pages: dict[str, str] = {}
    declared = [(rb, _declared(rb)) for rb in handbook.runbooks]
    if not any(paths for _rb, paths in declared):
        return
    others: set[str] = set()  # images, scripts: a redirect folder cannot be where a file is
    for rel in sorted(links.site_files(handbook.root, documents)):
        if rel.endswith(".md"):
            pages.setdefault(page_path(rel), rel)
        else:
            others.add(rel)
    claimed: dict[str, Runbook] = {}
    for runbook, paths in declared:
        own = page_path(runbook.rel)
        for i, path in enumerate(paths):
            n = normalise(path)
            if n is None or n == own:
                continue
            first = claimed.get(n)
            if first is not None and first is not runbook:
                yield _problem(
                    runbook,
                    i,
                    "old-path-duplicate",
                    f"old path {n} is claimed by {first.rel} too: a redirect can lead to one "
                    "page only; remove it from one of the two",
                )
                continue
            claimed[n] = runbook
            page = pages.get(n)
            parts = n.strip("/").split("/")
            blocked = ("/".join(parts[: i + 1]) for i in range(len(parts)))
            page = page or next((f for f in blocked if f in others), None)
            top = parts[0]
            if page is not None or (top in ("services", "decision-trees") and n.count("/") > 2):
                what = page if page is not None else "a generated page"
                yield _problem(
                    runbook,
                    i,
                    "old-path-shadows",
                    f"old path {n} is the address of {what}: a redirect there would replace "
                    "that page; remove the old path or move the page",
                )
