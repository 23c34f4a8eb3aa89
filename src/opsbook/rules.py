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
        "a document, or a folder on its path, is a symbolic link leading out of the handbook",
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
    ("pm-due-before-incident", "error", "an action item due before the incident's date"),
    ("pm-no-action-items", "error", "a published postmortem without action items"),
    (
        "pm-todo",
        "error",
        "a published postmortem with `TODO`, `TBD`, `FIXME` or `XXX` left in it",
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
    ("action-overdue", "warning", "an open or in-progress action item past its due date"),
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
