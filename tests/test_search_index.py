"""The site's search (opsbook.search_index): Material's box answered from Pagefind, or Material's.

Real `mkdocs build` runs of small handbooks; what a browser does with them is in
test_browser_search.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config import load_config

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook, Run
from opsbook import search_index
from sitebuild import MATERIAL_SEARCH, Built, build, install_site, pagefind_pages

MATERIAL_WORKER = "assets/javascripts/workers/search."


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    book = Handbook(tmp_path_factory.mktemp("search-default"))
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    install_site(book.root)
    result = build(book.root, tmp_path_factory.mktemp("search-default-site"), strict=True)
    assert result.code == 0, result.log
    return result


def small_site(
    tmp_path: Path, edit: Callable[[str], str] | None = None, *, postmortem: bool = False
) -> Handbook:
    """A handbook with one runbook (and a postmortem) and the repository's site, its
    mkdocs.yml passed through edit."""
    book = Handbook(tmp_path / "book")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    if postmortem:
        book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    install_site(book.root)
    if edit is not None:
        config = (book.root / "mkdocs.yml").read_text(encoding="utf-8")
        (book.root / "mkdocs.yml").write_text(edit(config), encoding="utf-8")
    return book


def worker_of(site: Path, rel: str) -> str | None:
    return search_index.worker_loaded_by((site / rel).read_text(encoding="utf-8"))


def test_every_page_names_opsbooks_worker(built: Built) -> None:
    pages = [p for p in built.site.rglob("*.html") if '<script id="__config"' in p.read_text()]
    assert len(pages) > 10
    for page in pages:
        worker = worker_of(built.site, page.relative_to(built.site).as_posix())
        assert worker is not None and worker.endswith("assets/search-worker.js"), page
    # Relative to each page, as Material's own worker was.
    assert worker_of(built.site, "runbooks/api/roll-back/index.html") == (
        "../../../assets/search-worker.js"
    )
    assert (built.site / "assets" / "search-worker.js").read_bytes() == (
        search_index.WORKER_SOURCE.read_bytes()
    )


def test_search_index_json_holds_materials_config_only(built: Built) -> None:
    index = built.json("search/search_index.json")
    assert index["docs"] == []
    assert "separator" in index["config"]  # Material's page script reads the rest as before
    assert (built.site / "search" / "search_index.json").stat().st_size < 2000


def test_pagefind_indexes_the_articles_and_weighs_ids(built: Built) -> None:
    pages = {p["url"]: p for p in pagefind_pages(built.site)}
    runbook = pages["/runbooks/api/roll-back/"]
    assert runbook["meta"]["title"] == "Roll back a deployment"
    assert runbook["meta"]["id"] == "RB-0001"
    # The article only: not the nav, the header or the footer of every page.
    assert "Made with" not in runbook["content"]
    assert "Errors right after a deploy" in runbook["content"]  # a symptom, from frontmatter
    assert pages["/postmortems/2026-09-01-api-outage/"]["meta"]["id"] == "PM-2026-001"
    html = built.html("runbooks/api/roll-back/")
    assert 'data-pagefind-weight="10" data-pagefind-meta="id">RB-0001<' in html
    assert html.count("data-pagefind-body") == 1
    # The ¶ of each heading is not part of a title or the text.
    assert "¶" not in runbook["content"]
    # Generated listings repeat what the documents' pages say: skipped.
    assert "Roll back a deployment" not in pages["/runbooks/"]["content"]
    assert "data-pagefind-ignore" in built.html("runbooks/")
    # Alert pages and 404.html (no article of their own) are not in the index.
    assert not [url for url in pages if url.startswith("/404")]


def test_404_names_opsbooks_worker(built: Built) -> None:
    worker = worker_of(built.site, "404.html")
    assert worker is not None and worker.endswith("assets/search-worker.js")


@pytest.mark.parametrize("how", ["env", "policy"])
def test_materials_search_stays_one_setting_away(how: str, tmp_path: Path) -> None:
    book = Handbook(tmp_path / "book")
    policy = POLICY + ("site:\n  search: material\n" if how == "policy" else "")
    book.write("policy.yml", policy)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    install_site(book.root)
    result = build(
        book.root, tmp_path / "site", strict=True, env=MATERIAL_SEARCH if how == "env" else {}
    )
    assert result.code == 0, result.log
    worker = worker_of(result.site, "index.html")
    assert worker is not None and MATERIAL_WORKER in worker
    assert not (result.site / "pagefind").exists()
    assert result.json("search/search_index.json")["docs"]


def test_offline_plugin_keeps_materials_search(tmp_path: Path) -> None:
    """Opened from file:// a page cannot fetch Pagefind's chunks: Material's search stays."""
    book = small_site(tmp_path, lambda c: c.replace("plugins:\n", "plugins:\n  - offline\n", 1))
    result = build(book.root, tmp_path / "site", env={"OPSBOOK_SEARCH": ""})
    assert result.code == 0, result.log
    worker = worker_of(result.site, "index.html")
    assert worker is not None and MATERIAL_WORKER in worker
    assert not (result.site / "pagefind").exists()
    assert (result.site / "search" / "search_index.js").is_file()


