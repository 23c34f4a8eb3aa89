"""The generated pages as library functions: no MkDocs involved."""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import markdown
import pytest

from conftest import POLICY, RUNBOOK, Handbook, Run, dedent
from htmldom import Element, parse
from opsbook import checks, lint, load
from opsbook.pages import ASSETS, Context, decision_trees, document, generated_pages
from opsbook.pages.common import (
    esc,
    fmt_duration,
    json_script,
    md,
    safe_url,
    slugify,
    unique_slugs,
)
from opsbook.sitepaths import URL_SAFE, page_url, relative_url

TODAY = dt.date(2026, 9, 15)


def context(root: Path, today: dt.date = TODAY) -> Context:
    handbook = load.load_handbook(root)
    problems = handbook.problems + checks.check(handbook, checks.Options(today=today))
    return Context(handbook=handbook, today=today, problems=problems)


# ---- URLs and escaping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "directory_urls", "url"),
    [
        ("index.md", True, ""),
        ("incident/index.md", True, "incident/"),
        ("runbooks/api/roll-back.md", True, "runbooks/api/roll-back/"),
        ("runbooks/api/README.md", True, "runbooks/api/"),
        ("index.md", False, "index.html"),
        ("incident/index.md", False, "incident/index.html"),
        ("runbooks/api/roll-back.md", False, "runbooks/api/roll-back.html"),
    ],
)
def test_page_url(src: str, directory_urls: bool, url: str) -> None:
    assert page_url(src, directory_urls) == url


@pytest.mark.parametrize(
    ("frm", "to", "rel"),
    [
        ("runbooks/", "runbooks/api/roll-back/", "api/roll-back/"),
        ("runbooks/api/roll-back/", "services/api/", "../../../services/api/"),
        ("incident/", "", "../"),
        ("", "incident/", "incident/"),
        ("runbooks/", "runbooks/", "./"),
        ("runbooks/index.html", "runbooks/api/x.html", "api/x.html"),
        ("incident.html", "action-items.json", "action-items.json"),
        ("action-items/", "action-items.json", "../action-items.json"),
    ],
)
def test_relative_url(frm: str, to: str, rel: str) -> None:
    assert relative_url(frm, to) == rel


def test_relative_url_agrees_with_relpath() -> None:
    urls = ["", "a/", "a/b/", "a/c/", "a/b/c/", "ab/", "x.html", "a/x.html", "a/b/y.json"]
    for frm in urls:
        base = frm if frm.endswith("/") or not frm else posixpath.dirname(frm)
        for to in urls:
            expected = posixpath.relpath(to or ".", base.rstrip("/") or ".")
            if (not to or to.endswith("/")) and not expected.endswith("/"):
                expected += "/"
            assert relative_url(frm, to) == expected, (frm, to)


def test_href_is_quoted_and_escaped(handbook: Handbook) -> None:
    ctx = context(handbook.root)
    assert ctx.href("incident/index.md", "runbooks/a b/x&y.md") == "../runbooks/a%20b/x%26y/"
    # Quoting leaves nothing that HTML would read in an attribute.
    assert ctx.href("incident/index.md", 'runbooks/it\'s "<x>".md') == (
        "../runbooks/it%27s%20%22%3Cx%3E%22/"
    )
    assert ctx.href("severity/index.md", "severity/index.md", "sev-p1") == "#sev-p1"
    assert ctx.href("incident/index.md", "severity/index.md", "sev-p1") == "../severity/#sev-p1"
    ctx.directory_urls = False
    assert ctx.href("incident/index.md", "runbooks/x.md") == "../runbooks/x.html"


