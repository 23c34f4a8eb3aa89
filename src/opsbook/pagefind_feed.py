"""Pagefind's service, fed page by page while MkDocs builds: the index is made on the second core.

Run after the build (`pagefind --site site/`), Pagefind re-read and indexed every page while
nothing else ran: 8 s of a 31 s build at 3,000 documents, most of what opsbook's build cost
above a plain Material build. `pagefind --service` (the mode Pagefind's own Node and Python
APIs drive) takes each page as it comes and indexes it in its own process; what is sent and
when is opsbook.pagefind_articles' business.

Pagefind's Python API (`pagefind.index.PagefindIndex`) speaks the same protocol, but its
reader sleeps 0.1 s before each response (pagefind 1.5.2, service/__init__.py
`_wait_for_responses`): 3,000 pages would wait 300 s. So this module speaks it itself, in a
few lines: each message is base64 of JSON `{"message_id", "payload"}` followed by a comma, on
stdin; answers come back the same way on stdout.

One page at a time: the service numbers pages as it finishes them, so pages indexed side by
side would make the bundle differ from build to build. Each page is sent once the one before
it is answered (Pagefind takes under 2 ms a page, MkDocs about 5 to make one).

No thread: the build's own thread sends and reads, through non-blocking pipes, whenever it
hands over a page (`add`), and waits only when it asks for the bundle. A writer and a reader
thread did it before, and each page then woke them three or four times: each wake took
Python's GIL from MkDocs, 1.8 s of a 21 s build at 3,000 documents.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import os
import select
import subprocess
import time
from collections.abc import Callable
from typing import Any

# Longest the service may take to answer what the build waits for: starting an index, taking
# the pages still to send, writing its bundle (10,000 documents take seconds).
WRITE_TIMEOUT = 900.0


class PagefindFeed:
    """One index in one `pagefind --service` process, fed pages from the build's thread."""

    def __init__(self, binary: str, exclude_selectors: tuple[str, ...]) -> None:
        self._proc = subprocess.Popen(
            [binary, "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin = self._proc.stdin.fileno()
        self._stdout = self._proc.stdout.fileno()
        os.set_blocking(self._stdin, False)
        os.set_blocking(self._stdout, False)
        self._last_id = 0
        # Messages not sent yet; the one being sent (its id, its bytes not written yet).
        self._queue: collections.deque[tuple[int, bytes]] = collections.deque()
        self._in_flight: int | None = None
        self._unwritten = b""
        # The last message taken from the queue (sent, or being sent).
        self._taken = 0
        self._read_buffer = b""
        # Answers kept: the index's and the bundle's (each page's is only counted).
        self._answers: dict[int, dict[str, Any]] = {}
        self._error: str | None = None
        self._index_id: int | None = None
        self._write_id: int | None = None
        first = self._send(
            {"type": "NewIndex", "config": {"exclude_selectors": list(exclude_selectors)}}
        )
        answer = self._wait(first)
        index_id = answer.get("index_id") if answer is not None else None
        if isinstance(index_id, int):
            self._index_id = index_id

    # --- what the build calls -----------------------------------------------------------

    def add(self, path: str, html: str) -> None:
        """Index a page written at path (relative to the site, `/` separated); never waits."""
        if self._index_id is None or self._error is not None:
            return
        self._send(
            {
                "type": "AddFile",
                "index_id": self._index_id,
                "file_path": path,
                "url": None,
                "file_contents": html,
            }
        )

    def start_write(self, output_path: str) -> None:
        """Have the service write the bundle into output_path once every page sent so far is
        indexed. Waits only until the pages still queued are sent, so that the service works
        on them and the bundle while the build goes on."""
        if self._index_id is None or self._write_id is not None:
            return
        self._write_id = self._send(
            {"type": "WriteFiles", "index_id": self._index_id, "output_path": output_path}
        )
        write_id = self._write_id
        if not self._until(lambda: self._taken >= write_id and not self._unwritten):
            self._fail(f"Pagefind did not take its pages within {WRITE_TIMEOUT:.0f} s")

    def written(self) -> str | None:
        """Wait for the bundle `start_write` asked for, and stop the service; None, or the
        error."""
        try:
            if self._index_id is None:
                return self._error or "Pagefind's service did not start an index"
            if self._write_id is None:
                return "Pagefind was not asked to write its index"
            answer = self._wait(self._write_id)
            if self._error is not None:
                return self._error
            if answer is None:
                return f"Pagefind did not write its index within {WRITE_TIMEOUT:.0f} s"
            return None
        finally:
            self.close()

    def write(self, output_path: str) -> str | None:
        """Write the bundle into output_path once every page is indexed; None, or the error."""
        self.start_write(output_path)
        return self.written()

    def close(self) -> None:
        """Stop the service (the build ended or failed); safe to call twice."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    # --- the protocol -------------------------------------------------------------------

    def _send(self, payload: dict[str, Any]) -> int:
        self._last_id += 1
        message = json.dumps({"message_id": self._last_id, "payload": payload})
        self._queue.append((self._last_id, base64.b64encode(message.encode("utf-8")) + b","))
        self._pump(None)
        return self._last_id

    def _wait(self, message_id: int) -> dict[str, Any] | None:
        self._until(lambda: message_id in self._answers)
        return self._answers.pop(message_id, None)

    def _until(self, done: Callable[[], bool]) -> bool:
        """Send and read until done() or an error; False if WRITE_TIMEOUT passed first."""
        deadline = time.monotonic() + WRITE_TIMEOUT
        while self._error is None and not done():
            if not self._pump(deadline):
                return False
        return True

    def _fail(self, message: str) -> None:
        if self._error is None:
            self._error = message

    def _pump(self, deadline: float | None) -> bool:
        """Read and send what the pipes take; with a deadline, first wait until one of them
        is ready (at once if one is). False if the deadline passed."""
        if deadline is not None and self._error is None:
            # A message the service may take now is sent before waiting (what it answered
            # is read after: reading it here would leave nothing to wake the wait).
            self._step(read=False)
            left = deadline - time.monotonic()
            writing = [self._stdin] if self._unwritten else []
            if left <= 0 or not any(select.select([self._stdout], writing, [], left)):
                return False
        self._step()
        return True

    def _step(self, read: bool = True) -> None:
        try:
            if read:
                self._read()
            self._write()
        except (OSError, ValueError) as exc:
            self._fail(f"Pagefind's service stopped: {exc}")

    def _write(self) -> None:
        while self._error is None:
            if not self._unwritten:
                if self._in_flight is not None or not self._queue:
                    return
                self._in_flight, self._unwritten = self._queue.popleft()
                self._taken = self._in_flight
            try:
                written = os.write(self._stdin, self._unwritten)
            except BlockingIOError:
                return
            self._unwritten = self._unwritten[written:]

    def _read(self) -> None:
        while self._error is None:
            try:
                chunk = os.read(self._stdout, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                try:
                    code = self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._fail("Pagefind's service closed its output")
                    return
                self._fail(f"Pagefind's service exited {code}")
                return
            *messages, self._read_buffer = (self._read_buffer + chunk).split(b",")
            for message in messages:
                self._answer(json.loads(base64.b64decode(message)))

    def _answer(self, response: dict[str, Any]) -> None:
        payload = response.get("payload") or {}
        if payload.get("type") == "Error":
            self._fail(f"Pagefind: {payload.get('message', 'an error')}")
            return
        message_id = response.get("message_id")
        if message_id == self._in_flight and not self._unwritten:
            self._in_flight = None
        # Each page's answer is only counted: keeping 10,000 of them would hold their metadata.
        if payload.get("type") in ("NewIndex", "WriteFiles") and isinstance(message_id, int):
            self._answers[message_id] = payload
