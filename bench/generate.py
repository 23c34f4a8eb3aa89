"""Generate a valid handbook of N documents: about 2/3 runbooks and 1/3 postmortems.

    python bench/generate.py 1000 OUT_DIR [--today 2026-09-15] [--seed 1]

The documents look like real ones: a policy with four severities and two decision trees,
runbooks spread unevenly over ~40 services (a few services own many runbooks), with symptoms,
tags, related runbooks, links, steps, commands and admonitions; postmortems with timelines,
action items (some overdue, most done) and the usual sections. Every document is valid: lint
finds no errors (a few stale runbooks and overdue action items are warnings, as in life).
Output is deterministic for a given N, seed and date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

TODAY = dt.date(2026, 9, 15)

POLICY = """\
severities:
  - id: SEV-1
    name: Critical
    definition: A core service is down for most customers, or data is lost or exposed.
    examples: [API returns 500 for all requests, Database unreachable, Checkout failing]
    response_time: Immediate
    notify: [On-call engineer, Incident Commander, Engineering manager, Support lead]
    review_days: 60
  - id: SEV-2
    name: High
    definition: A major feature is degraded for many customers; a workaround exists.
    examples: [Sign-in failing for 10% of users, Webhooks delayed by 30 minutes]
    response_time: Within 15 minutes
    notify: [On-call engineer, Incident Commander, Support lead]
    review_days: 90
  - id: SEV-3
    name: Medium
    definition: A non-critical feature is degraded, or redundancy is lost.
    examples: [One replica down, Exports failing for one plan]
    response_time: Within 1 hour
    notify: [On-call engineer, Owning team channel]
    review_days: 180
  - id: SEV-4
    name: Low
    definition: Cosmetic or internal-only problems with no customer impact.
    examples: [Typo on the status page, A flaky internal dashboard]
    response_time: Next business day
    notify: [Owning team channel]
channels:
  - {id: chat, name: "#incidents"}
  - {id: status_page, name: Status page}
  - {id: email, name: Customer email}
  - {id: exec, name: Executive summary}
communication:
  SEV-1:
    chat: {when: Immediately, every: 15 min}
    status_page: {when: Within 10 min, every: 30 min}
    email: {when: After resolution}
    exec: {when: Within 30 min, every: 1 hour}
  SEV-2:
    chat: {when: Immediately, every: 30 min}
    status_page: {when: If customers notice, every: 1 hour}
  SEV-3:
    chat: {when: Within 1 hour, every: 4 hours}
  SEV-4:
    chat: {when: Next business day}
roles:
  - id: ic
    name: Incident Commander
    duties: [Coordinates the response, Decides on rollback, Owns communication cadence]
  - id: ops
    name: Operations lead
    duties: [Investigates and mitigates, Reports findings to the IC]
  - id: comms
    name: Communications lead
    duties: [Posts status updates, Answers customer support]
contacts:
  - {role: ic, name: Incident Commander on call, how: "Page the ic-primary schedule"}
  - {role: comms, name: Support lead, how: "#support-leads or the support phone tree"}
review:
  default_days: 120
decision_trees:
  - id: should-i-roll-back
    title: Should I roll back?
    start: recent-deploy
    nodes:
      recent-deploy:
        question: Was there a deployment in the last two hours?
        yes: errors-since
        no: investigate
      errors-since:
        question: Did the errors start within minutes of the deployment?
        yes: roll-back
        no: investigate
      roll-back:
        outcome: Roll back to the last good release, then investigate.
        runbook: RB-00001
      investigate:
        outcome: Do not roll back yet; follow the runbook for the symptom.
  - id: is-it-an-incident
    title: Is it an incident?
    start: customers
    nodes:
      customers:
        question: Can customers see the problem?
        answers:
          - {label: "Yes, most of them", next: sev1}
          - {label: "Yes, some of them", next: sev2}
          - {label: "No", next: redundancy}
      redundancy:
        question: Would one more failure make customers see it?
        yes: sev3
        no: sev4
      sev1: {outcome: Declare a SEV-1 incident and page the Incident Commander., severity: SEV-1}
      sev2: {outcome: Declare a SEV-2 incident., severity: SEV-2}
      sev3: {outcome: Open a SEV-3 incident in the team channel., severity: SEV-3}
      sev4: {outcome: File a ticket; this is not an incident., severity: SEV-4}
