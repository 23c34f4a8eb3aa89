"""`opsbook lint --changed [--base REF]` in real git repositories made in tmp_path."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Handbook, Run
from opsbook import changed

Opsbook = Callable[..., Run]
TODAY = "2026-09-15"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BROKEN_RUNBOOK = """\
---
id: RB-0002
title: Database unreachable
service: db
owner: dba
severity: [P9]
last_reviewed: 2026-09-01
---
Body
"""


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def repo(book: Handbook) -> Path:
    git(book.root, "init", "-q", "-b", "main")
    git(book.root, "add", "-A")
    git(book.root, "commit", "-qm", "initial handbook")
    return book.root


def paths_of(run: Run) -> set[str]:
    return {p["path"] for p in run.json()}  # type: ignore[attr-defined]


def test_only_the_changed_file_is_reported(opsbook: Opsbook, handbook: Handbook) -> None:
    # Two broken runbooks are committed; only the one edited afterwards must be reported.
    handbook.write("runbooks/db/unreachable.md", BROKEN_RUNBOOK)
    handbook.write("runbooks/db/old.md", BROKEN_RUNBOOK.replace("RB-0002", "RB-0003"))
    root = repo(handbook)
    full = opsbook("lint", "--format", "json", "--today", TODAY, cwd=root)
    assert paths_of(full) == {"runbooks/db/unreachable.md", "runbooks/db/old.md"}

    edited = root / "runbooks/db/unreachable.md"
    edited.write_text(edited.read_text() + "More text.\n")
    run = opsbook(
        "lint", "--changed", "--base", "HEAD", "--format", "json", "--today", TODAY, cwd=root
    )
    assert run.code == 1, run.err
    problems = run.json()
    assert paths_of(run) == {"runbooks/db/unreachable.md"}
    assert [p["rule"] for p in problems] == ["ref-severity"]  # type: ignore[index]
    assert "1 files checked" in run.err

    text = opsbook("lint", "--changed", "--base", "HEAD", "--today", TODAY, cwd=root)
    assert text.out.splitlines()[-1] == "1 files checked: 1 errors, 0 warnings"


def test_nothing_changed_checks_nothing(opsbook: Opsbook, handbook: Handbook) -> None:
    root = repo(handbook)
    run = opsbook("lint", "--changed", "--base", "HEAD", "--today", TODAY, cwd=root)
    assert run.code == 0, run.err
    assert run.out.strip() == "0 files checked: no problems"


def test_base_ref_counts_commits_staged_and_untracked(handbook: Handbook) -> None:
    root = repo(handbook)
    git(root, "checkout", "-q", "-b", "feature")
    handbook.write("runbooks/db/committed.md", BROKEN_RUNBOOK)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "add a runbook")
    handbook.write("runbooks/db/staged.md", BROKEN_RUNBOOK)
    git(root, "add", "runbooks/db/staged.md")
    handbook.write("runbooks/db/untracked.md", BROKEN_RUNBOOK)
    handbook.write("docs/notes.md", "not a handbook document\n")
    handbook.write("runbooks/db/ignored.md", BROKEN_RUNBOOK)
    handbook.write(".gitignore", "ignored.md\n")
    (root / "postmortems/2026-09-01-api-outage.md").unlink()  # deleted: nothing to lint

    assert changed.changed_files(root, "main") == [
        "runbooks/db/committed.md",
        "runbooks/db/staged.md",
        "runbooks/db/untracked.md",
    ]
    # Against HEAD, the commit is not a change.
    assert changed.changed_files(root, "HEAD") == [
        "runbooks/db/staged.md",
        "runbooks/db/untracked.md",
    ]


def test_default_base_is_the_merge_base_with_origin_main(
    handbook: Handbook, tmp_path: Path
) -> None:
    origin = repo(handbook)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    git(clone, "checkout", "-q", "-b", "feature")
    (clone / "runbooks/api/new.md").write_text(BROKEN_RUNBOOK)
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "feature work")
    assert changed.changed_files(clone, None) == ["runbooks/api/new.md"]


def test_policy_change_checks_every_document(handbook: Handbook) -> None:
    root = repo(handbook)
    policy = root / "policy.yml"
    policy.write_text(policy.read_text() + "\n# reviewed\n")
    assert changed.changed_files(root, "HEAD") == [
        "policy.yml",
        "postmortems/2026-09-01-api-outage.md",
        "runbooks/api/roll-back.md",
    ]


def test_handbook_in_a_subfolder_of_the_repository(handbook: Handbook, tmp_path: Path) -> None:
    top = tmp_path
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "initial")
    (handbook.root / "runbooks/api/roll-back.md").write_text(BROKEN_RUNBOOK)
    (top / "README.md").write_text("changed outside the handbook\n")
    assert changed.changed_files(handbook.root, "HEAD") == ["runbooks/api/roll-back.md"]


def test_errors_are_clear(opsbook: Opsbook, handbook: Handbook) -> None:
    outside = opsbook("lint", "--changed", cwd=handbook.root)
    assert outside.code == 2
    assert "needs a git repository" in outside.err and "Traceback" not in outside.err
    root = repo(handbook)
    bad = opsbook("lint", "--changed", "--base", "no-such-branch", cwd=root)
    assert bad.code == 2
    assert "unknown git ref 'no-such-branch'" in bad.err and "Traceback" not in bad.err


def test_repository_without_commits(handbook: Handbook) -> None:
    git(handbook.root, "init", "-q", "-b", "main")
    assert changed.changed_files(handbook.root, None) == [
        "policy.yml",
        "postmortems/2026-09-01-api-outage.md",
        "runbooks/api/roll-back.md",
    ]


NO_GITHUB = {"GITHUB_ACTIONS": "", "GITHUB_BASE_REF": ""}


def test_no_base_is_an_error_never_head(opsbook: Opsbook, handbook: Handbook) -> None:
    # A repository with no remote: nothing to compare with, so no silent "0 files checked".
    root = repo(handbook)
    handbook.write("runbooks/db/unreachable.md", BROKEN_RUNBOOK)
    run = opsbook("lint", "--changed", "--today", TODAY, cwd=root, env=NO_GITHUB)
    assert run.code == 2, (run.out, run.err)
    assert "fetch-depth" in run.err and "--base" in run.err
    assert "files checked" not in run.out and "Traceback" not in run.err


def _pull_request(handbook: Handbook, tmp_path: Path) -> tuple[Path, Path]:
    """An origin with main and a feature branch adding two broken runbooks, cloned shallow."""
    origin = repo(handbook)
    git(origin, "checkout", "-q", "-b", "feature")
    handbook.write("runbooks/db/one.md", BROKEN_RUNBOOK)
    handbook.write("runbooks/db/two.md", BROKEN_RUNBOOK.replace("RB-0002", "RB-0003"))
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "two broken runbooks")
    git(origin, "checkout", "-q", "main")
    clone = tmp_path / "pr"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            f"file://{origin}",
            str(clone),
        ],
        check=True,
    )
    return origin, clone


def test_shallow_pull_request_checkout_without_origin_main(
    opsbook: Opsbook, handbook: Handbook, tmp_path: Path
) -> None:
    _origin, clone = _pull_request(handbook, tmp_path)
    assert git(clone, "branch", "-r").strip() == "origin/feature"
    quiet = opsbook("lint", "--changed", "--today", TODAY, cwd=clone, env=NO_GITHUB)
    assert quiet.code == 2, (quiet.out, quiet.err)
    assert "fetch-depth" in quiet.err

    env = {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "main"}
    run = opsbook("lint", "--changed", "--format", "json", "--today", TODAY, cwd=clone, env=env)
    assert run.code == 1, run.err
    assert paths_of(run) == {"runbooks/db/one.md", "runbooks/db/two.md"}
    assert "2 files checked: 2 errors" in run.err
    assert "GITHUB_BASE_REF" in run.err


def test_github_base_that_cannot_be_fetched(
    opsbook: Opsbook, handbook: Handbook, tmp_path: Path
) -> None:
    _origin, clone = _pull_request(handbook, tmp_path)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "no-such-branch"}
    run = opsbook("lint", "--changed", "--today", TODAY, cwd=clone, env=env)
    assert run.code == 2
    assert "no-such-branch" in run.err and "Traceback" not in run.err


def test_default_branch_from_origin_head(handbook: Handbook, tmp_path: Path) -> None:
    origin = repo(handbook)
    git(origin, "branch", "-m", "main", "trunk")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    git(clone, "checkout", "-q", "-b", "feature")
    (clone / "runbooks/api/new.md").write_text(BROKEN_RUNBOOK)
    found = changed.changes(clone, None, env={})
    assert found.files == ["runbooks/api/new.md"]
    assert "origin/trunk" in found.note
