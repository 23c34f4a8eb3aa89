"""rules.py is the one list of lint rules: docs/format.md shows exactly it, problems use only it."""

from __future__ import annotations

import ast
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
    # Every rule-shaped string passed straight to a call (Problem(...), _at(...), ...).
    prefixes = {r.split("-")[0] for r in RULES if "-" in r}
    alternatives = "|".join(sorted(prefixes))
    shape = re.compile(r"(?:" + alternatives + r")-[a-z0-9-]+")
    used = set()
    for path in (REPO / "src" / "opsbook").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                args = [*node.args, *(k.value for k in node.keywords)]
                used.update(
                    a.value
                    for a in args
                    if isinstance(a, ast.Constant)
                    and isinstance(a.value, str)
                    and shape.fullmatch(a.value)
                )
    assert used, "the scan found no rule at all"
    assert used - set(RULES) == set()
