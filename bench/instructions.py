"""`make bench-instructions`: the site build against plain Material, counted in instructions.

    python bench/instructions.py [--documents 1000]

On a shared virtual machine the wall clock of one build varies by 10-20% from run to run,
as much as the margin issue 4's target leaves (opsbook's build at most 1.15x a plain Material
build). Valgrind's callgrind counts the instructions a process executes instead: the same
count for the same program and input, whatever else the machine is doing. Both builds run
under it at once (one per core, about 50x slower than natively), each from warm bytecode
caches and with a fixed hash seed. The counts go to bench/out/instructions.json, and
docs/benchmarks.md is written again with them (bench/run.py --report-only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate import generate  # noqa: E402
from run import BIN, REPO, command_env, measure, prepare_sites  # noqa: E402

TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)


def callgrind(cmd: list[str], cwd: Path, out: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**command_env(log.parent), "PYTHONHASHSEED": "0"}
    return subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
        cwd=cwd,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def count(documents: int, work: Path) -> dict[str, object]:
    """Instructions of the opsbook build and of the plain Material build of one handbook."""
    # The commit measured is the one checked out when the builds start: they import opsbook
    # from the working tree, and the run takes long enough for HEAD to move meanwhile.
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    handbook = generate(documents, work / f"handbook-{documents}")
    site_root, plain_yml = prepare_sites(handbook, work)
    builds = {
        "opsbook": [str(BIN / "mkdocs"), "build", "-q", "-d", str(work / "site-opsbook")],
        "plain": [
            str(BIN / "mkdocs"),
            *("build", "-q", "-f", str(plain_yml), "-d", str(work / "site-plain")),
        ],
    }
    for name, cmd in builds.items():  # warm the bytecode caches, uncounted
        measure(cmd, site_root, work / f"callgrind-{name}.log")
    procs = {
        name: callgrind(
            cmd, site_root, work / f"callgrind-{name}.out", work / f"callgrind-{name}.log"
        )
        for name, cmd in builds.items()
    }
    result: dict[str, object] = {
        "date": dt.date.today().isoformat(),
        "commit": commit,
        "documents": documents,
    }
    for name, proc in procs.items():
        if proc.wait() != 0:
            log = (work / f"callgrind-{name}.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"bench: the {name} build under callgrind failed:\n{log}")
        text = (work / f"callgrind-{name}.out").read_text(errors="replace")
        found = TOTALS.search(text)
        if found is None:
            raise SystemExit(f"bench: no instruction total in callgrind-{name}.out")
        result[name] = int(found.group(1))
    shutil.rmtree(site_root)
    for name in ("site-opsbook", "site-plain"):
        shutil.rmtree(work / name, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=BENCH / "out", help="scratch directory")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("bench: valgrind is missing (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    result = count(args.documents, args.work)
    (args.work / "instructions.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    opsbook, plain = result["opsbook"], result["plain"]
    assert isinstance(opsbook, int) and isinstance(plain, int)
    print(f"{args.documents:,} documents: opsbook / plain Material = {opsbook / plain:.3f}x")
    if not (args.work / "results.json").is_file():
        print(f"no timed results in {args.work} yet: `make bench` writes the report with these")
        return 0
    report = [sys.executable, str(BENCH / "run.py"), "--report-only", "--work", str(args.work)]
    return subprocess.run(report).returncode


if __name__ == "__main__":
    sys.exit(main())
