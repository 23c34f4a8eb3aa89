"""Lint results as text, JSON, GitHub Actions annotations or JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from opsbook.model import Problem

FORMATS = ("text", "json", "github", "junit")


def sort_key(problem: Problem) -> tuple[str, int, int, str]:
    return (problem.path, problem.line, problem.column, problem.rule)


def summary(problems: Sequence[Problem], files: int) -> str:
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return f"{files} files checked: no problems"
    return f"{files} files checked: {errors} errors, {warnings} warnings"


def text(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """`path:line:col: level: message [rule]`, one a line, then a summary line."""
    lines = [f"{p.path}:{p.line}:{p.column}: {p.level}: {p.message} [{p.rule}]" for p in problems]
    lines.append(summary(problems, len(files)))
    return "\n".join(lines) + "\n"


def as_json(problems: Sequence[Problem], files: Sequence[str]) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """GitHub Actions workflow commands, so problems show inline in a pull request's diff."""
    lines = []
    for p in problems:
        props = ",".join(
            [
                f"file={_escape_property(p.path)}",
                f"line={p.line}",
                f"col={p.column}",
                f"title={_escape_property(f'opsbook {p.rule}')}",
            ]
        )
        lines.append(f"::{p.level} {props}::{_escape_data(p.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def junit(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """JUnit XML with one testcase per file; errors fail it, warnings are reported as output."""
    by_file: dict[str, list[Problem]] = {f: [] for f in files}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    failing = sum(any(p.level == "error" for p in ps) for ps in by_file.values())
    suites = ET.Element(
        "testsuites", name="opsbook lint", tests=str(len(by_file)), failures=str(failing)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="opsbook lint",
        tests=str(len(by_file)),
        failures=str(failing),
        errors="0",
        skipped="0",
    )
    for path, ps in by_file.items():
        case = ET.SubElement(suite, "testcase", classname="opsbook.lint", name=path, file=path)
        errors = [p for p in ps if p.level == "error"]
        if errors:
            failure = ET.SubElement(case, "failure", type="lint", message=f"{len(errors)} error(s)")
            failure.text = "\n".join(
                f"{p.path}:{p.line}:{p.column}: {p.message} [{p.rule}]" for p in errors
            )
        warnings = [p for p in ps if p.level == "warning"]
        if warnings:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(
                f"{p.path}:{p.line}:{p.column}: warning: {p.message} [{p.rule}]" for p in warnings
            )
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


RENDERERS = {"text": text, "json": as_json, "github": github, "junit": junit}


def render(fmt: str, problems: Sequence[Problem], files: Sequence[str]) -> str:
    return RENDERERS[fmt](sorted(problems, key=sort_key), files)
