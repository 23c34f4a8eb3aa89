"""`opsbook generate OUT_DIR`: the generated pages as Markdown files, without MkDocs.

Writes the same pages the MkDocs hooks add to the site (opsbook.pages), at the same paths
(incident/index.md, decision-trees/<tree>.md, services/<service>.md, ...), plus
action-items.json/.csv/.ics, the redirect or chooser page at alerts/<name>/index.html of every
alert a runbook names, and the stylesheet and scripts the pages use (assets/), so another
static site generator can build the handbook.
Links inside the pages are relative URLs of a site with directory URLs (/incident/), the
layout of MkDocs, Zensical and most generators.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook import actions, checks, fsutil, lint, report
from opsbook.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    add_root_today,
    display_path,
    fail,
    open_handbook,
)
from opsbook.pages import ASSETS, Context, generated_pages
from opsbook.pages import alerts as alerts_page
from opsbook.pages import insights as insights_page


@dataclass
class Written:
    """The files write_pages wrote, and those it could not write with the reason."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    def put(self, path: Path, data: str | bytes) -> None:
        """Write one file atomically; a failure is recorded and the other files go on."""
        try:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise fsutil.WriteError(path, fsutil.reason(exc)) from None
            fsutil.atomic_write(path, data)
        except fsutil.WriteError as exc:
            self.failed.append((path, exc.reason))
        else:
            self.written.append(path)


def write_pages(ctx: Context, out_dir: Path, calendar_domain: str = "opsbook") -> Written:
    """Render every generated page, the assets and the action item files into out_dir.

    calendar_domain makes the calendar's UIDs this handbook's (actions.calendar_domain).
    Each file is replaced atomically, so a page is never left half written; one that cannot be
    written is in the result's failed list and the others are still written.
    """
    out = Written()
    for spec in generated_pages(ctx):
        out.put(out_dir / spec.src_uri, spec.render(ctx))
    for uri, source in ASSETS.items():
        out.put(out_dir / uri, source.read_bytes())
    items = ctx.open_items
    data = {
        "action-items.json": actions.to_json(items, ctx.today),
        "action-items.csv": actions.to_csv(items, ctx.today),
        "action-items.ics": actions.to_ics(items, ctx.today, calendar_domain),
        insights_page.JSON_FILE: insights_page.json_text(ctx),
    }
    for name, text in data.items():
        out.put(out_dir / name, text)
    # The stable alert URLs, as finished HTML: another generator copies them as they are.
    for rel, text in alerts_page.alert_files(ctx).items():
        out.put(out_dir / rel, text)
    return out


def _run(args: argparse.Namespace) -> int:
    # The pages show staleness and overdue items themselves, not as problems.
    opened = open_handbook(
        args, lambda root, today: lint.run(root, checks.Options(today=today, state=False))
    )
    if isinstance(opened, int):
        return opened
    root, today, result = opened
    problems = sorted(result.problems, key=report.sort_key)
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        return fail(f"{out_dir} exists and is not a directory")
    ctx = Context(
        handbook=result.handbook, today=today, problems=problems, site_url=args.site_url or ""
    )
    out = write_pages(ctx, out_dir, actions.handbook_calendar_domain(root, args.site_url))
    for path, why in out.failed:
        print(f"opsbook: error: cannot write {display_path(path)}: {why}", file=sys.stderr)
    print(
        f"wrote {len(out.written)} files to {out_dir}"
        + (f", {len(out.failed)} could not be written" if out.failed else ""),
        file=sys.stderr,
    )
    return EXIT_PROBLEMS if out.failed else EXIT_OK


def register(sub: Any) -> None:
    """Add the `generate` command to the CLI."""
    p = sub.add_parser(
        "generate",
        help="write the generated handbook pages as Markdown files",
        description="Write the pages the site generates (incident, severity, communication, "
        "decision trees, runbook, alert and postmortem indexes, action items, services, review) "
        "as Markdown files into OUT_DIR, with action-items.json/.csv/.ics and the alert pages "
        "(alerts/<name>/index.html, finished HTML), for use with any static site generator. "
        "Lint problems do not stop it: run `opsbook lint` for those.",
    )
    p.add_argument("out_dir", metavar="OUT_DIR", help="directory to write into (created)")
    add_root_today(p, "the date for staleness and overdue items")
    p.add_argument("--site-url", metavar="URL", help="the site's address, for the calendar file")
    p.set_defaults(func=_run)
