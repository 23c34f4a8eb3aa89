"""The sample handbook in a real Chromium, as an on-call engineer uses it, with the network down.

The site is built once (today fixed so some action items are overdue) and served from
127.0.0.1. Every other host is cut off: a request to one is recorded and aborted, and each test
fails if its page tried one or showed a console error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, Server, Watch, is_blank, require_browser, serve, watch
from conftest import REPO
from sitebuild import build, sample_copy

# Three weeks after the sample's content date: some action items are overdue, some are not.
TODAY = "2026-10-10"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_browser()
    root = sample_copy(tmp_path_factory.mktemp("browser") / "handbook")
    built = build(root, root / "site", today=TODAY)
    assert built.code == 0, built.log
    yield from serve(built.site)


@pytest.fixture(scope="module")
def chromium(site: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class Tab:
    """One browser page on the served site, with what it requested and logged."""

    page: Any
    seen: Watch
    base: str
    shots: Path

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base}/{path}")
        self.page.wait_for_load_state("networkidle")

    def path(self) -> str:
        """The current URL without the server part: 'incident/', 'runbooks/?service=api#x'."""
        return self.page.url.removeprefix(self.base + "/")

    def shot(self, name: str) -> Path:
        """Save a screenshot of the viewport and check that something was drawn."""
        target = self.shots / f"{name}.png"
        self.page.screenshot(path=str(target))
        assert not is_blank(target), f"screenshot {target} is blank"
        return target


@pytest.fixture
def tab(chromium: Any, site: Server, shots: Path) -> Iterator[Tab]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})

    def offline(route: Any) -> None:
        # The network beyond the site is down, as it may be mid-incident.
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.set_default_timeout(15_000)
    current = Tab(page, watch(page), site.url, shots)
    try:
        yield current
        assert current.seen.foreign() == [], "requests to other hosts than 127.0.0.1"
        assert current.seen.errors == [], "console errors"
        assert current.seen.requests, "the watch saw no request at all"
    finally:
        context.close()


def heading(tab: Tab) -> str:
    return str(tab.page.locator("article h1").first.inner_text()).replace("¶", "").strip()


def test_incident_page_is_one_click_from_home(tab: Tab) -> None:
    tab.goto("")
    tab.shot("home")
    tab.page.locator("article a.ob-start-here").click()
    tab.page.wait_for_url(re.compile(r"/incident/$"))
    assert heading(tab).startswith("Incident")
    # The 2 AM page carries the severity matrix and the ways into the runbooks.
    article = tab.page.locator("article")
    assert article.get_by_text("Critical", exact=True).first.is_visible()
    assert article.locator("a[href*='runbooks/database/database-unreachable/']").count() >= 1
    tab.shot("incident")


def search(tab: Tab, query: str) -> list[str]:
    """Type a query into Material's search box; the result pages' paths, best first."""
    tab.page.locator("label.md-search__icon, .md-search__input").first.click()
    box = tab.page.locator("input.md-search__input")
    box.fill("")
    box.type(query, delay=20)
    results = tab.page.locator(".md-search-result__item > a.md-search-result__link")
    results.first.wait_for(state="visible")
    # Results change with every key typed: read them once they have stayed the same for a
    # while, not the first ones shown (those of "RB-0", say).
    links, unchanged = None, 0
    for _ in range(40):
        tab.page.wait_for_timeout(250)
        now = results.evaluate_all("links => links.map(a => a.href)")
        unchanged = unchanged + 1 if now == links else 0
        links = now
        if unchanged == 3:
            break
    # Material adds ?h=<query> (to highlight the words) to every result's link.
    return [urlsplit(url).path for url in links or []]


def test_search_lists_the_runbook_for_its_title_first(tab: Tab) -> None:
    tab.goto("")
    # Titles read as written: "database's", not an entity escaped twice ("database&#x27;s").
    # (Pagefind lists pages holding every word: this postmortem does not say "unreachable".)
    search(tab, "database WAL volume")
    titles = tab.page.locator(".md-search-result__item > a.md-search-result__link h1")
    texts = titles.all_inner_texts()
    assert "API outage after the primary database's WAL volume filled up" in texts, texts
    assert not [text for text in texts if "&#" in text or "&amp;" in text]
    tab.goto("")
    urls = search(tab, "database unreachable")
    assert urls[0] == "/runbooks/database/database-unreachable/", urls
    tab.shot("search-database-unreachable")
    tab.page.locator(".md-search-result__item > a.md-search-result__link").first.click()
    tab.page.wait_for_url(re.compile(r"/runbooks/database/database-unreachable/\?h=database"))
    assert heading(tab) == "Database unreachable"


def test_search_finds_documents_by_id_and_alert_name(tab: Tab) -> None:
    """Ids as people paste them from an alert or a chat message, hyphen included."""
    tab.goto("")
    # First (issue 16): every RB-... query matches every runbook through the `rb` term.
    urls = search(tab, "RB-0004")
    assert urls[0] == "/runbooks/database/database-unreachable/", urls
    tab.shot("search-id")
    tab.goto("")
    assert search(tab, "RB-0002")[0] == "/runbooks/platform/roll-back-a-deployment/"
    tab.goto("")
    pm = "/postmortems/2026-03-18-checkout-500s-after-orm-upgrade/"
    assert search(tab, "PM-2026-001")[0] == pm
    tab.goto("")
    assert (
        search(tab, "PgBouncerNoServerConnections")[0] == "/runbooks/database/database-unreachable/"
    )


def test_search_finds_a_runbook_by_a_symptom_only_its_frontmatter_names(tab: Tab) -> None:
    phrase = "consumer lag gauge frozen"
    holders = [
        path.relative_to(REPO).as_posix()
        for folder in ("runbooks", "postmortems", "docs")
        for path in (REPO / folder).rglob("*.md")
        if phrase in path.read_text(encoding="utf-8").lower()
    ]
    assert holders == ["runbooks/queue/queue-backlog.md"]
    source = (REPO / holders[0]).read_text(encoding="utf-8")
    frontmatter, body = source.split("\n---\n", 1)
    assert phrase in frontmatter.lower() and phrase not in body.lower()

    tab.goto("runbooks/")
    urls = search(tab, phrase)
    assert urls[0] == "/runbooks/queue/queue-backlog/", urls
    tab.shot("search-symptom")


def test_decision_tree_answers_reach_an_outcome_that_opens_its_runbook(tab: Tab) -> None:
    tab.goto("decision-trees/should-i-roll-back/")
    stepper = tab.page.locator(".ob-stepper")
    assert stepper.is_visible()
    question = stepper.locator(".ob-step__q")
    assert question.inner_text().startswith("Was anything deployed or reconfigured")
    tab.shot("decision-tree-start")

    for answer, expected in (
        ("Yes", "step-started-after-change"),
        ("Yes", "step-irreversible-migration"),
        ("No", "step-roll-back"),
    ):
        stepper.locator(f"[data-ob-answer='{answer}']").click()
        tab.page.wait_for_url(re.compile(f"#{expected}$"))
    outcome = stepper.locator(".ob-step__outcome-text")
    assert (
        outcome.inner_text() == "Roll back to the last good release now and investigate afterwards"
    )
    # The trail remembers the three answers given.
    assert stepper.locator(".ob-trail li").count() == 3
    tab.shot("decision-tree-outcome")

    stepper.get_by_role("link", name=re.compile(r"^Open RB-0002")).click()
    tab.page.wait_for_url(re.compile(r"/runbooks/platform/roll-back-a-deployment/$"))
    assert heading(tab) == "Roll back a deployment"
    assert "RB-0002" in tab.page.locator("article").inner_text()
    tab.shot("runbook-from-tree")


def test_reloading_a_step_link_shows_that_step(tab: Tab) -> None:
    tab.goto("decision-trees/should-i-roll-back/#step-irreversible-migration")
    stepper = tab.page.locator(".ob-stepper")
    question = stepper.locator(".ob-step__q")
    assert question.inner_text().startswith("Did the release run a database migration")
    tab.page.reload()
    tab.page.wait_for_load_state("networkidle")
    assert question.inner_text().startswith("Did the release run a database migration")
    # A shared link still shows how the step is reached from the start.
    assert stepper.locator(".ob-trail li").count() == 2
    assert tab.page.locator("#step-irreversible-migration.ob-node--current").count() == 1
    tab.shot("decision-tree-shared-step")


def rows(tab: Tab, table: str) -> list[dict[str, Any]]:
    """The rows of a filterable table: shown or not, their data attributes and cells."""
    script = """rows => rows.map(row => ({
        shown: !row.hidden,
        overdue: row.classList.contains('ob-row--overdue'),
        owner: JSON.parse(row.dataset.owner || '[]'),
        service: JSON.parse(row.dataset.service || '[]'),
        cells: Array.from(row.cells, cell => cell.innerText.trim()),
    }))"""
    result: list[dict[str, Any]] = tab.page.locator(f"#{table} tbody tr").evaluate_all(script)
    return result


def overdue_days(cell: str) -> int:
    match = re.fullmatch(r"(\d+) days?", cell)
    return int(match.group(1)) if match else 0


def test_action_items_list_overdue_first_and_filter_by_owner(tab: Tab) -> None:
    tab.goto("action-items/")
    items = rows(tab, "ob-action-table")
    overdue = [row["overdue"] for row in items]
    assert True in overdue and False in overdue, "the build's today should give both kinds"
    first_on_time = overdue.index(False)
    assert all(overdue[:first_on_time]) and not any(overdue[first_on_time:])
    # Among the overdue, the longest overdue come first.
    days = [overdue_days(row["cells"][3]) for row in items[:first_on_time]]
    assert days == sorted(days, reverse=True) and days[0] > 0
    tab.shot("action-items")

    dans = [row for row in items if row["owner"] == ["dan"]]
    assert 0 < len(dans) < len(items)
    tab.page.select_option("form.ob-filter select[name=owner]", "dan")
    shown = [row for row in rows(tab, "ob-action-table") if row["shown"]]
    assert shown and all(row["owner"] == ["dan"] for row in shown)
    assert len(shown) == len(dans)
    count = tab.page.locator("form.ob-filter .ob-filter__count").inner_text()
    assert count == f"{len(dans)} of {len(items)} shown"
    assert tab.path() == "action-items/?owner=dan"
    tab.shot("action-items-owner-dan")

    # The filtered view is a link: opening it again shows the same rows.
    tab.page.reload()
    tab.page.wait_for_load_state("networkidle")
    assert [row["cells"] for row in rows(tab, "ob-action-table") if row["shown"]] == [
        row["cells"] for row in shown
    ]


def test_each_owner_has_a_section_of_their_own(tab: Tab) -> None:
    tab.goto("action-items/#owner-dan")
    section = tab.page.locator(".ob-owner[data-owner='dan']")
    assert tab.page.locator("#owner-dan").is_visible()
    listed = section.locator("tbody tr").all_inner_texts()
    assert listed and all("PM-" in text for text in listed)
    # Every item of dan's in the full table is in dan's section, and nothing else.
    everyone = rows(tab, "ob-action-table")
    titles = [row["cells"][0] for row in everyone if row["owner"] == ["dan"]]
    assert [text.split("\t")[0].strip() for text in listed] == titles
    tab.shot("action-items-section-dan")


def test_runbooks_index_filters_by_service_and_severity(tab: Tab) -> None:
    tab.goto("runbooks/?service=database")
    shown = [row for row in rows(tab, "ob-runbook-table") if row["shown"]]
    everything = rows(tab, "ob-runbook-table")
    assert shown and len(shown) < len(everything)
    assert all("database" in row["service"] for row in shown)
    assert any("Database unreachable" in cell for row in shown for cell in row["cells"])
    tab.page.select_option("form.ob-filter select[name=service]", "")
    assert all(row["shown"] for row in rows(tab, "ob-runbook-table"))
    tab.shot("runbooks")


@pytest.mark.parametrize(
    "path",
    ["severity/", "communication/", "decision-trees/", "postmortems/", "review/", "services/"],
)
def test_generated_page_renders_offline_without_errors(tab: Tab, path: str) -> None:
    tab.goto(path)
    assert heading(tab)
    tab.shot(path.strip("/").replace("/", "-"))


def test_insights_charts_are_drawn_and_readable_in_both_palettes(tab: Tab) -> None:
    tab.goto("insights/")
    assert heading(tab) == "Insights"
    charts = tab.page.locator("article svg.ob-chart")
    assert charts.count() >= 11
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 20, i
    # Bars have a colour from the stylesheet, not the SVG default (black).
    bar_fill = tab.page.locator("article svg.ob-chart rect").first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert bar_fill not in ("rgb(0, 0, 0)", "none"), bar_fill
    # A figure's link opens the list of the postmortems behind it (a closed <details>).
    link = tab.page.locator("article table a[href^='#pm-time-to-detect-']").first
    target = tab.page.locator(str(link.get_attribute("href")))
    assert not target.is_visible()
    link.click()
    target.wait_for(state="visible")
    assert target.locator("xpath=following-sibling::ol[1]/li/a").count() >= 1
    tab.page.locator("h2#incidents-per-month").scroll_into_view_if_needed()
    tab.shot("insights-light")

    def text_fill() -> str:
        return str(
            tab.page.locator("article svg.ob-chart text").first.evaluate(
                "el => getComputedStyle(el).fill"
            )
        )

    fills = {"light": text_fill()}
    # Material's palette toggle in the header, as a reader switches to the dark palette.
    tab.page.locator("label[title='Switch to dark mode']").first.click()
    tab.page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    fills["dark"] = text_fill()
    tab.page.locator("h2#incidents-per-month").scroll_into_view_if_needed()
    tab.shot("insights-dark")
    # The charts' text follows the palette: dark on light, light on dark.
    assert fills["light"] != fills["dark"], fills
    assert fills["dark"] != "rgb(0, 0, 0)", fills


# Fragments and queries no link of the site makes, but any hand-edited or mangled URL can:
# decodeURIComponent throws URIError on each of them.
MALFORMED = ["#%", "#%E0%A4%A", "#step-%zz", "?%", "?%E0%A4%A", "?service=%#%", "?%25%#%%"]


@pytest.mark.parametrize("suffix", MALFORMED)
def test_scripts_survive_a_malformed_fragment_or_query(tab: Tab, suffix: str) -> None:
    tab.goto(f"decision-trees/should-i-roll-back/{suffix}")
    stepper = tab.page.locator(".ob-stepper")
    assert stepper.is_visible()
    question = stepper.locator(".ob-step__q")
    assert question.inner_text().startswith("Was anything deployed or reconfigured")
    # The filter script reads the query: its pages must work with the same URLs.
    tab.goto(f"runbooks/{suffix}")
    assert tab.page.locator("form.ob-filter select[name=service]").is_visible()
    assert all(row["shown"] for row in rows(tab, "ob-runbook-table")) or "service" in suffix


def tree_pages(tab: Tab) -> list[str]:
    """The paths of the sample's tree pages, from /decision-trees/."""
    tab.goto("decision-trees/")
    first_cells = tab.page.locator(".ob-trees table tbody td:first-child a")
    links = first_cells.evaluate_all("as => as.map(a => a.href)")
    return [urlsplit(url).path.lstrip("/") for url in links]


