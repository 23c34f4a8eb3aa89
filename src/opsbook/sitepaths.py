"""Where each document's page lands in the built site, the paths that lose or break a page,
and the relative links between the site's pages (page_url, relative_url, SiteUrls).

Lint runs this so that whatever makes `mkdocs build --strict` fail, or silently drop a page,
because of a document's path is a lint error at that file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from opsbook.model import Problem

# The generated lists live at these source paths: a document there would replace its list.
GENERATED = {"runbooks/index.md": "the runbook list", "postmortems/index.md": "the postmortem list"}

# In a URL, '#' starts the fragment and '?' the query, and '%' starts an escape: a link to a
# page whose path holds one of them reaches another address, or none.
URL_BREAKING = "#?%"

# What URL quoting leaves as it is in a relative link: nothing an HTML attribute would read.
URL_SAFE = "/#.-_~"


def page_key(rel: str) -> str:
    """The page's address as MkDocs makes it with directory URLs: 'a/b.md' -> 'a/b/'."""
    head, name = posixpath.split(rel)
    stem = name[:-3] if name.endswith(".md") else name
    if stem in ("index", "README"):
        return f"{head}/" if head else ""
    return f"{head}/{stem}/" if head else f"{stem}/"


def _problem(rel: str, rule: str, message: str) -> Problem:
    return Problem(rel, 1, 1, "error", rule, message)


def check(rels: Iterable[str]) -> Iterator[Problem]:
    """Problems of document paths (relative to the root, in a stable order) as site pages."""
    seen: dict[str, str] = {}
    for key, what in GENERATED.items():
        seen[page_key(key)] = what
    for rel in rels:
        bad = sorted({c for c in rel if c in URL_BREAKING})
        if bad:
            chars = " ".join(f"'{c}'" for c in bad)
            yield _problem(
                rel,
                "site-path-char",
                f"the path holds {chars}, which a URL reads as syntax: the page's link would "
                "reach another address; rename the file or folder without it",
            )
            continue
        key = page_key(rel)
        other = seen.get(key)
        if other is not None:
            yield _problem(
                rel,
                "site-path-clash",
                f"its page would be /{key}, where {other} already is: one of the two is lost; "
                "rename this file",
            )
            continue
        seen[key] = rel


# --- links between the site's pages ------------------------------------------------------


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The site-relative URL MkDocs gives a Markdown source path ('a/b.md' -> 'a/b/')."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    head, _, name = stem.rpartition("/")
    if name in ("index", "README"):
        if directory_urls:
            return f"{head}/" if head else ""
        return f"{head}/index.html" if head else "index.html"
    return f"{stem}/" if directory_urls else f"{stem}.html"


def relative_url(from_url: str, to_url: str) -> str:
    """The relative reference from one site-relative URL to another."""
    base = from_url if from_url.endswith("/") or not from_url else posixpath.dirname(from_url)
    # Both are normalised site paths, so segment arithmetic suffices; posixpath.relpath would
    # make both absolute against the working directory, a cost paid for every link on every page.
    base_parts = [part for part in base.split("/") if part]
    to_parts = [part for part in to_url.split("/") if part]
    common = 0
    for mine, theirs in zip(base_parts, to_parts, strict=False):
        if mine != theirs:
            break
        common += 1
    rel = "/".join([".."] * (len(base_parts) - common) + to_parts[common:]) or "."
    # Directory URLs keep their trailing slash ("" is the site root, a directory too).
    if (not to_url or to_url.endswith("/")) and not rel.endswith("/"):
        rel += "/"
    return rel


@dataclass(kw_only=True)
class SiteUrls:
    """Relative links between the site's pages, each page's part computed once per build.

    Keyword-only, so that the pages' Context (a HandbookIndex too) keeps its fields in order.
    """

    directory_urls: bool = True
    # Links in HTML attributes (href) written from the page's source file to the target's
    # (`../../services/api.md`, `../alerts/X/`) instead of between site URLs: `opsbook generate`
    # for Zensical, which rebases every relative link of a page's HTML as a path from its
    # source file (and checks the .md ones). Script data (ctx.url) keeps site URLs.
    source_hrefs: bool = False
    _page_urls: dict[tuple[str, bool], str] = field(default_factory=dict, repr=False)
    _link_bases: dict[tuple[str, bool], tuple[int, str]] = field(default_factory=dict, repr=False)
    _link_targets: dict[tuple[str, bool], tuple[str, str]] = field(default_factory=dict, repr=False)

    def page_url(self, src_uri: str) -> str:
        """`page_url` of a source page, computed once per page (links are made by the 10,000)."""
        key = (src_uri, self.directory_urls)
        url = self._page_urls.get(key)
        if url is None:
            url = self._page_urls[key] = page_url(src_uri, self.directory_urls)
        return url

    def url(self, from_uri: str, to_uri: str, fragment: str = "") -> str:
        """A relative, URL-quoted reference from one source page to another (not escaped)."""
        # Most links leave the page's top directory (a runbook's box links /severity/, an
        # index links runbooks/...): then the reference is one "../" per directory of the page
        # and the target's quoted URL, both computed once per page, not once per link.
        depth, top = self._link_base(from_uri)
        target, target_top = self._link_target(to_uri)
        if top and target_top and top != target_top:
            rel = "../" * depth + target
        else:
            rel = quote(relative_url(self.page_url(from_uri), self.page_url(to_uri)), URL_SAFE)
        if fragment:
            anchor = quote(fragment, safe=URL_SAFE)
            return f"{rel}#{anchor}" if rel != "./" else f"#{anchor}"
        return rel

    def _link_base(self, from_uri: str) -> tuple[int, str]:
        """How many directories deep a page's links start, and the first of them."""
        key = (from_uri, self.directory_urls)
        base = self._link_bases.get(key)
        if base is None:
            url = self.page_url(from_uri)
            parts = (url if url.endswith("/") else posixpath.dirname(url)).split("/")
            parts = [part for part in parts if part]
            base = self._link_bases[key] = (len(parts), parts[0] if parts else "")
        return base

    def _link_target(self, to_uri: str) -> tuple[str, str]:
        """A page's quoted site-relative URL, and its first path segment."""
        key = (to_uri, self.directory_urls)
        target = self._link_targets.get(key)
        if target is None:
            url = self.page_url(to_uri)
            top = url.split("/", 1)[0]
            target = self._link_targets[key] = (quote(url, safe=URL_SAFE), top)
        return target

    def href(self, from_uri: str, to_uri: str, fragment: str = "") -> str:
        """`url` for an href attribute, as it is: quoting left no &, <, > or quote to escape."""
        if not self.source_hrefs:
            return self.url(from_uri, to_uri, fragment)
        anchor = f"#{quote(fragment, safe=URL_SAFE)}" if fragment else ""
        if from_uri == to_uri and anchor:
            return anchor
        return quote(relative_url(from_uri, to_uri), URL_SAFE) + anchor

    def asset_href(self, from_uri: str, path: str) -> str:
        """A relative href to a file at the site root (action-items.json), quoted like `url`."""
        base = from_uri if self.source_hrefs else self.page_url(from_uri)
        return quote(relative_url(base, path), safe=URL_SAFE)
