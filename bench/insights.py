"""The /insights/ page's cost at 10,000 documents, as a share of the site build.

    python bench/insights.py [--count 10000] [--repeat 5]   (also run by `make bench`)

One generated handbook (bench/generate.py), loaded and linted once as a site build does (not
timed). Then, best of --repeat runs each, in this process: computing the insights
(opsbook.insights.compute), rendering the page (opsbook.pages.insights.render, SVG charts
included), writing insights.json and converting the page with Python-Markdown as the site
does (finished HTML stashed); against the time of `mkdocs build` of the same size in
docs/benchmarks.md. Issue 20's target: at most 2% of that build. What MkDocs does with the
page afterwards is small next to this: its tables and charts are finished HTML that
Python-Markdown never parses (opsbook.finished stashes them), and the lists of postmortems behind
the figures are kept out of the search index. The rest (Material's template, writing the
file) is what every page costs.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "src"))

import sections  # noqa: E402
from generate import TODAY, generate  # noqa: E402
from opsbook import checks, finished, lint  # noqa: E402
from opsbook import insights as figures  # noqa: E402
from opsbook.pages import Context  # noqa: E402
from opsbook.pages import insights as page  # noqa: E402

# The site's Markdown extensions that exist without Material (mkdocs.yml lists them all).
EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "toc"]
COUNT = 10_000
SHARE_MAX = 0.02
HEADING = "## The insights page"
REPORT = REPO / "docs" / "benchmarks.md"


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The best wall time of repeat calls, and the last result."""
    seconds, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        seconds = min(seconds, time.perf_counter() - start)
    return seconds, result


def build_seconds(report: Path, count: int) -> float | None:
    """The `mkdocs build` time with opsbook at count documents, from the benchmarks report."""
    if not report.is_file():
        return None
    pattern = re.compile(
        rf"^\| {count:,} \| `mkdocs build` with opsbook vs plain Material, same Markdown \| "
        r"([0-9.]+) s \|",
        re.M,
    )
    match = pattern.search(report.read_text(encoding="utf-8"))
    return float(match.group(1)) if match else None


def convert(root: Path, ctx: Context, markdown: str) -> str:
    """The page through Python-Markdown as the site does it: finished HTML blocks stashed."""
    import markdown as md

    html: str = md.markdown(
        finished.mark(markdown),
        extensions=[*EXTENSIONS, finished.FinishedHtml()],
        extension_configs={"toc": {"permalink": True}},
    )
    return html


def bench(work: Path, repeat: int, count: int = COUNT, report: Path = REPORT) -> dict[str, Any]:
    """Time the page's parts at count documents; saved to work/insights.json."""
    work.mkdir(parents=True, exist_ok=True)
    root = generate(count, work / f"handbook-insights-{count}")
    result = lint.run(root, checks.Options(today=TODAY, state=False))
    lint.release_sources(result.handbook)
    handbook = result.handbook
    gc.collect()
    compute_s, data = best(lambda: figures.compute(handbook, TODAY), repeat)

    def render() -> tuple[str, str]:
        # A new context each time: the page caches the figures in its context.
        ctx = Context(handbook=handbook, today=TODAY)
        return page.render(ctx), page.json_text(ctx)

    total_s, (markdown, json_text) = best(render, repeat)
    ctx = Context(handbook=handbook, today=TODAY)
    page.data(ctx)
    render_s, _ = best(lambda: page.render(ctx), repeat)
    json_s, _ = best(lambda: figures.to_json(data), repeat)
    markdown_s, _ = best(lambda: convert(root, ctx, markdown), repeat)
    row = {
        "documents": count,
        "postmortems": len(handbook.postmortems),
        "counted": data["postmortems"]["counted"],
        "compute": compute_s,
        "render": render_s,
        "json": json_s,
        "markdown": markdown_s,
        "total": total_s + markdown_s,
        "page_bytes": len(markdown.encode("utf-8")),
        "json_bytes": len(json_text.encode("utf-8")),
        "charts": markdown.count('<svg class="ob-chart"'),
        "build": build_seconds(report, count),
    }
    (work / "insights.json").write_text(json.dumps(row, indent=2), encoding="utf-8")
    return row


def section(work: Path) -> list[str]:
    """The report's section, from the last run's insights.json, if there is one."""
    path = work / "insights.json"
    if not path.is_file():
        return []
    row = json.loads(path.read_text(encoding="utf-8"))
    build = row.get("build")
    share = row["total"] / build if build else None
    verdict = "" if share is None else ("pass" if share <= SHARE_MAX else "**FAIL**")
    lines = [
        HEADING,
        "",
        f"The /insights/ page and insights.json at {row['documents']:,} documents "
        f"({row['postmortems']:,} postmortems, {row['counted']:,} of them published), measured "
        "in one process by bench/insights.py: best of the runs. The charts are SVG written "
        "by opsbook itself; a plotting library was not used (matplotlib is not a dependency, "
        "and importing it alone takes about half a second, 0.9% of the build below). The "
        "share is against the `mkdocs build` with opsbook of the same size above. Target "
        "(issue 20): at most 2%.",
        "",
        "| Step | Time |",
        "|---|---:|",
        f"| computing the figures (`opsbook.insights.compute`) | {row['compute'] * 1000:.0f} ms |",
        f"| rendering the page, {row['charts']} SVG charts included | "
        f"{row['render'] * 1000:.0f} ms |",
        f"| insights.json | {row['json'] * 1000:.0f} ms |",
        f"| Python-Markdown on the page, as the site converts it | "
        f"{row['markdown'] * 1000:.0f} ms |",
        f"| all of it, as a build does it | {row['total'] * 1000:.0f} ms |",
        f"| page size (Markdown with raw HTML) | {row['page_bytes'] / 1024:.0f} KiB |",
        f"| insights.json size | {row['json_bytes'] / 1024:.0f} KiB |",
        "",
    ]
    if share is not None:
        lines += [
            "| Documents | Page and JSON | `mkdocs build` with opsbook | Share | Target | Result |",
            "|---:|---:|---:|---:|---|---|",
            f"| {row['documents']:,} | {row['total']:.2f} s | {build:.2f} s | "
            f"{share * 100:.2f}% | ≤ {SHARE_MAX * 100:g}% | {verdict} |",
            "",
        ]
    return lines


def replace_section(report: str, work: Path) -> str:
    """A benchmarks report with this section made anew (before the memory table)."""
    return sections.replace(report, HEADING, section(work))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=BENCH / "out")
    args = parser.parse_args(argv)
    bench(args.work, args.repeat, args.count)
    print("\n".join(section(args.work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
