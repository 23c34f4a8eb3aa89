"""One index of a handbook, made once and shared by what reads it: the pages and the alert checks.

Documents by id and by path, runbooks and postmortems by service, runbooks by the alerts they
name, and what is due on a day (open action items, the review queue). Each part is computed on
first use, so a reader pays only for what it asks; a handbook is not changed once indexed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from opsbook import actions, reviews
from opsbook.model import ActionItem, Handbook, Postmortem, Runbook


@dataclass
class HandbookIndex:
    """The indexes of one handbook on one day (today decides what is open, due or stale)."""

    handbook: Handbook
    today: dt.date

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
    def services(self) -> list[str]:
        return self.handbook.services

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
        return [rb for rb in self.review_queue if reviews.is_stale(rb, policy, self.today)]

    @cached_property
    def stale_rels(self) -> frozenset[str]:
        return frozenset(rb.rel for rb in self.stale_runbooks)

    @cached_property
    def runbooks_by_alert(self) -> dict[str, list[Runbook]]:
        """Alert name -> the runbooks naming it in `alerts`, each once, in handbook order."""
        index: dict[str, list[Runbook]] = {}
        for rb in self.handbook.runbooks:
            for name in dict.fromkeys(rb.alerts):
                index.setdefault(name, []).append(rb)
        return index
