"""Where the running opsbook came from, as a requirement a new handbook can install it by.

opsbook is on no public package index, so a handbook must never ask for it by bare name: the
day somebody publishes a package called opsbook, `pip install opsbook` would install theirs.
pip records where it installed a distribution from in its `direct_url.json` (PEP 610); this
module turns that record into a requirement line: a VCS URL pinned to its commit, an archive
or wheel URL (with its hash), or, when pip found it on an index, that name pinned to its
version, which is safe only when the handbook's pip index is the team's own. An editable or
local-directory install has no source another machine can reach: the requirement is then a
marked line that makes pip fail with a message, and that the handbook's CI points at.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

DISTRIBUTION = "opsbook"
# Extras of the opsbook distribution whose packages a handbook needs at run time.
RUNTIME_EXTRAS = ("site",)
# The first word of the line to replace: the handbook's CI looks for it (`^OPSBOOK-SOURCE:`).
MARKER = "OPSBOOK-SOURCE"
# What pip fails on, showing the whole line: a colon after a name is no valid requirement.
MARKER_LINE = (
    f"{MARKER}: replace this line with where to install opsbook from (see the comment above)"
)
_README = 'the "Installing opsbook in a handbook" section of opsbook\'s README'


@dataclass(frozen=True)
class Source:
    """How a handbook installs this opsbook.

    requirement: the requirements.txt line (MARKER_LINE when there is no portable source).
    comment: lines to put above it, without their `# `.
    warning: what `init` must tell the user, or "" when the requirement works as it is.
    """

    kind: str  # vcs, archive, file, index, editable, directory, unknown
    requirement: str
    comment: tuple[str, ...] = ()
    warning: str = ""

    @property
    def portable(self) -> bool:
        return self.requirement != MARKER_LINE


def _strip_password(url: str) -> str:
    """url without a password: pip already drops credentials, but a token must never be
    written into a file that is committed."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}@{host}" if parts.username else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _name(extras: tuple[str, ...]) -> str:
    return f"{DISTRIBUTION}[{','.join(extras)}]" if extras else DISTRIBUTION


def _archive_hash(info: Mapping[str, Any]) -> str:
    """The `#sha256=...` fragment pip checks a downloaded archive against, if recorded."""
    hashes = info.get("hashes")
    if isinstance(hashes, dict):
        for algorithm in ("sha256", "sha384", "sha512"):
            value = hashes.get(algorithm)
            if isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]+", value):
                return f"{algorithm}={value}"
    legacy = info.get("hash")
    if isinstance(legacy, str) and re.fullmatch(r"sha(256|384|512)=[0-9a-fA-F]+", legacy):
        return legacy
    return ""


def _no_source(kind: str, where: str, version: str) -> Source:
    return Source(
        kind=kind,
        requirement=MARKER_LINE,
        comment=(
            f"opsbook was installed from {where},",
            "which no other machine can install from.",
            "Replace the next line by where your team installs opsbook from, for example",
            f"(see {_README}):",
            "  opsbook[site] @ git+https://git.example.com/sre/opsbook@<commit>",
            f"  opsbook[site] @ https://files.example.com/opsbook-{version}-py3-none-any.whl",
            f"  opsbook[site]=={version}   (only when pip's index is your own, e.g. PIP_INDEX_URL)",
        ),
        warning=(
            f"opsbook runs from {where}, which no other machine can install from: "
            f"requirements.txt has a line starting {MARKER} to replace with where your team "
            "installs opsbook from (a git URL and commit, a wheel URL, or a version on your "
            "own index); until then `pip install -r requirements.txt` and the CI workflow fail "
            "at that line"
        ),
    )


