"""Alerting rules read from rule files: Prometheus, Kubernetes PrometheusRule, Grafana provisioning.

Data comes from libyaml (the C parser), every scalar as text, without positions: a YAML node
tree costs several times the memory and time of the values, and positions are wanted only for
the few alerts with a problem. The first position asked of a file composes its documents again
(the same C parser, resolving no tags) and answers every later question about that file from
that tree.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsbook import yamlsafe
from opsbook.model import KeyPath, Mark, Problem

# Formats read, as named in reports.
PROMETHEUS = "prometheus"
PROMETHEUS_RULE = "PrometheusRule"
GRAFANA = "grafana"

# A rule file larger than this is not a rule file someone wrote (and composing it for positions
# would hold its whole node tree): it is reported, not read.
MAX_BYTES = 50_000_000


@dataclass(slots=True)
class Alert:
    """One alerting rule: its name, labels and annotations, and where it is."""

    name: str
    file: RuleFile
    doc: int  # the YAML document of the file (a multi-document file holds several)
    path: KeyPath  # the rule's mapping inside that document
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    group: str = ""
    name_key: str = "alert"  # where the name is: Prometheus `alert:`, Grafana `title:`

    @property
    def rel(self) -> str:
        return self.file.rel

    def mark(self, *keys: str | int, key: bool = False) -> Mark:
        """Where the rule (or a value inside it, e.g. "annotations", "runbook_url") stands."""
        return self.file.mark(self.doc, (*self.path, *keys), key=key)


@dataclass(slots=True)
class RuleFile:
    """A file read for alerting rules, what it held, and why it was skipped if it was."""

    path: Path
    rel: str
    formats: list[str] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    # Why no rule was read from it (another kind of YAML): a note, not a problem.
    note: str = ""
    problems: list[Problem] = field(default_factory=list)
    text: str = field(default="", repr=False)
    _nodes: list[Any] | None = field(default=None, repr=False)

    def forget_positions(self) -> None:
        """Answer every position with line 1 from now on, composing nothing."""
        self._nodes = []

    def mark(self, doc: int, path: KeyPath, *, key: bool = False) -> Mark:
        if self._nodes is None:
            self._nodes = _compose_all(self.text)
        if doc >= len(self._nodes):
            return Mark(1, 1)
        node = self._nodes[doc]
        best = node.start_mark
        for i, step in enumerate(path):
            child = None
            kind = getattr(node, "id", "")
            if kind == "sequence" and isinstance(step, int) and 0 <= step < len(node.value):
                child = node.value[step]
            elif kind == "mapping":
                for k, v in node.value:
                    if getattr(k, "value", None) == step:
                        if key and i == len(path) - 1:
                            best = k.start_mark
                        else:
                            child = v
                        break
            if child is None:
                break
            node = child
            best = node.start_mark
        return Mark(best.line + 1, best.column + 1)


class _DataLoader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # type: ignore[misc]
    """Every scalar as text: what rule files hold (names, labels, annotations) is text, and
    `severity: yes` must stay "yes", not become True."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


class _MarksLoader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # type: ignore[misc]
    """Composes nodes for their positions only: no tag is resolved (libyaml would call back
    into Python's regular expressions for every scalar, most of the cost of composing)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return ""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def _compose_all(text: str) -> list[Any]:
    """The node tree of each YAML document of text (read before without error)."""
    loader = _MarksLoader(text)
    nodes: list[Any] = []
    try:
        while loader.check_node():
            nodes.append(loader.get_node())
    except (yaml.YAMLError, RecursionError):
        pass
    finally:
        loader.dispose()
    return nodes


def _text(value: Any) -> str:
    """A label or annotation value as text (YAML may have read `1` or `true`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value)


def _mapping(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): _text(v) for k, v in value.items()}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _groups(
    file: RuleFile, doc: int, groups: Any, base: KeyPath, name_key: str, fmt: str
) -> Iterator[Alert]:
    for gi, group in enumerate(_list(groups)):
        if not isinstance(group, dict):
            continue
        group_name = _text(group.get("name"))
        for ri, rule in enumerate(_list(group.get("rules"))):
            if not isinstance(rule, dict):
                continue
            name = rule.get(name_key)
            if not isinstance(name, str) or not name:
                continue  # a recording rule (`record:`), or a rule with no name
            if fmt == GRAFANA and "record" in rule and "annotations" not in rule:
                continue
            yield Alert(
                name=name,
                file=file,
                doc=doc,
                path=(*base, "groups", gi, "rules", ri),
                labels=_mapping(rule.get("labels")),
                annotations=_mapping(rule.get("annotations")),
                group=group_name,
                name_key=name_key,
            )


