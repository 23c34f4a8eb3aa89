"""The handbook site: real `mkdocs build` runs of small purpose-made handbooks.

Each handbook is built once per module (builds take seconds) and many things are checked on
its HTML, parsed with the standard library.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook, dedent
from htmldom import parse
from opsbook.pages import ASSETS
from sitebuild import MATERIAL_SEARCH, Built, build, install_site, pagefind_pages, warnings

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"

# A runbook for Helm charts and Prometheus rules: every Jinja-looking construct must show
# verbatim, and a heading with an attribute list keeps its id.
HELM_RUNBOOK = dedent(
    """
    ---
    id: RB-0002
    title: Redeploy with Helm
    service: api
    owner: sre
    severity: [P2]
    last_reviewed: 2026-09-01
    ---
    # Redeploy with Helm

    Set the tag with `{{ .Values.image.tag }}` and mind {{ severity_matrix() }} here.

    ## Step {#step-1}

    ```yaml
    image: "repo/api:{{ .Values.image.tag }}"
    summary: "{{ $labels.instance }} is down"
    ```

    ```text
    {% raw %}{{ not_a_macro }}{% endraw %}
    {# a Jinja comment #}
    ```
    """
)

BROKEN_YAML = dedent(
    """
    ---
    id: RB-0003
    title: [unclosed
    service: api
    ---
    # Half-written runbook

    Body still readable.
    """
)

# Loads, but breaks schema and reference rules.
BAD_FIELDS = dedent(
    """
    ---
    id: RB-0004
    title: Bad fields
    service: api
    severity: [P9]
    last_reviewed: 2026-02-30
    ---
    Body of a runbook with problems.
    """
)

XSS_RUNBOOK = dedent(
    f"""
    ---
    id: RB-0005
    title: "{SCRIPT}"
    service: "{SCRIPT}"
    owner: "{SCRIPT}"
    severity: [P1]
    last_reviewed: 2026-09-01
    symptoms: ["{SCRIPT}"]
    tags: ["{SCRIPT}"]
    related: [RB-0001]
    links:
      - {{title: "{SCRIPT}", url: "javascript:alert(1)"}}
    estimated_duration: "{SCRIPT}"
    ---
    Nothing else.
    """
)

XSS_POSTMORTEM = dedent(
    f"""
    ---
    id: PM-2026-002
    title: "{SCRIPT}"
    date: 2026-09-02
    severity: P1
    services: ["{SCRIPT}"]
    status: draft
    authors: ["{SCRIPT}"]
    action_items:
      - {{title: "{SCRIPT}", owner: "{SCRIPT}", due: 2026-09-03, status: open,
          link: "javascript:alert(1)", priority: "{SCRIPT}"}}
    ---
    Draft.
    """
)

XSS_POLICY = (
    POLICY.replace("name: Critical", f'name: "{SCRIPT}"')
    .replace("title: Should I roll back?", f'title: "{SCRIPT}"')
    .replace("question: Was there a deployment in the last two hours?", f'question: "{SCRIPT}"')
)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Built, Path]:
    """A handbook with broken, invalid, hostile and Jinja-looking documents: plain and strict."""
    root = tmp_path_factory.mktemp("messy")
    book = Handbook(root)
    book.write("policy.yml", XSS_POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("runbooks/api/helm.md", HELM_RUNBOOK)
    book.write("runbooks/api/broken.md", BROKEN_YAML)
    book.write("runbooks/api/bad-fields.md", BAD_FIELDS)
    book.write("runbooks/api/xss.md", XSS_RUNBOOK)
    book.write(
        "runbooks/api/latin1.md", "---\nid: RB-0006\ntitle: Caf\xe9\n---\n".encode("latin-1")
    )
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    book.write("postmortems/2026-09-02-xss.md", XSS_POSTMORTEM)
    book.write(
        "docs/macros.md",
        dedent(
            """
            ---
            render_macros: true
            ---
            # Macros

            {{ severity_matrix() }}

            {{ comms_matrix() }}

            {{ decision_tree("should-i-roll-back") }}

            {{ action_items(owner="alice") }}

            {{ runbook_list(service="api", severity="P2") }}
            """
        ),
    )
    book.write("docs/plain.md", "# Plain\n\nJinja stays text here: {{ severity_matrix() }}\n")
    install_site(root)
    plain = build(root, tmp_path_factory.mktemp("messy-site"))
    strict = build(root, tmp_path_factory.mktemp("messy-strict"), strict=True)
    return plain, strict, root


def test_macros_render_only_docs_pages_that_opt_in(tmp_path: Path) -> None:
    """mkdocs-macros renders docs/ pages that ask for it, and nothing of documents' text.

    It is handed every page (opsbook no longer wraps its event through MkDocs' private
    PluginCollection._event_origins to skip documents and generated pages: ~1% of a build).
    """
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    book.write("docs/macros.md", "---\nrender_macros: true\n---\n# M\n\n{{ severity_matrix() }}\n")
    seen = tmp_path / "seen.txt"
    # A mkdocs-macros module of the handbook's own: its hooks run for each page macros handles.
    book.write(
        "seen.py",
        "def on_pre_page_macros(env):\n"
        f"    with open({str(seen)!r}, 'a') as out:\n"
        "        out.write(env.page.file.src_uri + '\\n')\n",
    )
    install_site(book.root)
    config = book.root / "mkdocs.yml"
    text = config.read_text()
    assert "modules: [opsbook.macros]" in text
    config.write_text(
        text.replace(
            "modules: [opsbook.macros]", "modules: [opsbook.macros]\n      module_name: seen"
        )
    )
    built = build(book.root, tmp_path / "site", strict=True)
    assert built.code == 0, built.log
    assert {"index.md", "macros.md"} <= set(seen.read_text().split())
    assert built.content("macros/").find("table") is not None  # rendered by the macro


def test_plain_build_succeeds_despite_broken_documents(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    assert plain.code == 0, plain.log
    assert "Traceback" not in plain.log


def test_lint_problems_are_warnings_with_positions(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    found = warnings(plain.log)
    assert any(re.match(r"runbooks/api/broken\.md:4:\d+: .*\[yaml-syntax\]", w) for w in found), (
        found
    )
    assert any(
        w.startswith("runbooks/api/bad-fields.md:5:12: ") and "[ref-severity]" in w for w in found
    )
    assert any(
        w.startswith("runbooks/api/bad-fields.md:6:16: ") and "[schema-date]" in w for w in found
    )
    assert any(w.startswith("runbooks/api/bad-fields.md:2:1: ") and "'owner'" in w for w in found)
    assert any(w.startswith("runbooks/api/latin1.md:") and "[file-encoding]" in w for w in found)
    # Overdue action items and stale runbooks are states, shown on pages, never warnings.
    assert not any("[action-overdue]" in w or "[stale]" in w for w in found)


def test_strict_build_fails_with_every_message_and_no_traceback(
    messy: tuple[Built, Built, Path],
) -> None:
    plain, strict, _ = messy
    assert strict.code != 0
    assert "Traceback" not in strict.log
    assert "in strict mode" in strict.log
    # All problems, not only the first: the same warnings as the plain build.
    assert sorted(warnings(strict.log)) == sorted(warnings(plain.log))
    assert len(warnings(strict.log)) >= 5


def test_broken_document_gets_a_page_with_an_error_banner(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    article = plain.content("runbooks/api/broken/")
    banner = article.find("div", cls="ob-banner")
    assert banner.attrs.get("role") == "alert"
    assert "failure" in banner.classes
    text = banner.text()
    assert "runbooks/api/broken.md:4:" in text
    assert "[yaml-syntax]" in text
    assert "Body still readable." in article.text()
    bad = plain.content("runbooks/api/bad-fields/").find("div", cls="ob-banner").text()
    assert "[ref-severity]" in bad and "runbooks/api/bad-fields.md:5:12" in bad
    latin = plain.content("runbooks/api/latin1/").find("div", cls="ob-banner").text()
    assert "[file-encoding]" in latin
    # A clean document has no banner.
    assert not plain.content("runbooks/api/roll-back/").find_all("div", cls="ob-banner")


def test_helm_and_jinja_text_in_documents_is_verbatim(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    html = plain.html("runbooks/api/helm/")
    article = parse(html).find("article")
    text = article.text()
    assert "{{ .Values.image.tag }}" in text
    assert "{{ $labels.instance }} is down" in text
    assert "{% raw %}{{ not_a_macro }}{% endraw %}" in text
    assert "{# a Jinja comment #}" in text
    assert "{{ severity_matrix() }}" in text  # a document is never rendered by Jinja
    assert not article.find_all("div", cls="ob-severity")
    heading = article.find("h2", id="step-1")
    assert heading.text().startswith("Step")


def test_macros_render_on_pages_that_opt_in_only(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    article = plain.content("macros/")
    assert article.find_all("div", cls="ob-severity")
    assert article.find_all("div", cls="ob-comms")
    tree = article.find("div", cls="ob-tree")
    assert tree.find_all("li", id="step-recent-deploy")
    items = article.find("div", cls="ob-actions")
    assert "Add a canary stage" in items.text()
    assert "Alert on 5xx ratio" not in items.text()  # bob's
    runbooks = article.find("div", cls="ob-runbooks").text()
    assert "RB-0002" in runbooks and "RB-0001" not in runbooks  # RB-0001 is P1 only
    # Links from the macro output are relative to the page that called it.
    link = article.find("div", cls="ob-runbooks").find("a")
    assert link.attrs["href"] == "../runbooks/api/helm/"
    plain_text = plain.content("plain/").text()
    assert "{{ severity_matrix() }}" in plain_text


def test_no_value_becomes_markup(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    pages = sorted(plain.site.rglob("*.html"))
    assert len(pages) > 15
    for page in pages:
        root = parse(page.read_text(encoding="utf-8"))
        for script in root.find_all("script"):
            assert "alert(1)" not in script.raw_text() or script.attrs.get("type") == (
                "application/json"
            ), page
        for a in root.find_all("a"):
            assert not a.attrs.get("href", "").lower().startswith("javascript:"), page
    # The hostile text shows as text where it was used.
    for url in (
        "runbooks/api/xss/",
        "postmortems/2026-09-02-xss/",
        "severity/",
        "incident/",
        "action-items/",
        "decision-trees/",
        "runbooks/",
        "postmortems/",
        "services/",
    ):
        assert SCRIPT in plain.page(url).text(), url
    head = plain.page("runbooks/api/xss/").find("title")
    assert SCRIPT in head.text()


def test_tree_data_cannot_close_its_script(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    root = plain.content("decision-trees/should-i-roll-back/")
    data = root.find("script", cls="ob-tree-data")
    assert "</script" not in data.raw_text()
    assert json.loads(data.raw_text())["title"] == SCRIPT


def test_pages_of_a_handbook_with_problems_are_all_there(messy: tuple[Built, Built, Path]) -> None:
    plain, _, _ = messy
    for url in ("incident/", "review/", "runbooks/", "services/api/"):
        assert (plain.site / url / "index.html").is_file(), url
    review = plain.content("review/")
    problems = review.find("div", cls="ob-problems").text()
    assert "runbooks/api/broken.md:4" in problems


# ---- a clean handbook, months later: stale runbooks and overdue items ----------------------

LATER = "2026-10-15"


@pytest.fixture(scope="module")
def later(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("later")
    book = Handbook(root)
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)  # P1: reviewed every 30 days
    book.write(
        "runbooks/web/cdn.md",
        RUNBOOK.replace("RB-0001", "RB-0009")
        .replace("service: api", "service: web")
        .replace("severity: [P1]", "severity: [P2]")
        .replace("2026-09-01", "2026-05-01"),
    )
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    book.write(
        "postmortems/2026-09-05-web.md",
        POSTMORTEM.replace("PM-2026-001", "PM-2026-002")
        .replace("2026-09-01", "2026-09-05")
        .replace("services: [api]", "services: [web]")
        .replace("due: 2026-09-20", "due: 2026-09-10")
        .replace(
            "AI-3, title: Document rollback, owner: alice, due: 2026-09-10, status: done",
            "AI-3, title: Fix the CDN, owner: carol, due: 2026-10-01, status: in_progress",
        ),
    )
    install_site(root)
    return build(root, tmp_path_factory.mktemp("later-site"), strict=True, today=LATER)


def test_stale_and_overdue_do_not_fail_strict(later: Built) -> None:
    assert later.code == 0, later.log
    assert not warnings(later.log)


def test_action_items_overdue_first(later: Built) -> None:
    records = later.json("action-items.json")
    assert [r["uid"] for r in records] == [
        "PM-2026-002/AI-1",  # 35 days overdue
        "PM-2026-001/AI-1",  # 25
        "PM-2026-002/AI-3",  # 14
        "PM-2026-001/AI-2",  # not due yet
        "PM-2026-002/AI-2",
    ]
    assert [r["days_overdue"] for r in records] == [35, 25, 14, 0, 0]
    assert all(r["status"] in ("open", "in_progress") for r in records)
    assert (later.site / "action-items.csv").read_text().startswith("uid,")
    assert "BEGIN:VCALENDAR" in (later.site / "action-items.ics").read_text()

    article = later.content("action-items/")
    table = article.find("div", id="ob-action-table")
    rows = table.find("tbody").find_all("tr")
    titles = [r.find("td").text() for r in rows]
    assert titles == [r["title"] for r in records]
    overdue = [("ob-row--overdue" in r.classes) for r in rows]
    assert overdue == [True, True, True, False, False]
    assert json.loads(rows[0].attrs["data-owner"]) == ["alice"]
    stats = {
        s.find("span", cls="ob-stat__label").text(): s.find("span", cls="ob-stat__n").text()
        for s in article.find("div", cls="ob-stats").find_all("div", cls="ob-stat")
    }
    assert stats == {
        "open items": "5",
        "not started": "2",
        "in progress": "3",
        "overdue": "3",
        "owners": "3",
    }
    hrefs = [a.attrs["href"] for a in article.find("p", cls="ob-downloads").find_all("a")]
    assert hrefs == ["../action-items.json", "../action-items.csv", "../action-items.ics"]


def test_action_items_per_owner_view(later: Built) -> None:
    article = later.content("action-items/")
    section = article.find("h3", id="owner-alice")
    assert section.text().startswith("alice")
    block = article.find("div", cls="ob-owner", data_owner="alice")
    rows = block.find("tbody").find_all("tr")
    assert [r.find("td").text() for r in rows] == ["Add a canary stage", "Add a canary stage"]
    owners = [o.attrs["value"] for o in article.find("select", name="owner").find_all("option")]
    assert owners == ["", "alice", "bob", "carol"]


def test_review_lists_stale_runbooks_most_severe_first(later: Built) -> None:
    article = later.content("review/")
    rows = article.find("div", cls="ob-review").find("tbody").find_all("tr")
    # Issue 16: the P1 runbook (14 days late) before the P2 one (77 days late).
    assert [r.find("td").text() for r in rows] == ["RB-0001", "RB-0009"]
    assert "sre" in rows[0].text()
    runbooks = later.content("runbooks/")
    stale_rows = [r for r in runbooks.find("tbody").find_all("tr") if "ob-row--stale" in r.classes]
    assert len(stale_rows) == 2
    assert runbooks.find_all("span", cls="ob-badge--stale")
    box = later.content("runbooks/api/roll-back/").find("div", cls="ob-meta")
    assert "stale" in box.text() and "review was due 2026-10-01" in box.text()


def test_postmortem_page_opens_with_key_times(later: Built) -> None:
    article = later.content("postmortems/2026-09-01-api-outage/")
    first = next(el for el in article.iter() if "ob-meta" in el.classes)
    text = first.text()
    assert "Postmortem PM-2026-001" in text
    durations = {
        s.find("span", cls="ob-stat__label").text(): s.find("span", cls="ob-stat__n").text()
        for s in first.find_all("div", cls="ob-stat")
    }
    assert durations == {"Time to detect": "5 min", "Time to resolve": "1 h 00 min"}
    assert "2026-09-01 10:05 UTC" in text
    items = first.find("div", cls="ob-actions").find("tbody").find_all("tr")
    assert len(items) == 3  # done ones too, on the postmortem itself
    index = later.content("postmortems/").find("tbody").find_all("tr")
    assert [r.find("td").text() for r in index] == ["2026-09-05", "2026-09-01"]
    cells = [c.text() for c in index[1].find_all("td")]
    assert cells[3:6] == ["5 min", "—", "1 h 00 min"]


def test_generated_markup_keeps_ascii_pages_one_byte_a_character(later: Built) -> None:
    # One character above U+00FF (an em dash for an empty cell) makes Python hold the whole page
    # at two bytes a character through every later step of the build.
    for url in ("postmortems/2026-09-01-api-outage/", "postmortems/", "action-items/", "review/"):
        wide = {c for c in later.html(url) if ord(c) > 0xFF}
        assert not wide, (url, wide)


def test_runbook_page_opens_with_its_metadata(later: Built) -> None:
    article = later.content("runbooks/api/roll-back/")
    h1 = article.find("h1")
    box = article.find("div", cls="ob-meta")
    # The box comes right after the runbook's own heading.
    assert article.iter().__next__() is article
    order = [el for el in article.iter() if el is h1 or el is box]
    assert order == [h1, box]
    text = box.text()
    assert "Runbook RB-0001" in text and "sre" in text and "Errors right after a deploy" in text
    service = box.find("a", href="../../../services/api/")
    assert service.text() == "api"
    sev = box.find("a", cls="ob-sev-link")
    assert sev.attrs["href"] == "../../../severity/#sev-p1"


def test_services_pages(later: Built) -> None:
    web = later.content("services/web/")
    assert "RB-0009" in web.find("div", cls="ob-runbooks").text()
    assert "PM-2026-002" not in web.find("div", cls="ob-runbooks").text()
    assert len(web.find("div", cls="ob-actions").find("tbody").find_all("tr")) == 3
    nav = later.page("services/web/").find("nav", cls="md-nav--primary").text()
    assert "api" in nav and "web" in nav


def test_documents_stay_out_of_the_nav(later: Built) -> None:
    nav = later.page("incident/").find("nav", cls="md-nav--primary")
    hrefs = [a.attrs.get("href", "") for a in nav.find_all("a")]
    assert not any("runbooks/api" in h or "postmortems/2026" in h for h in hrefs)
    assert "../decision-trees/" in hrefs
    # navigation.prune renders only the open branch: the trees show once in their section.
    assert not any(h.endswith("decision-trees/should-i-roll-back/") for h in hrefs)
    section = later.page("decision-trees/").find("nav", cls="md-nav--primary")
    tree_hrefs = [a.attrs.get("href", "") for a in section.find_all("a")]
    assert any(h.endswith("should-i-roll-back/") for h in tree_hrefs), tree_hrefs


# ---- an organisation with other severity ids and channels ----------------------------------

SEV_POLICY = dedent(
    """
    severities:
      - {id: SEV-A, name: Outage, definition: Everything is down, response_time: 5 min,
         notify: [Pager duty]}
      - {id: SEV-B, name: Major, definition: A big part is down, response_time: 30 min,
         notify: [Team lead]}
      - {id: SEV-C, name: Minor, definition: Something small, response_time: 1 day, notify: [Team]}
      - {id: SEV-D, name: Cosmetic, definition: Looks wrong, response_time: Next sprint,
         notify: [Backlog]}
    channels:
      - {id: slack, name: "#war-room"}
      - {id: pager, name: PagerDuty}
      - {id: tweets, name: Twitter}
    communication:
      SEV-A:
        slack: {when: At once, every: 5 min}
        pager: {when: At once, every: Continuous}
        tweets: {when: Within 10 min, every: 20 min}
      SEV-B:
        slack: {when: At once, every: 15 min}
        pager: {when: Not used, every: "-"}
        tweets: {when: If visible, every: 1 hour}
      SEV-C:
        slack: {when: Same day, every: 1 day}
      SEV-D:
        slack: {when: Not used, every: "-"}
    roles:
      - {id: lead, name: Incident Lead, duties: [Leads]}
    contacts:
      - {role: lead, name: Duty lead, how: Call the duty phone}
    review:
      default_days: 365
    decision_trees:
      - id: page-or-not
        title: Page or not?
        start: impact
        nodes:
          impact:
            question: Is anyone affected?
            yes: page
            no: wait
          page:
            outcome: Page the duty lead
            severity: SEV-A
            runbook: OPS-7
          wait:
            outcome: Wait and watch
            severity: SEV-D
    """
)

SEV_RUNBOOK = dedent(
    """
    ---
    id: OPS-7
    title: Page the duty lead
    service: billing
    owner: ops
    severity: [SEV-B, SEV-A]
    last_reviewed: 2026-09-01
    symptoms: [Nobody answers the duty phone]
    ---
    Call them.
    """
)


@pytest.fixture(scope="module")
def sev(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("sev")
    book = Handbook(root)
    book.write("policy.yml", SEV_POLICY)
    book.write("runbooks/billing/page.md", SEV_RUNBOOK)
    install_site(root, nav="")  # and so the nav opsbook makes when mkdocs.yml has none
    # Its tests read Material's search index: the site's search is Material's (see sitebuild).
    return build(root, tmp_path_factory.mktemp("sev-site"), strict=True, env=MATERIAL_SEARCH)


def nav_tree(built: Built, url: str) -> list[tuple[int, str]]:
    """The primary nav of a page as (depth, title) pairs, in order."""
    nav = built.page(url).find("nav", cls="md-nav--primary")
    return [
        (sum(1 for p in link.ancestors() if p.tag == "ul") - 1, link.text())
        for link in nav.find_all("a", cls="md-nav__link")
        if not any("md-nav--secondary" in p.classes for p in link.ancestors())
    ]


def test_default_nav_puts_the_incident_pages_under_incident(sev: Built) -> None:
    records = [
        *("Runbooks", "Alerts", "Postmortems", "Action items", "Insights", "Services", "Review"),
    ]
    # A runbook page carries only the top level (navigation.prune)...
    assert nav_tree(sev, "runbooks/billing/page/") == [
        (0, t) for t in ["Home", "Incident", *records]
    ]
    # ...an incident page its own section, and the tree pages sit under Decision trees.
    on_trees = nav_tree(sev, "decision-trees/")
    assert on_trees[:5] == [
        (0, "Home"),
        (0, "Incident"),
        (1, "Severity"),
        (1, "Communication"),
        (1, "Decision trees"),
    ]
    assert on_trees[5] == (2, "Page or not?"), on_trees
    assert [t for d, t in on_trees if d == 0] == ["Home", "Incident", *records]


def test_other_severity_ids_build_clean(sev: Built) -> None:
    assert sev.code == 0, sev.log


def test_severity_page_follows_the_policy(sev: Built) -> None:
    rows = sev.content("severity/").find("div", cls="ob-severity").find("tbody").find_all("tr")
    assert [r.attrs["id"] for r in rows] == ["sev-sev-a", "sev-sev-b", "sev-sev-c", "sev-sev-d"]
    first = [c.text() for c in rows[0].find_all("td")]
    assert first[0] == "SEV-A Outage"
    assert first[1] == "Everything is down"
    assert first[3] == "5 min"
    assert "#war-room: every 5 min" in first[5] and "PagerDuty: Continuous" in first[5]
    assert first[6] == "1 runbook"
    badges = [r.find("span", cls="ob-sev").classes for r in rows]
    assert [b[1] for b in badges] == ["ob-sev--0", "ob-sev--1", "ob-sev--2", "ob-sev--3"]


def test_communication_page_follows_the_policy(sev: Built) -> None:
    article = sev.content("communication/")
    table = article.find("div", cls="ob-comms")
    headers = [th.text() for th in table.find_all("th")]
    assert headers == ["Level", "#war-room", "PagerDuty", "Twitter"]
    rows = table.find("tbody").find_all("tr")
    assert [c.text() for c in rows[0].find_all("td")] == [
        "SEV-A",
        "At once every 5 min",
        "At once Continuous",
        "Within 10 min every 20 min",
    ]
    assert [c.text() for c in rows[2].find_all("td")][2:] == ["—", "—"]
    labels = [label.text() for label in article.find_all("label")]
    assert labels == ["SEV-A · Outage", "SEV-B · Major", "SEV-C · Minor", "SEV-D · Cosmetic"]
    codes = [c.text() for c in article.find_all("code")]
    internal = next(c for c in codes if c.startswith("[SEV-A Outage]"))
    assert "Incident Lead: <name>" in internal
    assert "(every 5 min in #war-room)" in internal


def test_incident_page_of_another_policy(sev: Built) -> None:
    article = sev.content("incident/")
    start = article.find("div", cls="ob-start")
    assert "Page or not?" in start.text() and "Is anyone affected?" in start.text()
    buttons = {a.text(): a.attrs["href"] for a in start.find_all("a", cls="md-button")}
    assert buttons == {
        "Yes": "../decision-trees/page-or-not/#step-page",
        "No": "../decision-trees/page-or-not/#step-wait",
    }
    roles = article.find("div", cls="ob-roles").text()
    assert "Incident Lead" in roles and "Call the duty phone" in roles
    # Issue 16: the incident page lists only runbooks that name symptoms (OPS-7 does now).
    symptoms = article.find("div", cls="ob-symptoms").find("tbody").find_all("tr")
    assert "OPS-7" in symptoms[0].text()


def test_decision_tree_page(sev: Built) -> None:
    article = sev.content("decision-trees/page-or-not/")
    tree = article.find("div", cls="ob-tree")
    data = json.loads(tree.find("script", cls="ob-tree-data").raw_text())
    assert data["start"] == "impact"
    assert data["nodes"]["page"]["runbook"]["href"] == "../../runbooks/billing/page/"
    assert data["nodes"]["page"]["severity"] == {"id": "SEV-A", "name": "Outage", "rank": 0}
    # Without JavaScript: a nested list, every step an anchor, outcomes linking their runbook.
    root = tree.find("ul", cls="ob-tree-list")
    first = root.find("li", id="step-impact")
    answers = first.find("ul", cls="ob-answers").find_all("li", cls="ob-answer")
    assert [a.find("span", cls="ob-answer__label").text() for a in answers] == ["Yes", "No"]
    page = answers[0].find("li", id="step-page")
    assert page.find("a", href="../../runbooks/billing/page/")
    assert tree.find("div", cls="ob-stepper").attrs.get("hidden") is not None


def test_search_separator_keeps_alert_names_whole_and_splits_ids_like_queries(sev: Built) -> None:
    index = sev.json("search/search_index.json")
    separator = index["config"]["separator"]
    split = [t for t in re.split(separator, "RB-0042 KubePodCrashLooping node_down P1 SEV-1") if t]
    # The search box cuts a query at '-' (see test_browser): an id is indexed as those parts.
    assert split == ["RB", "0042", "KubePodCrashLooping", "node_down", "P1", "SEV", "1"]
    assert [t for t in re.split(separator, "third-party outage, api.example.com") if t] == [
        "third", "party", "outage", "api", "example", "com",
    ]  # fmt: skip
    locations = {doc["location"] for doc in index["docs"]}
    assert "runbooks/billing/page/" in locations  # documents are searchable though not in nav


def test_site_requests_nothing_from_other_hosts(sev: Built) -> None:
    offenders = []
    for page in sev.site.rglob("*.html"):
        root = parse(page.read_text(encoding="utf-8"))
        for el in root.iter():
            if el.tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
                url = el.attrs.get("src", "")
            elif el.tag == "link":
                url = el.attrs.get("href", "")
            else:
                continue
            if re.match(r"(?i)^(https?:)?//", url):
                offenders.append((page.name, el.tag, url))
    assert not offenders
    for css in sev.site.rglob("*.css"):
        assert "fonts.googleapis" not in css.read_text(encoding="utf-8"), css


def test_packaged_assets_are_served_and_linked_once(sev: Built) -> None:
    page = sev.page("incident/")
    styles = [el.attrs.get("href", "") for el in page.find_all("link")]
    scripts = [el.attrs.get("src", "") for el in page.find_all("script")]
    assert styles.count("../assets/opsbook.css") == 1
    assert scripts.count("../assets/decision-tree.js") == 1
    assert scripts.count("../assets/table-filter.js") == 1
    for uri, packaged in ASSETS.items():
        assert (sev.site / uri).read_bytes() == packaged.read_bytes(), uri


def test_a_handbooks_own_stylesheet_wins(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", SEV_POLICY)
    book.write("runbooks/billing/page.md", SEV_RUNBOOK)
    install_site(book.root, nav="")
    book.write("docs/assets/opsbook.css", "/* ours */\n")
    config = book.root / "mkdocs.yml"
    config.write_text(config.read_text() + "\nextra_css:\n  - assets/opsbook.css\n")
    built = build(book.root, tmp_path / "site", strict=True)
    assert built.code == 0, built.log
    assert (built.site / "assets/opsbook.css").read_text() == "/* ours */\n"
    styles = [el.attrs.get("href", "") for el in built.page("incident/").find_all("link")]
    assert styles.count("../assets/opsbook.css") == 1
    assert (built.site / "assets/table-filter.js").is_file()


# ---- configuration errors: a clear message, no traceback ----------------------------------


def test_unreadable_policy_is_a_clear_error(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", "severities: [\n")
    install_site(book.root)
    result = build(book.root, tmp_path / "site")
    assert result.code != 0
    assert "Traceback" not in result.log
    assert "policy.yml is not valid YAML" in result.log
    assert re.search(r"policy\.yml:\d+:\d+: .*\[yaml-syntax\]", result.log)


def test_missing_policy_is_a_clear_error(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("runbooks/x.md", RUNBOOK)
    install_site(book.root)
    result = build(book.root, tmp_path / "site")
    assert result.code != 0
    assert "Traceback" not in result.log
    assert "no policy.yml" in result.log


def test_bad_today_is_a_clear_error(tmp_path: Path) -> None:
    book = Handbook(tmp_path / "hb")
    book.write("policy.yml", POLICY)
    install_site(book.root)
    result = build(book.root, tmp_path / "site", today="next tuesday")
    assert result.code != 0
    assert "Traceback" not in result.log
    assert "OPSBOOK_TODAY must be a date YYYY-MM-DD" in result.log


def test_search_indexes_documents_once(later: Built) -> None:
    # The site's search is Pagefind's: its index holds each page's text, as indexed.
    pages = {page["url"]: page for page in pagefind_pages(later.site)}

    def text(location: str) -> str:
        page = pages.get("/" + location)
        return "" if page is None else page["meta"].get("title", "") + " " + page["content"]

    # A runbook's symptoms and body are found on its own page...
    assert "Errors right after a deploy" in text("runbooks/api/roll-back/")
    assert "kubectl rollout undo" in text("runbooks/api/roll-back/")
    # ...action item titles on their postmortem's page...
    assert "Add a canary stage" in text("postmortems/2026-09-01-api-outage/")
    # ...and listings that repeat them are not indexed again, while policy text is.
    assert "Roll back a deployment" not in text("runbooks/")
    assert "Add a canary stage" not in text("action-items/")
    assert "Roll back a deployment" not in text("review/")
    assert "reviewed on a schedule" in text("review/")
    assert "Service down for everyone" in text("severity/")
    # Every held-back listing is back in the page.
    for page in later.site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "data-ob-listing" not in html and "ob:listing" not in html, page
        assert "data-ob-box" not in html, page
        assert "OPSBOOK" not in html, page
    assert "Roll back a deployment" in later.content("runbooks/").text()
    assert "Roll back a deployment" in later.content("review/").text()
    # A box's fields and links are on the page; search saw only its id and symptoms.
    box = later.content("runbooks/api/roll-back/").find("div", cls="ob-meta")
    assert "Last reviewed" in box.text() and "Last reviewed" not in text("runbooks/api/roll-back/")
    assert "RB-0001" in text("runbooks/api/roll-back/")
    # The postmortem's action items table is on its page, though search saw only the titles.
    rows = later.content("postmortems/2026-09-01-api-outage/").find_all("tr")
    assert any("Add a canary stage" in r.text() and "alice" in r.text() for r in rows)


@pytest.fixture(scope="module")
def headings(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Runbooks with their own heading first, with none, and with one further down."""
    root = tmp_path_factory.mktemp("headings")
    book = Handbook(root)
    book.write("policy.yml", POLICY)
    front = RUNBOOK.split("# Roll back a deployment")[0]
    book.write("runbooks/api/own.md", front + "# Own heading\n\nText.\n")
    book.write(
        "runbooks/api/none.md",
        front.replace("RB-0001", "RB-0002").replace(
            "title: Roll back a deployment", "title: \"The database's <b>WAL</b> & 'you'\""
        )
        + "Text.\n\n## Steps\n\nMore.\n",
    )
    book.write(
        "runbooks/api/later.md",
        front.replace("RB-0001", "RB-0003").replace("Roll back", "Later heading")
        + "Preface.\n\n# Further down\n\nText.\n",
    )
    install_site(root)
    built = build(root, tmp_path_factory.mktemp("headings-site"), strict=True)
    assert built.code == 0, built.log
    return built


def test_box_follows_the_runbooks_own_heading(headings: Built) -> None:
    article = headings.content("runbooks/api/own/")
    h1s = article.find_all("h1")
    assert [h.text().rstrip("¶") for h in h1s] == ["Own heading"]
    order = [el for el in article.iter() if el is h1s[0] or "ob-meta" in el.classes]
    assert order[:2] == [h1s[0], article.find("div", cls="ob-meta")]


def test_runbook_without_a_heading_gets_its_title_once(headings: Built) -> None:
    page = headings.page("runbooks/api/none/")
    article = page.find("article")
    h1s = article.find_all("h1")
    # One title, escaped (the theme would add its own heading if the content had none).
    assert [h.text() for h in h1s] == ["The database's <b>WAL</b> & 'you'"]
    box = article.find("div", cls="ob-meta")
    order = [el for el in article.iter() if el is h1s[0] or el is box]
    assert order == [h1s[0], box]
    assert [h.text().rstrip("¶") for h in article.find_all("h2")] == ["Steps"]
    # Search titles the page with its title as written: Pagefind keeps it as text (the worker
    # escapes it once for Material's result list, see test_browser).
    titles = [
        p["meta"]["title"]
        for p in pagefind_pages(headings.site)
        if p["url"] == "/runbooks/api/none/"
    ]
    assert titles == ["The database's <b>WAL</b> & 'you'"]


def test_runbook_with_a_later_heading_still_opens_with_its_title(headings: Built) -> None:
    article = headings.content("runbooks/api/later/")
    h1s = article.find_all("h1")
    assert [h.text().rstrip("¶") for h in h1s] == ["Later heading a deployment", "Further down"]
    box = article.find("div", cls="ob-meta")
    order = [el for el in article.iter() if el in (h1s[0], box, h1s[1])]
    assert order == [h1s[0], box, h1s[1]]
