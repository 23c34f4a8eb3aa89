"""The ways a site runs opsbook: the plugin, the hooks/opsbook.py shim, and an older handbook's
copied hooks file; each build has opsbook's pages, and a second build starts from scratch."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook
from sitebuild import REPO, Built, build, install_site, site_config, warnings

pytestmark = pytest.mark.slow

# hooks/opsbook.py as `opsbook init` wrote it into every handbook before opsbook was a plugin
# (it imports eight event handlers from opsbook.site): those copies are the handbooks' own, and
# must build as they are.
OLD_INIT_HOOKS = (Path(__file__).parent / "old-init-hooks-opsbook.py.txt").read_text("utf-8")

PLUGIN_ENTRY = "  - opsbook:\n"
# These tests check what the plugin gives Material's search (the id field, held listings).
MATERIAL = {"OPSBOOK_SEARCH": "material"}


def _handbook(root: Path) -> Handbook:
    book = Handbook(root)
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    book.write("docs/index.md", "# Home\n")
    return book


def _hooks_instead_of_plugin(config: str) -> str:
    """The repository's mkdocs.yml with the opsbook plugin's entry replaced by the hooks file."""
    lines = config.splitlines(keepends=True)
    start = lines.index(PLUGIN_ENTRY)
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    # The comment line above the entry goes too.
    start -= 1 if lines[start - 1].lstrip().startswith("#") else 0
    return "".join(lines[:start] + lines[end:]) + "\nhooks:\n  - hooks/opsbook.py\n"


def _check_opsbook_pages(built: Built) -> None:
    assert built.code == 0, built.log
    assert not warnings(built.log), built.log
    assert built.content("incident/").find("h1") is not None
    box = built.content("runbooks/api/roll-back/").find("div", cls="ob-meta")
    assert box is not None and "Last reviewed" in box.text()
    assert "Add a canary stage" in built.content("action-items/").text()
    assert (built.site / "action-items.json").is_file()
    entries = built.json("search/search_index.json")["docs"]
    (first,) = [e for e in entries if e["location"] == "runbooks/api/roll-back/"]
    assert first.get("ob_id") == "RB-0001"


def test_the_sample_config_uses_the_plugin_not_hooks() -> None:
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert PLUGIN_ENTRY in config and "\nhooks:" not in config


def test_a_handbook_with_an_old_init_hooks_file_still_builds(tmp_path: Path) -> None:
    book = _handbook(tmp_path / "hb")
    install_site(book.root)
    (book.root / "hooks" / "opsbook.py").write_text(OLD_INIT_HOOKS, encoding="utf-8")
    (book.root / "mkdocs.yml").write_text(_hooks_instead_of_plugin(site_config()), "utf-8")
    built = build(book.root, tmp_path / "site", strict=True, env=MATERIAL)
    _check_opsbook_pages(built)
    # The deprecated event is handled by no one: MkDocs would warn of two handlers otherwise.
    assert "on_page_read_source" not in built.log


def test_the_hooks_shim_builds_through_the_plugin(tmp_path: Path) -> None:
    book = _handbook(tmp_path / "hb")
    install_site(book.root)
    (book.root / "mkdocs.yml").write_text(_hooks_instead_of_plugin(site_config()), "utf-8")
    assert "install" in (book.root / "hooks" / "opsbook.py").read_text(encoding="utf-8")
    _check_opsbook_pages(build(book.root, tmp_path / "site", strict=True, env=MATERIAL))


def test_the_shim_beside_the_plugin_runs_opsbook_once(tmp_path: Path) -> None:
    book = _handbook(tmp_path / "hb")
    install_site(book.root)
    config = site_config() + "\nhooks:\n  - hooks/opsbook.py\n"
    (book.root / "mkdocs.yml").write_text(config, encoding="utf-8")
    built = build(book.root, tmp_path / "site", strict=True, env=MATERIAL)
    _check_opsbook_pages(built)
    # One box, not two.
    assert len(built.content("runbooks/api/roll-back/").find_all("div", cls="ob-meta")) == 1


def test_a_site_with_only_the_opsbook_plugin(tmp_path: Path) -> None:
    """No search, tags, macros or redirects: opsbook's pages are all there all the same."""
    book = _handbook(tmp_path / "hb")
    book.write("mkdocs.yml", "site_name: Bare\ntheme:\n  name: material\nplugins: [opsbook]\n")
    built = build(book.root, tmp_path / "site", strict=True, env=MATERIAL)
    assert built.code == 0, built.log
    assert not (built.site / "search" / "search_index.json").exists()
    box = built.content("runbooks/api/roll-back/").find("div", cls="ob-meta")
    assert box is not None and "Last reviewed" in box.text()
    runbooks = built.content("runbooks/")
    assert "Roll back a deployment" in runbooks.text()
    for page in built.site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "ob:listing" not in html and "ob:held" not in html, page
        assert "data-ob-box" not in html and "opsbook: finished" not in html, page


def test_the_plugins_options(tmp_path: Path) -> None:
    """today from mkdocs.yml, a handbook in another folder, listings in the index."""
    book = _handbook(tmp_path / "hb" / "handbook")
    book.write(
        "../mkdocs.yml",
        "site_name: Options\ndocs_dir: handbook/docs\ntheme:\n  name: material\n"
        "plugins:\n  - search\n"
        "  - opsbook:\n      handbook_dir: handbook\n      today: 2027-03-01\n"
        "      index_listings: true\n      search_id_boost: 0\n",
    )
    built = build(book.root.parent, tmp_path / "site", strict=True, today=None, env=MATERIAL)
    assert built.code == 0, built.log
    # Action items due in 2026 are overdue on 2027-03-01.
    assert "overdue" in built.content("action-items/").text().lower()
    entries = built.json("search/search_index.json")["docs"]
    listed = " ".join(e["text"] for e in entries if e["location"] == "runbooks/")
    assert "Roll back a deployment" in listed
    assert not any("ob_id" in e for e in entries)
    assert "ob_id" not in built.json("search/search_index.json")["config"]["fields"]


def test_a_bad_today_option_is_a_clear_error(tmp_path: Path) -> None:
    book = _handbook(tmp_path / "hb")
    book.write("mkdocs.yml", "site_name: X\nplugins:\n  - opsbook:\n      today: someday\n")
    built = build(book.root, tmp_path / "site", today=None)
    assert built.code != 0 and "Traceback" not in built.log
    assert "opsbook: today must be a date YYYY-MM-DD, got 'someday'" in built.log
