"""The safe YAML loader: no PyYAML surprises, positions for everything, bounded expansion."""

from __future__ import annotations

import pytest

from opsbook import yamlsafe


def test_dates_stay_text_and_only_true_false_are_booleans() -> None:
    data, _, errors = yamlsafe.load("a: 2026-02-26\nb: no\nc: off\nd: true\ne: False\nf: 1.10\n")
    assert errors == []
    assert data == {"a": "2026-02-26", "b": "no", "c": "off", "d": True, "e": False, "f": 1.1}


def test_yes_and_no_keys_are_strings() -> None:
    data, _, _ = yamlsafe.load("yes: a\nno: b\n")
    assert data == {"yes": "a", "no": "b"}


def test_invalid_date_is_text_not_an_exception() -> None:
    data, _, errors = yamlsafe.load("due: 2025-13-01\n")
    assert data == {"due": "2025-13-01"} and errors == []


def test_duplicate_key_is_reported_with_both_lines() -> None:
    data, _, errors = yamlsafe.load("a: 1\nb: 2\na: 3\n", line_offset=1)
    assert data == {"a": 1, "b": 2}
    assert [(e.line, e.column, e.rule) for e in errors] == [(2, 0, "yaml-duplicate-key")]
    assert "first defined on line 2" in errors[0].message


def test_syntax_error_has_a_position() -> None:
    data, node, errors = yamlsafe.load("a: [1, 2\nb: 3\n")
    assert data is None and node is None
    assert errors[0].rule == "yaml-syntax" and errors[0].line >= 1


def test_recursive_alias_is_an_error() -> None:
    _, _, errors = yamlsafe.load("a: &x [*x]\n")
    assert errors[0].rule == "yaml-syntax"


def test_alias_bomb_is_bounded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    _, _, errors = yamlsafe.load("\n".join(lines))
    assert [e.rule for e in errors] == ["yaml-too-large"]


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_document(text: str) -> None:
    assert yamlsafe.load(text) == (None, None, [])


def test_a_value_keeps_its_type_by_style_across_documents() -> None:
    # Tags of short values are looked up once; quoting must still make a value text.
    text = 'a: true\nb: "true"\nc: 12\nd: "12"\ne: null\nf: \'null\'\ng: 1.5\nh: [true, "1.5"]\n'
    expected = {"a": True, "b": "true", "c": 12, "d": "12", "e": None, "f": "null", "g": 1.5}
    expected["h"] = [True, "1.5"]
    for _ in range(3):
        data, _node, errors = yamlsafe.load(text)
        assert errors == [] and data == expected
    long_value = "x" * 60
    data, _node, _errors = yamlsafe.load(f"k: {long_value}\nn: {'1' * 60}\n")
    assert data == {"k": long_value, "n": int("1" * 60)}
