"""The repository's own sample handbook, built as `make build` does (strict)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from htmldom import parse
from opsbook import load
from sitebuild import REPO, Built, build, pagefind_pages, warnings

pytestmark = pytest.mark.slow

CONTENT_DATE = "2026-09-15"


@pytest.fixture(scope="module")
def handbook() -> load.Handbook:
    if not (REPO / "policy.yml").is_file():
        pytest.skip("the sample handbook is not in the repository yet")
    return load.load_handbook(REPO)


@pytest.fixture(scope="module")
def sample(handbook: load.Handbook, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(REPO, tmp_path_factory.mktemp("sample"), strict=True, today=CONTENT_DATE)


@pytest.fixture(scope="module")
def sample_today(handbook: load.Handbook, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Built with the real date, months or years after the content was written."""
    return build(REPO, tmp_path_factory.mktemp("sample-now"), strict=True, today=None)


def test_strict_build_is_clean(sample: Built) -> None:
    assert sample.code == 0, sample.log
    assert not warnings(sample.log)


def test_strict_build_with_the_real_date_passes(sample_today: Built) -> None:
    # Stale runbooks and overdue items by now are states shown on pages, not warnings.
    assert sample_today.code == 0, sample_today.log
    assert not warnings(sample_today.log)
    later = dt.date.today() > dt.date.fromisoformat(CONTENT_DATE) + dt.timedelta(days=60)
    if later:
        assert sample_today.content("review/").find_all("tr", cls="ob-row--stale")


def test_home_links_first_to_the_incident_page(sample: Built) -> None:
    article = sample.content("")
    first = next(a for a in article.find_all("a") if "headerlink" not in a.classes)
    assert first.attrs["href"] == "incident/"
    assert "md-button--primary" in first.classes
    nav = sample.page("").find("nav", cls="md-nav--primary")
    titles = [
        a.text()
        for a in nav.find_all("a", cls="md-nav__link")
        if not any("md-nav--secondary" in p.classes for p in a.ancestors())
    ]
    assert titles[:2] == ["Home", "Incident"]
    # Severity, communication and the trees sit under Incident: the top level stays short,
    # and every entry of it is rendered into each of the thousands of document pages.
    top = sample.page("runbooks/api/backend-returning-500s/").find("nav", cls="md-nav--primary")
    assert [a.text() for a in top.find_all("a", cls="md-nav__link")] == [
        "Home",
        "Incident",
        "Runbooks",
        "Alerts",
        "Postmortems",
        "Action items",
        "Insights",
        "Services",
        "Review",
        "About this handbook",
    ]


def test_every_document_has_a_page(sample: Built, handbook: load.Handbook) -> None:
    for doc in [*handbook.runbooks, *handbook.postmortems]:
        url = doc.rel.removesuffix(".md") + "/"
        page = sample.content(url)
        assert page.find_all("div", cls="ob-meta"), doc.rel


def test_generated_pages_follow_policy_yml(sample: Built, handbook: load.Handbook) -> None:
    policy = handbook.policy
    severity = sample.content("severity/").find("div", cls="ob-severity")
    rows = severity.find("tbody").find_all("tr")
    assert [r.find("span", cls="ob-sev").text() for r in rows] == [s.id for s in policy.severities]
    for row, sev in zip(rows, policy.severities, strict=True):
        cells = row.find_all("td")
        assert sev.name in cells[0].text()
        assert cells[1].text() == " ".join(sev.definition.split())
        assert [li.text() for li in cells[4].find_all("li")] == sev.notify

    comms = sample.content("communication/").find("div", cls="ob-comms")
    headers = [th.text() for th in comms.find_all("th")][1:]
    assert headers == [c.name for c in policy.channels]

    trees = sample.content("decision-trees/").find("div", cls="ob-trees").find("tbody")
    assert len(trees.find_all("tr")) == len(policy.decision_trees)
    for tree in policy.decision_trees:
        page = sample.content(f"decision-trees/{tree.id}/")
        for node_id in tree.nodes:
            assert page.find_all("li", id=f"step-{node_id}"), (tree.id, node_id)

    runbooks = sample.content("runbooks/").find("div", id="ob-runbook-table").find("tbody")
    ids = [r.find("td").text() for r in runbooks.find_all("tr")]
    assert sorted(ids) == sorted(rb.id for rb in handbook.runbooks)

    postmortems = sample.content("postmortems/").find("div", cls="ob-postmortems").find("tbody")
    dates = [r.find("td").text() for r in postmortems.find_all("tr")]
    assert dates == sorted(dates, reverse=True)
    assert len(dates) == len(handbook.postmortems)

    for service in handbook.services:
        assert (sample.site / "services" / service / "index.html").is_file(), service


