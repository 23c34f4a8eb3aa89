"""Edit to preview: seconds from saving a runbook to `make serve` serving its page changed.

    python bench/preview.py [--sizes 1000,3000,10000] [--saves 3]   (bench/run.py calls
    edit_to_preview)

For each size, a handbook from bench/generate.py with the repository's site (mkdocs.yml,
hooks/, docs/), served by a real `opsbook serve` on 127.0.0.1 (what `make serve` runs).
Once its first build is served, each save rewrites one runbook with a new title and a new line
in its body, then the page is fetched over HTTP until it shows both: the server holds every
request while it builds, so the answer comes when the page is ready. `page` is that time (the
target: at most 2 s at 10,000 documents; it includes the file watcher's polling, 0.5 s at
most); `dependents` is the time until the runbooks index lists the new title too (the
server's second pass: each generated page whose Markdown changed, the incident, service and
review pages among them). The median of the saves is kept. A browser's live reload asks
the same server for the same page, at the same moment.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import sections  # noqa: E402
from generate import TODAY, generate  # noqa: E402

STARTUP_TIMEOUT = 1800.0  # the first build of 10,000 documents takes a minute or more
SAVE_TIMEOUT = 600.0
POLL = 0.02
IDLE = 4.0  # seconds of doing nothing, to see what the watcher costs


@dataclass
class Preview:
    """One size: seconds from a save to its page (each save), and to the runbooks index."""

    documents: int
    first_build: float = 0.0
    pages: list[float] = field(default_factory=list)
    dependents: list[float] = field(default_factory=list)
    # The server's CPU seconds over the same spans: what the wall times would be on a machine
    # with nothing else to do (a busy machine stretches them, not these).
    page_cpus: list[float] = field(default_factory=list)
    dependent_cpus: list[float] = field(default_factory=list)
    # The server's CPU seconds per second with nothing saved: MkDocs' file watcher polls
    # every watched file twice a second, part of every figure above.
    idle_cpu: float = 0.0

    @property
    def page(self) -> float:
        return statistics.median(self.pages)

    @property
    def dependent(self) -> float:
        return statistics.median(self.dependents)

    @property
    def page_cpu(self) -> float:
        return statistics.median(self.page_cpus)

    @property
    def dependent_cpu(self) -> float:
        return statistics.median(self.dependent_cpus)


def _cpu(pid: int) -> float:
    """User and system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def site_copy(count: int, work: Path) -> Path:
    """A generated handbook with the repository's site configuration, hooks and docs."""
    root = generate(count, work / f"preview-{count}")
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for name in ("hooks", "docs", "overrides"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=SAVE_TIMEOUT) as response:
            body: bytes = response.read()
            return body.decode("utf-8", errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait(url: str, marker: str, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"opsbook serve exited:\n{log.read_text(errors='replace')[-3000:]}")
        body = _fetch(url)
        if body is not None and marker in body:
            return
        time.sleep(POLL)
    raise RuntimeError(f"timed out waiting for {url}:\n{log.read_text(errors='replace')[-3000:]}")


def _runbook(root: Path) -> Path:
    """A published runbook, the same one at every run."""
    for path in sorted((root / "runbooks").rglob("*.md")):
        if "status: published" in path.read_text(encoding="utf-8"):
            return path
    raise RuntimeError("no published runbook")


def measure(count: int, work: Path, saves: int = 3) -> Preview:
    """Serve a count-document handbook with `opsbook serve` and time saves."""
    root = site_copy(count, work)
    result = Preview(count)
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    log = work / f"serve-{count}.log"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        {"NO_MKDOCS_2_WARNING": "1", "OPSBOOK_TODAY": TODAY.isoformat(), "PYTHONUNBUFFERED": "1"}
    )
    runbook = _runbook(root)
    page = base + runbook.relative_to(root).with_suffix("").as_posix() + "/"
    original = runbook.read_text(encoding="utf-8")
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "opsbook", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait(page, "</html>", STARTUP_TIMEOUT, proc, log)
            result.first_build = time.perf_counter() - started
            time.sleep(1.5)
            cpu, idle = _cpu(proc.pid), time.perf_counter()
            time.sleep(IDLE)
            result.idle_cpu = (_cpu(proc.pid) - cpu) / (time.perf_counter() - idle)
            for n in range(saves):
                time.sleep(1.5)  # the watcher settles on the files as they are
                marker = f"Edited{n}x{os.getpid()}"
                text = original.replace("title: ", f"title: {marker} ", 1).replace(
                    "\n## ", f"\n{marker} in the body.\n\n## ", 1
                )
                cpu = _cpu(proc.pid)
                saved = time.perf_counter()
                runbook.write_text(text, encoding="utf-8")
                _wait(page, f"{marker} in the body.", SAVE_TIMEOUT, proc, log)
                result.pages.append(time.perf_counter() - saved)
                result.page_cpus.append(_cpu(proc.pid) - cpu)
                _wait(base + "runbooks/", marker, SAVE_TIMEOUT, proc, log)
                result.dependents.append(time.perf_counter() - saved)
                result.dependent_cpus.append(_cpu(proc.pid) - cpu)
                print(
                    f"  {count:,} documents, save {n + 1}/{saves}: page "
                    f"{result.pages[-1]:.2f} s ({result.page_cpus[-1]:.2f} s CPU), runbooks "
                    f"index {result.dependents[-1]:.2f} s ({result.dependent_cpus[-1]:.2f} s CPU)",
                    flush=True,
                )
        finally:
            runbook.write_text(original, encoding="utf-8")
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    shutil.rmtree(root, ignore_errors=True)
    return result


