"""Alerts against the handbook, offline and both ways: every alert's runbook link lands on its
runbook, every paging alert has one, and every alert a runbook names still exists.

A runbook link (an annotation, `runbook_url` by default) is resolved the way the built site
would answer it: the site URL (`--site-url`, else mkdocs.yml's `site_url`) followed by a page's
path (runbooks/<path>.md is served at runbooks/<path>/), `/alerts/<name>/` (and its lower-cased
form) for every alert a runbook names, or a repository path such as `runbooks/db/failover.md`
(`docs/...` too, with the link prefix `docs/`). An `#anchor` must be the id of a heading of the
document, as MkDocs' toc extension makes it. Links to other hosts are listed, never fetched.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from opsbook import links, load, mkdocsconfig, oldpaths, rulefiles, sitepaths
from opsbook.handbook_index import HandbookIndex
from opsbook.model import AlertException, Handbook, Level, Policy, Problem, Runbook
from opsbook.rulefiles import Alert, RuleFile

ALERTS_TOP = "alerts"


# --- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """How rule files are read: policy.yml's `alerts:` section, overridden by options."""

    annotations: tuple[str, ...] = ("runbook_url",)
    link_prefixes: tuple[str, ...] = ()
    severity_label: str = "severity"
    paging: frozenset[str] = frozenset({"critical"})
    site_url: str = ""


def settings(
    root: Path,
    policy: Policy,
    *,
    site_url: str | None = None,
    annotations: Sequence[str] | None = None,
    link_prefixes: Sequence[str] | None = None,
    severity_label: str | None = None,
    paging: Sequence[str] | None = None,
) -> Settings:
    """The policy's settings, each overridden by an option given (not None)."""
    conf = policy.alerts
    return Settings(
        annotations=tuple(annotations or conf.annotations),
        link_prefixes=tuple(link_prefixes if link_prefixes is not None else conf.link_prefixes),
        severity_label=severity_label or conf.severity_label,
        paging=frozenset(paging if paging is not None else conf.paging),
        site_url=site_url if site_url is not None else mkdocsconfig.site_url(root),
    )


# --- headings, as MkDocs' toc extension makes their ids -----------------------------------------


def slugify(value: str, separator: str = "-") -> str:
    """markdown.extensions.toc.slugify, MkDocs' default: the same three steps, the same result.

    Copied (it is three lines) so that the library needs no Markdown package to check anchors;
    a test compares it with the original.
    """
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(rf"[{separator}\s]+", separator, value)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_ATTR_LIST = re.compile(r"[ \t]*\{:?([^}]*)\}[ \t]*$")
_ATTR_ID = re.compile(r"(?:^|\s)#([^\s}]+)")
_CODE = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_TAG = re.compile(r"<[^>]*>")
_EMPHASIS = re.compile(r"(\*{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w))")
_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def _heading_text(raw: str) -> str:
    """The text of a heading's inline Markdown, as toc reads it after rendering."""
    text = _CODE.sub(lambda m: m.group(2).strip(), raw)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _ESCAPE.sub(lambda m: m.group(1), text)
    return html.unescape(text)


def heading_ids(body: str) -> list[str]:
    """The ids of a Markdown body's headings, in order: explicit `{#id}` or toc's slugs.

    Duplicates get `_1`, `_2`, as toc's unique() does.
    """
    found: list[str] = []
    seen: set[str] = set()

    def add(raw: str) -> None:
        attrs = _ATTR_LIST.search(raw)
        explicit = None
        if attrs:
            given = _ATTR_ID.search(attrs.group(1))
            explicit = given.group(1) if given else None
            raw = raw[: attrs.start()]
        ident = explicit or slugify(_heading_text(raw))
        if ident in seen or not ident:
            count = 1
            while f"{ident}_{count}" in seen:
                count += 1
            ident = f"{ident}_{count}"
        seen.add(ident)
        found.append(ident)

    fence = ""
    previous = ""
    for line in body.split("\n"):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            previous = ""
            continue
        if opened:
            fence = opened.group(1)
            previous = ""
            continue
        atx = _ATX.match(line)
        if atx:
            add(atx.group(2) or "")
            previous = ""
            continue
        if (
            _SETEXT.match(line)
            and previous.strip()
            and not previous.startswith(("    ", "\t"))
            and not re.match(r"^ {0,3}([-*+>|]|\d+[.)])(\s|$)", previous)
        ):
            add(previous.strip())
            previous = ""
            continue
        previous = line
    return found


