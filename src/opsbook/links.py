"""Relative links in documents' bodies that MkDocs cannot resolve: `build --strict` fails on them.

MkDocs warns (and so fails a strict build) for a relative Markdown link whose last part has a
file extension and names no file of the site; lint reports the same link at its line. Links
without an extension, absolute paths and other hosts MkDocs only logs as info: so does this.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from opsbook import mkdocsconfig
from opsbook.model import Problem, Source

# The pages opsbook generates, by source path (services/ and decision-trees/ have one a name).
GENERATED_TOPS = (
    *("incident", "severity", "communication", "decision-trees", "action-items"),
    *("services", "review", "runbooks", "postmortems", "alerts"),
)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target "title") and ![alt](target); <target> form too. Nested brackets in the text
# are rare in runbooks and would only hide a link, never invent one.
_INLINE = re.compile(r"!?\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^)\s]+)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)")


def docs_files(root: Path) -> Iterator[str]:
    """docs_dir's files (dot-folders left out, as MkDocs does), relative to it, in name order."""
    top = mkdocsconfig.docs_dir(root)
    if not top.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = Path(dirpath).relative_to(top).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        yield from (prefix + name for name in sorted(filenames))


def site_files(root: Path, documents: Iterable[str]) -> set[str]:
    """Every source path the site has: the documents, docs_dir's files, the generated pages."""
    files = set(documents)
    files.update(docs_files(root))
    files.add("index.md")
    files.update(f"{name}/index.md" for name in GENERATED_TOPS)
    return files


def _generated(target: str) -> bool:
    # A service's page is services/<slug>.md, a tree's decision-trees/<slug>.md: their slugs
    # are the site's to make (deduplicated), so any such name is taken as one of them.
    parts = target.split("/")
    return len(parts) == 2 and parts[0] in ("services", "decision-trees") and target.endswith(".md")


def links(body: str) -> Iterator[tuple[int, int, str]]:
    """(line offset, column, target) of each Markdown link outside code."""
    fence = ""
    for number, line in enumerate(body.split("\n")):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        if line.startswith(("    ", "\t")) and not line.lstrip().startswith(("-", "*", "[")):
            continue  # an indented code block (or a list's continuation: either way, no link)
        if "](" not in line and "]:" not in line:
            continue
        text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
        for pattern in (_INLINE, _REFERENCE):
            for match in pattern.finditer(text):
                target = match.group(1)
                if target.startswith("<"):
                    target = target[1:-1]
                yield number, match.start(1) + 1, target


def check(source: Source, files: set[str], root: Path) -> Iterator[Problem]:
    """Problems of one document's relative links."""
    body = source.body
    if "](" not in body and "]:" not in body:
        return
    here = posixpath.dirname(source.rel)
    for offset, column, url in links(body):
        scheme, netloc, path, _query, _fragment = urlsplit(url)
        if scheme or netloc or not path or url.startswith(("/", "\\")):
            continue
        path = unquote(path)
        if not posixpath.splitext(path)[1]:
            continue
        target = posixpath.normpath(posixpath.join(here, path))
        if target in files or _generated(target):
            continue
        if target.startswith("../") or target == "..":
            why = "leads outside the site"
        elif (root / target).is_file():
            why = (
                f"leads to {target}, which is not published: the site takes only the Markdown "
                "documents from runbooks/ and postmortems/; move the file under docs/ and link "
                "it from there"
            )
        else:
            why = f"leads to {target}, which is not a page or file of the site"
        yield Problem(
            source.rel,
            source.body_line + offset,
            column,
            "error",
            "link-broken",
            f"the link '{url}' {why} (`mkdocs build --strict` fails on it): fix the path, "
            "relative to this file",
        )
