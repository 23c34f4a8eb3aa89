"""The repository's own sample handbook: complete, and clean under --strict on its content date."""

from __future__ import annotations

from collections.abc import Callable

from conftest import REPO, Run
from opsbook import load

CONTENT_DATE = "2026-09-15"


def test_sample_lints_clean_under_strict(opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--strict", "--today", CONTENT_DATE, cwd=REPO)
    assert run.code == 0, run.out + run.err
    assert run.out.strip().endswith("no problems")


def test_sample_has_what_the_issue_asks_for() -> None:
    book = load.load_handbook(REPO)
    policy = book.policy
    assert len(policy.severities) == 4
    assert len(policy.channels) >= 4
    for severity in policy.severities:
        assert set(policy.communication[severity.id]) == {c.id for c in policy.channels}
    titles = {t.title for t in policy.decision_trees}
    assert {
        "Is this an incident?",
        "What severity is it?",
        "Should I roll back?",
        "Should I escalate?",
    } <= titles
    assert len(book.runbooks) >= 10
    assert "Database unreachable" in {r.title for r in book.runbooks}
    assert len(book.postmortems) >= 4
    statuses = {i.status for i in book.action_items}
    assert {"open", "done"} <= statuses


def test_real_date_shows_overdue_items_and_stale_runbooks(opsbook: Callable[..., Run]) -> None:
    run = opsbook("lint", "--format", "json", "--today", "2026-11-23", cwd=REPO)
    rules = [p["rule"] for p in run.json()]  # type: ignore[union-attr]
    assert "action-overdue" in rules and "stale" in rules
    assert run.code == 0
