"""`opsbook generate OUT`: the whole source of the site, for an engine that runs no opsbook.

No engine here: the written files themselves (tests/test_zensical.py builds them).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from conftest import Handbook, Run, dedent
from htmldom import parse
from opsbook.pages import SCRIPTS

TODAY = "2026-09-15"

CONFIG = dedent(
    """
    site_name: Test handbook
    site_url: !ENV [OPSBOOK_TEST_SITE_URL, "https://handbook.example.com/"]
    theme:
      name: material
      font: false
    plugins:
      - search
      - macros:
          modules: [opsbook.macros]
          render_by_default: false
      - redirects
    hooks:
      - hooks/opsbook.py
    markdown_extensions:
      - attr_list
      - pymdownx.emoji:
          emoji_index: !!python/name:material.extensions.emoji.twemoji
    extra_css:
      - extra.css
    """
)

TABLES = dedent(
    """
    ---
    render_macros: true
    ---
    # Our tables

    {{ severity_matrix() }}

    {{ runbook_list(service="api") }}

    {{ decision_tree("should-i-roll-back") }}
    """
)

PLAIN = dedent(
    """
    # Templates as text

    Helm writes `{{ .Values.image.tag }}`: no macros here.
    """
)


def _generate(opsbook: Callable[..., Run], book: Handbook, *args: str) -> tuple[Run, Path]:
    out = book.root.parent / "out"
    return opsbook("generate", str(out), "--today", TODAY, *args, cwd=book.root), out


def test_the_source_holds_every_page_and_a_config_without_opsbook(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    handbook.write("mkdocs.yml", CONFIG)
    handbook.write("docs/index.md", "# Home\n\n[Start](incident/index.md)\n")
    handbook.write("docs/guide/tables.md", TABLES)
    handbook.write("docs/plain.md", PLAIN)
    handbook.write("docs/img/logo.png", b"\x89PNG\r\n\x1a\n")
    handbook.write("docs/.secret", "not published\n")
    handbook.write("docs/severity/index.md", "# Mine\n")
    run, out = _generate(opsbook, handbook)
    assert run.code == 0, run.err
    assert "zensical build" in run.err
    # A hand-written page where opsbook generates one is replaced, and the run says so.
    assert "docs/severity/index.md is replaced by the page opsbook generates" in run.err
    docs = out / "docs"
    assert "# Mine" not in (docs / "severity/index.md").read_text(encoding="utf-8")
    assert (docs / "img/logo.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
    assert not (docs / ".secret").exists()
    assert (docs / "plain.md").read_text(encoding="utf-8") == PLAIN
    for rel in (
        "index.md",
        "incident/index.md",
        "runbooks/index.md",
        "runbooks/api/roll-back.md",
        "postmortems/2026-09-01-api-outage.md",
        "assets/opsbook.css",
        "assets/decision-tree.js",
        "assets/table-filter.js",
        "action-items.json",
    ):
        assert (docs / rel).is_file(), rel

    text = (out / "mkdocs.yml").read_text(encoding="utf-8")
    # Tags the engines resolve themselves are written back as they were, never resolved here.
    assert "site_url: !ENV" in text and "OPSBOOK_TEST_SITE_URL" in text
    assert "!!python/name:material.extensions.emoji.twemoji" in text
    config = yaml.load(text, Loader=_AnyTag)
    assert config["docs_dir"] == "docs" and config["use_directory_urls"] is True
    assert "hooks" not in config
    assert config["plugins"] == ["search", "redirects"]
    assert config["extra_css"] == ["extra.css", "assets/opsbook.css"]
    assert config["extra_javascript"] == list(SCRIPTS)


class _AnyTag(yaml.SafeLoader):
    """Reads the written mkdocs.yml with its tags as plain values."""


_AnyTag.add_multi_constructor("", lambda loader, _suffix, node: None)


def test_a_runbook_page_opens_with_its_box_and_the_words_search_needs(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    handbook.write(
        "runbooks/api/roll-back.md",
        (handbook.root / "runbooks/api/roll-back.md")
        .read_text(encoding="utf-8")
        .replace(
            "symptoms: [Errors right after a deploy]",
            "symptoms: [Pods crash after deploy]\nalerts: [ApiErrorsHigh]",
        ),
    )
    handbook.write("runbooks/api/broken.md", "---\nid: [RB-0009\n---\n# Broken\n\nsecret\n")
    run, out = _generate(opsbook, handbook)
    assert run.code == 0, run.err
    page = (out / "docs/runbooks/api/roll-back.md").read_text(encoding="utf-8")
    # No frontmatter: the title is the body's heading, the box follows it, then the body.
    assert page.lstrip("\n").startswith("# Roll back a deployment\n")
    assert page.index('class="admonition info ob-meta ob-meta--runbook"') < page.index(
        "kubectl rollout undo"
    )
    box = parse(page).find("div", cls="ob-meta--runbook")
    # The id, the frontmatter-only symptom and the alert are text of the page, for search.
    text = box.text()
    assert "RB-0001" in text and "Pods crash after deploy" in text and "ApiErrorsHigh" in text
    # Its links go from its source file to the target's, as Zensical rebases and checks them.
    hrefs = [a.attrs["href"] for a in box.find_all("a")]
    assert "../../services/api.md" in hrefs and "../../alerts/ApiErrorsHigh/" in hrefs, hrefs
    pm = (out / "docs/postmortems/2026-09-01-api-outage.md").read_text(encoding="utf-8")
    assert "ob-meta--postmortem" in pm and "PM-2026-001" in pm and "Add a canary stage" in pm
    # A file opsbook cannot read gets its banner, and nothing of what could not be parsed.
    broken = (out / "docs/runbooks/api/broken.md").read_text(encoding="utf-8")
    assert 'role="alert"' in broken and "opsbook lint runbooks/api/broken.md" in broken
    assert "secret" not in broken


def test_macros_are_expanded_with_links_from_their_page(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    handbook.write("mkdocs.yml", CONFIG)
    handbook.write("docs/guide/tables.md", TABLES)
    handbook.write("docs/plain.md", PLAIN)
    run, out = _generate(opsbook, handbook)
    assert run.code == 0, run.err
    page = (out / "docs/guide/tables.md").read_text(encoding="utf-8")
    assert "{{" not in page and "render_macros: true" in page.split("---")[1]
    dom = parse(page)
    assert dom.find("table") is not None and "Critical" in dom.text()
    assert dom.find("div", cls="ob-tree") is not None
    # From the page's source file (guide/tables.md) to the runbook's.
    hrefs = [a.attrs.get("href", "") for a in dom.find_all("a")]
    assert "../runbooks/api/roll-back.md" in hrefs, hrefs
    # A page that does not ask for macros keeps its braces.
    assert (out / "docs/plain.md").read_text(encoding="utf-8") == PLAIN


def test_a_macro_opsbook_does_not_have_fails_naming_the_page(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    handbook.write("mkdocs.yml", CONFIG)
    handbook.write("docs/other.md", "---\nrender_macros: true\n---\n{{ git.short_commit }}\n")
    handbook.write("docs/typo.md", "---\nrender_macros: true\n---\n{{ decision_tree('nope') }}\n")
    run, out = _generate(opsbook, handbook)
    assert run.code == 1
    assert "docs/other.md" in run.err and "expands opsbook's macros only" in run.err
    assert "docs/typo.md" in run.err and "no tree with id 'nope'" in run.err
    assert "Traceback" not in run.err
    # The other pages are written all the same.
    assert (out / "docs/incident/index.md").is_file()


def test_url_links_without_directory_urls_are_html_files(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    run, out = _generate(opsbook, handbook, "--no-directory-urls", "--url-links")
    assert run.code == 0, run.err
    config = yaml.load((out / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTag)
    assert config["use_directory_urls"] is False
    incident = parse((out / "docs/incident/index.md").read_text(encoding="utf-8"))
    hrefs = {a.attrs.get("href", "") for a in incident.find_all("a")}
    assert "../runbooks/api/roll-back.html" in hrefs, hrefs
    assert not [h for h in hrefs if h.endswith("/") and not h.startswith("http")], hrefs
    box = (out / "docs/runbooks/api/roll-back.md").read_text(encoding="utf-8")
    assert 'href="../../services/api.html"' in box


def test_out_inside_the_sources_is_refused(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    handbook.write("docs/index.md", "# Home\n")
    for inside in ("docs/site-src", "runbooks/out"):
        run = opsbook("generate", inside, "--today", TODAY, cwd=handbook.root)
        assert run.code == 2 and "is inside the handbook's" in run.err, run.err
        assert not (handbook.root / inside).exists()


def test_a_body_the_sanitiser_would_change_is_shown_as_text(
    handbook: Handbook, opsbook: Callable[..., Run]
) -> None:
    """No engine but opsbook's adapter sanitises bodies: unsafe HTML must not reach one raw."""
    import markdown

    rel = "runbooks/api/roll-back.md"
    text = (handbook.root / rel).read_text(encoding="utf-8")
    handbook.write(rel, text + '\n<script>steal()</script>\n\n<img src="x" onerror="steal()">\n')
    run, out = _generate(opsbook, handbook)
    assert run.code == 0, run.err
    page = (out / "docs" / rel).read_text(encoding="utf-8")
    rendered = markdown.markdown(page, extensions=["fenced_code"])
    assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;steal()&lt;/script&gt;" in rendered  # shown, as written
    # The banner says why, naming the line.
    assert 'role="alert"' in page and "html-unsafe" in page
    # A body with nothing to remove is Markdown as before.
    pm = (out / "docs/postmortems/2026-09-01-api-outage.md").read_text(encoding="utf-8")
    assert "```text" not in pm and "The deploy broke the API." in pm
