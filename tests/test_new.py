"""`opsbook new runbook|postmortem` end to end: files written, ids, quoting, lint, refusals."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import Handbook, Run
from opsbook import docids, yamlquote

TODAY = "2026-09-15"
Opsbook = Callable[..., Run]


def frontmatter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    data = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    assert isinstance(data, dict)
    return data


def lint_clean(opsbook: Opsbook, root: Path) -> None:
    run = opsbook("lint", "--strict", "--format", "json", "--today", TODAY, cwd=root)
    assert run.code == 0, run.out + run.err
    assert run.json() == []


def test_new_runbook_writes_next_id_and_lints_clean(opsbook: Opsbook, handbook: Handbook) -> None:
    run = opsbook(
        "new",
        "runbook",
        "--title",
        "Checkout returns 502",
        "--service",
        "checkout",
        "--owner",
        "payments-team",
        "--severity",
        "P1",
        "--severity",
        "P2",
        "--today",
        TODAY,
        cwd=handbook.root,
    )
    assert run.code == 0, run.err
    written = handbook.root / run.out.strip()
    assert written == handbook.root / "runbooks/checkout/checkout-returns-502.md"
    data = frontmatter(written)
    # The fixture already has RB-0001.
    assert data["id"] == "RB-0002"
    assert data["title"] == "Checkout returns 502"
    assert data["service"] == "checkout"
    assert data["owner"] == "payments-team"
    assert data["severity"] == ["P1", "P2"]
    assert str(data["last_reviewed"]) == TODAY
    assert data["status"] == "draft"
    body = written.read_text(encoding="utf-8")
    for section in ("Symptoms", "Triage", "Mitigation", "Verification", "Escalation"):
        assert f"\n## {section}\n" in body
    lint_clean(opsbook, handbook.root)


def test_new_prints_a_path_outside_the_working_directory_whole(
    opsbook: Opsbook, handbook: Handbook, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = opsbook(
        *("new", "runbook", "--title", "Disk full", "--service", "api", "--owner", "sre"),
        *("--severity", "P1", "--today", TODAY, "--root", str(handbook.root)),
        cwd=elsewhere,
    )
    assert run.code == 0, run.err
    # Not ../handbook/runbooks/...: a path that climbs out of the working directory is hard to read.
    assert run.out.strip() == str((handbook.root / "runbooks/api/disk-full.md").resolve())


def test_new_postmortem_writes_dated_file_and_lints_clean(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    run = opsbook(
        "new",
        "postmortem",
        "--title",
        "Checkout errors after database failover",
        "--date",
        "2026-09-14",
        "--severity",
        "P2",
        "--services",
        "checkout,api",
        "--author",
        "Ada Lovelace",
        "--today",
        TODAY,
        cwd=handbook.root,
    )
    assert run.code == 0, run.err
    written = handbook.root / run.out.strip()
    assert written == (
        handbook.root / "postmortems/2026-09-14-checkout-errors-after-database-failover.md"
    )
    data = frontmatter(written)
    # The fixture has PM-2026-001, so this is the second of 2026.
    assert data["id"] == "PM-2026-002"
    assert str(data["date"]) == "2026-09-14"
    assert data["severity"] == "P2"
    assert data["services"] == ["checkout", "api"]
    assert data["status"] == "draft"
    assert data["authors"] == ["Ada Lovelace"]
    body = written.read_text(encoding="utf-8")
    for section in (
        "Summary",
        "Impact",
        "Timeline",
        "Root cause",
        "Five whys",
        "What went well",
        "What went poorly",
        "Action items",
    ):
        assert f"\n## {section}\n" in body
    lint_clean(opsbook, handbook.root)


def test_postmortem_ids_count_per_year(opsbook: Opsbook, handbook: Handbook) -> None:
    args = ["--severity", "P1", "--services", "api", "--today", TODAY]
    first = opsbook(
        "new", "postmortem", "--title", "Old one", "--date", "2025-12-31", *args, cwd=handbook.root
    )
    second = opsbook(
        "new", "postmortem", "--title", "Another", "--date", "2026-09-14", *args, cwd=handbook.root
    )
    assert first.code == 0 and second.code == 0, first.err + second.err
    assert frontmatter(handbook.root / first.out.strip())["id"] == "PM-2025-001"
    assert frontmatter(handbook.root / second.out.strip())["id"] == "PM-2026-002"
    lint_clean(opsbook, handbook.root)


def test_published_postmortem_keeps_placeholders_out_of_reach(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    """A new postmortem is a draft with TODOs; publishing it as is must fail lint."""
    run = opsbook(
        "new",
        "postmortem",
        "--title",
        "Queue backlog",
        "--date",
        "2026-09-10",
        "--severity",
        "P2",
        "--services",
        "queue",
        cwd=handbook.root,
    )
    assert run.code == 0, run.err
    path = handbook.root / run.out.strip()
    path.write_text(path.read_text().replace("status: draft", "status: published"))
    lint = opsbook("lint", "--format", "json", "--today", TODAY, cwd=handbook.root)
    assert lint.code == 1
    rules = {p["rule"] for p in lint.json()}
    assert {"pm-todo", "schema-required", "pm-no-action-items"} <= rules


def test_values_with_colons_and_quotes_are_quoted(opsbook: Opsbook, handbook: Handbook) -> None:
    title = 'Checkout: 502 "bad gateway" # not a comment'
    run = opsbook(
        "new",
        "runbook",
        "--title",
        title,
        "--service",
        "Checkout API: EU",
        "--owner",
        "yes",
        "--severity",
        "P1",
        "--today",
        TODAY,
        cwd=handbook.root,
    )
    assert run.code == 0, run.err
    written = handbook.root / run.out.strip()
    assert written.parent.name == "checkout-api-eu"
    data = frontmatter(written)
    assert data["title"] == title
    assert data["service"] == "Checkout API: EU"
    assert data["owner"] == "yes"  # not the boolean True of YAML 1.1
    lint_clean(opsbook, handbook.root)


def test_new_refuses_to_overwrite(opsbook: Opsbook, handbook: Handbook) -> None:
    args = [
        "new",
        "runbook",
        "--title",
        "Restart the api pods",
        "--service",
        "api",
        "--owner",
        "sre",
        "--severity",
        "P1",
        "--today",
        TODAY,
    ]
    first = opsbook(*args, cwd=handbook.root)
    assert first.code == 0, first.err
    path = handbook.root / first.out.strip()
    before = path.read_text()
    second = opsbook(*args, cwd=handbook.root)
    assert second.code == 2
    assert "already exists" in second.err and "never overwrites" in second.err
    assert "Traceback" not in second.err
    assert second.out == ""
    assert path.read_text() == before


def test_missing_fields_without_a_terminal_fail_naming_the_flags(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    run = opsbook("new", "runbook", "--title", "Disk full", cwd=handbook.root, stdin="")
    assert run.code == 2
    assert "--service" in run.err and "--owner" in run.err and "--severity" in run.err
    assert "--title" not in run.err.split("missing", 1)[1].split(":", 1)[0]
    assert "terminal" in run.err
    assert "Traceback" not in run.err
    assert not (handbook.root / "runbooks" / "disk-full.md").exists()
    pm = opsbook(
        "new", "postmortem", "--title", "x", "--severity", "P1", cwd=handbook.root, stdin=""
    )
    assert pm.code == 2
    assert "--date" in pm.err and "--services" in pm.err


def test_unknown_severity_fails_clearly(opsbook: Opsbook, handbook: Handbook) -> None:
    run = opsbook(
        "new",
        "runbook",
        "--title",
        "x",
        "--service",
        "api",
        "--owner",
        "sre",
        "--severity",
        "SEV1",
        cwd=handbook.root,
    )
    assert run.code == 2
    assert "unknown severity 'SEV1'" in run.err and "P1, P2" in run.err
    assert not list((handbook.root / "runbooks").glob("api/x.md"))
    pm = opsbook(
        "new",
        "postmortem",
        "--title",
        "x",
        "--date",
        "2026-09-01",
        "--severity",
        "P1,P2",
        "--services",
        "api",
        cwd=handbook.root,
    )
    assert pm.code == 2 and "exactly one severity" in pm.err


def test_bad_date_and_no_handbook(opsbook: Opsbook, handbook: Handbook, tmp_path: Path) -> None:
    run = opsbook(
        "new",
        "postmortem",
        "--title",
        "x",
        "--date",
        "2026-02-30",
        "--severity",
        "P1",
        "--services",
        "api",
        cwd=handbook.root,
    )
    assert run.code == 2 and "--date" in run.err and "YYYY-MM-DD" in run.err
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    nowhere = opsbook("new", "runbook", "--title", "x", cwd=outside)
    assert nowhere.code == 2 and "no handbook found" in nowhere.err


def test_prompts_on_a_terminal(handbook: Handbook) -> None:
    """With a terminal on stdin, the missing fields are asked for; given ones are not."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    env = {**os.environ, "OPSBOOK_TODAY": TODAY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsbook", "new", "runbook", "--title", "Cache stampede"],
        cwd=handbook.root,
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    transcript = b""

    def wait_for(text: bytes) -> None:
        nonlocal transcript
        deadline = time.monotonic() + 60
        while text not in transcript:
            assert time.monotonic() < deadline, transcript.decode(errors="replace")
            ready, _, _ = select.select([leader], [], [], 1)
            if ready:
                try:
                    transcript += os.read(leader, 1024)
                except OSError:
                    break

    wait_for(b"Service: ")
    os.write(leader, b"cache\n")
    wait_for(b"Owner (team or person): ")
    os.write(leader, b"platform\n")
    wait_for(b"Severities")
    os.write(leader, b"P9\n")  # not in the policy: asked again
    wait_for(b"unknown severity")
    os.write(leader, b"P2\n")
    out, _ = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, transcript.decode(errors="replace")
    assert b"Title" not in transcript  # given as a flag, so not asked
    data = frontmatter(handbook.root / out.decode().strip())
    assert data["service"] == "cache" and data["owner"] == "platform"
    assert data["severity"] == ["P2"]


