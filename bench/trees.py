"""Lint of a policy whose decision trees are huge and broken, against reading and parsing it.

    python bench/trees.py [--repeat 5]      (also run by `make bench`)

Two handbooks with no documents: one decision tree of 10,000 question nodes, each with one
answer to a node that does not exist (10,000 tree-unknown-node errors and a loop), and one of
30,000 nodes of which all but the start are unreachable. `opsbook lint` (it exits 1: the
defects are the point) against the floor, PyYAML's C loader parsing the same policy.yml. Lint
once took 28 s and 5.3 GB for the first and printed 1.38 GB; linear work keeps both near it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import sections  # noqa: E402
from generate import TODAY  # noqa: E402

HEADING = "## Huge, broken decision trees"

POLICY_HEAD = """\
severities:
  - {id: P1, name: Critical, definition: Down for everyone}
channels:
  - {id: chat, name: "#incidents"}
communication:
  P1:
    chat: {when: Immediately, every: 10 min}
roles:
  - {id: ic, name: Incident Commander, duties: [Coordinates the response]}
review:
  default_days: 90
decision_trees:
  - id: big
    title: A very large tree
    start: n0
    nodes:
"""

UNKNOWN_NODES = 10_000
UNREACHABLE_NODES = 30_000
LINT_FLOOR_MAX = 2.0


def unknown_targets(count: int = UNKNOWN_NODES) -> str:
    """Each node's 'yes' goes nowhere; 'no' goes on (the last back to the start: a loop)."""
    nodes = [
        f"      n{i}:\n        question: Q{i}?\n        yes: missing{i}\n"
        f"        no: n{(i + 1) % count}\n"
        for i in range(count)
    ]
    return POLICY_HEAD + "".join(nodes)


def unreachable(count: int = UNREACHABLE_NODES) -> str:
    nodes = ["      n0: {outcome: Done}\n"]
    nodes += [f"      n{i}: {{outcome: Outcome {i}}}\n" for i in range(1, count)]
    return POLICY_HEAD + "".join(nodes)


CASES = {
    f"{UNKNOWN_NODES:,} nodes, each answer to an unknown node": unknown_targets,
    f"{UNREACHABLE_NODES:,} nodes, all but the start unreachable": unreachable,
}


def write_handbooks(work: Path) -> dict[str, Path]:
    roots = {}
    for i, (name, make) in enumerate(CASES.items()):
        root = work / f"tree-{i}"
        (root / "runbooks").mkdir(parents=True, exist_ok=True)
        (root / "policy.yml").write_text(make(), encoding="utf-8")
        roots[name] = root
    return roots


def bench(work: Path, repeat: int) -> list[dict[str, object]]:
    """Best-of-repeat times and peaks of lint and the floor, per case; saved to trees.json."""
    from run import BIN, measure

    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    for name, root in write_handbooks(work).items():
        log = work / "trees.log"
        lint_cmd: list[str | Path] = [BIN / "opsbook", "lint", "--today", TODAY.isoformat()]
        floor_cmd: list[str | Path] = [sys.executable, BENCH / "floor.py", root]
        lint = min(measure(lint_cmd, root, log, ok=(1,)) for _ in range(repeat))
        floor = min(measure(floor_cmd, root, log) for _ in range(repeat))
        with (work / "trees-out.txt").open("wb") as out:
            subprocess.run([str(c) for c in lint_cmd], cwd=root, stdout=out, check=False)
        printed = (work / "trees-out.txt").stat().st_size
        rows.append(
            {
                "case": name,
                "lint": lint[0],
                "lint_mb": lint[2],
                "floor": floor[0],
                "floor_mb": floor[2],
                "printed": printed,
            }
        )
    (work / "trees.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return rows


def section(work: Path) -> list[str]:
    """The report's section, from the last run's trees.json, if there is one."""
    path = work / "trees.json"
    if not path.is_file():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    lines = [
        HEADING,
        "",
        "`opsbook lint` of a policy.yml holding one huge decision tree full of defects "
        "(bench/trees.py), against the floor of parsing the same policy.yml with PyYAML's C "
        "loader. Best of the runs; memory is the peak resident set size. The first case once "
        "took 28 s and 5.3 GB, and printed 1.38 GB.",
        "",
        "| Tree | `opsbook lint` | Floor | Ratio | Target | Result | Lint peak | Printed |",
        "|---|---:|---:|---:|---|---|---:|---:|",
    ]
    for row in rows:
        ratio = row["lint"] / row["floor"]
        ok = "pass" if ratio <= LINT_FLOOR_MAX else "FAIL"
        lines.append(
            f"| {row['case']} | {row['lint']:.2f} s | {row['floor']:.2f} s | {ratio:.2f}x | "
            f"≤ {LINT_FLOOR_MAX:g}x | {ok} | {row['lint_mb']:.0f} MB | "
            f"{row['printed'] / 1e6:.1f} MB |"
        )
    return [*lines, ""]


def replace_section(report: str, work: Path) -> str:
    """A benchmarks report with this section made anew (before the memory table)."""
    return sections.replace(report, HEADING, section(work))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=BENCH / "out")
    args = parser.parse_args(argv)
    bench(args.work, args.repeat)
    print("\n".join(section(args.work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
