"""Files to models: find the handbook, read documents and policy, keep every position."""

from __future__ import annotations

import datetime as dt
import gc
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsbook import docsplit, schemas, yamlsafe
from opsbook.model import (
    TIMELINE_KEYS,
    ActionItem,
    AlertException,
    AlertPolicy,
    Answer,
    Cadence,
    Channel,
    Contact,
    DecisionTree,
    Handbook,
    Link,
    Node,
    Policy,
    Postmortem,
    Problem,
    Role,
    Runbook,
    Severity,
    Source,
)

POLICY_FILE = "policy.yml"
RUNBOOK_DIR = "runbooks"
POSTMORTEM_DIR = "postmortems"
MARKERS = (POLICY_FILE, "mkdocs.yml")


class ConfigError(Exception):
    """The handbook cannot be checked at all (no policy, unreadable policy or schema)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def find_root(start: Path) -> Path | None:
    """The nearest directory at or above start holding policy.yml or mkdocs.yml."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if any((candidate / name).is_file() for name in MARKERS):
            return candidate
    return None


@dataclass
class Discovery:
    """The documents found under runbooks/ and postmortems/, and the entries refused there."""

    runbooks: list[Path]
    postmortems: list[Path]
    problems: list[Problem]


def _walk_markdown(top: Path, root: Path, real_root: Path, problems: list[Problem]) -> list[Path]:
    if not top.is_dir():
        return []
    refused = _leaves_handbook(top, rel_path(top, root), real_root)
    if refused is not None:
        problems.append(refused)
        return []
    found: list[Path] = []
    _walk(top, top.relative_to(root).as_posix(), real_root, found, problems)
    return found


