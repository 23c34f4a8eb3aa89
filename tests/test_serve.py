"""`mkdocs serve` survives a broken document: the page shows the error, then recovers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import REPO
from sitebuild import sample_copy

SITE_READY = (REPO / "hooks" / "opsbook.py").is_file() and (REPO / "mkdocs.yml").is_file()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SITE_READY, reason="site not built yet"),
]

# Bounds for the polling loops below (a build of the sample takes seconds; CI machines are slow).
STARTUP_TIMEOUT = 240.0
REBUILD_TIMEOUT = 180.0
POLL = 0.25


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str) -> tuple[int, str]:
    """Status and body of url; (0, reason) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, str(exc)


class Server:
    """A `mkdocs serve` process on 127.0.0.1, with its output in a log file."""

    def __init__(self, root: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "serve",
                "--dev-addr",
                f"127.0.0.1:{self.port}",
            ],
            cwd=root,
            env={**os.environ, "OPSBOOK_TODAY": "2026-09-15", "NO_MKDOCS_2_WARNING": "1"},
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, path: str, ready: Callable[[str], bool], timeout: float, what: str) -> str:
        """Poll path until ready(body) with a 200; fail if the server dies or time runs out."""
        deadline = time.monotonic() + timeout
        status, body = 0, ""
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"mkdocs serve exited:\n{self.output()[-4000:]}"
            status, body = fetch(self.url(path))
            if status == 200 and ready(body):
                return body
            time.sleep(POLL)
        tail = self.output()[-4000:]
        pytest.fail(f"timed out waiting for {what} (last status {status}):\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
        self._out.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    root = sample_copy(tmp_path / "handbook")
    srv = Server(root, tmp_path / "serve.log")
    try:
        yield srv, root
    finally:
        srv.stop()


def page_of(rel: str) -> str:
    """The served path of a runbook: runbooks/a/b.md -> runbooks/a/b/."""
    return rel.removesuffix(".md") + "/"


def test_serve_shows_a_broken_runbook_and_recovers(server: tuple[Server, Path]) -> None:
    srv, root = server
    runbook = sorted((root / "runbooks").rglob("*.md"))[0]
    rel = runbook.relative_to(root).as_posix()
    good = runbook.read_text(encoding="utf-8")
    lines = good.split("\n")
    title_line = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    title = lines[title_line].removeprefix("title:").strip()

    page = srv.wait_for(
        page_of(rel), lambda body: "ob-meta" in body, STARTUP_TIMEOUT, f"{rel}'s page"
    )
    assert "ob-banner" not in page

    # "key: value: value" is a YAML syntax error on that very line: the file cannot be read.
    lines[title_line] = f"title: Broken: {title}"
    runbook.write_text("\n".join(lines), encoding="utf-8")
    where = f"{rel}:{title_line + 1}:"
    page = srv.wait_for(
        page_of(rel), lambda body: "ob-banner" in body, REBUILD_TIMEOUT, "the error banner"
    )
    banner = page[page.index("ob-banner") :]
    assert "yaml-syntax" in banner and where in banner, banner[:3000]
    assert re.search(r'role="alert"', page)
    # Still up, and the rest of the site still served.
    assert srv.proc.poll() is None
    assert fetch(srv.url("/"))[0] == 200

    runbook.write_text(good, encoding="utf-8")
    page = srv.wait_for(
        page_of(rel),
        lambda body: "ob-banner" not in body and "ob-meta" in body,
        REBUILD_TIMEOUT,
        "the page to recover",
    )
    assert srv.proc.poll() is None
    assert "Traceback" not in srv.output()


def test_serve_watches_folders_made_after_it_started(tmp_path: Path) -> None:
    root = sample_copy(tmp_path / "handbook")
    postmortems = root / "postmortems"
    saved = tmp_path / "saved-postmortems"
    postmortems.rename(saved)
    srv = Server(root, tmp_path / "serve.log")
    try:
        srv.wait_for("postmortems/", lambda body: "ob-" in body, STARTUP_TIMEOUT, "the site")
        first = sorted(saved.glob("*.md"))[0]
        postmortems.mkdir()  # and at once a file in it, maybe before the folder is watched
        (postmortems / first.name).write_text(first.read_text(encoding="utf-8"), "utf-8")
        slug = first.name.removesuffix(".md")
        srv.wait_for(
            "postmortems/",
            lambda body: f"{slug}/" in body,
            REBUILD_TIMEOUT,
            "the new postmortem in the list",
        )
        # And a second file in the same new folder: the folder is watched now.
        second = sorted(saved.glob("*.md"))[1]
        (postmortems / second.name).write_text(second.read_text(encoding="utf-8"), "utf-8")
        srv.wait_for(
            "postmortems/",
            lambda body: f"{second.name.removesuffix('.md')}/" in body,
            REBUILD_TIMEOUT,
            "the second postmortem",
        )
        assert "Traceback" not in srv.output()
    finally:
        srv.stop()
