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


@dataclass
class Selection:
    """What `opsbook lint PATH...` checks: handbook files, and the paths it cannot or will not."""

    files: list[str] = field(default_factory=list)
    # (path as given, why it is not checked)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Paths that make the command a usage error: missing, or outside the handbook.
    errors: list[str] = field(default_factory=list)


def select(root: Path, paths: Sequence[str]) -> Selection:
    """The handbook files named by paths: a folder means every document under it."""
    selection = Selection()
    real_root = root.resolve()
    chosen: dict[str, None] = {}
    discovered: list[str] | None = None
    for given in paths:
        path = Path(given)
        if not path.exists() and not path.is_symlink():
            selection.errors.append(f"{given}: no such file or directory")
            continue
        # The folder is resolved (a "." or ".." must mean where it leads); a file is not, so
        # that a symlinked document is still checked, and refused, under its own name.
        parent = path.parent.resolve() if not path.is_dir() else path.resolve()
        full = parent / path.name if not path.is_dir() else parent
        if not full.is_relative_to(real_root):
            selection.errors.append(
                f"{given} is outside the handbook at {root}: lint paths inside it, or pass --root"
            )
            continue
        rel = full.relative_to(real_root).as_posix()
        if path.is_dir():
            if discovered is None:
                found = load.scan(root)
                discovered = [load.rel_path(p, root) for p in (*found.runbooks, *found.postmortems)]
                discovered += [p.path for p in found.problems]
            prefix = "" if rel == "." else rel + "/"
            inside = [f for f in discovered if f.startswith(prefix)]
            if prefix == "":
                inside.insert(0, load.POLICY_FILE)
            if not inside:
                selection.skipped.append(
                    (given, "holds no runbook, postmortem or policy.yml: nothing to check")
                )
            chosen.update(dict.fromkeys(inside))
        elif load.is_handbook_file(rel):
            chosen[rel] = None
        else:
            selection.skipped.append(
                (
                    given,
                    "is not a runbook (runbooks/**/*.md), a postmortem (postmortems/**/*.md) "
                    "or policy.yml: not checked",
                )
            )
    selection.files = list(chosen)
    return selection


def run(
    root: Path,
    options: checks.Options,
    only: Sequence[str] | None = None,
    *,
    read: load.DocumentReader = load.read_document,
) -> Result:
    """Lint the whole handbook; with only (paths relative to root) report on those files only.

    read reads each document (see load.load_handbook); the cross-document checks always run
    over the whole handbook.
    """
    handbook = load.load_handbook(root, read=read)
    problems = handbook.problems + checks.check(handbook, options)
    files = list(handbook.files)
    if options.state:  # with policy.yml's alerts.rules; the site shows them on /alerts/ instead
        from opsbook import alerts  # the rule files' reader: 25 ms at every start otherwise

        found = alerts.lint(handbook, options.today)
        problems += found.problems
        files += found.files
    if only is not None:
        wanted = set(only)
        problems = [p for p in problems if p.path in wanted]
        # Only what was checked is counted: a path that is no handbook file is not.
        files = [f for f in files if f in wanted]
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
