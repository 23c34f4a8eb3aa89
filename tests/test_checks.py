"""One test per lint rule: real files in tmp_path, asserting the rule id, file and line."""

from __future__ import annotations

import datetime as dt
import gc
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook, dedent
from opsbook import checks, load
from opsbook.cli import main
from opsbook.lint import run as lint_run


def lint(book: Handbook, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code = main(
        ["lint", "--root", str(book.root), "--format", "json", "--today", "2026-09-15", *args]
    )
    out = capsys.readouterr().out
    problems: list[dict[str, Any]] = json.loads(out)
    assert code == (1 if any(p["level"] == "error" for p in problems) else 0) or "--strict" in args
    return problems


def only(problems: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [p for p in problems if p["rule"] == rule]


def one(problems: list[dict[str, Any]], rule: str, path: str, line: int) -> dict[str, Any]:
    found = only(problems, rule)
    assert found, f"no {rule} in {problems}"
    match = [p for p in found if p["path"] == path and p["line"] == line]
    assert match, f"{rule} not at {path}:{line}: {found}"
    return match[0]


def runbook(**changes: str | None) -> str:
    """The fixture runbook with some frontmatter lines replaced (None removes a key)."""
    lines = RUNBOOK.splitlines()
    for key, value in changes.items():
        index = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), None)
        if value is None:
            assert index is not None
            del lines[index]
        elif index is None:
            lines.insert(-4, f"{key}: {value}")
        else:
            lines[index] = f"{key}: {value}"
    return "\n".join(lines) + "\n"


