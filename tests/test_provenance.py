"""A handbook installs the opsbook that made it, from where it came (issue 16).

The unit tests read every kind of PEP 610 record pip writes; the slow test installs opsbook in
fresh virtual environments from a git repository and from a wheel, runs `opsbook init` there,
and installs the new handbook's requirements.txt, unedited, into another environment, where
`opsbook lint` and `mkdocs build --strict` then pass. From an editable checkout, init says there
is no source to name, and both pip and the generated CI fail at the line to replace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO
from opsbook import provenance

TODAY = "2026-09-15"
SITE = ("site",)
HATCHLING = Path(sys.executable).parent / "hatchling"


def source(record: dict[str, Any] | None, version: str = "0.1.0") -> provenance.Source:
    return provenance.source_from(None if record is None else json.dumps(record), version, SITE)


# --- Every kind of record --------------------------------------------------------------------


def test_a_git_install_is_pinned_to_its_commit() -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    got = source(
        {
            "url": "https://git.example.com/sre/opsbook.git",
            "vcs_info": {"vcs": "git", "commit_id": commit, "requested_revision": "main"},
        }
    )
    assert (
        got.requirement == f"opsbook[site] @ git+https://git.example.com/sre/opsbook.git@{commit}"
    )
    assert got.portable and not got.warning
    sub = source(
        {
            "url": "ssh://git@git.example.com/sre/tools",
            "vcs_info": {"vcs": "git", "commit_id": commit},
            "subdirectory": "opsbook",
        }
    )
    assert sub.requirement == (
        f"opsbook[site] @ git+ssh://git@git.example.com/sre/tools@{commit}#subdirectory=opsbook"
    )


def test_a_local_git_repository_has_a_host_older_pips_accept() -> None:
    got = source({"url": "file:///srv/git/opsbook", "vcs_info": {"vcs": "git", "commit_id": "c"}})
    assert got.requirement == "opsbook[site] @ git+file://localhost/srv/git/opsbook@c"


def test_a_password_in_the_url_is_never_written() -> None:
    got = source(
        {
            "url": "https://deploy:s3cret-token@git.example.com:8443/sre/opsbook",
            "vcs_info": {"vcs": "git", "commit_id": "abc123"},
        }
    )
    assert "s3cret" not in got.requirement
    assert (
        got.requirement
        == "opsbook[site] @ git+https://deploy@git.example.com:8443/sre/opsbook@abc123"
    )


def test_an_archive_carries_its_hash() -> None:
    digest = "a" * 64
    got = source(
        {
            "url": "https://files.example.com/opsbook-0.1.0-py3-none-any.whl",
            "archive_info": {"hash": f"sha256={digest}", "hashes": {"sha256": digest}},
        }
    )
    assert got.requirement == (
        f"opsbook[site] @ https://files.example.com/opsbook-0.1.0-py3-none-any.whl#sha256={digest}"
    )
    assert got.kind == "archive" and not got.warning
    legacy = source({"url": "https://f.example/o.tar.gz", "archive_info": {"hash": "md5=x"}})
    assert legacy.requirement == "opsbook[site] @ https://f.example/o.tar.gz"  # no weak hash


def test_a_local_wheel_is_named_with_a_note_that_ci_cannot_read_it() -> None:
    got = source({"url": "file:///srv/wheels/opsbook-0.1.0-py3-none-any.whl", "archive_info": {}})
    assert got.requirement == "opsbook[site] @ file:///srv/wheels/opsbook-0.1.0-py3-none-any.whl"
    assert got.kind == "file" and got.portable
    assert "this machine" in got.warning


def test_an_index_install_is_pinned_with_a_warning_about_the_index() -> None:
    got = source(None, "1.2.3")
    assert got.requirement == "opsbook[site]==1.2.3"
    assert any("own" in line and "index" in line for line in got.comment)
    assert "PyPI" in got.warning


@pytest.mark.parametrize(
    "record",
    [
        {"url": "file:///home/me/opsbook", "dir_info": {"editable": True}},
        {"url": "file:///home/me/opsbook", "dir_info": {}},
        {"url": "https://git.example.com/x", "vcs_info": {"vcs": "git"}},  # no commit
        {"no": "url"},
    ],
)
def test_no_portable_source_gives_the_marked_line(record: dict[str, Any]) -> None:
    got = source(record)
    assert got.requirement == provenance.MARKER_LINE and not got.portable
    assert provenance.MARKER in got.warning
    text = provenance.requirements_text(got, ["mkdocs==1.6.1"])
    assert text.splitlines()[-2] == provenance.MARKER_LINE
    assert any("git+https://" in line for line in text.splitlines() if line.startswith("#"))


def test_never_a_bare_name() -> None:
    """Whatever the record, the opsbook line is a direct reference, a version pin meant for the
    team's own index, or a line pip refuses: never `opsbook` alone, nor `opsbook>=...`."""
    records: list[dict[str, Any] | None] = [
        None,
        {"url": "file:///x", "dir_info": {"editable": True}},
        {"url": "https://x.example/o.whl", "archive_info": {}},
        {"url": "https://x.example/o", "vcs_info": {"vcs": "git", "commit_id": "c"}},
    ]
    for record in records:
        line = source(record).requirement
        assert " @ " in line or line.endswith("==0.1.0") or line == provenance.MARKER_LINE


