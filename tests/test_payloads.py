"""Every string from a document, policy.yml or a command-line option is data wherever it lands.

Markdown is not HTML: a value escaped for HTML (&, <, >) still turns into markup in a Markdown
heading, where attr_list reads `{onfocus=...}` as attributes and `[x](javascript:...)` is a
link. These tests put hostile strings into every string field of the three schemas and into
the site's name, build the site, and look at the parsed HTML of every page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from browser import CHROMIUM, CHROMIUM_ARGS, require_browser, serve
from conftest import POLICY, POSTMORTEM, RUNBOOK, Handbook, Run
from htmldom import Element, parse
from opsbook.pages.common import heading
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
    # Lint's warnings about the body open the page, in opsbook's banner.
    banner = article.find("div", cls="ob-banner")
    assert "html-unsafe" in banner.text() and "html-offsite" in banner.text()
    admonition = next(d for d in article.find_all("div", cls="warning") if d is not banner)
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


# --- every string field of the three schemas, and the site's name ------------------------------

PAYLOADS = [
    "{onfocus=alert(1) autofocus tabindex=0}",
    "x {: onclick=alert(1) }",
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "![](x){onerror=alert(1)}",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#106;avascript:alert(1)",
    "\"'><svg onload=alert(1)>",
    "escape \x1b[31m bell \x07 end",
    "`code` ``x`` ``` fence",
    "{{ jinja }} {{ severity_matrix() }}",
    "{% raw %} {% include 'secrets.txt' %}",
    "[d](data:text/html,<script>alert(1)</script>)",
    "<a href=vbscript:msgbox(1)>v</a>",
    "*e* __b__ | p | ~~d~~ ^s^ ==m== :x: # h",
    "<!-- c --> <![CDATA[x]]> ]]>",
]
URLS = [
    'https://example.com/"><script>alert(1)</script>',
    "https://example.com/?q='onmouseover=alert(1)//",
    "https://example.com/#{onclick=alert(1)}",
    "https://example.com/[x](javascript:alert(1))",
]
N = len(PAYLOADS)
WORDS = re.compile(r"[A-Za-z0-9]+")

# Raw HTML and Markdown in a body: sanitised, and warned about by lint (not errors).
HOSTILE_BODY = (
    RICH_BODY
    + "\n"
    + "\n\n".join(
        [
            "<a href='&#106;avascript:alert(1)'>entity</a> <a href='vbscript:msgbox(1)'>vb</a>",
            "[data](data:text/html,<script>alert(1)</script>) ![img](javascript:alert(1))",
            'Paragraph with handlers.\n{: onclick="alert(1)" onmouseover="alert(1)" }',
            '<details open ontoggle="alert(1)"><summary>t</summary>x</details>',
            '<svg><script>alert(1)</script></svg><math><mi xlink:href="javascript:alert(1)">m</mi>'
            "</math>",
            "<form action='javascript:alert(1)'><button>b</button></form>",
            '<div style="background:url(javascript:alert(1))">s</div>',
        ]
    )
    + "\n"
)


def hostile(i: int, tag: str) -> str:
    return f"{tag}{i} {PAYLOADS[i % N]}"


def benign(i: int, tag: str) -> str:
    """The hostile string's letters and digits only: the same slugs, so the same page paths."""
    return " ".join(WORDS.findall(hostile(i, tag)))


