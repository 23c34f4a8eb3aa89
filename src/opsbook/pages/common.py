"""What every generated page shares: the build context, escaping, URLs and small HTML pieces.

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
import posixpath
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from opsbook import actions, alerts, checks, reviews
from opsbook.model import ActionItem, DecisionTree, Handbook, Postmortem, Problem, Runbook

# Generated pages, by their path in the site's source tree (MkDocs' src_uri).
HOME = "index.md"
INCIDENT = "incident/index.md"
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

# What URL quoting leaves as it is in a relative link: nothing an HTML attribute would read.
URL_SAFE = "/#.-_~"

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


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The site-relative URL MkDocs gives a Markdown source path ('a/b.md' -> 'a/b/')."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    head, _, name = stem.rpartition("/")
    if name in ("index", "README"):
        if directory_urls:
            return f"{head}/" if head else ""
        return f"{head}/index.html" if head else "index.html"
    return f"{stem}/" if directory_urls else f"{stem}.html"


def relative_url(from_url: str, to_url: str) -> str:
    """The relative reference from one site-relative URL to another."""
    base = from_url if from_url.endswith("/") or not from_url else posixpath.dirname(from_url)
    # Both are normalised site paths, so segment arithmetic suffices; posixpath.relpath would
    # make both absolute against the working directory, a cost paid for every link on every page.
    base_parts = [part for part in base.split("/") if part]
    to_parts = [part for part in to_url.split("/") if part]
    common = 0
    for mine, theirs in zip(base_parts, to_parts, strict=False):
        if mine != theirs:
            break
        common += 1
    rel = "/".join([".."] * (len(base_parts) - common) + to_parts[common:]) or "."
    # Directory URLs keep their trailing slash ("" is the site root, a directory too).
    if (not to_url or to_url.endswith("/")) and not rel.endswith("/"):
        rel += "/"
    return rel


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
class Context:
    """Everything a page needs, computed once per build (pages must not rescan the handbook)."""

    handbook: Handbook
    today: dt.date
    problems: Sequence[Problem] = ()
    directory_urls: bool = True
    site_url: str = ""
    # The documents' old addresses (oldpaths.old_paths), which the site answers with redirects.
    old_addresses: dict[str, str] = field(default_factory=dict)
    # Links in HTML attributes (href) written from the page's source file to the target's
    # (`../../services/api.md`, `../alerts/X/`) instead of between site URLs: `opsbook generate`
    # for Zensical, which rebases every relative link of a page's HTML as a path from its
    # source file (and checks the .md ones). Script data (ctx.url) keeps site URLs.
    source_hrefs: bool = False
    _tree_anchor_cache: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _page_urls: dict[tuple[str, bool], str] = field(default_factory=dict, repr=False)
    _link_bases: dict[tuple[str, bool], tuple[int, str]] = field(default_factory=dict, repr=False)
    _link_targets: dict[tuple[str, bool], tuple[str, str]] = field(default_factory=dict, repr=False)

    # --- indexes -------------------------------------------------------------------------

    @cached_property
    def runbooks_by_id(self) -> dict[str, Runbook]:
        index: dict[str, Runbook] = {}
        for rb in self.handbook.runbooks:
            if rb.id:
                index.setdefault(rb.id, rb)
        return index

    @cached_property
    def runbooks_by_rel(self) -> dict[str, Runbook]:
        return {rb.rel: rb for rb in self.handbook.runbooks if rb.rel}

    @cached_property
    def postmortems_by_rel(self) -> dict[str, Postmortem]:
        return {pm.rel: pm for pm in self.handbook.postmortems if pm.rel}

    def document(self, rel: str) -> Runbook | Postmortem | None:
        """The runbook or postmortem at rel, if it loaded."""
        return self.runbooks_by_rel.get(rel) or self.postmortems_by_rel.get(rel)

    @cached_property
    def problems_by_path(self) -> dict[str, list[Problem]]:
        index: dict[str, list[Problem]] = defaultdict(list)
        for p in self.problems:
            index[p.path].append(p)
        return dict(index)

    @cached_property
    def services(self) -> list[str]:
        return self.handbook.services

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
            self.handbook, self.today, site_url=self.site_url or None, aliases=self.old_addresses
        )

    @cached_property
    def open_items(self) -> list[ActionItem]:
        """Open and in_progress action items, overdue first (the order of action-items.json)."""
        return actions.select(self.handbook.action_items, self.today)

    @cached_property
    def runbooks_by_service(self) -> dict[str, list[Runbook]]:
        index: dict[str, list[Runbook]] = defaultdict(list)
        for rb in self.sorted_runbooks:
            if rb.service:
                index[rb.service].append(rb)
        return dict(index)

    @cached_property
    def postmortems_by_service(self) -> dict[str, list[Postmortem]]:
        index: dict[str, list[Postmortem]] = defaultdict(list)
        for pm in self.sorted_postmortems:
            for service in dict.fromkeys(pm.services):
                index[service].append(pm)
        return dict(index)

    @cached_property
    def open_items_by_service(self) -> dict[str, list[ActionItem]]:
        index: dict[str, list[ActionItem]] = defaultdict(list)
        for item in self.open_items:
            for service in dict.fromkeys(item.services):
                index[service].append(item)
        return dict(index)

    @cached_property
    def open_items_by_postmortem(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.open_items:
            counts[item.postmortem_rel] += 1
        return dict(counts)

    @cached_property
    def sorted_runbooks(self) -> list[Runbook]:
        """Runbooks by id, then path: the order of every runbook list."""
        return sorted(self.handbook.runbooks, key=lambda rb: (rb.id or "\uffff", rb.rel))

    @cached_property
    def sorted_postmortems(self) -> list[Postmortem]:
        """Postmortems newest first."""
        return sorted(
            self.handbook.postmortems,
            key=lambda pm: (pm.date or dt.date.min, pm.rel),
            reverse=True,
        )

    @cached_property
    def review_queue(self) -> list[Runbook]:
        """Published runbooks waiting for review: never reviewed, then stale; most severe,
        then most days late first (reviews.due_for_review)."""
        return reviews.due_for_review(self.handbook, self.today)

    @cached_property
    def stale_runbooks(self) -> list[Runbook]:
        """Published runbooks past their review date, in the order of the review queue."""
        policy = self.handbook.policy
        return [rb for rb in self.review_queue if checks.is_stale(rb, policy, self.today)]

    @cached_property
    def stale_rels(self) -> frozenset[str]:
        return frozenset(rb.rel for rb in self.stale_runbooks)

    # --- URLs ----------------------------------------------------------------------------

    def page_url(self, src_uri: str) -> str:
        """`page_url` of a source page, computed once per page (links are made by the 10,000)."""
        key = (src_uri, self.directory_urls)
        url = self._page_urls.get(key)
        if url is None:
            url = self._page_urls[key] = page_url(src_uri, self.directory_urls)
        return url

    def url(self, from_uri: str, to_uri: str, fragment: str = "") -> str:
        """A relative, URL-quoted reference from one source page to another (not escaped)."""
        # Most links leave the page's top directory (a runbook's box links /severity/, an
        # index links runbooks/...): then the reference is one "../" per directory of the page
        # and the target's quoted URL, both computed once per page, not once per link.
        depth, top = self._link_base(from_uri)
        target, target_top = self._link_target(to_uri)
        if top and target_top and top != target_top:
            rel = "../" * depth + target
        else:
            rel = quote(relative_url(self.page_url(from_uri), self.page_url(to_uri)), URL_SAFE)
        if fragment:
            anchor = quote(fragment, safe=URL_SAFE)
            return f"{rel}#{anchor}" if rel != "./" else f"#{anchor}"
        return rel

    def _link_base(self, from_uri: str) -> tuple[int, str]:
        """How many directories deep a page's links start, and the first of them."""
        key = (from_uri, self.directory_urls)
        base = self._link_bases.get(key)
        if base is None:
            url = self.page_url(from_uri)
            parts = (url if url.endswith("/") else posixpath.dirname(url)).split("/")
            parts = [part for part in parts if part]
            base = self._link_bases[key] = (len(parts), parts[0] if parts else "")
        return base

    def _link_target(self, to_uri: str) -> tuple[str, str]:
        """A page's quoted site-relative URL, and its first path segment."""
        key = (to_uri, self.directory_urls)
        target = self._link_targets.get(key)
        if target is None:
            url = self.page_url(to_uri)
            top = url.split("/", 1)[0]
            target = self._link_targets[key] = (quote(url, safe=URL_SAFE), top)
        return target

    def href(self, from_uri: str, to_uri: str, fragment: str = "") -> str:
        """`url` for an href attribute, as it is: quoting left no &, <, > or quote to escape."""
        if not self.source_hrefs:
            return self.url(from_uri, to_uri, fragment)
        anchor = f"#{quote(fragment, safe=URL_SAFE)}" if fragment else ""
        if from_uri == to_uri and anchor:
            return anchor
        return quote(relative_url(from_uri, to_uri), URL_SAFE) + anchor

    def asset_href(self, from_uri: str, path: str) -> str:
        """A relative href to a file at the site root (action-items.json), quoted like `url`."""
        base = from_uri if self.source_hrefs else self.page_url(from_uri)
        return quote(relative_url(base, path), safe=URL_SAFE)

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
