"""Finished HTML through Python-Markdown untouched: a Markdown extension over its HTML stash.

The generated pages (opsbook.pages) are Markdown whose tables, lists and figures are HTML
already. Python-Markdown would parse each such block and copy it through: that cost more than
rendering the rest of a page. The plugin marks a generated page's Markdown with MARK (its
first line); this extension's preprocessor then puts every blank-line separated block that
starts with "<" into Python-Markdown's own HTML stash, whose placeholders Python-Markdown
itself restores at the end of the conversion. Pages without the mark convert as usual.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

# An HTML comment: shown by nothing if a page with it is ever converted without the extension.
MARK = "<!-- opsbook: finished HTML -->"
# After NormalizeWhitespace (30), which would strip the stash's placeholder characters, and
# before Python-Markdown's HTML block parser (20), the work this saves.
PRIORITY = 25


def mark(markdown: str) -> str:
    """A generated page's Markdown, marked for the extension."""
    return f"{MARK}\n\n{markdown}"


class _StashFinishedBlocks(Preprocessor):  # type: ignore[misc]  # untyped package
    def run(self, lines: list[str]) -> list[str]:
        if not lines or lines[0] != MARK:
            return lines
        # Generated pages are blank-line separated blocks where every raw HTML block starts
        # with "<" (opsbook.pages.common.blocks): each such block is stashed whole.
        chunks = "\n".join(lines[1:]).lstrip("\n").split("\n\n")
        stash = self.md.htmlStash
        text = "\n\n".join(stash.store(c) if c.startswith("<") else c for c in chunks)
        return text.split("\n")


class FinishedHtml(Extension):  # type: ignore[misc]
    """Keeps the marked pages' HTML blocks out of Python-Markdown's parser (see the module)."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_StashFinishedBlocks(md), "opsbook_finished_html", PRIORITY)