def _unique(runbooks: Iterable[Runbook]) -> list[Runbook]:
    """Runbooks in order, each once (a Runbook compares by value and does not hash)."""
    seen: set[int] = set()
    kept: list[Runbook] = []
    for rb in runbooks:
        if id(rb) not in seen:
            seen.add(id(rb))
            kept.append(rb)
    return kept


# --- the handbook's pages ------------------------------------------------------------------------


@dataclass(slots=True)
class Landing:
    """Where a runbook link lands: a page of the site, and the runbooks it shows."""

    page: str  # the site path, e.g. "runbooks/db/failover/" or "alerts/DiskFull/"
    runbooks: list[Runbook] = field(default_factory=list)
    source: str = ""  # the page's source file, for anchors ("" when it has none to check)


class Site:
    """The pages the built site serves for a handbook, and the headings of its documents."""

    def __init__(self, index: HandbookIndex, aliases: Mapping[str, str] | None = None) -> None:
        handbook = self.handbook = index.handbook
        self.root = handbook.root
        # The handbook's one index: the site build's pages use the same (Context is one).
        self.runbooks = index.runbooks_by_rel
        self.postmortems = index.postmortems_by_rel
        # Page path (without its trailing slash) -> source path relative to the root.
        self.pages: dict[str, str] = {}
        documents = [f for f in handbook.files if load.is_document_path(f)]
        for rel in documents:
            self.pages.setdefault(sitepaths.page_key(rel).rstrip("/"), rel)
        self.docs_dir = mkdocsconfig.docs_dir(self.root)
        self.documents = set(documents)
        for rel in (f for f in links.docs_files(self.root) if f.endswith(".md")):
            self.pages.setdefault(sitepaths.page_key(rel).rstrip("/"), f"@docs/{rel}")
        for top in links.GENERATED_TOPS:
            self.pages.setdefault(top, "")
        self.pages.setdefault("", "")
        self.pages.setdefault(ALERTS_TOP, "")
        self._folded: dict[str, list[str]] | None = None
        # Alert name -> the runbooks naming it (read only); lower-cased name -> the names.
        self.named = index.runbooks_by_alert
        self.lower: dict[str, list[str]] = {}
        for name in self.named:
            self.lower.setdefault(name.lower(), []).append(name)
        self._ids: dict[str, set[str]] = {}
        # More addresses the site answers: the redirects from the URLs a document had in its
        # old site (its old_paths, readable until lint.release_sources), and those given:
        # site path -> the document's source path. A document's own path wins.
        for path, rel in {**oldpaths.old_paths(handbook), **(aliases or {})}.items():
            self.pages.setdefault(path.strip("/"), rel)

    def alert_page(self, name: str) -> Landing | None:
        """What /alerts/<name>/ shows: the runbooks naming the alert (or its lower-cased name)."""
        if name in self.named:
            return Landing(f"{ALERTS_TOP}/{name}/", list(self.named[name]))
        names = self.lower.get(name)
        if names is None:
            return None
        runbooks = _unique(rb for n in names for rb in self.named[n])
        return Landing(f"{ALERTS_TOP}/{name}/", runbooks)

    def page(self, path: str) -> Landing | None:
        """The page at a site path relative to the site's root ("runbooks/db/failover/")."""
        key = path.strip("/")
        if key.endswith("index.html"):
            key = key[: -len("index.html")].rstrip("/")
        parts = key.split("/")
        if parts[0] == ALERTS_TOP and len(parts) == 2:
            return self.alert_page(parts[1])
        if key in self.pages:
            return self._landing(key, self.pages[key])
        if len(parts) == 2 and parts[0] in ("services", "decision-trees"):
            return Landing(key + "/")
        return None

    def document(self, rel: str) -> Landing | None:
        """The page of a repository path ("runbooks/db/failover.md", "docs/guide.md")."""
        rel = posixpath.normpath(rel)
        if rel in self.documents:
            return self._landing(sitepaths.page_key(rel).rstrip("/"), rel)
        docs = self.docs_dir.relative_to(self.root).as_posix() if self._in_root() else ""
        if docs and rel.startswith(docs + "/"):
            inner = rel[len(docs) + 1 :]
            key = sitepaths.page_key(inner).rstrip("/")
            if self.pages.get(key) == f"@docs/{inner}":
                return self._landing(key, f"@docs/{inner}")
        return None

    def _in_root(self) -> bool:
        return self.docs_dir.resolve().is_relative_to(self.root.resolve())

    def _landing(self, key: str, source: str) -> Landing:
        runbook = self.runbooks.get(source)
        return Landing(key + "/" if key else "", [runbook] if runbook else [], source)

    def similar(self, path: str) -> str:
        """A page whose path differs from path only in case, to suggest; else ""."""
        if self._folded is None:
            self._folded = {}
            for key in self.pages:
                self._folded.setdefault(key.lower(), []).append(key)
        found = self._folded.get(path.strip("/").lower(), [])
        return found[0] + "/" if found else ""

    def ids(self, source: str) -> set[str] | None:
        """The heading ids of a page's source; None when there is nothing to check them against."""
        if not source:
            return None
        cached = self._ids.get(source)
        if cached is not None:
            return cached
        body = self._body(source)
        if body is None:
            return None
        ids = set(heading_ids(body))
        self._ids[source] = ids
        return ids

    def _body(self, source: str) -> str | None:
        doc = self.runbooks.get(source) or self.postmortems.get(source)
        if doc is not None and doc.source is not None:
            return doc.source.body
        path = self.docs_dir / source[len("@docs/") :] if source.startswith("@docs/") else None
        if path is None:
            path = self.root / source
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        if text.startswith("---\n"):
            end = text.find("\n---\n", 3)
            text = text[end + 5 :] if end >= 0 else text
        return text


