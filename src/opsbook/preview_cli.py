"""`opsbook serve`: preview the handbook's site, a saved runbook's page in a second or two.

Exit status: 0 stopped with Ctrl-C; 1 the first build failed; 2 a usage error (no mkdocs.yml).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from opsbook.console import EXIT_OK, EXIT_PROBLEMS, fail
from opsbook.report import visible


class _Format(logging.Formatter):
    """MkDocs' own form (`INFO    -  message`), control characters from files escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(f"{record.levelname:<8}-  {record.getMessage()}")


def _logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Format())
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _run(args: argparse.Namespace) -> int:
    # Imported here: MkDocs and its server took 0.14 s off the start of every other command
    # (`opsbook lint` in a pre-commit hook among them), which registers its arguments too.
    from mkdocs.exceptions import MkDocsException

    from opsbook import preview

    config_file = Path(args.config_file)
    if not config_file.is_file():
        return fail(f"no {config_file}: `opsbook serve` serves the site of a mkdocs.yml")
    _logging()
    try:
        server = preview.Preview(str(config_file), args.dev_addr)
        server.serve()
    except MkDocsException as exc:
        print(visible(f"opsbook: error: {exc}"), file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the `serve` command to the CLI."""
    p = sub.add_parser(
        "serve",
        help="preview the handbook's site: a saved runbook shows in a second or two",
        description="Build the site of mkdocs.yml and serve it with live reload, as "
        "`mkdocs serve`; a saved runbook or postmortem re-renders only its page, then the "
        "pages that depend on it (indexes, incident, services, review). Any other change "
        "rebuilds the site. Search may be a save behind until then. Exit 0: stopped; "
        "1: the first build failed; 2: usage error.",
    )
    p.add_argument(
        "-a",
        "--dev-addr",
        metavar="HOST:PORT",
        help="where to serve (default: mkdocs.yml's dev_addr, 127.0.0.1:8000)",
    )
    p.add_argument(
        "-f", "--config-file", default="mkdocs.yml", metavar="FILE", help="the site's mkdocs.yml"
    )
    p.set_defaults(func=_run)