def edit_to_preview(
    sizes: Sequence[int], work: Path = BENCH / "out" / "preview", saves: int = 3
) -> dict[int, Preview]:
    """For each size, the seconds from saving a runbook to `opsbook serve` serving its
    page changed (Preview.page, the median of the saves) and to the runbooks index showing
    it (Preview.dependent)."""
    work.mkdir(parents=True, exist_ok=True)
    return {count: measure(count, work, saves) for count in sizes}


SIZES = (1000, 3000, 10000)
HEADING = "## Edit to preview"
TARGET_SECONDS = 2.0


def bench(work: Path, sizes: Sequence[int] = SIZES, saves: int = 3) -> dict[int, Preview]:
    """Measure every size; the figures are kept in work/preview.json for `section`."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "preview.json"
    rows: dict[str, dict[str, float]] = (
        json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    )
    results = edit_to_preview(sizes, work / "preview", saves)
    for count, r in results.items():
        rows[str(count)] = {
            "first_build": r.first_build,
            "page": r.page,
            "page_cpu": r.page_cpu,
            "dependent": r.dependent,
            "dependent_cpu": r.dependent_cpu,
            "idle_cpu": r.idle_cpu,
            "saves": len(r.pages),
        }
        path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return results


def section(work: Path) -> list[str]:
    """The report's section, from the last run's preview.json, if there is one."""
    path = work / "preview.json"
    if not path.is_file():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    lines = [
        HEADING,
        "",
        "bench/preview.py: a handbook from bench/generate.py with the sample's mkdocs.yml, "
        "served by a real `opsbook serve` (what `make serve` runs) on 127.0.0.1. Each save "
        "rewrites one runbook's title and body; *page* is the time from the save until the "
        "server answers that runbook's page with the change (the median of the saves; it "
        "includes MkDocs' watcher delay), *dependents* until the runbooks index lists the new "
        "title too (the server's second pass over the generated pages). Server CPU seconds "
        f"beside them. Target at 10,000 documents: page ≤ {TARGET_SECONDS:g} s.",
        "",
        "| Documents | First build | Save to its page (server CPU) "
        "| Save to the runbooks index (server CPU) | Watcher, idle |",
        "|---:|---:|---:|---:|---:|",
    ]
    note = rows.pop("note", None)
    for count in sorted(rows, key=int):
        r = rows[count]
        lines.append(
            f"| {int(count):,} | {r['first_build']:.1f} s | {r['page']:.2f} s "
            f"({r['page_cpu']:.2f} s) | {r['dependent']:.2f} s ({r['dependent_cpu']:.2f} s) "
            f"| {r['idle_cpu']:.2f} CPU s/s |"
        )
    return [*lines, "", *([note, ""] if isinstance(note, str) else [])]


def replace_section(report: str, work: Path) -> str:
    """A benchmarks report with this section made anew (before the memory table)."""
    return sections.replace(report, HEADING, section(work))


def table(results: dict[int, Preview]) -> list[str]:
    lines = [
        "| Documents | First build | Save to its page (server CPU) "
        "| Save to the runbooks index (server CPU) | Watcher, idle |",
        "|---:|---:|---:|---:|---:|",
    ]
    for count, r in results.items():
        lines.append(
            f"| {count:,} | {r.first_build:.1f} s | {r.page:.2f} s ({r.page_cpu:.2f} s) "
            f"| {r.dependent:.2f} s ({r.dependent_cpu:.2f} s) | {r.idle_cpu:.2f} CPU s/s |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--saves", type=int, default=3, help="saves per size (median kept)")
    parser.add_argument("--work", type=Path, default=BENCH / "out" / "preview")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    results = edit_to_preview(sizes, args.work, args.saves)
    print("\n".join(table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