# --- links ---------------------------------------------------------------------------------------

_TEMPLATE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_ALERTNAME = re.compile(
    r"^(?:\$labels|\.Labels|\.CommonLabels|\.GroupLabels)\.alertname"
    r"(?:\s*\|\s*(toLower|toUpper|title))?$"
)


@dataclass(slots=True)
class Link:
    """One runbook link of an alert, and what became of it."""

    annotation: str
    url: str  # as written
    expanded: str = ""  # with the alert name put in
    status: str = ""  # "handbook", "external", "template", "broken", "anchor"
    landing: Landing | None = None
    message: str = ""


def expand(url: str, alert: str) -> tuple[str, list[str]]:
    """The link with `{{ $labels.alertname }}` replaced by the name; and the other templates."""
    others: list[str] = []

    def put(match: re.Match[str]) -> str:
        found = _ALERTNAME.match(match.group(1))
        if found is None:
            others.append(match.group(0))
            return match.group(0)
        func = found.group(1)
        if func == "toLower":
            return alert.lower()
        if func == "toUpper":
            return alert.upper()
        if func == "title":
            return alert.title()
        return alert

    return _TEMPLATE.sub(put, url), others


@dataclass(frozen=True, slots=True)
class _Site:
    host: str
    base: str


def _site(url: str) -> _Site | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return None
    base = parts.path if parts.path.endswith("/") else parts.path + "/"
    return _Site(parts.netloc.lower(), base)


