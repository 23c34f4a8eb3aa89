"""Lint of the HTML in document bodies: what the site's sanitiser drops, and what loads offsite.

`html-unsafe` warns at each raw HTML tag, attribute or URL, each Markdown link or attr_list
attribute, that the site removes when it sanitises a body (opsbook.sanitize, whose allow-list
this reads, so lint and the site agree); off with policy.yml site.sanitize_html: false.
`html-offsite` warns at each image, frame, script, media or stylesheet that loads from another
host (raw HTML, `@import`, or Markdown image syntax): the site must work with no network beyond
itself.

Code blocks (fenced) and inline code are blanked out first: HTML shown as code is text. The
scan is cheap: a body with no '<', '](', ']:' or '{' is not looked at further, and raw HTML is
read by the standard library's tokenizer, which skips text between tags in one search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

from opsbook import sanitize
from opsbook.model import Handbook, Postmortem, Problem, Runbook

# What a sanitised body may not be, and how to fix it.
FIX_UNSAFE = (
    "the site removes it when it builds the page: remove it or write it as Markdown "
    "(or, if every author is trusted, set site.sanitize_html: false in policy.yml)"
)
FIX_OFFSITE = (
    "the site cannot show it without network: copy the file into the handbook (docs/) and "
    "link it relatively"
)

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_TAG_NAME = re.compile(r"[a-z][a-z0-9-]*")
# [text](url) and ![alt](url), the URL as Python-Markdown reads it (optionally in <>).
_INLINE_LINK = re.compile(r"(!?)\[[^\]\n]*\]\(\s*<?([^\s)>]*)")
# [label]: url, a reference definition.
_REF_DEF = re.compile(r"^[ ]{0,3}\[([^\]\n]+)\]:[ \t]*<?([^\s>]+)", re.MULTILINE)
# ![alt][label] and ![label][]
_REF_IMAGE = re.compile(r"!\[([^\]\n]*)\]\[([^\]\n]*)\]")
# An attr_list: right after an inline element, or ending a line (a block's).
_ATTR_LIST = re.compile(r"(?:(?<=[)\]*_`>])\{:?([^{}\n]*)\}|\{:?([^{}\n]*)\}[ \t]*$)", re.MULTILINE)
_ATTR_PAIR = re.compile(r"""([A-Za-z_:][-\w:.]*)=("[^"]*"|'[^']*'|[^\s}]+)""")
# Where CSS loads from: @import "x", @import url(x), url(x).
CSS_URL = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*['"]?([^'")\s;]+)""", re.IGNORECASE)

# Elements and the attributes through which they load something by themselves.
LOADING = {
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "script": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src", "srcset"),
    "track": ("src",),
    "input": ("src",),
}
# <link rel=...> values that make the browser fetch the href.
LOADING_RELS = frozenset({"stylesheet", "preload", "prefetch", "modulepreload", "icon"})

# Every attribute the sanitiser keeps on some element: an attr_list attribute outside it is
# dropped whatever element it lands on.
_ANY_KEPT = sanitize.GENERIC_ATTRIBUTES.union(*sanitize.ATTRIBUTES.values())
# Attributes kept with some values only, with every value kept on some element.
_ANY_VALUES: dict[str, frozenset[str]] = {}
for _per_tag in sanitize.ATTRIBUTE_VALUES.values():
    for _name, _values in _per_tag.items():
        _ANY_VALUES[_name] = _ANY_VALUES.get(_name, frozenset()) | _values


def offsite(url: str) -> bool:
    """Whether a URL loads from another host: absolute http(s) or protocol-relative."""
    text = url.strip().lower()
    return text.startswith(("http://", "https://", "//"))


def check(handbook: Handbook) -> list[Problem]:
    """The html-unsafe and html-offsite warnings of every runbook and postmortem body."""
    sanitizing = sanitize.enabled(handbook.policy)
    problems: list[Problem] = []
    docs: list[Runbook | Postmortem] = [*handbook.runbooks, *handbook.postmortems]
    for doc in docs:
        source = doc.source
        if source is not None and source.body:
            problems.extend(check_body(source.rel, source.body, source.body_line, sanitizing))
    return problems


def check_body(rel: str, body: str, first_line: int, sanitizing: bool = True) -> list[Problem]:
    """The warnings of one body, whose first line is first_line of its file."""
    if "<" not in body and "](" not in body and "]:" not in body and "{" not in body:
        return []
    text = mask_code(body)
    found: list[tuple[int, int, str, str]] = []  # (offset or line, column, rule, message)
    if "<" in text:
        found.extend(_raw_html(text, sanitizing))
    starts = _line_starts(text)
    for offset, rule, message in _markdown(text, sanitizing):
        line, column = _position(starts, offset)
        found.append((line, column, rule, message))
    return [
        Problem(rel, first_line + line - 1, column, "warning", rule, message)
        for line, column, rule, message in sorted(found)
    ]


