"""A build by an engine that runs no plugins must not look like success: the home page says so."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitebuild import sample_copy

NOTICE = 'class="ob-needs-opsbook"'


def _build(root: Path, site: Path) -> str:
    env = {**os.environ, "OPSBOOK_TODAY": "2026-09-15", "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(site)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return (site / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_home_page_says_when_opsbook_did_not_build_it(tmp_path: Path) -> None:
    root = sample_copy(tmp_path / "handbook")
    with_opsbook = _build(root, tmp_path / "site")
    # Built with opsbook: the notice is there, and the stylesheet that hides it is linked.
    assert NOTICE in with_opsbook and "assets/opsbook.css" in with_opsbook
    css = (tmp_path / "site" / "assets" / "opsbook.css").read_text(encoding="utf-8")
    assert ".ob-needs-opsbook {\n  display: none;" in css
    # As an engine that runs no third-party plugins builds it: no stylesheet of opsbook's,
    # the notice shows.
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    without = re.sub(r"\n  - opsbook:\n(      .*\n)*", "\n", text)
    assert without != text and "  - opsbook:" not in without
    config.write_text(without, "utf-8")
    bare = _build(root, tmp_path / "bare")
    assert NOTICE in bare and "opsbook.css" not in bare
    assert "mkdocs build" in bare and "properdocs build" in bare
