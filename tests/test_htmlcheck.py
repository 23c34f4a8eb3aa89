"""Lint of the HTML in bodies: html-unsafe where the site's sanitiser drops, html-offsite where a
body loads from another host. Run through the real `opsbook lint`, and the allow-list checked
against what nh3 itself does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import POLICY, RUNBOOK, Handbook, Run
from htmldom import parse
from opsbook import htmlcheck, sanitize

Opsbook = Callable[..., Run]

HEAD, _, _ = RUNBOOK.partition("# Roll back a deployment")
BODY_LINE = HEAD.count("\n") + 1  # the body's first line in the file

BODY = """\
# Hostile runbook

Fine: <kbd>C</kbd>, <details><summary>s</summary>x</details>, <https://example.com>, <a@b.example>.
<script>alert(1)</script>
Text <img src="x" onerror="alert(1)"> and <a href="&#106;avascript:alert(1)">j</a>.
[click](javascript:alert(1)) and [fine](https://example.com/)
A paragraph with an attribute list.
{: onclick="alert(1)" }

`<script>in inline code</script>` is text.

```html
<script>in a fence</script>
<img src="https://cdn.example/x.png">
```

<iframe src="https://evil.example/embed"></iframe>
<img src="https://cdn.example/pixel.gif" alt="">
![chart](https://grafana.example/render.png)
![local](../../img/chart.png)
<link rel="stylesheet" href="https://cdn.example/x.css">
<style>
@import url("https://fonts.example/font.css");
</style>
![by reference][chart]

[chart]: https://grafana.example/ref.png
"""


def line_of(text: str, nth: int = 1) -> int:
    """The file line of the nth body line containing text."""
    hits = [i for i, line in enumerate(BODY.split("\n")) if text in line]
    return BODY_LINE + hits[nth - 1]


def lint(opsbook: Opsbook, book: Handbook) -> list[dict[str, Any]]:
    run = opsbook("lint", "--format", "json", "--today", "2026-09-15", cwd=book.root)
    assert "Traceback" not in run.err, run.err
    problems = run.json()
    assert isinstance(problems, list)
    return [p for p in problems if p["path"] == "runbooks/api/hostile.md"]


@pytest.fixture
def hostile(handbook: Handbook) -> Handbook:
    handbook.write("runbooks/api/hostile.md", HEAD.replace("RB-0001", "RB-0009") + BODY)
    # The local image is a file of the site (docs/), as `mkdocs build --strict` requires.
    handbook.write("docs/img/chart.png", b"\x89PNG\r\n\x1a\n")
    return handbook


def test_lint_warns_where_the_sanitiser_drops(opsbook: Opsbook, hostile: Handbook) -> None:
    got = lint(opsbook, hostile)
    unsafe = sorted((p["line"], p["column"]) for p in got if p["rule"] == "html-unsafe")
    expected = [
        (line_of("<script>alert(1)"), 1),
        (line_of('<img src="x"'), 6),
        (line_of('<img src="x"'), 43),
        (line_of("[click]"), 1),
        (line_of('{: onclick="alert(1)" }'), 1),
        (line_of("<iframe"), 1),
        (line_of("<link"), 1),
        (line_of("<style>"), 1),
    ]
    assert unsafe == sorted(expected), got
    assert all(p["level"] == "warning" for p in got)
    messages = {(p["line"], p["column"]): p["message"] for p in got if p["rule"] == "html-unsafe"}
    assert messages[line_of("<script>alert(1)"), 1].startswith(
        "<script> is removed with its content"
    )
    assert "onerror" in messages[line_of('<img src="x"'), 6]
    assert "sanitize_html: false" in messages[line_of("<iframe"), 1]


def test_lint_warns_where_a_body_loads_from_another_host(
    opsbook: Opsbook, hostile: Handbook
) -> None:
    got = lint(opsbook, hostile)
    offsite = sorted(p["line"] for p in got if p["rule"] == "html-offsite")
    assert offsite == sorted(
        [
            line_of("<iframe"),
            line_of('<img src="https://cdn.example/pixel.gif"'),
            line_of("![chart](https://grafana.example"),
            line_of("<link"),
            line_of("@import"),
            line_of("![by reference]"),
        ]
    ), got
    iframe = next(p for p in got if p["rule"] == "html-offsite" and "iframe" in p["message"])
    assert "https://evil.example/embed" in iframe["message"] and "docs/" in iframe["message"]


def test_turning_sanitising_off_turns_html_unsafe_off(opsbook: Opsbook, hostile: Handbook) -> None:
    hostile.write("policy.yml", POLICY + "site:\n  sanitize_html: false\n")
    got = lint(opsbook, hostile)
    assert {p["rule"] for p in got} == {"html-offsite"}, got
    # The setting is in the schema: no schema problem for policy.yml.
    run = opsbook("lint", "--format", "json", "--today", "2026-09-15", cwd=hostile.root)
    assert not [p for p in run.json() if p["path"] == "policy.yml"], run.out


def test_a_bad_setting_is_a_schema_error(opsbook: Opsbook, handbook: Handbook) -> None:
    handbook.write("policy.yml", POLICY + "site:\n  sanitize_html: 'no'\n")
    run = opsbook("lint", "--format", "json", "--today", "2026-09-15", cwd=handbook.root)
    assert [(p["path"], p["rule"]) for p in run.json()] == [("policy.yml", "schema-type")]


def test_a_body_without_html_is_not_scanned_further() -> None:
    assert htmlcheck.check_body("r.md", "Plain text\n" * 10_000, 5) == []


# --- lint and the site agree: lint warns at a tag exactly when nh3 changes it ------------------

SNIPPETS = [
    "<kbd>k</kbd>",
    "<p><b>b</b> <em>e</em></p>",
    "<details open><summary>s</summary>x</details>",
    '<img src="img/x.png" alt="a" width="3">',
    '<img src="x" onerror="alert(1)">',
    '<a href="https://example.com" title="t">l</a>',
    '<a href="javascript:alert(1)">l</a>',
    '<a href="&#106;avascript:alert(1)">l</a>',
    '<a href="data:text/html,x">l</a>',
    '<a href="vbscript:msgbox(1)">l</a>',
    '<a href="mailto:a@b.example">m</a>',
    '<a href="https://example.com" target="_blank">t</a>',
    '<a href="https://example.com" target="frame">t</a>',
    '<div class="admonition note" id="x">d</div>',
    '<div style="color: red">d</div>',
    '<span onmouseover="x()">s</span>',
    '<input type="radio" name="t" id="i" checked>',
    '<input type="text" name="t">',
    '<label for="i">l</label>',
    '<svg onload="alert(1)"></svg>',
    "<marquee>m</marquee>",
    '<form action="https://evil.example"><button>b</button></form>',
    '<table><tbody><tr><td style="text-align: center">c</td></tr></tbody></table>',
    '<table><tbody><tr><td style="background: url(https://x.example)">c</td></tr></tbody></table>',
    '<object data="https://x.example/a.swf"></object>',
    '<div data-tabs="1:2">t</div>',
    '<div data-md-component="x">t</div>',
]


def shape(html: str) -> list[tuple[str, tuple[str, ...]]]:
    """Tags and attributes of a fragment in document order: URLs and style properties too."""
    out = []
    for el in parse(html).iter():
        if el.tag == "#document":
            continue
        attrs = []
        for name, value in sorted(el.attrs.items()):
            if name in ("href", "src"):
                name = f"{name}={value}"
            elif name == "style":
                props = sorted(d.split(":")[0].strip() for d in value.split(";") if d.strip())
                name = f"style={props}"
            attrs.append(name)
        out.append((el.tag, tuple(attrs)))
    return out


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_lint_warns_exactly_where_the_sanitiser_changes_markup(snippet: str) -> None:
    changed = shape(sanitize.clean(snippet)) != shape(snippet)
    warned = [p for p in htmlcheck.check_body("r.md", snippet + "\n", 1) if p.rule == "html-unsafe"]
    assert bool(warned) == changed, (snippet, sanitize.clean(snippet), warned)
