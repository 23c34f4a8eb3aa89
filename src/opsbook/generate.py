"""`opsbook generate OUT_DIR`: the generated pages as Markdown files, without MkDocs.

Writes the same pages the MkDocs hooks add to the site (opsbook.pages), at the same paths
(incident/index.md, decision-trees/<tree>.md, services/<service>.md, ...), plus
action-items.json/.csv/.ics and the stylesheet and scripts the pages use (assets/), so another
static site generator can build the handbook.
Links inside the pages are relative URLs of a site with directory URLs (/incident/), the
layout of MkDocs, Zensical and most generators.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from opsbook import actions, checks, lint, report
from opsbook.console import EXIT_OK, add_root_today, fail, open_handbook
from opsbook.pages import ASSETS, Context, generated_pages


def write_pages(ctx: Context, out_dir: Path) -> list[Path]:
    """Render every generated page, the assets and the action item files into out_dir."""
    written: list[Path] = []
    for spec in generated_pages(ctx):
        path = out_dir / spec.src_uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec.render(ctx), encoding="utf-8")
        written.append(path)
    for uri, source in ASSETS.items():
        path = out_dir / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source.read_bytes())
        written.append(path)
    items = ctx.open_items
    data = {
        "action-items.json": actions.to_json(items, ctx.today),
        "action-items.csv": actions.to_csv(items, ctx.today),
        "action-items.ics": actions.to_ics(items, ctx.today, ctx.site_url),
    }
    for name, text in data.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


def _run(args: argparse.Namespace) -> int:
    # The pages show staleness and overdue items themselves, not as problems.
    opened = open_handbook(
        args, lambda root, today: lint.run(root, checks.Options(today=today, state=False))
    )
    if isinstance(opened, int):
        return opened
    _root, today, result = opened
    problems = sorted(result.problems, key=report.sort_key)
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        return fail(f"{out_dir} exists and is not a directory")
    ctx = Context(
        handbook=result.handbook, today=today, problems=problems, site_url=args.site_url or ""
    )
    written = write_pages(ctx, out_dir)
    print(f"wrote {len(written)} files to {out_dir}", file=sys.stderr)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the `generate` command to the CLI."""
    p = sub.add_parser(
        "generate",
        help="write the generated handbook pages as Markdown files",
        description="Write the pages the site generates (incident, severity, communication, "
        "decision trees, runbook and postmortem indexes, action items, services, review) as "
        "Markdown files into OUT_DIR, with action-items.json/.csv/.ics, for use with any "
        "static site generator. Lint problems do not stop it: run `opsbook lint` for those.",
    )
    p.add_argument("out_dir", metavar="OUT_DIR", help="directory to write into (created)")
    add_root_today(p, "the date for staleness and overdue items")
    p.add_argument("--site-url", metavar="URL", help="the site's address, for the calendar file")
    p.set_defaults(func=_run)
