"""Where a document's YAML frontmatter ends: the one fence search of load, the site, adopt and new.

A frontmatter opens with a first line `---` and closes at the next line `---` or `...`
(YAML's document end marker, which Jekyll and Pandoc accept too); either fence may carry
trailing whitespace, and so a line end kept on it (`splitlines(keepends=True)`) or a CR.
A line with anything before the dashes, or more dashes, is no fence.

The callers differ in what they do with the text before the search (one byte order mark or
all of them, CRLF normalised or kept for writing back) and keep those choices: `opens` and
`closing` work on the lines they split, `split` on text whose lines end in "\\n".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OPEN = "---"
CLOSE = ("---", "...")


def opens(lines: Sequence[str]) -> bool:
    """Whether lines start with the line opening a frontmatter."""
    return bool(lines) and lines[0].rstrip() == OPEN


def closing(lines: Sequence[str]) -> int | None:
    """The index of the line closing the frontmatter lines[0] opens; None if it is never closed."""
    return next((i for i in range(1, len(lines)) if lines[i].rstrip() in CLOSE), None)


@dataclass(frozen=True)
class Split:
    """A document's frontmatter and body. Unterminated (closed False): yaml is every line
    after the opening one, body is empty and body_line 0."""

    yaml: str
    body: str
    body_line: int  # the line number (from 1) of the body's first line in the text
    closed: bool = True


def split(text: str) -> Split | None:
    """text's frontmatter and body, or None when it has no frontmatter.

    text has "\\n" line ends (load and the site normalise CRLF and CR first); yaml and body
    are its lines joined by "\\n" again, without the fences' lines.
    """
    lines = text.split("\n")
    if not opens(lines):
        return None
    end = closing(lines)
    if end is None:
        return Split("\n".join(lines[1:]), "", 0, closed=False)
    return Split("\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2)