def source_from(direct_url: str | None, version: str, extras: tuple[str, ...]) -> Source:
    """The Source for a distribution of this version whose PEP 610 record is direct_url
    (None: pip installed it from an index)."""
    name = _name(extras)
    if direct_url is None:
        return Source(
            kind="index",
            requirement=f"{name}=={version}",
            comment=(
                "opsbook came from a package index. opsbook is on no public index: this line is",
                "only safe when pip's index is your own (PIP_INDEX_URL or pip.conf's index-url),",
                "never with PyPI, where anybody could publish a package of that name. The CI",
                "workflow refuses it until PIP_INDEX_URL is set there (see its comments).",
            ),
            warning=(
                f"opsbook {version} came from a package index: requirements.txt pins "
                f"{name}=={version}, which is safe only when pip's index is your team's own "
                "(PIP_INDEX_URL or pip.conf), never PyPI"
            ),
        )
    try:
        record = json.loads(direct_url)
    except ValueError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("url"), str):
        return _no_source("unknown", "an installation pip left no readable record of", version)
    url = _strip_password(record["url"])
    subdirectory = record.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) else ""
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        commit = vcs.get("commit_id")
        if not isinstance(commit, str) or not commit:
            return _no_source("unknown", f"{url} at no recorded commit", version)
        if url.startswith("file:///"):
            # The same place, in the form older pips' PEP 508 parser (before packaging 22)
            # accepts for a VCS URL: it refuses `git+file:///` for having no host.
            url = "file://localhost/" + url[len("file:///") :]
        return Source(
            kind="vcs",
            requirement=f"{name} @ {vcs['vcs']}+{url}@{commit}{fragment}",
            comment=("opsbook from the repository and commit `opsbook init` ran with.",),
        )
    archive = record.get("archive_info")
    if isinstance(archive, dict):
        digest = _archive_hash(archive)
        sep = "&" if fragment else "#"
        requirement = f"{name} @ {url}{fragment}{sep + digest if digest else ''}"
        if url.startswith("file:"):
            return Source(
                kind="file",
                requirement=requirement,
                comment=(
                    "opsbook from the file `opsbook init` ran with. It is on this machine only:",
                    "for CI, put it where the runners can reach it (your index, a web server)",
                    f"and point this line there (see {_README}).",
                ),
                warning=(
                    f"requirements.txt installs opsbook from {url}, a file on this machine: "
                    "CI runners elsewhere cannot read it; put the file where they can and "
                    "change that line"
                ),
            )
        return Source(
            kind="archive",
            requirement=requirement,
            comment=("opsbook from the archive `opsbook init` ran with.",),
        )
    info = record.get("dir_info")
    if isinstance(info, dict) and info.get("editable"):
        return _no_source("editable", f"an editable checkout ({url})", version)
    return _no_source("directory", f"a local directory ({url})", version)


def opsbook_source(extras: tuple[str, ...] = RUNTIME_EXTRAS) -> Source:
    """Where the installed opsbook distribution came from (see source_from)."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree (PYTHONPATH), not installed
        from opsbook import __version__

        return _no_source("unknown", "a source tree that is not installed", __version__)
    return source_from(dist.read_text("direct_url.json"), dist.version, extras)


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else requirement.strip()


def _extra_of(requirement: str) -> str | None:
    match = re.search(r"""extra\s*==\s*["']([^"']+)["']""", requirement)
    return match.group(1) if match else None


def dependency_pins(extras: tuple[str, ...] = RUNTIME_EXTRAS) -> list[str]:
    """opsbook's runtime dependencies (its own and its extras'), pinned to the installed
    versions; one that is not installed keeps the range opsbook declares. These are public
    packages, installed by their names from the index that publishes them."""
    try:
        declared = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        declared = []
    seen = {DISTRIBUTION}
    pins: list[str] = []
    for requirement in declared:
        extra = _extra_of(requirement)
        if extra is not None and extra not in extras:
            continue
        name = _requirement_name(requirement)
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pins.append(requirement.split(";", 1)[0].strip())
    return sorted(pins, key=str.lower)


def requirements_text(source: Source, pins: list[str]) -> str:
    """requirements.txt: opsbook from its source, then its dependencies pinned."""
    lines = [
        "# The tools of this handbook, pinned to the versions `opsbook init` ran with.",
        "# Upgrade on purpose, in a pull request of its own: change the opsbook line and the",
        "# pins, then run `opsbook lint` and `mkdocs build --strict`.",
        "#",
        *(f"# {line}".rstrip() for line in source.comment),
        source.requirement,
        *pins,
    ]
    return "\n".join(lines) + "\n"
