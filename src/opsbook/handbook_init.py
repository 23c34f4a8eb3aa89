"""Writing a new handbook repository (`opsbook init`): the packaged template with its values
filled in, the schemas, and a requirements.txt that installs this same opsbook (provenance).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from opsbook import fsutil, provenance, schemas
from opsbook.newdoc import CONTROL, ScaffoldError
from opsbook.pages.common import md
from opsbook.report import display_path
from opsbook.yamlquote import yaml_scalar

TEMPLATE_DIR = ("templates", "handbook")
# Template names that cannot be shipped as is: dotfiles (not every packaging tool keeps them)
# and Python files (they are the handbook's, not opsbook's: no linting or type checking here).
_DOT_PREFIX = "dot-"
_VERBATIM_SUFFIX = ".tmpl"


def template_root() -> Traversable:
    """The packaged handbook template (works from a wheel as well as from a checkout)."""
    node = resources.files("opsbook")
    for part in TEMPLATE_DIR:
        node = node / part
    return node


def _template_files(node: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _template_files(child, rel + "/")
        else:
            yield rel, child


def _target_rel(rel: str, values: dict[str, str]) -> str:
    parts = []
    for part in rel.split("/"):
        if part.startswith(_DOT_PREFIX):
            part = "." + part[len(_DOT_PREFIX) :]
        if part.endswith(_VERBATIM_SUFFIX):
            part = part[: -len(_VERBATIM_SUFFIX)]
        parts.append(_substitute(part, values))
    return "/".join(parts)


def _substitute(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def site_name_for(target: Path) -> str:
    """A site name from the directory name: incident-handbook -> Incident handbook."""
    words = re.sub(r"[-_.]+", " ", target.resolve().name).strip()
    return (words[:1].upper() + words[1:]) if words else "Incident handbook"


@dataclass
class InitResult:
    """What `init` did: the files written, the copies kept of replaced ones, the failures."""

    written: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, Path]] = field(default_factory=list)  # (replaced file, its copy)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # (file, why)
    # Where requirements.txt installs opsbook from (see provenance).
    source: provenance.Source | None = None


def init_handbook(
    target: Path, *, today: dt.date, force: bool = False, site_name: str | None = None
) -> InitResult:
    """Write a complete handbook repository into target.

    Refuses (ScaffoldError) a target that is a file, or a non-empty directory unless force.
    With force, a file of the same name whose content differs is kept beside the new one as
    <name>.orig (.orig.1, ... when taken) before it is replaced, other files are left alone,
    and nothing is written at all when a file or folder on the way is a symbolic link, since
    writing through it would change a file outside the handbook. Each file is written
    atomically; one that cannot be written is reported in the result and the others are
    still written.
    """
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ScaffoldError(
            f"{target} is not empty: choose a new directory, or give --force to write into "
            "it anyway (files of the same names are replaced; their old content is kept as "
            "<name>.orig)"
        )
    incident_day = today - dt.timedelta(days=7)
    name = site_name or site_name_for(target)
    if CONTROL.search(name):
        raise ScaffoldError("the site name must be one line without control characters")
    values = {
        # The name is a heading of README.md and docs/index.md: Markdown, where it is data.
        "SITE_NAME": md(name),
        "SITE_NAME_YAML": yaml_scalar(name),
        "TODAY": today.isoformat(),
        "PM_DATE": incident_day.isoformat(),
        "PM_YEAR": str(incident_day.year),
        "DUE_DONE": (incident_day + dt.timedelta(days=5)).isoformat(),
        "DUE_OPEN": (today + dt.timedelta(days=30)).isoformat(),
        "PYTHON_VERSION": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    files: dict[str, bytes] = {}
    for rel, node in _template_files(template_root()):
        data = node.read_bytes()
        if not rel.endswith(_VERBATIM_SUFFIX):
            with contextlib.suppress(UnicodeDecodeError):  # a binary asset: copied as is
                data = _substitute(data.decode("utf-8"), values).encode("utf-8")
        files[_target_rel(rel, values)] = data
    for kind in schemas.KINDS:
        text, _origin = schemas.schema_text(None, kind)
        files[f"schemas/{kind}.schema.json"] = text.encode("utf-8")
    source = provenance.opsbook_source()
    requirements = provenance.requirements_text(source, provenance.dependency_pins())
    files["requirements.txt"] = requirements.encode("utf-8")
    links = [link for rel in sorted(files) if (link := fsutil.symlink_on_the_way(target, rel))]
    if links:
        shown = ", ".join(dict.fromkeys(display_path(link) for link in links))
        raise ScaffoldError(
            f"{shown} is a symbolic link: opsbook init never writes through one, since that "
            "would change a file outside the handbook; remove the link (or replace it by the "
            "file itself) and run init again. Nothing was written"
        )
    result = InitResult(source=source)
    for rel, data in sorted(files.items()):
        _init_file(target / rel, data, result)
    return result


def _init_file(path: Path, data: bytes, result: InitResult) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = path.read_bytes() if path.is_file() else None
    except OSError as exc:
        result.failed.append((path, fsutil.reason(exc)))
        return
    if existing == data:
        result.written.append(path)  # already what init would write
        return
    backup = None
    try:
        if existing is not None:
            backup = fsutil.keep_copy(path)
        fsutil.atomic_write(path, data)
    except fsutil.WriteError as exc:
        if backup is not None:  # the original is still in place: the copy is not needed
            with contextlib.suppress(OSError):
                backup.unlink()
        result.failed.append((path, exc.reason))
        return
    result.written.append(path)
    if backup is not None:
        result.kept.append((path, backup))
