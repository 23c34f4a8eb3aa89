"""Properties: every handbook the schemas accept is linted, generated and listed without a crash.

Documents are drawn from the JSON Schemas themselves (schema_values below reads their keywords)
and checked against the real validator, so a field added to a schema is generated at once.
hypothesis-jsonschema would do this, but its 0.23.1 calls Hypothesis internals that 6.170 no
longer has ('many' object has no attribute 'more') for every object schema: hence this small
generator for the keywords our schemas use.

Hypothesis keeps no example database (database=None here) and writes its Unicode cache outside
the repository (tests/conftest.py points HYPOTHESIS_STORAGE_DIRECTORY at the temp directory).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from conftest import REPO, Run, unbounded
from opsbook import actions, checks, generate, lint, report, schemas
from opsbook.pages import Context, document

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

# Ids that refer to each other often enough to reach the pages of linked documents, trees
# whose nodes exist, communication rows of real severities.
IDS = ["P1", "P2", "RB-0001", "RB-0002", "PM-1", "chat", "ic", "start", "end", "api"]
REFERRING = {"id", "severity", "runbook", "runbooks", "related", "start", "next", "role",
             "service", "services", "owner", "yes", "no", "channels"}  # fmt: skip
# Texts that have broken something somewhere: markup, formulas, templates, YAML words, controls.
NASTY = [
    '=HYPERLINK("https://evil.example","x")',
    "+1",
    "-",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "{{ severity_matrix() }}",
    "{% raw %}",
    "TODO",
    "yes",
    "null",
    "~",
    "1",
    "0x1F",
    "\x1b[31mred\x1b[0m",
    "\x07",
    "a\nb",
    "\r",
    "\u202e",
    "\ufffe",
    "%0A",
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    "#",
    "---",
]


def texts(min_size: int = 0, referring: bool = False) -> st.SearchStrategy[str]:
    """Any text (no lone surrogates: YAML cannot hold them), the nasty ones, and ids."""
    return st.one_of(
        st.sampled_from(IDS),
        st.sampled_from(NASTY),
        st.text(st.characters(exclude_categories=("Cs",)), min_size=min_size, max_size=30),
        *([st.sampled_from(IDS)] * (2 if referring else 0)),
    )


TEXT = texts()
URLS = st.builds(
    "{}://{}.example/{}".format,
    st.sampled_from(["http", "https"]),
    st.from_regex(r"\A[a-z][a-z0-9-]{0,10}\Z"),
    st.from_regex(r"\A[A-Za-z0-9._~/%-]{0,20}\Z"),
)


@dataclass(frozen=True)
class Bounds:
    """What generated values may reach: the schemas' bounds, or Python's whole range."""

    first: dt.date
    last: dt.date
    max_int: int | None
    number_keys: bool


BOUNDED = Bounds(
    dt.date(schemas.YEARS[0], 1, 1), dt.date(schemas.YEARS[1], 12, 31), None, number_keys=False
)
UNBOUNDED = Bounds(dt.date.min, dt.date.max, 10**30, number_keys=True)


def _date_times(bounds: Bounds) -> st.SearchStrategy[str]:
    offsets = st.timedeltas(
        dt.timedelta(hours=-23, minutes=-59), dt.timedelta(hours=23, minutes=59)
    )
    moments = st.datetimes(
        dt.datetime.combine(bounds.first, dt.time()), dt.datetime.combine(bounds.last, dt.time.max)
    )
    aware = st.builds(
        lambda moment, offset: moment.replace(tzinfo=dt.timezone(offset)).isoformat(),
        moments,
        offsets,
    )
    naive = moments.map(lambda m: m.isoformat(sep=" ", timespec="minutes"))
    return st.one_of(aware, naive, st.sampled_from(["2026-09-01T10:00Z", "2026-13-45T99:99"]))


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def schema_values(node: Any, bounds: Bounds, name: str = "") -> st.SearchStrategy[Any]:
    """Values for a schema node, for the keywords our schemas use; the validator has the say."""
    if not isinstance(node, dict):
        return st.nothing()
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "string":
        if node.get("format") == "date":
            return st.dates(bounds.first, bounds.last).map(dt.date.isoformat)
        if node.get("format") == "uri":
            return URLS
        if "pattern" in node:  # the timeline's key times
            return _date_times(bounds)
        return texts(node.get("minLength", 0), referring=name in REFERRING)
    if kind == "integer":
        low = node.get("minimum", node.get("exclusiveMinimum", -(10**6)) + 1)
        high = bounds.max_int or node.get("maximum", 10**6)
        return st.one_of(st.integers(low, high), st.sampled_from([low, high]))
    if kind == "array":
        items = schema_values(node.get("items", {}), bounds, name)
        return st.lists(
            items,
            min_size=node.get("minItems", 0),
            max_size=4,
            unique_by=(lambda v: json.dumps(v, sort_keys=True))
            if node.get("uniqueItems")
            else None,
        )
    if kind == "object":
        return _objects(node, bounds)
    return st.nothing()


def _objects(node: dict[str, Any], bounds: Bounds) -> st.SearchStrategy[dict[Any, Any]]:
    props: dict[str, Any] = node.get("properties", {})
    extra = node.get("additionalProperties")
    variants = [set(v.get("required", [])) for v in node.get("anyOf", [])] or [set()]

    @st.composite
    def build(draw: Callable[..., Any]) -> dict[Any, Any]:
        required = set(node.get("required", [])) | draw(st.sampled_from(variants))
        out: dict[Any, Any] = {}
        for key, sub in props.items():
            if key in required or draw(st.booleans()):
                out[key] = draw(schema_values(sub, bounds, key))
        if isinstance(extra, dict):
            keys: st.SearchStrategy[Any] = texts(1, referring=True)
            if bounds.number_keys:
                keys = st.one_of(keys, st.integers(0, 99))
            extras = draw(
                st.dictionaries(
                    keys,
                    schema_values(extra, bounds),
                    min_size=node.get("minProperties", 0),
                    max_size=3,
                )
            )
            for key, value in extras.items():
                out.setdefault(key, value)
        return out

    return build()


def _schema(kind: str, bounds: Bounds) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
    return schema if bounds is BOUNDED else unbounded(schema)


def documents(kind: str, bounds: Bounds) -> st.SearchStrategy[dict[Any, Any]]:
    """Documents of a kind that its schema (the bounded or unbounded one) accepts."""
    schema = _schema(kind, bounds)
    from jsonschema import Draft202012Validator

    check = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return schema_values(schema, bounds).filter(check.is_valid)


BODIES = st.lists(st.one_of(TEXT, st.sampled_from(["# Heading", "## Step {#s}", "- item"])))


@dataclass
class Book:
    policy: dict[Any, Any]
    runbooks: list[tuple[dict[Any, Any], str]]
    postmortems: list[tuple[dict[Any, Any], str]]
    bounds: Bounds

    def write(self, root: Path) -> Path:
        def dump(data: Any) -> str:
            return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

        (root / "policy.yml").write_text(dump(self.policy), encoding="utf-8")
        for folder, docs in (("runbooks", self.runbooks), ("postmortems", self.postmortems)):
            (root / folder).mkdir()
            for i, (data, body) in enumerate(docs):
                text = f"---\n{dump(data)}---\n{body}\n"
                (root / folder / f"2026-01-0{i + 1}-doc-{i}.md").write_text(text, encoding="utf-8")
        if self.bounds is UNBOUNDED:
            (root / "schemas").mkdir()
            for kind in schemas.KINDS:
                text = json.dumps(_schema(kind, UNBOUNDED))
                (root / "schemas" / f"{kind}.schema.json").write_text(text, encoding="utf-8")
        return root


def books(bounds: Bounds) -> st.SearchStrategy[Book]:
    pairs = lambda kind: st.lists(  # noqa: E731
        st.tuples(documents(kind, bounds), st.lists(TEXT).map("\n".join)), max_size=3
    )
    return st.builds(Book, documents("policy", bounds), pairs("runbook"), pairs("postmortem"),
                     st.just(bounds))  # fmt: skip


TODAYS = st.one_of(st.dates(), st.dates(dt.date(2025, 1, 1), dt.date(2028, 1, 1)))
CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _check_everything(book: Book, today: dt.date) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = book.write(Path(tmp))
        result = lint.run(root, checks.Options(today=today, strict=True))
        assert all(p.rule != "internal" for p in result.problems), result.problems
        problems = sorted(result.problems, key=report.sort_key)
        text = report.render("text", problems, result.files)
        assert not CONTROLS.search(text)
        assert len(text.splitlines()) == len(problems) + 1
        ET.fromstring(report.render("junit", problems, result.files).encode("utf-8"))
        github = report.render("github", problems, result.files)
        assert not CONTROLS.search(github) and len(github.splitlines()) == len(problems)
        json.loads(report.render("json", problems, result.files))

        # What a site build and `opsbook generate` render, without MkDocs.
        ctx = Context(handbook=result.handbook, today=today, problems=problems)
        generate.write_pages(ctx, Path(tmp) / "out")
        for rel in result.handbook.files[1:]:
            document.header(ctx, rel)
            document.search_summary(ctx, rel)
            document.decorate(ctx, rel, "# Title\n\nBody\n")

        items = actions.select(
            result.handbook.action_items, today, statuses=("open", "in_progress", "done", "wont_do")
        )
        for fmt, render in actions.RENDERERS.items():
            out = render(items, today)
            if fmt == "table":
                assert not CONTROLS.search(out)
            elif fmt == "json":
                assert len(json.loads(out)) == len(items)
            elif fmt == "csv":
                rows = list(csv.DictReader(io.StringIO(out, newline="")))
                assert len(rows) == len(items)
                for row in rows:
                    assert not any(v[:1] in ("=", "+", "-", "@", "\t", "\r") for v in row.values())
            else:
                Calendar.from_ical(out)


@SETTINGS
@given(books(BOUNDED), TODAYS)
def test_schema_valid_handbooks_never_crash(book: Book, today: dt.date) -> None:
    _check_everything(book, today)


@SETTINGS
@given(books(UNBOUNDED), TODAYS)
def test_handbooks_valid_under_unbounded_schemas_never_crash(book: Book, today: dt.date) -> None:
    """A handbook's own schemas may drop the bounds: every value they accept still works."""
    _check_everything(book, today)


def _cli(opsbook: Callable[..., Run], root: Path, *args: str) -> Run:
    run = opsbook(*args, "--root", root, cwd=root)
    assert run.code in (0, 1) and "Traceback" not in run.err, (args, run.err)
    return run


@settings(SETTINGS, max_examples=4)
@given(st.one_of(books(BOUNDED), books(UNBOUNDED)), TODAYS)
def test_the_real_commands_never_crash(
    opsbook: Callable[..., Run], book: Book, today: dt.date
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = book.write(Path(tmp))
        day = today.isoformat()
        for fmt in report.FORMATS:
            _cli(opsbook, root, "lint", "--format", fmt, "--today", day)
        _cli(opsbook, root, "generate", str(Path(tmp) / "out"), "--today", day)
        for fmt in actions.FORMATS:
            _cli(opsbook, root, "actions", "--format", fmt, "--today", day)