def resolve(link: Link, alert: str, site: Site, conf: Settings) -> Link:
    """Where link lands, checked offline; link.status says what became of it."""
    expanded, others = expand(link.url.strip(), alert)
    link.expanded = expanded
    fragment = expanded.split("#", 1)[1] if "#" in expanded else ""
    # A template in the query (`?instance={{ $labels.instance }}`) changes no landing.
    if "{{" in re.sub(r"\?[^#]*", "", expanded, count=1):
        link.status = "template"
        shown = ", ".join(others[:3]) or expanded
        link.message = (
            f"the runbook link '{link.url}' holds a template ({shown}) other than the alert "
            "name: where it lands cannot be checked; link to /alerts/{{ $labels.alertname }}/ "
            "or to the runbook's own page"
        )
        return link
    parts = urlsplit(expanded)
    own = _site(conf.site_url)
    path: str | None = None
    if parts.scheme in ("http", "https") and parts.netloc:
        if own is not None and parts.netloc.lower() == own.host:
            full = parts.path if parts.path.endswith("/") else parts.path + "/"
            if full.startswith(own.base):
                path = parts.path[len(own.base) :] if len(parts.path) >= len(own.base) else ""
        if path is None:
            link.status = "external"
            return link
        landing = site.page(unquote(path))
        where = path
    elif parts.scheme or parts.netloc:
        link.status = "external"
        return link
    else:
        where = unquote(parts.path)
        for prefix in conf.link_prefixes:
            if where.startswith(prefix):
                where = load.RUNBOOK_DIR + "/" + where[len(prefix) :]
                break
        where = where.removeprefix("./")
        if where.startswith("/"):
            landing = site.page(where)
        elif where.endswith(".md"):
            landing = site.document(where)
        else:
            landing = site.page(where)
    if landing is None:
        link.status = "broken"
        hint = site.similar(where)
        if not hint and where.endswith(".md"):
            hint = site.similar(sitepaths.page_key(where.lstrip("/")))
        if hint:
            hint = (
                f": the site serves /{hint} (paths are case-sensitive, and the site has no "
                "page at this one); fix the link, or link to /alerts/{{ $labels.alertname }}/"
            )
        else:
            hint = (
                ": fix the link, or name the alert in its runbook's `alerts` and link to "
                "/alerts/{{ $labels.alertname }}/"
            )
        link.message = f"the runbook link '{link.url}' lands on no page of the handbook{hint}"
        return link
    link.landing = landing
    link.status = "handbook"
    if fragment:
        sources = [landing.source] if landing.source else [rb.rel for rb in landing.runbooks]
        for source in sources[:1] if len(sources) == 1 else []:
            ids = site.ids(source)
            if ids is not None and unquote(fragment) not in ids:
                link.status = "anchor"
                known = ", ".join(f"#{i}" for i in sorted(ids)[:8]) or "none"
                link.message = (
                    f"the runbook link '{link.url}' names the anchor #{fragment}, which no "
                    f"heading of {source.removeprefix('@docs/')} has (its headings: {known}): "
                    "fix the anchor"
                )
    return link


# --- the check ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Checked:
    """One alerting rule, its links, and whether one of them lands on a runbook."""

    alert: Alert
    severity: str
    paging: bool
    links: list[Link] = field(default_factory=list)
    runbooks: list[Runbook] = field(default_factory=list)  # where its links land
    covered: bool = False


@dataclass
class Report:
    """Everything `opsbook alerts` found: problems, the rules, coverage, links elsewhere."""

    problems: list[Problem] = field(default_factory=list)
    files: list[RuleFile] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)
    # (rule file path, why it was skipped)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def external(self) -> list[tuple[Checked, Link]]:
        return [(c, link) for c in self.checked for link in c.links if link.status == "external"]

    def coverage(self) -> dict[str, Any]:
        """Alerts (rules), paging alerts and covered ones, in all, by severity and by file."""

        def counts(rows: Iterable[Checked]) -> dict[str, int]:
            rows = list(rows)
            return {
                "alerts": len(rows),
                "paging": sum(c.paging for c in rows),
                "covered": sum(c.covered for c in rows),
                "paging_covered": sum(c.covered and c.paging for c in rows),
            }

        by_severity: dict[str, list[Checked]] = {}
        by_file: dict[str, list[Checked]] = {f.rel: [] for f in self.files if f.alerts}
        for c in self.checked:
            by_severity.setdefault(c.severity, []).append(c)
            by_file.setdefault(c.alert.rel, []).append(c)
        return {
            **counts(self.checked),
            "names": len({c.alert.name for c in self.checked}),
            "by_severity": {k: counts(v) for k, v in sorted(by_severity.items())},
            "by_file": {k: counts(v) for k, v in by_file.items()},
        }


def _problem(alert: Alert, keys: tuple[str, ...], level: Level, rule: str, msg: str) -> Problem:
    mark = alert.mark(*keys)
    return Problem(alert.rel, mark.line, mark.column, level, rule, msg)


