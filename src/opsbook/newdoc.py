"""Writing a new runbook or postmortem (`opsbook new`): the next free id, checked values, and
the file created complete or not at all, never over an existing one.

Everything written here must pass `opsbook lint` as soon as it is written: ids are the next
free ones, severities are checked against policy.yml before anything is written, and every
value that goes into YAML is quoted when a YAML reader could misread it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from opsbook import fsutil, load
from opsbook.docids import ids_in_use, next_postmortem_id, next_runbook_ids, slugify
from opsbook.doctemplates import postmortem_text, runbook_text
from opsbook.model import Policy
from opsbook.report import display_path

# No control characters (nor line or paragraph separators) in a one-line value.
CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")

RUNBOOK_STATUSES = ("draft", "published")
# A new postmortem is never published: its template still holds TODO placeholders.
POSTMORTEM_STATUSES = ("draft", "in_review")


class ScaffoldError(Exception):
    """A request that cannot be carried out; the message says what to change."""


def split_list(values: Iterable[str]) -> list[str]:
    """The items of repeated and comma-separated values, stripped, each once, in order."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def severity_check(policy: Policy, *, many: bool) -> Callable[[str], list[str]]:
    """A check of severity ids against policy.yml: one (a postmortem) or several (a runbook)."""
    known = [s.id for s in policy.severities if s.id]

    def check(value: str) -> list[str]:
        chosen = split_list([value])
        if not chosen:
            raise ScaffoldError("give at least one severity")
        if not many and len(chosen) > 1:
            raise ScaffoldError("a postmortem has exactly one severity")
        if not known:
            raise ScaffoldError("policy.yml defines no severities: add them there first")
        unknown = [s for s in chosen if s not in known]
        if unknown:
            raise ScaffoldError(
                f"unknown severity {', '.join(repr(s) for s in unknown)}: policy.yml defines "
                f"{', '.join(known)}"
            )
        return chosen

    return check


def _write_new(path: Path, text: str) -> None:
    """Create path with text, complete or not at all, and never over an existing file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fsutil.WriteError(path, fsutil.reason(exc)) from None
    try:
        fsutil.create_exclusive(path, text)
    except FileExistsError:
        raise ScaffoldError(
            f"{display_path(path)} already exists and opsbook never overwrites a file: "
            "choose another --title or give --slug"
        ) from None


def new_runbook(
    root: Path,
    policy: Policy,
    *,
    title: str,
    service: str,
    owner: str,
    severity: Sequence[str],
    today: dt.date,
    status: str = "draft",
    slug: str | None = None,
    alerts: Sequence[str] = (),
) -> Path:
    """Write runbooks/<service>/<slug>.md with the next id above those in use; never overwrites."""
    for sev in severity:
        severity_check(policy, many=True)(sev)
    for name in alerts:  # as the runbook schema's `alerts` items: a URL path segment
        if not re.fullmatch(r"(?!\.\.?$)[^/\\?#%\x00-\x1f\x7f]+", name):
            raise ScaffoldError(
                f"--alert {name!r}: an alert name has no '/', '\\', '?', '#', '%' or control "
                "characters and is not '.' or '..' (the site serves it at /alerts/<name>/)"
            )
    # The lock is held from reading the ids in use until the file exists, so that parallel
    # runs never pick the same id.
    with fsutil.handbook_lock(root):
        rb_id = next_runbook_ids(ids_in_use(root))[0]
        name = slugify(slug or title) or rb_id.lower()
        path = root / load.RUNBOOK_DIR / slugify(service) / f"{name}.md"
        text = runbook_text(
            id=rb_id,
            title=title,
            service=service,
            owner=owner,
            severity=severity,
            last_reviewed=today,
            status=status,
            alerts=list(dict.fromkeys(alerts)),
        )
        _write_new(path, text)
    return path


def new_postmortem(
    root: Path,
    policy: Policy,
    *,
    title: str,
    date: dt.date,
    severity: str,
    services: Sequence[str],
    status: str = "draft",
    authors: Sequence[str] = (),
    slug: str | None = None,
) -> Path:
    """Write postmortems/YYYY-MM-DD-<slug>.md with the next id of its year above those in use."""
    severity_check(policy, many=False)(severity)
    with fsutil.handbook_lock(root):
        pm_id = next_postmortem_id(ids_in_use(root), date.year)
        name = slugify(slug or title) or pm_id.lower()
        path = root / load.POSTMORTEM_DIR / f"{date.isoformat()}-{name}.md"
        text = postmortem_text(
            id=pm_id,
            title=title,
            date=date,
            severity=severity,
            services=services,
            status=status,
            authors=authors,
        )
        _write_new(path, text)
    return path