@pytest.mark.parametrize("fragment", ["", "#step-irreversible-migration"])
def test_a_printed_decision_tree_shows_every_step_and_outcome(tab: Tab, fragment: str) -> None:
    # On paper the step-through (one question at a time) is no use: the whole drawing must
    # print, opened at the start or at a shared step's link alike.
    paths = tree_pages(tab)
    assert "decision-trees/should-i-roll-back/" in paths
    for path in paths:
        tab.goto(path + (fragment if path.endswith("should-i-roll-back/") else ""))
        assert tab.page.locator(".ob-stepper").is_visible()
        tab.page.emulate_media(media="print")
        assert not tab.page.locator(".ob-stepper").is_visible()
        tree = json.loads(tab.page.locator("script.ob-tree-data").first.text_content())
        drawing = tab.page.locator(".ob-tree-list").first
        for node_id, node in tree["nodes"].items():
            box = drawing.locator(f"[data-node='{node_id}'] > .ob-node__box")
            assert box.is_visible(), (path, node_id)
            assert (node["question"] or node["outcome"]) in box.inner_text(), (path, node_id)
        for outcome in tab.page.locator(".ob-outcomes table tbody tr").all():
            assert outcome.is_visible(), path
        # Headless Chromium prints it: a PDF with every page of the tree.
        pdf = tab.page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1
        tab.page.emulate_media(media="screen")