def _some(names: Iterable[str], limit: int = 3) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check(
    handbook: Handbook,
    files: Sequence[RuleFile],
    conf: Settings,
    today: dt.date,
    *,
    positions: bool = True,
    aliases: Mapping[str, str] | None = None,
    index: HandbookIndex | None = None,
) -> Report:
    """Every check of the rule files against the handbook; problems are values, never raised.

    positions=False leaves the problems at line 1 of their rule file, for a caller that shows
    no problem (the site): no rule file is composed again. aliases: the site paths the site
    also answers (redirects), each to a document's source path, as for Site. index: the
    handbook's index when the caller has one (the site build's Context), else one is made.
    """
    if not positions:
        for file in files:
            file.forget_positions()
    report = Report(files=list(files))
    site = Site(index if index is not None else HandbookIndex(handbook, today), aliases)
    policy = handbook.policy.alerts
    exceptions = {e.alert: e for e in policy.exceptions if e.expires is None or e.expires >= today}
    base = conf.site_url.rstrip("/") if conf.site_url else ""
    for file in files:
        report.problems.extend(file.problems)
        if file.note:
            report.notes.append((file.rel, file.note))
        for alert in file.alerts:
            try:
                report.checked.append(_check_alert(alert, site, conf, exceptions, base, report))
            except Exception as exc:  # one alert must never hide the others' report
                report.problems.append(
                    Problem(
                        alert.rel,
                        1,
                        1,
                        "error",
                        "internal",
                        f"opsbook could not check the alert {alert.name} "
                        f"({type(exc).__name__}: {exc}); please report it",
                    )
                )
    defined = {c.alert.name for c in report.checked}
    report.problems.extend(_unknown(handbook, defined))
    report.problems.extend(_exceptions(handbook, report, today))
    return report


def _check_alert(
    alert: Alert,
    site: Site,
    conf: Settings,
    exceptions: dict[str, AlertException],
    base: str,
    report: Report,
) -> Checked:
    severity = alert.labels.get(conf.severity_label, "")
    checked = Checked(alert, severity, severity in conf.paging)
    for key in conf.annotations:
        url = alert.annotations.get(key, "")
        if url.strip():
            checked.links.append(Link(key, url))
    for link in checked.links:
        resolve(link, alert.name, site, conf)
        where = ("annotations", link.annotation)
        if link.status in ("broken", "anchor"):
            rule = "alert-link-broken" if link.status == "broken" else "alert-link-anchor"
            report.problems.append(
                _problem(alert, where, "error", rule, f"alert {alert.name}: {link.message}")
            )
        elif link.status == "template":
            report.problems.append(
                _problem(
                    alert,
                    where,
                    "warning",
                    "alert-link-template",
                    f"alert {alert.name}: {link.message}",
                )
            )
        if link.landing is not None and link.landing.runbooks:
            landed = link.landing.runbooks
            checked.runbooks = _unique([*checked.runbooks, *landed]) if checked.runbooks else landed
            # /alerts/<name>/ shows exactly the runbooks naming the alert: no need to look.
            exact = link.landing.page == f"{ALERTS_TOP}/{alert.name}/"
            if not exact and not any(alert.name in r.alerts for r in landed):
                target = _some(r.rel for r in link.landing.runbooks)
                report.problems.append(
                    _problem(
                        alert,
                        where,
                        "warning",
                        "alert-link-unnamed",
                        f"alert {alert.name}: its runbook link lands on {target}, whose "
                        f"`alerts` does not name {alert.name}: add it there (or fix the link "
                        "if it is the wrong runbook)",
                    )
                )
    checked.covered = bool(checked.runbooks)
    if not checked.links and alert.name not in exceptions:
        paging = checked.paging
        named = site.named.get(alert.name, [])
        where_to = f"{base}/alerts/{alert.name}/" if base else f"/alerts/{alert.name}/"
        hint = (
            f"; {_some(r.rel for r in named)} {'names' if len(named) == 1 else 'name'} it: "
            f"add `{conf.annotations[0]}: {where_to}`"
            if named
            else f"; write its runbook (`opsbook new runbook --alert {alert.name}`) and add "
            f"`{conf.annotations[0]}: {where_to}`"
        )
        if paging:
            hint += ", or add an exception under policy.yml `alerts.exceptions`"
        sev = f" ({conf.severity_label}={severity})" if severity else ""
        report.problems.append(
            _problem(
                alert,
                (alert.name_key,),
                "error" if paging else "warning",
                "alert-paging-no-runbook" if paging else "alert-no-runbook",
                f"{'paging ' if paging else ''}alert {alert.name}{sev} has no runbook link "
                f"(annotation {' or '.join(conf.annotations)}){hint}",
            )
        )
    return checked