def test_library_helpers() -> None:
    assert docids.slugify('Checkout: 502 "bad gateway"') == "checkout-502-bad-gateway"
    assert docids.slugify("Crème brûlée") == "creme-brulee"
    assert docids.next_runbook_ids(["RB-0009", "RB-0002", "X-1"], 2) == ["RB-0010", "RB-0011"]
    assert docids.next_postmortem_id(["PM-2026-004", "PM-2025-010"], 2026) == "PM-2026-005"
    assert docids.next_postmortem_id([], 2027) == "PM-2027-001"
    for value in ("plain", "a: b", "yes", "1.10", "null", "- x", "[x]", "x, y", "café"):
        assert yaml.safe_load(f"k: {yamlquote.yaml_scalar(value)}")["k"] == value
        assert yaml.safe_load(f"k: {yamlquote.yaml_list([value])}")["k"] == [value]


# --- Issue 15: ids are never handed out twice ---------------------------------------------

NEW_RUNBOOK = ("new", "runbook", "--no-input", "--service", "api", "--owner", "sre")


def test_parallel_new_runs_get_distinct_ids(handbook: Handbook) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPSBOOK_TODAY"}
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "opsbook", *NEW_RUNBOOK, "--severity", "P1"),
                *("--title", f"Parallel runbook {n}", "--today", TODAY),
            ],
            cwd=handbook.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(6)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, outs
    paths = {handbook.root / out.strip() for out, _err in outs}
    assert len(paths) == 6 and all(p.is_file() for p in paths)
    ids = {frontmatter(p)["id"] for p in paths}
    assert ids == {f"RB-{n:04d}" for n in range(2, 8)}


