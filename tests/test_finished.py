"""opsbook.finished: a generated page's HTML blocks pass Python-Markdown as they are."""

from __future__ import annotations

import markdown

from opsbook import finished

BLOCK = '<div markdown="1">*kept as written*</div>'


def _convert(text: str) -> str:
    md = markdown.Markdown(extensions=["md_in_html", finished.FinishedHtml()])
    return str(md.convert(text))


def test_marked_pages_keep_their_html_blocks_and_convert_the_rest() -> None:
    html = _convert(finished.mark(f"{BLOCK}\n\n## Heading\n\n*converted*"))
    assert BLOCK in html
    assert "<h2>Heading</h2>" in html and "<em>converted</em>" in html
    assert finished.MARK not in html and "\x02" not in html


def test_pages_without_the_mark_convert_as_usual() -> None:
    html = _convert(f"{BLOCK}\n\n*converted*")
    assert "<em>kept as written</em>" in html  # md_in_html parsed the block
    assert "<em>converted</em>" in html