def test_incident_page_has_everything_for_2am(sample: Built, handbook: load.Handbook) -> None:
    article = sample.content("incident/")
    headings = [h.text().rstrip("¶").strip() for h in article.find_all("h2")]
    assert headings == [
        "Decide",
        "Severity",
        "Communicate",
        "Roles and contacts",
        "Runbooks by symptom",
    ]
    starts = article.find("div", cls="ob-starts").find_all("div", cls="ob-start")
    assert len(starts) == len(handbook.policy.decision_trees)
    symptoms = article.find("div", cls="ob-symptoms").text()
    for rb in handbook.runbooks:
        if rb.status != "deprecated":
            assert rb.id in symptoms
            for symptom in rb.symptoms:
                assert " ".join(symptom.split()) in symptoms
    roles = article.find("div", cls="ob-roles").text()
    for role in handbook.policy.roles:
        assert role.name in roles
    # Printable: the stylesheet has print rules, and the page loads it.
    css = (sample.site / "assets" / "opsbook.css").read_text()
    assert "@media print" in css
    links = [link.attrs.get("href", "") for link in sample.page("incident/").find_all("link")]
    assert "../assets/opsbook.css" in links


def test_action_items_files_match_the_page(sample: Built, handbook: load.Handbook) -> None:
    records = sample.json("action-items.json")
    expected = [i for i in handbook.action_items if i.status in ("open", "in_progress")]
    assert len(records) == len(expected)
    overdue = [r["days_overdue"] for r in records]
    assert overdue == sorted(overdue, reverse=True)
    rows = sample.content("action-items/").find("div", id="ob-action-table").find("tbody")
    cells = [r.find("td").text() for r in rows.find_all("tr")]
    assert len(cells) == len(records)
    for cell, record in zip(cells, records, strict=True):
        assert cell.startswith(record["title"])


def test_helm_templates_in_the_sample_are_verbatim(sample: Built, handbook: load.Handbook) -> None:
    checked = 0
    for rb in handbook.runbooks:
        assert rb.source is not None
        expressions = re.findall(r"\{\{.*?\}\}|\{%.*?%\}", rb.source.body)
        if not expressions:
            continue
        text = parse(sample.html(rb.rel.removesuffix(".md") + "/")).find("article").text()
        for expression in expressions:
            assert " ".join(expression.split()) in text, (rb.rel, expression)
        checked += 1
    assert checked, "the sample has a runbook with Helm or Prometheus templates"


def test_search_index_has_every_document(sample: Built, handbook: load.Handbook) -> None:
    # The site's search is Pagefind's (opsbook.search_index): every document is a page of it.
    pages = pagefind_pages(sample.site)
    locations = {p["url"] for p in pages}
    for doc in [*handbook.runbooks, *handbook.postmortems]:
        assert "/" + doc.rel.removesuffix(".md") + "/" in locations
    text = " ".join(p["content"] for p in pages)
    for rb in handbook.runbooks:
        assert rb.id in text


def test_no_request_to_other_hosts(sample: Built) -> None:
    for page in Path(sample.site).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html
        root = parse(html)
        for el in root.find_all("script") + root.find_all("img") + root.find_all("iframe"):
            assert not el.attrs.get("src", "").startswith(("http:", "https:", "//")), page
        for el in root.find_all("link"):
            assert not el.attrs.get("href", "").startswith(("http:", "https:", "//")), page
