"""Issue 16's site: redirects from old addresses, /review/ order, summaries, the incident page.

One purpose-made handbook is built once (strict) and checked on its HTML; a second build
without the redirects plugin shows what happens to old_paths then.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import POLICY, RUNBOOK, Handbook
from opsbook import site
from opsbook.model import Problem
from sitebuild import Built, build, install_site, warnings

pytestmark = pytest.mark.slow

TODAY = "2026-09-15"
SUMMARY = "Undo a bad <b>release</b> {onclick=x} in one command"


def _runbooks(book: Handbook, old_paths: bool = True) -> None:
    # P1 (every 30 days), 76 days late; with a summary and an old address.
    extra = "summary: " + repr(SUMMARY).replace("'", '"') + "\n"
    if old_paths:
        extra += "old_paths: [/old/roll-back/, /runbooks/api/Roll-Back/]\n"
    book.write(
        "runbooks/api/roll-back.md",
        RUNBOOK.replace("2026-09-01", "2026-06-01").replace("symptoms:", extra + "symptoms:"),
    )
    # P2 (every 90 days), 167 days late: more days late, less severe.
    book.write(
        "runbooks/web/cdn.md",
        RUNBOOK.replace("RB-0001", "RB-0009")
        .replace("service: api", "service: web")
        .replace("severity: [P1]", "severity: [P2]")
        .replace("2026-09-01", "2026-01-01")
        .replace("symptoms: [Errors right after a deploy]\n", ""),
    )
    # Never reviewed, P2: first.
    book.write(
        "runbooks/web/never.md",
        RUNBOOK.replace("RB-0001", "RB-0010")
        .replace("service: api", "service: web")
        .replace("severity: [P1]", "severity: [P2]")
        .replace("2026-09-01", "never")
        .replace("symptoms: [Errors right after a deploy]\n", ""),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("site16")
    book = Handbook(root)
    book.write("policy.yml", POLICY)
    _runbooks(book)
    install_site(root)
    return build(root, tmp_path_factory.mktemp("site16-site"), today=TODAY)


def test_builds_with_only_the_never_reviewed_warning(built: Built) -> None:
    assert built.code == 0, built.log
    assert [w for w in warnings(built.log) if "[never-reviewed]" not in w] == []


def test_old_paths_get_redirect_pages_to_the_runbook(built: Built) -> None:
    page = (built.site / "old/roll-back/index.html").read_text(encoding="utf-8")
    assert 'url=../../runbooks/api/roll-back/"' in page
    # Another case of the runbook's own path: a page of its own on a case-sensitive disk.
    assert (built.site / "runbooks/api/roll-back/index.html").is_file()


def test_review_lists_never_reviewed_then_most_severe_then_most_late(built: Built) -> None:
    rows = built.content("review/").find("div", cls="ob-review").find("tbody").find_all("tr")
    assert [r.find("td").text() for r in rows] == ["RB-0010", "RB-0001", "RB-0009"]
    assert "never reviewed" in rows[0].text()
    assert "never" not in rows[1].text()


def test_summary_under_the_title_and_in_lists_as_text(built: Built) -> None:
    html = built.html("runbooks/api/roll-back/")
    assert "<b>release</b>" not in html
    box = built.content("runbooks/api/roll-back/").find("div", cls="ob-meta")
    assert SUMMARY in box.text()
    listing = built.content("runbooks/").find("tbody")
    assert SUMMARY in listing.text()
    assert "<b>release</b>" not in built.html("runbooks/")


def test_incident_lists_by_symptom_only_runbooks_with_symptoms(built: Built) -> None:
    article = built.content("incident/")
    text = article.find("div", cls="ob-symptoms").text()
    assert "Errors right after a deploy" in text
    assert "(no symptoms listed)" not in built.html("incident/")
    assert "RB-0009" not in text and "RB-0010" not in text
    hrefs = [a.attrs.get("href") for a in article.find_all("a")]
    assert "../runbooks/" in hrefs


def test_without_the_redirects_plugin_old_paths_warn(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write(
        "runbooks/api/roll-back.md",
        RUNBOOK.replace("symptoms:", "old_paths: [/old/roll-back/]\nsymptoms:"),
    )
    install_site(book.root)
    config = book.root / "mkdocs.yml"
    config.write_text(re.sub(r"\n  - redirects\n", "\n", config.read_text()))
    assert "redirects" not in config.read_text()
    failed = build(book.root, tmp_path / "site", strict=True, today=TODAY)
    assert failed.code != 0
    assert any("old_paths" in w and "redirects" in w for w in warnings(failed.log))
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    passed = build(book.root, tmp_path / "site2", strict=True, today=TODAY)
    assert passed.code == 0, passed.log


def test_format_problem_escapes_control_characters() -> None:
    p = Problem("runbooks/a\x1b[31m.md", 1, 2, "error", "schema-type", "bad \x07value\nnext")
    text = site.format_problem(p)
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert "runbooks/a\\x1b[31m.md:1:2:" in text


def test_never_reviewed_shows_as_words_in_the_box_and_the_list(built: Built) -> None:
    box = built.content("runbooks/web/never/").find("div", cls="ob-meta")
    assert "never reviewed" in box.text()
    rows = built.content("runbooks/").find("tbody").find_all("tr")
    assert any("RB-0010" in r.text() and "never reviewed" in r.text() for r in rows)


def test_past_a_few_dozen_runbooks_the_incident_page_links_the_full_list(tmp_path: Path) -> None:
    # Issue 19 changes issue 16's contract: past SYMPTOMS_INLINE runbooks with symptoms, the
    # incident page no longer holds every symptom (folded by service, it weighed 847 kB at
    # 3,000 documents). It holds a lookup and the services; /incident/symptoms/ has them all.
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    for n in range(24):
        service = "abc"[n % 3]
        book.write(
            f"runbooks/{service}/r{n}.md",
            RUNBOOK.replace("RB-0001", f"RB-{1 + n:04d}")
            .replace("service: api", f"service: svc-{service}")
            .replace("Errors right after a deploy", f"Symptom {n}"),
        )
    book.write(
        "runbooks/a/quiet.md",
        RUNBOOK.replace("RB-0001", "RB-0999").replace(
            "symptoms: [Errors right after a deploy]\n", ""
        ),
    )
    install_site(book.root)
    built = build(book.root, tmp_path / "site", strict=True, today=TODAY)
    assert built.code == 0, built.log
    article = built.content("incident/")
    text = article.text()
    assert not any(f"Symptom {n}" in text for n in range(24))
    form = article.find("form", cls="ob-lookup")
    assert form.attrs["action"] == "symptoms/" and form.attrs["method"] == "get"
    assert form.find("input").attrs["name"] == "q"
    services = article.find("ul", cls="ob-services-inline").find_all("a")
    assert [(a.text(), a.attrs["href"]) for a in services] == [
        ("svc-a", "symptoms/#svc-svc-a"),
        ("svc-b", "symptoms/#svc-svc-b"),
        ("svc-c", "symptoms/#svc-svc-c"),
    ]
    # The full list: a section per service, every symptom, no fold to open, no quiet runbook.
    full = built.content("incident/symptoms/")
    sections = [(h.attrs.get("id"), h.text()) for h in full.find_all("h2")]
    assert sections == [
        ("svc-svc-a", "svc-a 8 runbooks"),
        ("svc-svc-b", "svc-b 8 runbooks"),
        ("svc-svc-c", "svc-c 8 runbooks"),
    ]
    assert not full.find_all("details")
    assert all(f"Symptom {n}" in full.text() for n in range(24))
    assert "RB-0999" not in full.text()
    # Its rows link the runbooks from where the page is.
    assert full.find("a", href="../../runbooks/a/r0/")


def test_site_root_files_replace_a_symlink_rather_than_write_through(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    install_site(book.root)
    outside = tmp_path / "outside.json"
    outside.write_text("keep me\n")
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "action-items.json").symlink_to(outside)
    # --dirty: MkDocs leaves site/ as it is, the link included.
    env = {k: v for k, v in os.environ.items() if k != "OPSBOOK_TODAY"}
    env.update(OPSBOOK_TODAY=TODAY, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--dirty", "--site-dir", str(site_dir)],
        cwd=book.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert outside.read_text() == "keep me\n"
    written = site_dir / "action-items.json"
    assert not written.is_symlink() and written.read_text().startswith("[")


def test_case_sensitivity_of_the_site_folder_is_probed(tmp_path: Path) -> None:
    # Linux' file systems tell KubePod/ from kubepod/; a folder not made yet is probed at
    # its nearest existing parent.
    assert site._case_insensitive(tmp_path) is False
    assert site._case_insensitive(tmp_path / "site" / "not-yet") is False
    assert list(tmp_path.iterdir()) == []  # the probe file is gone