def test_deleted_runbook_id_is_not_handed_out_again(opsbook: Opsbook, handbook: Handbook) -> None:
    # RB-0001 is gone, but the decision tree and the postmortem still name it: a new runbook
    # taking RB-0001 would silently become the one they point to.
    (handbook.root / "runbooks/api/roll-back.md").unlink()
    run = opsbook(*NEW_RUNBOOK, "--severity", "P1", "--title", "Another", cwd=handbook.root)
    assert run.code == 0, run.err
    assert frontmatter(handbook.root / run.out.strip())["id"] == "RB-0002"
    # adopt allocates the same way
    handbook.write("runbooks/api/old.md", "# Old\n")
    adopted = opsbook(
        "adopt", "runbooks/api/old.md", "--owner", "sre", "--severity", "P1", cwd=handbook.root
    )
    assert adopted.code == 0, adopted.err
    assert frontmatter(handbook.root / "runbooks/api/old.md")["id"] == "RB-0003"


def test_ids_named_only_in_related_or_bodies_are_in_use(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    handbook.write(
        "runbooks/api/see-also.md",
        "---\nid: RB-0002\ntitle: See also\nservice: api\nowner: sre\nseverity: [P1]\n"
        "last_reviewed: 2026-09-01\nrelated: [RB-0001, RB-0009]\n---\n"
        "Learned in PM-2026-004.\n",
    )
    run = opsbook(*NEW_RUNBOOK, "--severity", "P1", "--title", "Next", cwd=handbook.root)
    assert run.code == 0, run.err
    assert frontmatter(handbook.root / run.out.strip())["id"] == "RB-0010"
    pm = opsbook(
        "new",
        "postmortem",
        "--no-input",
        "--title",
        "Another outage",
        "--date",
        "2026-09-10",
        "--severity",
        "P1",
        "--services",
        "api",
        cwd=handbook.root,
    )
    assert pm.code == 0, pm.err
    assert frontmatter(handbook.root / pm.out.strip())["id"] == "PM-2026-005"


def test_parallel_new_and_adopt_share_no_id(handbook: Handbook) -> None:
    for folder in ("old", "older"):
        for n in range(3):
            handbook.write(f"runbooks/{folder}/page-{n}.md", f"# Old page {n}\n")
    env = {k: v for k, v in os.environ.items() if k != "OPSBOOK_TODAY"}
    base = [sys.executable, "-m", "opsbook"]
    adopt = [*base, "adopt", "--owner", "sre", "--severity", "P2", "--today", TODAY]
    commands = [
        [*base, *NEW_RUNBOOK, "--severity", "P1", "--title", f"Parallel {n}", "--today", TODAY]
        for n in range(4)
    ]
    commands[1:1] = [[*adopt, "runbooks/old"], [*adopt, "runbooks/older"]]
    procs = [
        subprocess.Popen(c, cwd=handbook.root, env=env, stdout=subprocess.PIPE, text=True)
        for c in commands
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * 6
    ids = [frontmatter(p)["id"] for p in (handbook.root / "runbooks").rglob("*.md")]
    assert sorted(ids) == [f"RB-{n:04d}" for n in range(1, 12)]


def test_ids_in_use_reads_whole_ids_only(handbook: Handbook) -> None:
    handbook.write(
        "runbooks/api/words.md",
        "---\nid: RB-0002\n---\nSee RB-0040, (RB-0041) and [PM-2026-007]; not XRB-0900, "
        "RB-0901x, AB-RB-0902 or RB-0903-old.\n",
    )
    ids = docids.ids_in_use(handbook.root)
    assert {"RB-0001", "RB-0002", "RB-0040", "RB-0041", "PM-2026-001", "PM-2026-007"} <= ids
    assert not {i for i in ids if i.startswith("RB-09")}


def test_the_template_words_never_trip_the_placeholder_rule(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    run = opsbook(
        "new",
        "postmortem",
        "--no-input",
        "--title",
        "Queue stalled",
        "--date",
        "2026-09-10",
        "--severity",
        "P2",
        "--services",
        "queue",
        cwd=handbook.root,
    )
    assert run.code == 0, run.err
    path = handbook.root / run.out.strip()
    fresh = opsbook("lint", "--today", TODAY, cwd=handbook.root)
    assert fresh.code == 0, fresh.out
    path.write_text(path.read_text().replace("status: draft", "status: in_review"))
    lint = opsbook("lint", "--format", "json", "--today", TODAY, cwd=handbook.root)
    todo_lines = [p["line"] for p in lint.json() if p["rule"] == "pm-todo"]  # type: ignore[attr-defined]
    lines = path.read_text().splitlines()
    # Every placeholder the template leaves is reported, and nothing else of its text.
    assert todo_lines == [i + 1 for i, line in enumerate(lines) if "TODO" in line]
    assert not any("TODO" in line for line in lines[: lines.index("## Summary")])


# --- Issue 16: --no-input says what it does -------------------------------------------------


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run `opsbook ARGS` with a pseudo-terminal as stdin: where `new` would prompt."""
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "opsbook", *args],
            cwd=cwd,
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(follower)
        os.close(leader)
    return proc.returncode, proc.stderr


def test_no_input_on_a_terminal_says_it_never_prompts(handbook: Handbook) -> None:
    code, err = _on_a_terminal(
        ["new", "runbook", "--no-input", "--title", "Disk full", "--today", "2026-09-15"],
        handbook.root,
    )
    assert code == 2, err
    assert "--service" in err and "--owner" in err and "--severity" in err
    assert "not a terminal" not in err  # it is one: the old message said otherwise
    assert "--no-input" in err and "never prompts" in err
    assert not list((handbook.root / "runbooks").rglob("disk-full.md"))


def test_without_a_terminal_the_message_says_so(opsbook: Opsbook, handbook: Handbook) -> None:
    run = opsbook("new", "runbook", "--title", "Disk full", cwd=handbook.root, stdin="")
    assert run.code == 2 and "stdin is not a terminal" in run.err and "--service" in run.err