def _document_alerts(file: RuleFile, doc: int, data: Any) -> tuple[str, list[Alert]] | None:
    """The format and alerts of one YAML document, or None when it is not a rule document."""
    if not isinstance(data, dict):
        return None
    if data.get("kind") == "PrometheusRule" and isinstance(data.get("spec"), dict):
        spec = data["spec"]
        return PROMETHEUS_RULE, list(
            _groups(file, doc, spec.get("groups"), ("spec",), "alert", PROMETHEUS_RULE)
        )
    groups = data.get("groups")
    if not isinstance(groups, list):
        return None
    rules = [
        r
        for g in groups
        if isinstance(g, dict)
        for r in _list(g.get("rules"))
        if isinstance(r, dict)
    ]
    if data.get("apiVersion") in (1, "1") and (
        not rules or any("title" in r or "uid" in r for r in rules)
    ):
        return GRAFANA, list(_groups(file, doc, groups, (), "title", GRAFANA))
    if "apiVersion" not in data and "kind" not in data:
        return PROMETHEUS, list(_groups(file, doc, groups, (), "alert", PROMETHEUS))
    return None


def read(path: Path, rel: str) -> RuleFile:
    """The alerting rules of one file; problems and notes are values, never raised."""
    file = RuleFile(path, rel)

    def problem(line: int, column: int, message: str) -> None:
        file.problems.append(Problem(rel, line, column, "error", "alert-rules-invalid", message))

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # Opening a FIFO for reading blocks until a writer comes: never opened.
            problem(1, 1, "not a regular file (a FIFO, socket, device or folder): not read")
            return file
        size = info.st_size
        if size > MAX_BYTES:
            problem(1, 1, f"the file is {size:,} bytes, over {MAX_BYTES:,}: not read")
            return file
        raw = path.read_bytes()
    except OSError as exc:
        problem(1, 1, f"cannot read the rule file ({exc.strerror or exc}): fix or remove it")
        return file
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problem(line, 1, "the rule file is not UTF-8: re-save it as UTF-8")
        return file
    text = text.removeprefix("\ufeff")
    deep = yamlsafe._too_deep(text)  # libyaml's composer recurses once per level
    if deep is not None:
        problem(deep.line + 1, deep.column + 1, deep.message)
        return file
    file.text = text
    try:
        documents = list(yaml.load_all(text, Loader=_DataLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem(line, column, f"not valid YAML ({exc.problem or 'invalid YAML'}): fix the syntax")
        return file
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        problem(1, 1, f"not valid YAML ({type(exc).__name__}): fix the syntax")
        return file
    for doc, data in enumerate(documents):
        found = _document_alerts(file, doc, data)
        if found is None:
            continue
        fmt, alerts = found
        if fmt not in file.formats:
            file.formats.append(fmt)
        file.alerts.extend(alerts)
    if not file.formats:
        kinds = sorted(
            {str(d.get("kind")) for d in documents if isinstance(d, dict) and "kind" in d}
        )
        what = f" (kind {', '.join(kinds)})" if kinds else ""
        file.note = (
            f"holds no alerting rules{what}: not a Prometheus rule file, PrometheusRule or "
            "Grafana alert rule provisioning file; skipped"
        )
    return file


def find(root: Path, globs: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Files matching policy.yml's globs (relative to root), and the globs that match none.

    Only files inside the handbook and outside dot-folders count.
    """
    found: dict[Path, None] = {}
    empty: list[str] = []
    real_root = root.resolve()

    def inside(path: Path) -> bool:
        # policy.yml comes through pull requests: its globs read nothing outside the handbook
        # (`../`, a symlink out) and nothing under a dot-folder (.git, .env), as documents.
        try:
            rel = path.resolve().relative_to(real_root)
        except (ValueError, OSError, RuntimeError):
            return False
        return not any(part.startswith(".") for part in rel.parts)

    for pattern in globs:
        matches = sorted(
            Path(p)
            for p in glob.glob(os.path.join(glob.escape(str(root)), pattern), recursive=True)
            if Path(p).is_file() and inside(Path(p))
        )
        if not matches:
            empty.append(pattern)
        found.update(dict.fromkeys(matches))
    return list(found), empty


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files and directories given on the command line: a directory means its *.yml and *.yaml."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.endswith((".yml", ".yaml")) and not name.startswith("."):
                        found[Path(dirpath, name)] = None
        else:
            found[path] = None
    return list(found)