# --- End to end in fresh virtual environments ------------------------------------------------


def _env() -> dict[str, str]:
    """The environment for another venv's commands: not this checkout's code on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("OPSBOOK_TODAY", None)
    return env


def _run(
    args: Sequence[str | Path], cwd: Path, *, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert proc.returncode == 0, f"{args}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _venv(path: Path) -> Path:
    """A fresh virtual environment (no system site-packages); its bin directory."""
    _run([sys.executable, "-m", "venv", path], path.parent)
    return path / "bin"


def _direct_url(bin_dir: Path) -> dict[str, Any]:
    code = (
        "from importlib import metadata; "
        "print(metadata.distribution('opsbook').read_text('direct_url.json') or 'null')"
    )
    out = _run([bin_dir / "python", "-c", code], bin_dir).stdout
    record: dict[str, Any] = json.loads(out)
    return record


def _opsbook_line(handbook: Path) -> str:
    lines = (handbook / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line and not line.startswith("#"))


def _source_check(
    handbook: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The generated workflow's source check, run as GitHub Actions runs a `run:` step, with
    this machine's pip configuration left out (PIP_CONFIG_FILE=/dev/null) unless env sets it."""
    workflow = yaml.safe_load((handbook / ".github/workflows/handbook.yml").read_text())
    steps = workflow["jobs"]["handbook"]["steps"]
    (step,) = [s for s in steps if "OPSBOOK-SOURCE" in s.get("run", "")]
    install = next(i for i, s in enumerate(steps) if "pip install" in s.get("run", ""))
    assert steps.index(step) < install
    full = {k: v for k, v in _env().items() if not k.startswith("PIP_")}
    full["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full.get('PATH', '')}"
    full["PIP_CONFIG_FILE"] = os.devnull
    full.update(env or {})
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=handbook,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _lint_and_build(bin_dir: Path, handbook: Path) -> None:
    lint = _run([bin_dir / "opsbook", "lint", "--strict", "--today", TODAY], handbook)
    assert "no problems" in lint.stdout
    _run([bin_dir / "mkdocs", "build", "--strict", "-d", handbook / "site"], handbook)
    assert (handbook / "site" / "index.html").is_file()


def _committed_source(tmp: Path) -> tuple[Path, str]:
    """A git repository holding this checkout's committed source (HEAD), and its commit."""
    repo = tmp / "opsbook-src"
    repo.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", "HEAD"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive.stdout, check=True)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "opsbook"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    commit = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return repo, commit


@pytest.mark.slow
@pytest.mark.skipif(not (REPO / ".git").exists(), reason="not a git checkout: no HEAD to install")
@pytest.mark.skipif(not HATCHLING.exists(), reason="hatchling is not installed in this venv")
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_new_handbook_installs_its_opsbook_unedited(tmp_path: Path) -> None:
    timings: dict[str, float] = {}

    def timed(name: str, start: float) -> None:
        timings[name] = round(time.monotonic() - start, 1)

    src, commit = _committed_source(tmp_path)

    # (a) From a git repository URL and commit.
    start = time.monotonic()
    venv_a = _venv(tmp_path / "venv-a")
    _run(
        [
            venv_a / "python",
            "-m",
            "pip",
            "install",
            "-q",
            f"opsbook[site] @ git+file://localhost{src}@{commit}",
        ],
        tmp_path,
    )
    timed("venv A: opsbook[site] from git", start)
    made = _run([venv_a / "opsbook", "init", "from-git", "--today", TODAY], tmp_path)
    from_git = tmp_path / "from-git"
    assert _opsbook_line(from_git) == f"opsbook[site] @ git+file://localhost{src}@{commit}"
    assert "warning" not in made.stderr and provenance.MARKER not in made.stderr
    assert _source_check(from_git).returncode == 0

    start = time.monotonic()
    venv_b = _venv(tmp_path / "venv-b")
    _run([venv_b / "python", "-m", "pip", "install", "-q", "-r", "requirements.txt"], from_git)
    timed("venv B: pip install -r requirements.txt (git)", start)
    assert _direct_url(venv_b)["vcs_info"]["commit_id"] == commit
    start = time.monotonic()
    _lint_and_build(venv_b, from_git)
    timed("lint + mkdocs build --strict", start)

    # (b) From a local wheel.
    wheels = tmp_path / "wheels"
    _run([HATCHLING, "build", "-t", "wheel", "-d", wheels], src)
    (wheel,) = wheels.glob("opsbook-*-py3-none-any.whl")
    _run(
        [venv_a / "python", "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", wheel],
        tmp_path,
    )
    made = _run([venv_a / "opsbook", "init", "from-wheel", "--today", TODAY], tmp_path)
    from_wheel = tmp_path / "from-wheel"
    line = _opsbook_line(from_wheel)
    assert line.startswith(f"opsbook[site] @ {wheel.as_uri()}#sha256="), line
    assert "this machine" in made.stderr
    # venv B has opsbook from git at the same version, which pip would keep: without it, the
    # requirements must install opsbook from the wheel they name.
    _run([venv_b / "python", "-m", "pip", "uninstall", "-q", "-y", "opsbook"], tmp_path)
    start = time.monotonic()
    _run([venv_b / "python", "-m", "pip", "install", "-q", "-r", "requirements.txt"], from_wheel)
    timed("venv B: pip install -r requirements.txt (wheel)", start)
    assert _direct_url(venv_b)["url"] == wheel.as_uri()
    _lint_and_build(venv_b, from_wheel)
    # The hash is checked: a changed wheel at that path is refused.
    with wheel.open("ab") as f:
        f.write(b"\0")
    _run([venv_b / "python", "-m", "pip", "uninstall", "-q", "-y", "opsbook"], tmp_path)
    tampered = _run(
        [venv_b / "python", "-m", "pip", "install", "-r", "requirements.txt"],
        from_wheel,
        check=False,
    )
    assert tampered.returncode != 0 and "HASH" in tampered.stderr.upper(), tampered.stderr[-2000:]

    # From an index (here a folder of wheels pip searches like one): the version, pinned, with
    # the warning that only the team's own index may answer it.
    wheel.unlink()
    _run([HATCHLING, "build", "-t", "wheel", "-d", wheels], src)
    _run(
        [
            venv_a / "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--force-reinstall",
            "--no-deps",
            "--no-index",
            "--find-links",
            wheels,
            "opsbook",
        ],
        tmp_path,
    )
    made = _run([venv_a / "opsbook", "init", "from-index", "--today", TODAY], tmp_path)
    assert _opsbook_line(tmp_path / "from-index") == "opsbook[site]==0.1.0"
    assert "own" in made.stderr and "PyPI" in made.stderr
    assert _source_check(tmp_path / "from-index").returncode == 1

    # (c) From an editable checkout: no source to name.
    _run([venv_a / "python", "-m", "pip", "install", "-q", "--no-deps", "-e", src], tmp_path)
    assert _direct_url(venv_a)["dir_info"] == {"editable": True}
    made = _run([venv_a / "opsbook", "init", "from-checkout", "--today", TODAY], tmp_path)
    from_checkout = tmp_path / "from-checkout"
    assert _opsbook_line(from_checkout) == provenance.MARKER_LINE
    assert "editable checkout" in made.stderr and provenance.MARKER in made.stderr
    refused = _run(
        [venv_b / "python", "-m", "pip", "install", "-r", "requirements.txt"],
        from_checkout,
        check=False,
    )
    assert refused.returncode != 0 and provenance.MARKER_LINE in refused.stderr
    _check_fails_with_the_fix(_source_check(from_checkout), from_checkout)
    print("timings (s):", timings)


def _check_fails_with_the_fix(check: subprocess.CompletedProcess[str], handbook: Path) -> None:
    assert check.returncode == 1, check.stdout + check.stderr
    lines = (handbook / "requirements.txt").read_text().splitlines()
    number = lines.index(provenance.MARKER_LINE) + 1
    assert f"::error file=requirements.txt,line={number}," in check.stdout
    assert "git+https://" in check.stdout and "Never a bare name" in check.stdout


def test_init_from_this_checkout_leaves_a_line_to_replace(tmp_path: Path) -> None:
    """The fast version of (c), on the environment the tests run in (an editable install, as
    `make test` makes); the slow test above does it on a fresh one."""
    here = provenance.opsbook_source()
    if here.kind not in ("editable", "directory", "unknown"):
        pytest.skip(f"opsbook here is installed from a {here.kind} source, not a checkout")
    proc = subprocess.run(
        [sys.executable, "-m", "opsbook", "init", "hb", "--today", TODAY],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "warning: opsbook runs from" in proc.stderr and provenance.MARKER in proc.stderr
    handbook = tmp_path / "hb"
    assert _opsbook_line(handbook) == provenance.MARKER_LINE
    _check_fails_with_the_fix(_source_check(handbook), handbook)


def test_ci_refuses_an_opsbook_line_pypi_could_answer(tmp_path: Path) -> None:
    """The workflow's check, on every kind of opsbook line a team may write."""
    proc = subprocess.run(
        [sys.executable, "-m", "opsbook", "init", "hb", "--today", TODAY],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    handbook = tmp_path / "hb"
    requirements = handbook / "requirements.txt"
    original = requirements.read_text()
    first = _opsbook_line(handbook)

    def check(line: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        requirements.write_text(original.replace(first + "\n", line + "\n", 1))
        return _source_check(handbook, env)

    commit = "0123456789abcdef0123456789abcdef01234567"
    for fine in (
        f"opsbook[site] @ git+https://git.example.com/sre/opsbook@{commit}",
        "opsbook[site] @ https://files.example.com/opsbook-0.1.0-py3-none-any.whl#sha256=ab",
    ):
        run = check(fine)
        assert run.returncode == 0, (fine, run.stdout + run.stderr)
    for by_name in (
        "opsbook[site]==0.1.0",
        "opsbook",
        "OpsBook[site] >= 0.1",
        "opsbook ; python_version>'3'",
    ):
        run = check(by_name)
        assert run.returncode == 1, (by_name, run.stdout)
        assert "::error file=requirements.txt,line=" in run.stdout and "PIP_INDEX_URL" in run.stdout
    # With the team's own index given to pip, a version pin is what it should be.
    own = {"PIP_INDEX_URL": "https://pypi.internal.example/simple"}
    assert check("opsbook[site]==0.1.0", own).returncode == 0
    config = tmp_path / "pip.conf"
    config.write_text("[global]\nindex-url = https://pypi.internal.example/simple\n")
    assert check("opsbook[site]==0.1.0", {"PIP_CONFIG_FILE": str(config)}).returncode == 0
    config.write_text("[global]\nextra-index-url = https://pypi.internal.example/simple\n")
    assert check("opsbook[site]==0.1.0", {"PIP_CONFIG_FILE": str(config)}).returncode == 1