def test_url_shortcut_agrees_with_relative_url(handbook: Handbook) -> None:
    """Context.url's shortcut for links leaving a page's top directory changes no link."""
    ctx = context(handbook.root)
    uris = [
        "index.md",
        "incident.md",
        "incident/index.md",
        "severity/index.md",
        "runbooks/index.md",
        "runbooks/x.md",
        "runbooks/api/roll back.md",
        "runbooks/api/README.md",
        "runbooks.md",
        "services/api/index.md",
        "services/ünïcode.md",
        "postmortems/2026/a#b?.md",
    ]
    for directory_urls in (True, False):
        ctx.directory_urls = directory_urls
        for frm in uris:
            for to in uris:
                for fragment in ("", "sev-1", "step ä"):
                    rel = relative_url(ctx.page_url(frm), ctx.page_url(to))
                    if fragment:
                        rel = f"{rel}#{fragment}" if rel != "./" else f"#{fragment}"
                    expected = quote(rel, safe=URL_SAFE)
                    assert ctx.url(frm, to, fragment) == expected, (frm, to, directory_urls)


def test_md_makes_markdown_and_html_inert() -> None:
    value = "*bold* _it_ `code` [link](http://x) {#id} | pipe <b>&amp; ~~s~~ # ! \\"
    out = md(value)
    for char in "*_`[]{}|<>~#!\\":
        assert char not in out.replace("&#", "").replace(";", ""), char
    assert parse(f"<p>{out}</p>").text() == value


@pytest.mark.parametrize(
    "value",
    [
        "API outage after the primary database's WAL volume filled up",
        'The "fast" path & <b>bold</b> # not a heading {#id}',
        "*bold* _it_ `code` [link](http://x) | pipe ~~s~~ ! \\ a:b=c",
    ],
)
def test_md_heading_shows_the_value_as_written(value: str) -> None:
    rendered = markdown.markdown(
        f"# {md(value)}\n\n| a |\n|---|\n| {md(value)} |",
        extensions=["attr_list", "tables", "toc"],
    )
    page = parse(f"<div>{rendered}</div>")
    assert page.find("h1").text() == value
    assert page.find("td").text() == value


def test_esc_escapes_quotes_for_attributes() -> None:
    assert esc('"><script>') == "&quot;&gt;&lt;script&gt;"
    assert esc(None) == ""


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#x27;"),
        ("a\nb", "a b"),
        ("a\r\nb\rc", "a b c"),
        ("a\u2028b", "a\u2028b"),  # a line break only when \n or \r are there too
        ("RB-0042 api", "RB-0042 api"),
        (7, "7"),
    ],
)
def test_esc_changes_exactly_markup_and_line_breaks(value: object, escaped: str) -> None:
    assert esc(value) == escaped


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://grafana.example.com/d/x?a=1&b=2", True),
        ("http://x", True),
        ("mailto:oncall@example.com", True),
        ("../runbooks/x/", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:x", False),
        ("", False),
    ],
)
def test_safe_url(url: str, safe: bool) -> None:
    assert (safe_url(url) is not None) == safe


def test_json_script_cannot_close_the_script() -> None:
    text = json_script({"a": "</script><script>alert(1)</script>&"})
    assert "</" not in text and "<" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>&"}


def test_slugs() -> None:
    assert slugify("Payments API") == "payments-api"
    assert slugify("Café / Ünïcode") == "cafe-unicode"
    assert slugify("!!!") == "item"
    assert unique_slugs(["API", "api", "Api!"], reserved=["index"]) == {
        "API": "api",
        "api": "api-2",
        "Api!": "api-3",
    }
    assert unique_slugs(["index"], reserved=["index"]) == {"index": "index-2"}


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "&lt; 1 min"), (5, "5 min"), (60, "1 h 00 min"), (125, "2 h 05 min"), (1500, "1 d 1 h")],
)
def test_fmt_duration_is_html(minutes: int, text: str) -> None:
    assert fmt_duration(dt.timedelta(minutes=minutes)) == text


# ---- the pages --------------------------------------------------------------------------------


def test_every_page_renders_and_has_a_unique_path(handbook: Handbook) -> None:
    ctx = context(handbook.root)
    specs = generated_pages(ctx)
    uris = [s.src_uri for s in specs]
    assert len(uris) == len(set(uris))
    assert uris[0] == "incident/index.md"
    assert "decision-trees/should-i-roll-back.md" in uris
    assert "services/api.md" in uris
    for spec in specs:
        out = spec.render(ctx)
        assert out.lstrip("-\nhidetoc :").startswith("# "), spec.src_uri
        parse(out)  # well-formed enough to parse


