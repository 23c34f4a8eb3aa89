"""The `opsbook` command line: lint, schema, and the commands registered by their modules."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import Any

from opsbook import changed, checks, lint, load, report, schemas
from opsbook.console import (
    EXIT_OK,
    ROOT_HELP,
    add_root_today,
    config_failure,
    fail,
    find_root,
    problems_status,
    root_and_today,
)


def _lint(args: argparse.Namespace) -> int:
    found = root_and_today(args.root, args.today)
    if isinstance(found, int):
        return found
    root, today = found
    options = checks.Options(today=today, strict=args.strict)
    only: list[str] | None = None
    if args.paths:
        selection = lint.select(root, args.paths)
        if selection.errors:
            return fail("; ".join(selection.errors))
        for given, why in selection.skipped:
            print(f"opsbook: {given} {why}", file=sys.stderr)
        if not selection.files:
            return fail("nothing to check: no runbook, postmortem or policy.yml among the paths")
        only = selection.files
    if args.changed:
        try:
            changes = changed.changes(root, args.base)
        except changed.GitError as exc:
            return fail(str(exc))
        print(f"opsbook: {changes.note}", file=sys.stderr)
        only = changes.files if only is None else sorted(set(only) | set(changes.files))
    # A one-shot process holding hundreds of thousands of YAML nodes with no cycles among them:
    # the cyclic collector would only rescan them (about 1.6 s a pass at 10,000 documents).
    gc.disable()
    try:
        result = lint.run(root, options, only)
    except (load.ConfigError, schemas.SchemaError) as exc:
        return config_failure(exc)
    gc.freeze()  # nor rescan them all once more when the interpreter exits
    prefix = ""
    if args.format == "github":
        folder = root.resolve().relative_to(changed.repository_root(root)).as_posix()
        prefix = "" if folder == "." else folder + "/"
    sys.stdout.write(
        report.render(args.format, result.problems, result.files, github_prefix=prefix)
    )
    if args.format != "text":
        print(report.summary(result.problems, len(result.files)), file=sys.stderr)
    return problems_status(result.problems, args.strict)


def _schema(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    text, _origin = schemas.schema_text(root, args.kind)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def _version() -> str:
    import importlib.metadata  # 30 ms at every start when imported at the top

    try:
        return importlib.metadata.version("opsbook")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown (not installed)"


class _Version(argparse.Action):
    """`--version`, whose installed version is looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"opsbook {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    from opsbook import (
        actions_cli,
        adopt_cli,
        alertcli,
        bundle_cli,
        generate_cli,
        insights_cli,
        preview_cli,
        scaffold,
    )

    parser = argparse.ArgumentParser(
        prog="opsbook",
        description="Incident-response runbooks, postmortems and policy as code.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "lint",
        help="check the metadata of runbooks, postmortems and policy.yml",
        description="Check frontmatter, references, decision trees, timelines, "
        "staleness and overdue action items. Exit 0: no errors; 1: errors (or "
        "warnings with --strict); 2: usage or configuration error.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="report on these files only (references still resolve handbook-wide)",
    )
    p.add_argument("--format", choices=report.FORMATS, default="text")
    p.add_argument(
        "--strict",
        action="store_true",
        help="stale runbooks become errors and warnings fail the run",
    )
    p.add_argument(
        "--changed",
        action="store_true",
        help="only the files changed against a git ref (see --base)",
    )
    p.add_argument(
        "--base",
        metavar="REF",
        help="with --changed: compare against REF (default: on GitHub Actions the pull "
        "request's base, GITHUB_BASE_REF; else the merge base with origin's default branch; "
        "with neither, an error)",
    )
    add_root_today(p, "the date for staleness and overdue checks")
    p.set_defaults(func=_lint)

    p = sub.add_parser("schema", help="print the JSON Schema in use")
    p.add_argument("kind", choices=schemas.KINDS)
    p.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    p.set_defaults(func=_schema)

    for module in (
        generate_cli,
        scaffold,
        adopt_cli,
        actions_cli,
        alertcli,
        insights_cli,
        bundle_cli,
        preview_cli,
    ):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return status


if __name__ == "__main__":
    sys.exit(main())
