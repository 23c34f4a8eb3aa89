"""`opsbook alerts`: alerting rules checked against the handbook, offline, with coverage."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path
from typing import Any

from opsbook import alerts, load, report, rulefiles, schemas
from opsbook.console import (
    add_root_today,
    config_failure,
    fail,
    problems_status,
    root_and_today,
)
from opsbook.model import Problem


def as_json(result: alerts.Report, problems: list[Problem], files: list[str]) -> str:
    """The JSON report: an object with the problems, the coverage, the links elsewhere."""
    body: dict[str, Any] = {
        "problems": [p.as_dict() for p in sorted(problems, key=report.sort_key)],
        "files": files,
        "skipped": [{"path": path, "note": note} for path, note in result.notes],
        "coverage": result.coverage(),
        "external": [
            {
                "path": c.alert.rel,
                "alert": c.alert.name,
                "annotation": link.annotation,
                "url": link.url,
            }
            for c, link in result.external
        ],
        "alerts": [
            {
                "name": c.alert.name,
                "path": c.alert.rel,
                "group": c.alert.group,
                "severity": c.severity,
                "paging": c.paging,
                "covered": c.covered,
                "runbooks": [rb.rel for rb in c.runbooks],
                "links": [
                    {
                        "annotation": link.annotation,
                        "url": link.url,
                        "status": link.status,
                        "page": link.landing.page if link.landing else None,
                    }
                    for link in c.links
                ],
            }
            for c in result.checked
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def coverage_line(result: alerts.Report) -> str:
    cov = result.coverage()
    return (
        f"{cov['alerts']} alerts ({cov['names']} names) in {len(cov['by_file'])} rule files: "
        f"{cov['covered']} link to a runbook of the handbook; {cov['paging']} page, "
        f"{cov['paging_covered']} of them with a runbook"
    )


def _run(args: argparse.Namespace) -> int:
    found = root_and_today(args.root, args.today)
    if isinstance(found, int):
        return found
    root, today = found
    # A one-shot process holding the handbook's and the rule files' objects, none in a cycle:
    # the cyclic collector would rescan them all at every few thousand new YAML nodes (it made
    # composing the rule files for positions seven times slower).
    gc.disable()
    try:
        handbook = alerts.load_handbook(root)
    except (load.ConfigError, schemas.SchemaError) as exc:
        return config_failure(exc)
    conf = alerts.settings(
        root,
        handbook.policy,
        site_url=args.site_url,
        annotations=args.annotation,
        link_prefixes=args.link_prefix,
        severity_label=args.severity_label,
        paging=args.paging,
    )
    extra: list[Problem] = []
    if args.paths:
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            return fail("; ".join(f"{p}: no such file or directory" for p in missing))
        files = alerts.read_rules(root, rulefiles.expand(Path(p) for p in args.paths))
    elif handbook.policy.alerts.rules:
        files, extra = alerts.configured_rules(handbook)
    else:
        return fail(
            "no rule files: give them as PATH (files or directories), or list their globs "
            "under `alerts: rules:` in policy.yml"
        )
    if not files:
        return fail("no rule file found (*.yml or *.yaml) among the paths")
    result = alerts.check(handbook, files, conf, today)
    problems = extra + result.problems
    for path, note in result.notes:
        print(f"opsbook: note: {report.visible(path)} {note}", file=sys.stderr)
    names = [f.rel for f in files]
    if args.format == "json":
        sys.stdout.write(as_json(result, problems, names))
    else:
        sys.stdout.write(report.render(args.format, problems, names))
    out = sys.stdout if args.format == "text" else sys.stderr
    print(coverage_line(result), file=out)
    external = result.external
    if external:
        print(f"{len(external)} runbook links to other hosts (listed, not fetched):", file=out)
        for c, link in external:
            print(
                f"  {report.visible(c.alert.rel)}: {report.visible(c.alert.name)}: "
                f"{report.visible(link.url)}",
                file=out,
            )
    if args.format != "text":
        print(report.summary(problems, len(names)), file=sys.stderr)
    return problems_status(problems, args.strict)


def register(sub: Any) -> None:
    """Add the `alerts` command to the CLI."""
    p = sub.add_parser(
        "alerts",
        help="check alerting rules' runbook links against the handbook, offline",
        description="Read alerting rules (Prometheus rule files, Kubernetes PrometheusRule "
        "resources, Grafana alert rule provisioning files) and check them against the "
        "handbook: every paging alert has a runbook link, every link lands on a page and "
        "heading of the handbook and on a runbook that names the alert, and every alert a "
        "runbook names still exists. Links to other hosts are listed, never fetched. Exit 0: "
        "no errors; 1: errors (or warnings with --strict); 2: usage or configuration error.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="rule files, or directories of *.yml and *.yaml files (default: policy.yml's "
        "alerts.rules globs)",
    )
    p.add_argument("--format", choices=report.FORMATS, default="text")
    p.add_argument("--strict", action="store_true", help="warnings fail the run")
    p.add_argument(
        "--site-url",
        metavar="URL",
        help="the handbook's address, as rule files link to it (default: mkdocs.yml site_url)",
    )
    p.add_argument(
        "--annotation",
        action="append",
        metavar="KEY",
        help="an annotation that holds a runbook link; repeat for several (default: "
        "policy.yml alerts.annotations, else runbook_url)",
    )
    p.add_argument(
        "--link-prefix",
        action="append",
        metavar="PREFIX",
        help="a link path prefix that means runbooks/, e.g. docs/ (repeatable)",
    )
    p.add_argument(
        "--severity-label",
        metavar="NAME",
        help="the label that carries severity (default: policy.yml, else severity)",
    )
    p.add_argument(
        "--paging",
        action="append",
        metavar="VALUE",
        help="a severity value that pages; repeat for several (default: policy.yml, else critical)",
    )
    add_root_today(p, "the date for exceptions' expiry")
    p.set_defaults(func=_run)
