"""The alert path in a real Chromium: a page's runbook link, /alerts/<name>/, lands on the
runbook; search by an alert name finds it; and on real data (kube-prometheus' rules with every
runbook_url rewritten to /alerts/{{ $labels.alertname }}/ against the prometheus-operator
runbooks adopted) every rule's link lands on its alert's runbook, or on a clear not-found.

Each module-scoped site is built once and served from 127.0.0.1 with every other host cut off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import yaml

from browser import Server, launch_chromium, require_browser, serve, watch
from conftest import POLICY, Handbook, _opsbook, require_shared
from sitebuild import build, install_site
from test_alerts_corpus import RULES, RUNBOOKS, adopted
from test_alerts_site import BOOKS, HOSTILE, runbook
from test_alerts_site import RULES as SMALL_RULES

pytestmark = pytest.mark.slow

# A runbook found only by the alert it names: its body and title never say the name.
JOBS = runbook("RB-0040", "Batch jobs stuck", "batch", ["KubeJobFailedTwice"])


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launch_chromium()


def offline_page(chromium: Any) -> tuple[Any, Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})

    def offline(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_browser()
    root = tmp_path_factory.mktemp("alerts-browser")
    book = Handbook(root)
    book.write("policy.yml", POLICY + "alerts:\n  rules: [rules/*.yml]\n")
    book.write("rules/storage.yml", SMALL_RULES)
    for rel, text in {**BOOKS, "runbooks/batch/jobs.md": JOBS}.items():
        book.write(rel, text)
    install_site(root)
    built = build(root, root / "site")
    assert built.code == 0, built.log
    yield from serve(built.site)


@pytest.mark.parametrize(
    ("name", "lands"),
    [
        ("ApiLatencyHigh", "/runbooks/api/latency/"),
        ("APILatencyHigh", "/runbooks/api/latency-old/"),
        ("watchdog", "/runbooks/api/watchdog-lower/"),
        ("KubeJobFailedTwice", "/runbooks/batch/jobs/"),
        ("kubejobfailedtwice", "/runbooks/batch/jobs/"),
        (HOSTILE, "/runbooks/storage/disk-full/"),
    ],
)
def test_an_alert_url_lands_on_its_runbook(
    chromium: Any, small: Server, name: str, lands: str
) -> None:
    context, page = offline_page(chromium)
    seen = watch(page)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{small.url}/alerts/{quote(name, safe='')}/")
        page.wait_for_url(re.compile(re.escape(lands) + "$"))
        assert page.locator("article h1").first.is_visible()
        assert seen.errors == [] and seen.foreign() == [] and dialogs == []
    finally:
        context.close()


def test_a_chooser_lists_the_runbooks_and_opens_one(chromium: Any, small: Server) -> None:
    context, page = offline_page(chromium)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{small.url}/alerts/DiskFull/")
        links = page.locator("ul li a")
        assert links.count() == 2
        links.nth(1).click()
        page.wait_for_url(re.compile(r"/runbooks/storage/disk-cleanup/$"))
        page.goto(f"{small.url}/alerts/apilatencyhigh/")
        assert page.locator("ul li a").count() == 2
        assert dialogs == []
    finally:
        context.close()


def search(page: Any, query: str) -> list[str]:
    """Material's search box, as test_browser.search: the results' paths once they settle."""
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    box.fill("")
    box.type(query, delay=20)
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


def test_search_by_an_alert_name_finds_its_runbook_first(chromium: Any, small: Server) -> None:
    context, page = offline_page(chromium)
    try:
        page.goto(f"{small.url}/")
        page.wait_for_load_state("networkidle")
        assert search(page, "KubeJobFailedTwice")[0] == "/runbooks/batch/jobs/"
    finally:
        context.close()


# --- real data ------------------------------------------------------------------------------

SITE = "https://runbooks.prometheus-operator.dev"


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, dict[str, str], Path]]:
    require_browser()
    require_shared(RULES)
    require_shared(RUNBOOKS)
    root = tmp_path_factory.mktemp("alerts-corpus") / "handbook"
    book = Handbook(root)
    book.write("policy.yml", POLICY + "alerts:\n  rules: [rules/*.yaml]\n")
    pages = adopted(book, _opsbook)
    for path in (root / "rules").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(
            r"runbook_url: \S+", f"runbook_url: '{SITE}/alerts/{{{{ $labels.alertname }}}}/'", text
        )
        path.write_text(text, encoding="utf-8")
    install_site(root)
    built = build(root, root / "site")
    assert built.code == 0, built.log
    for server in serve(built.site):
        yield server, pages, root / "rules"


def rewritten(folder: Path) -> list[dict[str, Any]]:
    """The alerting rules of the rewritten files, read with PyYAML (not opsbook's reader)."""
    found = []
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            for group in doc["spec"]["groups"]:
                found += [rule for rule in group["rules"] if "alert" in rule]
    return found


def test_every_rules_runbook_url_lands_on_its_runbook(
    chromium: Any, corpus: tuple[Server, dict[str, str], Path]
) -> None:
    server, pages, folder = corpus
    all_rules = rewritten(folder)
    assert any(r["alert"] in pages for r in all_rules)
    assert any(r["alert"] not in pages for r in all_rules)
    context, page = offline_page(chromium)
    # Only the documents matter here: stylesheets, scripts and fonts of each page are not
    # fetched, so 139 landings take seconds, not minutes.
    context.route(
        re.compile(r".*\.(css|js|woff2?|svg|png|json)(\?.*)?$"), lambda route: route.abort()
    )
    checked: list[str] = []
    try:
        for rule in all_rules:
            url = rule["annotations"]["runbook_url"]
            assert url.startswith(f"{SITE}/alerts/"), url
            # As Alertmanager expands the template, then a browser quotes the path.
            path = quote(urlsplit(url.replace("{{ $labels.alertname }}", rule["alert"])).path)
            response = page.goto(server.url + path)
            name = rule["alert"]
            if name in pages:
                expected = f"/{quote(pages[name])}/"
                page.wait_for_url(re.compile(re.escape(server.url + expected) + "$"))
                assert page.locator("article h1").count() >= 1, name
            else:
                # No runbook names it: the server's not-found, never some other runbook.
                assert response is not None and response.status == 404, name
                assert urlsplit(page.url).path == path
                assert "not found" in page.locator("body").inner_text().lower(), name
            checked.append(name)
    finally:
        context.close()
    assert len(checked) == len(all_rules)
