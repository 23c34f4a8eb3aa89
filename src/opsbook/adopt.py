"""`opsbook adopt`: bring existing Markdown runbooks under the handbook format.

The frontmatter is edited as text, never re-dumped: missing required fields are appended as
new lines, so existing keys keep their order, their quoting and their comments, and the body
is not touched at all. Keys that are not in the runbook schema (Hugo's `weight`, `aliases`,
...) are commented out in place, under a note, so that nothing is lost and the collection
lints clean; `--keep-unknown` leaves them as they are (for a handbook whose own schema allows
them). A Hugo section page (`_index.md`) with no body is navigation only and is removed; one
with a body is adopted like any other runbook.

Every edit is checked before it is written: the new frontmatter must parse, and read back as
the old keys (less the commented-out ones) plus the added fields.

Only runbooks under the handbook's runbooks/ that are not opsbook documents yet are changed
(`select`, `opsbook_id`): a postmortem has a timeline and action items that the runbook schema
would have commented out, and a file with an opsbook id is lint's to check. Each file is
replaced atomically (fsutil.atomic_write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsbook import fsutil, load, schemas, yamlsafe
from opsbook.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    add_root_today,
    display_path,
    fail,
    open_handbook,
)
from opsbook.model import Policy
from opsbook.scaffold import (
    POSTMORTEM_ID,
    RUNBOOK_ID,
    ScaffoldError,
    ids_in_use,
    next_runbook_ids,
    yaml_list,
    yaml_scalar,
)

# The required runbook fields adopt can fill in, in the order they are added.
ADDED_FIELDS = ("id", "title", "service", "owner", "severity", "last_reviewed")
SECTION_PAGE = "_index.md"
UNKNOWN_NOTE = "# opsbook adopt: not opsbook fields, kept as comments:"
_HEADING = re.compile(r"^#\s+(?P<text>.+?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


# Hugo's ref/relref shortcodes, {{< ref "x.md" >}} or {{% relref "x.md#anchor" %}}: links that
# only Hugo resolves. The target may be double-quoted, single-quoted or bare.
HUGO_REF = re.compile(
    r"""\{\{([<%])\s*(?:rel)?ref\s+(?:"(?P<dq>[^"]+)"|'(?P<sq>[^']+)'|(?P<bare>[^\s"'%>]+))"""
    r"""\s*[>%]\}\}"""
)


def hugo_ref_links(markdown: str) -> str:
    """Markdown with Hugo's relative `ref`/`relref` shortcodes replaced by their target path.

    `[Disk full]({{< ref "./DiskFull.md" >}})` becomes `[Disk full](./DiskFull.md)`, which
    MkDocs (and GitHub) resolve relative to the page just as Hugo did. Targets from the site
    root ("/runbooks/x.md") depend on Hugo's content folder and are left as they are.
    """

    def replace(match: re.Match[str]) -> str:
        target = match.group("dq") or match.group("sq") or match.group("bare") or ""
        return match.group(0) if target.startswith("/") else target

    return HUGO_REF.sub(replace, markdown)


class AdoptError(Exception):
    """A file that cannot be adopted safely; the message says why and what to do."""


@dataclass
class Analysis:
    """What a file has, before anything is decided about it."""

    path: Path
    shown: str
    text: str
    bom: bool
    newline: str
    lines: list[str]  # with line ends
    fm_end: int | None  # index of the closing '---' line; None: no frontmatter
    data: dict[str, Any]
    node: yaml.Node | None
    body: str
    remove: bool = False