"""

# (service, weight): a few services own many runbooks, most own a handful.
SERVICES = [
    ("api", 12), ("checkout", 9), ("payments", 8), ("database", 8), ("auth", 7),
    ("search", 6), ("web-frontend", 6), ("mobile-backend", 5), ("notifications", 5),
    ("email", 4), ("webhooks", 4), ("billing", 4), ("inventory", 4), ("orders", 4),
    ("cache", 3), ("queue", 3), ("cdn", 3), ("dns", 3), ("kubernetes", 3), ("ci", 3),
    ("object-storage", 2), ("data-warehouse", 2), ("etl", 2), ("reporting", 2),
    ("recommendations", 2), ("feature-flags", 2), ("logging", 2), ("metrics", 2),
    ("tracing", 2), ("vpn", 1), ("sso", 1), ("admin-console", 1), ("exports", 1),
    ("imports", 1), ("pdf-renderer", 1), ("image-resizer", 1), ("geo", 1), ("chat", 1),
    ("status-page", 1), ("backups", 1),
]  # fmt: skip
TEAMS = [
    "platform-team", "sre", "payments-team", "data-platform", "identity-team",
    "growth-team", "frontend-team", "mobile-team", "messaging-team", "storefront-team",
]  # fmt: skip
PEOPLE = [
    "alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
]  # fmt: skip
PROBLEMS = [
    ("high-latency", "High latency", "p99 latency above {n} ms for 10 minutes"),
    ("error-rate", "Elevated error rate", "5xx ratio above {n}% on the load balancer"),
    ("unreachable", "Unreachable", "health checks failing from {n} regions"),
    ("disk-full", "Disk filling up", "disk usage above {n}% on a node"),
    ("memory-leak", "Memory growing until OOM", "pods restarted {n} times by the OOM killer"),
    ("queue-backlog", "Queue backlog", "more than {n} thousand messages waiting"),
    ("certificate-expiry", "Certificate expiring", "TLS certificate expires in {n} days"),
    ("replication-lag", "Replication lag", "replica lag above {n} seconds"),
    ("cpu-saturation", "CPU saturation", "CPU above {n}% on every node"),
    ("dependency-outage", "Third-party dependency down", "{n}% of calls to a vendor failing"),
    ("bad-deploy", "Bad deployment", "errors started {n} minutes after a deploy"),
    ("rate-limited", "Rate limited by a provider", "HTTP 429 from the provider, {n} per min"),
    ("connection-pool", "Connection pool exhausted", "{n} requests waiting for a connection"),
    ("cron-missed", "Scheduled job did not run", "job last succeeded {n} hours ago"),
]
ALERTS = ["HighLatency", "HighErrorRate", "TargetDown", "DiskWillFillIn4Hours", "OOMKilled"]


@dataclass
class Runbook:
    id: str
    service: str
    rel: str


def _service(rng: random.Random) -> str:
    names, weights = zip(*SERVICES, strict=True)
    name: str = rng.choices(names, weights)[0]
    return name


def _runbook_text(
    rng: random.Random, rb: Runbook, all_ids: list[str], today: dt.date, alerts: bool = False
) -> str:
    slug, title, symptom = PROBLEMS[rng.randrange(len(PROBLEMS))]
    n = rng.randint(2, 95)
    severities = sorted(rng.sample(["SEV-1", "SEV-2", "SEV-3", "SEV-4"], rng.choice([1, 1, 2])))
    # 1 in 20 is stale: a warning, as in a real handbook.
    age = rng.randint(200, 400) if rng.random() < 0.05 else rng.randint(0, 55)
    reviewed = today - dt.timedelta(days=age)
    related = sorted(set(rng.sample(all_ids, min(len(all_ids), rng.randint(0, 3)))) - {rb.id})
    alert = f"{rb.service.title().replace('-', '')}{rng.choice(ALERTS)}"
    lines = [
        "---",
        f"id: {rb.id}",
        f"title: {rb.service} {title.lower()}",
        f"service: {rb.service}",
        f"owner: {rng.choice(TEAMS)}",
        f"severity: [{', '.join(severities)}]",
        f"last_reviewed: {reviewed.isoformat()}",
        f"status: {rng.choice(['published'] * 9 + ['draft'])}",
        "symptoms:",
        f"  - {symptom.format(n=n).capitalize()}",
        f"  - Alert {alert} firing",
        f"  - Customers report {title.lower()} on {rb.service}",
        f"tags: [{rb.service}, {slug}, {rng.choice(['kubernetes', 'aws', 'postgres', 'redis'])}]",
    ]
    if alerts:  # the alert it is for (bench/alerts.py); drawn above either way, so the rest
        lines.append(f"alerts: [{alert}]")  # of the handbook is the same with or without it
    if related:
        lines.append(f"related: [{', '.join(related)}]")
    lines += [
        "links:",
        f"  - {{title: {rb.service} dashboard, url: https://grafana.example.com/d/{rb.service}}}",
        f"  - {{title: Logs, url: 'https://logs.example.com/?q=service%3A{rb.service}'}}",
        f'estimated_duration: "{rng.choice([5, 10, 15, 30])}-{rng.choice([45, 60, 90])} minutes"',
        "---",
        "",
        f"{rb.service} shows {title.lower()}. This runbook takes the on-call engineer from the "
        "first page to a stable service; escalate to the owning team if a step does not help "
        "within its time box.",
        "",
        "## Symptoms",
        "",
        f"- {symptom.format(n=n).capitalize()}.",
        f"- `{alert}` is firing in Alertmanager.",
        "- Support reports tickets mentioning slowness or errors.",
        "",
        "## Triage",
        "",
        "1. Check the service dashboard for the time the problem started.",
        "2. Compare with the deploy log: did a release go out just before?",
        "3. Check the dependencies' dashboards (database, cache, queue).",
        "",
        "```bash",
        f"kubectl -n prod get pods -l app={rb.service} -o wide",
        f"kubectl -n prod logs deploy/{rb.service} --since=15m | grep -i error | tail -50",
        f"kubectl -n prod rollout history deploy/{rb.service}",
        "```",
        "",
        '!!! warning "Before restarting"',
        "    Take a heap dump or a thread dump first: a restart destroys the evidence.",
        "",
        "## Mitigate",
        "",
    ]
    for step in range(1, rng.randint(3, 6)):
        lines += [
            f"### Step {step}: {rng.choice(['Scale out', 'Fail over', 'Shed load', 'Restart'])}",
            "",
            f"Apply the change to one instance first and watch the error rate for "
            f"{rng.choice([2, 5, 10])} minutes before applying it everywhere.",
            "",
            "```bash",
            f"kubectl -n prod scale deploy/{rb.service} --replicas={rng.randint(4, 40)}",
            "```",
            "",
        ]
    lines += [
        "## Verify",
        "",
        "| Check | Expected |",
        "|---|---|",
        "| Error rate | below 0.1% |",
        f"| p99 latency | below {rng.choice([200, 300, 500])} ms |",
        "| Alerts | resolved |",
        "",
        "## Escalate",
        "",
        "If nothing above helps within 30 minutes, page the owning team's secondary and tell the "
        "Incident Commander.",
        "",
    ]
    return "\n".join(lines)


def _postmortem_text(
    rng: random.Random, index: int, day: dt.date, runbooks: list[Runbook], today: dt.date
) -> tuple[str, str]:
    slug, title, symptom = PROBLEMS[rng.randrange(len(PROBLEMS))]
    used = rng.sample(runbooks, min(len(runbooks), rng.randint(1, 3)))
    services = sorted({rb.service for rb in used})
    status = rng.choice(["published"] * 8 + ["in_review", "draft"])
    start = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)), dt.UTC)
    times = {"started": start}
    times["detected"] = times["started"] + dt.timedelta(minutes=rng.randint(1, 40))
    times["acknowledged"] = times["detected"] + dt.timedelta(minutes=rng.randint(1, 15))
    times["mitigated"] = times["acknowledged"] + dt.timedelta(minutes=rng.randint(5, 180))
    times["resolved"] = times["mitigated"] + dt.timedelta(minutes=rng.randint(10, 600))
    ident = f"PM-{day.year}-{index:05d}"
    lines = [
        "---",
        f"id: {ident}",
        f"title: {services[0]} {title.lower()} on {day.isoformat()}",
        f"date: {day.isoformat()}",
        f"severity: SEV-{rng.choice([1, 2, 2, 3, 3, 3, 4])}",
        f"services: [{', '.join(services)}]",
        f"status: {status}",
        f"authors: [{', '.join(sorted(set(rng.sample(PEOPLE, rng.randint(1, 3)))))}]",
        "timeline:",
    ]
    lines += [f'  {key}: "{value.isoformat()}"' for key, value in times.items()]
    lines += [f"runbooks: [{', '.join(rb.id for rb in used)}]", "action_items:"]
    for i in range(rng.randint(1, 5)):
        due = day + dt.timedelta(days=rng.randint(7, 120))
        if due < today:
            item_status = rng.choice(["done"] * 8 + ["open", "in_progress", "wont_do"])
        else:
            item_status = rng.choice(["open", "open", "in_progress", "done"])
        lines += [
            f"  - id: AI-{index:05d}-{i + 1}",
            f"    title: {rng.choice(['Alert on', 'Add a runbook step for', 'Load test'])} "
            f"{services[0]} {title.lower()}",
            f"    owner: {rng.choice(PEOPLE)}",
            f"    due: {due.isoformat()}",
            f"    status: {item_status}",
            f"    priority: {rng.choice(['high', 'medium', 'low'])}",
            f"    link: https://tracker.example.com/OPS-{index * 10 + i}",
        ]
    lines += [
        "---",
        "",
        "## Summary",
        "",
        f"On {day.isoformat()}, {', '.join(services)} showed {title.lower()} "
        f"({symptom.format(n=rng.randint(2, 95))}). Customers saw errors until the "
        "mitigation described below.",
        "",
        "## Impact",
        "",
        f"- About {rng.randint(1, 60)}% of requests failed for "
        f"{int((times['mitigated'] - times['started']).total_seconds() // 60)} minutes.",
        f"- {rng.randint(3, 400)} support tickets were opened.",
        "",
        "## Timeline (UTC)",
        "",
        "| Time | Event |",
        "|---|---|",
    ]
    lines += [f"| {value:%H:%M} | {key.capitalize()} |" for key, value in times.items()]
    lines += [
        "",
        "## Root cause",
        "",
        f"A change to the {services[0]} configuration reduced the connection limit below the "
        "peak load. The change passed review because the limit's unit was not documented.",
        "",
        "## What went well",
        "",
        "- The alert fired within minutes and the runbook's first step pointed at the cause.",
        "",
        "## What went wrong",
        "",
        "- The dashboard did not show the connection limit, so triage took longer.",
        "",
        "## Lessons",
        "",
        "Configuration changes to limits now need a load-test result in the pull request.",
        "",
    ]
    return f"{day.isoformat()}-{services[0]}-{slug}-{index:05d}.md", "\n".join(lines)


def generate(
    count: int, out: Path, today: dt.date = TODAY, seed: int = 1, alerts: bool = False
) -> Path:
    """Write a handbook of count documents into out (replacing it); returns out."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "runbooks").mkdir(parents=True)
    (out / "postmortems").mkdir()
    (out / "policy.yml").write_text(POLICY, encoding="utf-8")
    n_runbooks = max(1, round(count * 2 / 3))
    runbooks: list[Runbook] = []
    seen: set[str] = set()
    for i in range(1, n_runbooks + 1):
        service = _service(rng)
        slug = PROBLEMS[(i * 7 + len(service)) % len(PROBLEMS)][0]
        rel = f"runbooks/{service}/{slug}.md"
        k = 2
        while rel in seen:
            rel = f"runbooks/{service}/{slug}-{k}.md"
            k += 1
        seen.add(rel)
        runbooks.append(Runbook(f"RB-{i:05d}", service, rel))
    ids = [rb.id for rb in runbooks]
    for rb in runbooks:
        path = out / rb.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_runbook_text(rng, rb, ids, today, alerts), encoding="utf-8")
    first = today - dt.timedelta(days=3 * 365)
    for i in range(1, count - n_runbooks + 1):
        day = first + dt.timedelta(days=rng.randint(0, 3 * 365 - 1))
        name, text = _postmortem_text(rng, i, day, runbooks, today)
        (out / "postmortems" / name).write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of documents")
    parser.add_argument("out", type=Path, help="handbook directory to (re)create")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=TODAY)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.count, args.out, args.today, args.seed)


if __name__ == "__main__":
    main()
