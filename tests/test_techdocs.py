"""A Backstage TechDocs build: mkdocs-techdocs-core and the opsbook plugin, no `hooks:` key.

TechDocs removes `hooks:` from mkdocs.yml (a code-execution CVE) but runs installed plugins.
techdocs-core pins its own Material, Markdown and pymdown-extensions, so the build runs in
.venv-techdocs, which `make test` makes (`make techdocs-deps`).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook
from htmldom import parse
from sitebuild import REPO

pytestmark = pytest.mark.slow

VENV = REPO / ".venv-techdocs"
PYTHON = VENV / "bin" / "python"

CONFIG = """\
site_name: Payments handbook
nav:
  - Home: index.md
  - Incident: incident/index.md
  - Runbooks: runbooks/index.md
plugins:
  - techdocs-core
  - opsbook
"""


@pytest.fixture(scope="module")
def techdocs_python() -> Path:
    if not (VENV / ".installed").is_file():
        pytest.skip(
            f"{VENV.name} could not be made (`make techdocs-deps` installs "
            "mkdocs-techdocs-core==1.7.1 from the package registry, unreachable here)"
        )
    return PYTHON


def test_techdocs_core_builds_the_handbook_with_the_plugin(
    techdocs_python: Path, tmp_path: Path
) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    book.write("docs/index.md", "# Payments handbook\n")
    book.write("mkdocs.yml", CONFIG)
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(OPSBOOK_TODAY="2026-09-15", NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [str(techdocs_python), "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=book.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "hooks" not in (book.root / "mkdocs.yml").read_text(encoding="utf-8")
    incident = parse((site / "incident" / "index.html").read_text(encoding="utf-8"))
    assert "Roll back a deployment" in incident.find("article").text()
    runbook = parse((site / "runbooks/api/roll-back/index.html").read_text(encoding="utf-8"))
    box = runbook.find("article").find("div", cls="ob-meta")
    assert box is not None and "Last reviewed" in box.text()
    assert (site / "assets" / "opsbook.css").is_file()
    assert (site / "action-items.json").is_file()
    # Backstage's search collator reads the site's search index: it stays whole there.
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(e["location"].startswith("runbooks/api/roll-back/") for e in index["docs"])
    assert not (site / "pagefind").exists()
