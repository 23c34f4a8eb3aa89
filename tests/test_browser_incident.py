"""Issue 19 in a real Chromium: the incident page's lookup, and the incident page on paper.

The sample handbook is built once and served from 127.0.0.1 with every other host cut off.
The lookup types into the site's own header search box, so it works with whatever search
answers that box; without JavaScript it opens the full list of symptoms. Printed (print
media, and to PDF), the incident page has no navigation, header, sidebars or search, every
column of its tables is on the sheet, and every decision tree prints whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser import Server, is_blank, launch_chromium, require_browser, serve, watch
from conftest import REPO
from opsbook import load
from sitebuild import build, sample_copy

# A symptom only the queue backlog runbook's frontmatter names (see test_browser).
PHRASE = "consumer lag gauge frozen"
QUEUE = "/runbooks/queue/queue-backlog/"
# A sheet of A4 at 96 dpi, less the 12 mm margins of opsbook.css's @page.
PAPER_WIDTH = 703


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_browser()
    root = sample_copy(tmp_path_factory.mktemp("incident-browser") / "handbook")
    built = build(root, root / "site", today="2026-10-10")
    assert built.code == 0, built.log
    yield from serve(built.site)


@pytest.fixture(scope="module")
def chromium(site: Server) -> Iterator[Any]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("incident-screenshots")


def open_page(chromium: Any, site: Server, *, javascript: bool = True, width: int = 1280) -> Any:
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )

    def offline(route: Any) -> None:
        # The network beyond the site is down, as it may be mid-incident.
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def goto(page: Any, site: Server, path: str) -> None:
    page.goto(f"{site.url}/{path}")
    page.wait_for_load_state("networkidle")


def settled_results(page: Any) -> list[str]:
    """The search results' paths once they stopped changing, best first."""
    results = page.locator(".md-search-result__item > a.md-search-result__link")
    results.first.wait_for(state="visible")
    links, unchanged = None, 0
    for _ in range(40):
        page.wait_for_timeout(250)
        now = results.evaluate_all("links => links.map(a => a.href)")
        unchanged = unchanged + 1 if now == links else 0
        links = now
        if unchanged == 3:
            break
    return [urlsplit(url).path for url in links or []]


def test_the_lookup_asks_the_header_search_box(chromium: Any, site: Server, shots: Path) -> None:
    page = open_page(chromium, site)
    seen = watch(page)
    try:
        goto(page, site, "incident/")
        lookup = page.locator("form.ob-lookup input[name='q']")
        assert lookup.is_visible()
        lookup.fill(PHRASE)
        lookup.press("Enter")
        # The words are in Material's own box, its search is open, and it answers them: the
        # lookup needs no symptom in the incident page, and no search of its own.
        box = page.locator('[data-md-component="search-query"]')
        assert box.input_value() == PHRASE
        assert page.locator("#__search").is_checked()
        assert settled_results(page)[0] == QUEUE
        assert urlsplit(page.url).path == "/incident/"  # no page was loaded for it
        page.screenshot(path=str(shots / "incident-lookup.png"))
        assert not is_blank(shots / "incident-lookup.png")
        assert seen.foreign() == [] and seen.errors == []
    finally:
        page.context.close()


def test_without_javascript_the_lookup_opens_the_full_list(chromium: Any, site: Server) -> None:
    page = open_page(chromium, site, javascript=False)
    try:
        goto(page, site, "incident/")
        page.locator("form.ob-lookup input[name='q']").fill(PHRASE)
        page.locator("form.ob-lookup button[type='submit']").click()
        page.wait_for_url(re.compile(r"/incident/symptoms/\?q="))
        article = page.locator("article")
        assert article.locator("h1").first.inner_text().startswith("Runbooks by symptom")
        # The browser's find-in-page takes it from here: the symptom and its runbook are there.
        row = article.locator("tr", has_text=re.compile(PHRASE, re.IGNORECASE))
        assert row.count() == 1
        assert row.locator("a[href='../../runbooks/queue/queue-backlog/']").count() == 1
    finally:
        page.context.close()


def test_the_incident_page_prints_without_navigation_every_column_and_tree(
    chromium: Any, site: Server, shots: Path
) -> None:
    page = open_page(chromium, site, width=PAPER_WIDTH)
    seen = watch(page)
    try:
        goto(page, site, "incident/")
        # On screen: each tree's first question, not the whole tree.
        assert page.locator(".ob-print-trees").is_hidden()
        page.emulate_media(media="print")
        for chrome in (
            ".md-header",
            ".md-tabs",
            ".md-sidebar",
            ".md-search",
            ".md-footer",
            "form.ob-lookup",
        ):
            shown = [el for el in page.locator(chrome).all() if el.is_visible()]
            assert not shown, chrome
        # Every column of every table is on the sheet: none scrolled or cut off at its right.
        cut = page.evaluate(
            """() => {
              const article = document.querySelector("article").getBoundingClientRect();
              return Array.from(document.querySelectorAll("article table th, article table td"))
                .filter(cell => cell.getBoundingClientRect().right > article.right + 1
                  || cell.getBoundingClientRect().width < 1)
                .map(cell => cell.textContent.trim().slice(0, 40));
            }"""
        )
        assert cut == []
        for header in page.locator("article table th").all():
            assert header.is_visible()
        # Every step of every decision tree, questions and outcomes alike.
        policy = load.load_handbook(REPO).policy
        drawings = page.locator(".ob-print-trees .ob-print-tree")
        assert drawings.count() == len(policy.decision_trees) >= 1
        for i, tree in enumerate(policy.decision_trees):
            drawing = drawings.nth(i)
            for node_id, node in tree.nodes.items():
                box = drawing.locator(f"[data-node='{node_id}'] > .ob-node__box")
                assert box.is_visible(), (tree.id, node_id)
                text = " ".join(box.inner_text().split())
                assert " ".join((node.question or node.outcome).split()) in text, node_id
        page.screenshot(path=str(shots / "incident-print.png"), full_page=True)
        assert not is_blank(shots / "incident-print.png")
        pdf = page.pdf(format="A4")
        (shots / "incident.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2
        assert seen.foreign() == [] and seen.errors == []
    finally:
        page.context.close()


def test_every_step_of_every_tree_page_is_on_the_sheet(chromium: Any, site: Server) -> None:
    # test_browser checks that a printed tree shows every step; here, at the width of a sheet
    # of A4, no step's box runs past the sheet's right edge, however deep it is nested.
    page = open_page(chromium, site, width=PAPER_WIDTH)
    try:
        policy = load.load_handbook(REPO).policy
        goto(page, site, "decision-trees/")
        links = page.locator(".ob-trees table tbody td:first-child a")
        paths = [
            urlsplit(u).path.lstrip("/") for u in links.evaluate_all("as => as.map(a => a.href)")
        ]
        assert len(paths) == len(policy.decision_trees)
        for path in paths:
            goto(page, site, path)
            page.emulate_media(media="print")
            assert page.locator(".ob-stepper").is_hidden()
            boxes = page.locator(".ob-tree-list .ob-node__box")
            assert boxes.count() >= 3, path
            outside = page.evaluate(
                """() => {
                  const article = document.querySelector("article").getBoundingClientRect();
                  return Array.from(document.querySelectorAll(".ob-tree-list .ob-node__box"))
                    .filter(box => box.getBoundingClientRect().right > article.right + 1
                      || box.getBoundingClientRect().width < 1)
                    .map(box => box.textContent.trim().slice(0, 40));
                }"""
            )
            assert outside == [], path
            page.emulate_media(media="screen")
    finally:
        page.context.close()
