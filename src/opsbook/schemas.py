"""The JSON Schemas in use and schema errors turned into positioned, actionable problems."""

from __future__ import annotations

import difflib
import json
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
    if checker.fast is not None and checker.fast.is_valid(source.data):
        return []
    problems: list[Problem] = []
    for error in checker.full.iter_errors(source.data):
        schema = checker.schema if isinstance(checker.schema, dict) else {}
        problems.extend(_explain(error, source, schema))
    problems.sort(key=lambda p: (p.line, p.column))
    return problems


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
    if validator == "pattern":
        described = _subschema(schema, path).get("description", "")
        hint = f": {described}" if described else f": it must match {error.validator_value}"
        return [at(path, "schema-format", f"{where}: '{error.instance}' has the wrong form{hint}")]
    if validator in ("minItems", "minLength"):
        return [at(path, "schema-empty", f"{where} must not be empty: give it a value")]
    if validator == "uniqueItems":
        return [at(path, "schema-duplicate", f"{where} lists a value twice: remove the repeat")]
    if validator in ("exclusiveMinimum", "minimum"):
        return [at(path, "schema-range", f"{where} must be a number greater than 0")]
    if validator in ("anyOf", "oneOf") and error.context:
        return [at(path, "schema-value", f"{where}: {error.message}; see the schema's description")]
    return [at(path, "schema-value", f"{where}: {error.message}")]


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
