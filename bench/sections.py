"""One section of docs/benchmarks.md written anew, for each bench/*.py that owns a section."""

from __future__ import annotations

# Where a section goes when the report has none yet.
BEFORE = "## Peak memory"


def replace(report: str, heading: str, lines: list[str]) -> str:
    """The report with the section under heading replaced by lines (or put before BEFORE)."""
    new = "\n".join(lines)
    if heading in report:
        start = report.index(heading)
        end = report.find("\n## ", start + len(heading))
        before, after = report[:start], report[end + 1 :] if end >= 0 else ""
    else:
        anchor = report.find(BEFORE)
        before, after = (report, "") if anchor < 0 else (report[:anchor], report[anchor:])
    # A heading right under a table would be read as one more row of it.
    return before.rstrip("\n") + "\n\n" + new + ("\n" + after if after else "")
