"""prometheus-operator's runbooks adopted into a new handbook, in Chromium: every runbook_url of
kube-prometheus' 139 alerting rules lands on its alert's runbook, and every generated page is
readable at 1280 px and at 390 px.

One handbook is built (strict) and served once for the module.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from browser import Server, launch_chromium, require_browser, serve
from conftest import Run
from opsbook import load, oldpaths
from opsbook.sitepaths import page_url
from sitebuild import build
from test_oldpaths import NO_RUNBOOK, PROMETHEUS, RULES, TODAY, adopt_prometheus, alert_paths
from widths import DESKTOP, PHONE, generated_urls, measure, problems

pytestmark = pytest.mark.slow


# A defect of the data, named: the collection (a685d14) heads PrometheusRemoteWriteBehind.md
# (title "Prometheus Remote Write Behind") with another alert's name.
WRONG_H1 = {"PrometheusRemoteWriteBehind": "PrometheusRemoteStorageFailures"}


@dataclass
class Adopted:
    server: Server
    root: Path
    # The runbook each old path leads to (its page's URL path and title), by old path.
    targets: dict[str, tuple[str, str]]


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory, opsbook: Any) -> Iterator[Adopted]:
    require_browser()
    if not PROMETHEUS.exists() or not RULES.exists():
        pytest.skip("../shared/corpus is absent: the shared test data is not checked out here")
    tmp = tmp_path_factory.mktemp("adopted")
    root = tmp / "handbook"
    run: Run = opsbook("init", root, "--today", TODAY, cwd=tmp)
    assert run.code == 0, run.err
    adopt_prometheus(opsbook, root)
    # The one screenshot from another host would fail --strict (html-offsite): a plain link.
    shot = root / "runbooks/alertmanager/AlertmanagerFailedToSendAlerts.md"
    text = shot.read_text(encoding="utf-8")
    shot.write_text(re.sub(r"!\[([^\]]*)\]\((https://[^)]+)\)", r"[\1](\2)", text), "utf-8")
    built = build(root, tmp / "site", strict=True, today=TODAY)
    assert built.code == 0, built.log[-3000:]
    book = load.load_handbook(root)
    titles = {rb.rel: rb.title for rb in book.runbooks}
    targets = {
        old: (page_url(rel, True), titles[rel]) for old, rel in oldpaths.old_paths(book).items()
    }
    for server in serve(built.site):
        yield Adopted(server, root, targets)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launch_chromium()


def test_every_runbook_url_lands_on_its_alerts_runbook(chromium: Any, adopted: Adopted) -> None:
    urls = alert_paths()
    assert len(urls) == 139
    base = adopted.server.url
    context = chromium.new_context(viewport=DESKTOP)
    started = time.monotonic()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        landed: dict[str, tuple[int, str, str]] = {}  # old path: status, path, h1
        for _alert, path in urls:
            if path in landed:  # two rules (two severities) of one alert
                continue
            response = page.goto(base + path)
            status = response.status if response is not None else 0
            target = adopted.targets.get(oldpaths.normalise(path) or "")
            if target is not None:
                # mkdocs-redirects' page moves on by script (and a meta refresh).
                page.wait_for_url(f"{base}/{target[0]}")
            h1 = page.locator("article h1").first
            heading = h1.inner_text().replace("¶", "").strip() if h1.count() else ""
            landed[path] = (status, page.url.removeprefix(base), heading)
    finally:
        context.close()
    lost = []
    for alert, path in urls:
        status, where, heading = landed[path]
        if alert in NO_RUNBOOK:
            # The collection has no runbook for it: an honest 404, not another page.
            if status != 404:
                lost.append(f"{alert}: {path} answered {status} at {where} ({heading})")
            continue
        target = adopted.targets.get(oldpaths.normalise(path) or "")
        # The runbook's page, headed with the alert's name (or, in two runbooks, the
        # runbook's title in words: "CPU Throttling High").
        headings = (alert, target[1] if target else "", WRONG_H1.get(alert, ""))
        if target is None or where != "/" + target[0] or heading not in headings:
            lost.append(f"{alert}: {path} landed at {where} ({heading}), wanted {target}")
    assert lost == []
    assert sum(alert not in NO_RUNBOOK for alert, _path in urls) == 112
    # Bounded: a hundred-odd page loads on one served site.
    assert time.monotonic() - started < 240


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_every_generated_page_is_readable(
    chromium: Any, adopted: Adopted, label: str, viewport: dict[str, int]
) -> None:
    urls = generated_urls(adopted.root, TODAY)
    context = chromium.new_context(viewport=viewport)
    try:
        found = measure(context.new_page(), adopted.server.url, urls)
    finally:
        context.close()
    bad = problems(found, scrolling=label == "phone")
    assert bad == {}, json.dumps(bad, indent=1)
