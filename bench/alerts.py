"""`opsbook alerts`: 10,000 alerting rules in 500 files against a 10,000-document handbook.

    python bench/alerts.py [--repeat 5]        (also run by `make bench`)
    python bench/alerts.py --floor HANDBOOK    (the floor alone, as measured)

The handbook is bench/generate.py's, each runbook naming its alert (`alerts:`); policy.yml's
`alerts:` section points at the rule files. The rules: 400 Prometheus rule files, 80 Kubernetes
PrometheusRule files of two YAML documents each, 20 Grafana provisioning files, 20 rules a file.
Their links, as in life: half `/alerts/{{ $labels.alertname }}/`, a quarter the runbook's page
with an `#anchor`, some a repository path `docs/<service>/<slug>.md#anchor` (link prefix
`docs/`), some to another host, some none (warnings), a few broken or with a wrong anchor
(errors, each with its position).

Measured against the floor: reading the rule files and every document's frontmatter, each
parsed with PyYAML's C loader (CSafeLoader), nothing more. Target: at most 2x.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import sections  # noqa: E402
from floor import frontmatter, parse_handbook  # noqa: E402
from generate import TODAY, generate  # noqa: E402

DOCUMENTS = 10_000
FILES = 500
PER_FILE = 20
MAX_RATIO = 2.0
SITE = "https://handbook.example.com"
HEADING = "## Alert rules against the handbook"

ALERTS_POLICY = """
alerts:
  rules: ["rules/**/*.yml", "rules/**/*.yaml"]
  annotations: [runbook_url, runbook]
  link_prefixes: [docs/]
  paging: [critical]
"""


def _runbooks(root: Path) -> list[tuple[str, str]]:
    """(path without .md, alert name) of every generated runbook."""
    found = []
    for path in sorted((root / "runbooks").rglob("*.md")):
        data = yaml.load(frontmatter(path.read_text(encoding="utf-8")), Loader=yaml.CSafeLoader)
        found.append((path.relative_to(root).as_posix()[: -len(".md")], data["alerts"][0]))
    return found


def _rule(rng: random.Random, runbooks: list[tuple[str, str]], n: int, key: str) -> list[str]:
    page, alert = runbooks[n % len(runbooks)]
    severity = rng.choice(["critical"] * 3 + ["warning"] * 6 + ["info"])
    roll = rng.random()
    annotations = [f"summary: '{alert} on {{{{ $labels.instance }}}}'"]
    if roll < 0.5:
        annotations.append(f"runbook_url: '{SITE}/alerts/{{{{ $labels.alertname }}}}/'")
    elif roll < 0.75:
        annotations.append(f"runbook_url: {SITE}/{page}/#{rng.choice(['triage', 'mitigate'])}")
    elif roll < 0.87:
        annotations.append(f"runbook: docs/{page.removeprefix('runbooks/')}.md#verify")
    elif roll < 0.92:
        annotations.append(f"runbook_url: https://wiki.example.org/alerts/{alert}")
    elif roll < 0.99:
        severity = "warning"  # a warning: no runbook link yet
    elif roll < 0.995:
        annotations.append(f"runbook_url: {SITE}/runbooks/gone/{alert.lower()}/")
    else:
        annotations.append(f"runbook_url: {SITE}/{page}/#no-such-heading")
    lines = [
        f"- {key}: {alert}",
        "  expr: rate(errors_total[5m]) > 0.05" if key == "alert" else "  condition: A",
        "  for: 10m",
        "  labels:",
        f"    severity: {severity}",
        f"    team: team-{n % 17}",
        "  annotations:",
        *(f"    {a}" for a in annotations),
    ]
    return lines


def _indent(lines: list[str], spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in lines)


def write_rules(root: Path, seed: int = 1) -> int:
    """FILES rule files of PER_FILE alerting rules each, in three formats; returns the count."""
    rng = random.Random(seed)
    runbooks = _runbooks(root)
    count = 0
    for i in range(FILES):
        kind = "grafana" if i % 25 == 0 else "k8s" if i % 5 == 0 else "prometheus"
        key = "title" if kind == "grafana" else "alert"
        rules = [_rule(rng, runbooks, count + j, key) for j in range(PER_FILE)]
        count += PER_FILE
        flat = [line for rule in rules for line in rule]
        if kind == "prometheus":
            text = f"groups:\n  - name: group-{i}\n    rules:\n" + _indent(flat, 6)
            name = f"rules/prometheus/team-{i % 17}/rules-{i:03d}.yml"
        elif kind == "k8s":
            half = len(rules) // 2
            docs = []
            for d, part in enumerate((rules[:half], rules[half:])):
                body = _indent([line for rule in part for line in rule], 8)
                docs.append(
                    "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
                    f"metadata: {{name: rules-{i}-{d}, namespace: monitoring}}\n"
                    f"spec:\n  groups:\n    - name: group-{i}-{d}\n      rules:\n{body}"
                )
            text = "---\n".join(docs)
            name = f"rules/k8s/rules-{i:03d}-prometheusRule.yaml"
        else:
            text = (
                f"apiVersion: 1\ngroups:\n  - orgId: 1\n    name: group-{i}\n    folder: infra\n"
                "    interval: 1m\n    rules:\n" + _indent(flat, 6)
            )
            name = f"rules/grafana/alerts-{i:03d}.yaml"
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return count


def write_handbook(work: Path) -> Path:
    root = generate(DOCUMENTS, work / "alerts-handbook", alerts=True)
    with (root / "policy.yml").open("a", encoding="utf-8") as policy:
        policy.write(ALERTS_POLICY)
    (root / "mkdocs.yml").write_text(f"site_name: Bench\nsite_url: {SITE}/\n", encoding="utf-8")
    write_rules(root)
    return root


def floor(root: Path) -> int:
    """Read the rule files and the documents, parse each with PyYAML's C loader."""
    parsed = 0
    for dirpath, _dirs, names in os.walk(root / "rules"):
        for name in names:
            text = Path(dirpath, name).read_text(encoding="utf-8")
            parsed += len(list(yaml.load_all(text, Loader=yaml.CSafeLoader)))
    parsed += parse_handbook(root)
    print(f"{parsed} YAML documents parsed")
    return 0