@dataclass
class Change:
    """The result for one file: its new text (None: removed) and what was done."""

    path: Path
    shown: str
    old: str
    new: str | None
    added: list[str] = field(default_factory=list)
    commented: list[str] = field(default_factory=list)
    bom: bool = False
    links: int = 0  # Hugo ref shortcodes rewritten as links
    known_id: str | None = None  # already an opsbook runbook: left alone

    @property
    def changed(self) -> bool:
        return self.new != self.old

    def summary(self) -> str:
        if self.new is None:
            return f"{self.shown}: removed (a Hugo section page with no content)"
        if self.known_id is not None:
            return (
                f"{self.shown}: already adopted, unchanged: it has the opsbook id "
                f"{self.known_id} (`opsbook lint` checks it)"
            )
        if not self.changed:
            return f"{self.shown}: already adopted, unchanged"
        parts = []
        if self.added:
            parts.append("added " + ", ".join(self.added))
        if self.commented:
            parts.append("commented out " + ", ".join(self.commented))
        if self.links:
            parts.append(f"rewrote {self.links} Hugo ref link{'s' if self.links > 1 else ''}")
        return f"{self.shown}: " + "; ".join(parts)

    def diff(self) -> str:
        old = self.old.splitlines(keepends=True)
        new = [] if self.new is None else self.new.splitlines(keepends=True)
        to = "/dev/null" if self.new is None else f"b/{self.shown}"
        lines = difflib.unified_diff(old, new, f"a/{self.shown}", to)
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class Options:
    """The flags of one adopt run."""

    today: dt.date
    owner: str | None = None
    severity: list[str] = field(default_factory=list)
    service: str | None = None
    keep_unknown: bool = False
    convert_hugo_links: bool = False


@dataclass
class Skip:
    """A path adopt leaves alone, and why."""

    shown: str
    reason: str

    def line(self) -> str:
        return f"opsbook: {self.shown}: skipped: {self.reason}"


def _has_markdown(top: Path) -> bool:
    for _dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if any(n.endswith(".md") for n in filenames):
            return True
    return False


def _skip_reason(real: Path, root: Path) -> str:
    """Why a path inside the handbook but outside runbooks/ is not adopted."""
    if real.is_relative_to((root / load.POSTMORTEM_DIR).resolve()):
        return "postmortems are not adopted: start each one with `opsbook new postmortem`"
    return (
        f"not under {load.RUNBOOK_DIR}/: adopt changes only the runbooks there (move a "
        f"runbook into {load.RUNBOOK_DIR}/<service>/ first)"
    )


def select(paths: Iterable[Path], root: Path) -> tuple[list[Path], list[Skip]]:
    """The *.md files adopt may change among paths, each once, in order, and what it skips.

    Only files under the handbook's runbooks/ are adopted, never through a symbolic link. A
    path outside the handbook, or inside it but outside runbooks/ (postmortems/, docs/, the
    README), is skipped with one line naming it; a directory holding runbooks/ (the handbook
    itself, `.`) is searched, its other folders and files skipped one line each.
    """
    real_root = root.resolve()
    runbooks = (root / load.RUNBOOK_DIR).resolve()
    found: list[Path] = []
    skips: list[Skip] = []
    seen: set[Path] = set()

    def consider(candidate: Path, shown: str) -> None:
        if candidate.is_symlink():
            skips.append(Skip(shown, "it is a symbolic link: adopt the file it points to"))
            return
        real = candidate.resolve()
        if not real.is_relative_to(runbooks):
            skips.append(Skip(shown, _skip_reason(real, root)))
        elif real not in seen:
            seen.add(real)
            found.append(candidate)

    for path in paths:
        real = path.resolve()
        if not real.is_relative_to(real_root):
            skips.append(
                Skip(
                    str(path),
                    f"outside the handbook {real_root}: adopt changes only the runbooks under "
                    f"{runbooks}",
                )
            )
        elif not path.is_dir() or path.is_symlink():
            consider(path, display_path(path))
        elif real.is_relative_to(runbooks):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.endswith(".md"):
                        file = Path(dirpath, name)
                        consider(file, display_path(file))
        elif runbooks.is_relative_to(real):
            # The handbook itself or a folder holding runbooks/: walk only towards runbooks/.
            for dirpath, dirnames, filenames in os.walk(path):
                here = Path(dirpath)
                if here.resolve().is_relative_to(runbooks):
                    dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                    keep = dirnames
                else:
                    keep = []
                    for d in sorted(d for d in dirnames if not d.startswith(".")):
                        sub = (here / d).resolve()
                        if sub.is_relative_to(runbooks) or runbooks.is_relative_to(sub):
                            keep.append(d)
                        elif _has_markdown(here / d):
                            skips.append(Skip(display_path(here / d), _skip_reason(sub, root)))
                    dirnames[:] = keep
                for name in sorted(filenames):
                    if name.endswith(".md"):
                        file = here / name
                        consider(file, display_path(file))
        else:
            skips.append(Skip(display_path(path), _skip_reason(real, root)))
    return found, skips


