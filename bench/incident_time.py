"""Incident time: bytes and time to the first search result, and the incident page's weight.

    python bench/incident_time.py [SIZES...] [--work bench/out] [--out docs/benchmarks.md]

For each size, a handbook from bench/generate.py is built with the sample's mkdocs.yml twice:
as opsbook builds it (its search: Material's search box answered from Pagefind), and with
OPSBOOK_SEARCH=material (Material's own search, an anchor). Each site is served from
127.0.0.1 and opened in Chromium (Playwright, Debian's /usr/bin/chromium) with a cold cache,
unshaped and shaped by the DevTools protocol (Network.emulateNetworkConditions: 4 Mbit/s,
150 ms latency). Once the page has loaded, the query is typed into the search box; measured:
the time from its first key to the first result for the whole query shown, and the bytes of
every search request (the index, the worker, Pagefind's files) until then. The second anchor
is Pagefind's default UI (pagefind-ui.js) on a page added to opsbook's built site.

bench/run.py calls `bench` and `section`; `replace_section` updates docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO / "src")]

import sections  # noqa: E402
from generate import generate  # noqa: E402

SIZES = (1000, 3000, 10000)
HEADING = "## Incident time: the first search result"
# A symptom as an on-call engineer types it: words on many runbooks (the hardest case for an
# index that loads what a query needs) and in the title of some.
QUERY = "replication lag"
SHAPED = {"latency": 150, "mbit": 4.0}
TARGET_SECONDS = 2.0
TARGET_KIB = 300
RESULT_TIMEOUT_S = 300.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
# What a search costs: Material's index and worker, opsbook's worker, Pagefind's bundle.
SEARCH_PATHS = (
    "/search/",
    "/pagefind/",
    "/assets/search-worker.js",
    "/assets/javascripts/workers/",
)

PAGEFIND_UI_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind default UI</title>
<link href="../pagefind/pagefind-ui.css" rel="stylesheet">
<script src="../pagefind/pagefind-ui.js"></script></head>
<body><div id="search"></div>
<script>window.addEventListener("DOMContentLoaded", () => {
  new PagefindUI({ element: "#search", showSubResults: true });
});</script></body></html>
"""

