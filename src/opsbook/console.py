"""What every command shares: finding the handbook and reporting a usage error."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from opsbook import lint, load, schemas

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

NO_HANDBOOK = (
    "no handbook found: run opsbook inside a directory holding policy.yml or mkdocs.yml "
    "(or pass --root), or create one with `opsbook init DIR`"
)


def fail(message: str) -> int:
    """Print a usage or configuration error and return exit status 2."""
    print(f"opsbook: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def find_root(explicit: str | None = None) -> Path | None:
    """The handbook root: --root if given, else found by walking up from the current directory."""
    if explicit:
        return Path(explicit).resolve()
    return load.find_root(Path.cwd())


def root_and_today(root_arg: str | None, today_arg: str | None) -> tuple[Path, dt.date] | int:
    """The handbook root and "today" of a command, or the exit status of the usage error."""
    root = find_root(root_arg)
    if root is None:
        return fail(NO_HANDBOOK)
    try:
        return root, lint.today(today_arg)
    except ValueError:
        return fail(f"--today / OPSBOOK_TODAY must be a date YYYY-MM-DD, got '{today_arg}'")


def config_failure(exc: load.ConfigError | schemas.SchemaError) -> int:
    """Report a policy or schema that cannot be used (with its positioned problems): exit 2."""
    for p in getattr(exc, "problems", []):
        print(f"{p.path}:{p.line}:{p.column}: {p.level}: {p.message} [{p.rule}]", file=sys.stderr)
    return fail(str(exc))
