"""Markdown written for other hosts, made to render in the handbook site as it did there.

Each function changes text only outside fenced code blocks and inline code spans, and says how
many places it changed, so that adopt can report every change it makes to a body.

- hugo_ref_links: Hugo's relative `ref`/`relref` shortcodes as plain links.
- nest_lists: nested list items indented by two spaces (CommonMark, GitHub, Hugo) indented by
  four, which Python-Markdown needs to nest them; four-space lists are left as they are.
  (The extensions that change Python-Markdown's indent, mdx_truly_sane_lists and
  mdx_better_lists, set one width for the whole site: with 2, every four-space nested list,
  PagerDuty's 158 items and the sample's, is flattened into text.)
- strip_toc_markers: table-of-contents tokens of other tools ([TOC], [[_TOC_]], {{< toc >}})
  that would show as text; the site has its own table of contents.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)

# Hugo's ref/relref shortcodes, {{< ref "x.md" >}} or {{% relref "x.md#anchor" %}}: links that
# only Hugo resolves. The target may be double-quoted, single-quoted or bare.
HUGO_REF = re.compile(
    r"""\{\{([<%])\s*(?:rel)?ref\s+(?:"(?P<dq>[^"]+)"|'(?P<sq>[^']+)'|(?P<bare>[^\s"'%>]+))"""
    r"""\s*[>%]\}\}"""
)

TOC_MARKERS = re.compile(
    r"^ {0,3}(?:\[TOC\]|\[\[_?TOC_?\]\]|\{\{[<%]\s*toc\s*[>%]\}\}|\$\{toc\}|\{:toc\})\s*$",
    re.IGNORECASE,
)


def _outside_code(text: str, change: Callable[[str], tuple[str, int]]) -> tuple[str, int]:
    """text with change applied to every run of lines outside fences, skipping code spans."""
    out: list[str] = []
    total = 0
    prose: list[str] = []
    fence: str | None = None

    def flush() -> None:
        nonlocal total
        if not prose:
            return
        chunk = "".join(prose)
        prose.clear()
        pieces: list[str] = []
        last = 0
        for m in _CODE_SPAN.finditer(chunk):
            new, n = change(chunk[last : m.start()])
            pieces.extend((new, m.group(0)))
            total += n
            last = m.end()
        new, n = change(chunk[last:])
        pieces.append(new)
        total += n
        out.append("".join(pieces))

    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            flush()
            fence = m.group("fence")
            out.append(line)
        elif fence is not None:
            out.append(line)
            fits = m is not None and m.group("fence")[0] == fence[0]
            if fits and m is not None and len(m.group("fence")) >= len(fence):
                fence = None if not line.strip().strip(fence[0]) else fence
        else:
            prose.append(line)
    flush()
    return "".join(out), total


def hugo_ref_links(markdown: str) -> str:
    """Markdown with Hugo's relative `ref`/`relref` shortcodes replaced by their target path.

    `[Disk full]({{< ref "./DiskFull.md" >}})` becomes `[Disk full](./DiskFull.md)`, which
    MkDocs (and GitHub) resolve relative to the page just as Hugo did. Targets from the site
    root ("/runbooks/x.md") depend on Hugo's content folder and are left as they are, and so
    is every shortcode in code: a code block showing one is about Hugo.
    """
    return convert_hugo_links(markdown)[0]


def convert_hugo_links(markdown: str) -> tuple[str, int]:
    """hugo_ref_links, and how many shortcodes it rewrote."""

    def change(text: str) -> tuple[str, int]:
        count = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal count
            target = match.group("dq") or match.group("sq") or match.group("bare") or ""
            if target.startswith("/"):
                return match.group(0)
            count += 1
            return target

        return HUGO_REF.sub(replace, text), count

    if "{{" not in markdown:
        return markdown, 0
    return _outside_code(markdown, change)


def strip_toc_markers(markdown: str) -> tuple[str, int]:
    """Markdown without lines that are only another tool's table-of-contents token."""

    def change(text: str) -> tuple[str, int]:
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not TOC_MARKERS.match(line)]
        return "".join(kept), len(lines) - len(kept)

    return _outside_code(markdown, change)


_ITEM = re.compile(r"^(?P<indent> *)(?:[-*+]|\d{1,9}[.)])(?: +|$)")


def nest_lists(markdown: str) -> tuple[str, int]:
    """Two-space nested list items (and their lines) indented to four spaces; how many lines.

    Each nested item goes four columns right of its parent item's marker (more if it was
    further in), and the lines belonging to it (continuations, fenced code) move with it. A
    list ends at a blank line followed by an unindented line that is not an item.
    """
    out: list[str] = []
    changed = 0
    stack: list[tuple[int, int]] = []  # open items: (indent as written, indent made)
    blank = False
    fence: str | None = None
    fence_shift = 0
    for line in markdown.splitlines(keepends=True):
        text = line.rstrip("\r\n")
        indent = len(text) - len(text.lstrip(" "))
        if fence is not None:
            m = _FENCE.match(line)
            closing = m is not None and m.group("fence")[0] == fence[0]
            closing = closing and not text.strip().strip(fence[0])
            out.append(" " * fence_shift + line if fence_shift and text.strip() else line)
            changed += bool(fence_shift and text.strip())
            if closing:
                fence = None
            continue
        if not text.strip():
            out.append(line)
            blank = True
            continue
        item = _ITEM.match(text)
        if item is None and indent == 0 and blank:
            stack.clear()
        shift = 0
        if item is not None:
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if stack:
                parent_old, parent_new = stack[-1]
                made = parent_new + max(4, indent - parent_old)
            else:
                made = indent
            stack.append((indent, made))
            shift = made - indent
        elif stack:
            owner = next((s for s in reversed(stack) if s[0] < indent), None)
            if owner is not None:
                shift = owner[1] - owner[0]
        m = _FENCE.match(line)
        if m is not None:
            fence = m.group("fence")
            fence_shift = shift
        if shift > 0:
            out.append(" " * shift + line)
            changed += 1
        else:
            out.append(line)
        blank = False
    return "".join(out), changed
