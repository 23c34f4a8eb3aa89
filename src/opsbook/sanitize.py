"""What of a document body's HTML reaches the site: one allow-list, for the site and for lint.

Runbooks and postmortems are Markdown written by many teams through pull requests, and the site
often runs on an authenticated internal domain: a `<script>` or an `onerror=` in one body would
run with every reader's session. The site passes each body's rendered HTML through nh3 (the
Rust allow-list sanitiser ammonia) with the tables below; `opsbook lint` (opsbook.htmlcheck)
reads the same tables to warn at the line of each construct the site would drop, so the two
cannot disagree. What docs need is kept: tables, details/summary, kbd, code and pre with their
highlighting classes, images, headings with ids, and the markup of Material's admonitions,
content tabs and code blocks. Scripts, styles, forms, frames, event handlers and
javascript:/data:/vbscript: URLs are dropped.

`site: {sanitize_html: false}` in policy.yml turns sanitising, and the lint warnings, off.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from urllib.parse import urlsplit

import nh3

from opsbook.model import Policy

# Elements kept (their attributes are filtered). ammonia's defaults, which exclude anything
# that runs or loads on its own, plus the form controls of Material's content tabs.
TAGS: frozenset[str] = frozenset(nh3.ALLOWED_TAGS) | {"input", "label", "tfoot"}

# Elements removed with everything inside them; any other element not in TAGS is removed but
# its text kept (as text).
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset({"script", "style"})

# Attributes kept on any element.
GENERIC_ATTRIBUTES: frozenset[str] = frozenset({"class", "id", "title", "lang", "dir"})

# Attributes kept on some elements, on top of the generic ones.
ATTRIBUTES: Mapping[str, frozenset[str]] = {
    **{tag: frozenset(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
    # name and href: the line anchors of highlighted code (anchor_linenums).
    "a": frozenset({"href", "hreflang", "name"}),
    "img": frozenset({"src", "alt", "width", "height", "align", "loading"}),
    # Python-Markdown aligns table columns with style="text-align: ..." (filtered below).
    "th": frozenset(nh3.ALLOWED_ATTRIBUTES["th"]) | {"style"},
    "td": frozenset(nh3.ALLOWED_ATTRIBUTES["td"]) | {"style"},
    "details": frozenset({"open"}),
    "div": frozenset({"data-tabs"}),  # pymdownx.tabbed
    "input": frozenset({"checked", "disabled", "name"}),
    "label": frozenset({"for"}),
    "ol": frozenset({"start", "reversed"}),
    "time": frozenset({"datetime"}),
    "abbr": frozenset({"title"}),
}

# Attributes kept only with one of these values (never listed in ATTRIBUTES as well).
ATTRIBUTE_VALUES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "input": {"type": frozenset({"radio", "checkbox"})},
    # Links opened in a new tab ({:target="_blank"}), common in handbooks; browsers open
    # _blank without an opener.
    "a": {"target": frozenset({"_blank", "_self"})},
}

# CSS properties kept in a style attribute.
STYLE_PROPERTIES: frozenset[str] = frozenset({"text-align"})

# Schemes a kept URL may have (href, src, cite); relative URLs are kept.
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto", "tel"})
URL_ATTRIBUTES: frozenset[str] = frozenset({"href", "src", "cite", "action", "data", "poster"})

# Attributes Markdown extensions read and remove before HTML is made (md_in_html).
MARKDOWN_ATTRIBUTES: frozenset[str] = frozenset({"markdown"})


def enabled(policy: Policy) -> bool:
    """Whether the site sanitises document bodies: unless policy.yml sets site.sanitize_html
    to false."""
    data = policy.source.data if policy.source is not None else {}
    site = data.get("site") if isinstance(data, dict) else None
    return not (isinstance(site, dict) and site.get("sanitize_html") is False)


@cache
def _cleaner() -> nh3.Cleaner:
    attributes = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    attributes["*"] = set(GENERIC_ATTRIBUTES)
    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes=attributes,
        tag_attribute_values={
            tag: {name: set(values) for name, values in per_tag.items()}
            for tag, per_tag in ATTRIBUTE_VALUES.items()
        },
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        # Links are left as written: a rel on every heading's permalink is noise.
        link_rel=None,
        strip_comments=True,
    )


def clean(html: str) -> str:
    """A document body's HTML with everything outside the allow-list removed."""
    return _cleaner().clean(html)


def url_allowed(url: str) -> bool:
    """Whether the sanitiser keeps a URL: relative, or one of URL_SCHEMES."""
    text = url.strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return False
    if scheme:
        return scheme in URL_SCHEMES
    # "java\tscript:" and the like: browsers drop the whitespace, the sanitiser drops the URL.
    return ":" not in "".join(text.split()).split("/", 1)[0]


def dropped(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    """What the sanitiser removes of one start tag: the tag itself, or some of its attributes."""
    if tag not in TAGS:
        how = "with its content" if tag in CLEAN_CONTENT_TAGS else "(its text is kept)"
        return [f"<{tag}> is removed {how}"]
    allowed = GENERIC_ATTRIBUTES | ATTRIBUTES.get(tag, frozenset())
    values = ATTRIBUTE_VALUES.get(tag, {})
    out = []
    for name, value in attrs:
        text = value or ""
        if name in MARKDOWN_ATTRIBUTES:
            continue
        if name in values:
            if text not in values[name]:
                out.append(f'{name}="{text}" is removed from <{tag}>')
        elif name not in allowed:
            out.append(f"the {name} attribute is removed from <{tag}>")
        elif name in URL_ATTRIBUTES and not url_allowed(text):
            out.append(f"the {name} of <{tag}> is removed ({scheme_of(text)} URL)")
        elif name == "style" and not _style_kept(text):
            kept = ", ".join(sorted(STYLE_PROPERTIES))
            out.append(f"style properties other than {kept} are removed from <{tag}>")
    return out


def scheme_of(url: str) -> str:
    text = "".join(url.split())
    head = text.split(":", 1)[0] if ":" in text else ""
    return f"a {head.lower()}:" if head else "an unsafe"


def _style_kept(style: str) -> bool:
    for declaration in style.split(";"):
        name = declaration.split(":", 1)[0].strip().lower()
        if name and name not in STYLE_PROPERTIES:
            return False
    return True
