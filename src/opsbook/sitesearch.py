"""What opsbook gives Material's search plugin, in one object: swap it for another engine's.

Material's search plugin indexes each page in its on_page_context, from `page.content`. Three
things are done around it, each measured when it was added:

- A document's page is indexed with a lean summary (its id and the words worth finding) in
  place of its box, which is put in after: indexing the whole box (its tables and links) cost
  the search plugin a fifth more per document.
- Listings (opsbook.pages.common.listing: index rows, tables that repeat what the documents'
  own pages say) are held back until the page is indexed: marking them `data-search-exclude`
  keeps them out of the index too, but the plugin still parses every row, megabytes at scale.
- A field of its own for documents' ids, weighed above titles (see `_add_id_field`).

With no search plugin (or `search: false`), nothing is held back: boxes and listings go into
the page at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page

from opsbook.pages.common import replace_listings

# The search index field holding a document's id, and its default weight (Material: title
# 1e3, tags 1e6).
ID_FIELD = "ob_id"
ID_BOOST = 1e4
# Where a listing waits while search reads the page: a comment, which search skips.
_HELD = "<!--ob:held {}-->"


def material_search(config: MkDocsConfig) -> BasePlugin[Any] | None:
    """Material's search plugin, listed as `search` in mkdocs.yml and kept as material/search."""
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    # MkDocs' own search plugin (mkdocs/search) has no fields or entries to give.
    return plugin if plugin is not None and hasattr(plugin, "search_index") else None


class MaterialSearch:
    """Feeds Material's search plugin: document summaries, held-back listings, the id field.

    One per build. `hold_box` and `listings` run in on_page_content, `page_indexed` after
    the search plugin's on_page_context.
    """

    def __init__(
        self, config: MkDocsConfig, *, id_boost: float, index_listings: bool, feeds: bool = True
    ) -> None:
        # feeds=False: another engine answers the search box (opsbook.search_index), and
        # Material's index is not made: nothing is held back for it.
        self.plugin = material_search(config) if feeds else None
        self.index_listings = index_listings
        self.ids = self.plugin is not None and bool(id_boost)
        # Per page (src_uri): the summary a box will replace, the listings held back. The
        # box itself is made when it goes in: MkDocs converts every page before it indexes
        # any, and a box per document held between the two is megabytes at scale.
        self._summaries: dict[str, str] = {}
        self._held: dict[str, list[str]] = {}
        if self.ids:
            self._add_id_field(id_boost)

    @property
    def active(self) -> bool:
        return self.plugin is not None

    def _add_id_field(self, boost: float) -> None:
        """Give the index a field for documents' ids, weighed above titles.

        A search for RB-0004 reaches lunr as the two terms `rb` and `0004` (its query lexer
        cuts at '-' whatever the separator says, so an unsplit RB0004 token would never be
        asked for). In the text, `rb` is on every runbook and a long runbook's one `0004`
        weighs less than a short one's link to it: RB-0002 came first. In a field of its own,
        `0004` is on one document only, and outweighs any text match. It is not shown.
        """
        fields = self.plugin.config.get("fields") if self.plugin is not None else None
        if isinstance(fields, dict):
            fields.setdefault(ID_FIELD, {"boost": boost})

    def hold_box(self, uri: str, summary: str) -> None:
        """A document's page holds summary where its box goes once search has indexed it."""
        self._summaries[uri] = summary

    def listings(self, uri: str, html: str) -> str:
        """A page with its listings held back from search (or put in at once without it)."""
        if not self.active or self.index_listings:
            return replace_listings(html, lambda block: block)
        held: list[str] = []

        def hold(block: str) -> str:
            held.append(block)
            return _HELD.format(len(held) - 1)

        html = replace_listings(html, hold)
        if held:
            self._held[uri] = held
        return html

    def page_indexed(self, page: Page, doc_id: str | None, box: Callable[[], str]) -> None:
        """Put back what was held from search, and the document's id in its search entry."""
        uri = page.file.src_uri
        content = page.content or ""
        summary = self._summaries.pop(uri, None)
        if summary is not None:
            if doc_id and self.ids:
                self._index_id(page, doc_id)
            page.content = content.replace(summary, box(), 1)
            return
        held = self._held.pop(uri, None)
        if held is not None:
            for i, block in enumerate(held):
                content = content.replace(_HELD.format(i), block, 1)
            page.content = content

    def _index_id(self, page: Page, doc_id: str) -> None:
        """Put a document's id in the search entry of its page (the first, for its title)."""
        index = getattr(self.plugin, "search_index", None)
        entries = getattr(index, "entries", None)
        if not isinstance(entries, list):
            return
        url = page.url
        first = None
        # The plugin has just appended this page's entries: they are the last ones.
        for entry in reversed(entries):
            location = entry.get("location", "") if isinstance(entry, dict) else ""
            if location != url and not location.startswith(url + "#"):
                break
            first = entry
        if first is not None:
            first[ID_FIELD] = doc_id