def test_the_fixture_handbook_is_clean(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lint(handbook, capsys) == []


# --- file rules -------------------------------------------------------------------------------


def test_not_utf8(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/latin1.md", RUNBOOK.replace("Roll back", "Caf\xe9").encode("latin-1"))
    problem = one(lint(handbook, capsys), "file-encoding", "runbooks/latin1.md", 3)
    assert "UTF-8" in problem["message"]
    assert problem["column"] == 11


def test_binary_file(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    one(lint(handbook, capsys), "file-binary", "runbooks/image.md", 1)


def test_empty_file(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/empty.md", "\n  \n")
    one(lint(handbook, capsys), "file-empty", "runbooks/empty.md", 1)


def test_no_frontmatter(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/plain.md", "# Just a heading\n")
    one(lint(handbook, capsys), "file-no-frontmatter", "runbooks/plain.md", 1)


def test_unterminated_frontmatter(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/open.md", "---\nid: RB-9\ntitle: x\n# body\n")
    one(lint(handbook, capsys), "file-unterminated-frontmatter", "runbooks/open.md", 1)


def test_yaml_syntax_error_has_its_line(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write("runbooks/bad.md", "---\nid: RB-9\ntitle: [unclosed\nowner: x\n---\n")
    problem = one(lint(handbook, capsys), "yaml-syntax", "runbooks/bad.md", 4)
    assert "fix the YAML" in problem["message"] or ":" in problem["message"]


def test_tab_indentation(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/tab.md", "---\nid: RB-9\nsymptoms:\n\t- slow\n---\n")
    problem = one(lint(handbook, capsys), "yaml-syntax", "runbooks/tab.md", 4)
    assert "tabs" in problem["message"]


def test_duplicate_key(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(owner="sre\nowner: platform"))
    problem = one(lint(handbook, capsys), "yaml-duplicate-key", "runbooks/api/roll-back.md", 6)
    assert "line 5" in problem["message"]


def test_alias_bomb_fails_fast(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    handbook.write("runbooks/bomb.md", "---\n" + "\n".join(levels) + "\n---\n")
    problem = one(lint(handbook, capsys), "yaml-too-large", "runbooks/bomb.md", 2)
    assert "alias" in problem["message"]


# --- schema rules -----------------------------------------------------------------------------


def test_missing_required_field(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(owner=None))
    problem = one(lint(handbook, capsys), "schema-required", "runbooks/api/roll-back.md", 2)
    assert "'owner'" in problem["message"]


def test_wrong_type(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(severity="P1"))
    problem = one(lint(handbook, capsys), "schema-type", "runbooks/api/roll-back.md", 6)
    assert "[P1]" in problem["message"]
    assert problem["column"] == 11


def test_unknown_field_suggests_the_near_miss(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    text = runbook(last_reviewed=None).replace("symptoms:", "last-reviewed: 2026-09-01\nsymptoms:")
    handbook.write("runbooks/api/roll-back.md", text)
    problems = lint(handbook, capsys)
    problem = one(problems, "schema-unknown-field", "runbooks/api/roll-back.md", 7)
    assert "did you mean last_reviewed?" in problem["message"].replace("'", "")
    assert problem["column"] == 1


def test_bad_enum_value(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(status="publised"))
    problem = one(lint(handbook, capsys), "schema-enum", "runbooks/api/roll-back.md", 9)
    assert "published" in problem["message"]


def test_invalid_date(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(last_reviewed="2026-02-30"))
    one(lint(handbook, capsys), "schema-date", "runbooks/api/roll-back.md", 7)


@pytest.mark.parametrize("written", ["2026-09-01", '"2026-09-01"', "'2026-09-01'"])
def test_bare_and_quoted_dates_both_validate(
    handbook: Handbook, capsys: pytest.CaptureFixture[str], written: str
) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(last_reviewed=written))
    assert lint(handbook, capsys) == []


def test_yes_and_no_stay_text(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    # PyYAML's default resolver would turn `no` into False and fail `type: string`.
    handbook.write("runbooks/api/roll-back.md", runbook(owner="no", service="on"))
    assert lint(handbook, capsys) == []


# --- references -------------------------------------------------------------------------------


def test_unknown_severity(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(severity="[P1, SEV9]"))
    problem = one(lint(handbook, capsys), "ref-severity", "runbooks/api/roll-back.md", 6)
    assert "SEV9" in problem["message"] and "P1, P2" in problem["message"]
    assert problem["column"] == 16


def test_unknown_related_runbook(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(related="[RB-0404]"))
    one(lint(handbook, capsys), "ref-runbook", "runbooks/api/roll-back.md", 9)


def test_unknown_runbook_in_postmortem(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM.replace("runbooks: [RB-0001]", "runbooks: [RB-0001, RB-0002]"),
    )
    one(lint(handbook, capsys), "ref-runbook", "postmortems/2026-09-01-api-outage.md", 12)


def test_duplicate_id_names_both_files(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write("runbooks/web/copy.md", RUNBOOK)
    problem = one(lint(handbook, capsys), "id-duplicate", "runbooks/web/copy.md", 2)
    assert "runbooks/api/roll-back.md:2" in problem["message"]


# --- decision trees ---------------------------------------------------------------------------

TREE = """\
  - id: t
    title: Test tree
    start: a
    nodes:
"""


def with_tree(book: Handbook, nodes: str) -> None:
    book.write("policy.yml", POLICY + TREE + textwrap.indent(dedent(nodes), " " * 6))


def policy_line(book: Handbook, text: str) -> int:
    """The line of text in the test tree (searched after the tree's start)."""
    lines = (book.root / "policy.yml").read_text().splitlines()
    start = lines.index("  - id: t")
    return next(i for i, line in enumerate(lines, start=1) if text in line and i > start)


def test_tree_unknown_next_node(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    with_tree(
        handbook,
        """
        a:
          question: Is it down?
          answers:
            - {label: "Yes", next: nowhere}
            - {label: "No", next: b}
        b:
          outcome: Fine
        """,
    )
    line = policy_line(handbook, "nowhere")
    one(lint(handbook, capsys), "tree-unknown-node", "policy.yml", line)


def test_tree_unreachable_node(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    with_tree(
        handbook,
        """
        a:
          outcome: Done
        lonely:
          outcome: Never shown
        """,
    )
    one(lint(handbook, capsys), "tree-unreachable", "policy.yml", policy_line(handbook, "lonely:"))


def test_tree_cycle(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    with_tree(
        handbook,
        """
        a:
          question: First?
          yes: b
          no: c
        b:
          question: Again?
          yes: a
          no: c
        c:
          outcome: Done
        """,
    )
    one(lint(handbook, capsys), "tree-cycle", "policy.yml", policy_line(handbook, "b:"))


def test_tree_path_without_outcome(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    with_tree(
        handbook,
        """
        a:
          question: First?
          yes: b
          no: c
        b:
          description: Nothing to do here
        c:
          outcome: Done
        """,
    )
    problems = lint(handbook, capsys)
    assert only(problems, "tree-dead-end") or only(problems, "schema-value")
    one(problems, "tree-dead-end", "policy.yml", policy_line(handbook, "b:"))


def test_tree_shorthand_mixed_with_answers(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    with_tree(
        handbook,
        """
        a:
          question: First?
          yes: b
          answers:
            - {label: "No", next: b}
        b:
          outcome: Done
        """,
    )
    line = policy_line(handbook, "yes: b")
    one(lint(handbook, capsys), "tree-mixed-answers", "policy.yml", line)


def test_tree_outcome_links_unknown_runbook(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    with_tree(
        handbook,
        """
        a:
          outcome: Roll back
          runbook: RB-0999
        """,
    )
    one(lint(handbook, capsys), "ref-runbook", "policy.yml", policy_line(handbook, "RB-0999"))


# --- postmortems ------------------------------------------------------------------------------


def test_key_times_out_of_order(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM.replace(
            'detected: "2026-09-01T10:05:00+00:00"', 'detected: "2026-09-01T09:05:00+00:00"'
        ),
    )
    problem = one(
        lint(handbook, capsys), "pm-time-order", "postmortems/2026-09-01-api-outage.md", 10
    )
    assert "before started" in problem["message"]


def test_time_without_offset(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM.replace('"2026-09-01T11:00:00+00:00"', '"2026-09-01T11:00:00"'),
    )
    one(lint(handbook, capsys), "pm-time-offset", "postmortems/2026-09-01-api-outage.md", 11)


def test_published_needs_resolved_time(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM.replace('  resolved: "2026-09-01T11:00:00+00:00"\n', ""),
    )
    problem = one(
        lint(handbook, capsys), "schema-required", "postmortems/2026-09-01-api-outage.md", 9
    )
    assert "resolved" in problem["message"]


def test_due_before_incident(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM.replace("due: 2026-09-10, status: done", "due: 2026-08-10, status: done"),
    )
    one(
        lint(handbook, capsys), "pm-due-before-incident", "postmortems/2026-09-01-api-outage.md", 16
    )


def test_published_without_action_items(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    text = POSTMORTEM.split("action_items:")[0] + "---\n# Body\n"
    handbook.write("postmortems/2026-09-01-api-outage.md", text)
    one(lint(handbook, capsys), "pm-no-action-items", "postmortems/2026-09-01-api-outage.md", 2)


def test_published_with_todo(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM + "\n## Root cause\n\nTODO: ask the database team\n",
    )
    problem = one(lint(handbook, capsys), "pm-todo", "postmortems/2026-09-01-api-outage.md", 24)
    assert problem["column"] == 1


def test_draft_may_keep_todo(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM.replace("status: published", "status: draft") + "TODO\n",
    )
    assert not only(lint(handbook, capsys), "pm-todo")


# --- staleness and overdue --------------------------------------------------------------------


def test_stale_runbook_is_a_warning(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    # P1 reviews every 30 days (policy), so a review on 2026-08-01 is stale on 2026-09-15.
    handbook.write("runbooks/api/roll-back.md", runbook(last_reviewed="2026-08-01"))
    problem = one(lint(handbook, capsys), "stale", "runbooks/api/roll-back.md", 7)
    assert problem["level"] == "warning" and "2026-08-31" in problem["message"]


def test_stale_is_an_error_under_strict(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(last_reviewed="2026-08-01"))
    assert (
        main(
            [
                "lint",
                "--root",
                str(handbook.root),
                "--today",
                "2026-09-15",
                "--strict",
                "--format",
                "json",
            ]
        )
        == 1
    )
    problems = json.loads(capsys.readouterr().out)
    assert only(problems, "stale")[0]["level"] == "error"


def test_review_days_overrides_severity_interval(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write(
        "runbooks/api/roll-back.md", runbook(last_reviewed="2026-08-01", review_days="60")
    )
    assert not only(lint(handbook, capsys), "stale")


def test_default_interval_applies_without_severity_days(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    # P2 has no review_days: the policy's default of 90 days applies.
    handbook.write(
        "runbooks/api/roll-back.md", runbook(severity="[P2]", last_reviewed="2026-07-01")
    )
    assert not only(lint(handbook, capsys), "stale")
    handbook.write(
        "runbooks/api/roll-back.md", runbook(severity="[P2]", last_reviewed="2026-06-01")
    )
    assert only(lint(handbook, capsys), "stale")


def test_draft_runbooks_are_never_stale(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write("runbooks/api/roll-back.md", runbook(last_reviewed="2020-01-01", status="draft"))
    assert not only(lint(handbook, capsys), "stale")


def test_overdue_action_item(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    main(["lint", "--root", str(handbook.root), "--today", "2026-10-01", "--format", "json"])
    problems = json.loads(capsys.readouterr().out)
    overdue = only(problems, "action-overdue")
    # AI-1 (open, due 09-20) is overdue; AI-3 is done; AI-2 is due later.
    assert [(p["line"], p["level"]) for p in overdue] == [(14, "warning")]
    assert "11 days overdue" in overdue[0]["message"]


def test_state_findings_can_be_left_out(handbook: Handbook) -> None:
    # The site shows staleness and overdue items on its pages, not as problems.
    handbook.write("runbooks/api/roll-back.md", runbook(last_reviewed="2026-08-01"))
    today = dt.date(2026, 10, 1)
    rules = {p.rule for p in lint_run(handbook.root, checks.Options(today=today)).problems}
    assert {"stale", "action-overdue"} <= rules
    quiet = lint_run(handbook.root, checks.Options(today=today, state=False)).problems
    assert not {p.rule for p in quiet} & checks.STATE_RULES
    assert {p.rule for p in quiet} == rules - checks.STATE_RULES


# --- the whole run ----------------------------------------------------------------------------


def test_one_bad_file_never_hides_the_others(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write("runbooks/a.md", "---\nid: [\n---\n")
    handbook.write("runbooks/b.md", b"\xff\xfe\x00\x00")
    handbook.write("runbooks/c.md", runbook(status="nope").replace("RB-0001", "RB-0003"))
    rules = {(p["path"], p["rule"]) for p in lint(handbook, capsys)}
    assert ("runbooks/a.md", "yaml-syntax") in rules
    assert ("runbooks/b.md", "file-binary") in rules
    assert ("runbooks/c.md", "schema-enum") in rules


def test_paths_report_only_those_files_but_resolve_everything(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    handbook.write("runbooks/other.md", runbook(owner=None).replace("RB-0001", "RB-0002"))
    pm = handbook.root / "postmortems/2026-09-01-api-outage.md"
    problems = lint(handbook, capsys, str(pm))
    # The postmortem's RB-0001 reference resolves against a runbook that was not named.
    assert problems == []


def test_symlink_loop_does_not_hang(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    loop = handbook.root / "runbooks" / "loop"
    loop.symlink_to(handbook.root / "runbooks", target_is_directory=True)
    (handbook.root / "runbooks" / "self.md").symlink_to(handbook.root / "runbooks" / "self.md")
    problems = lint(handbook, capsys)
    assert [p["rule"] for p in problems] == ["file-unreadable"]


def test_handbook_schema_overrides_the_packaged_one(
    handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = json.loads((Path(__file__).parent.parent / "schemas/runbook.schema.json").read_text())
    schema["required"].append("tags")
    handbook.write("schemas/runbook.schema.json", json.dumps(schema))
    problem = one(lint(handbook, capsys), "schema-required", "runbooks/api/roll-back.md", 2)
    assert "'tags'" in problem["message"]


def test_loading_keeps_no_yaml_node_tree_yet_positions_stay_exact(handbook: Handbook) -> None:
    book = load.load_handbook(handbook.root)
    gc.collect()
    # Node trees are many times the size of their text: a site build holds the handbook to the end.
    assert not [o for o in gc.get_objects() if isinstance(o, yaml.Node)]
    (runbook,) = book.runbooks
    assert runbook.source is not None
    assert runbook.source.mark(("owner",)).line == 5  # RUNBOOK: owner is its fourth key
    assert runbook.source.mark(("owner",), key=True).column == 1


def test_a_huge_broken_tree_reports_each_defect_once_in_bounded_text(
    empty_handbook: Handbook, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import trees

    empty_handbook.write("policy.yml", trees.unknown_targets(10_000))
    problems = lint(empty_handbook, capsys)
    unknown = [p for p in problems if p["rule"] == "tree-unknown-node"]
    assert len(unknown) == 10_000
    assert len({(p["line"], p["column"]) for p in unknown}) == 10_000  # once each, at its line
    assert [p["rule"] for p in problems if p not in unknown] == ["tree-cycle"]
    assert max(len(p["message"]) for p in problems) < 300
    assert "and 9992 more" in unknown[0]["message"]
    # Each at its own answer: node n{i}'s 'yes' is on line 12 + 4 i of the policy.
    assert unknown[5]["line"] == trees.unknown_targets(10_000).splitlines().index("      n5:") + 3


def test_in_review_with_todo(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    handbook.write(
        "postmortems/2026-09-01-api-outage.md",
        POSTMORTEM.replace("status: published", "status: in_review") + "\nTBD: the cause\n",
    )
    problem = one(lint(handbook, capsys), "pm-todo", "postmortems/2026-09-01-api-outage.md", 22)
    assert "in review" in problem["message"]


def test_future_postmortem_date(handbook: Handbook, capsys: pytest.CaptureFixture[str]) -> None:
    text = POSTMORTEM.replace("date: 2026-09-01", "date: 2026-09-16")
    handbook.write(
        "postmortems/2026-09-01-api-outage.md", text.replace("2026-09-01T", "2026-09-16T")
    )
    problem = one(
        lint(handbook, capsys), "pm-date-future", "postmortems/2026-09-01-api-outage.md", 4
    )
    assert "2026-09-16" in problem["message"] and "2026-09-15" in problem["message"]
    handbook.write("postmortems/2026-09-01-api-outage.md", text.replace("2026-09-16", "2026-09-15"))
    assert not only(lint(handbook, capsys), "pm-date-future")
