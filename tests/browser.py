"""Browser test support: build a handbook site, serve it on 127.0.0.1, drive Debian's Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium tries to reach Google's hosts at start.
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


def require_browser() -> None:
    """Skip when Chromium or Playwright is missing, unless OPSBOOK_REQUIRE_BROWSER=1 (CI)."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (Debian package chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright")
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if os.environ.get("OPSBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (OPSBOOK_REQUIRE_BROWSER=1)")
        pytest.skip(reason)


def launch_chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, for a module-scoped fixture: yields the browser."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Server:
    url: str
    httpd: http.server.ThreadingHTTPServer


def serve(site_dir: Path) -> Iterator[Server]:
    """Serve site_dir on a free port of 127.0.0.1 for the duration of the generator."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Watch:
    """Every request a page made and every console error it showed."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and urlsplit(url).hostname != "127.0.0.1"
        ]


def watch(page: Any) -> Watch:
    seen = Watch()
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on(
        "console",
        lambda message: seen.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    return seen


def is_blank(png: Path) -> bool:
    """True when a screenshot is one flat colour (nothing rendered)."""
    from PIL import Image

    with Image.open(png) as image:
        colors = image.convert("RGB").getcolors(maxcolors=64)
    return colors is not None and len(colors) <= 2