def handbook_files(h: Callable[[int, str], str], url: Callable[[int], str]) -> dict[str, str]:
    """A handbook whose every free-text field is h(i, field) (and URL url(i))."""
    sev = [h(i, "sev") for i in range(N)]
    channels = [h(i, "chan") for i in range(N)]
    roles = [h(i, "role") for i in range(N)]
    rb_ids = [h(i, "RB") for i in range(N)]
    services = [h(i, "svc") for i in range(N)]
    policy = {
        "severities": [
            {
                "id": sev[i],
                "name": h(i, "name"),
                "definition": h(i, "def"),
                "examples": [h(i, "ex"), h(i + 1, "ex")],
                "response_time": h(i, "resp"),
                "notify": [h(i, "notify")],
                "review_days": 90,
            }
            for i in range(N)
        ],
        "channels": [{"id": channels[i], "name": h(i, "channel")} for i in range(N)],
        "communication": {
            sev[i]: {channels[i]: {"when": h(i, "when"), "every": h(i, "every")}} for i in range(N)
        },
        "roles": [
            {"id": roles[i], "name": h(i, "rolename"), "duties": [h(i, "duty")]} for i in range(N)
        ],
        "contacts": [{"role": roles[i], "name": h(i, "who"), "how": h(i, "how")} for i in range(N)],
        "review": {"default_days": 90},
        "decision_trees": [
            {
                "id": h(i, "tree"),
                "title": h(i, "title"),
                "start": h(i, "nodeq"),
                "nodes": {
                    h(i, "nodeq"): {
                        "question": h(i, "question"),
                        "description": h(i, "desc"),
                        "answers": [
                            {"label": h(i, "yes"), "next": h(i, "nodea")},
                            {"label": h(i, "no"), "next": h(i, "nodeb")},
                        ],
                    },
                    h(i, "nodea"): {
                        "outcome": h(i, "outcome"),
                        "runbook": rb_ids[i],
                        "severity": sev[i],
                    },
                    h(i, "nodeb"): {"outcome": h(i, "other")},
                },
            }
            for i in range(N)
        ],
    }
    files = {"policy.yml": json.dumps(policy, indent=1)}
    for i in range(N):
        runbook = {
            "id": rb_ids[i],
            "title": h(i, "rbtitle"),
            "service": services[i],
            "owner": h(i, "owner"),
            "severity": [sev[i]],
            "last_reviewed": "2026-09-01",
            "symptoms": [h(i, "symptom"), h(i + 1, "symptom")],
            "tags": [h(i, "tag")],
            "related": [rb_ids[(i + 1) % N]],
            "links": [{"title": h(i, "link"), "url": url(i)}],
            "estimated_duration": h(i, "dur"),
        }
        files[f"runbooks/r/rb-{i}.md"] = f"---\n{json.dumps(runbook)}\n---\nBody {i}.\n"
        postmortem = {
            "id": h(i, "PM"),
            "title": h(i, "pmtitle"),
            "date": "2026-09-01",
            "severity": sev[i],
            "services": [services[i], h(i, "svc2")],
            "status": "published",
            "authors": [h(i, "author")],
            "timeline": {
                "started": "2026-09-01T10:00:00+00:00",
                "detected": "2026-09-01T10:05:00+00:00",
                "resolved": "2026-09-01T11:00:00+00:00",
            },
            "runbooks": [rb_ids[i]],
            "action_items": [
                {
                    "id": h(i, "AI"),
                    "title": h(i, "item"),
                    "owner": h(i, "itemowner"),
                    "due": "2026-09-20",
                    "status": "open",
                    "link": url(i),
                    "priority": h(i, "prio"),
                },
                {"title": h(i, "done"), "owner": h(i, "itemowner"), "due": "2026-09-10",
                 "status": "done"},
            ],
        }  # fmt: skip
        files[f"postmortems/2026-09-01-pm-{i}.md"] = f"---\n{json.dumps(postmortem)}\n---\nBody.\n"
    return files


BODY_PAGE = "runbooks/r/body/index.html"
# Pages that differ between the two sites by design: the hostile body itself, and /review/,
# which lists its lint warnings.
DIFFERENT_BY_DESIGN = {BODY_PAGE, "review/index.html"}


