"""`opsbook lint PATH...`: what it checks is what it counts, and nothing passes unchecked."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import RUNBOOK, Handbook, Run
from sitebuild import build, install_site

Opsbook = Callable[..., Run]
TODAY = "2026-09-15"

# 23 errors would do; a handful of kinds is enough to tell "checked" from "passed".
BROKEN = """\
---
id: RB-0009
title: Broken
service: api
owner: sre
severity: [P9]
last_reviewed: 2026-02-30
status: live
related: [RB-4040]
---
Body
"""


@pytest.fixture
def broken(handbook: Handbook) -> Handbook:
    handbook.write("runbooks/db/broken.md", BROKEN)
    handbook.write("README.md", "# The handbook\n")
    handbook.write("docs/guide.md", "# A guide\n")
    return handbook


def lint(opsbook: Opsbook, root: Path, *args: str | Path) -> Run:
    return opsbook("lint", "--today", TODAY, *args, cwd=root)


@pytest.mark.parametrize("folder", ["runbooks", "runbooks/", "runbooks/db", ".", "./runbooks/../"])
def test_a_folder_means_every_document_under_it(
    opsbook: Opsbook, broken: Handbook, folder: str
) -> None:
    run = lint(opsbook, broken.root, folder)
    assert run.code == 1, (run.out, run.err)
    assert "runbooks/db/broken.md:" in run.out
    counted = {"runbooks": 2, "runbooks/": 2, "runbooks/db": 1, ".": 4, "./runbooks/../": 4}
    assert run.out.splitlines()[-1].startswith(f"{counted[folder]} files checked: ")


def test_postmortems_folder(opsbook: Opsbook, broken: Handbook) -> None:
    run = lint(opsbook, broken.root, "postmortems")
    assert run.code == 0, run.out
    assert run.out.splitlines()[-1] == "1 files checked: no problems"


@pytest.mark.parametrize("path", ["README.md", "docs/guide.md", "docs"])
def test_nothing_checked_is_a_usage_error(opsbook: Opsbook, broken: Handbook, path: str) -> None:
    run = lint(opsbook, broken.root, path)
    assert run.code == 2, (run.out, run.err)
    assert f"opsbook: {path} " in run.err and "nothing to check" in run.err
    assert "files checked: no problems" not in run.out


def test_a_file_that_is_no_document_is_named_and_not_counted(
    opsbook: Opsbook, broken: Handbook
) -> None:
    run = lint(opsbook, broken.root, "README.md", "runbooks/db/broken.md")
    assert run.code == 1
    assert "README.md is not a runbook" in run.err
    assert run.out.splitlines()[-1].startswith("1 files checked: ")


def test_a_path_outside_the_handbook_is_a_usage_error(
    opsbook: Opsbook, broken: Handbook, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(RUNBOOK)
    run = lint(opsbook, broken.root, outside)
    assert run.code == 2
    assert str(outside) in run.err and "outside the handbook" in run.err
    up = lint(opsbook, broken.root / "runbooks", "../..")
    assert up.code == 2 and "outside the handbook" in up.err


def test_a_missing_path_is_a_usage_error(opsbook: Opsbook, broken: Handbook) -> None:
    run = lint(opsbook, broken.root, "runbooks/nope.md")
    assert run.code == 2 and "runbooks/nope.md: no such file" in run.err


def test_a_fifo_is_reported_never_opened(opsbook: Opsbook, handbook: Handbook) -> None:
    os.mkfifo(handbook.root / "runbooks/x.md")
    run = opsbook("lint", "--today", TODAY, cwd=handbook.root, timeout=60)
    assert run.code == 1
    assert "runbooks/x.md:1:1: error: this is a named pipe (FIFO)" in run.out
    assert "[file-not-regular]" in run.out
    alone = opsbook("lint", "--today", TODAY, "runbooks/x.md", cwd=handbook.root, timeout=60)
    assert alone.code == 1 and "file-not-regular" in alone.out


def test_a_symlinked_folder_leading_out_is_refused(
    opsbook: Opsbook, empty_handbook: Handbook, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other-repo"
    (elsewhere / "sub").mkdir(parents=True)
    (elsewhere / "secret.md").write_text(BROKEN)
    (elsewhere / "sub" / "deep.md").write_text(BROKEN)
    (empty_handbook.root / "runbooks").symlink_to(elsewhere, target_is_directory=True)
    (empty_handbook.root / "postmortems").mkdir()
    (empty_handbook.root / "postmortems" / "linked").symlink_to(elsewhere)
    run = lint(opsbook, empty_handbook.root)
    assert run.code == 1
    # (The policy's tree names RB-0001, which is not here: that is policy.yml's problem.)
    lines = [line for line in run.out.splitlines() if not line.startswith("policy.yml:")]
    assert any(line.startswith("runbooks:1:1: error:") for line in lines), run.out
    assert any(line.startswith("postmortems/linked:1:1: error:") for line in lines), run.out
    assert "secret.md" not in run.out and "deep.md" not in run.out
    assert all("[file-symlink-outside]" in line for line in lines[:-1])


def test_a_symlinked_document_leading_out_is_refused_even_through_a_folder(
    opsbook: Opsbook, handbook: Handbook, tmp_path: Path
) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "env.md").write_text(BROKEN)
    (handbook.root / "runbooks/api/env.md").symlink_to(tmp_path / "secret" / "env.md")
    run = lint(opsbook, handbook.root)
    assert "runbooks/api/env.md:1:1: error:" in run.out and "file-symlink-outside" in run.out
    assert "ref-severity" not in run.out


def test_dot_folders_are_never_read(opsbook: Opsbook, handbook: Handbook) -> None:
    handbook.write("runbooks/.git/config.md", BROKEN)
    handbook.write("runbooks/.env.md", BROKEN)
    run = lint(opsbook, handbook.root)
    assert run.code == 0, run.out
    assert run.out.splitlines()[-1] == "3 files checked: no problems"


SITE_PATHS = {
    "runbooks/index.md": "site-path-clash",
    "runbooks/db/index.md": "site-path-clash",  # runbooks/db/README.md comes first
    "runbooks/db/a#b.md": "site-path-char",
    "runbooks/q?x.md": "site-path-char",
    "runbooks/p%20x.md": "site-path-char",
    "runbooks/api/roll-back/index.md": "site-path-clash",  # beside runbooks/api/roll-back.md
}


def _site_path_handbook(handbook: Handbook) -> None:
    handbook.write("runbooks/db/README.md", RUNBOOK.replace("RB-0001", "RB-0100"))
    for number, rel in enumerate(SITE_PATHS, start=101):
        handbook.write(rel, RUNBOOK.replace("RB-0001", f"RB-0{number}"))


def test_paths_that_lose_or_break_a_page_are_lint_errors(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    _site_path_handbook(handbook)
    pm = (handbook.root / "postmortems/2026-09-01-api-outage.md").read_text()
    handbook.write("postmortems/README.md", pm.replace("PM-2026-001", "PM-2026-002"))
    run = opsbook("lint", "--format", "json", "--today", TODAY, cwd=handbook.root)
    got = {(p["path"], p["rule"]) for p in run.json()}  # type: ignore[attr-defined]
    assert got == {*SITE_PATHS.items(), ("postmortems/README.md", "site-path-clash")}


@pytest.mark.slow
def test_build_fails_where_lint_does(handbook: Handbook, tmp_path: Path) -> None:
    _site_path_handbook(handbook)
    install_site(handbook.root)
    built = build(handbook.root, tmp_path / "site", strict=True)
    assert built.code == 1
    for rel in SITE_PATHS:
        assert f"{rel}:1:1:" in built.err


def test_new_beside_a_fifo_does_not_hang(opsbook: Opsbook, handbook: Handbook) -> None:
    os.mkfifo(handbook.root / "runbooks/x.md")
    run = opsbook(
        "new",
        "runbook",
        "--no-input",
        "--title",
        "Disk full",
        "--service",
        "api",
        "--owner",
        "sre",
        "--severity",
        "P1",
        cwd=handbook.root,
        timeout=60,
    )
    assert run.code == 0, run.err


@pytest.mark.parametrize("target", [".git/config", ".env"])
def test_a_symlink_into_a_dot_folder_is_refused(
    opsbook: Opsbook, handbook: Handbook, target: str
) -> None:
    secret = handbook.write(target, "---\nid: RB-0042\ntoken: hunter2\n---\n")
    (handbook.root / "runbooks/api/secret.md").symlink_to(secret)
    run = lint(opsbook, handbook.root)
    assert run.code == 1
    assert "runbooks/api/secret.md:1:1: error:" in run.out and "never reads" in run.out
    assert "hunter2" not in run.out and "schema-" not in run.out


@pytest.mark.slow
def test_a_plain_build_publishes_no_linked_secret(handbook: Handbook, tmp_path: Path) -> None:
    secret = handbook.write(".git/config", "---\nid: RB-0042\ntitle: hunter2\n---\nhunter2\n")
    (handbook.root / "runbooks/api/secret.md").symlink_to(secret)
    install_site(handbook.root)
    built = build(handbook.root, tmp_path / "site")
    assert built.code == 0, built.err[-3000:]
    for page in (tmp_path / "site").rglob("*"):
        if page.is_file():
            assert b"hunter2" not in page.read_bytes(), page


def test_a_name_that_is_not_utf8_is_refused_and_every_format_prints(
    opsbook: Opsbook, handbook: Handbook, tmp_path: Path
) -> None:
    name = os.fsencode(handbook.root / "postmortems") + b"/2026-09-02-caf\xe9.md"
    pm = (handbook.root / "postmortems/2026-09-01-api-outage.md").read_bytes()
    with open(name, "wb") as out:
        out.write(pm.replace(b"PM-2026-001", b"PM-2026-002"))
    run = lint(opsbook, handbook.root, "--format", "json")
    assert run.code == 1, run.err
    problems = run.json()
    assert [(p["path"], p["rule"]) for p in problems] == [  # type: ignore[index]
        ("postmortems/2026-09-02-caf\\xe9.md", "file-name-encoding")
    ]
    for fmt in ("table", "json", "csv", "ics"):
        listed = opsbook("actions", "--format", fmt, "--today", TODAY, cwd=handbook.root)
        assert listed.code == 0 and "Traceback" not in listed.err, (fmt, listed.err)
    made = opsbook("generate", tmp_path / "out", "--today", TODAY, cwd=handbook.root)
    assert made.code in (0, 1) and "Traceback" not in made.err, made.err