def _unknown(handbook: Handbook, defined: set[str]) -> Iterator[Problem]:
    """Alerts named by runbooks that no rule file defines: renamed or deleted."""
    folded: dict[str, str] = {name.lower(): name for name in defined}
    for rb in handbook.runbooks:
        for i, name in enumerate(rb.alerts):
            if name in defined:
                continue
            near = folded.get(name.lower())
            hint = f" (did you mean {near}? names are case-sensitive)" if near else ""
            message = (
                f"the runbook names the alert {name}, which no rule file defines{hint}: was it "
                "renamed or deleted? Update or remove it in `alerts`"
            )
            if rb.source is not None and rb.source.yaml:
                mark = rb.source.mark(("alerts", i))
                yield Problem(rb.rel, mark.line, mark.column, "warning", "alert-unknown", message)
            else:
                yield Problem(rb.rel, 1, 1, "warning", "alert-unknown", message)


def _exceptions(handbook: Handbook, report: Report, today: dt.date) -> Iterator[Problem]:
    policy = handbook.policy
    source = policy.source
    covered = {c.alert.name for c in report.checked if c.covered}
    defined = {c.alert.name for c in report.checked}

    def at(index: int, key: str, level: Level, rule: str, message: str) -> Problem:
        if source is None or not source.yaml:
            return Problem(load.POLICY_FILE, 1, 1, level, rule, message)
        mark = source.mark(("alerts", "exceptions", index, key))
        return Problem(source.rel, mark.line, mark.column, level, rule, message)

    for e in policy.alerts.exceptions:
        if e.expires is not None and e.expires < today:
            yield at(
                e.index,
                "expires",
                "error",
                "alert-exception-expired",
                f"the exception for alert {e.alert} (owner {e.owner}) expired on "
                f"{e.expires.isoformat()}: write the runbook and link it, or renew the "
                "exception with a new date and reason",
            )
        if e.alert in covered:
            yield at(
                e.index,
                "alert",
                "warning",
                "alert-exception-unneeded",
                f"alert {e.alert} has a runbook link that lands on its runbook: remove this "
                "exception",
            )
        elif report.checked and e.alert not in defined:
            yield at(
                e.index,
                "alert",
                "warning",
                "alert-exception-unneeded",
                f"no rule file defines the alert {e.alert}: remove this exception (or fix "
                "the name; names are case-sensitive)",
            )


# --- reading ------------------------------------------------------------------------------------


def rule_rel(path: Path, root: Path) -> str:
    """A rule file's path as reports show it: relative to the handbook when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_rules(root: Path, paths: Iterable[Path]) -> list[RuleFile]:
    return [rulefiles.read(p, rule_rel(p, root)) for p in paths]


def configured_rules(handbook: Handbook) -> tuple[list[RuleFile], list[Problem]]:
    """The rule files policy.yml's `alerts.rules` globs name; a glob matching none is an error."""
    conf = handbook.policy.alerts
    paths, empty = rulefiles.find(handbook.root, conf.rules)
    problems = []
    source = handbook.policy.source
    for pattern in empty:
        index = conf.rules.index(pattern)
        mark = source.mark(("alerts", "rules", index)) if source and source.yaml else None
        problems.append(
            Problem(
                load.POLICY_FILE,
                mark.line if mark else 1,
                mark.column if mark else 1,
                "error",
                "alert-rules-invalid",
                f"the rule file glob '{pattern}' matches no file (relative to the handbook "
                "root): fix it or remove it",
            )
        )
    return read_rules(handbook.root, paths), problems


def load_handbook(root: Path) -> Handbook:
    """The handbook as the alert checks need it: the policy, runbooks, every document's path.

    Documents are not validated (that is `opsbook lint`'s job) and postmortems are not parsed:
    a link's anchor into one reads it then. Raises load.ConfigError as load.load_policy does.
    """
    policy, _problems = load.load_policy(root)
    handbook = Handbook(root=root, policy=policy)
    found = load.scan(root)
    real_root = root.resolve()
    handbook.files = [load.POLICY_FILE]
    for kind, paths in (("runbook", found.runbooks), ("postmortem", found.postmortems)):
        for path in paths:
            rel = load.rel_path(path, root)
            # scan() refused odd names, non-files and folder links already; a file that is a
            # link may still lead out (resolving every path took a third of the run).
            if path.is_symlink() and load.refused(path, rel, real_root) is not None:
                continue
            handbook.files.append(rel)
            if kind != "runbook":
                continue
            try:
                source, _ = load.read_source(path, rel)
            except Exception:  # lint reports it (internal); the alerts of others still count
                continue
            if source is not None:
                handbook.runbooks.append(load.runbook_from(source))
    return handbook


