"""What every generated page shares: the build context, escaping and small HTML pieces.

The context is the handbook's index (handbook_index) and the links between pages (sitepaths)
with the build's own parts.

Pages are plain functions of a `Context` that return Markdown with raw HTML blocks. Raw HTML
is used for tables because Python-Markdown leaves a top-level HTML block untouched: once a value
is HTML-escaped it cannot turn into markup, whatever Markdown or Jinja syntax it contains. Where
a value must sit in Markdown proper (a heading, a tab label), `md` also neutralises Markdown's
punctuation.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from opsbook import alerts
from opsbook.handbook_index import HandbookIndex
from opsbook.model import DecisionTree, Postmortem, Problem, Runbook
from opsbook.sitepaths import SiteUrls

# Generated pages, by their path in the site's source tree (MkDocs' src_uri).
HOME = "index.md"
INCIDENT = "incident/index.md"
# Every runbook that lists symptoms, by service: the incident page's lookup leads here.
SYMPTOMS = "incident/symptoms/index.md"
SEVERITY = "severity/index.md"
COMMUNICATION = "communication/index.md"
TREES = "decision-trees/index.md"
RUNBOOKS = "runbooks/index.md"
POSTMORTEMS = "postmortems/index.md"
ACTION_ITEMS = "action-items/index.md"
SERVICES = "services/index.md"
REVIEW = "review/index.md"

# An empty cell. Written as an entity: one character above U+00FF makes Python store a whole
# page as two or four bytes a character, and an em dash in every postmortem's header doubled the
# size of those pages' strings at every step of the build after it.
DASH = "&mdash;"

# Link schemes a document may point to; anything else (javascript:, data:) is shown as text.
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_MD_SPECIAL = {
    ord(c): f"&#{ord(c)};" for c in "\\`*_{}[]!|~^#:="
}  # characters with inline meaning in Markdown or its extensions (attr_list, tables)


# What esc changes: the characters html.escape replaces, line breaks and control characters.
_NEEDS_ESCAPE = re.compile("[&<>\"'\n\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Control characters (but tab and line breaks): invisible in a page, and Python-Markdown
# marks its placeholders for stashed HTML with \x02 and \x03, which a value must not forge.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(value: object) -> str:
    """HTML-escape a value for text or a quoted attribute inside a raw HTML block.

    Line breaks become spaces (HTML would collapse them anyway): a blank line inside a value
    must not end the raw HTML block it sits in.
    """
    text = "" if value is None else str(value)
    # Most values (ids, names, dates) need nothing: one search instead of five replaces.
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    if "\n" in text or "\r" in text:
        text = " ".join(text.splitlines())
    return html.escape(_CONTROL.sub("", text), quote=True)


def md(value: object) -> str:
    """Escape a value for Markdown proper (headings, labels): HTML and Markdown syntax inert."""
    text = " ".join(_CONTROL.sub("", "" if value is None else str(value)).split())
    # Quotes stay as they are: an entity such as &#x27; would have its '#' escaped in turn and
    # show as "&#x27;" in the heading. Markdown text needs only &, < and > escaped.
    return html.escape(text, quote=False).translate(_MD_SPECIAL)


# What a heading's {#id} may hold: attr_list reads nothing else in it as an attribute.
_ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def heading(level: int, text: object, anchor: str | None = None) -> str:
    """A Markdown heading whose text is data: the one way data becomes a heading.

    Escaping &, < and > is not enough in Markdown: attr_list reads `{onfocus=...}` at the end
    of a heading as attributes, and `[x](javascript:...)` is a link. `md` makes every such
    character an entity. anchor, a slug made here, becomes the heading's id.
    """
    if not 1 <= level <= 6:
        raise ValueError(f"heading level {level} is not 1 to 6")
    # An empty heading would show its {#id} as text: a dash stands in.
    line = f"{'#' * level} {md(text) or DASH}"
    if anchor is not None:
        if not _ANCHOR.fullmatch(anchor):
            raise ValueError(f"heading anchor {anchor!r} is not a slug")
        line += f" {{#{anchor}}}"
    return line


def data_attr(values: Iterable[str]) -> str:
    """A JSON list for a data-* attribute (read by the filter script), already escaped."""
    return esc(json.dumps(sorted(set(values)), ensure_ascii=False))


def json_script(data: Any) -> str:
    """JSON safe to put inside <script type="application/json">: no '</script>' can close it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def slugify(value: str, default: str = "item") -> str:
    """A lowercase ASCII slug for URLs and fragment ids ('Payments API' -> 'payments-api')."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or default


def unique_slugs(
    names: Iterable[str], default: str = "item", reserved: Iterable[str] = ()
) -> dict[str, str]:
    """A slug per name, made unique with a numeric suffix when two names slug alike."""
    slugs: dict[str, str] = {}
    used: set[str] = set(reserved)
    for name in names:
        if name in slugs:
            continue
        base = slugify(name, default)
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        slugs[name] = slug
    return slugs


@lru_cache(maxsize=4096)  # the same dashboards and docs are linked from many runbooks
def safe_url(url: str) -> str | None:
    """The URL if it is safe to put in an href (http, https, mailto or relative), else None."""
    url = url.strip()
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme and scheme not in SAFE_SCHEMES:
        return None
    # A scheme-less value with a colon before any slash could still be read as a scheme.
    if not scheme and ":" in url.split("/", 1)[0]:
        return None
    return url


def query(**params: str) -> str:
    """A '?key=value' suffix for a filter link, escaped for an href."""
    return esc("?" + urlencode(params))


def fmt_date(value: dt.date | None) -> str:
    """A date as HTML: YYYY-MM-DD, or a dash."""
    return value.isoformat() if value else DASH


def fmt_duration(delta: dt.timedelta | None) -> str:
    """A compact duration as HTML: '45 min', '1 h 05 min', '2 d 4 h'."""
    if delta is None:
        return DASH
    minutes = int(delta.total_seconds() // 60)
    if minutes < 0:
        return DASH
    if minutes < 1:
        return "&lt; 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def fmt_time(value: dt.datetime | None) -> str:
    """A key time as HTML, in UTC ('2026-09-01 10:05 UTC') or as written without an offset."""
    if value is None:
        return DASH
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d %H:%M")
    try:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except OverflowError:  # 0001-01-01T00:00+14:00 has no UTC time in Python's range
        return value.isoformat(sep=" ", timespec="minutes")


def every(cadence: str) -> str:
    """'15 min' -> 'every 15 min'; wording such as 'Continuous' is kept as written."""
    cadence = cadence.strip()
    return f"every {cadence}" if cadence[:1].isdigit() else cadence


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


@dataclass
class Context(HandbookIndex, SiteUrls):
    """Everything a page needs, computed once per build (pages must not rescan the handbook):
    the handbook's index (HandbookIndex: the documents by id, path, service and alert, what is
    open or due), the links between the site's pages (sitepaths.SiteUrls: directory_urls, a
    keyword), and the build's own: its problems, its slugs, and small pieces of HTML."""

    problems: Sequence[Problem] = ()
    site_url: str = ""
    # The documents' old addresses (oldpaths.old_paths), which the site answers with redirects.
    old_addresses: dict[str, str] = field(default_factory=dict)
    _tree_anchor_cache: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    # --- indexes of the build (the handbook's own are HandbookIndex's) ---------------------

    @cached_property
    def problems_by_path(self) -> dict[str, list[Problem]]:
        index: dict[str, list[Problem]] = defaultdict(list)
        for p in self.problems:
            index[p.path].append(p)
        return dict(index)

    @cached_property
    def service_slugs(self) -> dict[str, str]:
        # "index" would collide with the services index page itself.
        return unique_slugs(self.services, "service", reserved=("index",))

    @cached_property
    def tree_slugs(self) -> dict[int, str]:
        """Tree position -> page slug (ids may repeat or be missing in a broken policy)."""
        used = {"index"}
        slugs: dict[int, str] = {}
        for tree in self.handbook.policy.decision_trees:
            base = slugify(tree.id or tree.title, "tree")
            slug, n = base, 2
            while slug in used:
                slug, n = f"{base}-{n}", n + 1
            used.add(slug)
            slugs[tree.index] = slug
        return slugs

    @cached_property
    def site_alerts(self) -> alerts.SiteAlerts:
        """The alerts /alerts/ lists, from one read of the rule files policy.yml names."""
        return alerts.for_site(
            self.handbook,
            self.today,
            site_url=self.site_url or None,
            aliases=self.old_addresses,
            index=self,  # the pages' index of the handbook, not a second one
        )

    # --- the pages of trees and services (links between pages are SiteUrls') -----------

    def service_uri(self, service: str) -> str:
        slug = self.service_slugs.get(service)
        if slug is None:  # not a service of the handbook (a macro's argument, say)
            slug = slugify(service, "service")
        return f"services/{slug}.md"

    def tree_uri(self, tree: DecisionTree) -> str:
        return f"decision-trees/{self.tree_slugs.get(tree.index, 'tree')}.md"

    def tree_anchors(self, tree: DecisionTree) -> dict[str, str]:
        """Node id -> fragment id ('step-<node>') of one tree, unique within its page."""
        key = f"{tree.index}"
        if key not in self._tree_anchor_cache:
            slugs = unique_slugs(tree.nodes, "node")
            self._tree_anchor_cache[key] = {node: f"step-{slug}" for node, slug in slugs.items()}
        return self._tree_anchor_cache[key]

    # --- small pieces of HTML ------------------------------------------------------------

    @cached_property
    def severity_anchors(self) -> dict[str, str]:
        """Severity id -> the fragment id of its row on /severity/."""
        return {s.id: f"sev-{slugify(s.id, 'level')}" for s in self.handbook.policy.severities}

    @cached_property
    def _severity_labels(self) -> dict[str, str]:
        # A badge per known severity, made once: pages show thousands of them.
        return {sev.id: self._severity_label(sev.id) for sev in self.handbook.policy.severities}

    def _severity_label(self, sev_id: str) -> str:
        policy = self.handbook.policy
        sev = policy.severity(sev_id)
        rank = policy.rank(sev_id)
        cls = f"ob-sev ob-sev--{min(rank, 4)}" if sev else "ob-sev ob-sev--unknown"
        title = esc(f"{sev.id}: {sev.name}" if sev else f"{sev_id}: not a severity in policy.yml")
        return f'<span class="{cls}" title="{title}">{esc(sev_id)}</span>'

    def severity_badge(self, sev_id: str, from_uri: str | None = None) -> str:
        """A colour-coded severity id (colour by rank in policy order, not by the id's text)."""
        label = self._severity_labels.get(sev_id)
        if label is None:  # not a severity of the policy: a badge without a link
            return self._severity_label(sev_id)
        if from_uri is None:
            return label
        href = self.href(from_uri, SEVERITY, self.severity_anchors[sev_id])
        return f'<a class="ob-sev-link" href="{href}">{label}</a>'

    def severity_badges(self, sev_ids: Sequence[str], from_uri: str | None = None) -> str:
        policy = self.handbook.policy
        ordered = sorted(dict.fromkeys(sev_ids), key=policy.rank)
        return " ".join(self.severity_badge(s, from_uri) for s in ordered) or DASH

    def runbook_link(self, rb: Runbook, from_uri: str, *, with_title: bool = True) -> str:
        label = esc(rb.id or rb.rel)
        if with_title:
            label = f'<span class="ob-id">{label}</span> {esc(rb.title)}'
        return f'<a href="{self.href(from_uri, rb.rel)}">{label}</a>'

    def runbook_ref(self, rb_id: str, from_uri: str) -> str:
        """A link to a runbook by id, or the id marked as unknown."""
        rb = self.runbooks_by_id.get(rb_id)
        if rb is None:
            return (
                f'<span class="ob-id ob-unknown" title="no runbook has this id">{esc(rb_id)}</span>'
            )
        return self.runbook_link(rb, from_uri)

    def postmortem_link(self, pm: Postmortem, from_uri: str) -> str:
        return f'<a href="{self.href(from_uri, pm.rel)}">{esc(pm.title)}</a>'

    def service_link(self, service: str, from_uri: str) -> str:
        return f'<a href="{self.href(from_uri, self.service_uri(service))}">{esc(service)}</a>'

    def service_links(self, services: Sequence[str], from_uri: str) -> str:
        return ", ".join(self.service_link(s, from_uri) for s in dict.fromkeys(services)) or DASH

    def external_link(self, title: str, url: str) -> str:
        safe = safe_url(url)
        label = esc(title or url)
        if safe is None:
            return f'{label} <code class="ob-unsafe-url">{esc(url)}</code>'
        return f'<a href="{esc(safe)}" rel="noopener">{label}</a>'


