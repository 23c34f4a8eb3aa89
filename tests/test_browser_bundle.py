"""The offline bundle unzipped and opened from file:// with every request off the machine blocked.

What an on-call engineer does on a laptop while the handbook's host is down: the incident page,
a search by what they see, a decision tree through to its runbook, and the stamp saying how old
the copy is.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser import launch_chromium
from conftest import _opsbook
from sitebuild import sample_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def bundle_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("bundle-browser")
    root = sample_copy(base / "handbook")
    out = base / "handbook-offline.zip"
    run = _opsbook("bundle", out, cwd=root, env={"OPSBOOK_TODAY": "2026-09-15"})
    assert run.code == 0, run.err
    with zipfile.ZipFile(out) as archive:
        archive.extractall(base / "unzipped")
    return base / "unzipped" / "handbook-offline"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launch_chromium()


@dataclass
class Offline:
    page: Any
    site: Path
    # Every request to anything but a file of this machine (aborted), and every page error.
    off_machine: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, rel: str) -> None:
        self.page.goto((self.site / rel).as_uri())

    def path(self) -> str:
        """The current page's path inside the bundle, e.g. 'incident/index.html'."""
        url = urlsplit(self.page.url)
        assert url.scheme == "file", self.page.url
        return Path(url.path).relative_to(self.site.resolve()).as_posix()


@pytest.fixture
def offline(chromium: Any, bundle_site: Path) -> Iterator[Offline]:
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    tab = Offline(page, bundle_site)

    def file_only(route: Any) -> None:
        if urlsplit(route.request.url).scheme == "file":
            route.continue_()
        else:
            tab.off_machine.append(route.request.url)
            route.abort()

    def seen(request: Any) -> None:
        # Requests the route may not see (a worker's, say) are still requests.
        if urlsplit(request.url).scheme not in ("file", "data", "blob", "about"):
            tab.off_machine.append(request.url)

    context.route("**/*", file_only)
    context.on("request", seen)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    try:
        yield tab
        assert tab.off_machine == [], "requests off the machine"
        assert tab.errors == []
    finally:
        context.close()


def heading(tab: Offline) -> str:
    return str(tab.page.locator("article h1").first.inner_text()).replace("¶", "").strip()


def test_the_incident_page_opens_from_home_with_its_severities(offline: Offline) -> None:
    offline.open("index.html")
    offline.page.locator("article a.ob-start-here").click()
    offline.page.wait_for_url(re.compile(r"/incident/index\.html$"))
    assert heading(offline).startswith("Incident")
    article = offline.page.locator("article")
    assert article.get_by_text("Critical", exact=True).first.is_visible()
    link = article.locator("a[href*='runbooks/database/database-unreachable.html']").first
    link.click()
    offline.page.wait_for_url(re.compile(r"/runbooks/database/database-unreachable\.html"))
    assert heading(offline) == "Database unreachable"


def test_a_search_by_symptom_finds_its_runbook(offline: Offline) -> None:
    offline.open("incident/index.html")
    offline.page.locator("label.md-search__icon, .md-search__input").first.click()
    # A symptom only the runbook's frontmatter names (tests/test_browser.py checks that).
    offline.page.locator("input.md-search__input").type("consumer lag gauge frozen", delay=20)
    result = offline.page.locator(".md-search-result__item > a.md-search-result__link").first
    result.wait_for(state="visible")
    assert "runbooks/queue/queue-backlog.html" in (result.get_attribute("href") or "")
    result.click()
    offline.page.wait_for_url(re.compile(r"/runbooks/queue/queue-backlog\.html"))
    assert offline.path() == "runbooks/queue/queue-backlog.html"


def test_a_decision_tree_steps_through_to_its_runbook(offline: Offline) -> None:
    offline.open("decision-trees/index.html")
    offline.page.locator("article a[href$='should-i-roll-back.html']").first.click()
    stepper = offline.page.locator(".ob-stepper")
    assert (
        stepper.locator(".ob-step__q")
        .inner_text()
        .startswith("Was anything deployed or reconfigured")
    )
    for answer, step in (
        ("Yes", "step-started-after-change"),
        ("Yes", "step-irreversible-migration"),
        ("No", "step-roll-back"),
    ):
        stepper.locator(f"[data-ob-answer='{answer}']").click()
        offline.page.wait_for_url(re.compile(f"#{step}$"))
    assert stepper.locator(".ob-step__outcome-text").inner_text().startswith("Roll back")
    stepper.get_by_role("link", name=re.compile(r"^Open RB-0002")).click()
    offline.page.wait_for_url(re.compile(r"/runbooks/platform/roll-back-a-deployment\.html"))
    assert heading(offline) == "Roll back a deployment"


def test_every_page_shows_how_old_the_copy_is(offline: Offline) -> None:
    offline.open("runbooks/platform/disk-full.html")
    stamp = offline.page.locator("footer .ob-bundle-stamp")
    stamp.scroll_into_view_if_needed()
    assert stamp.is_visible()
    assert re.fullmatch(
        r"Offline copy built \d{4}-\d\d-\d\d \d\d:\d\d UTC from not a git checkout",
        stamp.inner_text().strip(),
    )
    # The alert addresses (no theme of their own) open from file:// and carry it too.
    offline.open("alerts/PostgresDown/index.html")
    offline.page.wait_for_url(re.compile(r"/runbooks/database/database-unreachable\.html"))
