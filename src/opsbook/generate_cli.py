"""`opsbook generate`: its arguments (the work is opsbook.generate's)."""

from __future__ import annotations

from typing import Any

from opsbook.console import add_root_today, deferred


def register(sub: Any) -> None:
    """Add the `generate` command to the CLI."""
    p = sub.add_parser(
        "generate",
        help="write the handbook site's whole source, for Zensical or any other generator",
        description="Write the handbook site's source into OUT_DIR: OUT_DIR/mkdocs.yml (the "
        "handbook's, without hooks or macros, with opsbook's stylesheet and scripts listed) and "
        "OUT_DIR/docs/: the hand-written pages (opsbook's macros expanded), every runbook and "
        "postmortem with its metadata box or error banner, the generated pages (incident, "
        "severity, communication, decision trees, runbook, alert and postmortem indexes, action "
        "items, services, review), action-items.json/.csv/.ics, the alert pages "
        "(alerts/<name>/index.html) and assets/. Build it with `cd OUT_DIR && zensical build` "
        "(`mkdocs build` with --url-links). Lint problems do not stop it: run `opsbook lint` "
        "for those.",
    )
    p.add_argument("out_dir", metavar="OUT_DIR", help="directory to write into (created)")
    add_root_today(p, "the date for staleness and overdue items")
    p.add_argument("--site-url", metavar="URL", help="the site's address, for the calendar file")
    p.add_argument(
        "--no-directory-urls",
        dest="directory_urls",
        action="store_false",
        help="links for a site built with `use_directory_urls: false` (severity/index.html, "
        "not severity/), written into OUT_DIR/mkdocs.yml too",
    )
    p.add_argument(
        "--url-links",
        action="store_true",
        help="write links in the generated HTML as site URLs (for MkDocs and engines that "
        "leave raw HTML as written), not as paths from the page's source file (Zensical)",
    )
    p.set_defaults(func=deferred("opsbook.generate"))
