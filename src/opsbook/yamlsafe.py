"""YAML to plain data with the traps of PyYAML's defaults removed, and errors as positions.

We compose with libyaml (the C parser) and build the Python values ourselves from the node
tree: that keeps every node's position for messages, reports duplicate keys (PyYAML keeps
the last one silently), and bounds alias expansion so a "billion laughs" document fails fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Beyond this many values a document is not a runbook but an alias bomb.
MAX_NODES = 100_000
# Beyond this many nested lists and mappings it is not a runbook either. libyaml's C composer
# recurses once per level and kills the interpreter (SIGSEGV) somewhere past 20,000 levels, which
# a 60 kB line of '[' reaches; so depth is checked before composing whenever the text could
# nest deeper than _COMPOSE_SAFE_DEPTH.
MAX_DEPTH = 100
_COMPOSE_SAFE_DEPTH = 1_000


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader whose resolvers keep dates as strings and read only true/false as booleans."""

    # libyaml calls these three back in Python for every node it composes. No path resolvers
    # are registered, so descending and ascending have nothing to track, and a scalar's tag
    # depends only on its text and style: short texts (keys, ids, enum values) repeat
    # across documents, so their tags are looked up once.
    _tags: ClassVar[dict[tuple[Any, Any, Any], str]] = {}

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if value is not None and len(value) > 40:
            return str(super().resolve(kind, value, implicit))
        key = (kind, value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            if len(self._tags) >= 10_000:
                self._tags.clear()
            tag = self._tags[key] = str(super().resolve(kind, value, implicit))
        return tag


_DROPPED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_int_constructor = yaml.SafeLoader.construct_yaml_int
_float_constructor = yaml.SafeLoader.construct_yaml_float
# The int/float constructors only read the node; one constructor instance serves every call.
_CONSTRUCTOR = yaml.SafeLoader("")


@dataclass
class YamlError:
    """A problem found while reading YAML: 0-based line and column within the text given."""

    line: int
    column: int
    rule: str
    message: str


class _Builder:
    def __init__(self, line_offset: int) -> None:
        self.line_offset = line_offset
        self.count = 0
        self.errors: list[YamlError] = []
        self._active: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self._active:
            raise _Recursive(node)
        if len(self._active) >= MAX_DEPTH:  # _active holds the collections enclosing node
            raise _TooDeep(node)
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(child) for child in node.value]
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node)
        finally:
            self._active.discard(id(node))
        return None

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag == "tag:yaml.org,2002:str":
            return node.value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return node.value.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            return _int_constructor(_CONSTRUCTOR, node)
        if tag == "tag:yaml.org,2002:float":
            return _float_constructor(_CONSTRUCTOR, node)
        # Explicit tags (!!timestamp, !custom) carry no meaning in a handbook: keep the text.
        return node.value

    def _mapping(self, node: yaml.MappingNode) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.errors.append(
                    YamlError(
                        key_node.start_mark.line,
                        key_node.start_mark.column,
                        "yaml-key",
                        "a mapping key must be a plain value, not a list or mapping",
                    )
                )
                continue
            key = self._scalar(key_node)
            if isinstance(key, bool) or key is None:
                key = key_node.value
            if key in seen:
                first = seen[key].start_mark
                self.errors.append(
                    YamlError(
                        key_node.start_mark.line,
                        key_node.start_mark.column,
                        "yaml-duplicate-key",
                        f"duplicate key '{key}' (first defined on line "
                        f"{first.line + 1 + self.line_offset}): remove one of them; "
                        "YAML would silently keep only the last",
                    )
                )
                continue
            seen[key] = key_node
            result[key] = self.build(value_node)
        return result


