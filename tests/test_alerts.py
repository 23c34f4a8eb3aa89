"""`opsbook alerts` and the alert checks of `opsbook lint`, on small real files written here."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from conftest import POLICY, Handbook, Run, dedent
from opsbook import alerts, load

SITE = "https://hb.example/ops/"

DISK_RUNBOOK = """\
---
id: RB-0002
title: Disk full
service: storage
owner: sre
severity: [P1]
last_reviewed: 2026-09-01
alerts: [DiskFull, DiskWillFillIn4Hours]
---
# Disk full

## Free space now

Delete old logs.

## Free space now

The same heading twice: toc gives the second one `_1`.

## Grow the `volume` {#grow}

Resize it.
"""

RULES = """\
groups:
  - name: storage
    rules:
      - alert: DiskFull
        expr: disk_free < 0.05
        labels: {severity: critical}
        annotations:
          runbook_url: https://hb.example/ops/alerts/{{ $labels.alertname }}/
      - record: job:disk_free:min
        expr: min by (job) (disk_free)
      - alert: DiskWillFillIn4Hours
        expr: predict_linear(disk_free[1h], 4 * 3600) < 0
        labels: {severity: warning}
        annotations:
          runbook_url: https://hb.example/ops/runbooks/storage/disk-full/#free-space-now_1
