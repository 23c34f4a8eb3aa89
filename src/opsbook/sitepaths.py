"""Where each document's page lands in the built site, and the paths that lose or break a page.

Lint runs this so that whatever makes `mkdocs build --strict` fail, or silently drop a page,
because of a document's path is a lint error at that file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from opsbook.model import Problem

# The generated lists live at these source paths: a document there would replace its list.
GENERATED = {"runbooks/index.md": "the runbook list", "postmortems/index.md": "the postmortem list"}

# In a URL, '#' starts the fragment and '?' the query, and '%' starts an escape: a link to a
# page whose path holds one of them reaches another address, or none.
URL_BREAKING = "#?%"


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
