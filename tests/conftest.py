"""Shared fixtures: small real handbooks in tmp_path and the real `opsbook` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opsbook import schemas

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"

# Hypothesis (tests/test_properties.py, whose settings keep no example database) caches Unicode
# tables in ./.hypothesis unless told otherwise: keep that out of the repository too.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "opsbook-hypothesis")
)

POLICY = """\
severities:
  - id: P1
    name: Critical
    definition: Service down for everyone
    examples: [API returns 500 for all requests]
    response_time: Immediate
    notify: [On-call engineer, Engineering manager]
    review_days: 30
  - id: P2
    name: High
    definition: Major feature degraded
    response_time: 15 minutes
    notify: [On-call engineer]
channels:
  - {id: chat, name: "#incidents"}
  - {id: status_page, name: Status page}
communication:
  P1:
    chat: {when: Immediately, every: 10 min}
    status_page: {when: Immediately, every: 30 min}
  P2:
    chat: {when: Within 15 min, every: 30 min}
    status_page: {when: If customers notice, every: 1 hour}
roles:
  - {id: ic, name: Incident Commander, duties: [Coordinates the response]}
review:
  default_days: 90
decision_trees:
  - id: should-i-roll-back
    title: Should I roll back?
    start: recent-deploy
    nodes:
      recent-deploy:
        question: Was there a deployment in the last two hours?
        yes: roll-back
        no: investigate
      roll-back:
        outcome: Roll back to the last good release
        runbook: RB-0001
      investigate:
        outcome: Keep investigating
"""

RUNBOOK = """\
---
id: RB-0001
title: Roll back a deployment
service: api
owner: sre
severity: [P1]
last_reviewed: 2026-09-01
symptoms: [Errors right after a deploy]
---
# Roll back a deployment

Run `kubectl rollout undo deployment/api`.
"""

POSTMORTEM = """\
---
id: PM-2026-001
title: API outage after a bad deploy
date: 2026-09-01
severity: P1
services: [api]
status: published
timeline:
  started: "2026-09-01T10:00:00+00:00"
  detected: "2026-09-01T10:05:00+00:00"
  resolved: "2026-09-01T11:00:00+00:00"
runbooks: [RB-0001]
action_items:
  - {id: AI-1, title: Add a canary stage, owner: alice, due: 2026-09-20, status: open}
  - {id: AI-2, title: Alert on 5xx ratio, owner: bob, due: 2026-10-30, status: in_progress}
  - {id: AI-3, title: Document rollback, owner: alice, due: 2026-09-10, status: done}
---
# API outage after a bad deploy

The deploy broke the API.
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@dataclass
class Handbook:
    """A handbook written into a temporary directory."""

    root: Path

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def handbook(tmp_path: Path) -> Handbook:
    """A minimal valid handbook: a policy, one runbook, one postmortem."""
    book = Handbook(tmp_path / "handbook")
    book.write("policy.yml", POLICY)
    book.write("runbooks/api/roll-back.md", RUNBOOK)
    book.write("postmortems/2026-09-01-api-outage.md", POSTMORTEM)
    return book


@pytest.fixture
def empty_handbook(tmp_path: Path) -> Handbook:
    """A handbook with only the policy."""
    book = Handbook(tmp_path / "handbook")
    book.write("policy.yml", POLICY)
    return book


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


def _opsbook(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> Run:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("OPSBOOK_TODAY", None) if env is None or "OPSBOOK_TODAY" not in env else None
    proc = subprocess.run(
        [sys.executable, "-m", "opsbook", *map(str, args)],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def opsbook() -> Callable[..., Run]:
    """Run the real `opsbook` command in a subprocess: opsbook("lint", cwd=path)."""
    return _opsbook


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared test data (../shared) is not checked out here")
    return path


def unbounded(node: Any) -> Any:
    """A schema without the bounds of opsbook's own schemas: a team's older copy."""
    if isinstance(node, dict):
        return {
            k: unbounded(v)
            for k, v in node.items()
            if k not in ("maximum", "propertyNames")
            and not (k == "pattern" and str(v).startswith(schemas.YEAR_PATTERN))
        }
    if isinstance(node, list):
        return [unbounded(v) for v in node]
    return node