def opsbook_id(data: dict[str, Any]) -> str | None:
    """The frontmatter's id if it has the form of an opsbook id (RB-0001, PM-2026-001)."""
    value = data.get("id")
    if isinstance(value, str) and (RUNBOOK_ID.match(value) or POSTMORTEM_ID.match(value)):
        return value
    return None


def analyse(path: Path, shown: str) -> Analysis:
    """Read a file and split off its frontmatter; raises AdoptError if it cannot be edited."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AdoptError(f"cannot read it ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AdoptError("it is not UTF-8: re-save it as UTF-8 first") from None
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return Analysis(path, shown, text, bom, newline, lines, None, {}, None, text)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise AdoptError(
            "its frontmatter opened on line 1 is never closed: add a line '---' after the "
            "last field, then run adopt again"
        )
    data, node, errors = yamlsafe.load("".join(lines[1:end]), 1)
    if errors:
        first = errors[0]
        raise AdoptError(f"line {first.line + 2}: {first.message}; then run adopt again")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AdoptError("its frontmatter is not a mapping of 'key: value' lines")
    if data and getattr(node, "flow_style", False):
        raise AdoptError(
            "its frontmatter is one {...} flow mapping: write it as 'key: value' lines first"
        )
    return Analysis(
        path, shown, text, bom, newline, lines, end, data, node, "".join(lines[end + 1 :])
    )


def first_heading(body: str) -> str | None:
    """The text of the first `# heading` of a Markdown body, outside code blocks."""
    fenced = False
    for line in body.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced and (match := _HEADING.match(line)):
            return match.group("text").strip()
    return None


def git_date(path: Path) -> dt.date | None:
    """The day of the file's last commit (`git log -1 --format=%cs`), or None outside git."""
    try:
        proc = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    try:
        return dt.date.fromisoformat(proc.stdout.strip())
    except ValueError:
        return None


def is_empty_section_page(analysis: Analysis) -> bool:
    """A Hugo `_index.md` with no body and no opsbook id: navigation only, nothing to keep."""
    return (
        analysis.path.name == SECTION_PAGE
        and not analysis.body.strip()
        and "id" not in analysis.data
    )


def _key_lines(analysis: Analysis) -> dict[str, tuple[int, int]]:
    """Each top-level key's lines in the file, as [first, last) indexes into analysis.lines."""
    node = analysis.node
    if analysis.fm_end is None or not isinstance(node, yaml.MappingNode):
        return {}
    starts = [(str(k.value), k.start_mark.line + 1, k.start_mark.column) for k, _v in node.value]
    ranges: dict[str, tuple[int, int]] = {}
    for i, (key, start, column) in enumerate(starts):
        stop = starts[i + 1][1] if i + 1 < len(starts) else analysis.fm_end
        # Blank lines and comments between two keys belong to neither: leave them be.
        while stop > start + 1:
            line = analysis.lines[stop - 1]
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if stripped and not (stripped.startswith("#") and indent <= column):
                break
            stop -= 1
        ranges[key] = (start, stop)
    return ranges


