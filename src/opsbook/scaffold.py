"""Writing new documents and new handbooks: `opsbook new runbook|postmortem` and `opsbook init`.

Everything written here must pass `opsbook lint` as soon as it is written: ids are the next
free ones, severities are checked against policy.yml before anything is written, and every
value that goes into YAML is quoted when a YAML reader could misread it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from opsbook import fsutil, lint, load, provenance, schemas, yamlsafe
from opsbook.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    add_root_today,
    display_path,
    fail,
    open_handbook,
)
from opsbook.model import Policy
from opsbook.pages.common import md

RUNBOOK_ID = re.compile(r"^RB-(\d+)$")
POSTMORTEM_ID = re.compile(r"^PM-(\d{4})-(\d+)$")
# A top-level `id:` line of a frontmatter, read without YAML so that broken files count too.
_ID_LINE = re.compile(r"""^id:\s*(?P<q>["']?)(?P<id>[^"'#\s]+)(?P=q)\s*(?:#.*)?$""")
# A runbook or postmortem id anywhere in a text; _id_tokens checks the character before it
# (a lookbehind here makes the search five times slower).
_ID_TOKEN = re.compile(r"(?:RB-\d+|PM-\d{4}-\d+)(?![\w-])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Scalars that every YAML reader (1.1 or 1.2) reads back as the same string when left plain.
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .()/+-]*$")

RUNBOOK_STATUSES = ("draft", "published")
# A new postmortem is never published: its template still holds TODO placeholders.
POSTMORTEM_STATUSES = ("draft", "in_review")


class ScaffoldError(Exception):
    """A request that cannot be carried out; the message says what to change."""


# --- YAML values -------------------------------------------------------------------------


def yaml_scalar(value: str) -> str:
    """value as a YAML scalar that reads back as exactly this string in any YAML reader.

    Plain when that is safe (``Roll back a deployment``), else double-quoted JSON, which is
    valid YAML: ``"Checkout: 502 \\"bad gateway\\""``.
    """
    if _PLAIN.match(value) and not value.endswith(" ") and _reads_back(value, value):
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    if _reads_back(quoted, value):
        return quoted
    return json.dumps(value)


def yaml_list(values: Sequence[str]) -> str:
    """values as a YAML flow sequence, each item quoted when needed: ``[P1, P2]``."""
    return "[" + ", ".join(yaml_scalar(v) for v in values) + "]"


def _reads_back(text: str, expected: str) -> bool:
    """Whether text, as a mapping value and as a flow list item, reads back as expected both
    with opsbook's loader and with PyYAML's YAML 1.1 safe loader (which MkDocs uses)."""
    for in_list in (False, True):
        doc = f"k: [{text}]\n" if in_list else f"k: {text}\n"
        ours, _node, errors = yamlsafe.load(doc)
        try:
            theirs = yaml.safe_load(doc)
        except yaml.YAMLError:
            return False
        if errors or any(_value(d, in_list) != expected for d in (ours, theirs)):
            return False
    return True


def _value(data: Any, in_list: bool) -> Any:
    value = data.get("k") if isinstance(data, dict) else None
    if in_list:
        return value[0] if isinstance(value, list) and len(value) == 1 else None
    return value


# --- Names and ids -----------------------------------------------------------------------


def slugify(text: str, max_length: int = 60) -> str:
    """A file-name part from text: lowercase ASCII letters, digits and single dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug
        slug = slug[:max_length].strip("-")
    return slug


def _frontmatter_id(text: str) -> set[str]:
    """The top-level `id:` of a frontmatter, read line by line so broken documents count too."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].rstrip() != "---":
        return set()
    for line in lines[1:]:
        if line.rstrip() in ("---", "..."):
            break
        match = _ID_LINE.match(line.rstrip())
        if match:
            return {match.group("id")}
    return set()


def ids_in_use(root: Path) -> set[str]:
    """Every id a new document must not take: the documents' own ids, and every runbook or
    postmortem id named anywhere in the documents or policy.yml.

    A runbook that is deleted while a decision tree (`runbook:`), a postmortem (`runbooks:`),
    another runbook (`related:`) or a page's text still names its id keeps that id in use:
    handing it to a new runbook would silently re-point all of them. Text is searched, not
    parsed, so broken documents and commented-out lines count too.
    """
    ids: set[str] = set()
    runbooks, postmortems = load.discover(root)
    for path in (*runbooks, *postmortems, root / load.POLICY_FILE):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        ids |= _frontmatter_id(text)
        ids.update(_id_tokens(text))
    return ids


def _id_tokens(text: str) -> Iterator[str]:
    """The runbook and postmortem ids in text, as whole words (not XRB-1 or A-RB-1)."""
    for match in _ID_TOKEN.finditer(text):
        start = match.start()
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-"):
            yield match.group()


def next_runbook_ids(taken: Iterable[str], count: int = 1) -> list[str]:
    """The next count runbook ids RB-NNNN after the highest one taken: gaps are never filled."""
    numbers = [int(m.group(1)) for i in taken if (m := RUNBOOK_ID.match(i))]
    start = max(numbers, default=0) + 1
    return [f"RB-{n:04d}" for n in range(start, start + count)]


def next_postmortem_id(taken: Iterable[str], year: int) -> str:
    """The next free postmortem id of a year, PM-YYYY-NNN."""
    numbers = [
        int(m.group(2)) for i in taken if (m := POSTMORTEM_ID.match(i)) and int(m.group(1)) == year
    ]
    return f"PM-{year}-{max(numbers, default=0) + 1:03d}"


# --- Templates ---------------------------------------------------------------------------


def runbook_text(
    *,
    id: str,
    title: str,
    service: str,
    owner: str,
    severity: Sequence[str],
    last_reviewed: dt.date,
    status: str = "draft",
    alerts: Sequence[str] = (),
) -> str:
    """A new runbook: required fields, commented optional ones, and the sections to fill in."""
    named = f"alerts: {yaml_list(alerts)}\n" if alerts else ""
    return f"""\
---
id: {yaml_scalar(id)}
title: {yaml_scalar(title)}
service: {yaml_scalar(service)}
owner: {yaml_scalar(owner)}
severity: {yaml_list(severity)}
last_reviewed: {last_reviewed.isoformat()}
status: {status}
{named}# Optional fields: uncomment the ones you use (`opsbook schema runbook` describes them all).
# symptoms:
#   - Alert HighErrorRate firing
#   - Users see "502 Bad Gateway"
# tags: [{slugify(service) or "service"}]
# related: [RB-0001]
# links:
#   - {{title: Service dashboard, url: "https://grafana.example.com/d/{slugify(service)}"}}
# estimated_duration: "15-30 minutes"
---

TODO: one paragraph on what this runbook is for and when to use it.

## Symptoms

TODO: what the on-call engineer sees: the alert that fired, error messages, the dashboard panel
that is out of range. Copy the exact alert name and message so search finds this page.

## Triage

TODO: how to confirm this runbook applies and how bad it is. Give the commands to run and what
their output means, e.g.

```sh
kubectl -n prod get pods -l app={slugify(service) or "service"}
```

## Mitigation

TODO: the steps that stop the impact, safest first (roll back, fail over, scale up, shed load).
Say how long each takes and what could go wrong.

## Verification

TODO: how to tell that the mitigation worked: the metric or check that must be back to normal,
and for how long to watch it.

## Escalation

TODO: who to call when this runbook does not help (team, on-call rotation, vendor support) and
what to hand them.
"""


def postmortem_text(
    *,
    id: str,
    title: str,
    date: dt.date,
    severity: str,
    services: Sequence[str],
    status: str = "draft",
    authors: Sequence[str] = (),
) -> str:
    """A new postmortem: required fields, commented key times and action items, the sections."""
    day = date.isoformat()
    due = (date + dt.timedelta(days=14)).isoformat()
    authors_line = f"authors: {yaml_list(authors)}" if authors else "# authors: [Your Name]"
    return f"""\
---
id: {yaml_scalar(id)}
title: {yaml_scalar(title)}
date: {day}
severity: {yaml_scalar(severity)}
services: {yaml_list(services)}
status: {status}
{authors_line}
# Key times, ISO 8601 with a UTC offset, quoted. started, detected and resolved are required
# before status can be published; all must be in the order below.
# timeline:
#   started: "{day}T14:02:00+00:00"
#   detected: "{day}T14:05:00+00:00"
#   acknowledged: "{day}T14:08:00+00:00"
#   mitigated: "{day}T14:40:00+00:00"
#   resolved: "{day}T15:30:00+00:00"
# runbooks: [RB-0001]        # ids of the runbooks used during the incident
# At least one action item is required before publishing; `opsbook actions` tracks them.
# action_items:
#   - title: Alert on connection-pool saturation
#     owner: platform-team
#     due: {due}
#     status: open             # open, in_progress, done or wont_do
#     link: "https://tracker.example.com/OPS-1234"
---

This postmortem is blameless: it describes what the system and the people in it did, and why
that made sense at the time, so that the organisation can learn from it. Fill in every
placeholder below before review: `opsbook lint` refuses one in review or published that still
has any.

## Summary

TODO: two or three sentences: what happened, who was affected, for how long, and what ended it.

## Impact

TODO: who and what was affected and how badly: failed requests or orders, customers or regions
affected, duration, SLO error budget spent, support tickets, data lost or exposed.

## Timeline

All times UTC. The key times (started, detected, acknowledged, mitigated, resolved) also go in
the frontmatter's `timeline:` so that the handbook can compute time to detect and to resolve.

| Time (UTC) | Event |
|---|---|
| TODO | The first impact (started) |
| TODO | The first alert or report (detected) |
| TODO | An engineer acknowledged the page |
| TODO | The impact stopped (mitigated) |
| TODO | The incident was closed (resolved) |

## Root cause

TODO: the technical chain of events that caused the incident, and the conditions that let it
happen. Name systems and changes, not people.

## Five whys

1. Why did customers see errors? TODO
2. Why did that happen? TODO
3. Why? TODO
4. Why? TODO
5. Why? TODO

## What went well

- TODO: what helped: an alert that fired early, a runbook that worked, a quick rollback.

## What went poorly

- TODO: what slowed the response or made the impact worse: missing alerts, unclear ownership,
  a runbook that was wrong.

## Action items

The action items live in the frontmatter (`action_items:`), each with an owner, a due date and
a status, so that `opsbook actions` and the handbook site can track them until they are done.
Use this section for the reasoning behind them.

- TODO
"""


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
        if _CONTROL.search(value):
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


def _split_list(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def _severities(policy: Policy, *, many: bool) -> Callable[[str], list[str]]:
    known = [s.id for s in policy.severities if s.id]

    def check(value: str) -> list[str]:
        chosen = _split_list([value])
        if not chosen:
            raise ScaffoldError("give at least one severity")
        if not many and len(chosen) > 1:
            raise ScaffoldError("a postmortem has exactly one severity")
        if not known:
            raise ScaffoldError("policy.yml defines no severities: add them there first")
        unknown = [s for s in chosen if s not in known]
        if unknown:
            raise ScaffoldError(
                f"unknown severity {', '.join(repr(s) for s in unknown)}: policy.yml defines "
                f"{', '.join(known)}"
            )
        return chosen

    return check


def _severity_help(policy: Policy) -> str:
    return ", ".join(f"{s.id} ({s.name})" if s.name else s.id for s in policy.severities)


def _services(value: str) -> list[str]:
    services = [_service(s) for s in _split_list([value])]
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


def _write_new(path: Path, text: str) -> None:
    """Create path with text, complete or not at all, and never over an existing file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fsutil.WriteError(path, fsutil.reason(exc)) from None
    try:
        fsutil.create_exclusive(path, text)
    except FileExistsError:
        raise ScaffoldError(
            f"{display_path(path)} already exists and opsbook never overwrites a file: "
            "choose another --title or give --slug"
        ) from None


def new_runbook(
    root: Path,
    policy: Policy,
    *,
    title: str,
    service: str,
    owner: str,
    severity: Sequence[str],
    today: dt.date,
    status: str = "draft",
    slug: str | None = None,
    alerts: Sequence[str] = (),
) -> Path:
    """Write runbooks/<service>/<slug>.md with the next id above those in use; never overwrites."""
    for sev in severity:
        _severities(policy, many=True)(sev)
    for name in alerts:  # as the runbook schema's `alerts` items: a URL path segment
        if not re.fullmatch(r"(?!\.\.?$)[^/\\?#%\x00-\x1f\x7f]+", name):
            raise ScaffoldError(
                f"--alert {name!r}: an alert name has no '/', '\\', '?', '#', '%' or control "
                "characters and is not '.' or '..' (the site serves it at /alerts/<name>/)"
            )
    # The lock is held from reading the ids in use until the file exists, so that parallel
    # runs never pick the same id.
    with fsutil.handbook_lock(root):
        rb_id = next_runbook_ids(ids_in_use(root))[0]
        name = slugify(slug or title) or rb_id.lower()
        path = root / load.RUNBOOK_DIR / slugify(service) / f"{name}.md"
        text = runbook_text(
            id=rb_id,
            title=title,
            service=service,
            owner=owner,
            severity=severity,
            last_reviewed=today,
            status=status,
            alerts=list(dict.fromkeys(alerts)),
        )
        _write_new(path, text)
    return path


def new_postmortem(
    root: Path,
    policy: Policy,
    *,
    title: str,
    date: dt.date,
    severity: str,
    services: Sequence[str],
    status: str = "draft",
    authors: Sequence[str] = (),
    slug: str | None = None,
) -> Path:
    """Write postmortems/YYYY-MM-DD-<slug>.md with the next id of its year above those in use."""
    _severities(policy, many=False)(severity)
    with fsutil.handbook_lock(root):
        pm_id = next_postmortem_id(ids_in_use(root), date.year)
        name = slugify(slug or title) or pm_id.lower()
        path = root / load.POSTMORTEM_DIR / f"{date.isoformat()}-{name}.md"
        text = postmortem_text(
            id=pm_id,
            title=title,
            date=date,
            severity=severity,
            services=services,
            status=status,
            authors=authors,
        )
        _write_new(path, text)
    return path


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
                    _severities(policy, many=True),
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
                    _severities(policy, many=False),
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
                authors=_split_list(args.author or []),
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

TEMPLATE_DIR = ("templates", "handbook")
# Template names that cannot be shipped as is: dotfiles (not every packaging tool keeps them)
# and Python files (they are the handbook's, not opsbook's: no linting or type checking here).
_DOT_PREFIX = "dot-"
_VERBATIM_SUFFIX = ".tmpl"


def template_root() -> Traversable:
    """The packaged handbook template (works from a wheel as well as from a checkout)."""
    node = resources.files("opsbook")
    for part in TEMPLATE_DIR:
        node = node / part
    return node


def _template_files(node: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _template_files(child, rel + "/")
        else:
            yield rel, child


def _target_rel(rel: str, values: dict[str, str]) -> str:
    parts = []
    for part in rel.split("/"):
        if part.startswith(_DOT_PREFIX):
            part = "." + part[len(_DOT_PREFIX) :]
        if part.endswith(_VERBATIM_SUFFIX):
            part = part[: -len(_VERBATIM_SUFFIX)]
        parts.append(_substitute(part, values))
    return "/".join(parts)


def _substitute(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def site_name_for(target: Path) -> str:
    """A site name from the directory name: incident-handbook -> Incident handbook."""
    words = re.sub(r"[-_.]+", " ", target.resolve().name).strip()
    return (words[:1].upper() + words[1:]) if words else "Incident handbook"


@dataclass
class InitResult:
    """What `init` did: the files written, the copies kept of replaced ones, the failures."""

    written: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, Path]] = field(default_factory=list)  # (replaced file, its copy)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # (file, why)
    # Where requirements.txt installs opsbook from (see provenance).
    source: provenance.Source | None = None


def init_handbook(
    target: Path, *, today: dt.date, force: bool = False, site_name: str | None = None
) -> InitResult:
    """Write a complete handbook repository into target.

    Refuses (ScaffoldError) a target that is a file, or a non-empty directory unless force.
    With force, a file of the same name whose content differs is kept beside the new one as
    <name>.orig (.orig.1, ... when taken) before it is replaced, other files are left alone,
    and nothing is written at all when a file or folder on the way is a symbolic link, since
    writing through it would change a file outside the handbook. Each file is written
    atomically; one that cannot be written is reported in the result and the others are
    still written.
    """
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ScaffoldError(
            f"{target} is not empty: choose a new directory, or give --force to write into "
            "it anyway (files of the same names are replaced; their old content is kept as "
            "<name>.orig)"
        )
    incident_day = today - dt.timedelta(days=7)
    name = site_name or site_name_for(target)
    if _CONTROL.search(name):
        raise ScaffoldError("the site name must be one line without control characters")
    values = {
        # The name is a heading of README.md and docs/index.md: Markdown, where it is data.
        "SITE_NAME": md(name),
        "SITE_NAME_YAML": yaml_scalar(name),
        "TODAY": today.isoformat(),
        "PM_DATE": incident_day.isoformat(),
        "PM_YEAR": str(incident_day.year),
        "DUE_DONE": (incident_day + dt.timedelta(days=5)).isoformat(),
        "DUE_OPEN": (today + dt.timedelta(days=30)).isoformat(),
        "PYTHON_VERSION": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    files: dict[str, bytes] = {}
    for rel, node in _template_files(template_root()):
        data = node.read_bytes()
        if not rel.endswith(_VERBATIM_SUFFIX):
            with contextlib.suppress(UnicodeDecodeError):  # a binary asset: copied as is
                data = _substitute(data.decode("utf-8"), values).encode("utf-8")
        files[_target_rel(rel, values)] = data
    for kind in schemas.KINDS:
        text, _origin = schemas.schema_text(None, kind)
        files[f"schemas/{kind}.schema.json"] = text.encode("utf-8")
    source = provenance.opsbook_source()
    requirements = provenance.requirements_text(source, provenance.dependency_pins())
    files["requirements.txt"] = requirements.encode("utf-8")
    links = [link for rel in sorted(files) if (link := fsutil.symlink_on_the_way(target, rel))]
    if links:
        shown = ", ".join(dict.fromkeys(display_path(link) for link in links))
        raise ScaffoldError(
            f"{shown} is a symbolic link: opsbook init never writes through one, since that "
            "would change a file outside the handbook; remove the link (or replace it by the "
            "file itself) and run init again. Nothing was written"
        )
    result = InitResult(source=source)
    for rel, data in sorted(files.items()):
        _init_file(target / rel, data, result)
    return result


def _init_file(path: Path, data: bytes, result: InitResult) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = path.read_bytes() if path.is_file() else None
    except OSError as exc:
        result.failed.append((path, fsutil.reason(exc)))
        return
    if existing == data:
        result.written.append(path)  # already what init would write
        return
    backup = None
    try:
        if existing is not None:
            backup = fsutil.keep_copy(path)
        fsutil.atomic_write(path, data)
    except fsutil.WriteError as exc:
        if backup is not None:  # the original is still in place: the copy is not needed
            with contextlib.suppress(OSError):
                backup.unlink()
        result.failed.append((path, exc.reason))
        return
    result.written.append(path)
    if backup is not None:
        result.kept.append((path, backup))


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
        "  opsbook lint && mkdocs serve",
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
