"""What every command shares: finding the handbook and reporting a usage error."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from opsbook import lint, load, report, schemas
from opsbook.model import Problem
from opsbook.report import display_path as display_path  # the commands' one import of it

T = TypeVar("T")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

ROOT_HELP = "the handbook directory (default: found from cwd)"

NO_HANDBOOK = (
    "no handbook found: run opsbook inside a directory holding policy.yml or mkdocs.yml "
    "(or pass --root), or create one with `opsbook init DIR`"
)


def problems_status(problems: Sequence[Problem], strict: bool) -> int:
    """A checking command's exit status: 1 for any error, or any warning with --strict."""
    errors = sum(p.level == "error" for p in problems)
    return EXIT_PROBLEMS if errors or (strict and len(problems) > errors) else EXIT_OK


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
        print(report.line(p), file=sys.stderr)
    return fail(str(exc))


def add_root_today(parser: argparse.ArgumentParser, today: str) -> None:
    """A command's --root and --today options; `today` says what the date is used for."""
    parser.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help=f"{today} (default: OPSBOOK_TODAY or the real date)",
    )
    parser.add_argument("--root", metavar="DIR", help=ROOT_HELP)


def open_handbook(
    args: argparse.Namespace, read: Callable[[Path, dt.date], T]
) -> tuple[Path, dt.date, T] | int:
    """A command's root, today and what read makes of them, or the exit status of its error.

    read loads what the command needs (policy, handbook); a policy or schema that cannot be
    used is reported with config_failure.
    """
    found = root_and_today(args.root, args.today)
    if isinstance(found, int):
        return found
    root, today = found
    try:
        return root, today, read(root, today)
    except (load.ConfigError, schemas.SchemaError) as exc:
        return config_failure(exc)


def deferred(module: str) -> Callable[[argparse.Namespace], int]:
    """A command's run, done by `run_command` of a module imported only when it runs.

    Every command's arguments are registered at each start of `opsbook`: importing all their
    modules for that (opsbook.generate needs every page, opsbook.adopt every dialect) took
    60 ms off the start of every other command, `opsbook lint` in a pre-commit hook among them.
    """

    def run(args: argparse.Namespace) -> int:
        code: int = importlib.import_module(module).run_command(args)
        return code

    return run