def plan(
    analysis: Analysis,
    values: dict[str, Any],
    known: set[str] | None,
    convert_hugo_links: bool = False,
) -> Change:
    """The edited text: values appended as new fields, unknown keys commented out.

    known is the set of fields the schema allows (None: any field is allowed). The body is
    kept byte for byte, unless convert_hugo_links asks to rewrite Hugo's ref shortcodes.
    """
    nl = analysis.newline
    added = [k for k in ADDED_FIELDS if k in values]
    new_lines = [f"{k}: {_render(values[k])}{nl}" for k in added]
    commented: list[str] = []
    lines = list(analysis.lines)
    if analysis.fm_end is None:
        lines = [f"---{nl}", *new_lines, f"---{nl}", *lines]
        closing = len(new_lines) + 1
    else:
        ranges = _key_lines(analysis)
        unknown = [k for k in ranges if known is not None and k not in known]
        for key in unknown:
            start, stop = ranges[key]
            for i in range(start, stop):
                line = lines[i]
                lines[i] = "# " + line if line.strip() else line
            commented.append(key)
        # Notes go in from the bottom so that earlier indexes stay valid.
        for key in reversed(unknown):
            start, _stop = ranges[key]
            previous = unknown[unknown.index(key) - 1] if unknown.index(key) > 0 else None
            if previous is not None and ranges[previous][1] == start:
                continue  # same block as the key above: one note is enough
            lines.insert(start, UNKNOWN_NOTE + nl)
        end = analysis.fm_end + (len(lines) - len(analysis.lines))
        last = lines[end - 1] if end > 1 else ""
        if end > 1 and not last.endswith(("\n", "\r")):
            lines[end - 1] = last + nl
        lines[end:end] = new_lines
        closing = end + len(new_lines)
    body = "".join(lines[closing + 1 :])
    links = 0
    if convert_hugo_links:
        converted = hugo_ref_links(body)
        links = len(HUGO_REF.findall(body)) - len(HUGO_REF.findall(converted))
        body = converted
    new = "".join(lines[: closing + 1]) + body
    change = Change(
        analysis.path, analysis.shown, analysis.text, new, added, commented, analysis.bom, links
    )
    _verify(analysis, change, values, body)
    return change


def _render(value: Any) -> str:
    if isinstance(value, list):
        return yaml_list([str(v) for v in value])
    if isinstance(value, dt.date):
        return value.isoformat()
    return yaml_scalar(str(value))


def _verify(analysis: Analysis, change: Change, values: dict[str, Any], body: str) -> None:
    """The edit must read back as the old keys, less the commented ones, plus the added ones."""
    assert change.new is not None
    lines = change.new.splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    data, _node, errors = yamlsafe.load("".join(lines[1:end])) if end else (None, None, [])
    expected = {k: v for k, v in analysis.data.items() if k not in change.commented}
    for key in change.added:
        value = values[key]
        expected[key] = value.isoformat() if isinstance(value, dt.date) else value
    body_kept = "".join(lines[end + 1 :]) == body if end else False
    if errors or data != expected or not body_kept:
        raise AdoptError(
            "its frontmatter cannot be edited line by line (anchors, aliases or unusual "
            "indentation?): add the missing fields by hand or simplify it, then run adopt again"
        )


@dataclass
class Plan:
    """What adopt would do: the changes, the files it cannot adopt (and why), the missing
    flags, and the files it leaves alone (opsbook postmortems under runbooks/)."""

    changes: list[Change]
    errors: dict[Path, str]
    missing: list[str]
    skips: list[Skip]


