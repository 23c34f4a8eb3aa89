"""`opsbook bundle OUT.zip`: the whole site in a zip, to open from file:// with no network."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import Handbook, Run
from opsbook import bundle
from sitebuild import install_site, sample_copy

TODAY = {"OPSBOOK_TODAY": "2026-09-15"}
STAMP = re.compile(
    r'<div class="ob-bundle-stamp">Offline copy built \d{4}-\d\d-\d\d \d\d:\d\d UTC from '
    r"(commit [0-9a-f]{12}( with uncommitted changes)?|not a git checkout)</div>"
)
# Attributes through which a page links or loads another file.
_REF = re.compile(r"""\b(?:href|src)\s*=\s*"([^"]*)\"""")


pytestmark = pytest.mark.slow


def git(root: Path, *args: str) -> str:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": "/usr/bin:/bin",
        "HOME": str(root),
    }
    proc = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def unzip(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as z:
        z.extractall(dest)
    return dest


@pytest.fixture(scope="module")
def sample_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path, Path]:
    """The sample handbook (a git checkout, one commit) bundled: (run, zip, unzipped)."""
    from conftest import _opsbook

    base = tmp_path_factory.mktemp("bundle")
    root = sample_copy(base / "handbook")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sample")
    out = base / "dist" / "handbook-offline.zip"
    run = _opsbook("bundle", out, cwd=root, env=TODAY)
    assert run.code == 0, run.err
    return run, out, unzip(out, base / "unzipped")


def test_the_zip_holds_one_folder_with_the_whole_site(
    sample_bundle: tuple[Run, Path, Path],
) -> None:
    run, out, unzipped = sample_bundle
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    assert {n.split("/")[0] for n in names} == {"handbook-offline"}
    site = unzipped / "handbook-offline"
    for rel in (
        "index.html",
        "incident/index.html",
        "runbooks/database/database-unreachable.html",
        "decision-trees/should-i-roll-back.html",
        # Material's offline plugin: the search index as a script file:// can load.
        "search/search_index.js",
        "assets/iframe-worker-shim.js",
        "README.txt",
        "LICENSES.txt",
    ):
        assert (site / rel).is_file(), rel
    # No directory URLs: no page is a folder's index.html but the home page and generated
    # section pages named index.md, and the alert addresses.
    assert not (site / "runbooks/database/database-unreachable/index.html").exists()
    licences = (site / "LICENSES.txt").read_text(encoding="utf-8")
    assert "iframe-worker 1.0.4" in licences
    assert "Copyright (c) 2020-2022 Martin Donath" in licences
    assert "Permission is hereby granted, free of charge" in licences
    assert "handbook-offline/index.html" in run.err


def test_every_page_says_when_and_from_which_commit_it_was_built(
    sample_bundle: tuple[Run, Path, Path],
) -> None:
    _run, _out, unzipped = sample_bundle
    site = unzipped / "handbook-offline"
    commit = git(site.parent.parent / "handbook", "rev-parse", "HEAD")[:12]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        found = STAMP.findall(page.read_text(encoding="utf-8"))
        assert len(found) == 1, page
        assert found[0][0] == f"commit {commit}", page
    # In Material's footer, where a reader looks for the fine print, on every themed page.
    home = (site / "index.html").read_text(encoding="utf-8")
    footer = home[home.index('<div class="md-copyright">') :]
    assert footer.index("ob-bundle-stamp") < footer.index("</footer>")
    assert "Offline copy built" in (site / "README.txt").read_text(encoding="utf-8")


def test_every_local_link_opens_a_file_not_a_folder(sample_bundle: tuple[Run, Path, Path]) -> None:
    """From file://, a link to a folder shows a listing of its files, not its index.html."""
    _run, _out, unzipped = sample_bundle
    site = (unzipped / "handbook-offline").resolve()
    broken: list[str] = []
    for page in sorted(site.rglob("*.html")):
        for ref in _REF.findall(page.read_text(encoding="utf-8")):
            parts = urlsplit(ref.replace("&amp;", "&"))
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {ref}")
    assert broken == []


def test_nothing_is_loaded_from_another_host(sample_bundle: tuple[Run, Path, Path]) -> None:
    _run, _out, unzipped = sample_bundle
    site = unzipped / "handbook-offline"
    assert bundle.offsite(site) == []
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "unpkg.com" not in html, page
        assert not re.search(r"<script[^>]*\bsrc=\"(https?:)?//", html), page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<script src="assets/iframe-worker-shim.js"></script>' in home


