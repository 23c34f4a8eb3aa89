"""`opsbook adopt`: its arguments (the work is opsbook.adopt's)."""

from __future__ import annotations

from typing import Any

from opsbook.console import add_root_today, deferred


def register(sub: Any) -> None:
    """Add the `adopt` command to the CLI."""
    p = sub.add_parser(
        "adopt",
        help="add the missing frontmatter fields to existing Markdown runbooks",
        description="Bring existing Markdown runbooks under the handbook format: add the "
        "missing required fields (id, title, service, owner, severity, last_reviewed) as new "
        "frontmatter lines, from what the content and its source say first (title, "
        "description, review dates, owner, tags, old addresses; TOML and JSON frontmatter "
        "too), keep every existing key in its order with its comments, and comment out keys "
        "the schema does not allow. Bodies change only where Markdown of another host would "
        "not render as meant (two-space nested lists, table-of-contents tokens), outside "
        "code, each change said. Empty Hugo "
        "section pages (_index.md) are removed. Directories are searched for *.md files. Only "
        "files under the handbook's runbooks/ whose frontmatter has no opsbook id (RB-N) yet "
        "are changed; anything else (postmortems/, docs/, paths outside the handbook, "
        "symbolic links) is skipped with a line saying why. Each file is replaced atomically.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="Markdown files or directories")
    p.add_argument("--owner", help="owner of files that have none")
    p.add_argument(
        "--severity",
        action="append",
        metavar="ID",
        help="severity id from policy.yml for files that have none; repeat for several",
    )
    p.add_argument(
        "--service",
        help="service of files directly in runbooks/, which have no service folder (a file "
        "in a folder takes the folder's name)",
    )
    p.add_argument(
        "--keep-unknown",
        action="store_true",
        help="leave fields the runbook schema does not allow as they are "
        "(default: comment them out)",
    )
    p.add_argument(
        "--convert-hugo-links",
        action="store_true",
        help="rewrite Hugo's relative ref/relref shortcodes in the bodies as plain Markdown "
        "links (outside code only)",
    )
    p.add_argument(
        "--source",
        metavar="DIR",
        help="the folder (or file) the one PATH is a copy of, in the old site's tree: its git "
        "history gives last_reviewed, its place under Hugo's content/ (or --source-config's "
        "docs_dir) the old addresses kept in old_paths",
    )
    p.add_argument(
        "--source-config",
        metavar="MKDOCS_YML",
        help="the old MkDocs site's mkdocs.yml: its nav gives titles, its docs_dir addresses",
    )
    p.add_argument(
        "--pages",
        action="append",
        metavar="PATTERN",
        help="documents that are pages of the site, not runbooks (guides, process pages, a "
        "home page): a pattern on the path below PATH ('*' for all, 'before/*', 'index.md'); "
        "repeat for several. They are moved to docs/ at the same path, keeping their fields, "
        "and the old site's nav (--source-config) is added to mkdocs.yml",
    )
    p.add_argument("--dry-run", action="store_true", help="print a unified diff and write nothing")
    add_root_today(p, "the day after which a page's date is no review (never stamped as one)")
    p.set_defaults(func=deferred("opsbook.adopt"))
