"""The JSON Schemas: valid draft 2020-12, documented everywhere, shipped and used identically."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conftest import REPO, Handbook, Run
from opsbook import schemas

KINDS = ("runbook", "postmortem", "policy")


def properties(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema at any depth, with a dotted name."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}.{name}", sub
        for key, sub in node.items():
            if key != "examples":
                yield from properties(sub, f"{where}.{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from properties(sub, f"{where}[{i}]")


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_2020_12(kind: str) -> None:
    schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_has_a_description(kind: str) -> None:
    schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
    found = list(properties(schema))
    assert len(found) > 5
    missing = [name for name, sub in found if "description" not in sub]
    assert missing == []


@pytest.mark.parametrize("kind", KINDS)
def test_repository_schemas_match_the_packaged_ones(kind: str) -> None:
    packaged = REPO / "src" / "opsbook" / "schemas" / f"{kind}.schema.json"
    assert (REPO / "schemas" / f"{kind}.schema.json").read_bytes() == packaged.read_bytes()


def test_packaged_schema_is_used_outside_a_handbook(tmp_path: Path) -> None:
    text, origin = schemas.schema_text(tmp_path, "runbook")
    assert origin == "opsbook/schemas/runbook.schema.json"
    assert json.loads(text)["title"]


def test_format_checker_rejects_impossible_dates() -> None:
    checker = schemas.validator(None, "runbook")
    doc = {
        "id": "RB-1",
        "title": "t",
        "service": "s",
        "owner": "o",
        "severity": ["P1"],
        "last_reviewed": "2026-02-30",
    }
    assert [e.validator for e in checker.full.iter_errors(doc)] == ["format"]
    assert checker.fast is not None and not checker.fast.is_valid(doc)
    doc["last_reviewed"] = "2026-02-28"
    assert list(checker.full.iter_errors(doc)) == []
    assert checker.fast.is_valid(doc)


INVALID = [
    {"last_reviewed": "2026-02-30"},
    {"last_reviewed": "2026-9-1"},
    {"severity": "P1"},
    {"severity": []},
    {"severity": ["P1", "P1"]},
    {"status": "live"},
    {"review_days": 0},
    {"review_days": True},
    {"review_days": 1.5},
    {"links": [{"title": "x", "url": "ftp://x"}]},
    {"links": [{"title": "x"}]},
    {"symptoms": [1]},
    {"unknown": 1},
    {"title": ""},
    {"title": None},
    {"owner": False},
]


@pytest.mark.parametrize("change", INVALID, ids=[str(c) for c in INVALID])
def test_fast_and_full_validators_agree(change: dict[str, Any]) -> None:
    # The fast path may only skip jsonschema for documents jsonschema would accept.
    checker = schemas.validator(None, "runbook")
    doc = {
        "id": "RB-1",
        "title": "t",
        "service": "s",
        "owner": "o",
        "severity": ["P1"],
        "last_reviewed": "2026-02-28",
        **change,
    }
    assert checker.fast is not None
    assert checker.fast.is_valid(doc) == (not list(checker.full.iter_errors(doc)))
    assert not checker.fast.is_valid(doc)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"type": 5}', "not a valid JSON Schema"),
        ('{"properties": {"id": {"minLength": -1}}}', "not a valid JSON Schema"),
        ('{"type": "object",', "runbook.schema.json:1:19: not valid JSON"),
    ],
)
def test_a_handbook_schema_that_cannot_be_used_is_named(
    handbook: Handbook, opsbook: Callable[..., Run], text: str, says: str
) -> None:
    handbook.write("schemas/runbook.schema.json", text)
    run = opsbook("lint", cwd=handbook.root)
    assert run.code == 2, run.out + run.err
    assert says in run.err and "Traceback" not in run.err
    assert "schemas/runbook.schema.json" in run.err