def test_page_loads_finds_what_a_page_fetches_by_itself() -> None:
    page = """
    <a href="https://wiki.example.com/x">a link is not a load</a>
    <link rel="canonical" href="https://handbook.example.com/">
    <link rel="stylesheet" href="https://fonts.googleapis.com/css">
    <link rel="preconnect" href="https://fonts.gstatic.com">
    <script src="//cdn.example.com/x.js"></script><img src="local.png">
    <img srcset="a.png 1x, https://img.example.com/b.png 2x">
    <div style="background: url('https://img.example.com/c.png')"></div>
    <style>@import url(https://css.example.com/d.css);</style>
    <script>var x = "<img src='https://not.a.tag.example.com/'>";</script>
    """
    urls = [url for _what, url in bundle.page_loads(page)]
    assert urls == [
        "https://fonts.googleapis.com/css",
        "https://fonts.gstatic.com",
        "//cdn.example.com/x.js",
        "https://img.example.com/b.png",
        "https://img.example.com/c.png",
        "https://css.example.com/d.css",
    ]


def test_the_stamp_is_escaped_and_says_when_there_is_no_checkout(tmp_path: Path) -> None:
    stamp = bundle.Stamp(dt.datetime(2026, 9, 15, 3, 4, tzinfo=dt.UTC), "<b>x</b> & y")
    assert stamp.html() == (
        '<div class="ob-bundle-stamp">Offline copy built 2026-09-15 03:04 UTC from commit '
        "&lt;b&gt;x&lt;/b&gt; &amp; y</div>"
    )
    assert bundle.commit_of(tmp_path) == bundle.NOT_GIT
    assert bundle.Stamp(stamp.built, bundle.NOT_GIT).text.endswith("from not a git checkout")
    built = bundle.build_time({"SOURCE_DATE_EPOCH": "1789000000"})
    assert built == dt.datetime.fromtimestamp(1789000000, dt.UTC)


def test_uncommitted_changes_are_said(tmp_path: Path) -> None:
    root = tmp_path / "h"
    root.mkdir()
    (root / "a.md").write_text("a\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a")
    head = git(root, "rev-parse", "HEAD")
    assert bundle.commit_of(root) == head[:12]
    (root / "a.md").write_text("b\n")
    assert bundle.commit_of(root) == head[:12] + " with uncommitted changes"


@pytest.fixture
def site_handbook(handbook: Handbook) -> Handbook:
    install_site(handbook.root)
    return handbook


