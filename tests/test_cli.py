"""The `opsbook` command itself: its version."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from pathlib import Path

from conftest import Run


def test_version(opsbook: Callable[..., Run], tmp_path: Path) -> None:
    run = opsbook("--version", cwd=tmp_path)
    assert run.code == 0
    assert run.out.strip() == f"opsbook {importlib.metadata.version('opsbook')}"
