"""What adopt learns from the site the content came from: frontmatter, nav, history, addresses.

- Frontmatter in TOML (`+++`, Hugo) or JSON (`{`...`}`) is read with python-frontmatter, the
  design's frontmatter package (its TOML handler wants the `toml` package; Python's own
  tomllib reads it here), and turned into YAML lines that adopt edits like any other.
- A MkDocs site's `nav:` gives page titles and their order.
- The source's git history gives each file's last change.
- Hugo's and MkDocs' rules give the addresses the old site served (see oldpaths).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler

from opsbook import mkdocsconfig, oldpaths


class TOMLHandler(BaseHandler):
    """Hugo's `+++` TOML frontmatter, read with tomllib (never written: adopt writes YAML)."""

    FM_BOUNDARY = re.compile(r"^\+{3}[ \t]*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: Any) -> Any:
        return tomllib.loads(fm)

    def export(self, metadata: dict[str, object], **kwargs: Any) -> str:
        raise NotImplementedError("adopt writes YAML frontmatter only")


class FrontmatterError(Exception):
    """A TOML or JSON frontmatter that does not parse; the message says where."""


def _plain(value: Any) -> Any:
    """TOML's dates and times as the ISO text YAML frontmatter holds them."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def other_frontmatter(text: str) -> tuple[str, dict[str, Any], str] | None:
    """(format, metadata, body) of a TOML or JSON frontmatter; None for YAML or none at all."""
    first = text.split("\n", 1)[0].strip()
    handler: BaseHandler
    if first == "+++":
        handler, kind = TOMLHandler(), "TOML"
    elif first == "{":
        handler, kind = JSONHandler(), "JSON"
    else:
        return None
    closing = "+++" if kind == "TOML" else "}"
    if not any(line.rstrip() == closing for line in text.splitlines()[1:]):
        raise FrontmatterError(
            f"its {kind} frontmatter opened on line 1 is never closed: add a line "
            f"'{closing}' after the last field"
        )
    try:
        fm, body = handler.split(text)
        data = handler.load(fm)
    except (ValueError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise FrontmatterError(f"its {kind} frontmatter does not parse: {exc}") from None
    if not isinstance(data, dict):
        raise FrontmatterError(f"its {kind} frontmatter is not a table of fields")
    # python-frontmatter's split keeps the newline after the closing delimiter.
    return kind, _plain(data), body[1:] if body.startswith("\n") else body


def as_yaml(data: dict[str, Any], newline: str = "\n") -> str:
    """Fields as YAML block lines, one key after the other, in their order."""
    parts = [
        yaml.safe_dump({k: v}, sort_keys=False, allow_unicode=True, default_flow_style=False)
        for k, v in data.items()
    ]
    return "".join(parts).replace("\n", newline)


def frontmatter_formats() -> str:
    """The version of python-frontmatter in use (for messages and tests)."""
    return str(getattr(frontmatter, "__version__", "?"))


@dataclass
class NavEntry:
    title: str
    order: int
    section: tuple[str, ...] = ()


@dataclass
class Site:
    """The old site of the files being adopted.

    kind is "hugo" or "mkdocs" (or "" when unknown); content is the folder the site's
    addresses start from (Hugo's content/, MkDocs' docs_dir); nav the MkDocs nav by file.
    """

    kind: str = ""
    content: Path | None = None
    nav: dict[str, NavEntry] = field(default_factory=dict)
    nav_tree: list[Any] = field(default_factory=list)

    def rel(self, origin: Path) -> str | None:
        """origin's path under the site's content folder, if it is there."""
        if self.content is None:
            return None
        try:
            return origin.resolve().relative_to(self.content.resolve()).as_posix()
        except ValueError:
            return None

    def addresses(self, origin: Path, data: dict[str, Any]) -> list[str]:
        """The old site's addresses of the file copied from origin."""
        rel = self.rel(origin)
        if rel is None:
            return []
        if self.kind == "hugo":
            return oldpaths.hugo_paths(rel, data)
        if self.kind == "mkdocs":
            return oldpaths.mkdocs_paths(rel)
        return []


class SiteError(Exception):
    """A source site configuration that cannot be read."""


def mkdocs_site(config: Path) -> Site:
    """A MkDocs site from its mkdocs.yml: docs_dir and the nav's titles in order."""
    try:
        data = mkdocsconfig.parse(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SiteError(f"{config}: cannot read it as a MkDocs configuration: {exc}") from None
    if not isinstance(data, dict):
        raise SiteError(f"{config}: not a MkDocs configuration (no mapping of settings)")
    docs = config.parent / str(data.get("docs_dir") or "docs")
    site = Site("mkdocs", docs)
    nav = data.get("nav")
    if isinstance(nav, list):
        site.nav_tree = nav
        counter = iter(range(10**9))

        def walk(items: list[Any], section: tuple[str, ...]) -> None:
            for item in items:
                if isinstance(item, str):
                    site.nav.setdefault(item, NavEntry("", next(counter), section))
                elif isinstance(item, dict):
                    for title, value in item.items():
                        if isinstance(value, str):
                            site.nav.setdefault(value, NavEntry(str(title), next(counter), section))
                        elif isinstance(value, list):
                            walk(value, (*section, str(title)))

        walk(nav, ())
    return site


def hugo_site(source: Path) -> Site:
    """A Hugo site for files under its content/ folder (found above source), else unknown."""
    for folder in (source, *source.resolve().parents):
        if folder.name == "content":
            return Site("hugo", folder)
    return Site()


def git_date(path: Path) -> dt.date | None:
    """The day of the file's last commit in its own repository, or None outside git."""
    try:
        proc = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    try:
        return dt.date.fromisoformat(proc.stdout.strip())
    except ValueError:
        return None


# Fields other tools keep a page's review or change date in, best first: Hugo's lastmod and
# date, Jekyll's last_modified_at, Docusaurus' last_update, review fields of runbook sites.
REVIEW_FIELDS = (
    "last_reviewed",
    "reviewed",
    "last_review",
    "review_date",
    "reviewed_on",
    "lastmod",
    "lastMod",
    "last_modified",
    "last_modified_at",
    "last_update",
    "updated",
    "date",
)
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|[T ])")


def review_date(data: dict[str, Any]) -> tuple[str, dt.date] | None:
    """(field, day) of the first review or change date the frontmatter has."""
    for key in REVIEW_FIELDS:
        value = data.get(key)
        if isinstance(value, dict):  # Docusaurus: last_update: {date: ...}
            value = value.get("date")
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        if isinstance(value, str) and (m := _DATE.match(value.strip())):
            try:
                day = dt.date.fromisoformat(m.group(1))
            except ValueError:
                continue
            if 1900 <= day.year <= 2999:
                return key, day
    return None


OWNER_FIELDS = ("owners", "owner_team", "team", "maintainer", "maintainers", "author", "authors")


def owner_of(data: dict[str, Any]) -> str | None:
    """An owner from another tool's field (the first name if it is a list)."""
    for key in OWNER_FIELDS:
        value = data.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def words(stem: str) -> str:
    """A file name as words: 'severity_levels' -> 'Severity levels'."""
    text = re.sub(r"[-_\s]+", " ", stem).strip()
    return text[:1].upper() + text[1:] if text else stem


# An alert's name: one word of letters and digits with capitals inside (KubePodCrashLooping,
# etcdMembersDown, NodeRAIDDegraded); not a file name of words (severity_levels, disk-full).
_CAMEL = re.compile(r"^[a-z]*[A-Z][a-z0-9]*[A-Z][A-Za-z0-9]*$")
_WORD = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def alert_name(stem: str, heading: str | None = None) -> str | None:
    """The alert a runbook is named after, if its file name is an alert's name.

    A CamelCase name is one; a single capitalised word (Watchdog, InfoInhibitor's kin) only
    when the runbook's heading is that same word, as alert runbooks are headed.
    """
    if _CAMEL.match(stem) or (_WORD.match(stem) and heading == stem):
        return stem
    return None