def adopt(
    files: Sequence[Path],
    root: Path,
    options: Options,
    known: set[str] | None,
    shown: dict[Path, str] | None = None,
) -> Plan:
    """Plan every file's change.

    Nothing is written here. Files whose frontmatter already has an opsbook id are left as
    they are. Missing flags (--owner, --severity, --service) are named when some file needs a
    value only a flag can give. New ids are above every id in use (ids_in_use); hold
    fsutil.handbook_lock from planning until the changes are written.
    """
    shown = shown or {}
    analyses: list[Analysis] = []
    errors: dict[Path, str] = {}
    changes: list[Change] = []
    skips: list[Skip] = []
    for path in files:
        try:
            a = analyse(path, shown.get(path, str(path)))
        except AdoptError as exc:
            errors[path] = str(exc)
            continue
        # A file with an opsbook id is an opsbook document already: whatever it lacks is
        # lint's to report, not adopt's to guess (a misspelt field would be commented out).
        known_id = opsbook_id(a.data)
        if known_id is None:
            analyses.append(a)
        elif RUNBOOK_ID.match(known_id):
            changes.append(Change(a.path, a.shown, a.text, a.text, known_id=known_id))
        else:
            skips.append(
                Skip(
                    a.shown,
                    f"it is an opsbook postmortem (id {known_id}): move it to "
                    f"{load.POSTMORTEM_DIR}/",
                )
            )
    for a in analyses:
        a.remove = is_empty_section_page(a)
    keep = [a for a in analyses if not a.remove]
    missing: list[str] = []
    if options.owner is None and any("owner" not in a.data for a in keep):
        missing.append("--owner")
    if not options.severity and any("severity" not in a.data for a in keep):
        missing.append("--severity")
    runbooks_dir = (root / load.RUNBOOK_DIR).resolve()
    if options.service is None and any(
        "service" not in a.data and a.path.resolve().parent == runbooks_dir for a in keep
    ):
        missing.append("--service")
    if missing:
        return Plan([], errors, missing, skips)

    taken = ids_in_use(root) | {
        str(a.data["id"]) for a in analyses if isinstance(a.data.get("id"), str)
    }
    fresh = iter(next_runbook_ids(taken, sum("id" not in a.data for a in keep)))
    for a in analyses:
        if a.remove:
            changes.append(Change(a.path, a.shown, a.text, None))
            continue
        values: dict[str, Any] = {}
        if "id" not in a.data:
            values["id"] = next(fresh)
        if "title" not in a.data:
            values["title"] = first_heading(a.body) or a.path.stem
        if "service" not in a.data:
            values["service"] = options.service or a.path.resolve().parent.name
        if "owner" not in a.data:
            values["owner"] = options.owner
        if "severity" not in a.data:
            values["severity"] = list(options.severity)
        if "last_reviewed" not in a.data:
            values["last_reviewed"] = git_date(a.path) or options.today
        try:
            changes.append(plan(a, values, known, options.convert_hugo_links))
        except AdoptError as exc:
            errors[a.path] = str(exc)
    order = {path: i for i, path in enumerate(files)}
    changes.sort(key=lambda c: order[c.path])
    return Plan(changes, errors, missing, skips)


def write(change: Change) -> None:
    """Carry out one change: replace the file atomically with its new text (keeping a byte
    order mark), or remove it; raises fsutil.WriteError naming the file, which is then as it
    was."""
    if change.new is None:
        try:
            change.path.unlink()
        except OSError as exc:
            raise fsutil.WriteError(change.path, fsutil.reason(exc)) from None
        return
    data = ("\ufeff" if change.bom else "") + change.new
    fsutil.atomic_write(change.path, data.encode("utf-8"))


def write_all(changes: Iterable[Change]) -> dict[Path, str]:
    """Carry out every change that changes something; the reasons of those that failed."""
    failed: dict[Path, str] = {}
    for change in changes:
        if change.changed:
            try:
                write(change)
            except fsutil.WriteError as exc:
                failed[change.path] = exc.reason
    return failed


def known_fields(root: Path) -> set[str] | None:
    """The runbook fields the handbook's schema allows; None when it allows any field."""
    schema = schemas.validator(root, "runbook").schema
    if not isinstance(schema, dict) or schema.get("additionalProperties", True) is not False:
        return None
    return set(schema.get("properties", {}))