class _TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class _Recursive(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


_TOO_DEEP = (
    f"YAML nested more than {MAX_DEPTH} levels deep: a handbook document nests a few levels; "
    "flatten the lists and mappings"
)


def _depth_bound(text: str) -> int:
    """An upper bound on the nesting depth of text, from the characters every level needs.

    A nested list or mapping starts on a new (more indented) line, after a '-' or '?' indicator,
    or with '[' or '{'; an implicit mapping (`- a: b`, `[a: b]`) adds at most one level to each.
    """
    return 2 * sum(map(text.count, ("\n", "-", "?", "[", "{"))) + 2


def _too_deep(text: str) -> YamlError | None:
    """The place where text nests deeper than MAX_DEPTH, if it can, found without recursion."""
    if _depth_bound(text) <= _COMPOSE_SAFE_DEPTH:
        return None
    loader = _Loader(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return None
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, column = (mark.line, mark.column) if mark else (0, 0)
                    return YamlError(line, column, "yaml-too-large", _TOO_DEEP)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # composing reports it, failing at the same place before going any deeper
    finally:
        loader.dispose()


def load(text: str, line_offset: int = 0) -> tuple[Any, yaml.Node | None, list[YamlError]]:
    """Parse one YAML document; returns (data, root node, errors). Never raises for bad input."""
    deep = _too_deep(text)
    if deep is not None:
        return None, None, [deep]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or "invalid YAML"
        mark, started = exc.problem_mark or exc.context_mark, exc.context_mark
        if started is not None and "end of stream" in problem:
            # An unclosed quote or bracket runs to the end of the frontmatter: point at its start.
            mark = started
        line, column = (mark.line, mark.column) if mark else (0, 0)
        if "maximum nesting depth" in problem:
            # PyYAML 6.0.4's libyaml stops at 1,000 levels while scanning, before any event
            # reaches _too_deep: the same defect, reported the same way.
            return None, None, [YamlError(line, column, "yaml-too-large", _TOO_DEEP)]
        context = ""
        if exc.context and started is not None and started.line != line:
            context = f" ({exc.context} started on line {started.line + 1 + line_offset})"
        elif exc.context:
            context = f" ({exc.context})"
        hint = _syntax_hint(problem, text, line)
        return None, None, [YamlError(line, column, "yaml-syntax", f"{problem}{context}{hint}")]
    except yaml.YAMLError as exc:
        return None, None, [YamlError(0, 0, "yaml-syntax", str(exc))]
    except RecursionError:
        return None, None, [YamlError(0, 0, "yaml-syntax", "YAML nested too deeply")]
    finally:
        loader.dispose()
    if node is None:
        return None, None, []
    builder = _Builder(line_offset)
    try:
        data = builder.build(node)
    except _TooBig as exc:
        mark = exc.node.start_mark
        return (
            None,
            None,
            [
                YamlError(
                    mark.line,
                    mark.column,
                    "yaml-too-large",
                    f"YAML expands to more than {MAX_NODES:,} values (an alias bomb?): "
                    "remove the nested anchors and aliases",
                )
            ],
        )
    except _Recursive as exc:
        mark = exc.node.start_mark
        return None, None, [YamlError(mark.line, mark.column, "yaml-syntax", "recursive alias")]
    except _TooDeep as exc:
        mark = exc.node.start_mark
        return None, None, [YamlError(mark.line, mark.column, "yaml-too-large", _TOO_DEEP)]
    except RecursionError:
        return None, None, [YamlError(0, 0, "yaml-syntax", "YAML nested too deeply")]
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return None, None, [YamlError(0, 0, "yaml-syntax", f"invalid value: {exc}")]
    return data, node, builder.errors


def compose(text: str) -> yaml.Node | None:
    """The node tree of YAML text that load() has read without error before; None if it fails."""
    loader = _Loader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


def _syntax_hint(problem: str, text: str, line: int) -> str:
    lines = text.splitlines()
    if "\t" in problem or (0 <= line < len(lines) and "\t" in lines[line]):
        return ": YAML allows no tabs for indentation, use spaces"
    if "end of stream" in problem:
        return ": it is never closed; add the closing quote or bracket"
    if "mapping values are not allowed" in problem:
        return ": quote the value if it contains ': '"
    if "could not find expected ':'" in problem:
        return ": each line needs 'key: value'; check the indentation and quotes"
    return ": fix the YAML syntax at this position"
