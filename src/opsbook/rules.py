"""Every lint rule in one place: id, level and meaning; docs/format.md is made from it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: str  # as documented: "error", "warning", or how --strict changes it
    meaning: str


_TABLE = (
    ("file-unreadable", "error", "the file cannot be read (permissions, a symlink loop)"),
    ("file-binary", "error", "a binary file named `.md`"),
    ("file-encoding", "error", "the file is not UTF-8 (points at the first bad byte)"),
    ("file-empty", "error", "the file is empty"),
    ("file-no-frontmatter", "error", "the file does not start with `---`"),
    ("file-unterminated-frontmatter", "error", "the frontmatter has no closing `---`"),
    (
        "file-symlink-outside",
        "error",
        "a document, or a folder on its path, is a symbolic link leading out of the handbook "
        "or into a dot-folder or dot-file (`.git`, `.env`)",
    ),
    (
        "file-not-regular",
        "error",
        "a FIFO, socket, device or folder named like a document (never opened)",
    ),
    ("file-name-encoding", "error", "a file or folder name that is not UTF-8 (never read)"),
    (
        "site-path-clash",
        "error",
        "the document's page would land where another page is (`index.md`, `README.md` "
        "beside `index.md`, `a.md` beside `a/index.md`, the generated runbook and postmortem "
        "lists)",
    ),
    (
        "site-path-char",
        "error",
        "a file or folder name with `#`, `?` or `%`, which cut or change the page's URL",
    ),
    (
        "link-broken",
        "error",
        "a relative link in a body to a file the site does not have (`mkdocs build --strict` "
        "fails on it)",
    ),
    ("yaml-syntax", "error", "the YAML does not parse (tabs, unclosed brackets, bad indentation)"),
    ("yaml-duplicate-key", "error", "a key appears twice in one mapping"),
    (
        "yaml-too-large",
        "error",
        "aliases expand to more than 100,000 values (an alias bomb), or nesting is too deep",
    ),
    ("yaml-key", "error", "a mapping key that is a list or mapping"),
    ("schema-required", "error", "a required field is missing"),
    (
        "schema-unknown-field",
        "error",
        'a field the schema does not know (with a "did you mean" for near misses)',
    ),
    ("schema-type", "error", "a value of the wrong type"),
    ("schema-enum", "error", "a value not among the allowed ones"),
    ("schema-date", "error", "not a real date"),
    ("schema-format", "error", "a value that does not have the required form"),
    ("schema-empty", "error", "an empty text or list where one is required"),
    ("schema-duplicate", "error", "a list holds the same value twice"),
    ("schema-range", "error", "a number, date or length outside its allowed range"),
    ("schema-value", "error", "another schema constraint"),
    ("ref-severity", "error", "a severity id that is not in `policy.yml`"),
    (
        "ref-runbook",
        "error",
        "a runbook id (in `related`, `runbooks` or a decision tree) that no runbook has",
    ),
    ("ref-channel", "error", "the policy names a channel it does not define"),
    ("ref-role", "error", "the policy names a role it does not define"),
    ("id-duplicate", "error", "two documents share an id (both files are named)"),
    ("tree-unknown-node", "error", "an answer (or `start`) names a node the tree does not have"),
    ("tree-unreachable", "error", "a node no path from `start` reaches"),
    ("tree-cycle", "error", "a path that loops back"),
    ("tree-dead-end", "error", "a node with neither answers nor an outcome"),
    (
        "tree-mixed-answers",
        "error",
        "a node with both `answers:` and `yes:`/`no:`, or both an outcome and answers",
    ),
    ("pm-time-format", "error", "a key time that is not an ISO 8601 date-time"),
    ("pm-time-offset", "error", "a key time without a UTC offset"),
    ("pm-time-order", "error", "key times out of order"),
    ("pm-date-future", "error", "a postmortem dated after today"),
    ("pm-due-before-incident", "error", "an action item due before the incident's date"),
    ("pm-no-action-items", "error", "a published postmortem without action items"),
    (
        "pm-todo",
        "error",
        "a postmortem in review or published with `TODO`, `TBD`, `FIXME` or `XXX` left in it",
    ),
    (
        "html-unsafe",
        "warning",
        "raw HTML, a link or an attribute in a body that the site's sanitiser removes (a script, "
        "an event handler, a `javascript:` URL); off with `site: {sanitize_html: false}`",
    ),
    (
        "html-offsite",
        "warning",
        "an image, frame, script or stylesheet in a body that loads from another host, which "
        "the site cannot show offline",
    ),
    ("stale", "warning (error with `--strict`)", "a published runbook past its review interval"),
    (
        "never-reviewed",
        "warning",
        "a published runbook marked `last_reviewed: never` (adopted with no review history)",
    ),
    (
        "old-path-duplicate",
        "error",
        "two documents list the same address in `old_paths` (a redirect leads to one page)",
    ),
    (
        "old-path-shadows",
        "error",
        "an address in `old_paths` is a page of the site, which its redirect would replace",
    ),
    ("action-overdue", "warning", "an open or in-progress action item past its due date"),
    (
        "alert-rules-invalid",
        "error",
        "a rule file (`opsbook alerts`, or policy.yml `alerts.rules`) that cannot be read or is "
        "not valid YAML; a configured glob that matches no file",
    ),
    (
        "alert-paging-no-runbook",
        "error",
        "a paging alert (its severity label among `alerts.paging`, default `critical`) with no "
        "runbook link annotation and no exception",
    ),
    ("alert-no-runbook", "warning", "an alert that does not page with no runbook link annotation"),
    (
        "alert-link-broken",
        "error",
        "a runbook link into this handbook (its site URL, `/alerts/<name>/`, a document path) "
        "that lands on no page",
    ),
    (
        "alert-link-anchor",
        "error",
        "a runbook link whose `#anchor` no heading of the linked document has",
    ),
    (
        "alert-link-unnamed",
        "warning",
        "a runbook link to a runbook whose `alerts` does not name that alert",
    ),
    (
        "alert-link-template",
        "warning",
        "a runbook link with a template other than the alert name (`{{ $labels.alertname }}`): "
        "it cannot be checked",
    ),
    (
        "alert-unknown",
        "warning",
        "a runbook names an alert (`alerts`) that no rule file defines: renamed or deleted",
    ),
    ("alert-exception-expired", "error", "an `alerts.exceptions` entry past its expiry date"),
    (
        "alert-exception-unneeded",
        "warning",
        "an `alerts.exceptions` entry for an alert that has a runbook, or that no rule file "
        "defines",
    ),
    (
        "internal",
        "error",
        "opsbook itself failed on this file (please report it); the others are still checked",
    ),
)

RULES: dict[str, Rule] = {r[0]: Rule(*r) for r in _TABLE}


def markdown_table() -> str:
    """The rules table of docs/format.md."""
    lines = ["| rule | level | what it means |", "|---|---|---|"]
    lines.extend(f"| `{r.id}` | {r.level} | {r.meaning} |" for r in RULES.values())
    return "\n".join(lines) + "\n"


def update_doc(text: str) -> str:
    """A document's rules table (from its header row to the first blank line) made anew."""
    start = text.index("| rule | level | what it means |")
    end = text.index("\n\n", start)
    return text[:start] + markdown_table().rstrip("\n") + text[end:]


if __name__ == "__main__":  # `python -m opsbook.rules docs/format.md`: regenerate the table
    import sys
    from pathlib import Path

    for name in sys.argv[1:]:
        doc = Path(name)
        doc.write_text(update_doc(doc.read_text(encoding="utf-8")), encoding="utf-8")