def test_mkdocs_serve_keeps_materials_search(tmp_path: Path) -> None:
    """`mkdocs serve` rebuilds at each save: no whole-site Pagefind run each time."""
    book = Handbook(tmp_path / "book")
    book.write("policy.yml", POLICY)
    install_site(book.root)
    config = load_config(str(book.root / "mkdocs.yml"))
    assert search_index.engine(config, {}, "serve") == (search_index.MATERIAL, "mkdocs serve")
    assert search_index.engine(config, {}, "build")[0] == search_index.PAGEFIND
    assert search_index.engine(config, {"site": {"search": "material"}}, "build") == (
        search_index.MATERIAL,
        "chosen",
    )


def test_lint_checks_site_search(tmp_path: Path, opsbook: Callable[..., Run]) -> None:
    book = Handbook(tmp_path / "book")
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("policy.yml", POLICY + "site:\n  search: lunr\n")
    run = opsbook("lint", cwd=book.root)
    assert run.code != 0
    assert "search" in run.out + run.err
    book.write("policy.yml", POLICY + "site:\n  search: material\n")
    assert opsbook("lint", cwd=book.root).code == 0


def test_an_older_inits_hooks_file_gets_pagefind_too(tmp_path: Path) -> None:
    """The hooks/opsbook.py an older `opsbook init` copied installs the plugin, whose every
    event (on_post_page included) then runs: the site gets opsbook's search like any other."""

    def hooks_not_plugin(config: str) -> str:
        config = re.sub(r"  - opsbook:?\n(?:      .*\n)*", "", config)
        return config + "\nhooks:\n  - hooks/opsbook.py\n"

    book = small_site(tmp_path, hooks_not_plugin)
    old = (Path(__file__).parent / "old-init-hooks-opsbook.py.txt").read_text(encoding="utf-8")
    (book.root / "hooks" / "opsbook.py").write_text(old, encoding="utf-8")
    result = build(book.root, tmp_path / "site", strict=True, env={"OPSBOOK_SEARCH": ""})
    assert result.code == 0, result.log
    worker = worker_of(result.site, "index.html")
    assert worker is not None and search_index.WORKER in worker
    assert (result.site / "pagefind").is_dir()


EARLY = "Pagefind indexed"  # the DEBUG line of a build whose articles went early
SWITCHED = "Pagefind indexes pages as they are written instead"


