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

MkDocs never waits for Pagefind: pages go into a queue that a writer thread empties into the
service's stdin, and a reader thread collects the answers and the first error.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import threading
from typing import Any

# Longest the service may take to write its bundle after the last page (10,000 documents
# take seconds).
WRITE_TIMEOUT = 900.0
_DONE = None  # the writer thread's stop signal


class PagefindFeed:
    """One index in one `pagefind --service` process, fed pages from the build's thread."""

    def __init__(self, binary: str, exclude_selectors: tuple[str, ...]) -> None:
        self._proc = subprocess.Popen(
            [binary, "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._queue: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
        # The highest message the service has answered (it answers in order, one at a time).
        self._answered_id = 0
        self._lock = threading.Lock()
        self._answers: dict[int, dict[str, Any]] = {}
        self._answered = threading.Condition(self._lock)
        self._error: str | None = None
        self._last_id = 0
        self._index_id: int | None = None
        self._write_id: int | None = None
        self._writer = threading.Thread(target=self._write, name="pagefind-writer", daemon=True)
        self._reader = threading.Thread(target=self._read, name="pagefind-reader", daemon=True)
        self._writer.start()
        self._reader.start()
        first = self._send(
            {"type": "NewIndex", "config": {"exclude_selectors": list(exclude_selectors)}}
        )
        answer = self._wait(first, WRITE_TIMEOUT)
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
        indexed; never waits (`written` does)."""
        if self._index_id is not None and self._write_id is None:
            self._write_id = self._send(
                {"type": "WriteFiles", "index_id": self._index_id, "output_path": output_path}
            )

    def written(self) -> str | None:
        """Wait for the bundle `start_write` asked for, and stop the service; None, or the
        error."""
        try:
            if self._index_id is None:
                return self._error or "Pagefind's service did not start an index"
            if self._write_id is None:
                return "Pagefind was not asked to write its index"
            answer = self._wait(self._write_id, WRITE_TIMEOUT)
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
        self._queue.put(_DONE)
        if self._proc.poll() is None:
            self._writer.join(timeout=5)
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    # --- the protocol -------------------------------------------------------------------

    def _send(self, payload: dict[str, Any]) -> int:
        with self._lock:
            self._last_id += 1
            message_id = self._last_id
        message = json.dumps({"message_id": message_id, "payload": payload})
        self._queue.put((message_id, base64.b64encode(message.encode("utf-8")) + b","))
        return message_id

    def _wait(self, message_id: int, timeout: float) -> dict[str, Any] | None:
        with self._answered:
            self._answered.wait_for(
                lambda: message_id in self._answers or self._error is not None, timeout
            )
            return self._answers.pop(message_id, None)

    def _wait_answered(self, message_id: int) -> None:
        with self._answered:
            self._answered.wait_for(
                lambda: self._answered_id >= message_id or self._error is not None
            )

    def _fail(self, message: str) -> None:
        with self._answered:
            if self._error is None:
                self._error = message
            self._answered.notify_all()

    def _write(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            while (item := self._queue.get()) is not _DONE:
                message_id, chunk = item
                stdin.write(chunk)
                stdin.flush()
                # One page at a time: the service numbers pages as it finishes them, and
                # pages indexed side by side would make the bundle differ from build to
                # build. Its indexing (under 2 ms a page) keeps up with MkDocs (about 10 ms).
                self._wait_answered(message_id)
                if self._error is not None:
                    return
            stdin.close()
        except (OSError, ValueError) as exc:
            self._fail(f"Pagefind's service stopped reading pages: {exc}")

    def _read(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        buffer = b""
        try:
            while chunk := os.read(stdout.fileno(), 1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b",")
                for message in messages:
                    self._answer(json.loads(base64.b64decode(message)))
        except (OSError, ValueError) as exc:
            self._fail(f"Pagefind's service answered what opsbook cannot read: {exc}")
            return
        if self._proc.wait() not in (0, -15):  # -15: terminated by close()
            self._fail(f"Pagefind's service exited {self._proc.returncode}")
        else:
            self._fail("Pagefind's service stopped")

    def _answer(self, response: dict[str, Any]) -> None:
        payload = response.get("payload") or {}
        if payload.get("type") == "Error":
            self._fail(f"Pagefind: {payload.get('message', 'an error')}")
            return
        message_id = response.get("message_id")
        if isinstance(message_id, int):
            with self._answered:
                self._answered_id = max(self._answered_id, message_id)
                self._answered.notify_all()
        # Each page's answer is only counted: keeping 10,000 of them would hold their metadata.
        if payload.get("type") in ("NewIndex", "WriteFiles") and isinstance(message_id, int):
            with self._answered:
                self._answers[message_id] = payload
                self._answered.notify_all()
