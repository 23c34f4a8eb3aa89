"""`opsbook adopt`: bring existing Markdown runbooks under the handbook format.

The frontmatter is edited as text, never re-dumped: missing fields are appended as new lines,
so existing keys keep their order, their quoting and their comments. (A TOML or JSON
frontmatter is read with python-frontmatter and written anew as YAML lines, the same fields in
the same order.) Keys that are not in the runbook schema (Hugo's `weight`, `aliases`, ...) are
commented out in place, under a note, so that nothing is lost and the collection lints clean;
`--keep-unknown` leaves them as they are (for a handbook whose own schema allows them). A Hugo
section page (`_index.md`) with no body is navigation only and is removed; one with a body is
adopted like any other runbook.

What the content already says is kept (sourcesite): its title (or the old nav's, or its name
in words), description, owner, tags and review or change date; with `--source`, the source
repository's last change to the file and the addresses the old site served (`old_paths`).
With no history at all a runbook is `last_reviewed: never`, never the day of the import.
Bodies are changed only where Markdown written for another host would not render as meant
(dialects: two-space nested lists, table-of-contents tokens; Hugo links when asked), outside
code, and each change is said. Documents matching `--pages` are pages of the site, not
runbooks: they move to docs/ and the old site's nav goes into mkdocs.yml.

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
import fnmatch
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsbook import (
    alerts,
    dialects,
    docsplit,
    fsutil,
    links,
    load,
    mkdocsconfig,
    oldpaths,
    schemas,
    sourcesite,
    yamlsafe,
)
from opsbook.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    display_path,
    fail,
    open_handbook,
)
from opsbook.docids import POSTMORTEM_ID, RUNBOOK_ID, ids_in_use, next_runbook_ids
from opsbook.model import Policy
from opsbook.newdoc import ScaffoldError
from opsbook.yamlquote import yaml_list, yaml_scalar

# The runbook fields adopt can fill in, in the order they are added: the required ones, then
# what the content itself says (its description, tags, the alert it is named after, the
# addresses of its old site).
ADDED_FIELDS = (
    *("id", "title", "summary", "service", "owner", "severity", "last_reviewed"),
    *("tags", "symptoms", "alerts", "old_paths"),
)
SECTION_PAGE = "_index.md"
UNKNOWN_NOTE = "# opsbook adopt: not opsbook fields, kept as comments:"
_HEADING = re.compile(r"^#\s+(?P<text>.+?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


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
    converted: str = ""  # "TOML" or "JSON": the frontmatter is written anew as YAML
    notes: list[str] = field(default_factory=list)  # what adopt could not keep, said


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
    notes: list[str] = field(default_factory=list)  # other changes to the body, said as done
    converted: str = ""
    dest: Path | None = None  # a page, not a runbook: written there (under docs/), path removed
    dest_shown: str = ""
    kept: Path | None = None  # the file that was at dest, kept beside it
    top: Path | None = None  # folders emptied by the move are removed up to here

    @property
    def moved(self) -> bool:
        return self.dest is not None

    @property
    def changed(self) -> bool:
        return self.new != self.old or self.dest is not None

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
        if self.dest is not None:
            parts.append(f"moved to {self.dest_shown} (a page of the site, not a runbook)")
        if self.converted:
            parts.append(f"rewrote its {self.converted} frontmatter as YAML")
        if self.added:
            parts.append("added " + ", ".join(self.added))
        if self.commented:
            parts.append("commented out " + ", ".join(self.commented))
        if self.links:
            parts.append(f"rewrote {self.links} Hugo ref link{'s' if self.links > 1 else ''}")
        parts.extend(self.notes)
        return f"{self.shown}: " + "; ".join(parts)

    def diff(self) -> str:
        old = self.old.splitlines(keepends=True)
        new = [] if self.new is None else self.new.splitlines(keepends=True)
        to = "/dev/null" if self.new is None else f"b/{self.dest_shown or self.shown}"
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
    # Where the files came from: `source` is the copy of `base` (the path given to adopt)
    # in the old site's tree; `site` what is known of that site.
    source: Path | None = None
    base: Path | None = None
    site: sourcesite.Site = field(default_factory=sourcesite.Site)
    # Patterns (fnmatch, on the path below the given PATH) of the documents that are pages
    # of the site (guides, process pages, a home page), not runbooks: they go to docs/.
    pages: list[str] = field(default_factory=list)

    def is_page(self, path: Path) -> bool:
        if not self.pages:
            return False
        base = (self.base or path.parent).resolve()
        real = path.resolve()
        rel = real.relative_to(base).as_posix() if real.is_relative_to(base) else path.name
        return any(
            fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(path.name, p) for p in self.pages
        )

    def page_rel(self, path: Path) -> str:
        """Where a page goes under docs/: its path below the given PATH, as on its old site."""
        base = (self.base or path.parent).resolve()
        real = path.resolve()
        return real.relative_to(base).as_posix() if real.is_relative_to(base) else path.name

    def origin(self, path: Path) -> Path | None:
        """The file path was copied from, if the source is known."""
        if self.source is None or self.base is None:
            return None
        base = self.base.resolve()
        real = path.resolve()
        if real == base:
            return self.source
        try:
            return self.source / real.relative_to(base)
        except ValueError:
            return None


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
    try:
        other = sourcesite.other_frontmatter(text)
    except sourcesite.FrontmatterError as exc:
        raise AdoptError(f"{exc}; fix it, then run adopt again") from None
    if other is not None:
        # TOML (Hugo's +++) or JSON: edited as the same fields in YAML, the body kept.
        kind, data, body = other
        yaml_text = f"---{newline}{sourcesite.as_yaml(data, newline)}---{newline}{body}"
        a = _analyse_yaml(path, shown, yaml_text, bom, newline)
        a.text, a.converted = text, kind
        return a
    return _analyse_yaml(path, shown, text, bom, newline)


def _analyse_yaml(path: Path, shown: str, text: str, bom: bool, newline: str) -> Analysis:
    lines = text.splitlines(keepends=True)
    if not docsplit.opens(lines):
        return Analysis(path, shown, text, bom, newline, lines, None, {}, None, text)
    end = docsplit.closing(lines)
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
    body, notes = convert_body("".join(lines[closing + 1 :]))
    links = 0
    if convert_hugo_links:
        body, links = dialects.convert_hugo_links(body)
    new = "".join(lines[: closing + 1]) + body
    change = Change(
        analysis.path,
        analysis.shown,
        analysis.text,
        new,
        added,
        commented,
        analysis.bom,
        links,
        notes=[*notes, *analysis.notes],
        converted=analysis.converted,
    )
    _verify(analysis, change, values, body)
    return change


def convert_body(body: str) -> tuple[str, list[str]]:
    """A body written for another host, made to render as it did there, and what changed.

    Two-space nested lists are indented by four (Python-Markdown nests only those), and
    other tools' table-of-contents tokens, which would show as text, are removed; code is
    never touched (dialects).
    """
    notes: list[str] = []
    body, nested = dialects.nest_lists(body)
    if nested:
        notes.append(
            f"indented {nested} line{'s' if nested > 1 else ''} of two-space nested lists "
            "by four spaces"
        )
    body, markers = dialects.strip_toc_markers(body)
    if markers:
        notes.append(
            f"removed {markers} table-of-contents marker{'s' if markers > 1 else ''} "
            "(the site has its own)"
        )
    return body, notes


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
    end = docsplit.closing(lines)
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
    pages = [a for a in analyses if not a.remove and options.is_page(a.path)]
    for a in pages:
        try:
            changes.append(plan_page(a, root, options))
        except AdoptError as exc:
            errors[a.path] = str(exc)
    analyses = [a for a in analyses if a not in pages]
    keep = [a for a in analyses if not a.remove]
    missing: list[str] = []
    if options.owner is None and any(
        "owner" not in a.data and sourcesite.owner_of(a.data) is None for a in keep
    ):
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
        values = fill(a, root, options)
        if "id" not in a.data:
            values = {"id": next(fresh), **values}
        try:
            changes.append(plan(a, values, known, options.convert_hugo_links))
        except AdoptError as exc:
            errors[a.path] = str(exc)
    order = {path: i for i, path in enumerate(files)}
    changes.sort(key=lambda c: order[c.path])
    return Plan(changes, errors, missing, skips)


def plan_page(a: Analysis, root: Path, options: Options) -> Change:
    """A page (not a runbook) moved to docs/: its fields kept, a title added if it has none
    (from its old site's nav, else its name), the body converted like a runbook's."""
    rel = options.page_rel(a.path)
    docs = mkdocsconfig.docs_dir(root)
    link = fsutil.symlink_on_the_way(docs, rel)
    if link is not None:
        raise AdoptError(f"{link} is a symbolic link: a page is never written through one")
    values: dict[str, Any] = {}
    if "title" not in a.data and not first_heading(a.body):
        values["title"] = title_of(a, options)
    change = plan(a, values, None, options.convert_hugo_links)
    change.dest = docs / rel
    change.dest_shown = display_path(change.dest)
    change.top = root / load.RUNBOOK_DIR
    return change


def nav_entries(options: Options, moved: dict[str, str]) -> list[Any]:
    """The old site's nav for the pages moved to docs/ ({old docs path: new docs path}), in
    its order and sections; pages it did not list are left out of it, as they were."""

    def walk(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, str):
                if item in moved:
                    out.append(moved[item])
            elif isinstance(item, dict):
                for title, value in item.items():
                    if isinstance(value, str) and value in moved:
                        out.append({str(title): moved[value]})
                    elif isinstance(value, list) and (inner := walk(value)):
                        out.append({str(title): inner})
        return out

    return walk(options.site.nav_tree)


_TOP_KEY = re.compile(r"^[^\s#-]")


def with_nav(config: str, entries: list[Any]) -> str | None:
    """mkdocs.yml's text with entries put first in its top-level `nav:` (entries whose page
    the nav already lists are left out); None if it has no such nav."""
    lines = config.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^nav:\s*(#.*)?$", line)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    listed = set(re.findall(r"[\w./-]+\.md", "".join(lines[start + 1 : end])))

    def prune(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, str):
                if item not in listed:
                    out.append(item)
            elif isinstance(item, dict):
                title, value = next(iter(item.items()))
                if isinstance(value, list):
                    if inner := prune(value):
                        out.append({title: inner})
                elif value not in listed:
                    out.append(item)
        return out

    kept = prune(entries)
    if not kept:
        return config
    dumped = yaml.safe_dump(kept, sort_keys=False, allow_unicode=True, default_flow_style=False)
    block = "  # opsbook adopt: the old site's pages, in its order\n" + "".join(
        "  " + line for line in dumped.splitlines(keepends=True)
    )
    # After the first entry when it is the home page: the home stays first.
    insert = start + 1
    first = lines[insert] if insert < len(lines) else ""
    if re.match(r"^\s*-\s*(Home:\s*)?['\"]?index\.md", first):
        insert += 1
    return "".join([*lines[:insert], block, *lines[insert:]])


def update_nav(
    root: Path, changes: Sequence[Change], options: Options, failed: dict[Path, str]
) -> str | None:
    """Put the old site's nav of the pages moved to docs/ into mkdocs.yml; what was done."""
    moved: dict[str, str] = {}
    for change in changes:
        if change.dest is None or change.path in failed:
            continue
        origin = options.origin(change.path)
        old = options.site.rel(origin) if origin is not None else None
        if old is not None:
            moved[old] = options.page_rel(change.path)
    if not moved or not options.site.nav_tree:
        return None
    config = root / "mkdocs.yml"
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    new = with_nav(text, nav_entries(options, moved)) if text is not None else None
    if new is None:
        return (
            f"opsbook: {display_path(config)} has no top-level nav: the pages moved to docs/ "
            "are in the site, and in the nav once you list them there"
        )
    if new == text:
        return None
    try:
        fsutil.atomic_write(config, new.encode("utf-8"))
    except fsutil.WriteError as exc:
        return f"opsbook: error: {display_path(config)}: nav not written: {exc.reason}"
    return f"{display_path(config)}: added the old site's nav of {len(moved)} pages, in its order"


