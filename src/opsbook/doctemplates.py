"""The text of a new runbook and of a new postmortem: required fields, commented optional ones,
and the sections to fill in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from opsbook.docids import slugify
from opsbook.yamlquote import yaml_list, yaml_scalar


def runbook_text(
    *,
    id: str,
    title: str,
    service: str,
    owner: str,
    severity: Sequence[str],
    last_reviewed: dt.date,
    status: str = "draft",
    alerts: Sequence[str] = (),
) -> str:
    """A new runbook: required fields, commented optional ones, and the sections to fill in."""
    named = f"alerts: {yaml_list(alerts)}\n" if alerts else ""
    return f"""\
---
id: {yaml_scalar(id)}
title: {yaml_scalar(title)}
service: {yaml_scalar(service)}
owner: {yaml_scalar(owner)}
severity: {yaml_list(severity)}
last_reviewed: {last_reviewed.isoformat()}
status: {status}
{named}# Optional fields: uncomment the ones you use (`opsbook schema runbook` describes them all).
# symptoms:
#   - Alert HighErrorRate firing
#   - Users see "502 Bad Gateway"
# tags: [{slugify(service) or "service"}]
# related: [RB-0001]
# links:
#   - {{title: Service dashboard, url: "https://grafana.example.com/d/{slugify(service)}"}}
# estimated_duration: "15-30 minutes"
---

TODO: one paragraph on what this runbook is for and when to use it.

## Symptoms

TODO: what the on-call engineer sees: the alert that fired, error messages, the dashboard panel
that is out of range. Copy the exact alert name and message so search finds this page.

## Triage

TODO: how to confirm this runbook applies and how bad it is. Give the commands to run and what
their output means, e.g.

```sh
kubectl -n prod get pods -l app={slugify(service) or "service"}
```

## Mitigation

TODO: the steps that stop the impact, safest first (roll back, fail over, scale up, shed load).
Say how long each takes and what could go wrong.

## Verification

TODO: how to tell that the mitigation worked: the metric or check that must be back to normal,
and for how long to watch it.

## Escalation

TODO: who to call when this runbook does not help (team, on-call rotation, vendor support) and
what to hand them.
"""


def postmortem_text(
    *,
    id: str,
    title: str,
    date: dt.date,
    severity: str,
    services: Sequence[str],
    status: str = "draft",
    authors: Sequence[str] = (),
) -> str:
    """A new postmortem: required fields, commented key times and action items, the sections."""
    day = date.isoformat()
    due = (date + dt.timedelta(days=14)).isoformat()
    authors_line = f"authors: {yaml_list(authors)}" if authors else "# authors: [Your Name]"
    return f"""\
---
id: {yaml_scalar(id)}
title: {yaml_scalar(title)}
date: {day}
severity: {yaml_scalar(severity)}
services: {yaml_list(services)}
status: {status}
{authors_line}
# Key times, ISO 8601 with a UTC offset, quoted. started, detected and resolved are required
# before status can be published; all must be in the order below.
# timeline:
#   started: "{day}T14:02:00+00:00"
#   detected: "{day}T14:05:00+00:00"
#   acknowledged: "{day}T14:08:00+00:00"
#   mitigated: "{day}T14:40:00+00:00"
#   resolved: "{day}T15:30:00+00:00"
# runbooks: [RB-0001]        # ids of the runbooks used during the incident
# At least one action item is required before publishing; `opsbook actions` tracks them.
# action_items:
#   - title: Alert on connection-pool saturation
#     owner: platform-team
#     due: {due}
#     status: open             # open, in_progress, done or wont_do
#     link: "https://tracker.example.com/OPS-1234"
---

This postmortem is blameless: it describes what the system and the people in it did, and why
that made sense at the time, so that the organisation can learn from it. Fill in every
placeholder below before review: `opsbook lint` refuses one in review or published that still
has any.

## Summary

TODO: two or three sentences: what happened, who was affected, for how long, and what ended it.

## Impact

TODO: who and what was affected and how badly: failed requests or orders, customers or regions
affected, duration, SLO error budget spent, support tickets, data lost or exposed.

## Timeline

All times UTC. The key times (started, detected, acknowledged, mitigated, resolved) also go in
the frontmatter's `timeline:` so that the handbook can compute time to detect and to resolve.

| Time (UTC) | Event |
|---|---|
| TODO | The first impact (started) |
| TODO | The first alert or report (detected) |
| TODO | An engineer acknowledged the page |
| TODO | The impact stopped (mitigated) |
| TODO | The incident was closed (resolved) |

## Root cause

TODO: the technical chain of events that caused the incident, and the conditions that let it
happen. Name systems and changes, not people.

## Five whys

1. Why did customers see errors? TODO
2. Why did that happen? TODO
3. Why? TODO
4. Why? TODO
5. Why? TODO

## What went well

- TODO: what helped: an alert that fired early, a runbook that worked, a quick rollback.

## What went poorly

- TODO: what slowed the response or made the impact worse: missing alerts, unclear ownership,
  a runbook that was wrong.

## Action items

The action items live in the frontmatter (`action_items:`), each with an owner, a due date and
a status, so that `opsbook actions` and the handbook site can track them until they are done.
Use this section for the reasoning behind them.

- TODO
"""
