"""`opsbook init DIR` end to end: a handbook that lints and builds at once, and its templates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, Run
from opsbook import handbook_init, provenance

Opsbook = Callable[..., Run]
TODAY = "2026-09-15"
TEMPLATE = REPO / "src" / "opsbook" / "templates" / "handbook"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One handbook made by `opsbook init`, shared by the read-only tests of this module."""
    parent = tmp_path_factory.mktemp("init")
    proc = subprocess.run(
        [sys.executable, "-m", "opsbook", "init", "incident-handbook", "--today", TODAY],
        cwd=parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return parent / "incident-handbook"


def load_yaml(path: Path) -> Any:
    class Loader(yaml.SafeLoader):
        """Reads MkDocs' tags (!ENV, !relative) as plain values."""

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def test_init_writes_the_whole_handbook(made: Path) -> None:
    for rel in (
        "mkdocs.yml",
        "policy.yml",
        "requirements.txt",
        "README.md",
        "docs/index.md",
        "schemas/runbook.schema.json",
        "schemas/postmortem.schema.json",
        "schemas/policy.schema.json",
        ".pre-commit-config.yaml",
        ".github/workflows/handbook.yml",
        ".github/PULL_REQUEST_TEMPLATE/postmortem.md",
        ".gitignore",
    ):
        assert (made / rel).is_file(), rel
    assert len(list((made / "runbooks").rglob("*.md"))) == 1
    postmortems = list((made / "postmortems").glob("*.md"))
    assert [p.name for p in postmortems] == ["2026-09-08-api-errors-after-a-release.md"]
    assert not list(made.rglob("*@@*")), "a template placeholder was left in a file name"
    # A new handbook runs opsbook as a plugin (TechDocs drops `hooks:`): no hooks file.
    assert not (made / "hooks").exists()
    site = load_yaml(made / "mkdocs.yml")
    assert "hooks" not in site
    assert any(isinstance(p, dict) and "opsbook" in p for p in site["plugins"])
    for path in made.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yml", ".yaml", ".txt", ".py"):
            assert "@@" not in path.read_text(encoding="utf-8"), path
    for kind in ("runbook", "postmortem", "policy"):
        packaged = REPO / "src" / "opsbook" / "schemas" / f"{kind}.schema.json"
        assert (made / "schemas" / f"{kind}.schema.json").read_text() == packaged.read_text()


def test_init_lints_clean(opsbook: Opsbook, made: Path) -> None:
    run = opsbook("lint", "--strict", "--format", "json", "--today", TODAY, cwd=made)
    assert run.code == 0, run.out + run.err
    assert run.json() == []
    assert "3 files checked" in run.err
    # Also on the real date, as a user would run it right after init (examples are dated
    # relative to the day of init).
    fresh = made.parent / "fresh"
    assert opsbook("init", fresh, cwd=made.parent).code == 0
    assert opsbook("lint", "--strict", cwd=fresh).code == 0


def test_init_examples_work_with_the_other_commands(opsbook: Opsbook, made: Path) -> None:
    items = opsbook("actions", "--format", "json", "--today", TODAY, cwd=made)
    assert items.code == 0, items.err
    assert [i["status"] for i in items.json()] == ["open"]  # type: ignore[attr-defined]
    policy = load_yaml(made / "policy.yml")
    assert len(policy["severities"]) == 4
    sev_ids = [s["id"] for s in policy["severities"]]
    channel_ids = [c["id"] for c in policy["channels"]]
    # A full communication matrix: every severity, every channel.
    assert sorted(policy["communication"]) == sorted(sev_ids)
    for per_channel in policy["communication"].values():
        assert sorted(per_channel) == sorted(channel_ids)
    assert policy["roles"] and policy["decision_trees"]


def test_new_documents_in_an_initialised_handbook(opsbook: Opsbook, tmp_path: Path) -> None:
    root = tmp_path / "book"
    assert opsbook("init", root, "--today", TODAY, cwd=tmp_path).code == 0
    rb = opsbook(
        "new",
        "runbook",
        "--title",
        "Queue backlog",
        "--service",
        "queue",
        "--owner",
        "sre",
        "--severity",
        "P3",
        "--today",
        TODAY,
        cwd=root,
    )
    pm = opsbook(
        "new",
        "postmortem",
        "--title",
        "Queue stalled",
        "--date",
        "2026-09-14",
        "--severity",
        "P3",
        "--services",
        "queue",
        "--today",
        TODAY,
        cwd=root,
    )
    assert rb.code == 0 and pm.code == 0, rb.err + pm.err
    assert "id: RB-0002" in (root / rb.out.strip()).read_text()
    assert "id: PM-2026-002" in (root / pm.out.strip()).read_text()
    assert opsbook("lint", "--strict", "--today", TODAY, cwd=root).code == 0


def test_init_refuses_a_non_empty_directory(opsbook: Opsbook, tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    run = opsbook("init", target, cwd=tmp_path)
    assert run.code == 2
    assert "not empty" in run.err and "--force" in run.err and "Traceback" not in run.err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    forced = opsbook("init", target, "--force", "--today", TODAY, cwd=tmp_path)
    assert forced.code == 0, forced.err
    assert (target / "notes.txt").read_text() == "mine\n"
    assert (target / "policy.yml").is_file()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert opsbook("init", a_file, cwd=tmp_path).code == 2
    # An empty directory is fine without --force.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert opsbook("init", empty, "--today", TODAY, cwd=tmp_path).code == 0


def test_requirements_pin_the_installed_versions(made: Path) -> None:
    pins = {}
    lines = [
        line
        for line in (made / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    # The first line is opsbook, from where it came (here: a checkout, so a line to replace);
    # never by a bare name a public index could answer (tests/test_provenance.py).
    assert lines[0] == provenance.opsbook_source().requirement
    for line in lines[1:]:
        name, _, version = line.partition("==")
        assert version, f"not pinned: {line}"
        pins[name.lower()] = version
    for name in ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "pyyaml", "jsonschema"):
        assert pins.get(name) == metadata.version(name), name


def test_workflow_lints_builds_and_uploads(made: Path) -> None:
    workflow = load_yaml(made / ".github/workflows/handbook.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert "pull_request" in triggers
    steps = workflow["jobs"]["handbook"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = [s.get("run", "") for s in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert "pip install -r requirements.txt" in runs
    assert "opsbook lint --format github" in runs
    assert "mkdocs build --strict" in runs
    assert runs.index("opsbook lint --format github") < runs.index("mkdocs build --strict")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].rstrip("/") == "site"
    assert steps.index(upload) > runs.index("mkdocs build --strict")
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    template = (made / ".github/PULL_REQUEST_TEMPLATE/postmortem.md").read_text()
    assert "- [ ]" in template and "timeline" in template


def test_pre_commit_config_uses_our_hook(made: Path) -> None:
    manifest = load_yaml(REPO / ".pre-commit-hooks.yaml")
    hook = next(h for h in manifest if h["id"] == "opsbook-lint")
    assert hook["entry"] == "opsbook lint"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    for path in (
        "runbooks/api/x.md",
        "runbooks/a/b/c.md",
        "postmortems/2026-01-01-x.md",
        "policy.yml",
        "handbook/policy.yml",
        "handbook/runbooks/x.md",
    ):
        assert files.search(path), path
    for path in ("docs/index.md", "runbooks/x.txt", "mypolicy.yml", "README.md", "myrunbooks/x.md"):
        assert not files.search(path), path
    # The handbook's own config is a local hook running the opsbook requirements.txt installed:
    # no repository or tag that may not exist (issue 16), the same files and arguments.
    config = load_yaml(made / ".pre-commit-config.yaml")
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    (local,) = config["repos"][0]["hooks"]
    assert local["language"] == "system"
    for key in ("id", "entry", "files", "pass_filenames", "require_serial"):
        assert local[key] == hook[key], key


def test_pre_commit_entry_runs_on_file_names(opsbook: Opsbook, made: Path) -> None:
    """What pre-commit runs: the entry with the staged file names, from the repository root."""
    run = opsbook(
        "lint", "runbooks/api/roll-back-a-deployment.md", "policy.yml", "--today", TODAY, cwd=made
    )
    assert run.code == 0, run.out + run.err
    assert run.out.strip().endswith("2 files checked: no problems")


def test_template_site_files_match_the_repository(tmp_path: Path) -> None:
    """The site files init writes are copies of the repository's own: they cannot drift."""
    sync = "copy the repository's site files into src/opsbook/templates/handbook/"
    ours = load_yaml(REPO / "mkdocs.yml")
    text = (TEMPLATE / "mkdocs.yml").read_text(encoding="utf-8")
    rendered = tmp_path / "mkdocs.yml"
    rendered.write_text(text.replace("@@SITE_NAME_YAML@@", '"Name"'), encoding="utf-8")
    theirs = load_yaml(rendered)
    adapted = ("site_name", "site_description", "nav")
    assert {k: v for k, v in theirs.items() if k not in adapted} == {
        k: v for k, v in ours.items() if k not in adapted
    }, f"{sync}: mkdocs.yml differs (beyond site_name, site_description and nav)"
    assert all(entry in ours["nav"] for entry in theirs["nav"]), f"{sync}: mkdocs.yml nav"


@pytest.mark.slow
def test_init_builds_with_mkdocs(made: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=made,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    site = tmp_path / "site"
    assert (site / "index.html").is_file()
    pages: list[str] = []

    def collect(entries: list[Any]) -> None:
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            if isinstance(value, list):
                collect(value)
            else:
                pages.append(value)

    collect(load_yaml(made / "mkdocs.yml")["nav"])
    assert "severity/index.md" in pages  # inside the Incident section
    for page in pages:
        html = page[: -len(".md")]
        html = html[: -len("index")] if html.endswith("index") else html + "/"
        assert (site / html / "index.html").is_file() or (site / html).is_file(), page


@pytest.mark.slow
def test_init_works_from_a_wheel(tmp_path: Path) -> None:
    """The templates are package data: init must work from the built wheel, not only here."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {build.stderr.strip()[-300:]}")
    (wheel,) = wheels.glob("opsbook-*.whl")
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    where = subprocess.run(
        [sys.executable, "-c", "import opsbook; print(opsbook.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert where.stdout.startswith(str(unpacked))
    made = subprocess.run(
        [sys.executable, "-m", "opsbook", "init", str(tmp_path / "book"), "--today", TODAY],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    from_repo = sorted(
        handbook_init._target_rel(rel, {"PM_DATE": "2026-09-08"})
        for rel, _node in handbook_init._template_files(handbook_init.template_root())
    )
    written = sorted(
        p.relative_to(tmp_path / "book").as_posix()
        for p in (tmp_path / "book").rglob("*")
        if p.is_file()
    )
    assert set(from_repo) <= set(written)


def test_site_name() -> None:
    assert handbook_init.site_name_for(Path("/x/incident-handbook")) == "Incident handbook"
    assert handbook_init.site_name_for(Path("/x/payments_runbooks")) == "Payments runbooks"


# --- Issue 15: init --force never writes through a symlink and keeps what it replaces ------


def test_init_force_never_writes_through_a_symlink(opsbook: Opsbook, tmp_path: Path) -> None:
    target = tmp_path / "hb"
    target.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("do not touch\n")
    (target / "policy.yml").symlink_to(outside)
    run = opsbook("init", target, "--force", "--today", TODAY, cwd=tmp_path)
    assert run.code == 2, run.err
    assert outside.read_text() == "do not touch\n"
    assert "policy.yml" in run.err and "symbolic link" in run.err and "Traceback" not in run.err
    assert sorted(p.name for p in target.iterdir()) == ["policy.yml"]  # nothing written
    # A symlinked folder on the way is refused just the same.
    (target / "policy.yml").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (target / "runbooks").symlink_to(elsewhere)
    folder = opsbook("init", target, "--force", "--today", TODAY, cwd=tmp_path)
    assert folder.code == 2 and "runbooks" in folder.err and "symbolic link" in folder.err
    assert list(elsewhere.iterdir()) == []


def test_init_force_keeps_the_files_it_replaces(opsbook: Opsbook, tmp_path: Path) -> None:
    target = tmp_path / "hb"
    target.mkdir()
    (target / "policy.yml").write_text("# our own policy\n")
    (target / "notes.txt").write_text("mine\n")
    run = opsbook("init", target, "--force", "--today", TODAY, cwd=tmp_path)
    assert run.code == 0, run.err
    assert (target / "policy.yml.orig").read_text() == "# our own policy\n"
    assert "policy.yml.orig" in run.err
    assert (target / "notes.txt").read_text() == "mine\n"
    assert "severities:" in (target / "policy.yml").read_text()
    # Running it again replaces nothing that differs, so no second copy appears.
    again = opsbook("init", target, "--force", "--today", TODAY, cwd=tmp_path)
    assert again.code == 0, again.err
    assert sorted(p.name for p in target.glob("policy.yml*")) == ["policy.yml", "policy.yml.orig"]
    # A second different policy is kept beside the first copy, never over it.
    (target / "policy.yml").write_text("# edited again\n")
    third = opsbook("init", target, "--force", "--today", TODAY, cwd=tmp_path)
    assert third.code == 0, third.err
    assert (target / "policy.yml.orig").read_text() == "# our own policy\n"
    assert (target / "policy.yml.orig.1").read_text() == "# edited again\n"
