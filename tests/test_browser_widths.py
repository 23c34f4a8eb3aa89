"""Every generated page of the sample site readable at 1280 px and at 390 px (a phone).

No column hidden: at 1280 px nothing inside the article scrolls or sticks out of it; at 390 px
a table too wide for the screen may scroll, with a visible cue (scroll shadows), and nothing
is clipped or sticks out. Screenshots of /severity/ and /review/ at both widths are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import Server, is_blank, launch_chromium, require_browser, serve
from sitebuild import build, sample_copy
from widths import DESKTOP, PHONE, generated_urls, measure, problems

pytestmark = pytest.mark.slow

TODAY = "2026-10-10"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, list[str]]]:
    require_browser()
    root = sample_copy(tmp_path_factory.mktemp("widths") / "handbook")
    built = build(root, root / "site", today=TODAY)
    assert built.code == 0, built.log
    urls = generated_urls(root, TODAY)
    for server in serve(built.site):
        yield server, urls


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("width-screenshots")


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_every_generated_page_is_readable(
    chromium: Any,
    sample: tuple[Server, list[str]],
    shots: Path,
    label: str,
    viewport: dict[str, int],
) -> None:
    server, urls = sample
    assert "severity/" in urls and "review/" in urls and len(urls) > 10
    context = chromium.new_context(viewport=viewport)
    try:
        page = context.new_page()
        found = measure(page, server.url, urls)
        bad = problems(found, scrolling=label == "phone")
        assert bad == {}, json.dumps(bad, indent=1)
        for url in ("severity/", "review/"):
            page.goto(f"{server.url}/{url}")
            page.wait_for_load_state("load")
            shot = shots / f"{url.strip('/')}-{label}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert not is_blank(shot)
    finally:
        context.close()
