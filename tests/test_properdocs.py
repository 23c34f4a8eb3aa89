"""ProperDocs (MkDocs 1.6 continued) builds the sample with --strict to the same site, byte for
byte but for the generator tag: the day a team moves to it, nothing changes. ProperDocs finds
the opsbook plugin under MkDocs' entry point group (it reads `mkdocs.plugins` and its own)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitebuild import sample_copy

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("properdocs") is None,
        reason="properdocs is not installed (it is in the test extra: pip install -e '.[test]')",
    ),
]

GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def _build(engine: str, root: Path, site: Path) -> None:
    env = {**os.environ, "OPSBOOK_TODAY": "2026-09-15", "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", engine, "build", "--strict", "-d", str(site)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (engine, proc.stderr[-3000:])


def _files(site: Path) -> dict[str, bytes]:
    # The gzipped sitemap carries the time it was written; its plain twin is compared.
    return {
        p.relative_to(site).as_posix(): GENERATOR.sub(b"", p.read_bytes())
        for p in site.rglob("*")
        if p.is_file() and p.suffix != ".gz"
    }


def test_properdocs_builds_the_sample_to_the_same_site(tmp_path: Path) -> None:
    root = sample_copy(tmp_path / "handbook")
    _build("mkdocs", root, tmp_path / "mkdocs-site")
    _build("properdocs", root, tmp_path / "properdocs-site")
    mkdocs_files = _files(tmp_path / "mkdocs-site")
    properdocs_files = _files(tmp_path / "properdocs-site")
    assert sorted(mkdocs_files) == sorted(properdocs_files)
    # The generated pages are there, and every file is the same.
    for page in ("incident/index.html", "alerts/index.html", "insights/index.html"):
        assert page in properdocs_files
    differ = [name for name in mkdocs_files if mkdocs_files[name] != properdocs_files[name]]
    assert differ == []
    assert b"ProperDocs" in (tmp_path / "properdocs-site" / "index.html").read_bytes()
    # Through the plugin: the sample lists it, and a runbook's page opens with its box.
    assert "  - opsbook:" in (root / "mkdocs.yml").read_text(encoding="utf-8")
    runbook = next(n for n in properdocs_files if n.startswith("runbooks/") and n.count("/") > 2)
    assert b'class="ob-meta' in properdocs_files[runbook], runbook