def _walk(
    folder: Path, rel: str, real_root: Path, found: list[Path], problems: list[Problem]
) -> None:
    """The documents under folder, depth first in name order, each vetted once.

    The entries' types come with the directory listing (no stat a file): a plain file or
    folder cannot lead elsewhere, so only symbolic links are resolved. Folder links are never
    followed (no loop can trap the walk); one leading out of the handbook is reported.
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return  # an unreadable folder holds nothing we could read either
    folders = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue  # .git, .venv, editors' files and folders: never read, never published
        path = Path(entry.path)
        entry_rel = f"{rel}/{name}"
        link = entry.is_symlink()
        if entry.is_dir(follow_symlinks=False):
            folders.append((path, entry_rel))  # a folder's own files come before its folders'
        elif link and path.is_dir():
            outside = _leaves_handbook(path, entry_rel, real_root)
            if outside is not None:
                problems.append(outside)
        elif name.endswith(".md"):
            # Refused here, so that no caller (lint, new's id scan, adopt) ever opens one.
            odd = _bad_name(entry_rel)
            if odd is None and link:
                odd = _leaves_handbook(path, entry_rel, real_root)
            if odd is None and (link or not entry.is_file(follow_symlinks=False)):
                odd = _not_regular(path, entry_rel)
            if odd is not None:
                problems.append(odd)
            else:
                found.append(path)
    for path, entry_rel in folders:
        _walk(path, entry_rel, real_root, found, problems)


def scan(root: Path) -> Discovery:
    """Runbook and postmortem Markdown files of a handbook in a stable order, and refusals."""
    real_root = root.resolve()
    problems: list[Problem] = []
    runbooks = _walk_markdown(root / RUNBOOK_DIR, root, real_root, problems)
    postmortems = _walk_markdown(root / POSTMORTEM_DIR, root, real_root, problems)
    return Discovery(runbooks, postmortems, problems)


def discover(root: Path) -> tuple[list[Path], list[Path]]:
    """Runbook and postmortem Markdown files of a handbook, in a stable order."""
    found = scan(root)
    return found.runbooks, found.postmortems


def is_document_path(rel: str) -> bool:
    """Whether a path relative to the root is where a runbook or postmortem lives."""
    top, _, rest = rel.partition("/")
    if top not in (RUNBOOK_DIR, POSTMORTEM_DIR) or not rest.endswith(".md"):
        return False
    return not any(part.startswith(".") for part in rest.split("/"))


def is_handbook_file(rel: str) -> bool:
    """Whether lint checks the file at this path (relative to the handbook root)."""
    return rel == POLICY_FILE or is_document_path(rel)


def rel_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class _Text:
    text: str
    problems: list[Problem]


def _read_text(path: Path, rel: str, raw: bytes | None = None) -> _Text | list[Problem]:
    """The file as text with newlines normalised, or the problems that stop reading it; raw:
    its bytes, read already."""

    def problem(line: int, col: int, rule: str, message: str) -> Problem:
        return Problem(rel, line, col, "error", rule, message)

    try:
        raw = path.read_bytes() if raw is None else raw
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return [
            problem(1, 1, "file-unreadable", f"cannot read the file ({reason}): fix or remove it")
        ]
    if b"\x00" in raw[:8192]:
        return [
            problem(
                1, 1, "file-binary", "this is a binary file, not Markdown: remove it or rename it"
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start]
        return [
            problem(
                line,
                column,
                "file-encoding",
                f"the file is not UTF-8 (byte 0x{byte:02x}): re-save it as UTF-8",
            )
        ]
    problems: list[Problem] = []
    # A byte order mark is valid UTF-8 that YAML and MkDocs read as text: nothing to report.
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _Text(text, problems)


def read_source(
    path: Path, rel: str, raw: bytes | None = None
) -> tuple[Source | None, list[Problem]]:
    """One Markdown document's frontmatter and body, or the problems that prevent reading it.

    rel is the path shown in messages (relative to the handbook root); raw, the file's bytes
    when the caller read them already.
    """
    read = _read_text(path, rel, raw)
    if isinstance(read, list):
        return None, read
    text, problems = read.text, read.problems
    if not text.strip():
        problems.append(
            Problem(
                rel,
                1,
                1,
                "error",
                "file-empty",
                "the file is empty: add the frontmatter and body (see `opsbook new`) or delete it",
            )
        )
        return None, problems
    split = docsplit.split(text)
    if split is None:
        problems.append(
            Problem(
                rel,
                1,
                1,
                "error",
                "file-no-frontmatter",
                "no frontmatter: start the file "
                "with a line '---', the YAML fields, and another line '---'",
            )
        )
        return None, problems
    if not split.closed:
        problems.append(
            Problem(
                rel,
                1,
                1,
                "error",
                "file-unterminated-frontmatter",
                "the frontmatter "
                "opened on line 1 is never closed: add a line '---' after the last field",
            )
        )
        return None, problems
    source, parsed = _parse_yaml(path, rel, split.yaml, line_offset=1)
    problems.extend(parsed)
    if source is not None:
        source.body = split.body
        source.body_line = split.body_line
    return source, problems


def read_document(
    path: Path, rel: str, kind: str, validator: schemas.Checker, raw: bytes | None = None
) -> tuple[Runbook | Postmortem | None, list[Problem]]:
    """A runbook or postmortem (kind) as a model, None if it cannot be parsed, and the problems
    of the file alone: reading it, its frontmatter, its schema.

    A function of the file's bytes and the schema only: opsbook.preview keeps its answers
    while a file is unchanged, so nothing may change a model or its source after loading.
    """
    source, problems = read_source(path, rel, raw)
    if source is None:
        return None, problems
    problems.extend(schemas.validate(validator, source))
    return (runbook_from(source) if kind == "runbook" else postmortem_from(source)), problems


# How load_handbook reads one document (path, rel, kind, schema): read_document, or a cache
# of it (opsbook.preview).
DocumentReader = Callable[
    [Path, str, str, schemas.Checker], tuple[Runbook | Postmortem | None, list[Problem]]
]


def _parse_yaml(
    path: Path, rel: str, text: str, line_offset: int
) -> tuple[Source | None, list[Problem]]:
    data, node, errors = yamlsafe.load(text, line_offset)
    problems = [
        Problem(rel, e.line + 1 + line_offset, e.column + 1, "error", e.rule, e.message)
        for e in errors
    ]
    if node is None and errors:
        return None, problems
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(
            Problem(
                rel,
                line_offset + 1,
                1,
                "error",
                "schema-type",
                "the frontmatter must be "
                "a mapping of 'key: value' lines, not a list or a single value",
            )
        )
        return None, problems
    return Source(path=path, rel=rel, data=data, yaml=text, line_offset=line_offset), problems


# Lenient accessors: models are built even from invalid data (the schema has already said
# what is wrong), so that pages and cross-references still work for the rest of the file.


def _str(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key, default)
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return default
    return str(value)


def _strs(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_date(value: Any) -> dt.date | None:
    """A YYYY-MM-DD string as a date, or None if it is not one."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time string, or None if it does not parse."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _dicts(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def runbook_from(source: Source) -> Runbook:
    d = source.data
    return Runbook(
        id=_str(d, "id"),
        title=_str(d, "title") or source.path.stem,
        service=_str(d, "service"),
        owner=_str(d, "owner"),
        severity=_strs(d, "severity"),
        last_reviewed=parse_date(d.get("last_reviewed")),
        status=_str(d, "status", "published"),
        review_days=_int(d, "review_days"),
        symptoms=_strs(d, "symptoms"),
        tags=_strs(d, "tags"),
        related=_strs(d, "related"),
        links=[Link(_str(x, "title"), _str(x, "url")) for x in _dicts(d, "links")],
        estimated_duration=_str(d, "estimated_duration"),
        source=source,
        alerts=_strs(d, "alerts"),
        summary=_str(d, "summary"),
    )


def postmortem_from(source: Source) -> Postmortem:
    d = source.data
    timeline_data = d.get("timeline") if isinstance(d.get("timeline"), dict) else {}
    timeline: dict[str, dt.datetime] = {}
    for key in TIMELINE_KEYS:
        parsed = parse_datetime(timeline_data.get(key)) if timeline_data else None
        if parsed is not None:
            timeline[key] = parsed
    pm = Postmortem(
        id=_str(d, "id"),
        title=_str(d, "title") or source.path.stem,
        date=parse_date(d.get("date")),
        severity=_str(d, "severity"),
        services=_strs(d, "services"),
        status=_str(d, "status"),
        authors=_strs(d, "authors"),
        timeline=timeline,
        runbooks=_strs(d, "runbooks"),
        source=source,
    )
    raw_items = d.get("action_items") if isinstance(d.get("action_items"), list) else []
    for index, item in enumerate(raw_items or []):
        if not isinstance(item, dict):
            continue
        pm.action_items.append(
            ActionItem(
                title=_str(item, "title"),
                owner=_str(item, "owner"),
                due=parse_date(item.get("due")),
                status=_str(item, "status", "open"),
                id=_str(item, "id"),
                link=_str(item, "link"),
                priority=_str(item, "priority"),
                postmortem_id=pm.id,
                postmortem_title=pm.title,
                postmortem_rel=source.rel,
                services=list(pm.services),
                index=index,
            )
        )
    return pm


def policy_from(source: Source) -> Policy:
    d = source.data
    communication: dict[str, dict[str, Cadence]] = {}
    comms = d.get("communication")
    if isinstance(comms, dict):
        for sev, per_channel in comms.items():
            if isinstance(per_channel, dict):
                communication[str(sev)] = {
                    str(ch): Cadence(_str(c, "when"), _str(c, "every"))
                    for ch, c in per_channel.items()
                    if isinstance(c, dict)
                }
    review = d.get("review") if isinstance(d.get("review"), dict) else {}
    insights = d.get("insights") if isinstance(d.get("insights"), dict) else {}
    return Policy(
        severities=[
            Severity(
                id=_str(s, "id"),
                name=_str(s, "name"),
                definition=_str(s, "definition"),
                examples=_strs(s, "examples"),
                response_time=_str(s, "response_time"),
                notify=_strs(s, "notify"),
                review_days=_int(s, "review_days"),
            )
            for s in _dicts(d, "severities")
        ],
        channels=[Channel(_str(c, "id"), _str(c, "name")) for c in _dicts(d, "channels")],
        communication=communication,
        roles=[
            Role(_str(r, "id"), _str(r, "name"), _strs(r, "duties")) for r in _dicts(d, "roles")
        ],
        contacts=[
            Contact(_str(c, "role"), _str(c, "name"), _str(c, "how")) for c in _dicts(d, "contacts")
        ],
        default_review_days=_int(review or {}, "default_days") or 90,
        repeat_window_days=_int(insights or {}, "repeat_window_days") or 30,
        decision_trees=[_tree_from(t, i) for i, t in enumerate(_dicts(d, "decision_trees"))],
        source=source,
        alerts=_alert_policy(d.get("alerts")),
    )


def _alert_policy(data: Any) -> AlertPolicy:
    """policy.yml's `alerts:` section; what is missing or of the wrong type keeps its default."""
    policy = AlertPolicy()
    if not isinstance(data, dict):
        return policy
    policy.rules = _strs(data, "rules")
    policy.annotations = _strs(data, "annotations") or policy.annotations
    policy.link_prefixes = _strs(data, "link_prefixes")
    policy.severity_label = _str(data, "severity_label") or policy.severity_label
    policy.paging = _strs(data, "paging") if "paging" in data else policy.paging
    raw = data.get("exceptions")
    policy.exceptions = [
        AlertException(
            _str(e, "alert"), _str(e, "owner"), _str(e, "reason"), parse_date(e.get("expires")), i
        )
        for i, e in enumerate(raw if isinstance(raw, list) else [])
        if isinstance(e, dict)
    ]
    return policy


def _tree_from(data: dict[str, Any], index: int) -> DecisionTree:
    nodes: dict[str, Node] = {}
    raw_nodes = data.get("nodes") if isinstance(data.get("nodes"), dict) else {}
    for node_id, raw in (raw_nodes or {}).items():
        if not isinstance(raw, dict):
            continue
        answers = [Answer(_str(a, "label"), _str(a, "next")) for a in _dicts(raw, "answers")]
        # The yes/no shorthand: our loader keeps these keys as the strings "yes" and "no".
        # Kept even beside answers: mixing is a lint error, but reachability should see both.
        for key, label in (("yes", "Yes"), ("no", "No")):
            if key in raw:
                answers.append(Answer(label, _str(raw, key)))
        nodes[str(node_id)] = Node(
            id=str(node_id),
            question=_str(raw, "question"),
            answers=answers,
            outcome=_str(raw, "outcome"),
            runbook=_str(raw, "runbook"),
            severity=_str(raw, "severity"),
            description=_str(raw, "description"),
        )
    return DecisionTree(
        id=_str(data, "id"),
        title=_str(data, "title"),
        start=_str(data, "start"),
        nodes=nodes,
        index=index,
    )


def load_policy(root: Path) -> tuple[Policy, list[Problem]]:
    """policy.yml as a model and its problems; raises ConfigError if it cannot be read at all."""
    path = root / POLICY_FILE
    if not path.is_file():
        raise ConfigError(
            f"no {POLICY_FILE} in {root}: create one (see `opsbook init`) to define severities, "
            "channels and review intervals"
        )
    read = _read_text(path, POLICY_FILE)
    if isinstance(read, list):
        raise ConfigError(f"cannot read {POLICY_FILE}", read)
    source, problems = _parse_yaml(path, POLICY_FILE, read.text, line_offset=0)
    problems = read.problems + problems
    if source is None:
        raise ConfigError(f"{POLICY_FILE} is not valid YAML", problems)
    validator = schemas.validator(root, "policy")
    problems.extend(schemas.validate(validator, source))
    return policy_from(source), problems


def load_handbook(
    root: Path, paths: Iterable[Path] | None = None, *, read: DocumentReader = read_document
) -> Handbook:
    """Load policy and every document under root; problems are collected, never raised.

    Raises ConfigError only when the policy or a schema cannot be used at all. read reads each
    document (a cache of read_document in `opsbook serve`, which reloads after every save).
    """
    # Loading allocates millions of objects (YAML nodes, values, models) and frees few, so the
    # cyclic collector would rescan the growing heap again and again: that more than doubled
    # the load time of a 10,000-document handbook. They hold no cycles.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_handbook(root, paths, read)
    finally:
        if was_enabled:
            gc.enable()


def _load_handbook(root: Path, paths: Iterable[Path] | None, read: DocumentReader) -> Handbook:
    policy, problems = load_policy(root)
    handbook = Handbook(root=root, policy=policy, problems=problems)
    vetted = paths is None  # scan refused what it must; explicit paths are checked here
    if paths is None:
        found = scan(root)
        runbook_paths, postmortem_paths = found.runbooks, found.postmortems
        handbook.problems.extend(found.problems)
    else:
        runbook_paths, postmortem_paths = _split(root, paths)
    # Refused folders count as checked: they were looked at, and each has its problem.
    handbook.files = [POLICY_FILE, *(p.path for p in handbook.problems if p.path != POLICY_FILE)]
    real_root = root.resolve()
    runbook_validator = schemas.validator(root, "runbook")
    postmortem_validator = schemas.validator(root, "postmortem")
    for kind, kind_paths in (("runbook", runbook_paths), ("postmortem", postmortem_paths)):
        validator = runbook_validator if kind == "runbook" else postmortem_validator
        for path in kind_paths:
            rel = rel_path(path, root)
            refusal = None if vetted else refused(path, rel, real_root)
            if refusal is not None:
                handbook.files.append(refusal.path)
                handbook.problems.append(refusal)
                continue
            handbook.files.append(rel)
            try:
                model, doc_problems = read(path, rel, kind, validator)
                if isinstance(model, Runbook):
                    handbook.runbooks.append(model)
                elif isinstance(model, Postmortem):
                    handbook.postmortems.append(model)
                else:
                    handbook.broken[rel] = kind
            except Exception as exc:  # one bad file must never hide the others
                doc_problems = [
                    Problem(
                        rel,
                        1,
                        1,
                        "error",
                        "internal",
                        f"opsbook could not check this file "
                        f"({type(exc).__name__}: {exc}); please report it",
                    )
                ]
                handbook.broken[rel] = kind
            handbook.problems.extend(doc_problems)
    return handbook


def _leaves_handbook(path: Path, rel: str, real_root: Path) -> Problem | None:
    """A path that a symlink on the way (the file or any folder above it) leads out of the handbook.

    Otherwise one link (to /proc/self/environ, a key file, another repository's notes) would
    publish that file's text in the site and its search index.
    """
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: reading it reports file-unreadable
        return None
    if target.is_relative_to(real_root):
        hidden = [p for p in target.relative_to(real_root).parts if p.startswith(".")]
        if not hidden:
            return None
        # A link to .git/config or .env stays inside the handbook but would publish a secret.
        where = f"{target}, inside {hidden[0]}, which opsbook never reads or publishes"
    else:
        where = f"{target}, outside the handbook: opsbook does not read it"
    return Problem(
        rel,
        1,
        1,
        "error",
        "file-symlink-outside",
        f"{rel} leads through a symbolic link to {where}; put the document itself here",
    )


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def _not_regular(path: Path, rel: str) -> Problem | None:
    """A FIFO, socket, device or folder named like a document: reported, never opened.

    Opening a FIFO for reading blocks until a writer comes: lint would hang forever.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # reading it reports why (a dangling link, a loop)
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return Problem(
        rel,
        1,
        1,
        "error",
        "file-not-regular",
        f"this is {kind}, not a file: opsbook does not open it; remove it or put the "
        "document itself here",
    )


def _bad_name(rel: str) -> Problem | None:
    """A path that is not UTF-8: no URL, page title or JSON report can carry it faithfully.

    Python hands such bytes over as lone surrogates; the problem names the path with the bad
    bytes escaped (\\xff), so that every report can print it.
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return Problem(
            shown,
            1,
            1,
            "error",
            "file-name-encoding",
            "the file or folder name is not UTF-8: opsbook does not read it; rename it",
        )
    return None


def refused(path: Path, rel: str, real_root: Path) -> Problem | None:
    """Why a document path is not read: a name that is not UTF-8, a symlink out, not a file."""
    return _bad_name(rel) or _leaves_handbook(path, rel, real_root) or _not_regular(path, rel)


def _split(root: Path, paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    runbooks: list[Path] = []
    postmortems: list[Path] = []
    for path in paths:
        rel = rel_path(path.resolve() if not path.is_absolute() else path, root)
        (postmortems if rel.startswith(POSTMORTEM_DIR + "/") else runbooks).append(path)
    return runbooks, postmortems
