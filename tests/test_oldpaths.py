"""Old addresses: Hugo's and MkDocs' rules, the redirect map, the lint rules, kube-prometheus."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import CORPUS, Handbook, Run, require_shared
from opsbook import load, oldpaths, reviews

Opsbook = Callable[..., Run]
TODAY = "2026-09-15"
PROMETHEUS = CORPUS / "prometheus-operator-runbooks" / "content" / "runbooks"
RULES = CORPUS / "kube-prometheus-rules" / "manifests"


def runbook(old_paths: list[str] | None = None, **fields: str) -> str:
    head = {
        "id": fields.pop("id", "RB-0100"),
        "title": "T",
        "service": "api",
        "owner": "sre",
        "severity": ["P2"],
        "last_reviewed": fields.pop("last_reviewed", "2026-09-01"),
        **fields,
    }
    if old_paths is not None:
        head["old_paths"] = old_paths
    return "---\n" + yaml.safe_dump(head, sort_keys=False) + "---\nBody.\n"


def test_hugo_lower_cases_and_keeps_aliases_url_and_slug() -> None:
    assert oldpaths.hugo_paths("runbooks/kubernetes/KubePodCrashLooping.md", {}) == [
        "/runbooks/kubernetes/kubepodcrashlooping/"
    ]
    assert oldpaths.hugo_paths(
        "runbooks/kubernetes/KubeMemoryOvercommit.md", {"aliases": ["/kubememovercommit/", "x"]}
    ) == [
        "/runbooks/kubernetes/kubememoryovercommit/",
        "/kubememovercommit/",
        "/runbooks/kubernetes/x/",
    ]
    assert oldpaths.hugo_paths("docs/a/Page.md", {"slug": "Other"}) == ["/docs/a/other/"]
    assert oldpaths.hugo_paths("docs/a/Page.md", {"url": "/fixed/path"}) == ["/fixed/path/"]
    assert oldpaths.hugo_paths("runbooks/node/_index.md", {}) == ["/runbooks/node/"]
    assert oldpaths.mkdocs_paths("before/severity_levels.md") == ["/before/severity_levels/"]
    assert oldpaths.mkdocs_paths("index.md") == ["/"]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/a/b/", "/a/b/"),
        ("a/b", "/a/b/"),
        ("https://runbooks.example.com/runbooks/x", "/runbooks/x/"),
        ("/a/b.html", "/a/b.html"),
        ("/a/../b/", "/b/"),
        ("/", "/"),
        ("/a b/", None),
        ("/a?x=1", None),
        ("", None),
    ],
)
def test_normalise(given: str, kept: str | None) -> None:
    assert oldpaths.normalise(given) == kept


def test_redirect_keys_land_where_the_old_address_is() -> None:
    assert oldpaths.redirect_key("/runbooks/kubernetes/kubepodcrashlooping/") == (
        "runbooks/kubernetes/kubepodcrashlooping/index.md"
    )
    assert oldpaths.redirect_key("/") == "index.md"
    assert oldpaths.redirect_key("/a/b.html", use_directory_urls=False) == "a/b.md"
    assert oldpaths.redirect_key("/a/b.html") is None  # no Markdown name lands there


def test_redirect_maps_of_a_handbook(handbook: Handbook) -> None:
    handbook.write(
        "runbooks/kubernetes/KubePodCrashLooping.md",
        runbook(["/runbooks/kubernetes/kubepodcrashlooping/", "/kubepodcrashlooping/"]),
    )
    # Its own address needs no redirect.
    handbook.write("runbooks/node/disk.md", runbook(["/runbooks/node/disk/"], id="RB-0101"))
    book = load.load_handbook(handbook.root)
    assert oldpaths.old_paths(book) == {
        "/runbooks/kubernetes/kubepodcrashlooping/": "runbooks/kubernetes/KubePodCrashLooping.md",
        "/kubepodcrashlooping/": "runbooks/kubernetes/KubePodCrashLooping.md",
    }
    assert oldpaths.redirect_maps(book) == {
        "runbooks/kubernetes/kubepodcrashlooping/index.md": (
            "runbooks/kubernetes/KubePodCrashLooping.md"
        ),
        "kubepodcrashlooping/index.md": "runbooks/kubernetes/KubePodCrashLooping.md",
    }
    # Where KubePodCrashLooping/ and kubepodcrashlooping/ are one folder, the page answers.
    assert oldpaths.redirect_maps(book, case_insensitive=True) == {
        "kubepodcrashlooping/index.md": "runbooks/kubernetes/KubePodCrashLooping.md"
    }


def test_lint_names_a_claimed_twice_and_a_shadowing_old_path(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    handbook.write("runbooks/a/one.md", runbook(["/old/x/"], id="RB-0100"))
    handbook.write("runbooks/a/two.md", runbook(["/old/x/", "/services/"], id="RB-0101"))
    handbook.write("runbooks/a/three.md", runbook(["/runbooks/api/roll-back/"], id="RB-0102"))
    handbook.write("docs/guide.md", "# Guide\n")
    handbook.write("runbooks/a/four.md", runbook(["/guide/"], id="RB-0103"))
    run = opsbook("lint", "--format", "json", "--today", TODAY, cwd=handbook.root)
    assert run.code == 1, run.err
    found = sorted((p["path"], p["line"], p["rule"]) for p in run.json())  # type: ignore[union-attr]
    assert found == [
        ("runbooks/a/four.md", 10, "old-path-shadows"),
        ("runbooks/a/three.md", 10, "old-path-shadows"),
        ("runbooks/a/two.md", 10, "old-path-duplicate"),
        ("runbooks/a/two.md", 11, "old-path-shadows"),
    ]
    text = opsbook("lint", "--today", TODAY, cwd=handbook.root).out
    assert "old path /old/x/ is claimed by runbooks/a/one.md too" in text


def test_never_reviewed_warns_and_comes_first_for_review(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    # P1 reviews every 30 days, P2 every 90 (conftest's policy).
    handbook.write("runbooks/a/never.md", runbook(id="RB-0100", last_reviewed="never"))
    handbook.write("runbooks/a/p2-late.md", runbook(id="RB-0101", last_reviewed="2026-01-01"))
    p1_little = runbook(id="RB-0102", last_reviewed="2026-08-01").replace("[P2]", "[P1]")
    handbook.write("runbooks/a/p1-little.md", p1_little.replace("- P2", "- P1"))
    p1_much = runbook(id="RB-0103", last_reviewed="2026-06-01")
    handbook.write("runbooks/a/p1-much.md", p1_much.replace("- P2", "- P1"))
    draft = runbook(id="RB-0104", last_reviewed="never", status="draft")
    handbook.write("runbooks/a/draft.md", draft)
    run = opsbook("lint", "--format", "json", "--today", TODAY, cwd=handbook.root)
    never = [p for p in run.json() if p["rule"] == "never-reviewed"]  # type: ignore[union-attr]
    assert [(p["path"], p["line"], p["level"]) for p in never] == [
        ("runbooks/a/never.md", 8, "warning")
    ]
    assert run.code == 0  # warnings only
    assert opsbook("lint", "--strict", "--today", TODAY, cwd=handbook.root).code == 1
    book = load.load_handbook(handbook.root)
    order = reviews.due_for_review(book, dt.date.fromisoformat(TODAY))
    # Never reviewed, then most severe, then most days late; the draft is not due.
    assert [rb.id for rb in order] == ["RB-0100", "RB-0103", "RB-0102", "RB-0101"]


def test_never_is_the_only_word_last_reviewed_takes(opsbook: Opsbook, handbook: Handbook) -> None:
    handbook.write("runbooks/a/x.md", runbook(id="RB-0100", last_reviewed="sometime"))
    run = opsbook("lint", "--format", "json", "--today", TODAY, cwd=handbook.root)
    assert run.code == 1
    problems = run.json()
    assert {p["rule"] for p in problems} == {"schema-date", "schema-format"}  # type: ignore[union-attr]
    assert any("`never` marks" in p["message"] for p in problems)  # type: ignore[union-attr]


def alert_paths() -> list[tuple[str, str]]:
    """Each kube-prometheus alerting rule's alert and runbook_url path (some alerts have two
    rules, one per severity)."""
    found: list[tuple[str, str]] = []
    for manifest in sorted(require_shared(RULES).glob("*.yaml")):
        doc = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        for group in doc["spec"]["groups"]:
            for rule in group["rules"]:
                url = rule.get("annotations", {}).get("runbook_url")
                if "alert" in rule and url:
                    found.append((rule["alert"], "/" + url.split("://", 1)[1].partition("/")[2]))
    return found


def adopt_prometheus(opsbook: Opsbook, root: Path, *flags: str) -> None:
    corpus = require_shared(PROMETHEUS)
    shutil.copytree(corpus, root / "runbooks", dirs_exist_ok=True)
    run = opsbook(
        "adopt",
        "runbooks",
        "--source",
        str(corpus),
        "--owner",
        "sre",
        "--severity",
        "P2",
        *flags,
        cwd=root,
    )
    assert run.code == 0, run.err


def test_every_kube_prometheus_runbook_url_has_its_runbook(
    opsbook: Opsbook, empty_handbook: Handbook
) -> None:
    """The 139 alerting rules' runbook_urls: each lands, through old_paths, on its alert's
    runbook; the only ones that cannot are the alerts the collection has no runbook for."""
    urls = alert_paths()
    assert len(urls) == 139
    policy = empty_handbook.root / "policy.yml"
    policy.write_text(policy.read_text().replace("        runbook: RB-0001\n", ""))
    adopt_prometheus(opsbook, empty_handbook.root)
    book = load.load_handbook(empty_handbook.root)
    redirects = oldpaths.redirect_maps(book)
    by_rel = {rb.rel: rb for rb in book.runbooks}
    corpus_names = {p.stem.lower() for p in PROMETHEUS.rglob("*.md")}
    missing: set[str] = set()
    for alert, path in urls:
        key = oldpaths.redirect_key(oldpaths.normalise(path) or "")
        target = redirects.get(key or "")
        if target is None:
            missing.add(alert)
            continue
        # The page it lands on is that alert's runbook: named after it, with it as a symptom.
        assert Path(target).stem.lower() == path.rstrip("/").rsplit("/", 1)[1], alert
        assert alert in by_rel[target].symptoms
    # A real defect of the data, named: kube-prometheus (4d719f1) links these 26 alerts (27
    # rules) to runbooks that the collection (a685d14) does not have: no file, no alias.
    assert missing == {a for a, _path in urls if a.lower() not in corpus_names}
    assert sorted(missing) == NO_RUNBOOK
    assert len(urls) - sum(a in missing for a, _path in urls) == 112


NO_RUNBOOK = [
    *("AlertmanagerClusterFailedPeers", "GrafanaRequestsFailing", "KubeAPIInstanceUnreachable"),
    *("KubeControllerManagerInstanceUnreachable", "KubeDeploymentRolloutStuck"),
    *("KubeJobNotCompleted", "KubeNodeEviction", "KubeNodePressure", "KubePdbNotEnoughHealthyPods"),
    *("KubePersistentVolumeInodesFillingUp", "KubeSchedulerInstanceUnreachable"),
    *("KubeletInstanceUnreachable", "NodeBondingDegraded", "NodeCPUHighUsage"),
    *("NodeDiskIOSaturation", "NodeMemoryHighUtilization", "NodeMemoryMajorPagesFaults"),
    *("NodeSystemSaturation", "NodeSystemdServiceCrashlooping", "NodeSystemdServiceFailed"),
    *("PrometheusHighQueryLoad", "PrometheusKubernetesListWatchFailures"),
    *("PrometheusOperatorStatusUpdateErrors", "PrometheusSDRefreshFailure"),
    *("PrometheusScrapeBodySizeLimitHit", "PrometheusScrapeSampleLimitHit"),
]


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs_redirects") is None,
    reason="mkdocs-redirects is not installed (pip install mkdocs-redirects)",
)
def test_redirect_maps_give_working_redirect_pages(opsbook: Opsbook, tmp_path: Path) -> None:
    """Each old address gets a page leading to the runbook, through the site's own wiring:
    the handbook's mkdocs.yml lists `- redirects` and opsbook fills its redirect_maps."""
    root = tmp_path / "handbook"
    assert opsbook("init", root, "--today", TODAY, cwd=tmp_path).code == 0
    assert "  - redirects\n" in (root / "mkdocs.yml").read_text()
    # The sample documents stay: adopt leaves opsbook documents alone.
    adopt_prometheus(opsbook, root)
    # The one screenshot from another host would fail --strict (html-offsite): a plain link.
    shot = root / "runbooks/alertmanager/AlertmanagerFailedToSendAlerts.md"
    text = shot.read_text(encoding="utf-8")
    shot.write_text(re.sub(r"!\[([^\]]*)\]\((https://[^)]+)\)", r"[\1](\2)", text), "utf-8")
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = site / "runbooks/kubernetes/kubepodcrashlooping/index.html"
    assert 'url=../KubePodCrashLooping/"' in page.read_text()
    assert (site / "runbooks/kubernetes/KubePodCrashLooping/index.html").is_file()


def test_an_old_path_cannot_be_where_a_file_of_the_site_is(
    opsbook: Opsbook, handbook: Handbook
) -> None:
    handbook.write("docs/assets/logo.png", b"png")
    handbook.write("runbooks/a/one.md", runbook(["/assets/logo.png/"], id="RB-0100"))
    run = opsbook("lint", "--format", "json", "--today", TODAY, cwd=handbook.root)
    assert [(p["rule"], p["line"]) for p in run.json()] == [("old-path-shadows", 10)]  # type: ignore[union-attr]
    assert "the address of assets/logo.png" in run.json()[0]["message"]  # type: ignore[index]
