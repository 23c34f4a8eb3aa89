"""`make bench`: opsbook's lint and site build against their floors, written to docs/benchmarks.md.

    python bench/run.py [--sizes 1000,3000,5000,10000] [--repeat 5] [--no-site] [--report-only]
    python bench/run.py --trees-only | --alerts-only | --insights-only | --incident-only
    python bench/run.py --preview-only

The default sizes are issue 6's 1,000, 5,000 and 10,000 documents and issue 4's 3,000 (2,000
runbooks and 1,000 postmortems). For each size, one generated handbook (bench/generate.py)
and, each as a subprocess, best of --repeat runs (time) and the peak resident set size
(memory, from wait4):

(a) `opsbook lint` against the floor of reading the files and parsing their frontmatter with
    PyYAML's C loader (bench/floor.py; target: lint at most 2x), and against check-jsonschema
    validating the same frontmatters, extracted to YAML files beforehand, with our schemas (one
    CLI call per schema over all its files; target: lint at least 3x faster);
(b) `mkdocs build` with opsbook (the repository's mkdocs.yml, hooks/ and docs/) against a plain
    Material build of the same Markdown (same theme, extensions and search, the documents copied
    into docs_dir and kept out of the nav; target: at most 1.15x), and the site's bytes per
    document (target: within 20% from the smallest size to the largest).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import alerts as alert_rules  # noqa: E402  (bench/alerts.py, not opsbook.alerts)
import incident_time  # noqa: E402
import insights as insights_bench  # noqa: E402
import preview as preview_bench  # noqa: E402  (bench/preview.py)
import trees  # noqa: E402
from floor import frontmatter  # noqa: E402
from generate import TODAY, generate  # noqa: E402

BIN = Path(sys.executable).parent
SCHEMAS = REPO / "src" / "opsbook" / "schemas"
TIMEOUT = 3600.0
QUIET_ENV = {"NO_MKDOCS_2_WARNING": "1", "OPSBOOK_TODAY": TODAY.isoformat()}

LINT_FLOOR_MAX = 2.0
JSONSCHEMA_MIN_SPEEDUP = 3.0
BUILD_MAX = 1.15
BYTES_SPREAD = 0.20


Command = list[str | Path]


class CommandFailed(RuntimeError):
    pass


@dataclass
class Timing:
    """Best wall and CPU (user + system) times over the runs, and the highest peak RSS seen."""

    seconds: float = float("inf")
    cpu_seconds: float = float("inf")
    peak_mb: float = 0.0

    def add(self, seconds: float, cpu_seconds: float, peak_mb: float) -> None:
        self.seconds = min(self.seconds, seconds)
        self.cpu_seconds = min(self.cpu_seconds, cpu_seconds)
        self.peak_mb = max(self.peak_mb, peak_mb)


@dataclass
class SizeResult:
    documents: int
    lint: Timing = field(default_factory=Timing)
    floor: Timing = field(default_factory=Timing)
    jsonschema: Timing = field(default_factory=Timing)
    build: Timing | None = None
    plain: Timing | None = None
    site_bytes: int = 0
    plain_bytes: int = 0
    # Each run's opsbook build time over the plain build time measured next to it: a slow
    # spell of the machine then weighs on both sides of a ratio, not on one side's best.
    pair_ratios: list[float] = field(default_factory=list)


def command_env(work: Path) -> dict[str, str]:
    """The environment of measured commands: quiet, dated, and with bytecode caching on.

    An installed package runs from cached bytecode; PYTHONDONTWRITEBYTECODE (set in some
    containers) would make every run recompile opsbook's modules, so the caches go to work/.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **QUIET_ENV, "PYTHONPYCACHEPREFIX": str(work / "pycache")}


