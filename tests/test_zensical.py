"""The sample handbook on Zensical: `opsbook generate` writes the source, Zensical builds it.

Zensical reads mkdocs.yml but runs no hooks and no third-party plugins, so it builds what
`opsbook generate` wrote (tests/test_generate.py reads those files). Pinned: zensical 0.0.73
(pyproject's test extra), the only version this package registry installs (later ones need
zensical-ui, which it does not serve); the tests skip when it is missing. Checked: Zensical's
own link check (`--strict`: a warning fails the build) and a walk of every link of the built
site, with and without directory URLs; a MkDocs build of the source written with
`--url-links`; a build of the handbook itself, without `generate`, saying so on its home page;
opsbook's macros run by Zensical's macros extension; then, in Chromium with every other host
cut off, the incident page, a runbook's box, search by id and by a symptom only the
frontmatter names, and a decision tree stepped through.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from browser import Server, Watch, launch_chromium, serve, watch
from conftest import POLICY, RUNBOOK, Handbook, dedent
from sitebuild import sample_copy

TODAY = "2026-10-10"
ZENSICAL = "0.0.73"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

pytestmark = pytest.mark.slow


def require_zensical() -> None:
    try:
        import zensical
    except ImportError:
        pytest.skip(
            f"zensical {ZENSICAL} is not installed (pip install 'zensical=={ZENSICAL}'; later "
            "versions need the zensical-ui package, which this registry does not serve)"
        )
    del zensical


def _env() -> dict[str, str]:
    return {**os.environ, "OPSBOOK_TODAY": TODAY, "NO_COLOR": "1"}


def zensical_build(project: Path, *args: str) -> tuple[int, str]:
    """`zensical build` in project: its exit status and its output without colours."""
    proc = subprocess.run(
        [sys.executable, "-m", "zensical", "build", *args],
        cwd=project,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return proc.returncode, ANSI.sub("", proc.stdout + proc.stderr)


def generate(root: Path, out: Path, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "opsbook", "generate", str(out), "--today", TODAY, *args],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_zensical()
    return sample_copy(tmp_path_factory.mktemp("zensical") / "handbook")


def _built(sample: Path, name: str, *args: str) -> tuple[Path, str]:
    out = sample.parent / name
    generate(sample, out, *args)
    code, log = zensical_build(out, "--strict")
    assert code == 0, log[-4000:]
    return out / "site", log


@pytest.fixture(scope="module")
def zsite(sample: Path) -> tuple[Path, str]:
    return _built(sample, "source")


_LINK = re.compile(r'<(a|link|script|img)\b[^>]*?\b(?:href|src)="([^"]*)"', re.IGNORECASE)
_ID = re.compile(r'\bid="([^"]*)"')


def broken_links(site: Path) -> list[str]:
    """Every relative link of the built site's pages that leads to no file, or no such id."""
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = {html.unescape(i) for i in _ID.findall(path.read_text(encoding="utf-8"))}
        return ids[path]

    broken = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for _tag, raw in _LINK.findall(text):
            link = html.unescape(raw)
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or not link:
                continue
            target = page
            if parts.path:
                # A path from the root (the 404 page's) as the site is served at "/".
                base = "" if link.startswith("/") else page.parent.relative_to(site).as_posix()
                joined = posixpath.normpath(posixpath.join(base, unquote(parts.path).lstrip("/")))
                if joined.startswith(".."):
                    broken.append(f"{page.relative_to(site)}: {link} leaves the site")
                    continue
                target = site / joined
                if target.is_dir():
                    target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {link}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in ids_of(target)
            ):
                broken.append(f"{page.relative_to(site)}: {link} (no such id)")
    return broken


# ---- the builds ------------------------------------------------------------------------------


def test_zensical_finds_no_broken_link_in_the_generated_source(zsite: tuple[Path, str]) -> None:
    site, log = zsite
    # --strict fails the build on any warning; the summary says there was none.
    assert "No issues found" in log, log[-4000:]
    for page in (
        "index.html",
        "incident/index.html",
        "runbooks/database/database-unreachable/index.html",
        "postmortems/2026-03-18-checkout-500s-after-orm-upgrade/index.html",
        "decision-trees/should-i-roll-back/index.html",
        "services/database/index.html",
        "alerts/PostgresDown/index.html",
        "assets/opsbook.css",
        "assets/decision-tree.js",
        "action-items.json",
    ):
        assert (site / page).is_file(), page
    # Zensical checks only .md links; every other one is walked here, ids included.
    assert broken_links(site) == []