def bench(work: Path, repeat: int) -> dict[str, object]:
    """Best-of-repeat time and peak of `opsbook alerts` and of the floor; saved to alerts.json."""
    from run import BIN, measure

    work.mkdir(parents=True, exist_ok=True)
    root = write_handbook(work)
    log = work / "alerts.log"
    cmd: list[str | Path] = [BIN / "opsbook", "alerts", "--today", TODAY.isoformat()]
    floor_cmd: list[str | Path] = [sys.executable, Path(__file__), "--floor", root]
    measure(floor_cmd, root, log)  # warm the file and bytecode caches, untimed
    measure(cmd, root, log, ok=(1,))
    lint, base = (float("inf"), 0.0, 0.0), (float("inf"), 0.0, 0.0)
    for run in range(repeat):
        print(f"  alerts: run {run + 1}/{repeat}", flush=True)
        base = min(base, measure(floor_cmd, root, log))
        lint = min(lint, measure(cmd, root, log, ok=(1,)))
    out = work / "alerts-out.json"
    with out.open("wb") as handle:
        import subprocess

        subprocess.run(
            [str(c) for c in [*cmd, "--format", "json"]],
            cwd=root,
            stdout=handle,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    result = json.loads(out.read_text(encoding="utf-8"))
    problems = result["problems"]
    row: dict[str, object] = {
        "rules": result["coverage"]["alerts"],
        "files": len(result["files"]),
        "documents": DOCUMENTS,
        "alerts": lint[0],
        "alerts_mb": lint[2],
        "floor": base[0],
        "floor_mb": base[2],
        "errors": sum(p["level"] == "error" for p in problems),
        "warnings": sum(p["level"] == "warning" for p in problems),
        "covered": result["coverage"]["covered"],
        "external": len(result["external"]),
    }
    (work / "alerts.json").write_text(json.dumps(row, indent=2), encoding="utf-8")
    return row


def section(work: Path) -> list[str]:
    """The report's section, from the last run's alerts.json, if there is one."""
    path = work / "alerts.json"
    if not path.is_file():
        return []
    row = json.loads(path.read_text(encoding="utf-8"))
    ratio = row["alerts"] / row["floor"]
    ok = "pass" if ratio <= MAX_RATIO else "**FAIL**"
    return [
        HEADING,
        "",
        f"`opsbook alerts` reading {row['rules']:,} alerting rules in {row['files']} rule "
        "files (Prometheus rule files, multi-document PrometheusRule resources, Grafana "
        f"provisioning files) and checking them against a {row['documents']:,}-document "
        "handbook (bench/alerts.py), against the floor of reading the same rule files and "
        "every document's frontmatter and parsing them with PyYAML's C loader. The run found "
        f"{row['errors']:,} errors and {row['warnings']:,} warnings (each with its position), "
        f"{row['covered']:,} rules linking to a runbook and {row['external']:,} links to another "
        "host. Best of the runs; memory is the peak resident set size.",
        "",
        "| Measure | `opsbook alerts` | Floor | Ratio | Target | Result | Peak (alerts / floor) |",
        "|---|---:|---:|---:|---|---|---:|",
        f"| {row['rules']:,} rules, {row['files']} files, {row['documents']:,} documents | "
        f"{row['alerts']:.2f} s | {row['floor']:.2f} s | {ratio:.2f}x | ≤ {MAX_RATIO:g}x | {ok} | "
        f"{row['alerts_mb']:.0f} MB / {row['floor_mb']:.0f} MB |",
        "",
    ]


def replace_section(report: str, work: Path) -> str:
    """A benchmarks report with this section made anew (before the memory table)."""
    return sections.replace(report, HEADING, section(work))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=BENCH / "out")
    parser.add_argument("--floor", type=Path, metavar="HANDBOOK", help="run the floor only")
    args = parser.parse_args(argv)
    if args.floor:
        return floor(args.floor)
    bench(args.work, args.repeat)
    print("\n".join(section(args.work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