def write_payload_handbook(root: Path, hostile_build: bool) -> None:
    h = hostile if hostile_build else benign
    url = (lambda i: URLS[i % len(URLS)]) if hostile_build else (lambda i: f"https://x.example/{i}")
    book = Handbook(root)
    for rel, text in handbook_files(h, url).items():
        book.write(rel, text)
    body = HOSTILE_BODY if hostile_build else " ".join(WORDS.findall(HOSTILE_BODY))
    head, _, _ = RUNBOOK.partition("# Roll back a deployment")
    book.write(
        "runbooks/r/body.md",
        head.replace("severity: [P1]", f"severity: [{json.dumps(h(0, 'sev'))}]") + body,
    )
    install_site(root)
    config = root / "mkdocs.yml"
    name = h(6, "site") if hostile_build else benign(6, "site")
    text = re.sub(
        r"(?m)^site_name: .*$",
        lambda _: f"site_name: {json.dumps(name)}",
        config.read_text(encoding="utf-8"),
    )
    config.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def payload_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Built, Path]:
    """The hostile handbook's site, the same handbook with harmless strings, and its root."""
    sites = []
    for hostile_build in (True, False):
        root = tmp_path_factory.mktemp("payloads" if hostile_build else "benign")
        write_payload_handbook(root / "hb", hostile_build)
        built = build(root / "hb", root / "site")
        assert built.code == 0, built.log[-4000:]
        sites.append((built, root / "hb"))
    return sites[0][0], sites[1][0], sites[0][1]


def shape(root: Element) -> list[tuple[str, tuple[str, ...]]]:
    """Every element of a page with its attribute names, in document order."""
    return [(el.tag, tuple(sorted(el.attrs))) for el in root.iter()]


def script_signature(el: Element) -> tuple[str, str, str]:
    kind = el.attrs.get("type", "")
    # Data blocks (the trees' JSON, Material's config) are never run: only their presence counts.
    content = "" if kind == "application/json" or "src" in el.attrs else el.raw_text().strip()
    return el.attrs.get("src", ""), kind, content


def test_hostile_strings_are_lint_valid(
    payload_sites: tuple[Built, Built, Path], opsbook: Callable[..., Run]
) -> None:
    _, _, root = payload_sites
    run = opsbook("lint", "--format", "json", "--today", "2026-09-15", cwd=root)
    assert "Traceback" not in run.err, run.err
    problems = run.json()
    assert isinstance(problems, list)
    errors = [p for p in problems if p["level"] == "error"]
    assert errors == [], errors
    # The hostile body is warned about, at its lines; nothing else is.
    assert {p["path"] for p in problems} <= {"runbooks/r/body.md"}, problems
    assert {p["rule"] for p in problems} == {"html-unsafe", "html-offsite"}