def test_a_minimal_handbook_bundles_without_a_checkout(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    # A site_url makes the not-found page's links absolute: it is no page of a bundle.
    config = site_handbook.root / "mkdocs.yml"
    config.write_text(config.read_text() + "\nsite_url: https://handbook.example.com/\n")
    run = opsbook("bundle", tmp_path / "out.zip", cwd=site_handbook.root, env=TODAY)
    assert run.code == 0, run.err
    site = unzip(tmp_path / "out.zip", tmp_path / "u") / "out"
    assert not (site / "404.html").exists()
    text = (site / "incident/index.html").read_text(encoding="utf-8")
    assert STAMP.search(text) and "from not a git checkout" in text


@pytest.mark.parametrize(
    ("out", "said"),
    [
        ("folder", "is a folder"),
        ("folder/", "is a folder"),
        ("handbook.tar", "must end in .zip"),
        ("policy.yml/x.zip", "is not a folder"),
    ],
)
def test_a_bad_out_path_is_a_usage_error(
    site_handbook: Handbook, opsbook: Callable[..., Run], out: str, said: str
) -> None:
    (site_handbook.root / "folder").mkdir()
    run = opsbook("bundle", out, cwd=site_handbook.root, env=TODAY)
    assert run.code == 2, run.err
    assert said in run.err and "Traceback" not in run.err
    assert not any(site_handbook.root.glob("**/*.zip"))


def test_today_is_an_option_and_a_bad_one_a_usage_error(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    out = tmp_path / "out.zip"
    run = opsbook("bundle", out, "--today", "15/09/2026", cwd=site_handbook.root)
    assert run.code == 2 and "YYYY-MM-DD" in run.err and not out.exists()
    run = opsbook("bundle", out, "--today", "2026-09-25", cwd=site_handbook.root)
    assert run.code == 0, run.err
    site = unzip(out, tmp_path / "u") / "out"
    items = json.loads((site / "action-items.json").read_text(encoding="utf-8"))
    # AI-1 was due 2026-09-20: five days overdue on the day given.
    assert {item["id"]: item["days_overdue"] for item in items}["AI-1"] == 5


def test_no_handbook_is_a_usage_error(tmp_path: Path, opsbook: Callable[..., Run]) -> None:
    run = opsbook("bundle", "out.zip", cwd=tmp_path)
    assert run.code == 2 and "no handbook found" in run.err
    (tmp_path / "policy.yml").write_text("severities: []\n")
    run = opsbook("bundle", "out.zip", cwd=tmp_path)
    assert run.code == 2 and "no mkdocs.yml" in run.err


def test_a_failed_build_exits_1_and_leaves_the_old_zip(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    out = tmp_path / "out.zip"
    out.write_bytes(b"the copy of yesterday")
    site_handbook.write("policy.yml", "severities: [\n")  # not YAML
    run = opsbook("bundle", out, cwd=site_handbook.root, env=TODAY)
    assert run.code == 1, run.err
    assert "opsbook: error: the site build failed" in run.err
    assert "policy.yml" in run.err and "Traceback" not in run.err
    assert out.read_bytes() == b"the copy of yesterday"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_broken_mkdocs_yml_exits_1(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    site_handbook.write("mkdocs.yml", "site_name: [\n")
    run = opsbook("bundle", tmp_path / "out.zip", cwd=site_handbook.root, env=TODAY)
    assert run.code == 1 and "Traceback" not in run.err, run.err
    assert not (tmp_path / "out.zip").exists()


def test_a_script_from_another_host_fails_the_bundle_unless_allowed(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    config = site_handbook.root / "mkdocs.yml"
    url = "https://unpkg.com/mermaid@11/dist/mermaid.min.js"
    config.write_text(config.read_text() + f"\nextra_javascript:\n  - {url}\n")
    out = tmp_path / "out.zip"
    run = opsbook("bundle", out, cwd=site_handbook.root, env=TODAY)
    assert run.code == 1, run.err
    assert f"index.html: <script src> loads {url} from another host" in run.err
    assert "--allow-offsite" in run.err and not out.exists()
    run = opsbook("bundle", out, "--allow-offsite", cwd=site_handbook.root, env=TODAY)
    assert run.code == 0, run.err
    assert f"WARNING -  index.html: <script src> loads {url}" in run.err
    assert out.is_file()


def test_a_runbook_image_from_another_host_fails_the_bundle(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    rb = site_handbook.root / "runbooks/api/roll-back.md"
    url = "https://grafana.example.com/render/d/api.png"
    rb.write_text(rb.read_text() + f"\n![Error rate]({url})\n")
    run = opsbook("bundle", tmp_path / "out.zip", cwd=site_handbook.root, env=TODAY)
    assert run.code == 1, run.err
    assert f"runbooks/api/roll-back.html: <img src> loads {url} from another host" in run.err


def test_mermaid_from_unpkg_fails_the_bundle_unless_the_site_has_its_own(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    """Material loads Mermaid from unpkg.com for a page with a diagram, unless one is loaded."""
    site_handbook.write("docs/flow.md", '# Flow\n\n<div class="mermaid">graph TD; A-->B</div>\n')
    run = opsbook("bundle", tmp_path / "out.zip", cwd=site_handbook.root, env=TODAY)
    assert run.code == 1, run.err
    assert "Mermaid diagrams" in run.err and "https://unpkg.com/mermaid" in run.err
    site_handbook.write("docs/js/mermaid.min.js", "window.mermaid = {};\n")
    config = site_handbook.root / "mkdocs.yml"
    config.write_text(config.read_text() + "\nextra_javascript:\n  - js/mermaid.min.js\n")
    run = opsbook("bundle", tmp_path / "out.zip", cwd=site_handbook.root, env=TODAY)
    assert run.code == 0, run.err
    assert "unpkg.com" not in run.err


def test_strict_fails_on_a_lint_problem(
    site_handbook: Handbook, opsbook: Callable[..., Run], tmp_path: Path
) -> None:
    rb = site_handbook.root / "runbooks/api/roll-back.md"
    rb.write_text(rb.read_text().replace("owner: sre", "owner: sre\nlast-reviewed: x"))
    run = opsbook("bundle", tmp_path / "out.zip", "--strict", cwd=site_handbook.root, env=TODAY)
    assert run.code == 1, run.err
    assert "runbooks/api/roll-back.md:" in run.err and "Traceback" not in run.err
    run = opsbook("bundle", tmp_path / "out.zip", cwd=site_handbook.root, env=TODAY)
    assert run.code == 0, run.err