def _run(args: argparse.Namespace) -> int:
    def read(root: Path, _today: dt.date) -> tuple[Policy, set[str] | None]:
        return load.load_policy(root)[0], None if args.keep_unknown else known_fields(root)

    opened = open_handbook(args, read)
    if isinstance(opened, int):
        return opened
    root, today, (policy, known) = opened
    severity = [s.strip() for v in args.severity or [] for s in v.split(",") if s.strip()]
    defined = [s.id for s in policy.severities]
    unknown = [s for s in severity if s not in defined]
    if unknown:
        return fail(
            f"--severity: unknown severity {', '.join(repr(s) for s in unknown)}: policy.yml "
            f"defines {', '.join(defined) or 'none'}"
        )
    for flag, value in (("--owner", args.owner), ("--service", args.service)):
        if value is not None and not value.strip():
            return fail(f"{flag} must not be empty")
    paths = [Path(p) for p in args.paths]
    absent = [str(p) for p in paths if not p.exists()]
    if absent:
        return fail(f"no such file or directory: {', '.join(absent)}")
    not_md = [str(p) for p in paths if p.is_file() and p.suffix != ".md"]
    if not_md:
        return fail(f"not a Markdown (.md) file: {', '.join(not_md)}")
    files, skips = select(paths, root)
    for skip in skips:
        print(skip.line(), file=sys.stderr)
    if not files:
        if skips:
            return fail(f"nothing to adopt: adopt changes only runbooks under {load.RUNBOOK_DIR}/")
        return fail(f"no Markdown files in {', '.join(args.paths)}")
    options = Options(
        today=today,
        owner=args.owner.strip() if args.owner else None,
        severity=list(dict.fromkeys(severity)),
        service=args.service.strip() if args.service else None,
        keep_unknown=args.keep_unknown,
        convert_hugo_links=args.convert_hugo_links,
    )
    shown = {p: display_path(p) for p in files}
    # Locked from reading the ids in use until the new ones are written: a parallel `new` or
    # `adopt` must not hand out the same ids.
    with fsutil.handbook_lock(root):
        try:
            result = adopt(files, root, options, known, shown)
        except ScaffoldError as exc:
            return fail(str(exc))
        if result.missing:
            return fail(
                f"missing {', '.join(result.missing)}: some files have no such field and "
                "nothing to take it from; give the value as a flag (e.g. --owner sre "
                f"--severity {defined[-1] if defined else 'P3'})"
            )
        failed = {} if args.dry_run else write_all(result.changes)
    for skip in result.skips:
        print(skip.line(), file=sys.stderr)
    for change in result.changes:
        if args.dry_run:
            sys.stdout.write(change.diff())
            if change.known_id is not None:  # stdout is the diff: say it beside it
                print(f"opsbook: {change.summary()}", file=sys.stderr)
        elif change.path not in failed:
            print(change.summary())
    for path, message in result.errors.items():
        print(f"opsbook: error: {shown.get(path, path)}: not adopted: {message}", file=sys.stderr)
    for path, why in failed.items():
        print(
            f"opsbook: error: {shown.get(path, path)}: not written: {why}; the file is as it was",
            file=sys.stderr,
        )
    done = sum(c.changed and c.path not in failed for c in result.changes)
    verb = "would change" if args.dry_run else "changed"
    problems = len(result.errors) + len(failed)
    skipped = f", skipped {len(skips) + len(result.skips)}" if skips or result.skips else ""
    print(
        f"{len(files)} files: {verb} {done}, unchanged "
        f"{sum(not c.changed for c in result.changes)}, failed {problems}{skipped}",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS if problems else EXIT_OK


def register(sub: Any) -> None:
    """Add the `adopt` command to the CLI."""
    p = sub.add_parser(
        "adopt",
        help="add the missing frontmatter fields to existing Markdown runbooks",
        description="Bring existing Markdown runbooks under the handbook format without "
        "touching their bodies: add the missing required fields (id, title, service, owner, "
        "severity, last_reviewed) as new frontmatter lines, keep every existing key in its "
        "order with its comments, and comment out keys the schema does not allow. Empty Hugo "
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
        help="service of files that have none (default: the name of the file's folder)",
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
        "links (the only change adopt ever makes to a body)",
    )
    p.add_argument("--dry-run", action="store_true", help="print a unified diff and write nothing")
    add_root_today(p, "last_reviewed for files outside git")
    p.set_defaults(func=_run)