# Per variant: the page to open, the search box, and a check that the whole query's results
# are shown (not those of a prefix typed on the way).
VARIANTS: dict[str, dict[str, str]] = {
    "opsbook (Pagefind in Material's box)": {
        "site": "pagefind",
        "path": "",
        "open": "label.md-search__icon, .md-search__input",
        "box": "input.md-search__input",
        "done": "q => [...document.querySelectorAll('.md-search-result__item a')]"
        ".some(a => new URL(a.href).searchParams.get('h') === q.toLowerCase())",
    },
    "Pagefind default UI (anchor)": {
        "site": "pagefind",
        "path": "pagefind-default/",
        "open": "",
        "box": ".pagefind-ui__search-input",
        "done": "q => !!document.querySelector('.pagefind-ui__result') && "
        "(document.querySelector('.pagefind-ui__message') || {}).textContent?.includes(q)",
    },
    "Material's search (anchor)": {
        "site": "material",
        "path": "",
        "open": "label.md-search__icon, .md-search__input",
        "box": "input.md-search__input",
        "done": "q => [...document.querySelectorAll('.md-search-result__item a')]"
        ".some(a => new URL(a.href).searchParams.get('h') === q.toLowerCase())",
    },
}


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"NO_MKDOCS_2_WARNING": "1", "OPSBOOK_TODAY": "2026-09-15"})
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def build_sites(count: int, work: Path, reuse: bool = False) -> dict[str, Path]:
    """The handbook of count documents built as opsbook builds it and with Material's search.

    reuse: keep sites built by an earlier run, with the search worker of this checkout copied
    in as a build does (for measuring a change to the worker alone).
    """
    from run import prepare_sites

    base = work / f"incident-{count}"
    kept = {name: base / f"site-{name}" for name in ("pagefind", "material")}
    if reuse and all((site / "index.html").is_file() for site in kept.values()):
        shutil.copy2(
            REPO / "src" / "opsbook" / "assets" / "search-worker.js", kept["pagefind"] / "assets"
        )
        return kept
    handbook = generate(count, base / "handbook")
    root, _plain = prepare_sites(handbook, base)
    sites: dict[str, Path] = {}
    for name, extra in (("pagefind", {}), ("material", {"OPSBOOK_SEARCH": "material"})):
        site = base / f"site-{name}"
        if site.exists():
            shutil.rmtree(site)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", str(site)],
            cwd=root,
            env=_env(extra),
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"mkdocs build ({name}) failed:\n{proc.stderr[-3000:]}")
        print(f"  built {count} ({name}) in {time.perf_counter() - start:.1f} s", flush=True)
        sites[name] = site
    page = sites["pagefind"] / "pagefind-default" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(PAGEFIND_UI_PAGE, encoding="utf-8")
    return sites


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(site: Path) -> Generator[str, None, None]:
    """Serve site on a free port of 127.0.0.1 (as tests/browser.py does): yields its URL."""
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def measure_query(browser: Any, url: str, variant: dict[str, str], shaped: bool) -> dict[str, Any]:
    """One cold-cache run of the query: seconds to the first result, search bytes, requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if shaped:
        rate = SHAPED["mbit"] * 1e6 / 8
        conditions = {
            "offline": False,
            "latency": SHAPED["latency"],
            "downloadThroughput": rate,
            "uploadThroughput": rate,
        }
        cdp.send("Network.emulateNetworkConditions", conditions)
    urls: dict[str, str] = {}
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e.get("encodedDataLength", 0)),
    )
    # Requests of workers (opsbook's and Material's fetch their files there) as Playwright sees
    # them, in case the page's session does not report them.
    worker_bytes: dict[str, int] = {}

    def on_response(response: Any) -> None:
        try:
            sizes_ = response.request.sizes()
        except Exception:
            return
        worker_bytes[response.url + f"#{len(worker_bytes)}"] = int(
            sizes_["responseBodySize"] + sizes_["responseHeadersSize"]
        )

    page.on("response", on_response)
    page.set_default_timeout(RESULT_TIMEOUT_S * 1000)
    page.goto(url, wait_until="load", timeout=RESULT_TIMEOUT_S * 1000)
    if variant["open"]:
        page.locator(variant["open"]).first.click()
    box = page.locator(variant["box"])
    box.wait_for(state="visible")
    box.click()
    start = page.evaluate("performance.now()")
    box.type(QUERY)
    shown = page.wait_for_function(
        f"q => ({variant['done']})(q) && performance.now()",
        arg=QUERY,
        polling="raf",
        timeout=RESULT_TIMEOUT_S * 1000,
    ).json_value()
    seconds = (float(shown) - float(start)) / 1000
    # Each search request once, by URL, with the larger of the two counts: the page's
    # DevTools session may not see its workers' requests, Playwright's events may miss some.
    seen: dict[str, float] = {}
    for rid, size in sizes.items():
        url_ = urls.get(rid, "")
        if any(p in url_ for p in SEARCH_PATHS):
            seen[url_] = max(seen.get(url_, 0), size)
    for key, size in worker_bytes.items():
        url_ = key.rsplit("#", 1)[0]
        if any(p in url_ for p in SEARCH_PATHS):
            seen[url_] = max(seen.get(url_, 0), size)
    context.close()
    return {"seconds": seconds, "bytes": sum(seen.values()), "requests": len(seen)}


def bench_size(count: int, work: Path, reuse: bool = False) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    sites = build_sites(count, work, reuse)
    row: dict[str, Any] = {"count": count, "runs": {}}
    incident = sites["pagefind"] / "incident" / "index.html"
    row["incident_bytes"] = incident.stat().st_size if incident.is_file() else 0
    row["index_json_bytes"] = {
        name: (site / "search" / "search_index.json").stat().st_size for name, site in sites.items()
    }
    servers = {name: _serve(site) for name, site in sites.items()}
    bases = {name: next(gen) for name, gen in servers.items()}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for label, variant in VARIANTS.items():
                    url = f"{bases[variant['site']]}/{variant['path']}"
                    for shaped in (False, True):
                        result = measure_query(browser, url, variant, shaped)
                        key = f"{label}|{'shaped' if shaped else 'unshaped'}"
                        row["runs"][key] = result
                        print(f"  {count} {key}: {result}", flush=True)
            finally:
                browser.close()
    finally:
        for gen in servers.values():
            gen.close()
    return row


def bench(work: Path, sizes: Sequence[int] = SIZES, reuse: bool = False) -> list[dict[str, Any]]:
    """Measure every size; the rows are kept in work/incident_time.json for `section`."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "incident_time.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    rows = {row["count"]: row for row in old}
    for count in sizes:
        rows[count] = bench_size(count, work, reuse)
        path.write_text(json.dumps(sorted(rows.values(), key=lambda r: r["count"]), indent=2))
    return sorted(rows.values(), key=lambda r: r["count"])


