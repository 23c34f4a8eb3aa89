"""Real data: kube-prometheus' alerting rules against the prometheus-operator runbooks, adopted.

The expected coverage is computed here from the files themselves, independently of opsbook's
reader (PyYAML's safe_load_all, page paths from the file names): no count is written down.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import yaml

from conftest import CORPUS, Handbook, Run, require_shared

SITE = "https://runbooks.prometheus-operator.dev"
RULES = CORPUS / "kube-prometheus-rules" / "manifests"
RUNBOOKS = CORPUS / "prometheus-operator-runbooks" / "content" / "runbooks"


def adopted(book: Handbook, opsbook: Callable[..., Run]) -> dict[str, str]:
    """The runbooks copied in and adopted; each names its alert: {alert name: page path}."""
    require_shared(RULES)
    require_shared(RUNBOOKS)
    shutil.copytree(RUNBOOKS, book.root / "runbooks")
    shutil.copytree(RULES, book.root / "rules")
    # As the adopt guide says: from where it came, so that adopt records the old addresses.
    run = opsbook(
        "adopt",
        "runbooks/",
        "--source",
        str(RUNBOOKS),
        "--owner",
        "sre",
        "--severity",
        "P2",
        cwd=book.root,
    )
    assert run.code == 0, run.err
    pages: dict[str, str] = {}
    for path in sorted((book.root / "runbooks").rglob("*.md")):
        rel = path.relative_to(book.root).as_posix()
        text = path.read_text(encoding="utf-8")
        name = path.stem
        # An alert runbook is named after its alert. Adopt may not say so yet: then the
        # test writes the field itself, into the frontmatter adopt made.
        if not re.search(r"^alerts:", text.split("\n---\n", 1)[0], flags=re.M):
            text = text.replace("---\n", f"---\nalerts: [{name}]\n", 1)
            path.write_text(text, encoding="utf-8")
        pages[name] = rel[: -len(".md")]
    return pages


def rules() -> list[dict[str, Any]]:
    found = []
    for path in sorted(RULES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            for group in doc["spec"]["groups"]:
                for rule in group["rules"]:
                    if "alert" in rule:
                        found.append({**rule, "file": f"rules/{path.name}"})
    return found


def run_alerts(book: Handbook, opsbook: Callable[..., Run]) -> tuple[int, dict[str, Any]]:
    run = opsbook(
        "alerts", "rules", "--site-url", SITE, "--format", "json", "--today", "2026-09-15",
        cwd=book.root,
    )  # fmt: skip
    assert run.code in (0, 1), run.err
    result = run.json()
    assert isinstance(result, dict)
    return run.code, result


def expected_coverage(
    all_rules: list[dict[str, Any]], covered: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
        paging = [r for r in rows if r.get("labels", {}).get("severity") == "critical"]
        return {
            "alerts": len(rows),
            "paging": len(paging),
            "covered": sum(map(covered, rows)),
            "paging_covered": sum(map(covered, paging)),
        }

    by_severity: dict[str, list[dict[str, Any]]] = {}
    by_file: dict[str, list[dict[str, Any]]] = {}
    for r in all_rules:
        by_severity.setdefault(r.get("labels", {}).get("severity", ""), []).append(r)
        by_file.setdefault(r["file"], []).append(r)
    return {
        **counts(all_rules),
        "names": len({r["alert"] for r in all_rules}),
        "by_severity": {k: counts(v) for k, v in sorted(by_severity.items())},
        "by_file": {k: counts(v) for k, v in sorted(by_file.items())},
    }


def test_kube_prometheus_rules_as_shipped(
    empty_handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    pages = adopted(empty_handbook, opsbook)
    served = {p.lower(): p for p in pages.values()}
    all_rules = rules()

    def path_of(rule: dict[str, Any]) -> str:
        return urlsplit(rule["annotations"]["runbook_url"]).path.strip("/")

    code, result = run_alerts(empty_handbook, opsbook)
    # Hugo served lower-cased paths; the MkDocs site serves each runbook at its own path, and
    # at each of the old paths adopt recorded (a redirect page): the links land through them.
    exact = set(pages.values())
    for rel in pages.values():
        text = (empty_handbook.root / f"{rel}.md").read_text(encoding="utf-8")
        data = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
        exact.update(old.strip("/") for old in data.get("old_paths", []))
    assert result["coverage"] == expected_coverage(all_rules, lambda r: path_of(r) in exact)
    broken = [r for r in all_rules if path_of(r) not in exact]
    # The shipped links that break are those of alerts the collection has no runbook for.
    assert all(r["alert"] not in pages for r in broken), [
        (r["alert"], path_of(r)) for r in broken if r["alert"] in pages
    ]
    problems = Counter(p["rule"] for p in result["problems"])
    assert problems["alert-link-broken"] == len(broken) and code == 1
    # Where only the case differs, the message names the page the site does serve.
    hints = [p["message"] for p in result["problems"] if "the site serves" in p["message"]]
    assert len(hints) == sum(path_of(r).lower() in served for r in broken)
    for rule in broken:
        if path_of(rule).lower() in served:
            page = served[path_of(rule).lower()]
            assert any(f"'{rule['annotations']['runbook_url']}'" in h and page in h for h in hints)
    # The runbooks of alerts kube-prometheus does not (or no longer) define.
    names = {r["alert"] for r in all_rules}
    stale = sorted(n for n in pages if n not in names)
    unknown = [p for p in result["problems"] if p["rule"] == "alert-unknown"]
    assert sorted(p["path"] for p in unknown) == sorted(f"{pages[n]}.md" for n in stale)
    # At the name in `alerts` (adopt wrote it, or the test did).
    for p in unknown:
        path = empty_handbook.root / p["path"]
        line = path.read_text(encoding="utf-8").splitlines()[p["line"] - 1]
        assert line == f"alerts: [{path.stem}]", (p, line)


def test_kube_prometheus_rules_linking_alert_urls(
    empty_handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    """The same rules with the stable link `/alerts/{{ $labels.alertname }}/` in every rule."""
    pages = adopted(empty_handbook, opsbook)
    for path in (empty_handbook.root / "rules").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(
            r"runbook_url: \S+", f"runbook_url: '{SITE}/alerts/{{{{ $labels.alertname }}}}/'", text
        )
        path.write_text(text, encoding="utf-8")
    all_rules = rules()
    code, result = run_alerts(empty_handbook, opsbook)
    assert result["coverage"] == expected_coverage(all_rules, lambda r: r["alert"] in pages)
    without = [r for r in all_rules if r["alert"] not in pages]
    problems = Counter(p["rule"] for p in result["problems"])
    assert problems["alert-link-broken"] == len(without)
    assert problems["alert-link-unnamed"] == 0 and problems["alert-link-template"] == 0
    assert code == (1 if without else 0)
    for entry in result["alerts"]:
        if entry["name"] in pages:
            assert entry["runbooks"] == [f"{pages[entry['name']]}.md"]
            assert entry["links"][0]["page"] == f"alerts/{entry['name']}/"