def test_no_data_runs_or_becomes_markup_on_any_page(
    payload_sites: tuple[Built, Built, Path],
) -> None:
    hostile_site, benign_site, _ = payload_sites
    hostile_pages = dict(pages(hostile_site.site))
    benign_pages = dict(pages(benign_site.site))
    assert hostile_pages.keys() == benign_pages.keys()
    assert len(hostile_pages) > 4 * N
    problems: dict[str, list[str]] = {}
    for rel, root in hostile_pages.items():
        found = live_markup(root)
        own = {script_signature(s) for s in benign_pages[rel].find_all("script")}
        found += [
            f"<script> {sig}"
            for s in root.find_all("script")
            if (sig := script_signature(s)) not in own
        ]
        if rel not in DIFFERENT_BY_DESIGN and shape(root) != shape(benign_pages[rel]):
            mine, theirs = shape(root), shape(benign_pages[rel])
            first = next(
                (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
                min(len(mine), len(theirs)),
            )
            found.append(f"markup differs from the benign site at element {first}: "
                         f"{mine[first:first + 3]} vs {theirs[first:first + 3]}")  # fmt: skip
        if found:
            problems[rel] = found
    assert problems == {}


def test_hostile_strings_show_as_text(payload_sites: tuple[Built, Built, Path]) -> None:
    hostile_site, _, _ = payload_sites
    services = {
        root.find("article").find("h1").text().rstrip("¶")
        for rel, root in pages(hostile_site.site)
        if rel.startswith("services/") and rel != "services/index.html"
    }
    for i in range(N):
        assert " ".join(CONTROL.sub("", hostile(i, "svc")).split()) in services, hostile(i, "svc")
    home = hostile_site.page("")
    assert home.find("title").text().endswith(" ".join(hostile(6, "site").split()))


def test_no_dialog_opens_on_any_page(payload_sites: tuple[Built, Built, Path]) -> None:
    """In Chromium: every page loaded (autofocus fires on load), tabbed through, and searched."""
    require_browser()
    from playwright.sync_api import sync_playwright

    hostile_site, _, _ = payload_sites
    urls = [rel.removesuffix("index.html") for rel, _ in pages(hostile_site.site)]
    dialogs: list[str] = []
    errors: list[str] = []
    server = serve(hostile_site.site)
    base = next(server).url
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(15_000)

            def on_dialog(dialog: Any) -> None:
                dialogs.append(f"{page.url}: {dialog.type} {dialog.message}")
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
            for url in urls:
                page.goto(f"{base}/{url}")
                page.wait_for_load_state("load")
                for _ in range(3):
                    page.keyboard.press("Tab")
            # Search results show titles and text of every page, as HTML.
            page.goto(f"{base}/")
            page.locator("label.md-search__icon, .md-search__input").first.click()
            page.locator("input.md-search__input").type("alert script img", delay=20)
            page.locator(".md-search-result__item").first.wait_for(state="visible")
            page.wait_for_timeout(500)
            browser.close()
    finally:
        server.close()
    assert dialogs == []
    assert errors == []


# --- the mechanism: heading() is text whatever the string -----------------------------------------

MARKDOWN_EXTENSIONS = [
    "admonition", "attr_list", "md_in_html", "tables", "toc", "pymdownx.details",
    "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.highlight", "pymdownx.inlinehilite",
]  # fmt: skip
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SPECIAL = "<>&\"'`*_{}[]()!#:=|~^\\/ .-;ajvscrit\x1b\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), min_size=1, max_size=60))
def test_a_heading_of_any_text_is_that_text(text: str) -> None:
    import markdown

    html = markdown.markdown(heading(2, text, "anchor"), extensions=MARKDOWN_EXTENSIONS)
    root = parse(html)
    elements = [el for el in root.iter() if el.tag != "#document"]
    assert [(el.tag, el.attrs) for el in elements] == [("h2", {"id": "anchor"})], html
    # Control characters are dropped: invisible, and \x02/\x03 mark Python-Markdown's stash.
    assert elements[0].text() == (" ".join(CONTROL.sub("", text).split()) or "\u2014"), html


@pytest.mark.parametrize("anchor", ["a b", "x}{onclick=1", "", "1x"])
def test_a_heading_anchor_must_be_a_slug(anchor: str) -> None:
    with pytest.raises(ValueError):
        heading(1, "t", anchor)


NAV_PAYLOADS = [p for p in PAYLOADS if "<" in p or "{" in p or "](" in p][:12]


def test_nav_titles_are_text(tmp_path: Path) -> None:
    """Trees and services are listed in the nav (up to 15 of each): their titles are text."""
    book = Handbook(tmp_path / "hb")
    policy = POLICY.split("decision_trees:")[0] + "decision_trees:\n"
    for i, payload in enumerate(NAV_PAYLOADS):
        policy += (
            f"  - id: tree-{i}\n    title: {json.dumps(payload)}\n    start: q\n    nodes:\n"
            "      q: {question: Q?, yes: a, no: b}\n      a: {outcome: A}\n      b: {outcome: B}\n"
        )
    book.write("policy.yml", policy)
    for i, payload in enumerate(NAV_PAYLOADS):
        book.write(
            f"runbooks/s/rb-{i}.md",
            RUNBOOK.replace("RB-0001", f"RB-{i:04d}").replace(
                "service: api", f"service: {json.dumps(payload)}"
            ),
        )
    install_site(book.root)
    built = build(book.root, tmp_path / "site", strict=True)
    assert built.code == 0, built.log[-3000:]
    assert live_markup_of_site(built.site) == {}
    for url in ("services/", "decision-trees/"):
        nav = built.page(url).find("nav", cls="md-nav--primary")
        texts = {a.text() for a in nav.find_all("a")}
        for payload in NAV_PAYLOADS:
            assert " ".join(payload.split()) in texts, (url, payload, texts)
        assert not [el for el in nav.iter() if el.tag in ("img", "svg", "script", "a") and
                    el.attrs.get("href", "").startswith("javascript")]  # fmt: skip
