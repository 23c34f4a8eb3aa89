"""One lint run: load the handbook, check it, keep the problems of the files asked about."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from opsbook import checks, load
from opsbook.model import Handbook, Problem


def today(explicit: str | None = None) -> dt.date:
    """--today, else OPSBOOK_TODAY, else the real date; raises ValueError for a bad date."""
    value = explicit or os.environ.get("OPSBOOK_TODAY")
    return dt.date.fromisoformat(value) if value else dt.date.today()


@dataclass
class Result:
    handbook: Handbook
    problems: list[Problem]
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for p in self.problems)


def run(root: Path, options: checks.Options, only: Sequence[str] | None = None) -> Result:
    """Lint the whole handbook; with only (paths relative to root) report on those files only."""
    handbook = load.load_handbook(root)
    problems = handbook.problems + checks.check(handbook, options)
    files = list(handbook.files)
    if only is not None:
        wanted = set(only)
        problems = [p for p in problems if p.path in wanted]
        files = [f for f in files if f in wanted] + sorted(wanted - set(files))
    return Result(handbook, problems, files)


def release_sources(handbook: Handbook) -> None:
    """Drop the documents' YAML data and text, which only loading and checking read.

    For a caller that keeps the handbook after linting it (a site build holds it to the end):
    they were a third of the memory a 3,000-document build added to plain MkDocs. Positions
    can no longer be asked for afterwards; the problems already carry theirs.
    """
    sources = [rb.source for rb in handbook.runbooks] + [pm.source for pm in handbook.postmortems]
    for source in sources:
        if source is not None:
            source.data = {}
            source.yaml = ""