def test_pages_of_an_empty_handbook(empty_handbook: Handbook) -> None:
    ctx = context(empty_handbook.root)
    for spec in generated_pages(ctx):
        assert spec.render(ctx)
    assert "No runbooks yet" in next(
        s for s in generated_pages(ctx) if s.src_uri == "runbooks/index.md"
    ).render(ctx)


def test_pages_of_a_nearly_empty_policy(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", "severities: []\n")
    ctx = context(book.root)
    rendered = {s.src_uri: s.render(ctx) for s in generated_pages(ctx)}
    assert "defines no severities" in rendered["severity/index.md"]
    assert "defines no decision trees" in rendered["decision-trees/index.md"]


TREE_POLICY = POLICY.split("decision_trees:")[0] + dedent(
    """
    decision_trees:
      - id: dag
        title: Shared steps
        start: a
        nodes:
          a:
            question: A?
            answers:
              - {label: "Deep", next: b}
              - {label: "Shallow", next: c}
              - {label: "Nowhere", next: missing}
          b:
            question: B?
            yes: c
            no: a
          c:
            outcome: Done
            runbook: RB-404
            severity: P1
          orphan:
            outcome: Never reached
    """
)


def test_tree_nodes_are_drawn_once_at_their_shallowest_place(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", TREE_POLICY)
    ctx = context(book.root)
    tree = ctx.handbook.policy.decision_trees[0]
    root = parse(decision_trees.widget(ctx, tree, "decision-trees/dag.md"))
    for node in ("a", "b", "c", "orphan"):
        assert len(root.find_all("li", id=f"step-{node}")) == 1, node
    a = root.find("li", id="step-a")
    answers = [li for li in a.find("ul", cls="ob-answers").children if isinstance(li, Element)]
    # "Shallow" owns c (depth 1); b's yes links to it; b's no loops back to a (a cycle).
    assert answers[1].find_all("li", id="step-c")
    b = root.find("li", id="step-b")
    gotos = [g.attrs["href"] for g in b.find_all("a", cls="ob-goto")]
    assert gotos == ["#step-c", "#step-a"]
    assert "unknown step “missing”" in answers[2].text()
    assert "Not reachable from the start" in root.text()
    c = root.find("li", id="step-c")
    assert c.find("span", cls="ob-unknown").text() == "RB-404"
    data = json.loads(root.find("script", cls="ob-tree-data").raw_text())
    assert data["nodes"]["a"]["answers"][2] == {"label": "Nowhere", "next": ""}
    assert data["nodes"]["c"]["runbook"] == {"id": "RB-404", "title": "", "href": ""}


def test_document_box_goes_after_the_body_heading(handbook: Handbook) -> None:
    ctx = context(handbook.root)
    rb = ctx.handbook.runbooks[0]
    assert rb.source is not None
    out = document.decorate(ctx, rb.rel, rb.source.body)
    assert out.startswith("# Roll back a deployment\n\n<div")
    assert out.count("# Roll back a deployment") == 1
    headless = document.decorate(ctx, rb.rel, "Just text.\n")
    assert headless.startswith("# Roll back a deployment\n\n<div")
    assert headless.rstrip().endswith("Just text.")


def test_pages_need_no_yaml_once_the_handbook_is_checked(handbook: Handbook) -> None:
    """A site build drops the documents' YAML after linting: every page renders the same."""
    ctx = context(handbook.root)
    docs = [rb.rel for rb in ctx.handbook.runbooks] + [pm.rel for pm in ctx.handbook.postmortems]

    def rendered() -> list[str]:
        pages = [spec.render(ctx) for spec in generated_pages(ctx)]
        return pages + [
            document.header(ctx, rel)[0] + document.search_summary(ctx, rel) for rel in docs
        ]

    before = rendered()
    lint.release_sources(ctx.handbook)
    sources = [rb.source for rb in ctx.handbook.runbooks] + [
        pm.source for pm in ctx.handbook.postmortems
    ]
    assert all(s is not None and s.data == {} and s.yaml == "" for s in sources)
    assert rendered() == before
    assert [rb.rel for rb in ctx.handbook.runbooks] == ["runbooks/api/roll-back.md"]


def test_banner_lists_problems_but_not_states(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write(
        "runbooks/x.md",
        dedent(
            """
            ---
            id: RB-1
            title: X
            service: api
            owner: me
            severity: [P7]
            last_reviewed: 2020-01-01
            ---
            Body.
            """
        ),
    )
    ctx = context(book.root)
    out = document.decorate(ctx, "runbooks/x.md", "Body.\n")
    banner = parse(out).find("div", cls="ob-banner")
    text = banner.text()
    assert "runbooks/x.md:6:12" in text and "[ref-severity]" in text
    assert "[stale]" not in text
    assert "stale" in parse(out).find("div", cls="ob-meta").text()


def test_overdue_first_on_the_action_items_page(handbook: Handbook) -> None:
    ctx = context(handbook.root, dt.date(2026, 11, 1))
    page = parse(
        next(s for s in generated_pages(ctx) if s.src_uri == "action-items/index.md").render(ctx)
    )
    rows = page.find("div", id="ob-action-table").find("tbody").find_all("tr")
    assert [r.find("td").text() for r in rows] == ["Add a canary stage", "Alert on 5xx ratio"]
    assert ["ob-row--overdue" in r.classes for r in rows] == [True, True]
    assert rows[0].find_all("td")[3].text() == "42 days"


# ---- the incident page in bounded size (issue 19) ---------------------------------------------

# The incident page's Markdown at any number of documents: issue 19 allows 150 KB of HTML, and
# Material's header, nav and footer around it are about 20 KB.
INCIDENT_MARKDOWN_MAX = 100_000


def _many_runbooks(root: Path, count: int, services: int = 45) -> dict[str, int]:
    """count runbooks with three long symptoms each over uneven services; runbooks per service."""
    book = Handbook(root)
    book.write("policy.yml", POLICY)
    per_service: dict[str, int] = {}
    for n in range(count):
        service = f"svc-{(n * n + n // 7) % services:02d}"
        per_service[service] = per_service.get(service, 0) + 1
        symptoms = ", ".join(
            f"Alert {service.upper()}Symptom{n}Kind{k} firing with error code E{n}-{k} in the logs"
            for k in range(3)
        )
        book.write(
            f"runbooks/{service}/r{n}.md",
            RUNBOOK.replace("RB-0001", f"RB-{n + 1:04d}")
            .replace("service: api", f"service: {service}")
            .replace("[Errors right after a deploy]", f"[{symptoms}]"),
        )
    return per_service


def _incident(ctx: Context) -> str:
    return next(s for s in generated_pages(ctx) if s.src_uri == "incident/index.md").render(ctx)


def test_incident_page_weighs_the_same_at_any_number_of_runbooks(tmp_path: Path) -> None:
    _many_runbooks(tmp_path / "small", 60)
    per_service = _many_runbooks(tmp_path / "large", 900)
    small = _incident(context(tmp_path / "small")).encode()
    large = _incident(context(tmp_path / "large")).encode()
    # Bounded: fifteen times the runbooks, the same page but for a few counts' digits.
    assert len(large) <= INCIDENT_MARKDOWN_MAX, len(large)
    assert abs(len(large) - len(small)) < 1_000, (len(small), len(large))
    page = parse(large.decode())
    assert "SymptomSVC" not in page.text()  # no symptom listed...
    # ...but a lookup (into the site's search box with JS, the full list without) and the
    # busiest services, each a link to its part of the full list.
    form = page.find("form", cls="ob-lookup")
    assert form.attrs["action"] == "symptoms/" and form.find("input").attrs["name"] == "q"
    links = page.find("ul", cls="ob-services-inline").find_all("a")
    shown = [a.text() for a in links]
    assert len(shown) == 30  # incident.SERVICES_SHOWN
    busiest = sorted(per_service, key=lambda s: (-per_service[s], s))[:30]
    assert shown == busiest
    assert links[0].attrs["href"] == f"symptoms/#svc-{busiest[0]}"
    assert f"({len(per_service) - 30} more on the full list)" in page.text()
    # The full list holds every symptom of every runbook.
    ctx = context(tmp_path / "large")
    full = next(s for s in generated_pages(ctx) if s.src_uri == "incident/symptoms/index.md")
    text = full.render(ctx)
    assert all(f"Symptom{n}Kind2 " in text for n in range(900))
    assert all(f'id="svc-{s}"' in text for s in per_service)


def test_a_small_handbooks_incident_page_lists_its_symptoms_and_the_lookup(
    handbook: Handbook,
) -> None:
    page = parse(_incident(context(handbook.root)))
    rows = page.find("div", cls="ob-symptoms").find("tbody").find_all("tr")
    assert len(rows) == 1 and "Errors right after a deploy" in rows[0].text()
    assert page.find("form", cls="ob-lookup").attrs["action"] == "symptoms/"


def test_the_incident_page_draws_every_tree_whole_for_paper(handbook: Handbook) -> None:
    ctx = context(handbook.root)
    page = parse(_incident(ctx))
    printed = page.find("div", cls="ob-print-trees")
    assert "ob-print-only" in printed.classes
    trees = ctx.handbook.policy.decision_trees
    drawings = printed.find_all("div", cls="ob-print-tree")
    assert len(drawings) == len(trees) == 1
    for tree, drawing in zip(trees, drawings, strict=True):
        drawn = {li.attrs["data-node"] for li in drawing.find_all("li", cls="ob-node")}
        assert drawn == set(tree.nodes)
    # No step ids (two trees' ids may clash on one page); its links go to the tree's page.
    assert not [el for el in printed.iter() if "id" in el.attrs]
    question = printed.find("a", cls="ob-node__q")
    assert question.attrs["href"] == "../decision-trees/should-i-roll-back/#step-recent-deploy"


# ---- opsbook generate --------------------------------------------------------------------------


def test_generate_writes_the_pages(handbook: Handbook, opsbook: Callable[..., Run]) -> None:
    out = handbook.root / "out"
    run = opsbook("generate", str(out), "--today", "2026-10-01", cwd=handbook.root)
    assert run.code == 0, run.err
    # The site's whole source: its configuration, and docs/ with every page.
    assert (out / "mkdocs.yml").is_file()
    out = out / "docs"
    for rel in (
        "incident/index.md",
        "severity/index.md",
        "communication/index.md",
        "decision-trees/index.md",
        "decision-trees/should-i-roll-back.md",
        "runbooks/index.md",
        "postmortems/index.md",
        "action-items/index.md",
        "services/index.md",
        "services/api.md",
        "review/index.md",
    ):
        assert (out / rel).is_file(), rel
    records = json.loads((out / "action-items.json").read_text())
    assert [r["uid"] for r in records] == ["PM-2026-001/AI-1", "PM-2026-001/AI-2"]
    assert records[0]["days_overdue"] == 11
    assert (out / "action-items.csv").read_text().count("\n") == 3
    assert "BEGIN:VEVENT" in (out / "action-items.ics").read_text()
    # The pages' stylesheet and scripts come along, as the packaged copies.
    for uri, packaged in ASSETS.items():
        assert (out / uri).read_bytes() == packaged.read_bytes(), uri
    assert "@media print" in (out / "assets/opsbook.css").read_text()
    ctx = context(handbook.root, dt.date(2026, 10, 1))
    # Its links go between source files, as Zensical reads links in HTML (opsbook.generate).
    ctx.source_hrefs = True
    incident = next(s for s in generated_pages(ctx) if s.src_uri == "incident/index.md")
    assert (out / "incident/index.md").read_text() == incident.render(ctx)


def test_generate_errors_are_usage_errors(tmp_path: Path, opsbook: Callable[..., Run]) -> None:
    run = opsbook("generate", str(tmp_path / "out"), cwd=tmp_path)
    assert run.code == 2 and "no handbook found" in run.err
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    run = opsbook("generate", "out", "--today", "soon", cwd=book.root)
    assert run.code == 2 and "YYYY-MM-DD" in run.err
    book.write("policy.yml", "severities: [\n")
    run = opsbook("generate", "out", cwd=book.root)
    assert run.code == 2 and "policy.yml" in run.err and "Traceback" not in run.err
