"""Edit to preview (opsbook.preview, `opsbook serve`): a save re-renders what it touches, and
the pages it settles on are the pages a cold build makes.

Most tests drive the library in this process as the server does (a first build, then the
builder after each save); one starts the real `opsbook serve` on a free port. No timings
here: bench/preview.py measures them.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook
from opsbook import preview
from sitebuild import install_site

pytestmark = pytest.mark.slow

TODAY = "2026-09-15"

RUNBOOK_2 = (
    RUNBOOK.replace("RB-0001", "RB-0002")
    .replace("title: Roll back a deployment", "title: Drain a node\nrelated: [RB-0001]")
    .replace("service: api", "service: nodes")
    .replace("# Roll back a deployment", "# Drain a node")
)

# The pages a save of runbooks/api/roll-back.md shows on: its own, its service's, the runbooks
# index, the incident page.
PAGES = (
    "runbooks/api/roll-back/index.html",
    "services/api/index.html",
    "runbooks/index.html",
    "incident/index.html",
    # Names the saved runbook in its box (related: [RB-0001]).
    "runbooks/nodes/drain/index.html",
)


def _book(tmp_path: Path) -> Handbook:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("runbooks/nodes/drain.md", RUNBOOK_2)
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    install_site(book.root)
    return book


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Handbook, preview.Preview]:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    book = _book(tmp_path)
    monkeypatch.chdir(book.root)
    server = preview.Preview(str(book.root / "mkdocs.yml"), "127.0.0.1:8999")
    server.full(fresh=False)
    return book, server


def _save(book: Handbook, rel: str, text: str) -> None:
    # A later mtime even on a coarse clock: the server's stat scan sees every save.
    path = book.write(rel, text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _page(server: preview.Preview, rel: str) -> str:
    return (Path(server.site_dir) / rel).read_text(encoding="utf-8")


def _cold(book: Handbook) -> preview.Preview:
    """A cold build of the handbook as it is now, by a new server (the same config)."""
    cold = preview.Preview(str(book.root / "mkdocs.yml"), "127.0.0.1:8999")
    cold.full(fresh=False)
    return cold


def test_a_saved_runbook_shows_first_then_its_dependents(
    served: tuple[Handbook, preview.Preview],
) -> None:
    book, server = served
    assert "Roll back a deployment" in _page(server, "runbooks/index.html")
    _save(book, "runbooks/api/roll-back.md", RUNBOOK.replace("Roll back a", "Undo a"))
    server.builder()
    assert server.last.kind == "page"
    assert "Undo a deployment" in _page(server, "runbooks/api/roll-back/index.html")
    # Not yet: the dependents come in the second pass the trigger file asks for.
    assert "Undo a deployment" not in _page(server, "runbooks/index.html")
    assert server.trigger.is_file()
    server.builder()
    assert server.last.kind == "dependents"
    assert "Undo a deployment" in _page(server, "runbooks/index.html")
    assert "Undo a deployment" in _page(server, "services/api/index.html")


def test_settled_pages_equal_a_cold_build(served: tuple[Handbook, preview.Preview]) -> None:
    book, server = served
    for n in range(2):
        text = RUNBOOK.replace("Roll back a", f"Undo{n} a").replace(
            "Run `kubectl", f"Step {n}: run `kubectl"
        )
        _save(book, "runbooks/api/roll-back.md", text)
        server.builder()
        server.builder()
    assert server.last.kind == "dependents"
    cold = _cold(book)
    for rel in PAGES:
        assert _page(server, rel) == _page(cold, rel), rel
    for name in ("action-items.json", "insights.json"):
        assert _page(server, name) == _page(cold, name), name


def test_a_lint_problem_the_save_brings_is_logged(
    served: tuple[Handbook, preview.Preview], caplog: pytest.LogCaptureFixture
) -> None:
    book, server = served
    caplog.set_level(logging.WARNING, logger="mkdocs.plugins.opsbook")
    # A duplicate id: a cross-document check, rerun over the whole handbook.
    _save(book, "runbooks/nodes/drain.md", RUNBOOK_2.replace("RB-0002", "RB-0001"))
    server.builder()
    assert server.last.kind == "page"
    found = [r.getMessage() for r in caplog.records if "runbooks/nodes/drain.md" in r.getMessage()]
    assert any("RB-0001" in m for m in found), found
    # The other half of the duplicate gets its banner in the second pass, as a cold build has.
    server.builder()
    cold = _cold(book)
    for rel in ("runbooks/api/roll-back/index.html", "runbooks/nodes/drain/index.html"):
        assert _page(server, rel) == _page(cold, rel), rel


def test_bad_yaml_shows_the_banner_a_cold_build_shows(
    served: tuple[Handbook, preview.Preview],
) -> None:
    book, server = served
    broken = RUNBOOK.replace("title: Roll back a deployment", "title: [unclosed")
    _save(book, "runbooks/api/roll-back.md", broken)
    server.builder()  # no exception: the page shows the document's problem
    server.builder()
    assert server.last.kind == "dependents"
    cold = _cold(book)
    rel = "runbooks/api/roll-back/index.html"
    assert _page(server, rel) == _page(cold, rel)


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("runbooks/api/new.md", RUNBOOK.replace("RB-0001", "RB-0009")),  # a new document
        ("policy.yml", POLICY.replace("Service down for everyone", "Everything is down")),
    ],
)
def test_a_new_document_or_a_policy_change_rebuilds_the_site(
    served: tuple[Handbook, preview.Preview], rel: str, text: str
) -> None:
    book, server = served
    _save(book, rel, text)
    server.builder()
    assert server.last.kind == "full"


def test_a_deleted_document_rebuilds_the_site(served: tuple[Handbook, preview.Preview]) -> None:
    book, server = served
    (book.root / "runbooks/nodes/drain.md").unlink()
    server.builder()
    assert server.last.kind == "full"
    assert not (Path(server.site_dir) / "runbooks/nodes/drain/index.html").exists()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body: bytes = response.read()
            return body.decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def _wait_for(url: str, marker: str, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if marker in _fetch(url):
            return True
        time.sleep(0.1)
    return False


def test_the_real_server_shows_a_save(tmp_path: Path) -> None:
    book = _book(tmp_path)
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "OPSBOOK_TODAY": TODAY}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "opsbook", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=book.root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        page = base + "runbooks/api/roll-back/"
        assert _wait_for(page, "Roll back a deployment", proc, 120), log.read_text()
        time.sleep(1.0)  # the watcher is on
        _save(book, "runbooks/api/roll-back.md", RUNBOOK.replace("Roll back a", "Undo a"))
        assert _wait_for(page, "Undo a deployment", proc, 60), log.read_text()
        assert _wait_for(base + "runbooks/", "Undo a deployment", proc, 60), log.read_text()
        # The live reload script MkDocs' server puts in every page.
        assert "livereload" in _fetch(page)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert "Traceback" not in log.read_text(errors="replace")