def title_of(a: Analysis, options: Options) -> str:
    """The document's first H1, else its title in the old site's nav, else its name in words."""
    heading = first_heading(a.body)
    if heading:
        return heading
    origin = options.origin(a.path)
    rel = options.site.rel(origin) if origin is not None else None
    entry = options.site.nav.get(rel) if rel is not None else None
    if entry is not None and entry.title:
        return entry.title
    stem = a.path.stem
    if stem in ("index", "_index", "README"):
        parent = a.path.parent.name
        return sourcesite.words(parent) if parent else "Home"
    return sourcesite.words(stem)


def fill(a: Analysis, root: Path, options: Options) -> dict[str, Any]:
    """The fields a file lacks, from its own content and history first, flags last."""
    data = a.data
    values: dict[str, Any] = {}
    if "title" not in data:
        values["title"] = title_of(a, options)
    if "summary" not in data:
        for key in ("description", "summary", "abstract"):
            text = data.get(key)
            if isinstance(text, str) and text.strip():
                values["summary"] = " ".join(text.split())
                break
    if "service" not in data:
        # A folder gives the service; --service fills only files directly in runbooks/.
        parent = a.path.resolve().parent
        in_top = parent == (root / load.RUNBOOK_DIR).resolve()
        values["service"] = options.service if in_top else parent.name
    if "owner" not in data:
        values["owner"] = sourcesite.owner_of(data) or options.owner
    if "severity" not in data:
        values["severity"] = list(options.severity)
    origin = options.origin(a.path)
    if "last_reviewed" not in data:
        found = sourcesite.review_date(data)
        if found is not None and found[1] > options.today:
            found = None  # a date to come (a scheduled publication) is no review
        day = found[1] if found else (sourcesite.git_date(origin) if origin else None)
        # Never the day of the import: with no history, the runbook is marked never reviewed.
        values["last_reviewed"] = day if day is not None else "never"
    if "tags" not in data:
        for key in ("keywords", "categories"):
            tags = data.get(key)
            if isinstance(tags, list) and tags and all(isinstance(t, str) for t in tags):
                values["tags"] = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
                break
    alert = sourcesite.alert_name(a.path.stem, first_heading(a.body))
    if "symptoms" not in data and alert:
        values["symptoms"] = [alert]
    # The alert it is named after, matched exactly by the rule checks and /alerts/<name>/.
    if "alerts" not in data and (
        name := alerts.alert_name(a.path.stem, first_heading(a.body) or "")
    ):
        values["alerts"] = [name]
    if "old_paths" not in data and origin is not None:
        own = oldpaths.page_path(a.path.resolve().relative_to(root.resolve()).as_posix())
        found_paths = [p for p in options.site.addresses(origin, data) if p != own]
        # The home page and the generated lists answer there: a redirect would replace them.
        taken = {"/", *(f"/{name}/" for name in links.GENERATED_TOPS)}
        if found_paths:
            values["old_paths"] = [p for p in found_paths if p not in taken]
        for p in found_paths:
            if p in taken:
                a.notes.append(f"did not keep the old address {p} (a handbook page is there)")
    return {k: values[k] for k in ADDED_FIELDS if k in values and values[k] not in ([], None)}


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
    data = (("\ufeff" if change.bom else "") + change.new).encode("utf-8")
    if change.dest is None:
        fsutil.atomic_write(change.path, data)
        return
    # A page: written to docs/ first (an existing different file there kept beside it as
    # NAME.orig), then removed from runbooks/; a failure leaves the runbooks/ copy.
    change.dest.parent.mkdir(parents=True, exist_ok=True)
    if change.dest.exists() and change.dest.read_bytes() != data:
        change.kept = fsutil.keep_copy(change.dest)
    fsutil.atomic_write(change.dest, data)
    try:
        change.path.unlink()
    except OSError as exc:
        raise fsutil.WriteError(change.path, fsutil.reason(exc)) from None
    folder = change.path.parent
    while change.top is not None and folder.resolve() != change.top.resolve():
        try:
            folder.rmdir()  # only when empty: a folder with anything else in it stays
        except OSError:
            break
        folder = folder.parent


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


