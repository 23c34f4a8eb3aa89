"""Plain data: the handbook's documents, its policy, and the problems found in them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from opsbook import yamlsafe
from opsbook.rules import RULES

Level = Literal["error", "warning"]

# A key path into loaded YAML data, e.g. ("action_items", 0, "due").
KeyPath = tuple[str | int, ...]


def add_days(day: dt.date, days: int) -> dt.date:
    """day plus days, saturating at the first and last date Python has instead of raising.

    The schemas bound years and review intervals, but a handbook's own schemas may not, and
    9999-12-31 plus a day would raise OverflowError in lint, build and every export.
    """
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where it is, how bad, which rule, and how to fix it."""

    path: str
    line: int
    column: int
    level: Level
    rule: str
    message: str

    def __post_init__(self) -> None:
        # Rules are defined once, in rules.py, and documented from there: a rule made up
        # where a problem is found would be undocumented and unlisted.
        if self.rule not in RULES:
            raise ValueError(f"unknown lint rule {self.rule!r}: add it to opsbook.rules")

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "level": self.level,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based line and column in a file."""

    line: int
    column: int


@dataclass(slots=True)
class Source:
    """A document's parsed YAML mapping, and the YAML text it came from, for positions."""

    path: Path
    rel: str
    data: dict[str, Any]
    yaml: str = ""
    line_offset: int = 0
    # The Markdown after the frontmatter; the whole file is not kept (a third of a document's
    # memory in a site build).
    body: str = ""
    body_line: int = 1
    _node: Any = field(default=None, repr=False)
    # Each mapping node's pairs by key, made on first use: a walk through a 10,000-node
    # decision tree, one per problem in it, made lint quadratic (28 s for one such tree).
    _pairs: dict[int, dict[Any, tuple[Any, Any]]] = field(default_factory=dict, repr=False)

    def mark(self, key_path: KeyPath, *, key: bool = False) -> Mark:
        """Where a value (or its key) stands, falling back to the nearest enclosing node."""
        # A YAML node tree takes many times the memory of its text, and positions are wanted
        # only for the few documents with a problem: so the tree is composed again from the
        # text on the first question, not kept from loading (keeping every tree was 47 MB of
        # the 237 MB a 3,000-document site build peaked at).
        if self._node is None and self.yaml:
            self._node = yamlsafe.compose(self.yaml)
        # Walks the node tree (duck-typed: mapping values are (key, value) pairs).
        node = self._node
        if node is None:
            return Mark(self.line_offset + 1, 1)
        best = node.start_mark
        for i, step in enumerate(key_path):
            last = i == len(key_path) - 1
            child = None
            kind = getattr(node, "id", "")
            if kind == "sequence" and isinstance(step, int):
                if 0 <= step < len(node.value):
                    child = node.value[step]
            elif kind == "mapping":
                pair = self._pairs_of(node).get(step)
                if pair is not None:
                    if key and last:
                        best = pair[0].start_mark
                    else:
                        child = pair[1]
            if child is None:
                break
            node = child
            best = node.start_mark
        return Mark(best.line + 1 + self.line_offset, best.column + 1)

    def _pairs_of(self, node: Any) -> dict[Any, tuple[Any, Any]]:
        pairs = self._pairs.get(id(node))
        if pairs is None:
            pairs = {}
            for k, v in node.value:
                value = getattr(k, "value", None)
                if isinstance(value, (str, int, float, bool)) or value is None:
                    pairs.setdefault(value, (k, v))
            self._pairs[id(node)] = pairs
        return pairs


@dataclass(slots=True)
class Link:
    title: str
    url: str


@dataclass(slots=True)
class Runbook:
    id: str
    title: str
    service: str
    owner: str
    severity: list[str]
    last_reviewed: dt.date | None
    status: str = "published"
    review_days: int | None = None
    symptoms: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    estimated_duration: str = ""
    source: Source | None = None
    # Names of the alerting rules this runbook is for, matched exactly (case-sensitive).
    alerts: list[str] = field(default_factory=list)
    # One or two sentences on what the runbook is for: under its title and in lists.
    summary: str = ""

    @property
    def rel(self) -> str:
        return self.source.rel if self.source else ""


TIMELINE_KEYS = ("started", "detected", "acknowledged", "mitigated", "resolved")


@dataclass(slots=True)
class ActionItem:
    title: str
    owner: str
    due: dt.date | None
    status: str
    id: str = ""
    link: str = ""
    priority: str = ""
    postmortem_id: str = ""
    postmortem_title: str = ""
    postmortem_rel: str = ""
    services: list[str] = field(default_factory=list)
    index: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "in_progress")

    def days_overdue(self, today: dt.date) -> int:
        """Whole days past due for an open item, else 0."""
        if not self.is_open or self.due is None:
            return 0
        return max(0, (today - self.due).days)

    @property
    def uid(self) -> str:
        """A stable identifier across builds: the postmortem id and the item's id or position."""
        return f"{self.postmortem_id}/{self.id or self.index + 1}"


