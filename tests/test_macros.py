"""opsbook's macros without opsbook's MkDocs adapter: they load the handbook themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import POLICY, RUNBOOK, Handbook, dedent
from opsbook import macros

TODAY = "2026-09-15"

CONFIG = dedent(
    """
    site_name: Macros
    theme: {name: material}
    plugins:
      - search
      - macros:
          modules: [opsbook.macros]
          render_by_default: false
          on_error_fail: true
    """
)

TABLES = '---\nrender_macros: true\n---\n# Tables\n\n{{ runbook_list(service="api") }}\n'


class Env:
    """What an engine's macros plugin hands define_env: its configuration and the page."""

    def __init__(self, conf: dict[str, Any], page: Any) -> None:
        self.conf, self.page = conf, page
        self.registered: dict[str, Any] = {}

    def macro(self, fn: Any) -> Any:
        self.registered[fn.__name__] = fn
        return fn


class ZensicalPage:
    """Zensical's macros extension gives the page's path relative to docs_dir, no File."""

    def __init__(self, path: str) -> None:
        self.path, self.url = path, path.removesuffix(".md") + "/"


def _book(tmp_path: Path) -> Handbook:
    book = Handbook(tmp_path / "book")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("mkdocs.yml", CONFIG)
    book.write("docs/index.md", "# Home\n")
    book.write("docs/guide/tables.md", TABLES)
    return book


def test_outside_a_build_the_macros_load_the_handbook_once_per_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    book = _book(tmp_path)
    conf = {"root_dir": str(book.root), "use_directory_urls": True}
    # Zensical calls define_env for every page, with a new env each time.
    first, second = Env(conf, ZensicalPage("guide/tables.md")), Env(conf, ZensicalPage("a.md"))
    macros.define_env(first)
    macros.define_env(second)
    assert sorted(first.registered) == sorted(macros.NAMES)
    html = first.registered["runbook_list"](service="api")
    # Zensical rebases the links of a page's HTML from its source file: so they are written.
    assert 'href="../runbooks/api/roll-back.md"' in html
    assert 'href="runbooks/api/roll-back.md"' in second.registered["runbook_list"]()
    loaded = macros.standalone_context(conf, book.root, source_hrefs=True)
    assert macros.standalone_context(conf, book.root, source_hrefs=True) is loaded
    # Another configuration (a rebuild) loads the handbook again, and sees its changes.
    book.write("runbooks/api/other.md", RUNBOOK.replace("RB-0001", "RB-0002"))
    again = {**conf}
    assert macros.standalone_context(again, book.root, source_hrefs=True) is not loaded
    assert len(macros.standalone_context(again, book.root, True).handbook.runbooks) == 2


def test_the_page_path_comes_from_what_the_engine_gives() -> None:
    class File:
        src_uri = "guide/tables.md"

    class MkDocsPage:
        file = File()

    assert macros.page_uri(MkDocsPage()) == "guide/tables.md"
    assert macros.page_uri(ZensicalPage("ops/x.md")) == "ops/x.md"
    # Neither (a macro rendered outside a page): links are made from the home page.
    assert macros.page_uri(None) == "index.md"


@pytest.mark.slow
def test_mkdocs_without_opsbooks_hooks_renders_the_macros(tmp_path: Path) -> None:
    book = _book(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(tmp_path / "site")],
        cwd=book.root,
        env={**os.environ, "OPSBOOK_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (tmp_path / "site/guide/tables/index.html").read_text(encoding="utf-8")
    # From page.file.src_uri: guide/tables/ is two folders below the root.
    assert 'href="../../runbooks/api/roll-back/"' in page and "{{" not in page