def mask_code(body: str) -> str:
    """body with fenced code blocks and inline code spans blanked (lines and columns kept)."""
    if "```" in body or "~~~" in body:
        lines = body.split("\n")
        fence = ""
        for i, line in enumerate(lines):
            if fence:
                stripped = line.strip()
                if stripped.startswith(fence) and not stripped.strip(fence[0]):
                    fence = ""
                lines[i] = ""
            elif match := _FENCE.match(line):
                fence = match.group(1)
                lines[i] = ""
        body = "\n".join(lines)
    if "`" not in body:
        return body
    runs = list(_BACKTICKS.finditer(body))
    parts: list[str] = []
    done = 0
    i = 0
    while i < len(runs):
        start = runs[i]
        j = i + 1
        while j < len(runs) and len(runs[j].group()) != len(start.group()):
            j += 1
        if j < len(runs) and body.find("\n\n", start.end(), runs[j].start()) < 0:
            end = runs[j].end()
            parts += [body[done : start.start()], _blank(body[start.start() : end])]
            done = end
            i = j + 1
        else:
            i += 1
    parts.append(body[done:])
    return "".join(parts)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, offset - starts[lo] + 1


class _Scanner(HTMLParser):
    """Reads raw HTML tags with their positions (line 1-based, column 0-based)."""

    def __init__(self, sanitizing: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.sanitizing = sanitizing
        self.found: list[tuple[int, int, str, str]] = []
        self._in_style = False

    def _add(self, rule: str, message: str, lines_on: int = 0) -> None:
        line, column = self.getpos()
        column = 0 if lines_on else column
        self.found.append((line + lines_on, column + 1, rule, message))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <https://...> and <user@host> are Markdown autolinks, not tags.
        if not _TAG_NAME.fullmatch(tag):
            return
        self._in_style = tag == "style"
        if self.sanitizing and (reasons := sanitize.dropped(tag, attrs)):
            self._add("html-unsafe", f"{'; '.join(reasons)}: {FIX_UNSAFE}")
        for url in _loads(tag, attrs):
            self._add("html-offsite", f"<{tag}> loads {url} from another host: {FIX_OFFSITE}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        lowered = data.lower() if self._in_style else ""
        if "url(" in lowered or "@import" in lowered:
            for match in CSS_URL.finditer(data):
                url = match.group(1)
                if offsite(url):
                    message = f"a stylesheet loads {url} from another host: {FIX_OFFSITE}"
                    self._add("html-offsite", message, data.count("\n", 0, match.start()))


def _loads(tag: str, attrs: list[tuple[str, str | None]]) -> Iterator[str]:
    """The URLs from other hosts a tag loads by itself."""
    values = {name: value or "" for name, value in attrs}
    names: tuple[str, ...] = LOADING.get(tag, ())
    if tag == "link" and LOADING_RELS & set(values.get("rel", "").lower().split()):
        names = ("href",)
    for name in names:
        value = values.get(name, "")
        candidates = [part.split()[0] for part in value.split(",") if part.split()]
        if name != "srcset":
            candidates = [value]
        yield from (url for url in candidates if offsite(url))
    style = values.get("style", "")
    if "url(" in style.lower():
        yield from (url for url in CSS_URL.findall(style) if offsite(url))


def _raw_html(text: str, sanitizing: bool) -> list[tuple[int, int, str, str]]:
    scanner = _Scanner(sanitizing)
    try:
        scanner.feed(text)
        scanner.close()
    except Exception:
        pass
    return scanner.found


def _offsite_image(url: str) -> str:
    return f"the image {url} is on another host: {FIX_OFFSITE}"


def _markdown(text: str, sanitizing: bool) -> Iterator[tuple[int, str, str]]:
    """Markdown links, images and attr_lists the sanitiser drops or that load offsite."""
    if "](" in text:
        for match in _INLINE_LINK.finditer(text):
            image, url = match.group(1) == "!", match.group(2)
            what = "image" if image else "link"
            if sanitizing and url and not sanitize.url_allowed(url):
                scheme = sanitize.scheme_of(url)
                yield match.start(), "html-unsafe", f"the {what} to {scheme} URL: {FIX_UNSAFE}"
            if image and offsite(url):
                yield (
                    match.start(),
                    "html-offsite",
                    f"the image {url} is on another host: {FIX_OFFSITE}",
                )
    if "]:" in text:
        defs = {m.group(1).strip().lower(): m for m in _REF_DEF.finditer(text)}
        for match in defs.values():
            url = match.group(2)
            if sanitizing and not sanitize.url_allowed(url):
                scheme = sanitize.scheme_of(url)
                yield match.start(), "html-unsafe", f"the link to {scheme} URL: {FIX_UNSAFE}"
        if "![" in text:
            for image in _REF_IMAGE.finditer(text):
                label = (image.group(2) or image.group(1)).strip().lower()
                ref = defs.get(label)
                if ref is not None and offsite(ref.group(2)):
                    url = ref.group(2)
                    yield (
                        image.start(),
                        "html-offsite",
                        f"the image {url} is on another host: {FIX_OFFSITE}",
                    )
    if sanitizing and "{" in text:
        for match in _ATTR_LIST.finditer(text):
            inner = match.group(1) if match.group(1) is not None else match.group(2)
            if "=" not in inner:
                continue
            for pair in _ATTR_PAIR.finditer(inner):
                name, value = pair.group(1).lower(), pair.group(2).strip("\"'")
                if name in sanitize.MARKDOWN_ATTRIBUTES:
                    continue
                if name in _ANY_VALUES:
                    if value in _ANY_VALUES[name]:
                        continue
                    reason = f'{name}="{value}" is removed'
                elif name not in _ANY_KEPT:
                    reason = f"the {name} attribute is removed"
                elif name in sanitize.URL_ATTRIBUTES and not sanitize.url_allowed(value):
                    reason = f"the {name} to {sanitize.scheme_of(value)} URL is removed"
                else:
                    continue
                yield match.start(), "html-unsafe", f"{reason} (attribute list): {FIX_UNSAFE}"
