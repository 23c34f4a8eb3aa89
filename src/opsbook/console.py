"""What every command shares: finding the handbook and reporting a usage error."""

from __future__ import annotations

import sys
from pathlib import Path

from opsbook import load

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