def measure(
    cmd: Sequence[str | Path], cwd: Path, log: Path, ok: Sequence[int] = ()
) -> tuple[float, float, float]:
    """Run cmd as a subprocess: (wall seconds, CPU seconds, peak RSS in MB). Raises on failure.

    ok: exit codes besides 0 that are not a failure (lint of a broken handbook exits 1).
    """
    env = command_env(log.parent)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timer = threading.Timer(TIMEOUT, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 and proc.returncode not in ok:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise CommandFailed(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def measure_all(
    cmds: Sequence[Sequence[str | Path]], cwd: Path, log: Path
) -> tuple[float, float, float]:
    """Several commands as one measure: total times, highest peak."""
    total, total_cpu, peak = 0.0, 0.0, 0.0
    for cmd in cmds:
        seconds, cpu, mb = measure(cmd, cwd, log)
        total += seconds
        total_cpu += cpu
        peak = max(peak, mb)
    return total, total_cpu, peak


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- setup (not timed) --------------------------------------------------------------------------


def extract_frontmatters(handbook: Path, out: Path) -> dict[str, list[Path]]:
    """Each document's frontmatter as its own YAML file, per schema kind."""
    if out.exists():
        shutil.rmtree(out)
    files: dict[str, list[Path]] = {"runbook": [], "postmortem": []}
    for kind, top in (("runbook", "runbooks"), ("postmortem", "postmortems")):
        (out / top).mkdir(parents=True)
        for i, path in enumerate(sorted((handbook / top).rglob("*.md"))):
            dest = out / top / f"{i:05d}.yaml"
            dest.write_text(frontmatter(path.read_text(encoding="utf-8")), encoding="utf-8")
            files[kind].append(dest)
    return files


class _AnyTagLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!!python/name:` and `!ENV` tags we only need to skip over."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def site_ready() -> bool:
    return (REPO / "mkdocs.yml").is_file() and (REPO / "hooks" / "opsbook.py").is_file()


def search_plugin(config: dict[str, Any]) -> Any:
    """The search plugin's entry of the repository's mkdocs.yml, to give the plain build."""
    for entry in config.get("plugins") or []:
        if entry == "search":
            return "search"
        if isinstance(entry, dict) and "search" in entry:
            return {"search": entry["search"]}
    return "search"


def prepare_sites(handbook: Path, work: Path) -> tuple[Path, Path]:
    """Two build directories: the opsbook site, and the same Markdown as a plain Material site."""
    site_root = work / "site-handbook"
    if site_root.exists():
        shutil.rmtree(site_root)
    shutil.copytree(handbook, site_root)
    shutil.copy2(REPO / "mkdocs.yml", site_root / "mkdocs.yml")
    for name in ("hooks", "docs", "overrides"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site_root / name)
    plain_docs = site_root / "plain-docs"
    shutil.copytree(site_root / "docs", plain_docs)
    for top in ("runbooks", "postmortems"):
        shutil.copytree(handbook / top, plain_docs / top)
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    plain = {
        "INHERIT": "mkdocs.yml",
        "docs_dir": "plain-docs",
        "hooks": [],
        "plugins": [search_plugin(config)],
        "nav": sorted(
            sorted(p.name for p in plain_docs.glob("*.md")), key=lambda n: n != "index.md"
        ),
        "not_in_nav": "/runbooks/\n/postmortems/\n",
        "validation": {"nav": {"not_found": "info"}, "links": {"not_found": "info"}},
    }
    plain_yml = site_root / "mkdocs.plain.yml"
    plain_yml.write_text(yaml.safe_dump(plain, sort_keys=False), encoding="utf-8")
    return site_root, plain_yml


# --- the run ------------------------------------------------------------------------------------


def bench_size(count: int, repeat: int, work: Path, with_site: bool) -> SizeResult:
    result = SizeResult(count)
    handbook = generate(count, work / f"handbook-{count}")
    schema_files = extract_frontmatters(handbook, work / f"frontmatters-{count}")
    log = work / "last-command.log"
    lint: Command = [BIN / "opsbook", "lint", "--root", handbook, "--today", TODAY.isoformat()]
    floor: Command = [sys.executable, BENCH / "floor.py", handbook]
    jsonschema: list[Command] = [
        [BIN / "check-jsonschema", "--schemafile", SCHEMAS / f"{kind}.schema.json", *files]
        for kind, files in schema_files.items()
    ]
    site_root: Path | None = None
    plain_yml: Path | None = None
    if with_site:
        site_root, plain_yml = prepare_sites(handbook, work)
        result.build, result.plain = Timing(), Timing()
    # Warm the file cache and the bytecode caches once, untimed.
    measure(floor, handbook, log)
    measure(lint, handbook, log)
    for run in range(repeat):
        print(f"  {count:,} documents, run {run + 1}/{repeat}", flush=True)
        result.floor.add(*measure(floor, handbook, log))
        result.lint.add(*measure(lint, handbook, log))
        result.jsonschema.add(*measure_all(jsonschema, handbook, log))
        if site_root is not None and plain_yml is not None:
            assert result.build is not None and result.plain is not None
            site, plain_site = work / "site-opsbook", work / "site-plain"
            builds: list[tuple[Timing, Command]] = [
                (result.plain, [BIN / "mkdocs", "build", "-f", plain_yml, "-d", plain_site]),
                (result.build, [BIN / "mkdocs", "build", "-d", site]),
            ]
            # Each build goes first in every other run, so that a machine slowing down or
            # speeding up during a pair does not always favour the same side.
            seconds: dict[int, float] = {}
            for timing, cmd in builds if run % 2 == 0 else builds[::-1]:
                measured = measure(cmd, site_root, log)
                timing.add(*measured)
                seconds[id(timing)] = measured[0]
            result.pair_ratios.append(seconds[id(result.build)] / seconds[id(result.plain)])
            result.site_bytes, result.plain_bytes = tree_bytes(site), tree_bytes(plain_site)
    if site_root is not None:
        shutil.rmtree(site_root)
        for name in ("site-opsbook", "site-plain"):
            shutil.rmtree(work / name, ignore_errors=True)
    shutil.rmtree(work / f"frontmatters-{count}")
    return result


# --- the report ---------------------------------------------------------------------------------


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "Memory": memory,
        "OS": platform.platform(terse=True),
        "Python": platform.python_version(),
        "opsbook": version("opsbook"),
        "MkDocs": version("mkdocs"),
        "Material for MkDocs": version("mkdocs-material"),
        "mkdocs-macros-plugin": version("mkdocs-macros-plugin"),
        "jsonschema": version("jsonschema"),
        "jsonschema-rs": version("jsonschema-rs"),
        "PyYAML": version("PyYAML"),
        "check-jsonschema": version("check-jsonschema"),
    }


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def secs(value: float) -> str:
    return f"{value:.2f} s"


def results_table(results: list[SizeResult]) -> list[str]:
    rows = [
        "| Documents | Measure | opsbook | Reference | Ratio | Target | Result |",
        "|---:|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        n = f"{r.documents:,}"
        ratio = r.lint.seconds / r.floor.seconds
        rows.append(
            f"| {n} | `opsbook lint` vs reading the files + PyYAML C loader | "
            f"{secs(r.lint.seconds)} | {secs(r.floor.seconds)} | {ratio:.2f}x | "
            f"≤ {LINT_FLOOR_MAX:g}x | {verdict(ratio <= LINT_FLOOR_MAX)} |"
        )
        speedup = r.jsonschema.seconds / r.lint.seconds
        rows.append(
            f"| {n} | `opsbook lint` vs check-jsonschema (same frontmatters, our schemas) | "
            f"{secs(r.lint.seconds)} | {secs(r.jsonschema.seconds)} | {speedup:.1f}x faster | "
            f"≥ {JSONSCHEMA_MIN_SPEEDUP:g}x faster | {verdict(speedup >= JSONSCHEMA_MIN_SPEEDUP)} |"
        )
        if r.build is not None and r.plain is not None:
            ratio = r.build.seconds / r.plain.seconds
            rows.append(
                f"| {n} | `mkdocs build` with opsbook vs plain Material, same Markdown | "
                f"{secs(r.build.seconds)} | {secs(r.plain.seconds)} | {ratio:.2f}x | "
                f"≤ {BUILD_MAX:g}x | {verdict(ratio <= BUILD_MAX)} |"
            )
            if r.pair_ratios:
                ratios = sorted(r.pair_ratios)
                rows.append(
                    f"| {n} | the same builds, run by run: median of each run's ratio "
                    f"({len(ratios)} runs; lowest, highest) | | | "
                    f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}x, {ratios[-1]:.2f}x) | | |"
                )
            cpu_ratio = r.build.cpu_seconds / r.plain.cpu_seconds
            rows.append(
                f"| {n} | the same builds' CPU time (user + system) | "
                f"{secs(r.build.cpu_seconds)} | {secs(r.plain.cpu_seconds)} | "
                f"{cpu_ratio:.2f}x | | |"
            )
            rows.append(
                f"| {n} | site bytes per document (opsbook / plain) | "
                f"{r.site_bytes / r.documents / 1024:.1f} KiB | "
                f"{r.plain_bytes / r.documents / 1024:.1f} KiB | "
                f"{r.site_bytes / r.plain_bytes:.2f}x | | |"
            )
    built = [r for r in results if r.build is not None and r.site_bytes]
    if len(built) >= 2:
        small, large = built[0], built[-1]
        per_small = small.site_bytes / small.documents
        per_large = large.site_bytes / large.documents
        change = per_large / per_small - 1
        rows.append(
            f"| {small.documents:,} → {large.documents:,} | site bytes per document, opsbook | "
            f"{per_large / 1024:.1f} KiB | {per_small / 1024:.1f} KiB | {change:+.1%} | "
            f"within ±{BYTES_SPREAD:.0%} | {verdict(abs(change) <= BYTES_SPREAD)} |"
        )
    return rows


MEMORY_NOTE = (
    "Each figure is the peak resident set size Linux reports for the measured command "
    "(`wait4`: the largest of its process and the processes it waited for). It cannot be "
    "lower than the size of bench/run.py's own process when it started the command (a child"
    " counts the memory it had before it became the measured program), and that size grows "
    "as the run goes on: figures equal to one another at the smaller sizes are that size, "
    "not the commands'. The opsbook build's figure is the largest of MkDocs' process and "
    "Pagefind's service, which holds the index while it writes its bundle."
)


def memory_table(results: list[SizeResult]) -> list[str]:
    site = any(r.build is not None for r in results)
    head = "| Documents | `opsbook lint` | floor | check-jsonschema |"
    rule = "|---:|---:|---:|---:|"
    if site:
        head += " `mkdocs build` with opsbook | plain Material build |"
        rule += "---:|---:|"
    rows = [head, rule]
    for r in results:
        row = (
            f"| {r.documents:,} | {r.lint.peak_mb:.0f} MB | {r.floor.peak_mb:.0f} MB | "
            f"{r.jsonschema.peak_mb:.0f} MB |"
        )
        if site:
            build = f"{r.build.peak_mb:.0f} MB" if r.build else "not measured"
            plain = f"{r.plain.peak_mb:.0f} MB" if r.plain else "not measured"
            row += f" {build} | {plain} |"
        rows.append(row)
    return rows


def instructions_section(work: Path) -> list[str]:
    """The instruction counts of bench/instructions.py, if it was run."""
    path = work / "instructions.json"
    if not path.is_file():
        return []
    counts = json.loads(path.read_text(encoding="utf-8"))
    ratio = counts["opsbook"] / counts["plain"]
    return [
        "## Instructions",
        "",
        "The wall clock above varies by 10-20% from run to run on this shared machine, as much "
        "as the build target's margin. `make bench-instructions` (bench/instructions.py) counts "
        "the instructions each build executes under valgrind's callgrind instead: the same "
        "count for the same program and input whatever else the machine is doing. Measured on "
        f"{counts['date']} at commit {counts['commit']}, both builds at once, warm bytecode "
        "caches, PYTHONHASHSEED=0.",
        "",
        "| Documents | Measure | opsbook | Reference | Ratio | Target | Result |",
        "|---:|---|---:|---:|---:|---|---|",
        f"| {counts['documents']:,} | `mkdocs build` with opsbook vs plain Material, "
        f"instructions | {counts['opsbook'] / 1e9:.2f} G | {counts['plain'] / 1e9:.2f} G | "
        f"{ratio:.3f}x | ≤ {BUILD_MAX:g}x | {verdict(ratio <= BUILD_MAX)} |",
        "",
    ]


def report(
    results: list[SizeResult], repeat: int, site_note: str, measured: str, work: Path
) -> str:
    info = machine()
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (bench/run.py) on {measured}. Handbooks are "
        "generated by bench/generate.py: about 2/3 runbooks and 1/3 postmortems, valid, over ~40 "
        f"services. Every command runs as its own process; each time is the best of {repeat} "
        "runs, each memory figure the highest peak resident set size seen.",
        "",
        "| Machine and versions | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in info.items()),
        "",
        "## Time",
        "",
        "- **Floor**: reading every file and parsing its frontmatter with PyYAML's C loader "
        "(bench/floor.py): no linter can do less.",
        "- **check-jsonschema**: the same frontmatters extracted to YAML files beforehand (not "
        "timed), validated with opsbook's schemas, one CLI call per schema.",
        "- **Plain Material**: the same Markdown copied into docs_dir, out of the nav, with the "
        "same theme, Markdown extensions and search plugin, without opsbook's hooks.",
        "- Times are wall-clock, as a user waits; the CPU time of the builds is shown too because "
        "on a shared virtual machine the wall clock of the same build varies by 10-20% from run "
        "to run. The measures of one size alternate (floor, lint, check-jsonschema, the two "
        "builds, then again), and the two builds swap order from one run to the next, so a "
        "slow spell does not fall on one side only. The opsbook build's CPU time includes "
        "Pagefind's service, which indexes the pages in its own process on the second core while "
        "MkDocs works on the first (opsbook.pagefind_articles).",
        "",
        *results_table(results),
        "",
    ]
    if site_note:
        lines += [site_note, ""]
    lines += instructions_section(work)
    lines += trees.section(work)
    lines += alert_rules.section(work)
    lines += insights_bench.section(work)
    lines += incident_time.section(work)
    lines += preview_bench.section(work)
    lines += ["## Peak memory", "", *memory_table(results), "", MEMORY_NOTE, ""]
    return "\n".join(lines)


def saved_results(work: Path) -> tuple[list[SizeResult], int, str]:
    """The results of the last full run (work/results.json): sizes, repeat, date."""
    path = work / "results.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    results = []
    for raw in saved["results"]:
        timings = {
            k: Timing(**raw[k]) if raw[k] is not None else None
            for k in ("lint", "floor", "jsonschema", "build", "plain")
        }
        results.append(
            SizeResult(
                raw["documents"],
                **timings,  # type: ignore[arg-type]
                site_bytes=raw["site_bytes"],
                plain_bytes=raw["plain_bytes"],
                pair_ratios=raw.get("pair_ratios", []),
            )
        )
    return results, saved["repeat"], saved["date"]


# What `--reuse` may leave out of a run: each keeps its results in the work folder.
REUSABLE = ("trees", "alerts", "insights")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,3000,5000,10000",
        help="comma-separated document counts (default: 1000,3000,5000,10000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure (best is kept)")
    parser.add_argument("--no-site", action="store_true", help="skip the MkDocs builds")
    parser.add_argument("--work", type=Path, default=BENCH / "out", help="scratch directory")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="write the report again from the last run's results (and instruction counts)",
    )
    parser.add_argument(
        "--trees-only",
        action="store_true",
        help="measure only the huge decision trees (bench/trees.py), then write the report "
        "from the last full run's results",
    )
    parser.add_argument(
        "--alerts-only",
        action="store_true",
        help="measure only the alert rules against the handbook (bench/alerts.py), then "
        "update that section of the report",
    )
    parser.add_argument(
        "--insights-only",
        action="store_true",
        help="measure only the /insights/ page at 10,000 documents (bench/insights.py), then "
        "update its section of the report",
    )
    parser.add_argument(
        "--incident-only",
        action="store_true",
        help="measure only the first search result and the incident page at 1,000, 3,000 and "
        "10,000 documents (bench/incident_time.py), then update its section of the report",
    )
    parser.add_argument(
        "--preview-only",
        action="store_true",
        help="measure only edit to preview (a save in opsbook serve, bench/preview.py) at "
        "1,000, 3,000 and 10,000 documents, then update its section of the report",
    )
    parser.add_argument(
        "--reuse",
        default="",
        help="comma-separated parts not to measure again (trees, alerts, insights): their "
        "sections keep the last run's figures, and the report says so",
    )
    args = parser.parse_args(argv)
    reuse = {part.strip() for part in args.reuse.split(",") if part.strip()}
    unknown = reuse - set(REUSABLE)
    if unknown:
        parser.error(
            f"--reuse: unknown parts {', '.join(sorted(unknown))} (of {', '.join(REUSABLE)})"
        )
    if args.preview_only:
        preview_bench.bench(args.work)
        old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        args.out.write_text(preview_bench.replace_section(old, args.work), encoding="utf-8")
        return 0
    if args.incident_only:
        incident_time.bench(args.work)
        old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        args.out.write_text(incident_time.replace_section(old, args.work), encoding="utf-8")
        return 0
    if args.alerts_only:
        alert_rules.bench(args.work, args.repeat)
        old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        args.out.write_text(alert_rules.replace_section(old, args.work), encoding="utf-8")
        return 0
    if args.insights_only:
        insights_bench.bench(args.work, args.repeat, report=args.out)
        old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        args.out.write_text(insights_bench.replace_section(old, args.work), encoding="utf-8")
        return 0
    if args.trees_only:
        trees.bench(args.work, args.repeat)
        old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        args.out.write_text(trees.replace_section(old, args.work), encoding="utf-8")
        return 0
    if args.report_only:
        saved, repeat, measured = saved_results(args.work)
        args.out.write_text(report(saved, repeat, "", measured, args.work), encoding="utf-8")
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    with_site = not args.no_site and site_ready()
    site_note = ""
    if not with_site:
        site_note = "The site builds were not measured: " + (
            "--no-site was given." if args.no_site else "mkdocs.yml or hooks/opsbook.py is missing."
        )
    results: list[SizeResult] = []
    if reuse:
        site_note = (site_note + " " if site_note else "") + (
            f"This run did not measure {', '.join(sorted(reuse))} again (`--reuse`): those "
            "sections show the figures of the previous run, on the same machine."
        )
    try:
        if "trees" not in reuse:
            trees.bench(args.work, args.repeat)
        if "alerts" not in reuse:
            alert_rules.bench(args.work, args.repeat)
        for count in sizes:
            results.append(bench_size(count, args.repeat, args.work, with_site))
            print("\n".join(results_table(results[-1:])[2:]), flush=True)
    except CommandFailed as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    measured = dt.date.today().isoformat()
    given = " ".join(sys.argv[1:] if argv is None else argv)
    site_note = (site_note + " " if site_note else "") + (
        f"This run: `python bench/run.py {given}`." if given else "This run: `make bench`."
    )
    text = report(results, args.repeat, site_note, measured, args.work)
    args.out.write_text(text, encoding="utf-8")
    # The page's share of the 10,000-document build just written to the report.
    if "insights" not in reuse:
        insights_bench.bench(args.work, args.repeat, report=args.out)
    args.out.write_text(
        insights_bench.replace_section(args.out.read_text(encoding="utf-8"), args.work),
        encoding="utf-8",
    )
    # Search and the incident page in a browser, on the sizes of issue 19 among those run.
    incident_time.bench(args.work, [n for n in sizes if n in incident_time.SIZES])
    args.out.write_text(
        incident_time.replace_section(args.out.read_text(encoding="utf-8"), args.work),
        encoding="utf-8",
    )
    # Edit to preview in a real opsbook serve, on the sizes of issue 19 among those run.
    preview_bench.bench(args.work, [n for n in sizes if n in preview_bench.SIZES])
    args.out.write_text(
        preview_bench.replace_section(args.out.read_text(encoding="utf-8"), args.work),
        encoding="utf-8",
    )
    record = {"repeat": args.repeat, "date": measured, "results": [asdict(r) for r in results]}
    (args.work / "results.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
