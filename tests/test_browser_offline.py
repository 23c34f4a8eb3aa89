"""The sample built with Material's offline plugin, opened from file:// with no network.

Material's plugin links the iframe-worker shim (search from file://) from unpkg.com; opsbook
ships the shim and links it from the site, so a copy on a laptop searches with no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import launch_chromium
from sitebuild import build, sample_copy


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = sample_copy(tmp_path_factory.mktemp("offline") / "handbook")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  - redirects\n" in text
    config.write_text(text.replace("\n  - redirects\n", "\n  - redirects\n  - offline\n"))
    built = build(root, root / "site")
    assert built.code == 0, built.log
    return built.site


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launch_chromium()


def test_no_page_loads_a_script_from_another_host(offline_site: Path) -> None:
    pages = sorted(offline_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "unpkg.com" not in html, page
        assert not re.search(r"<script[^>]*\bsrc=\"(https?:)?//", html), page
    # The shim is the one shipped with opsbook, its licence with it, linked from every page.
    shim = (offline_site / "assets/iframe-worker-shim.js").read_text(encoding="utf-8")
    assert "iframe-worker 1.0.4" in shim and "Permission is hereby granted" in shim
    home = (offline_site / "index.html").read_text(encoding="utf-8")
    assert '<script src="assets/iframe-worker-shim.js"></script>' in home
    runbook = offline_site / "runbooks/database/database-unreachable.html"
    assert '<script src="../../assets/iframe-worker-shim.js">' in runbook.read_text()


def test_search_works_from_file_with_the_network_down(chromium: Any, offline_site: Path) -> None:
    context = chromium.new_context()
    off_machine: list[str] = []

    def file_only(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            off_machine.append(route.request.url)
            route.abort()

    context.route("**/*", file_only)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((offline_site / "index.html").as_uri())
        page.locator("label.md-search__icon, .md-search__input").first.click()
        page.locator("input.md-search__input").type("database unreachable", delay=20)
        result = page.locator(".md-search-result__item > a.md-search-result__link").first
        result.wait_for(state="visible")
        assert "database-unreachable.html" in (result.get_attribute("href") or "")
        result.click()
        page.wait_for_url(re.compile(r"/runbooks/database/database-unreachable\.html"))
        assert off_machine == [], "requests off the machine"
        assert errors == []
    finally:
        context.close()
