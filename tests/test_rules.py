"""rules.py is the one list of lint rules: docs/format.md shows exactly it, problems use only it."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from opsbook.model import Problem
from opsbook.rules import RULES, markdown_table


def test_format_md_lists_exactly_the_rules() -> None:
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    assert markdown_table() in text, "run: python -m opsbook.rules docs/format.md"
    documented = re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.M)
    rule_rows = [r for r in documented if r in RULES or "-" in r]
    assert sorted(set(rule_rows) & set(RULES)) == sorted(RULES)


def test_a_problem_with_an_unknown_rule_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="unknown lint rule"):
        Problem("x.md", 1, 1, "error", "made-up-rule", "m")


def test_the_source_names_only_known_rules() -> None:
    # Every rule id written in the package (a quoted kebab-case literal with a known prefix).
    prefixes = {r.split("-")[0] for r in RULES if "-" in r}
    alternatives = "|".join(sorted(prefixes))
    pattern = re.compile(r'"((?:' + alternatives + r')-[a-z0-9-]+)"')
    used = set()
    for path in (REPO / "src" / "opsbook").rglob("*.py"):
        used.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert used - set(RULES) == set()
