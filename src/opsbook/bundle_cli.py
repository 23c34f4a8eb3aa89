"""`opsbook bundle OUT.zip`: the whole handbook site in a zip to open from file:// (see bundle).

Exit status: 0 written; 1 the build failed (MkDocs' error, a page loading from another host,
a warning with --strict) or the zip could not be written; 2 a usage error (OUT is a folder or
not a .zip, no handbook).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from opsbook.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    add_root_today,
    display_path,
    fail,
    root_and_today,
)
from opsbook.report import visible


def _lines(first: str, message: str) -> None:
    """A message to stderr, its lines kept (a policy's problems are one a line) but each line
    shown as text: control characters from files escaped (report.visible)."""
    lines = message.splitlines() or [""]
    for i, line in enumerate(lines):
        print(visible(first + line if i == 0 else line), file=sys.stderr)


def _say(level: str, message: str) -> None:
    # MkDocs' own form (opsbook's lint problems come as WARNING - path:line:col: ...).
    _lines(f"{level:<8}-  ", message)


def _out_path(given: str) -> Path | str:
    """OUT as a path to write, or why it cannot be one."""
    out = Path(given)
    if given.endswith(("/", "\\")) or out.is_dir():
        example = Path(given) / "handbook-offline.zip"
        return f"{given} is a folder: give the zip's file name, such as {example}"
    if out.suffix.lower() != ".zip":
        return f"{given}: the bundle is a zip file, its name must end in .zip"
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        return f"{given}: {parent} is not a folder"
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{given}: cannot create the folder {parent}: {exc.strerror or exc}"
    return out.resolve()


def _run(args: argparse.Namespace) -> int:
    from opsbook import bundle  # MkDocs: imported when the command runs (see preview_cli)

    found = root_and_today(args.root, args.today)
    if isinstance(found, int):
        return found
    root, today = found
    # The adapter reads "today" where `mkdocs build` gives it: the environment.
    os.environ["OPSBOOK_TODAY"] = today.isoformat()
    if not (root / bundle.CONFIG_FILE).is_file():
        return fail(
            f"no {bundle.CONFIG_FILE} in {display_path(root)}: "
            "the bundle builds the handbook's site"
        )
    out = _out_path(args.out)
    if isinstance(out, str):
        return fail(out)
    try:
        made = bundle.make(
            root, out, strict=args.strict, allow_offsite=args.allow_offsite, say=_say
        )
    except bundle.BundleError as exc:
        _lines("opsbook: error: ", str(exc))
        return EXIT_PROBLEMS
    print(
        f"wrote {display_path(made.out)}: {made.files} files, {made.stamp.text}; "
        f"unzip it and open {made.out.stem}/index.html",
        file=sys.stderr,
    )
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the `bundle` command to the CLI."""
    p = sub.add_parser(
        "bundle",
        help="build the whole handbook site into a zip to open from file:// with no network",
        description="Build the handbook's site (its mkdocs.yml, with Material's offline plugin "
        "and no directory URLs) into OUT.zip: one folder whose index.html opens in a browser "
        "from the file system, with search and decision trees, nothing loaded from another "
        "host, and the build's date and commit on every page. Exit 0: written; 1: the build "
        "failed or a page loads from another host; 2: usage error.",
    )
    p.add_argument("out", metavar="OUT.zip", help="the zip to write (replaced atomically)")
    add_root_today(p, "the date for the review and action item pages")
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail on any warning (as mkdocs build --strict), lint problems included",
    )
    p.add_argument(
        "--allow-offsite",
        action="store_true",
        help="bundle even when a page loads something from another host (said as warnings)",
    )
    p.set_defaults(func=_run)
