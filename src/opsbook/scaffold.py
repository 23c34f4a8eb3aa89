"""The `opsbook new runbook|postmortem` and `opsbook init` commands: their arguments and prompts.

What they write is the library's: newdoc (a new document), handbook_init (a new handbook).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsbook import fsutil, lint, load, provenance, schemas
from opsbook.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    add_root_today,
    display_path,
    fail,
    open_handbook,
)
from opsbook.docids import slugify
from opsbook.handbook_init import init_handbook
from opsbook.model import Policy
from opsbook.newdoc import (
    CONTROL,
    POSTMORTEM_STATUSES,
    RUNBOOK_STATUSES,
    ScaffoldError,
    new_postmortem,
    new_runbook,
    severity_check,
    split_list,
)

# --- `opsbook new` -----------------------------------------------------------------------


@dataclass
class Field:
    """One value `new` needs: its flag, its prompt, and how to check an answer."""

    name: str
    flag: str
    prompt: str
    check: Callable[[str], Any]
    default: str = ""


def _text(what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = value.strip()
        if not value:
            raise ScaffoldError(f"{what} must not be empty")
        if CONTROL.search(value):
            raise ScaffoldError(f"{what} must be a single line without control characters")
        return value

    return check


def _service(value: str) -> str:
    value = _text("the service")(value)
    if not slugify(value):
        raise ScaffoldError(
            f"the service '{value}' has no letters or digits to name its folder: "
            "use e.g. --service checkout"
        )
    return value


def _date(value: str) -> dt.date:
    try:
        if len(value.strip()) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ScaffoldError(f"'{value}' is not a date: write YYYY-MM-DD, e.g. 2026-09-14") from None


def _severity_help(policy: Policy) -> str:
    return ", ".join(f"{s.id} ({s.name})" if s.name else s.id for s in policy.severities)


def _services(value: str) -> list[str]:
    services = [_service(s) for s in split_list([value])]
    if not services:
        raise ScaffoldError("give at least one service")
    return services


def _ask(spec: Field) -> Any:
    """Prompt on stderr until the answer passes the field's check (stdin is a terminal)."""
    hint = f" [{spec.default}]" if spec.default else ""
    while True:
        sys.stderr.write(f"{spec.prompt}{hint}: ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise ScaffoldError("no answer (end of input): nothing was written")
        answer = line.strip() or spec.default
        try:
            return spec.check(answer)
        except ScaffoldError as exc:
            sys.stderr.write(f"  {exc}\n")


def _collect(
    specs: Sequence[Field], given: dict[str, Any], interactive: bool, no_input: bool = False
) -> dict[str, Any]:
    """Check the values given as flags; ask for the missing ones, or fail naming their flags.

    no_input: the user asked never to be prompted (--no-input), which the message says rather
    than blaming a terminal that may well be there.
    """
    values: dict[str, Any] = {}
    missing = [s for s in specs if given.get(s.name) in (None, "", [])]
    if missing and not interactive:
        flags = ", ".join(s.flag for s in missing)
        why = (
            "--no-input: opsbook never prompts, so every value must be given as a flag"
            if no_input
            else "stdin is not a terminal, so opsbook cannot ask"
        )
        raise ScaffoldError(
            f"missing {flags}: give {'it' if len(missing) == 1 else 'them'} as "
            f"{'a flag' if len(missing) == 1 else 'flags'} ({why})"
        )
    # Check every flag first, so that nobody answers questions only to hear a flag was wrong.
    for spec in specs:
        raw = given.get(spec.name)
        if spec not in missing:
            text = ",".join(raw) if isinstance(raw, list) else str(raw)
            try:
                values[spec.name] = spec.check(text)
            except ScaffoldError as exc:
                raise ScaffoldError(f"{spec.flag}: {exc}") from None
    for spec in missing:
        values[spec.name] = _ask(spec)
    return values


def _check_written(root: Path, path: Path, kind: str) -> None:
    """Warn if the new file breaks the handbook's own schema (e.g. a team's extra field)."""
    try:
        source, problems = load.read_source(path, load.rel_path(path, root))
        if source is not None:
            problems += schemas.validate(schemas.validator(root, kind), source)
    except Exception as exc:  # a note only: the file is written either way
        problems = []
        print(f"opsbook: note: could not check {path}: {exc}", file=sys.stderr)
    for p in problems:
        print(
            f"{p.path}:{p.line}:{p.column}: {p.level}: {p.message} [{p.rule}] "
            "(this handbook's schema asks for more: fill it in)",
            file=sys.stderr,
        )


def _new(args: argparse.Namespace) -> int:
    opened = open_handbook(args, lambda root, _today: load.load_policy(root)[0])
    if isinstance(opened, int):
        return opened
    root, today, policy = opened
    interactive = sys.stdin.isatty() and not args.no_input
    try:
        if args.kind == "runbook":
            specs = [
                Field("title", "--title", "Title (what goes wrong)", _text("the title")),
                Field("service", "--service", "Service", _service),
                Field("owner", "--owner", "Owner (team or person)", _text("the owner")),
                Field(
                    "severity",
                    "--severity",
                    f"Severities, comma-separated ({_severity_help(policy)})",
                    severity_check(policy, many=True),
                ),
            ]
            values = _collect(specs, vars(args), interactive, args.no_input)
            path = new_runbook(
                root,
                policy,
                title=values["title"],
                service=values["service"],
                owner=values["owner"],
                severity=values["severity"],
                today=today,
                status=args.status,
                slug=args.slug,
                alerts=args.alert or [],
            )
        else:
            specs = [
                Field("title", "--title", "Title (what happened)", _text("the title")),
                Field("date", "--date", "Date the incident started", _date, today.isoformat()),
                Field(
                    "severity",
                    "--severity",
                    f"Severity ({_severity_help(policy)})",
                    severity_check(policy, many=False),
                ),
                Field("services", "--services", "Services affected, comma-separated", _services),
            ]
            values = _collect(specs, vars(args), interactive, args.no_input)
            path = new_postmortem(
                root,
                policy,
                title=values["title"],
                date=values["date"],
                severity=values["severity"][0],
                services=values["services"],
                status=args.status,
                authors=split_list(args.author or []),
                slug=args.slug,
            )
    except ScaffoldError as exc:
        return fail(str(exc))
    except fsutil.WriteError as exc:
        print(
            f"opsbook: error: cannot write {display_path(exc.path)}: {exc.reason}; "
            "nothing was written",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return fail("interrupted: nothing was written")
    _check_written(root, path, args.kind)
    print(display_path(path))
    return EXIT_OK


def _add_new(sub: Any) -> None:
    new = sub.add_parser(
        "new",
        help="write a new runbook or postmortem from the template",
        description="Write a new runbook or postmortem with the next free id and status "
        "draft. Missing fields are asked for when stdin is a terminal; otherwise they must be "
        "given as flags. Never overwrites a file; prints the path written.",
    )
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--title", help="the document's title")
        p.add_argument("--slug", help="the file name part (default: from the title)")
        p.add_argument(
            "--no-input",
            action="store_true",
            help="never prompt, even on a terminal: a missing value is an error naming its flag",
        )
        add_root_today(p, "today's date")

    p = kinds.add_parser(
        "runbook",
        help="write runbooks/<service>/<slug>.md",
        description="Write runbooks/<service>/<slug>.md with the next free id RB-NNNN, "
        "last_reviewed today and the sections symptoms, triage, mitigation, verification "
        "and escalation.",
    )
    common(p)
    p.add_argument("--service", help="the service the runbook is about")
    p.add_argument("--owner", help="the team or person who keeps it correct")
    p.add_argument(
        "--severity",
        action="append",
        metavar="ID",
        help="a severity id from policy.yml; repeat (or comma-separate) for several",
    )
    p.add_argument("--status", choices=RUNBOOK_STATUSES, default="draft")
    p.add_argument(
        "--alert", action="append", metavar="NAME", help="an alert it is for; repeatable"
    )
    p.set_defaults(func=_new)

    p = kinds.add_parser(
        "postmortem",
        help="write postmortems/YYYY-MM-DD-<slug>.md",
        description="Write postmortems/YYYY-MM-DD-<slug>.md with the next free id "
        "PM-YYYY-NNN and the sections summary, impact, timeline, root cause, five whys, what "
        "went well, what went poorly and action items.",
    )
    common(p)
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day the incident started")
    p.add_argument("--severity", metavar="ID", help="the incident's severity id from policy.yml")
    p.add_argument(
        "--services",
        action="append",
        metavar="NAME",
        help="affected services, comma-separated or repeated",
    )
    p.add_argument(
        "--author", action="append", metavar="NAME", help="an author; repeat for several"
    )
    p.add_argument("--status", choices=POSTMORTEM_STATUSES, default="draft")
    p.set_defaults(func=_new)


# --- `opsbook init` ----------------------------------------------------------------------


def _init(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    try:
        today = lint.today(args.today)
    except ValueError:
        return fail(f"--today / OPSBOOK_TODAY must be a date YYYY-MM-DD, got '{args.today}'")
    if args.name is not None and not args.name.strip():
        return fail("--name must not be empty")
    try:
        result = init_handbook(
            target, today=today, force=args.force, site_name=args.name and args.name.strip()
        )
    except ScaffoldError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot write {exc.filename or target}: {fsutil.reason(exc)}")
    for path in result.written:
        print(display_path(path))
    for path, backup in result.kept:
        print(
            f"opsbook: note: {display_path(path)} replaced; the old one is kept as "
            f"{display_path(backup)}",
            file=sys.stderr,
        )
    for path, why in result.failed:
        print(
            f"opsbook: error: cannot write {display_path(path)}: {why}; it is left as it was",
            file=sys.stderr,
        )
    if result.failed:
        print(
            f"{len(result.failed)} of {len(result.failed) + len(result.written)} files could "
            "not be written: fix the cause and run init again with --force",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    source = result.source
    if source is not None and source.warning:
        level = "note" if source.portable else "warning"
        print(f"opsbook: {level}: {source.warning}", file=sys.stderr)
    shown = display_path(target)
    first = (
        f"  edit requirements.txt: replace the {provenance.MARKER} line\n"
        if source is not None and not source.portable
        else ""
    )
    print(
        f"\nA new handbook is in {shown}. Next:\n"
        f"  cd {shown}\n"
        f"{first}"
        "  pip install -r requirements.txt\n"
        "  opsbook lint && opsbook serve",
        file=sys.stderr,
    )
    return EXIT_OK


def _add_init(sub: Any) -> None:
    p = sub.add_parser(
        "init",
        help="scaffold a new handbook repository",
        description="Create a handbook repository in DIR that lints and builds at once: "
        "policy.yml, one example runbook and postmortem, schemas/, the MkDocs site "
        "(mkdocs.yml with the opsbook plugin, docs/), a pull request workflow, a pre-commit "
        "hook and a "
        "requirements.txt that installs this same opsbook from where it came (its git URL "
        "and commit, its wheel, or its version on your own index) and pins its dependencies.",
    )
    p.add_argument("dir", metavar="DIR", help="the new handbook's directory (created if needed)")
    p.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty DIR, replacing files of the same names (their old "
        "content is kept as NAME.orig); never through a symbolic link",
    )
    p.add_argument("--name", help="the site's name (default: from DIR's name)")
    p.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help="the date of the examples (default: OPSBOOK_TODAY or the real date)",
    )
    p.set_defaults(func=_init)


def register(sub: Any) -> None:
    """Add `opsbook new runbook|postmortem` and `opsbook init DIR` to the CLI."""
    _add_new(sub)
    _add_init(sub)
