"""What of each page Pagefind indexes, and when it is sent to Pagefind's service.

Pagefind indexes a page's article only: the header, nav and footer around it are on every
page. Material writes the article as the page's tags, an <h1> of its title when the content
has none, and the content (partials/content.html); all three are known once MkDocs has
converted the page's Markdown (on_page_content, MkDocs' first pass over the pages).

The speed trick, in this one place: **each article is sent when its content is known**, not
when its page is written. Pagefind then indexes during MkDocs' first pass and writes its
bundle during the second (the templates), on the other core. Sent as pages were written, the
bundle was written after the last page, while MkDocs waited: 2.4 s of a 21.7 s build at 3,000
documents, 8 s of 77 s at 10,000 (docs/benchmarks.md).

It is checked, not trusted: each written page's article must be the one predicted (but for
whitespace), with the same language. The first that is not (a theme or override adding edit
buttons or dates to the article, a plugin changing a page's content later) turns the feed to
written pages: a new service is fed the pages written so far again and each later page as it
is written, and the bundle is written after the build, as before. Either way the index is the
one `pagefind --site` would make of the written site (tests/test_search_index.py).
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from opsbook.pagefind_feed import PagefindFeed

log = logging.getLogger("mkdocs.plugins.opsbook")

# Material's article (base.html), and the marks Pagefind reads in it.
ARTICLE = '<article class="md-content__inner md-typeset">'
BODY = ARTICLE[:-1] + " data-pagefind-body>"
# Pagefind weighs words 0-10 (h1 7, h2 6, text 1): a document's id above its title, so a
# search for RB-0004 lists RB-0004 before every page that merely links to it. The id is also
# the page's `id` metadata: the worker puts the page whose id is the query first, whatever
# the scores of pages that link to it many times.
ID_WEIGHT = 10
# A document's id, in the title of its box (opsbook.pages.document): not the ids of the
# runbooks a page links to, which are in the same span.
_ID_SPANS = tuple(
    f'<p class="admonition-title">{kind} <span class="ob-id">' for kind in ("Runbook", "Postmortem")
)
# A document box's grid of fields (service, owner, severity, review): on the index pages
# already, and words (owner, reviewed) every document has.
_BOX_GRID = '<dl class="ob-meta__grid">'
_HTML_TAG = re.compile(r"<html\b[^>]*>")
_SPACE = re.compile(r"\s+")


def mark(html: str) -> str:
    """html (a page, or an article) with what Pagefind indexes marked: the article, and in it
    a document's id weighed most and its box's grid of fields left out."""
    html = html.replace(ARTICLE, BODY, 1)
    html = html.replace(_BOX_GRID, _BOX_GRID[:-1] + " data-pagefind-ignore>", 1)
    for span in _ID_SPANS:
        if span in html:
            weighed = span[:-1] + f' data-pagefind-weight="{ID_WEIGHT}" data-pagefind-meta="id">'
            return html.replace(span, weighed, 1)
    return html


def indexed_part(html: str) -> str:
    """What of a marked page Pagefind reads: its <html> tag (the language) and the article.

    Pagefind indexes only the data-pagefind-body element and takes the title from its first
    h1, so what is around it (two thirds of a runbook's page) is not sent.
    """
    start = html.find(BODY)
    end = html.rfind("</article>")
    tag = _HTML_TAG.search(html, 0, 4096)
    if start < 0 or end < start or tag is None:
        return html
    return _page(tag.group(0), html[start : end + len("</article>")])


def _page(html_tag: str, article: str) -> str:
    return f"{html_tag}<head></head><body>{article}</body></html>"


def _same(a: str, b: str) -> bool:
    return _SPACE.sub(" ", a).strip() == _SPACE.sub(" ", b).strip()


@dataclass
class Theme:
    """What of Material's templates the predicted article depends on."""

    site_name: str
    # The <html> tag Material writes (its lang is the index's language).
    html_tag: str
    # Whether Material's tags plugin is on: the article then opens with the page's tags.
    tags: bool

    def before_content(self, content: str, title: str | None, tags: list[str], hidden: bool) -> str:
        """The article's start, before the page's content (partials/content.html)."""
        head = ""
        if self.tags and tags:
            # As Material's tags plugin lists them by default: once each, by name.
            spans = "\n".join(f'<span class="md-tag">{t}</span>' for t in sorted(set(tags)))
            head = f'<nav class="md-tags" {"hidden" if hidden else ""}>\n{spans}\n</nav>\n'
        if "<h1" not in content:
            head += f"<h1>{title or self.site_name}</h1>\n"
        return head


@dataclass
class _Sent:
    content: str  # the content as sent (the same string as the page's, unless changed later)
    before: str
    checked: bool = False  # its written page was the one predicted


@dataclass
class ArticleFeed:
    """Pagefind's service of one build, fed each article as soon as it is known."""

    binary: str
    exclude_selectors: tuple[str, ...]
    theme: Theme
    # Where the bundle goes (site/pagefind).
    bundle: Path
    feed: PagefindFeed | None = None
    # Early: articles are sent from content; False once a written page showed otherwise.
    early: bool = True
    error: str | None = None
    # Pages sent early, by site path (while early).
    _sent: dict[str, _Sent] = field(default_factory=dict)
    # The early bundle is written beside the site's, then moved in (a switch discards it).
    _early_dir: Path | None = None

    def _service(self) -> PagefindFeed | None:
        if self.feed is None and self.error is None:
            try:
                self.feed = PagefindFeed(self.binary, self.exclude_selectors)
            except OSError as exc:
                self.error = f"Pagefind's service did not start: {exc}"
        return self.feed

    def content(
        self, path: str, content: str, title: str | None, tags: list[str], hidden: bool
    ) -> None:
        """A page's content is known (on_page_content): send its article, if still early."""
        if not self.early:
            return
        before = self.theme.before_content(content, title, tags, hidden)
        self._sent[path] = _Sent(content, before)
        feed = self._service()
        if feed is not None:
            feed.add(path, self._article(before, content))

    def _article(self, before: str, content: str) -> str:
        return mark(_page(self.theme.html_tag, f"{ARTICLE}{before}{content}</article>"))

    def contents_known(self) -> None:
        """Every page's content is known (on_env): Pagefind may write the early bundle."""
        if self.early and self.feed is not None:
            self.bundle.parent.mkdir(parents=True, exist_ok=True)
            self._early_dir = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=self.bundle.parent))
            self.feed.start_write(str(self._early_dir))

    def written(self, path: str, html: str, marked: str) -> None:
        """A page is written (on_post_page; html as MkDocs made it, marked as `mark` made it):
        check the article sent early, or send it now."""
        if self.early:
            sent = self._sent.get(path)
            if sent is None:
                self._to_written_pages(path, "was not sent")
            elif (problem := self._differs(sent, html)) is not None:
                self._to_written_pages(path, problem)
            else:
                sent.checked = True
                return
        feed = self._service()
        if feed is not None:
            feed.add(path, indexed_part(marked))

    def _differs(self, sent: _Sent, html: str) -> str | None:
        tag = _HTML_TAG.search(html, 0, 4096)
        if tag is None or tag.group(0) != self.theme.html_tag:
            return "its <html> tag is not Material's"
        start = html.find(ARTICLE)
        at = html.find(sent.content, start) if start >= 0 else -1
        if at < 0:
            return "its content changed after on_page_content"
        end = html.find("</article>", at + len(sent.content))
        if end < 0 or html[at + len(sent.content) : end].strip():
            return "its article holds more after the content"
        if not _same(html[start + len(ARTICLE) : at], sent.before):
            return "its article holds more before the content (edit buttons? an override?)"
        return None

    def _to_written_pages(self, path: str, problem: str) -> None:
        log.info(
            f"opsbook: {path}: {problem}; Pagefind indexes pages as they are written "
            "instead, and writes its bundle after the build"
        )
        self.early = False
        self._discard_early()
        feed = self._service()
        if feed is not None:
            for done, sent in self._sent.items():
                if sent.checked:
                    feed.add(done, self._article(sent.before, sent.content))
        self._sent.clear()

    def _discard_early(self) -> None:
        if self.feed is not None:
            self.feed.close()
            self.feed = None
        if self._early_dir is not None:
            shutil.rmtree(self._early_dir, ignore_errors=True)
            self._early_dir = None

    @property
    def started(self) -> bool:
        """Whether any page was sent (or the service failed trying)."""
        return self.feed is not None or self.error is not None

    def finish(self) -> str | None:
        """Wait for the bundle and put it at its place (on_post_build); None, or the error."""
        if self.early:
            unwritten = next((p for p, sent in self._sent.items() if not sent.checked), None)
            if unwritten is not None:  # sent early, never written: not in the site
                self._to_written_pages(unwritten, "was never written")
        if self.error is not None:
            self._discard_early()
            return self.error
        if self.feed is None:
            return "no page was sent to Pagefind"
        if self.early and self._early_dir is not None:
            problem = self.feed.written()
            self.feed = None
            if problem is not None:
                self._discard_early()
                return problem
            problem = self._put_in_place(self._early_dir)
            if problem is not None:
                self._discard_early()
                return problem
            self._early_dir = None
            log.debug(f"opsbook: Pagefind indexed {len(self._sent)} pages as MkDocs read them")
            return None
        problem = self.feed.write(str(self.bundle))
        self.feed = None
        return problem

    def _put_in_place(self, written: Path) -> str | None:
        """Move the bundle written beside the site to its place; None, or what went wrong."""
        try:
            if self.bundle.exists() or self.bundle.is_symlink():
                log.warning(
                    f"opsbook: {self.bundle.name}/ in the site (from docs/?) is replaced by "
                    "Pagefind's search index: rename it"
                )
                if self.bundle.is_dir() and not self.bundle.is_symlink():
                    shutil.rmtree(self.bundle)
                else:
                    self.bundle.unlink()
            written.rename(self.bundle)
        except OSError as exc:
            return f"Pagefind's index could not be put at {self.bundle}: {exc}"
        return None

    def stop(self) -> None:
        """End the service of a build that failed (on_build_error)."""
        self._discard_early()
