"""`opsbook actions`: the action items of all postmortems, as a table, JSON, CSV or iCalendar.

Only parses arguments and opens the handbook; selection and formats are opsbook.actions.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opsbook import load
from opsbook.actions import (
    FORMATS,
    OPEN_STATUSES,
    RENDERERS,
    handbook_calendar_domain,
    select,
    to_ics,
)
from opsbook.console import add_root_today, open_handbook


def _run(args: argparse.Namespace) -> int:
    opened = open_handbook(args, lambda root, _today: load.load_handbook(root))
    if isinstance(opened, int):
        return opened
    root, today, handbook = opened
    statuses = args.status or list(OPEN_STATUSES)
    items = select(
        handbook.action_items,
        today,
        statuses=statuses,
        owner=args.owner,
        service=args.service,
        overdue=args.overdue,
    )
    if args.format == "ics":
        sys.stdout.write(to_ics(items, today, handbook_calendar_domain(root)))
    else:
        sys.stdout.write(RENDERERS[args.format](items, today))
    return 0


def register(sub: Any) -> None:
    """Add the `actions` command to the CLI."""
    p = sub.add_parser(
        "actions",
        help="list the action items of all postmortems",
        description="List action items across postmortems, overdue first.",
    )
    p.add_argument(
        "--status",
        action="append",
        choices=("open", "in_progress", "done", "wont_do"),
        help="repeat for several (default: open and in_progress)",
    )
    p.add_argument("--owner", help="only this owner's items")
    p.add_argument("--service", help="only items of postmortems about this service")
    p.add_argument("--overdue", action="store_true", help="only items past their due date")
    p.add_argument("--format", choices=FORMATS, default="table")
    add_root_today(p, "the date for 'overdue'")
    p.set_defaults(func=_run)
