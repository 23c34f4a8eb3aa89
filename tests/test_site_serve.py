"""`mkdocs serve` keeps opsbook loaded between rebuilds: no state may leak across them.

These tests rebuild in one process, as serve does (config reloaded, modules cached).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook
from htmldom import parse
from opsbook import site
from opsbook.plugin import OpsbookPlugin
from sitebuild import install_site

pytestmark = pytest.mark.slow


def rebuild(root: Path, site_dir: Path) -> None:
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site_dir))
    mkdocs_build(config)


def test_rebuilds_start_from_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", "2026-09-15")
    monkeypatch.chdir(tmp_path)
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("runbooks/api/other.md", RUNBOOK.replace("RB-0001", "RB-0002"))
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    install_site(book.root)
    out = tmp_path / "site"

    rebuild(book.root, out)
    first = parse((out / "runbooks/index.html").read_text()).find("article").text()
    assert "RB-0002" in first

    # Edit one runbook, delete another: the next build must not remember either.
    book.write("runbooks/api/roll-back.md", RUNBOOK.replace("title: Roll back", "title: Revert"))
    (book.root / "runbooks/api/other.md").unlink()
    rebuild(book.root, out)
    second = parse((out / "runbooks/index.html").read_text()).find("article").text()
    assert "RB-0002" not in second
    assert "Revert a deployment" in second
    assert not (out / "runbooks/api/other").exists()
    page = parse((out / "runbooks/api/roll-back/index.html").read_text())
    assert page.find("title").text().startswith("Revert a deployment")

    # A policy that cannot be read stops the build and leaves no build state behind.
    book.write("policy.yml", "severities: [\n")
    with pytest.raises(Abort):
        rebuild(book.root, out)
    with pytest.raises(RuntimeError, match="plugin is not active"):
        site.current()


def test_one_plugin_instance_builds_twice_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same config (and so the same plugin object) built twice, other content between."""
    monkeypatch.setenv("OPSBOOK_TODAY", "2026-09-15")
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("runbooks/api/other.md", RUNBOOK.replace("RB-0001", "RB-0002"))
    install_site(book.root)
    out = tmp_path / "site"
    config = load_config(str(book.root / "mkdocs.yml"), site_dir=str(out))
    plugin = config.plugins["opsbook"]
    assert isinstance(plugin, OpsbookPlugin)
    mkdocs_build(config)
    assert plugin.build is not None and "runbooks/api/other.md" in plugin.build.documents
    (book.root / "runbooks/api/other.md").unlink()
    book.write("runbooks/api/roll-back.md", RUNBOOK.replace("title: Roll back", "title: Revert"))
    mkdocs_build(config)
    assert config.plugins["opsbook"] is plugin
    assert sorted(plugin.build.documents) == ["runbooks/api/roll-back.md"]
    listing = parse((out / "runbooks/index.html").read_text()).find("article").text()
    assert "RB-0002" not in listing and "Revert a deployment" in listing
    page = parse((out / "runbooks/api/roll-back/index.html").read_text())
    assert len(page.find("article").find_all("div", cls="ob-meta")) == 1
    # Python-Markdown's extension is registered once, however many builds.
    assert sum(type(e).__name__ == "FinishedHtml" for e in config.markdown_extensions) == 1


class FakeServer:
    def __init__(self) -> None:
        self.watched: list[str] = []

    def watch(self, path: str, *args: Any) -> None:
        self.watched.append(path)


def test_serve_watches_the_documents_and_the_policy(handbook: Handbook) -> None:
    (handbook.root / "schemas").mkdir()
    server = FakeServer()
    plugin = OpsbookPlugin()
    plugin.load_config({}, str(handbook.root / "mkdocs.yml"))
    config = MkDocsConfig(config_file_path=str(handbook.root / "mkdocs.yml"))
    plugin.on_serve(server, config=config, builder=None)  # type: ignore[arg-type]
    root = handbook.root.resolve()
    assert server.watched == [
        str(root / "runbooks"),
        str(root / "postmortems"),
        str(root / "policy.yml"),
        str(root / "schemas"),
    ]