"""


def book(handbook: Handbook, rules: str = RULES, policy_extra: str = "") -> Handbook:
    handbook.write("runbooks/storage/disk-full.md", DISK_RUNBOOK)
    handbook.write("rules/storage.yml", rules)
    handbook.write("mkdocs.yml", f"site_name: Ops\nsite_url: {SITE}\n")
    if policy_extra:
        handbook.write("policy.yml", POLICY + dedent(policy_extra))
    return handbook


def run_json(opsbook: Callable[..., Run], root: Any, *args: str) -> tuple[int, dict[str, Any]]:
    run = opsbook("alerts", *args, "--format", "json", "--today", "2026-09-15", cwd=root)
    assert run.code in (0, 1), run.err
    result = run.json()
    assert isinstance(result, dict)
    return run.code, result


def rules_of(result: dict[str, Any], under: str = "") -> list[tuple[str, int, int, str]]:
    """(path, line, column, rule) of each problem, of the files under a folder if given."""
    return [
        (p["path"], p["line"], p["column"], p["rule"])
        for p in result["problems"]
        if p["path"].startswith(under)
    ]


def position(text: str, line_holding: str, value: str) -> tuple[int, int]:
    """The 1-based line and column of value on the first line of text holding line_holding."""
    for number, line in enumerate(text.splitlines(), 1):
        if line_holding in line:
            return number, line.index(value) + 1
    raise AssertionError(line_holding)


def test_clean_rules_pass_with_coverage(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    book(handbook)
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml")
    assert code == 0 and result["problems"] == []
    cov = result["coverage"]
    assert (cov["alerts"], cov["paging"], cov["covered"], cov["paging_covered"]) == (2, 1, 2, 1)
    assert cov["by_severity"]["critical"] == {
        "alerts": 1,
        "paging": 1,
        "covered": 1,
        "paging_covered": 1,
    }
    assert cov["by_file"]["rules/storage.yml"]["alerts"] == 2
    first = result["alerts"][0]
    assert first["name"] == "DiskFull" and first["runbooks"] == ["runbooks/storage/disk-full.md"]
    assert first["links"][0]["page"] == "alerts/DiskFull/"


def test_paging_alert_without_link_is_an_error_others_warn(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    book(
        handbook,
        dedent("""
        groups:
          - name: api
            rules:
              - alert: ApiDown
                expr: up == 0
                labels:
                  severity: critical
              - alert: ApiSlow
                expr: latency > 1
                labels:
                  severity: warning
        """),
    )
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml")
    assert code == 1
    assert rules_of(result)[:2] == [
        ("rules/storage.yml", 4, 16, "alert-paging-no-runbook"),
        ("rules/storage.yml", 8, 16, "alert-no-runbook"),
    ]
    levels = [p["level"] for p in result["problems"]]
    assert levels[:2] == ["error", "warning"]
    assert "/ops/alerts/ApiDown/" in result["problems"][0]["message"]
    # The runbook names two alerts that these rules no longer define.
    assert [p[3] for p in rules_of(result)[2:]] == ["alert-unknown", "alert-unknown"]
    # --paging overrides the default: now nothing pages.
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml", "--paging", "page")
    assert code == 0 and "error" not in [p["level"] for p in result["problems"]]
    args = ("rules/storage.yml", "--severity-label", "tier", "--paging", "warning")
    code, result = run_json(opsbook, handbook.root, *args)
    assert code == 0


def test_broken_links_anchors_and_case(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    book(
        handbook,
        dedent("""
        groups:
          - name: storage
            rules:
              - alert: DiskFull
                labels: {severity: critical}
                annotations:
                  runbook_url: https://hb.example/ops/runbooks/storage/Disk-Full/
              - alert: DiskWillFillIn4Hours
                annotations:
                  runbook_url: https://hb.example/ops/runbooks/storage/disk-full/#nope
              - alert: DiskFull
                annotations:
                  runbook_url: https://hb.example/ops/runbooks/storage/disk-full#grow
              - alert: DiskFull
                annotations:
                  runbook_url: https://hb.example/ops/alerts/diskfull/
              - alert: DiskFull
                annotations:
                  runbook_url: https://hb.example/ops/alerts/NoSuchAlert/
        """),
    )
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml")
    assert code == 1
    assert rules_of(result) == [
        ("rules/storage.yml", 7, 24, "alert-link-broken"),
        ("rules/storage.yml", 10, 24, "alert-link-anchor"),
        ("rules/storage.yml", 19, 24, "alert-link-broken"),
    ]
    broken, anchor, missing = (p["message"] for p in result["problems"])
    assert "the site serves /runbooks/storage/disk-full/" in broken
    assert "#nope" in anchor and "#free-space-now_1" in anchor and "#grow" in anchor
    assert "NoSuchAlert" in missing
    # /alerts/diskfull/ (lower-cased) and a heading's explicit {#grow} id land.
    statuses = [link["status"] for a in result["alerts"] for link in a["links"]]
    assert statuses == ["broken", "anchor", "handbook", "handbook", "broken"]


def test_link_to_a_runbook_that_does_not_name_the_alert(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    book(
        handbook,
        dedent("""
        groups:
          - name: api
            rules:
              - alert: ApiErrors
                labels: {severity: critical}
                annotations:
                  runbook: runbooks/api/roll-back.md#roll-back-a-deployment
        """),
    )
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml", "--annotation", "runbook")
    assert code == 0
    assert rules_of(result, "rules/") == [("rules/storage.yml", 7, 20, "alert-link-unnamed")]
    assert "runbooks/api/roll-back.md" in result["problems"][0]["message"]
    assert result["coverage"]["covered"] == 1


def test_link_prefix_docs_means_runbooks(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    rules = dedent("""
        groups:
          - name: storage
            rules:
              - alert: DiskFull
                annotations:
                  runbook: docs/storage/disk-full.md#grow
        """)
    book(handbook, rules)
    args = ("rules/storage.yml", "--annotation", "runbook")
    code, result = run_json(opsbook, handbook.root, *args)
    assert rules_of(result, "rules/") == [("rules/storage.yml", 6, 20, "alert-link-broken")]
    code, result = run_json(opsbook, handbook.root, *args, "--link-prefix", "docs/")
    assert code == 0 and rules_of(result, "rules/") == [] and result["coverage"]["covered"] == 1


def test_runbook_naming_an_alert_no_rule_defines(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    book(handbook)
    text = DISK_RUNBOOK.replace("4Hours]", "4Hours, diskfull, Gone]")
    handbook.write("runbooks/storage/disk-full.md", text)
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml")
    assert code == 0
    assert rules_of(result) == [
        ("runbooks/storage/disk-full.md", *position(text, "alerts:", "diskfull"), "alert-unknown"),
        ("runbooks/storage/disk-full.md", *position(text, "alerts:", "Gone"), "alert-unknown"),
    ]
    assert "did you mean DiskFull?" in result["problems"][0]["message"]
    run = opsbook("alerts", "rules/storage.yml", "--strict", cwd=handbook.root)
    assert run.code == 1


def test_templates(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    lower = "https://hb.example/ops/alerts/{{$labels.alertname | toLower}}/"
    lower += "?host={{ $labels.instance }}"
    book(
        handbook,
        dedent("""
        groups:
          - name: storage
            rules:
              - alert: DiskFull
                annotations:
                  runbook_url: "LOWER_URL"
              - alert: DiskFull
                annotations:
                  runbook_url: https://hb.example/ops/runbooks/{{ $labels.team }}/disk-full/
        """).replace("LOWER_URL", lower),
    )
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml")
    assert code == 0
    assert rules_of(result, "rules/") == [("rules/storage.yml", 9, 24, "alert-link-template")]
    assert "{{ $labels.team }}" in result["problems"][0]["message"]
    assert result["alerts"][0]["links"][0]["status"] == "handbook"


def test_other_hosts_are_listed_never_fetched(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    book(
        handbook,
        dedent("""
        groups:
          - name: storage
            rules:
              - alert: DiskFull
                labels: {severity: critical}
                annotations:
                  runbook_url: https://wiki.invalid/DiskFull
        """),
    )
    code, result = run_json(opsbook, handbook.root, "rules/storage.yml")
    assert code == 0 and rules_of(result, "rules/") == []
    assert result["external"] == [
        {
            "path": "rules/storage.yml",
            "alert": "DiskFull",
            "annotation": "runbook_url",
            "url": "https://wiki.invalid/DiskFull",
        }
    ]
    assert result["coverage"]["covered"] == 0
    run = opsbook("alerts", "rules/storage.yml", cwd=handbook.root)
    assert "https://wiki.invalid/DiskFull" in run.out and "not fetched" in run.out


def test_exceptions(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    rules = dedent("""
        groups:
          - name: api
            rules:
              - alert: ApiDown
                labels: {severity: critical}
              - alert: LegacyDown
                labels: {severity: critical}
              - alert: DiskFull
                labels: {severity: critical}
                annotations: {runbook_url: "/alerts/DiskFull/"}
        """)
    policy = """
        alerts:
          rules: [rules/*.yml]
          exceptions:
            - {alert: ApiDown, owner: api-team, reason: new service, expires: 2026-12-31}
            - {alert: LegacyDown, owner: sre, reason: retiring, expires: 2026-09-01}
            - {alert: DiskFull, owner: sre, reason: old entry, expires: 2027-01-01}
        """
    book(handbook, rules, policy)
    code, result = run_json(opsbook, handbook.root)
    assert code == 1
    found = rules_of(result, "rules/") + rules_of(result, "policy.yml")
    text = (handbook.root / "policy.yml").read_text()
    assert found == [
        # The live exception holds; the expired one no longer does.
        ("rules/storage.yml", 6, 16, "alert-paging-no-runbook"),
        ("policy.yml", *position(text, "LegacyDown", "2026-09-01"), "alert-exception-expired"),
        ("policy.yml", *position(text, "old entry", "DiskFull"), "alert-exception-unneeded"),
    ]


def test_lint_runs_the_alert_checks_when_policy_sets_rules(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    rules = RULES.replace("labels: {severity: warning}", "labels: {severity: critical}")
    rules = rules.replace("#free-space-now_1", "#missing")
    book(handbook, rules)
    run = opsbook("lint", "--today", "2026-09-15", cwd=handbook.root)
    assert run.code == 0, run.out  # no alerts section: lint does not read rule files
    (handbook.root / ".git").mkdir()
    (handbook.root / ".git" / "rules.yml").write_text(rules, encoding="utf-8")
    (handbook.root.parent / "outside.yml").write_text(rules, encoding="utf-8")
    globs = "[rules/*.yml, nowhere/*.yml, .git/*.yml, ../outside.yml]"
    book(handbook, rules, f"alerts:\n  rules: {globs}\n")
    run = opsbook("lint", "--today", "2026-09-15", "--format", "json", cwd=handbook.root)
    assert run.code == 1
    problems = run.json()
    assert isinstance(problems, list)
    # A glob reads nothing under a dot-folder or outside the handbook.
    assert [(p["path"], p["rule"]) for p in problems] == [
        ("policy.yml", "alert-rules-invalid"),
        ("policy.yml", "alert-rules-invalid"),
        ("policy.yml", "alert-rules-invalid"),
        ("rules/storage.yml", "alert-link-anchor"),
    ]
    assert "nowhere/*.yml" in problems[0]["message"]
    assert "../outside.yml" in problems[2]["message"]
    run = opsbook("lint", "--today", "2026-09-15", cwd=handbook.root)
    # policy.yml, two runbooks, a postmortem and the rule file
    assert run.out.splitlines()[-1].startswith("5 files checked")


def test_every_format_is_read(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    book(handbook)
    handbook.write(
        "rules/k8s.yaml",
        dedent("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: unrelated}
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: storage}
        spec:
          groups:
            - name: storage
              rules:
                - alert: DiskFull
                  labels: {severity: critical}
        """),
    )
    handbook.write(
        "rules/grafana.yaml",
        dedent("""
        apiVersion: 1
        groups:
          - orgId: 1
            name: storage
            folder: infra
            interval: 1m
            rules:
              - uid: disk-1
                title: DiskWillFillIn4Hours
                condition: A
                data: []
                labels: {severity: critical}
                annotations:
                  runbook_url: /runbooks/storage/disk-full/
        """),
    )
    handbook.write("rules/values.yaml", "replicas: 3\nimage: {tag: v1}\n")
    run = opsbook("alerts", "rules", "--format", "json", "--today", "2026-09-15", cwd=handbook.root)
    assert run.code == 1
    result = run.json()
    assert isinstance(result, dict)
    assert result["files"] == [
        "rules/grafana.yaml",
        "rules/k8s.yaml",
        "rules/storage.yml",
        "rules/values.yaml",
    ]
    assert rules_of(result, "rules/") == [("rules/k8s.yaml", 12, 18, "alert-paging-no-runbook")]
    names = [(a["path"], a["name"]) for a in result["alerts"]]
    assert ("rules/grafana.yaml", "DiskWillFillIn4Hours") in names
    assert ("rules/k8s.yaml", "DiskFull") in names
    assert result["skipped"][0]["path"] == "rules/values.yaml"
    assert "note: rules/values.yaml holds no alerting rules" in run.err


def test_invalid_rule_files_are_problems_never_crashes(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    book(handbook)
    handbook.write("rules/bad.yml", "groups:\n  - name: x\n    rules: [\n")
    handbook.write("rules/latin1.yml", b"groups: []\n# caf\xe9\n")
    handbook.write("rules/deep.yml", "groups: " + "[" * 5000 + "]" * 5000 + "\n")
    handbook.write("rules/odd.yml", "groups: [1, {rules: 3}, {rules: [7, {alert: [x]}]}]\n")
    os.mkfifo(handbook.root / "rules" / "pipe.yml")
    run = opsbook("alerts", "rules", "--format", "json", "--today", "2026-09-15", cwd=handbook.root)
    assert run.code == 1, run.err
    result = run.json()
    assert isinstance(result, dict)
    assert [(p["path"], p["rule"]) for p in result["problems"]] == [
        ("rules/bad.yml", "alert-rules-invalid"),
        ("rules/deep.yml", "alert-rules-invalid"),
        ("rules/latin1.yml", "alert-rules-invalid"),
        ("rules/pipe.yml", "alert-rules-invalid"),
    ]
    assert "Traceback" not in run.err


HOSTILE = [
    "\x1b[31mRED\x1b[0m",
    "a\nb",
    "<script>alert(1)</script>",
    "{{ template }}",
    "\u202eevil",
    "x" * 5000,
]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_hostile_names_and_annotations(
    handbook: Handbook, opsbook: Callable[..., Run], fmt: str
) -> None:
    book(handbook)
    rules = ["groups:", "  - name: hostile", "    rules:"]
    for value in HOSTILE:
        quoted = json.dumps(value)
        rules += [
            f"      - alert: {quoted}",
            "        labels: {severity: critical}",
            f"      - alert: Named{len(rules)}",
            f"        annotations: {{runbook_url: {quoted}}}",
            f"      - alert: Site{len(rules)}",
            f"        annotations: {{runbook_url: {json.dumps(SITE + 'runbooks/' + value)}}}",
        ]
    handbook.write("rules/hostile.yml", "\n".join(rules) + "\n")
    run = opsbook("alerts", "rules/hostile.yml", "--format", fmt, cwd=handbook.root)
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    if fmt == "json":
        assert isinstance(run.json(), dict)
        return
    assert "\x1b" not in run.out and "\u202e" not in run.out
    if fmt == "junit":
        ET.fromstring(run.out)
    if fmt == "text":
        assert "\\x1b[31mRED" in run.out
        lines = [line for line in run.out.splitlines() if "alert-paging-no-runbook" in line]
        assert len(lines) == len(HOSTILE)


def test_usage_errors(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    book(handbook)
    run = opsbook("alerts", cwd=handbook.root)
    assert run.code == 2 and "alerts: rules:" in run.err
    run = opsbook("alerts", "missing.yml", cwd=handbook.root)
    assert run.code == 2 and "missing.yml" in run.err
    run = opsbook("alerts", "runbooks", cwd=handbook.root)
    assert run.code == 2 and "no rule file" in run.err


def test_schema_knows_alerts(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    book(handbook)
    run = opsbook("lint", "--today", "2026-09-15", cwd=handbook.root)
    assert run.code == 0, run.out
    handbook.write(
        "runbooks/storage/disk-full.md", DISK_RUNBOOK.replace("DiskFull,", "Disk/Full, DiskFull,")
    )
    run = opsbook("lint", "--today", "2026-09-15", cwd=handbook.root)
    assert run.code == 1 and "schema-format" in run.out


def test_slugify_is_mkdocs_toc_slugify() -> None:
    from markdown.extensions.toc import slugify

    for text in ["Free space now", "Grow the volume", "Ünïcödé — dash!", "a  b--c", "<b>x</b>"]:
        assert alerts.slugify(text) == slugify(text, "-")


def test_heading_ids_match_python_markdown() -> None:
    import markdown

    body = dedent("""
        # Title

        ## Free space now
        ## Free space now
        ## Grow the `volume` {#grow}
        Setext heading
        --------------
        ### [A link](https://x.invalid) and *emphasis* with snake_case_name

        ```sh
        # not a heading
        ```
        """)
    md = markdown.Markdown(extensions=["toc", "attr_list", "fenced_code"])
    md.convert(body)
    expected = [t["id"] for t in _flatten(md.toc_tokens)]  # type: ignore[attr-defined]
    assert alerts.heading_ids(body) == expected


def _flatten(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for token in tokens:
        found.append(token)
        found.extend(_flatten(token["children"]))
    return found


def test_known_alerts_for_the_site(handbook: Handbook) -> None:
    rules = (
        RULES
        + dedent("""
          - name: api
            rules:
              - alert: ApiDown
                labels: {severity: critical}
              - alert: ApiSlow
                labels: {severity: warning}
        """)
        .replace("\n", "\n  ")
        .rstrip()
        + "\n"
    )
    rules = RULES + (
        "  - name: api\n    rules:\n      - alert: ApiDown\n        labels: {severity: critical}\n"
        "      - alert: ApiSlow\n        labels: {severity: warning}\n"
    )
    book(handbook, rules, "alerts:\n  rules: [rules/*.yml]\n")
    hb = load.load_handbook(handbook.root)
    known = alerts.known_alerts(hb, dt.date(2026, 9, 15))
    assert [(k.name, k.paging, k.covered) for k in known] == [
        ("ApiDown", True, False),
        ("ApiSlow", False, False),
        ("DiskFull", True, True),
        ("DiskWillFillIn4Hours", False, True),
    ]
    disk = known[2]
    assert disk.severities == ["critical"] and disk.rule_files == ["rules/storage.yml"]
    assert [rb.id for rb in disk.runbooks] == ["RB-0002"]
    coverage = alerts.for_site(hb, dt.date(2026, 9, 15)).coverage
    assert (coverage["alerts"], coverage["paging"], coverage["covered"]) == (4, 2, 2)
    assert coverage["by_severity"]["warning"]["alerts"] == 2
    # Without rule files the site still knows the alerts runbooks name.
    handbook.write("policy.yml", POLICY)
    hb = load.load_handbook(handbook.root)
    known = alerts.known_alerts(hb)
    assert [(k.name, k.rule_files, k.covered) for k in known] == [
        ("DiskFull", [], True),
        ("DiskWillFillIn4Hours", [], True),
    ]


def test_alert_name_of_a_runbook_file() -> None:
    names = ["KubePodCrashLooping", "NodeRAIDDegraded", "etcdNoLeader", "CPUThrottlingHigh"]
    assert [alerts.alert_name(n) for n in names] == names
    assert alerts.alert_name("Watchdog", "Watchdog") == "Watchdog"
    for stem in ["README", "index", "_index", "disk-full", "Runbook", "kube_pod", "Kube Pod"]:
        assert alerts.alert_name(stem) is None
    assert alerts.alert_name("Watchdog", "Dead man's switch") is None


def test_new_runbook_names_its_alerts(
    empty_handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    args = ("new", "runbook", "--title", "Disk full", "--service", "storage", "--owner", "sre")
    args += ("--severity", "P1", "--no-input", "--today", "2026-09-15")
    run = opsbook(*args, "--alert", "Disk/Full", cwd=empty_handbook.root)
    assert run.code == 2 and "Disk/Full" in run.err
    assert not (empty_handbook.root / "runbooks").exists()
    run = opsbook(*args, "--alert", "DiskFull", "--alert", "Disk Full: 2", cwd=empty_handbook.root)
    assert run.code == 0, run.err
    hb = load.load_handbook(empty_handbook.root)
    assert hb.problems == [] and hb.runbooks[0].alerts == ["DiskFull", "Disk Full: 2"]


def test_aliases_the_site_answers(handbook: Handbook) -> None:
    """Old addresses the site redirects (e.g. an adopted Hugo site's lower-cased paths)."""
    rules = RULES.replace("runbooks/storage/disk-full/#free-space-now_1", "runbooks/old/diskfull")
    book(handbook, rules)
    hb = alerts.load_handbook(handbook.root)
    files = alerts.read_rules(handbook.root, [handbook.root / "rules" / "storage.yml"])
    conf = alerts.settings(handbook.root, hb.policy)
    report = alerts.check(hb, files, conf, dt.date(2026, 9, 15))
    assert [p.rule for p in report.problems] == ["alert-link-broken"]
    aliases = {"/runbooks/old/diskfull/": "runbooks/storage/disk-full.md"}
    report = alerts.check(hb, files, conf, dt.date(2026, 9, 15), aliases=aliases)
    assert report.problems == [] and all(c.covered for c in report.checked)
