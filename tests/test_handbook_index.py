"""One index of the handbook: the pages' Context is one, and the alert checks use the same."""

from __future__ import annotations

import datetime as dt

from conftest import Handbook, dedent
from opsbook import alerts, load
from opsbook.handbook_index import HandbookIndex
from opsbook.pages import Context

TODAY = dt.date(2026, 9, 15)


def runbook(rb_id: str, alerts_line: str) -> str:
    return dedent(f"""
        ---
        id: {rb_id}
        title: Runbook {rb_id}
        service: api
        owner: sre
        severity: [P1]
        last_reviewed: 2026-09-01
        {alerts_line}
        ---
        Body.
        """)


def test_runbooks_by_alert_name_each_runbook_once_in_handbook_order(handbook: Handbook) -> None:
    handbook.write("runbooks/api/a.md", runbook("RB-0101", "alerts: [DiskFull, DiskFull, Up]"))
    handbook.write("runbooks/api/b.md", runbook("RB-0102", "alerts: [Up]"))
    index = HandbookIndex(load.load_handbook(handbook.root), TODAY)
    named = {name: [rb.id for rb in rbs] for name, rbs in index.runbooks_by_alert.items()}
    assert named == {"DiskFull": ["RB-0101"], "Up": ["RB-0101", "RB-0102"]}
    assert index.document("runbooks/api/a.md") is index.runbooks_by_id["RB-0101"]
    assert index.document("runbooks/api/none.md") is None


def test_the_alert_checks_read_the_pages_index(handbook: Handbook) -> None:
    """A site build indexes the handbook once: the alert checks take the pages' Context."""
    ctx = Context(handbook=load.load_handbook(handbook.root), today=TODAY)
    site = alerts.Site(ctx)
    assert site.runbooks is ctx.runbooks_by_rel
    assert site.postmortems is ctx.postmortems_by_rel
    assert site.named is ctx.runbooks_by_alert
