"""The JSON Schemas: valid draft 2020-12, documented everywhere, shipped and used identically."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conftest import REPO, Handbook, Run, unbounded
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
    {"review_days": 3651},
    {"last_reviewed": "0000-01-01"},
    {"last_reviewed": "9999-12-31"},
    {"last_reviewed": "1899-12-31"},
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


# ---- values at the edge of what a schema accepts ----------------------------------------------

RUNBOOK_FILE = "runbooks/api/roll-back.md"
POSTMORTEM_FILE = "postmortems/2026-09-01-api-outage.md"

# (file, text replaced, replacement, rule, what the message must say)
EXTREMES = [
    (
        RUNBOOK_FILE,
        "last_reviewed: 2026-09-01",
        "last_reviewed: 9999-12-31",
        "schema-range",
        "last_reviewed: year 9999 is out of range: use a year from 1900 to 2999",
    ),
    (
        RUNBOOK_FILE,
        "last_reviewed: 2026-09-01",
        "last_reviewed: 0000-01-01",
        "schema-range",
        "year 0000 is out of range",
    ),
    (
        RUNBOOK_FILE,
        "last_reviewed: 2026-09-01",
        "last_reviewed: 1899-12-31",
        "schema-range",
        "year 1899 is out of range",
    ),
    (
        RUNBOOK_FILE,
        "symptoms:",
        "review_days: 1000000000\nsymptoms:",
        "schema-range",
        "review_days must be a whole number from 1 to 3650",
    ),
    (
        "policy.yml",
        "default_days: 90",
        "default_days: 1000000000",
        "schema-range",
        "review.default_days must be a whole number from 1 to 3650",
    ),
    (
        "policy.yml",
        "review_days: 30",
        "review_days: 99999",
        "schema-range",
        "severities[0].review_days must be a whole number from 1 to 3650",
    ),
    (
        "policy.yml",
        "\n  P2:\n",
        "\n  2:\n",
        "schema-type",
        'communication: the key 2 is a number: keys must be text; put it in quotes, e.g. "2"',
    ),
    ("policy.yml", "      investigate:\n", "      7:\n", "schema-type", "the key 7 is a number"),
    (
        POSTMORTEM_FILE,
        "due: 2026-09-20",
        "due: 9999-12-31",
        "schema-range",
        "action_items[0].due: year 9999 is out of range",
    ),
    (
        POSTMORTEM_FILE,
        '"2026-09-01T10:00:00+00:00"',
        '"0001-01-01T00:00:00+14:00"',
        "schema-range",
        "timeline.started: year 0001 is out of range",
    ),
]


def _edit(book: Handbook, rel: str, old: str, new: str) -> None:
    path = book.root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("rel", "old", "new", "rule", "says"), EXTREMES, ids=[e[2].strip() for e in EXTREMES]
)
def test_out_of_range_values_are_lint_errors_that_say_the_range(
    handbook: Handbook,
    opsbook: Callable[..., Run],
    rel: str,
    old: str,
    new: str,
    rule: str,
    says: str,
) -> None:
    _edit(handbook, rel, old, new)
    # Another file's problem must still be reported beside it.
    handbook.write("runbooks/other.md", "no frontmatter\n")
    run = opsbook("lint", "--today", "2026-09-15", cwd=handbook.root)
    assert run.code == 1 and "Traceback" not in run.err, run.err
    assert f"[{rule}]" in run.out and says in run.out, run.out
    assert "runbooks/other.md:1:1: error: no frontmatter" in run.out


def test_extreme_values_never_crash_without_the_bounds(
    handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    """Every command still runs on values its (own, unbounded) schemas accept."""
    for kind in KINDS:
        schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
        handbook.write(f"schemas/{kind}.schema.json", json.dumps(unbounded(schema)))
    for rel, old, new, _rule, _says in EXTREMES:
        if "0000" not in new and "1899" not in new and "review_days: 99999" not in new:
            _edit(handbook, rel, old, new)
    _edit(handbook, "policy.yml", "review_days: 30", "review_days: 1000000000")
    handbook.write("runbooks/other.md", "no frontmatter\n")
    lint_run = opsbook("lint", "--today", "2026-09-15", cwd=handbook.root)
    assert lint_run.code == 1 and "Traceback" not in lint_run.err, lint_run.err
    assert "runbooks/other.md:1:1: error: no frontmatter" in lint_run.out
    generated = opsbook("generate", tmp_path / "out", "--today", "2026-09-15", cwd=handbook.root)
    assert generated.code == 0, generated.err
    for fmt in ("table", "json", "csv", "ics"):
        listed = opsbook("actions", "--format", fmt, "--today", "9999-12-31", cwd=handbook.root)
        assert listed.code == 0, listed.err
    ics = opsbook("actions", "--format", "ics", "--today", "2026-09-15", cwd=handbook.root).out
    assert "DTSTART;VALUE=DATE:99991231" in ics
    # The pages of the site build: the document header shows the key times.
    from opsbook import checks, load
    from opsbook.pages import Context, document

    book = load.load_handbook(handbook.root)
    today = dt.date(2026, 9, 15)
    ctx = Context(handbook=book, today=today, problems=checks.check(book, checks.Options(today)))
    header, _title = document.header(ctx, POSTMORTEM_FILE)
    assert "0001-01-01" in header
    assert document.header(ctx, RUNBOOK_FILE)[0]


@pytest.mark.slow
def test_extreme_values_build_a_site_without_the_bounds(handbook: Handbook, tmp_path: Path) -> None:
    """`mkdocs build` shows 0001-01-01T00:00+14:00 (no UTC time in Python's range) as written."""
    from sitebuild import build, install_site

    for kind in KINDS:
        schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
        handbook.write(f"schemas/{kind}.schema.json", json.dumps(unbounded(schema)))
    _edit(handbook, POSTMORTEM_FILE, '"2026-09-01T10:00:00+00:00"', '"0001-01-01T00:00:00+14:00"')
    _edit(handbook, POSTMORTEM_FILE, "due: 2026-09-20", "due: 9999-12-31")
    _edit(handbook, RUNBOOK_FILE, "last_reviewed: 2026-09-01", "last_reviewed: 9999-12-31")
    install_site(handbook.root)
    built = build(handbook.root, tmp_path / "site")
    assert built.code == 0 and "Traceback" not in built.log, built.log
    assert "0001-01-01 00:00+14:00" in built.html("postmortems/2026-09-01-api-outage")
    assert "DTSTART;VALUE=DATE:99991231" in (built.site / "action-items.ics").read_text()
