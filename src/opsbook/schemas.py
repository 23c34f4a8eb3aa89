"""The JSON Schemas in use and schema errors turned into positioned, actionable problems."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsbook.model import KeyPath, Problem, Source

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

KINDS = ("runbook", "postmortem", "policy")

# The years a date or date-time field may have, as the schemas' patterns say: far enough back
# for any incident, far enough ahead for any due date, and far from the ends of Python's dates
# (year 1 to 9999), so that adding a review interval or a UTC offset can never leave them.
YEARS = (1900, 2999)
YEAR_PATTERN = "^(19[0-9]{2}|2[0-9]{3})-"
_YEAR = re.compile(r"([0-9]{4})-")


class SchemaError(Exception):
    """A schema file that cannot be used (bad JSON or not a valid JSON Schema)."""


def schema_text(root: Path | None, kind: str) -> tuple[str, str]:
    """The schema for kind as (text, where it came from): the handbook's own, else the packaged."""
    if root is not None:
        own = root / "schemas" / f"{kind}.schema.json"
        if own.is_file():
            return own.read_text(encoding="utf-8"), str(own)
    packaged = resources.files("opsbook") / "schemas" / f"{kind}.schema.json"
    return packaged.read_text(encoding="utf-8"), f"opsbook/schemas/{kind}.schema.json"


@dataclass(frozen=True)
class Checker:
    """jsonschema's validator, which explains errors, and a fast one that only says yes or no.

    jsonschema takes most of a lint run's time on valid documents; jsonschema-rs answers
    "valid?" about a hundred times faster. Documents it rejects, and every document when it is
    missing or cannot compile the schema, go through jsonschema for the positioned messages.
    jsonschema itself is imported only then: its import alone took half of a lint run's
    start-up, which pre-commit pays on every commit.
    """

    schema: Any
    fast: Any = None

    @cached_property
    def full(self) -> Draft202012Validator:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validator(root: Path | None, kind: str) -> Checker:
    """A checker for kind, with format checking on (so 2026-02-30 is rejected)."""
    text, origin = schema_text(root, kind)
    return _compile(text, origin)


def _fast(schema: dict[str, Any]) -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        return None
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=True)
    except Exception:  # any schema it cannot compile is checked by jsonschema alone
        return None


@cache
def _compile(text: str, origin: str) -> Checker:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{origin}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    fast = _fast(schema)
    if fast is None:
        # jsonschema-rs checks a schema against its meta-schema as it compiles it; without it,
        # or when it refused the schema, jsonschema checks it and says what is wrong.
        from jsonschema import Draft202012Validator

        try:
            Draft202012Validator.check_schema(schema)
        except Exception as exc:
            raise SchemaError(f"{origin}: not a valid JSON Schema: {exc}") from exc
    return Checker(schema, fast)


def validate(checker: Checker, source: Source) -> list[Problem]:
    """Every schema error of a document, each at the position of the offending key or value."""
    if checker.fast is not None and _fast_valid(checker.fast, source.data):
        return []
    problems: list[Problem] = []
    for error in checker.full.iter_errors(source.data):
        schema = checker.schema if isinstance(checker.schema, dict) else {}
        problems.extend(_explain(error, source, schema))
    problems.sort(key=lambda p: (p.line, p.column))
    return problems


def _fast_valid(fast: Any, data: Any) -> bool:
    # jsonschema-rs takes JSON data only: a key that YAML read as a number (`1:`) raises
    # ValueError. Such a document is not known valid: jsonschema says what is wrong with it.
    try:
        return bool(fast.is_valid(data))
    except (ValueError, TypeError, OverflowError):
        return False


def _field(path: KeyPath) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "frontmatter"


def _subschema(schema: dict[str, Any], path: KeyPath) -> dict[str, Any]:
    """The schema node describing the value at path, following properties and items."""
    node: Any = schema
    for step in path:
        if not isinstance(node, dict):
            return {}
        if isinstance(step, int):
            node = node.get("items", {})
        else:
            props = node.get("properties", {})
            node = props.get(step) if step in props else node.get("additionalProperties", {})
    return node if isinstance(node, dict) else {}