def _kib(n: float) -> str:
    return f"{n / 1024:,.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MiB"


def section(work: Path) -> list[str]:
    """The report's section, from the last run's incident_time.json, if there is one."""
    path = work / "incident_time.json"
    if not path.is_file():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    lines = [
        HEADING,
        "",
        "bench/incident_time.py: a handbook from bench/generate.py built with the sample's "
        "mkdocs.yml, served from 127.0.0.1, opened in Chromium with a cold cache; once the page "
        f"has loaded, `{QUERY}` is typed into the search box. Time: from its first key to the "
        "first result for the whole query shown. Bytes: every search request until then (the "
        "index, the worker, Pagefind's files). Shaped: 4 Mbit/s and 150 ms latency "
        "(DevTools `Network.emulateNetworkConditions`). Anchors: Pagefind's default UI on the "
        "same built site, and Material's own search (`OPSBOOK_SEARCH=material`). Target for "
        f"opsbook at 10,000 documents, shaped: ≤ {TARGET_SECONDS:g} s and ≤ {TARGET_KIB} KiB.",
        "",
        "One run per figure, on a shared machine: the time includes Pagefind's search in the "
        "browser (its WebAssembly), which a busy CPU slows as much as the network does, so the "
        "same figure varies by up to 2x from run to run (an earlier 10,000-document run, with "
        "the machine's load at 14 on 2 cores, measured 0.93 s unshaped and 3.90 s shaped, "
        "272 KiB, for opsbook's search). The bytes may leave out the last fragments of a "
        "query (about 1 KiB each) when they finish after the result is drawn.",
        "",
        "| Documents | Search | Unshaped | Shaped | Bytes (shaped run) | Requests | Target |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        for label in VARIANTS:
            plain = row["runs"].get(f"{label}|unshaped")
            shaped = row["runs"].get(f"{label}|shaped")
            if plain is None or shaped is None:
                continue
            verdict = ""
            if label.startswith("opsbook") and row["count"] >= 10000:
                ok = shaped["seconds"] <= TARGET_SECONDS and shaped["bytes"] <= TARGET_KIB * 1024
                verdict = "pass" if ok else "FAIL"
            lines.append(
                f"| {row['count']:,} | {label} | {plain['seconds']:.2f} s | "
                f"{shaped['seconds']:.2f} s | {_kib(shaped['bytes'])} | {shaped['requests']} | "
                f"{verdict} |"
            )
    lines += [
        "",
        "| Documents | Incident page HTML | search_index.json (opsbook) | "
        "search_index.json (Material's search) |",
        "|---:|---:|---:|---:|",
    ]
    for row in rows:
        index = row["index_json_bytes"]
        lines.append(
            f"| {row['count']:,} | {row['incident_bytes'] / 1000:,.0f} kB | "
            f"{index.get('pagefind', 0):,} B | {_kib(index.get('material', 0))} |"
        )
    return [*lines, ""]


def replace_section(report: str, work: Path) -> str:
    """A benchmarks report with this section made anew (before the memory table)."""
    return sections.replace(report, HEADING, section(work))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--work", type=Path, default=BENCH / "out")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the sites an earlier run built, if any"
    )
    args = parser.parse_args(argv)
    bench(args.work, args.sizes, args.reuse)
    if args.out.is_file():
        args.out.write_text(
            replace_section(args.out.read_text(encoding="utf-8"), args.work), encoding="utf-8"
        )
    print("\n".join(section(args.work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
