"""Each output format checked by parsing it, through the real command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

from conftest import RUNBOOK, Handbook, Run

BROKEN = RUNBOOK.replace("owner: sre\n", "").replace("severity: [P1]", "severity: [P9]")


def broken(handbook: Handbook) -> Handbook:
    handbook.write("runbooks/web/broken.md", BROKEN.replace("RB-0001", "RB-0002"))
    handbook.write("runbooks/web/also, broken.md", "no frontmatter\n")
    return handbook


def test_text_lines_and_summary(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--today", "2026-09-15", cwd=broken(handbook).root / "runbooks")
    assert run.code == 1
    lines = run.out.splitlines()
    pattern = re.compile(r"^[^:]+:\d+:\d+: (error|warning): .+ \[[a-z-]+\]$")
    assert all(pattern.match(line) for line in lines[:-1]), lines
    assert lines[-1] == "5 files checked: 3 errors, 0 warnings"
    assert "runbooks/web/broken.md:2:1: error: missing required field 'owner'" in run.out


def test_json_is_an_array_of_problems(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--format", "json", "--today", "2026-09-15", cwd=broken(handbook).root)
    problems = run.json()
    assert isinstance(problems, list) and len(problems) == 3
    for problem in problems:
        assert set(problem) == {"path", "line", "column", "level", "rule", "message"}
    assert {p["rule"] for p in problems} == {
        "schema-required",
        "ref-severity",
        "file-no-frontmatter",
    }


def test_github_annotations(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--format", "github", "--today", "2026-09-15", cwd=broken(handbook).root)
    lines = run.out.splitlines()
    assert len(lines) == 3
    syntax = re.compile(r"^::(error|warning) file=[^,]+,line=\d+,col=\d+,title=[^:]+::.+$")
    for line in lines:
        assert syntax.match(line), line
    # A comma in a file name is escaped so it cannot end the property.
    assert any("file=runbooks/web/also%2C broken.md," in line for line in lines)


def test_junit_one_testcase_per_file(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--format", "junit", "--today", "2026-09-15", cwd=broken(handbook).root)
    tree = ET.fromstring(run.out)
    suite = tree.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    names = sorted(c.get("name", "") for c in cases)
    assert names == sorted(
        [
            "policy.yml",
            "runbooks/api/roll-back.md",
            "runbooks/web/also, broken.md",
            "runbooks/web/broken.md",
            "postmortems/2026-09-01-api-outage.md",
        ]
    )
    failing = [c.get("name") for c in cases if c.find("failure") is not None]
    assert sorted(failing) == ["runbooks/web/also, broken.md", "runbooks/web/broken.md"]
    assert suite.get("tests") == "5" and suite.get("failures") == "2"


def test_exit_codes(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    assert opsbook("lint", "--today", "2026-09-15", cwd=handbook.root).code == 0
    # Overdue items are warnings: fine without --strict, failing with it.
    assert opsbook("lint", "--today", "2026-12-01", cwd=handbook.root).code == 0
    assert opsbook("lint", "--today", "2026-12-01", "--strict", cwd=handbook.root).code == 1
    assert opsbook("lint", "--today", "2026-09-15", cwd=broken(handbook).root).code == 1


def test_today_from_the_environment(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook(
        "lint", "--format", "json", cwd=handbook.root, env={"OPSBOOK_TODAY": "2026-12-01"}
    )
    assert {p["rule"] for p in run.json()} == {"stale", "action-overdue"}


def test_no_handbook_is_a_usage_error(tmp_path: object, opsbook: Callable[..., Run]) -> None:
    from pathlib import Path

    run = opsbook("lint", cwd=Path(str(tmp_path)))
    assert run.code == 2
    assert "no handbook found" in run.err and "Traceback" not in run.err


def test_unreadable_policy_is_a_configuration_error(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    handbook.write("policy.yml", "severities: [\n")
    run = opsbook("lint", cwd=handbook.root)
    assert run.code == 2
    assert "policy.yml:2:1: error:" in run.err and "Traceback" not in run.err


def test_bad_today_is_a_usage_error(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--today", "2026-13-01", cwd=handbook.root)
    assert run.code == 2 and "YYYY-MM-DD" in run.err


def test_broken_handbook_schema_is_a_configuration_error(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    handbook.write("schemas/runbook.schema.json", "{ not json")
    run = opsbook("lint", cwd=handbook.root)
    assert run.code == 2
    assert "schemas/runbook.schema.json:1:3: not valid JSON" in run.err


def test_schema_command_prints_the_schema_in_use(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    run = opsbook("schema", "postmortem", cwd=handbook.root)
    assert run.code == 0
    schema = json.loads(run.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    handbook.write("schemas/postmortem.schema.json", json.dumps({**schema, "title": "Ours"}))
    assert json.loads(opsbook("schema", "postmortem", cwd=handbook.root).out)["title"] == "Ours"


# Values a terminal would act on (ESC starts a colour or a title change, BEL rings), a line
# break that would split a problem over two lines, and characters XML 1.0 does not allow.
HOSTILE = RUNBOOK.replace(
    "severity: [P1]",
    'severity: ["P9\\e]0;pwned\\a\\e[31m", "P8\\nfake.md:1:1: error: x", "P7\\v\\uFFFE"]',
).replace("RB-0001", "RB-0003")


def hostile(handbook: Handbook) -> Handbook:
    handbook.write("runbooks/web/hostile.md", HOSTILE)
    # A file name with ESC and a byte that is not UTF-8 (read as a lone surrogate).
    (handbook.root / "runbooks").joinpath(os.fsdecode(b"bad\x1b[2Jname\xff.md")).write_text(
        "no frontmatter\n"
    )
    return handbook


def test_text_shows_control_characters_escaped(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    run = opsbook("lint", "--today", "2026-09-15", cwd=hostile(handbook).root)
    assert run.code == 1
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", run.out), repr(run.out)
    lines = run.out.splitlines()
    assert len(lines) == 5  # four problems, one a line, and the summary
    assert "unknown severity 'P9\\x1b]0;pwned\\x07\\x1b[31m'" in run.out
    assert "unknown severity 'P8\\nfake.md:1:1: error: x'" in run.out
    assert "unknown severity 'P7\\x0b\\ufffe'" in run.out
    # The name that is not UTF-8 is refused unread, and shown with its byte escaped.
    assert "runbooks/bad\\x1b[2Jname\\xff.md:1:1: error: the file or folder name is not UTF-8" in (
        run.out
    )


def test_junit_is_valid_xml_whatever_the_text(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    run = opsbook("lint", "--format", "junit", "--today", "2026-09-15", cwd=hostile(handbook).root)
    assert run.code == 1
    tree = ET.fromstring(run.out.encode("utf-8"))
    failures = "\n".join(f.text or "" for f in tree.iter("failure"))
    assert "'P9\\x1b]0;pwned\\x07\\x1b[31m'" in failures
    assert "'P8\\nfake.md:1:1: error: x'" in failures
    names = [c.get("name", "") for c in tree.iter("testcase")]
    assert "runbooks/bad\\x1b[2Jname\\xff.md" in names


def test_github_escapes_control_characters(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--format", "github", "--today", "2026-09-15", cwd=hostile(handbook).root)
    assert run.code == 1
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", run.out), repr(run.out)
    lines = run.out.splitlines()
    assert len(lines) == 4 and all(line.startswith("::error ") for line in lines)
    # Line breaks keep GitHub's own escape (shown as a break in the annotation).
    assert "unknown severity 'P8%0Afake.md:1:1: error: x'" in run.out
    assert "'P9\\x1b]0;pwned\\x07\\x1b[31m'" in run.out
    assert "file=runbooks/bad\\x1b[2Jname\\xff.md," in run.out


# --- Issue 16: annotation paths are relative to the repository, not the handbook ------------


def _annotated_files(run: Run) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^::\w+ file=([^,]+),", run.out, flags=re.M)}


def test_github_paths_are_relative_to_the_repository(
    handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    """GitHub places an annotation by its path from the repository root: a handbook in a
    folder of the repository (linted with --root, or from inside it) must say so."""
    repo = tmp_path / "repo"
    inner = repo / "ops" / "handbook"
    inner.parent.mkdir(parents=True)
    shutil.move(broken(handbook).root, inner)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    wanted = {
        "ops/handbook/runbooks/web/broken.md",
        "ops/handbook/runbooks/web/also%2C broken.md",
    }
    env = {"GITHUB_WORKSPACE": str(tmp_path)}  # git's answer comes first
    for cwd, root in ((repo, "ops/handbook"), (tmp_path, "repo/ops/handbook"), (inner, ".")):
        args = ("lint", "--root", root, "--format", "github", "--today", "2026-09-15")
        run = opsbook(*args, cwd=cwd, env=env)
        assert run.code == 1, run.err
        assert _annotated_files(run) == wanted, (cwd, run.out)
    # The other formats keep the handbook's own paths.
    text = opsbook("lint", "--root", "ops/handbook", "--today", "2026-09-15", cwd=repo)
    assert "runbooks/web/broken.md:2:1" in text.out
    assert "ops/handbook/" not in text.out


def test_github_paths_without_git_use_the_workspace(
    handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    inner = workspace / "sub" / "hb"
    inner.parent.mkdir(parents=True)
    shutil.move(broken(handbook).root, inner)
    args = ("lint", "--root", inner, "--format", "github", "--today", "2026-09-15")
    no_git = {"PATH": "/nonexistent", "GITHUB_WORKSPACE": str(workspace)}
    run = opsbook(*args, cwd=tmp_path, env=no_git)
    assert "sub/hb/runbooks/web/broken.md" in _annotated_files(run), run.out + run.err
    # Neither git nor a workspace: the working directory, when the handbook is inside it.
    run = opsbook(*args, cwd=workspace, env={"PATH": "/nonexistent", "GITHUB_WORKSPACE": ""})
    assert "sub/hb/runbooks/web/broken.md" in _annotated_files(run), run.out + run.err
    run = opsbook(
        *args, cwd=inner / "runbooks", env={"PATH": "/nonexistent", "GITHUB_WORKSPACE": ""}
    )
    assert "runbooks/web/broken.md" in _annotated_files(run), run.out + run.err