@dataclass(slots=True)
class LintResult:
    problems: list[Problem]
    files: list[str]


def lint(handbook: Handbook, today: dt.date) -> LintResult:
    """What `opsbook lint` adds when policy.yml configures rule files (`alerts.rules`)."""
    if not handbook.policy.alerts.rules:
        return LintResult([], [])
    files, problems = configured_rules(handbook)
    conf = settings(handbook.root, handbook.policy)
    report = check(handbook, files, conf, today)
    return LintResult(problems + report.problems, [f.rel for f in files])


_NAME_CHARS = re.compile(r"[A-Za-z][A-Za-z0-9_:]*")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|[A-Z]{2}[a-z]")


def alert_name(stem: str, heading: str = "") -> str | None:
    """The alert a runbook file is named after (KubePodCrashLooping.md), for adopt; else None.

    Alert runbook collections name each file after its alert: a CamelCase name of two words
    or more (`etcdNoLeader`, `CPUThrottlingHigh` too), or any valid alert name that is also the
    document's first heading (`Watchdog.md` under `# Watchdog`). `README`, `index`, `disk-full`
    are not alert names.
    """
    if not _NAME_CHARS.fullmatch(stem):
        return None
    if heading.strip() == stem or _CAMEL.search(stem):
        return stem
    return None


# --- for the site's /alerts/ pages ---------------------------------------------------------------


@dataclass(slots=True)
class KnownAlert:
    """An alert the handbook knows, for /alerts/ and /alerts/<name>/."""

    name: str
    severities: list[str]  # the severity label's values of its rules ("" when none says)
    paging: bool  # one of its rules pages
    rule_files: list[str]  # the rule files defining it (empty: only a runbook names it)
    runbooks: list[Runbook]  # runbooks naming it in `alerts`, then those its links land on
    covered: bool  # it has a runbook: named by one, or its link lands on one
    linked: bool  # one of its rules' links lands on a runbook


@dataclass(slots=True)
class SiteAlerts:
    """What /alerts/ shows: the known alerts, and the coverage figures of the rule files."""

    known: list[KnownAlert]
    coverage: dict[str, Any]  # as `opsbook alerts --format json`'s "coverage"


def for_site(
    handbook: Handbook,
    today: dt.date | None = None,
    *,
    site_url: str | None = None,
    aliases: Mapping[str, str] | None = None,
    index: HandbookIndex | None = None,
) -> SiteAlerts:
    """Every alert named by a runbook or, when policy.yml sets `alerts.rules`, found in them.

    known is sorted for /alerts/: alerts without a runbook first, paging ones at the top of
    each part, then by name. Problems are not returned (lint reports them); unreadable rule
    files are left out. site_url defaults to mkdocs.yml's; aliases and index as for check().
    """
    files: list[RuleFile] = []
    if handbook.policy.alerts.rules:
        files, _ = configured_rules(handbook)
    conf = settings(handbook.root, handbook.policy, site_url=site_url)
    report = check(
        handbook,
        files,
        conf,
        today or dt.date.today(),
        positions=False,
        aliases=aliases,
        index=index,
    )
    by_name: dict[str, KnownAlert] = {}
    for rb in handbook.runbooks:
        for name in rb.alerts:
            known = by_name.setdefault(name, KnownAlert(name, [], False, [], [], True, False))
            known.runbooks = _unique([*known.runbooks, rb])
    for c in report.checked:
        known = by_name.setdefault(
            c.alert.name, KnownAlert(c.alert.name, [], False, [], [], False, False)
        )
        if c.severity not in known.severities:
            known.severities.append(c.severity)
        known.paging = known.paging or c.paging
        if c.alert.rel not in known.rule_files:
            known.rule_files.append(c.alert.rel)
        known.runbooks = _unique([*known.runbooks, *c.runbooks])
        known.linked = known.linked or c.covered
        known.covered = known.covered or c.covered
    ordered = sorted(by_name.values(), key=lambda k: (k.covered, not k.paging, k.name))
    return SiteAlerts(ordered, report.coverage())


def known_alerts(
    handbook: Handbook,
    today: dt.date | None = None,
    *,
    site_url: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> list[KnownAlert]:
    """for_site()'s known alerts alone."""
    return for_site(handbook, today, site_url=site_url, aliases=aliases).known
