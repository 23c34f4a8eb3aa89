"""Lint rules that need the whole handbook: references, trees, timelines, staleness, overdue."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass
from itertools import islice

from opsbook import htmlcheck, links, oldpaths, reviews, sitepaths
from opsbook.model import (
    TIMELINE_KEYS,
    DecisionTree,
    Handbook,
    KeyPath,
    Level,
    Policy,
    Postmortem,
    Problem,
    Runbook,
    Source,
)

# The review arithmetic lives in reviews; pages and older callers find it here too.
from opsbook.reviews import is_stale as is_stale
from opsbook.reviews import review_due as review_due
from opsbook.reviews import review_interval as review_interval

PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|XXX)\b")


def _at(
    source: Source | None, key_path: KeyPath, level: Level, rule: str, msg: str, key: bool = False
) -> Problem:
    if source is None:
        return Problem("", 1, 1, level, rule, msg)
    mark = source.mark(key_path, key=key)
    return Problem(source.rel, mark.line, mark.column, level, rule, msg)


# The findings that describe the handbook's state on a day, not a mistake in a file.
STATE_RULES = frozenset({"stale", "action-overdue", "never-reviewed"})


@dataclass(frozen=True)
class Options:
    today: dt.date
    strict: bool = False
    # False leaves out STATE_RULES: the site shows that state on /review/ and /action-items/, and
    # each finding would cost its document a second YAML parse for the position.
    state: bool = True


def check(handbook: Handbook, options: Options) -> list[Problem]:
    """All cross-document problems of a loaded handbook."""
    problems: list[Problem] = []
    problems.extend(sitepaths.check(f for f in handbook.files if f.endswith(".md")))
    problems.extend(_links(handbook))
    problems.extend(_duplicate_ids(handbook))
    problems.extend(_policy(handbook.policy))
    problems.extend(_trees(handbook))
    for runbook in handbook.runbooks:
        problems.extend(_runbook(runbook, handbook, options))
    for pm in handbook.postmortems:
        problems.extend(_postmortem(pm, handbook, options))
    problems.extend(oldpaths.check(handbook))
    problems.extend(reviews.check(handbook, options))
    problems.extend(htmlcheck.check(handbook))
    return problems


def _links(handbook: Handbook) -> Iterator[Problem]:
    documents = [f for f in handbook.files if f.endswith(".md")]
    files: set[str] | None = None
    docs: list[Runbook | Postmortem] = [*handbook.runbooks, *handbook.postmortems]
    for doc in docs:
        if doc.source is None or ("](" not in doc.source.body and "]:" not in doc.source.body):
            continue
        if files is None:  # docs/ is walked only once some document has a link
            files = links.site_files(handbook.root, documents)
        yield from links.check(doc.source, files, handbook.root)


def _duplicate_ids(handbook: Handbook) -> Iterator[Problem]:
    seen: dict[str, Source | None] = {}
    docs: list[Runbook | Postmortem] = [*handbook.runbooks, *handbook.postmortems]
    for doc in docs:
        if not doc.id:
            continue
        if doc.id in seen:
            first = seen[doc.id]
            first_rel = first.rel if first else "?"
            first_line = first.mark(("id",)).line if first else 1
            yield _at(
                doc.source,
                ("id",),
                "error",
                "id-duplicate",
                f"id '{doc.id}' is already used by {first_rel}:{first_line}: "
                "give this document a new id",
            )
        else:
            seen[doc.id] = doc.source


def _severity_ref(
    policy: Policy, sev_id: str, source: Source | None, path: KeyPath
) -> Iterator[Problem]:
    if sev_id and policy.severity(sev_id) is None:
        known = _some([s.id for s in policy.severities])
        yield _at(
            source,
            path,
            "error",
            "ref-severity",
            f"unknown severity '{sev_id}': use one of policy.yml's severities ({known})",
        )


def _runbook_ref(
    handbook: Handbook, rb_id: str, source: Source | None, path: KeyPath
) -> Iterator[Problem]:
    if rb_id and handbook.runbook(rb_id) is None:
        yield _at(
            source,
            path,
            "error",
            "ref-runbook",
            f"unknown runbook id '{rb_id}': no runbook has this id; check the spelling",
        )


def _policy(policy: Policy) -> Iterator[Problem]:
    src = policy.source
    sev_ids = {s.id for s in policy.severities}
    channel_ids = {c.id for c in policy.channels}
    for sev_id, per_channel in policy.communication.items():
        if sev_id not in sev_ids:
            yield _at(
                src,
                ("communication", sev_id),
                "error",
                "ref-severity",
                f"communication names unknown severity '{sev_id}': use an id from severities",
                key=True,
            )
        for ch_id in per_channel:
            if ch_id not in channel_ids:
                yield _at(
                    src,
                    ("communication", sev_id, ch_id),
                    "error",
                    "ref-channel",
                    f"unknown channel '{ch_id}': add it to channels or fix the id",
                    key=True,
                )
    role_ids = {r.id for r in policy.roles}
    for i, contact in enumerate(policy.contacts):
        if contact.role and contact.role not in role_ids:
            yield _at(
                src,
                ("contacts", i, "role"),
                "error",
                "ref-role",
                f"unknown role '{contact.role}': use an id from roles",
            )


def _trees(handbook: Handbook) -> Iterator[Problem]:
    policy = handbook.policy
    src = policy.source
    for tree in policy.decision_trees:
        yield from _tree(tree, handbook, src)


def _tree(tree: DecisionTree, handbook: Handbook, src: Source | None) -> Iterator[Problem]:
    base: KeyPath = ("decision_trees", tree.index)
    nodes_path: KeyPath = (*base, "nodes")
    raw_nodes = {}
    if src is not None:
        trees = src.data.get("decision_trees")
        if isinstance(trees, list) and isinstance(trees[tree.index], dict):
            maybe = trees[tree.index].get("nodes")
            raw_nodes = maybe if isinstance(maybe, dict) else {}
    if tree.start not in tree.nodes:
        yield _at(
            src,
            (*base, "start"),
            "error",
            "tree-unknown-node",
            f"tree '{tree.id}' starts at '{tree.start}', which is not one of its nodes",
        )
        return
    for node in tree.nodes.values():
        raw = raw_nodes.get(node.id, {}) if isinstance(raw_nodes, dict) else {}
        node_path: KeyPath = (*nodes_path, node.id)
        if isinstance(raw, dict) and "answers" in raw and ("yes" in raw or "no" in raw):
            key = "yes" if "yes" in raw else "no"
            yield _at(
                src,
                (*node_path, key),
                "error",
                "tree-mixed-answers",
                f"node '{node.id}' has both 'answers:' and the '{key}:' shorthand: keep one form",
                key=True,
            )
        if node.outcome and node.answers:
            yield _at(
                src,
                node_path,
                "error",
                "tree-mixed-answers",
                f"node '{node.id}' has both an outcome and answers: split it into two nodes",
            )
        if not node.outcome and not node.answers:
            yield _at(
                src,
                node_path,
                "error",
                "tree-dead-end",
                f"node '{node.id}' has no answers and no outcome: the path ends "
                "without telling the reader what to do; add 'outcome:' or answers",
                key=True,
            )
        for i, answer in enumerate(node.answers):
            if answer.next not in tree.nodes:
                path = (
                    (*node_path, "answers", i, "next")
                    if "answers" in raw
                    else (*node_path, answer.label.lower())
                )
                known = _some(tree.nodes)
                yield _at(
                    src,
                    path,
                    "error",
                    "tree-unknown-node",
                    f"answer '{answer.label}' of node '{node.id}' goes to '{answer.next}', "
                    f"which is not a node of tree '{tree.id}' ({known})",
                )
        if node.runbook:
            yield from _runbook_ref(handbook, node.runbook, src, (*node_path, "runbook"))
        if node.severity:
            yield from _severity_ref(handbook.policy, node.severity, src, (*node_path, "severity"))
    yield from _tree_shape(tree, src, nodes_path)


# How many names a message lists: a 10,000-node tree once made each of its problems 70 kB long.
NAMES_SHOWN = 8


def _some(names: Iterable[str]) -> str:
    """A few of the names, and how many more there are."""
    listed = list(islice(names, NAMES_SHOWN + 1))
    if len(listed) <= NAMES_SHOWN:
        return ", ".join(listed)
    total = sum(1 for _ in names) if not isinstance(names, Sized) else len(names)
    return ", ".join(listed[:NAMES_SHOWN]) + f" and {total - NAMES_SHOWN} more"


def _tree_shape(tree: DecisionTree, src: Source | None, nodes_path: KeyPath) -> Iterator[Problem]:
    # Depth-first walk from the start: grey nodes are on the current path (a back edge is a cycle).
    state: dict[str, str] = {}
    cycles: list[tuple[str, str]] = []
    stack: list[tuple[str, int]] = [(tree.start, 0)]
    state[tree.start] = "grey"
    while stack:
        node_id, i = stack.pop()
        node = tree.nodes[node_id]
        if i < len(node.answers):
            stack.append((node_id, i + 1))
            nxt = node.answers[i].next
            if nxt not in tree.nodes:
                continue
            if state.get(nxt) == "grey":
                cycles.append((node_id, nxt))
            elif nxt not in state:
                state[nxt] = "grey"
                stack.append((nxt, 0))
        else:
            state[node_id] = "black"
    for frm, to in cycles:
        yield _at(
            src,
            (*nodes_path, frm),
            "error",
            "tree-cycle",
            f"tree '{tree.id}' loops: node '{frm}' leads back to '{to}'; every path must "
            "end at an outcome",
            key=True,
        )
    for node_id in tree.nodes:
        if node_id not in state:
            yield _at(
                src,
                (*nodes_path, node_id),
                "error",
                "tree-unreachable",
                f"node '{node_id}' of tree '{tree.id}' cannot be reached from its start "
                f"'{tree.start}': link it from an answer or remove it",
                key=True,
            )


def _runbook(runbook: Runbook, handbook: Handbook, options: Options) -> Iterator[Problem]:
    src = runbook.source
    for i, sev_id in enumerate(runbook.severity):
        yield from _severity_ref(handbook.policy, sev_id, src, ("severity", i))
    for i, rb_id in enumerate(runbook.related):
        yield from _runbook_ref(handbook, rb_id, src, ("related", i))
    if options.state and is_stale(runbook, handbook.policy, options.today):
        due = review_due(runbook, handbook.policy)
        days = review_interval(runbook, handbook.policy)
        level: Level = "error" if options.strict else "warning"
        yield _at(
            src,
            ("last_reviewed",),
            level,
            "stale",
            f"last reviewed {runbook.last_reviewed}, review was due {due} (every {days} "
            "days): review the runbook and update last_reviewed",
        )


def _postmortem(pm: Postmortem, handbook: Handbook, options: Options) -> Iterator[Problem]:
    src = pm.source
    yield from _severity_ref(handbook.policy, pm.severity, src, ("severity",))
    if pm.date is not None and pm.date > options.today:
        yield _at(
            src,
            ("date",),
            "error",
            "pm-date-future",
            f"the incident's date {pm.date} is after today ({options.today}): write the day "
            "the incident started",
        )
    for i, rb_id in enumerate(pm.runbooks):
        yield from _runbook_ref(handbook, rb_id, src, ("runbooks", i))
    yield from _timeline(pm)
    for item in pm.action_items:
        path: KeyPath = ("action_items", item.index, "due")
        if item.due and pm.date and item.due < pm.date:
            yield _at(
                src,
                path,
                "error",
                "pm-due-before-incident",
                f"action item '{item.title}' is due {item.due}, before the incident on "
                f"{pm.date}: fix the due date",
            )
        if options.state and item.is_open and item.due and item.due < options.today:
            yield _at(
                src,
                path,
                "warning",
                "action-overdue",
                f"action item '{item.title}' ({item.owner}) is {item.days_overdue(options.today)}"
                f" days overdue (due {item.due}): finish it, or move 'due' and say why",
            )
    if pm.status == "published":
        if not pm.action_items and src is not None and "action_items" not in src.data:
            yield _at(
                src,
                (),
                "error",
                "pm-no-action-items",
                "a published postmortem needs action_items: add what will prevent a repeat",
            )
        elif not pm.action_items:
            yield _at(
                src,
                ("action_items",),
                "error",
                "pm-no-action-items",
                "a published postmortem needs action_items: add what will prevent a repeat",
            )
    if pm.status in ("in_review", "published"):
        # A draft may hold placeholders; once others review it, every one is a question.
        yield from _placeholders(pm)


def _timeline(pm: Postmortem) -> Iterator[Problem]:
    src = pm.source
    if src is None:
        return
    raw = src.data.get("timeline")
    if not isinstance(raw, dict):
        return
    for key in TIMELINE_KEYS:
        value = raw.get(key)
        if not isinstance(value, str):
            continue
        parsed = pm.timeline.get(key)
        if parsed is None:
            yield _at(
                src,
                ("timeline", key),
                "error",
                "pm-time-format",
                f"timeline.{key} '{value}' is not an ISO 8601 date-time: write e.g. "
                "2026-06-03T14:02:00+00:00",
            )
        elif parsed.tzinfo is None:
            yield _at(
                src,
                ("timeline", key),
                "error",
                "pm-time-offset",
                f"timeline.{key} '{value}' has no UTC offset: add one, e.g. "
                f"{value}+00:00 or {value}Z",
            )
    previous: tuple[str, dt.datetime] | None = None
    for key in TIMELINE_KEYS:
        current = pm.timeline.get(key)
        if current is None or current.tzinfo is None:
            continue
        if previous is not None and current < previous[1]:
            yield _at(
                src,
                ("timeline", key),
                "error",
                "pm-time-order",
                f"timeline.{key} ({current.isoformat()}) is before {previous[0]} "
                f"({previous[1].isoformat()}): key times must be in the order "
                f"{' <= '.join(TIMELINE_KEYS)}",
            )
        previous = (key, current)


def _placeholders(pm: Postmortem) -> Iterator[Problem]:
    src = pm.source
    if src is None:
        return
    key = (src.rel, pm.status, src.line_offset, src.yaml, src.body_line, src.body)
    if PLACEHOLDER_MEMO is None:
        yield from _placeholder_problems(*key)
        return
    found = PLACEHOLDER_MEMO.get(key)
    if found is None:
        found = PLACEHOLDER_MEMO[key] = _placeholder_problems(*key)
    yield from found


# The placeholder problems by postmortem text, when a process checks the same handbook again
# and again: `opsbook serve` (opsbook.preview) sets it to {} and keeps unchanged documents'
# texts (the same str objects, whose hashes Python keeps), so a lookup replaces the regex
# search of every postmortem (a third of a 10,000-document check). None elsewhere: a build
# releases the texts after checking (lint.release_sources), which a memo would keep alive.
PLACEHOLDER_MEMO: dict[tuple[str, str, int, str, int, str], tuple[Problem, ...]] | None = None


def _placeholder_problems(
    rel: str, status: str, line_offset: int, yaml: str, body_line: int, body: str
) -> tuple[Problem, ...]:
    found = []
    # The frontmatter's lines start on line 2 (after '---'), the body's on body_line.
    for first, part in ((line_offset + 1, yaml), (body_line, body)):
        if not PLACEHOLDER.search(part):
            continue
        for number, line in enumerate(part.split("\n"), start=first):
            match = PLACEHOLDER.search(line)
            if match:
                found.append(
                    Problem(
                        rel,
                        number,
                        match.start() + 1,
                        "error",
                        "pm-todo",
                        f"a postmortem {status.replace('_', ' ')} still has the placeholder "
                        f"'{match.group(1)}': fill it in, or set status back to draft",
                    )
                )
    return tuple(found)
