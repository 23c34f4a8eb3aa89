"""Names and ids of new documents: file-name slugs, the ids in use, the next free ones.

New ids are above every id in use and gaps are never filled (see ids_in_use).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from opsbook import docsplit, load

RUNBOOK_ID = re.compile(r"^RB-(\d+)$")
POSTMORTEM_ID = re.compile(r"^PM-(\d{4})-(\d+)$")
# A top-level `id:` line of a frontmatter, read without YAML so that broken files count too.
_ID_LINE = re.compile(r"""^id:\s*(?P<q>["']?)(?P<id>[^"'#\s]+)(?P=q)\s*(?:#.*)?$""")
# A runbook or postmortem id anywhere in a text; _id_tokens checks the character before it
# (a lookbehind here makes the search five times slower).
_ID_TOKEN = re.compile(r"(?:RB-\d+|PM-\d{4}-\d+)(?![\w-])")


def slugify(text: str, max_length: int = 60) -> str:
    """A file-name part from text: lowercase ASCII letters, digits and single dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug
        slug = slug[:max_length].strip("-")
    return slug


def _frontmatter_id(text: str) -> set[str]:
    """The top-level `id:` of a frontmatter, read line by line so broken documents count too."""
    lines = text.lstrip("\ufeff").splitlines()
    if not docsplit.opens(lines):
        return set()
    for line in lines[1 : docsplit.closing(lines)]:
        match = _ID_LINE.match(line.rstrip())
        if match:
            return {match.group("id")}
    return set()


def ids_in_use(root: Path) -> set[str]:
    """Every id a new document must not take: the documents' own ids, and every runbook or
    postmortem id named anywhere in the documents or policy.yml.

    A runbook that is deleted while a decision tree (`runbook:`), a postmortem (`runbooks:`),
    another runbook (`related:`) or a page's text still names its id keeps that id in use:
    handing it to a new runbook would silently re-point all of them. Text is searched, not
    parsed, so broken documents and commented-out lines count too.
    """
    ids: set[str] = set()
    runbooks, postmortems = load.discover(root)
    for path in (*runbooks, *postmortems, root / load.POLICY_FILE):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        ids |= _frontmatter_id(text)
        ids.update(_id_tokens(text))
    return ids


def _id_tokens(text: str) -> Iterator[str]:
    """The runbook and postmortem ids in text, as whole words (not XRB-1 or A-RB-1)."""
    for match in _ID_TOKEN.finditer(text):
        start = match.start()
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-"):
            yield match.group()


def next_runbook_ids(taken: Iterable[str], count: int = 1) -> list[str]:
    """The next count runbook ids RB-NNNN after the highest one taken: gaps are never filled."""
    numbers = [int(m.group(1)) for i in taken if (m := RUNBOOK_ID.match(i))]
    start = max(numbers, default=0) + 1
    return [f"RB-{n:04d}" for n in range(start, start + count)]


def next_postmortem_id(taken: Iterable[str], year: int) -> str:
    """The next free postmortem id of a year, PM-YYYY-NNN."""
    numbers = [
        int(m.group(2)) for i in taken if (m := POSTMORTEM_ID.match(i)) and int(m.group(1)) == year
    ]
    return f"PM-{year}-{max(numbers, default=0) + 1:03d}"
