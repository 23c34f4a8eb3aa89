"""A tiny HTML tree for assertions, on the standard library's html.parser (no new dependency)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose boundaries separate words in text(), as a browser would lay them out.
BREAKS = {
    "br", "p", "div", "li", "td", "th", "dt", "dd", "tr", "ul", "ol", "table", "thead", "tbody",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article", "nav", "label",
}  # fmt: skip

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def iter(self) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(
        self, tag: str | None = None, *, cls: str | None = None, id: str | None = None, **attrs: str
    ) -> list[Element]:
        found = []
        for el in self.iter():
            if tag is not None and el.tag != tag:
                continue
            if cls is not None and cls not in el.classes:
                continue
            if id is not None and el.attrs.get("id") != id:
                continue
            if any(el.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(el)
        return found

    def find(self, tag: str | None = None, **kwargs: str) -> Element:
        found = self.find_all(tag, **kwargs)
        if not found:
            raise AssertionError(f"no <{tag or '*'}> with {kwargs}")
        return found[0]

    def text(self) -> str:
        """The text content, whitespace collapsed (script and style content excluded)."""
        parts: list[str] = []

        def walk(el: Element) -> None:
            for child in el.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag not in ("script", "style"):
                    if child.tag in BREAKS:
                        parts.append(" ")
                    walk(child)
                    if child.tag in BREAKS:
                        parts.append(" ")

        walk(self)
        return " ".join("".join(parts).split())

    def raw_text(self) -> str:
        """The text of this element including script content, not collapsed."""
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(el)

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag; tolerate omitted end tags (</p>, </li>).
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