def run_command(args: argparse.Namespace) -> int:
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
    site = sourcesite.Site()
    source = Path(args.source) if args.source else None
    if source is not None:
        if len(paths) != 1:
            return fail("--source: give one PATH, the copy of the source folder or file")
        if not source.exists():
            return fail(f"--source: no such file or directory: {source}")
    if args.source_config:
        if source is None:
            return fail("--source-config needs --source (the folder the files came from)")
        try:
            site = sourcesite.mkdocs_site(Path(args.source_config))
        except sourcesite.SiteError as exc:
            return fail(str(exc))
    elif source is not None:
        site = sourcesite.hugo_site(source)
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
        source=source,
        base=paths[0] if source is not None else None,
        site=site,
        pages=list(args.pages or []),
    )
    if options.pages and options.base is None:
        options.base = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
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
        nav_note = None if args.dry_run else update_nav(root, result.changes, options, failed)
    for skip in result.skips:
        print(skip.line(), file=sys.stderr)
    for change in result.changes:
        if args.dry_run:
            sys.stdout.write(change.diff())
            if change.known_id is not None:  # stdout is the diff: say it beside it
                print(f"opsbook: {change.summary()}", file=sys.stderr)
        elif change.path not in failed:
            print(change.summary())
            if change.kept is not None:
                print(f"{change.dest_shown}: the file that was there is kept as {change.kept.name}")
    if nav_note is not None:
        print(nav_note, file=sys.stderr if nav_note.startswith("opsbook:") else sys.stdout)
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
