"""Every string from a document, policy.yml or a command-line option is data wherever it lands.

Markdown is not HTML: a value escaped for HTML (&, <, >) still turns into markup in a Markdown
heading, where attr_list reads `{onfocus=...}` as attributes and `[x](javascript:...)` is a
link. These tests put hostile strings into every string field of the three schemas and into
the site's name, build the site, and look at the parsed HTML of every page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook, Run
from htmldom import Element, parse
from sitebuild import Built, build, install_site

pytestmark = pytest.mark.slow

URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "poster", "data")
BAD_SCHEMES = re.compile(r"^\s*(javascript|data|vbscript):", re.IGNORECASE)


def pages(site: Path) -> Iterator[tuple[str, Element]]:
    for path in sorted(site.rglob("*.html")):
        yield path.relative_to(site).as_posix(), parse(path.read_text(encoding="utf-8"))


def live_markup(root: Element) -> list[str]:
    """What on a parsed page a browser would run: event handlers and script URLs."""
    found = []
    for el in root.iter():
        for name, value in el.attrs.items():
            if name.startswith("on"):
                found.append(f"<{el.tag} {name}={value!r}>")
            if name in URL_ATTRS and BAD_SCHEMES.match(value):
                found.append(f"<{el.tag} {name}={value!r}>")
    return found


def live_markup_of_site(site: Path) -> dict[str, list[str]]:
    return {rel: found for rel, root in pages(site) if (found := live_markup(root))}


# --- the findings of issue 15, one by one -------------------------------------------------------

FOCUS = "payments {tabindex=0 autofocus=1 onfocus=alert(document.domain)}"
ONERROR = "billing ![](x){onerror=alert(1)}"
TREE_TITLE = "Roll back? {tabindex=0 autofocus=1 onfocus=alert(1)} [x](javascript:alert(1))"


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("findings")
    book = Handbook(root)
    book.write("policy.yml", POLICY.replace("title: Should I roll back?", f'title: "{TREE_TITLE}"'))
    book.write("runbooks/api/roll-back.md", RUNBOOK.replace("service: api", f'service: "{FOCUS}"'))
    book.write(
        "runbooks/api/billing.md",
        RUNBOOK.replace("RB-0001", "RB-0002").replace("service: api", f'service: "{ONERROR}"'),
    )
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    install_site(root)
    built = build(root, tmp_path_factory.mktemp("findings-site"))
    assert built.code == 0, built.log
    return built


@pytest.mark.parametrize("service", [FOCUS, ONERROR])
def test_a_service_name_is_text_in_its_pages_heading(findings: Built, service: str) -> None:
    pages_of_service = [
        rel
        for rel, root in pages(findings.site)
        if rel.startswith("services/") and rel != "services/index.html"
        and service in root.find("article").find("h1").text()
    ]  # fmt: skip
    assert len(pages_of_service) == 1, "the service's page does not show its name as text"
    assert live_markup_of_site(findings.site) == {}


def test_a_tree_title_is_text_in_its_pages_heading(findings: Built) -> None:
    article = findings.content("decision-trees/should-i-roll-back/")
    h1 = article.find("h1")
    assert TREE_TITLE in h1.text()
    assert set(h1.attrs) <= {"id"}, h1.attrs
    assert not h1.find_all("a", href="javascript:alert(1)")
    assert live_markup(findings.page("decision-trees/should-i-roll-back/")) == []


SITE_NAMES = [
    "<img src=x onerror=alert(1)>",
    'Ops {onfocus=alert(1) autofocus} [x](javascript:alert(1)) &amp; "quoted" {{ jinja }}',
]


@pytest.mark.parametrize("name", SITE_NAMES, ids=["tag", "markdown"])
def test_the_site_name_is_text_on_every_page(
    opsbook: Callable[..., Run], tmp_path: Path, name: str
) -> None:
    made = opsbook("init", "hb", "--name", name, "--today", "2026-09-15", cwd=tmp_path)
    assert made.code == 0, made.err
    built = build(tmp_path / "hb", tmp_path / "site", strict=True)
    assert built.code == 0, built.log[-4000:]
    assert live_markup_of_site(built.site) == {}
    home = built.page("")
    assert home.find("article").find("h1").text().rstrip("¶") == name
    for rel, root in pages(built.site):
        if rel == "404.html":
            continue
        assert not [el for el in root.iter() if el.tag == "img" and el.attrs.get("src") == "x"]
        assert root.find("title").text().endswith(name), rel
        topic = root.find("header").find("span", cls="md-ellipsis")
        assert topic.text() == name, rel
        logo = root.find("a", cls="md-logo")
        assert logo.attrs["title"] == name and logo.attrs["aria-label"] == name, rel


# --- document bodies are sanitised ----------------------------------------------------------------

RICH_BODY = """\
# Rich runbook