@dataclass(slots=True)
class Postmortem:
    id: str
    title: str
    date: dt.date | None
    severity: str
    services: list[str]
    status: str
    authors: list[str] = field(default_factory=list)
    timeline: dict[str, dt.datetime] = field(default_factory=dict)
    runbooks: list[str] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    source: Source | None = None

    @property
    def rel(self) -> str:
        return self.source.rel if self.source else ""

    def duration(self, start: str, end: str) -> dt.timedelta | None:
        """Time between two key times, when both are known with a UTC offset."""
        begin, finish = self.timeline.get(start), self.timeline.get(end)
        # A time without an offset is a lint error (pm-time-offset) and cannot be compared.
        if begin is None or finish is None or begin.tzinfo is None or finish.tzinfo is None:
            return None
        return finish - begin


@dataclass(slots=True)
class Severity:
    id: str
    name: str
    definition: str
    examples: list[str] = field(default_factory=list)
    response_time: str = ""
    notify: list[str] = field(default_factory=list)
    review_days: int | None = None


@dataclass(slots=True)
class Channel:
    id: str
    name: str


@dataclass(slots=True)
class Cadence:
    when: str
    every: str


@dataclass(slots=True)
class Role:
    id: str
    name: str
    duties: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Contact:
    role: str
    name: str
    how: str


@dataclass(slots=True)
class Answer:
    label: str
    next: str


@dataclass(slots=True)
class Node:
    id: str
    question: str = ""
    answers: list[Answer] = field(default_factory=list)
    outcome: str = ""
    runbook: str = ""
    severity: str = ""
    description: str = ""

    @property
    def is_outcome(self) -> bool:
        return bool(self.outcome) and not self.answers


@dataclass(slots=True)
class DecisionTree:
    id: str
    title: str
    start: str
    nodes: dict[str, Node]
    index: int = 0


@dataclass(slots=True)
class AlertException:
    """An alert allowed to have no runbook link until a date (policy.yml alerts.exceptions)."""

    alert: str
    owner: str
    reason: str
    expires: dt.date | None
    index: int = 0


@dataclass(slots=True)
class AlertPolicy:
    """policy.yml's optional `alerts:` section: where the rules are and how to read them."""

    rules: list[str] = field(default_factory=list)
    annotations: list[str] = field(default_factory=lambda: ["runbook_url"])
    link_prefixes: list[str] = field(default_factory=list)
    severity_label: str = "severity"
    paging: list[str] = field(default_factory=lambda: ["critical"])
    exceptions: list[AlertException] = field(default_factory=list)


@dataclass(slots=True)
class Policy:
    severities: list[Severity] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    communication: dict[str, dict[str, Cadence]] = field(default_factory=dict)
    roles: list[Role] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    default_review_days: int = 90
    # insights.repeat_window_days: postmortems of one service this close together are repeats.
    repeat_window_days: int = 30
    decision_trees: list[DecisionTree] = field(default_factory=list)
    source: Source | None = None
    alerts: AlertPolicy = field(default_factory=AlertPolicy)

    def severity(self, severity_id: str) -> Severity | None:
        return next((s for s in self.severities if s.id == severity_id), None)

    def rank(self, severity_id: str) -> int:
        """Position in the policy's order (0 = most severe); unknown ids sort last."""
        for i, s in enumerate(self.severities):
            if s.id == severity_id:
                return i
        return len(self.severities)


@dataclass(slots=True)
class Handbook:
    """Everything loaded from one handbook directory, plus the problems met while loading."""

    root: Path
    policy: Policy
    runbooks: list[Runbook] = field(default_factory=list)
    postmortems: list[Postmortem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Documents that could not be turned into a model (bad YAML, wrong types), by relative path.
    broken: dict[str, str] = field(default_factory=dict)
    # Every file checked, relative to root: policy.yml first, then runbooks and postmortems.
    files: list[str] = field(default_factory=list)
    _index: dict[str, Runbook] = field(default_factory=dict, repr=False)
    _index_size: int = field(default=-1, repr=False)

    def runbook(self, runbook_id: str) -> Runbook | None:
        """The runbook with this id (the first, if the id is duplicated)."""
        # Looked up for every reference of every document: keep it O(1). The index is rebuilt
        # whenever runbooks were added since it was made.
        if self._index_size != len(self.runbooks):
            self._index = {}
            for r in self.runbooks:
                self._index.setdefault(r.id, r)
            self._index_size = len(self.runbooks)
        return self._index.get(runbook_id)

    @property
    def action_items(self) -> list[ActionItem]:
        return [item for pm in self.postmortems for item in pm.action_items]

    @property
    def services(self) -> list[str]:
        names = {r.service for r in self.runbooks if r.service}
        names.update(s for pm in self.postmortems for s in pm.services if s)
        return sorted(names)