def test_without_directory_urls_every_link_still_lands(sample: Path) -> None:
    site, log = _built(sample, "source-html", "--no-directory-urls")
    assert "No issues found" in log, log[-4000:]
    assert (site / "runbooks/database/database-unreachable.html").is_file()
    incident = (site / "incident/index.html").read_text(encoding="utf-8")
    assert 'href="../runbooks/database/database-unreachable.html"' in incident
    assert broken_links(site) == []


def test_with_url_links_mkdocs_builds_the_source_with_every_link_landing(tmp_path: Path) -> None:
    """MkDocs leaves raw HTML links as written: --url-links writes them as the site's URLs."""
    root = sample_copy(tmp_path / "handbook")
    out = tmp_path / "source"
    generate(root, out, "--url-links")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=out,
        env={**_env(), "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "site/runbooks/database/database-unreachable/index.html").is_file()
    assert broken_links(out / "site") == []


def test_a_plain_zensical_build_of_the_handbook_says_it_is_not_the_handbook(
    sample: Path, tmp_path: Path
) -> None:
    """Without `generate`, Zensical builds the hand-written pages only: the home page says so."""
    code, log = zensical_build(sample)
    assert code == 0, log[-3000:]
    # Its own summary is no success either: the pages the home page links to are missing.
    assert re.search(r"\d+ issues found", log), log[-3000:]
    home = (sample / "site" / "index.html").read_text(encoding="utf-8")
    # The notice is there, and opsbook's stylesheet, which hides it, is not.
    assert 'class="ob-needs-opsbook"' in home and "opsbook.css" not in home
    assert "opsbook generate" in home and "zensical build" in home
    assert not (sample / "site" / "incident").exists()


def test_zensical_runs_opsbooks_macros_on_the_handbook_itself(tmp_path: Path) -> None:
    """Zensical's macros extension calls define_env per page: the macros load the handbook."""
    require_zensical()
    book = Handbook(tmp_path / "book")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write(
        "mkdocs.yml",
        dedent(
            """
            site_name: Macros
            theme: {name: material}
            plugins:
              - search
              - macros:
                  modules: [opsbook.macros]
                  render_by_default: false
                  on_error_fail: true
            """
        ),
    )
    book.write("docs/index.md", "# Home\n")
    book.write(
        "docs/guide/tables.md",
        '---\nrender_macros: true\n---\n# Tables\n\n{{ runbook_list(service="api") }}\n',
    )
    code, log = zensical_build(book.root)
    assert code == 0, log[-3000:]
    page = (book.root / "site/guide/tables/index.html").read_text(encoding="utf-8")
    # From the page's path Zensical gave (guide/tables.md), rebased to its URL by Zensical.
    assert 'href="../../runbooks/api/roll-back/"' in page
    assert "{{" not in page


# ---- in Chromium -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(zsite: tuple[Path, str]) -> Iterator[Server]:
    yield from serve(zsite[0])


@pytest.fixture(scope="module")
def chromium(server: Server) -> Iterator[Any]:
    yield from launch_chromium()


class Tab:
    def __init__(self, page: Any, seen: Watch, base: str) -> None:
        self.page, self.seen, self.base = page, seen, base

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base}/{path}")
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def tab(chromium: Any, server: Server) -> Iterator[Tab]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})

    def offline(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.set_default_timeout(15_000)
    current = Tab(page, watch(page), server.url)
    try:
        yield current
        assert current.seen.foreign() == [], "requests to other hosts than 127.0.0.1"
        assert current.seen.errors == [], "console errors"
        assert current.seen.requests, "the watch saw no request at all"
    finally:
        context.close()


def _heading(tab: Tab) -> str:
    return str(tab.page.locator("article h1").first.inner_text()).replace("¶", "").strip()


def search(tab: Tab, query: str) -> list[str]:
    """Type a query into Zensical's search dialog; the result pages' paths, best first."""
    tab.page.locator(".md-search__button").first.click()
    box = tab.page.get_by_role("combobox", name="Search")
    box.fill("")
    box.type(query, delay=20)
    # The dialog lives in a shadow root; its result links are the only links in there.
    script = (
        "() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
        ".flatMap(e => [...e.shadowRoot.querySelectorAll('a[href]')]).map(a => a.href)"
    )
    links: list[str] | None = None
    unchanged = 0
    for _ in range(40):
        tab.page.wait_for_timeout(250)
        now = tab.page.evaluate(script)
        unchanged = unchanged + 1 if now == links and now else 0
        links = now
        if unchanged == 3:
            break
    return [urlsplit(url).path for url in links or []]


@pytest.mark.browser
def test_the_incident_page_renders(tab: Tab) -> None:
    tab.goto("")
    # opsbook's stylesheet is loaded: the notice for a build without opsbook is hidden.
    assert not tab.page.locator(".ob-needs-opsbook").is_visible()
    tab.page.locator("article a.ob-start-here").click()
    tab.page.wait_for_url(re.compile(r"/incident/$"))
    assert _heading(tab).startswith("Incident")
    article = tab.page.locator("article")
    assert article.get_by_text("Critical", exact=True).first.is_visible()
    link = article.locator("a[href*='runbooks/database/database-unreachable/']").first
    link.click()
    tab.page.wait_for_url(re.compile(r"/runbooks/database/database-unreachable/$"))


@pytest.mark.browser
def test_a_runbook_page_shows_its_box(tab: Tab) -> None:
    tab.goto("runbooks/database/database-unreachable/")
    assert _heading(tab) == "Database unreachable"
    box = tab.page.locator("article .ob-meta--runbook")
    assert box.is_visible()
    assert "RB-0004" in box.locator(".admonition-title").inner_text()
    assert box.get_by_text("PgBouncerNoServerConnections").first.is_visible()
    # Its service link leads to the service's page.
    box.get_by_role("link", name="database", exact=True).click()
    tab.page.wait_for_url(re.compile(r"/services/database/$"))


@pytest.mark.browser
def test_search_finds_a_runbook_by_its_id(tab: Tab) -> None:
    tab.goto("")
    urls = search(tab, "RB-0004")
    assert urls and urls[0] == "/runbooks/database/database-unreachable/", urls


@pytest.mark.browser
def test_search_finds_a_runbook_by_a_symptom_only_its_frontmatter_names(
    tab: Tab, sample: Path
) -> None:
    phrase = "consumer lag gauge frozen"
    source = (sample / "runbooks/queue/queue-backlog.md").read_text(encoding="utf-8")
    frontmatter, body = source.split("\n---\n", 1)
    assert phrase in frontmatter.lower() and phrase not in body.lower()
    tab.goto("")
    urls = search(tab, phrase)
    assert urls and urls[0] == "/runbooks/queue/queue-backlog/", urls


@pytest.mark.browser
def test_a_decision_tree_steps_through_to_its_runbook(tab: Tab) -> None:
    tab.goto("decision-trees/should-i-roll-back/")
    stepper = tab.page.locator(".ob-stepper")
    assert stepper.is_visible()
    question = stepper.locator(".ob-step__q")
    assert question.inner_text().startswith("Was anything deployed or reconfigured")
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
    assert stepper.locator(".ob-trail li").count() == 3
    stepper.get_by_role("link", name=re.compile(r"^Open RB-0002")).click()
    tab.page.wait_for_url(re.compile(r"/runbooks/platform/roll-back-a-deployment/$"))
    assert _heading(tab) == "Roll back a deployment"


@pytest.mark.browser
def test_a_plain_zensical_build_shows_its_notice(chromium: Any, sample: Path) -> None:
    """Built without `generate`, the home page's notice is what a reader sees first."""
    code, log = zensical_build(sample)
    assert code == 0, log[-3000:]
    bare = serve(sample / "site")
    server = next(bare)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )
    try:
        page = context.new_page()
        seen = watch(page)
        page.goto(f"{server.url}/")
        page.wait_for_load_state("networkidle")
        notice = page.locator("article .ob-needs-opsbook")
        assert notice.is_visible()
        text = notice.inner_text()
        assert "built without opsbook" in text and "opsbook generate" in text
        assert "zensical build" in text
        assert seen.foreign() == [] and seen.errors == []
    finally:
        context.close()
        bare.close()