def table(headers: Sequence[str], rows: Iterable[str], *, cls: str = "", attrs: str = "") -> str:
    """A raw HTML table in a wrapper div; the table itself has no class so Material styles it.

    headers are trusted HTML (written here, never from a document); rows are complete <tr>s.
    """
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "\n".join(rows)
    wrapper_cls = f"ob-table {cls}".strip()
    extra = f" {attrs}" if attrs else ""
    return (
        f'<div class="{wrapper_cls}"{extra}>\n<table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>\n</div>"
    )


LISTING_START = "<!--ob:listing-->"
LISTING_END = "<!--/ob:listing-->"


def listing(html: str) -> str:
    """Mark HTML that repeats what the documents' own pages say (index rows, tables).

    The MkDocs adapter keeps it out of the search index, which the documents feed already:
    indexing it again made the search plugin parse megabytes of table rows at scale.
    """
    return f"{LISTING_START}\n{html}\n{LISTING_END}"


def replace_listings(html: str, replace: Callable[[str], str]) -> str:
    """html with each listing it marks (see `listing`) given to replace, and its markers gone."""
    if LISTING_START not in html:
        return html
    parts: list[str] = []
    rest = html
    while (start := rest.find(LISTING_START)) >= 0:
        end = rest.find(LISTING_END, start)
        if end < 0:
            break
        parts += [rest[:start], replace(rest[start + len(LISTING_START) : end])]
        rest = rest[end + len(LISTING_END) :]
    return "".join(parts) + rest


def bullet_list(items: Sequence[str], cls: str = "") -> str:
    """A <ul> of already-escaped HTML items, or a dash when empty."""
    if not items:
        return DASH
    cls_attr = f' class="{cls}"' if cls else ""
    return f"<ul{cls_attr}>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def admonition(kind: str, title: str, body: str, cls: str = "") -> str:
    """Material's admonition markup written directly, so its body can be raw HTML."""
    extra = f" {cls}" if cls else ""
    return (
        f'<div class="admonition {kind}{extra}">\n<p class="admonition-title">{title}</p>\n'
        f"{body}\n</div>"
    )


def hide(*parts: str) -> str:
    """Frontmatter hiding parts of Material's layout ("toc", "navigation") on a wide page."""
    items = "".join(f"  - {p}\n" for p in parts)
    return f"---\nhide:\n{items}---\n\n"


def blocks(*parts: str) -> str:
    """Join Markdown blocks with blank lines (raw HTML blocks must stand alone)."""
    return "\n\n".join(p.strip("\n") for p in parts if p and p.strip()) + "\n"