def assert_same_index_as_pagefind_run(site: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """The bundle the build's feed wrote (opsbook.pagefind_articles) against Pagefind's own
    run over the same written pages: the same pages and the same fragments (named by their
    content). Returns the pages."""
    out = tmp_path / "cli"
    binary = search_index.pagefind_binary()
    assert binary is not None
    subprocess.run(
        [
            binary,
            "--site",
            str(site),
            "--output-path",
            str(out),
            "--silent",
            "--exclude-selectors",
            ",".join(search_index.EXCLUDED),
        ],
        check=True,
    )
    fed = site / search_index.BUNDLE
    assert sorted(p.name for p in (fed / "fragment").iterdir()) == sorted(
        p.name for p in (out / "fragment").iterdir()
    )
    entry = json.loads((fed / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(list((out / "fragment").iterdir())) > 3
    assert not [p for p in site.iterdir() if p.name.startswith(".pagefind-")]
    return pagefind_pages(site)


def test_pagefind_fed_as_pages_are_read_indexes_what_its_own_run_would(tmp_path: Path) -> None:
    book = small_site(tmp_path, postmortem=True)
    result = build(book.root, tmp_path / "site", strict=True, verbose=True)
    assert result.code == 0, result.log
    # Every article went to Pagefind before its page was written, and each written page
    # was the one predicted (opsbook.pagefind_articles): no switch to written pages.
    assert EARLY in result.log and SWITCHED not in result.log
    assert_same_index_as_pagefind_run(result.site, tmp_path)


def test_a_theme_adding_to_the_article_gets_its_written_pages_indexed(tmp_path: Path) -> None:
    # Edit buttons in the article (Material's content.action.edit): the articles predicted
    # from the pages' content are not the written ones, so the written pages are indexed.
    def edit_buttons(config: str) -> str:
        config = config.replace("  features:\n", "  features:\n    - content.action.edit\n", 1)
        return config + "repo_url: https://git.example.com/team/handbook\nedit_uri: edit/main/\n"

    book = small_site(tmp_path, edit_buttons)
    result = build(book.root, tmp_path / "site", strict=True, verbose=True)
    assert result.code == 0, result.log
    assert SWITCHED in result.log and EARLY not in result.log
    assert 'rel="edit"' in (result.site / "index.html").read_text(encoding="utf-8")
    assert_same_index_as_pagefind_run(result.site, tmp_path)


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_docs_pagefind_of_the_handbooks_own_is_replaced_with_a_warning(
    kind: str, tmp_path: Path
) -> None:
    book = small_site(tmp_path)
    if kind == "file":
        book.write("docs/pagefind", "not an index\n")
    else:
        book.write("docs/pagefind/notes.md", "# Notes\n")
    result = build(book.root, tmp_path / "site")
    assert result.code == 0, result.log
    assert "is replaced by Pagefind's search index" in result.log
    assert (result.site / "pagefind" / "pagefind-entry.json").is_file()
    strict = build(book.root, tmp_path / "strict-site", strict=True)
    assert strict.code != 0 and "Traceback" not in strict.log


LATE_HOOK = """\
from mkdocs.plugins import event_priority


@event_priority(-200)  # after opsbook's: the page's content changes after it was sent
def on_page_context(context, page, config, nav):
    if page.file.src_uri == "runbooks/api/roll-back.md":
        page.content = page.content.replace("</h1>", "</h1><p>zebrafinch</p>", 1)
"""


def test_content_changed_after_it_was_sent_is_indexed_as_written(tmp_path: Path) -> None:
    # A plugin changes one page's content late: pages checked before it are sent again to
    # a new service, and every page after it as written; the index holds the new word.
    book = small_site(tmp_path, lambda c: c + "hooks:\n  - late.py\n", postmortem=True)
    book.write("late.py", LATE_HOOK)
    result = build(book.root, tmp_path / "site", strict=True)
    assert result.code == 0, result.log
    assert "runbooks/api/roll-back/index.html: its content changed" in result.log
    pages = assert_same_index_as_pagefind_run(result.site, tmp_path)
    assert [p["url"] for p in pages if "zebrafinch" in p["content"]] == ["/runbooks/api/roll-back/"]


def test_a_pagefind_service_that_fails_is_an_error_not_a_hang(tmp_path: Path) -> None:
    from opsbook.pagefind_feed import PagefindFeed

    for binary in ("/bin/false", "/bin/echo"):  # exits at once; answers what is no message
        feed = PagefindFeed(binary, ())
        feed.add("a/index.html", "<html><body><p>x</p></body></html>")
        problem = feed.write(str(tmp_path / "out"))
        assert problem is not None and "Pagefind" in problem, binary