def _explain(error: ValidationError, source: Source, schema: dict[str, Any]) -> list[Problem]:
    path: KeyPath = tuple(error.absolute_path)
    where = _field(path)

    def at(key_path: KeyPath, rule: str, message: str, key: bool = False) -> Problem:
        mark = source.mark(key_path, key=key)
        return Problem(source.rel, mark.line, mark.column, "error", rule, message)

    validator = error.validator
    if "propertyNames" in error.schema_path:
        # jsonschema reports a bad key at its mapping, with the key as the instance.
        key = _yaml_text(error.instance)
        what = "a number" if isinstance(error.instance, (int, float)) else _kind(error.instance)
        return [
            at(
                (*path, key),
                "schema-type",
                f"{where}: the key {key} is {what}: keys must be text; "
                f'put it in quotes, e.g. "{key}"',
                key=True,
            )
        ]
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        described = _subschema(schema, (*path, missing)).get("description", "")
        hint = f" ({described.rstrip('.')})" if described else ""
        inside = f" in {where}" if path else ""
        return [
            at(
                path,
                "schema-required",
                f"missing required field '{missing}'{inside}: add '{missing}:'{hint}",
            )
        ]
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(_subschema(schema, path).get("properties", {}))
        problems = []
        for key in error.instance:
            if key in allowed:
                continue
            guess = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = (
                f"did you mean '{guess[0]}'?"
                if guess
                else f"remove it; allowed fields are {', '.join(allowed)}"
            )
            problems.append(
                at((*path, key), "schema-unknown-field", f"unknown field '{key}': {hint}", key=True)
            )
        return problems
    if validator == "enum":
        options = [str(o) for o in error.validator_value]  # type: ignore[union-attr]
        guess = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.6)
        hint = f"did you mean '{guess[0]}'?" if guess else f"use one of {', '.join(options)}"
        return [at(path, "schema-enum", f"{where}: '{error.instance}' is not allowed: {hint}")]
    if validator == "format" and error.validator_value == "date":
        node = error.schema if isinstance(error.schema, dict) else {}
        if _year_out_of_range(error, str(node.get("pattern", ""))):
            return []  # year 0000: the pattern's error says the range, which is the fix
        return [
            at(
                path,
                "schema-date",
                f"{where}: '{error.instance}' is not a real date: write "
                "YYYY-MM-DD with a valid month and day",
            )
        ]
    if validator == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        got = _kind(error.instance)
        hint = ""
        if wanted == "array" and isinstance(error.instance, str):
            hint = f": write it as a list, e.g. [{error.instance}]"
        elif wanted == "string" and isinstance(error.instance, (bool, int, float)):
            hint = f': put the value in quotes, e.g. "{_yaml_text(error.instance)}"'
        elif wanted == "string" and error.instance is None:
            hint = ": give it a value or remove the key"
        return [at(path, "schema-type", f"{where} must be {_article(wanted)}, not {got}{hint}")]
    if validator == "pattern" and _year_out_of_range(error, str(error.validator_value)):
        year = str(error.instance)[:4]
        low, high = YEARS
        return [
            at(
                path,
                "schema-range",
                f"{where}: year {year} is out of range: use a year from {low} to {high}",
            )
        ]
    if validator == "pattern":
        described = _subschema(schema, path).get("description", "")
        hint = f": {described}" if described else f": it must match {error.validator_value}"
        return [at(path, "schema-format", f"{where}: '{error.instance}' has the wrong form{hint}")]
    if validator in ("minItems", "minLength"):
        return [at(path, "schema-empty", f"{where} must not be empty: give it a value")]
    if validator == "uniqueItems":
        return [at(path, "schema-duplicate", f"{where} lists a value twice: remove the repeat")]
    if validator in ("exclusiveMinimum", "minimum", "exclusiveMaximum", "maximum"):
        return [at(path, "schema-range", f"{where} must be {_range(error.schema)}")]
    if validator in ("anyOf", "oneOf") and error.context:
        return [at(path, "schema-value", f"{where}: {error.message}; see the schema's description")]
    return [at(path, "schema-value", f"{where}: {error.message}")]


def _year_out_of_range(error: ValidationError, pattern: str) -> bool:
    """An error of a date field whose pattern bounds the years, with a year out of range."""
    found = _YEAR.match(error.instance) if isinstance(error.instance, str) else None
    if not pattern.startswith(YEAR_PATTERN) or found is None:
        return False
    low, high = YEARS
    return not low <= int(found.group(1)) <= high


def _range(schema: Any) -> str:
    """'a whole number from 1 to 3650', from a number schema's bounds."""
    node = schema if isinstance(schema, dict) else {}
    whole = node.get("type") == "integer"
    low, high = node.get("minimum"), node.get("maximum")
    if "exclusiveMinimum" in node:
        low = node["exclusiveMinimum"] + 1 if whole else None
    if "exclusiveMaximum" in node:
        high = node["exclusiveMaximum"] - 1 if whole else None
    kind = "a whole number" if whole else "a number"
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    if low is not None:
        return f"{kind} of at least {low}"
    if high is not None:
        return f"{kind} of at most {high}"
    if "exclusiveMinimum" in node:
        return f"{kind} greater than {node['exclusiveMinimum']}"
    return f"{kind} less than {node.get('exclusiveMaximum')}"


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {_yaml_text(value)}"
    if value is None:
        return "empty"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _article(kind: str) -> str:
    names = {
        "array": "a list",
        "object": "a mapping",
        "string": "text",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
    }
    return names.get(kind, f"of type {kind}")
