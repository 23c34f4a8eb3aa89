"""Real public runbook collections linted as handbooks: every file reported, nothing crashes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import CORPUS, POLICY, Run, require_shared


def test_prometheus_operator_runbooks_report_their_missing_fields(
    tmp_path: Path, opsbook: Callable[..., Run]
) -> None:
    source = require_shared(CORPUS / "prometheus-operator-runbooks" / "content" / "runbooks")
    root = tmp_path / "handbook"
    shutil.copytree(source, root / "runbooks")
    (root / "policy.yml").write_text(POLICY.split("decision_trees:")[0])
    files = sorted(p.relative_to(root).as_posix() for p in (root / "runbooks").rglob("*.md"))
    assert len(files) == 117

    run = opsbook("lint", "--format", "json", cwd=root)
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    problems = run.json()
    assert isinstance(problems, list)
    reported = {p["path"] for p in problems}
    assert reported == set(files)
    by_rule: dict[str, set[str]] = {}
    for p in problems:
        by_rule.setdefault(p["rule"], set()).add(p["path"])
    # Files with Hugo frontmatter (title, weight) miss our required fields and have an unknown one;
    # files with none are told to add it. Every file is one or the other.
    assert by_rule["schema-required"] | by_rule["file-no-frontmatter"] == set(files)
    assert "runbooks/_index.md" in by_rule["schema-unknown-field"]
    assert not by_rule.keys() - {
        "schema-required",
        "schema-unknown-field",
        "file-no-frontmatter",
        "html-offsite",
    }
    # One runbook shows a screenshot from GitHub's image host: a site offline cannot.
    assert by_rule["html-offsite"] == {"runbooks/alertmanager/AlertmanagerFailedToSendAlerts.md"}


def test_pagerduty_handbook_pages_do_not_crash_lint(
    tmp_path: Path, opsbook: Callable[..., Run]
) -> None:
    source = require_shared(CORPUS / "pagerduty-incident-response-docs" / "docs")
    root = tmp_path / "handbook"
    shutil.copytree(source, root / "runbooks")
    (root / "policy.yml").write_text(POLICY.split("decision_trees:")[0])
    run = opsbook("lint", "--format", "json", cwd=root)
    assert run.code == 1 and "Traceback" not in run.err
    problems = run.json()
    assert isinstance(problems, list)
    assert {p["rule"] for p in problems} <= {
        "schema-required",
        "schema-unknown-field",
        "file-no-frontmatter",
        "schema-type",
        "site-path-clash",
        "link-broken",
        "html-unsafe",
        "html-offsite",
    }
    # Its home page, copied in whole, would take the place of the generated runbook list.
    clashes = {p["path"] for p in problems if p["rule"] == "site-path-clash"}
    assert clashes == {"runbooks/index.md"}
    # The corpus keeps its pages, not its images: each link to one is named (as `mkdocs build
    # --strict` would fail on it), and nothing else is.
    broken = [p for p in problems if p["rule"] == "link-broken"]
    assert broken and all("/assets/" in p["message"].split("'")[1] for p in broken)
    # The training pages embed YouTube videos: removed by the sanitiser, and offsite. Their
    # many {:target="_blank"} links are kept, so they give no warning.
    html = {(p["path"], p["line"], p["rule"]) for p in problems if p["rule"].startswith("html-")}
    assert ("runbooks/training/incident_commander.md", 326, "html-unsafe") in html
    assert ("runbooks/training/incident_commander.md", 326, "html-offsite") in html
    assert all("iframe" in p["message"] for p in problems if p["rule"].startswith("html-"))