Press <kbd>Ctrl</kbd>+<kbd>C</kbd>. <script>alert(1)</script>
<img src="x" onerror="alert(1)"> <a href="javascript:alert(1)">click</a>
[js](javascript:alert(1)) <iframe src="https://evil.example/"></iframe>

| column | right |
|:------:|------:|
| cell   | 2     |

<details><summary>More</summary>

Hidden text.

</details>

```python
def roll_back(release):
    return release - 1
```

!!! warning "Careful"
    An admonition.

=== "Linux"
    Tab one.

=== "macOS"
    Tab two.
"""


def rich_handbook(root: Path, policy: str = POLICY) -> Handbook:
    book = Handbook(root)
    book.write("policy.yml", policy)
    head, _, _ = RUNBOOK.partition("# Roll back a deployment")
    book.write("runbooks/api/roll-back.md", head + RICH_BODY)
    install_site(root)
    return book


@pytest.fixture(scope="module")
def sanitised(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("sanitised")
    rich_handbook(root)
    built = build(root, tmp_path_factory.mktemp("sanitised-site"))
    assert built.code == 0, built.log
    return built


def test_a_body_loses_what_runs_and_keeps_what_docs_need(sanitised: Built) -> None:
    page = sanitised.page("runbooks/api/roll-back/")
    article = page.find("article")
    assert live_markup(page) == []
    assert not article.find_all("script") and not article.find_all("iframe")
    assert "alert(1)" not in sanitised.html("runbooks/api/roll-back/")
    assert [k.text() for k in article.find_all("kbd")] == ["Ctrl", "C"]
    assert article.find("img", src="x")  # the image stays, its handler does not
    cells = article.find("table").find_all("td")
    assert [c.text() for c in cells][:2] == ["cell", "2"]
    assert cells[0].attrs.get("style") == "text-align:center"
    assert article.find("details").find("summary").text() == "More"
    code = article.find("div", cls="highlight")
    assert code.find("span", cls="k").text() == "def"  # highlighting classes kept
    admonition = article.find("div", cls="warning")
    assert admonition.find("p", cls="admonition-title").text() == "Careful"
    tabs = article.find("div", cls="tabbed-set")
    assert [i.attrs.get("type") for i in tabs.find_all("input")] == ["radio", "radio"]
    assert [lab.text() for lab in tabs.find_all("label")] == ["Linux", "macOS"]
    # The box opsbook writes above the body is untouched.
    assert article.find("div", cls="ob-meta").find("dl", cls="ob-meta__grid")


UNSANITISED_POLICY = POLICY + "site:\n  sanitize_html: false\n"


@pytest.fixture(scope="module")
def unsanitised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Path]:
    root = tmp_path_factory.mktemp("unsanitised")
    rich_handbook(root, UNSANITISED_POLICY)
    built = build(root, tmp_path_factory.mktemp("unsanitised-site"))
    assert built.code == 0, built.log
    return built, root


def test_sanitising_can_be_turned_off(unsanitised: tuple[Built, Path]) -> None:
    built, _ = unsanitised
    article = built.content("runbooks/api/roll-back/")
    assert [s.raw_text() for s in article.find_all("script")] == ["alert(1)"]
    assert article.find("img", src="x").attrs.get("onerror") == "alert(1)"
