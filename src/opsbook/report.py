"""Lint results as text, JSON, GitHub Actions annotations or JUnit XML."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from opsbook.model import Problem

FORMATS = ("text", "json", "github", "junit")


def display_path(path: Path) -> str:
    """A path as a command prints it: relative to the working directory, unless outside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path.resolve())


# What a terminal acts on or an XML 1.0 parser refuses, where a message quotes a file's value
# or a path holds it: C0 and C1 controls and DEL (ESC starts escape sequences, BEL rings, a line
# break would split one problem over two lines), the Unicode line and paragraph separators,
# the bidirectional overrides and isolates (which reorder what a terminal shows), lone
# surrogates (a file name that is not UTF-8) and the non-characters U+FFFE and U+FFFF.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """text with each of those characters shown as its Python escape: ESC as \\x1b, LF as \\n.

    The result is one line, inert in a terminal and valid in XML 1.0. A backslash is kept as
    it is, so a value that spells out "\\x1b" shows the same as one holding ESC.
    """
    return _UNSAFE.sub(_escaped, text)


def sort_key(problem: Problem) -> tuple[str, int, int, str]:
    return (problem.path, problem.line, problem.column, problem.rule)


def summary(problems: Sequence[Problem], files: int) -> str:
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return f"{files} files checked: no problems"
    return f"{files} files checked: {errors} errors, {warnings} warnings"


def text(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """`path:line:col: level: message [rule]`, one a line, then a summary line.

    Paths and messages go through visible(): they quote the files' values.
    """
    lines = [line(p) for p in problems]
    lines.append(summary(problems, len(files)))
    return "\n".join(lines) + "\n"


def line(p: Problem) -> str:
    """One problem as a line of text, safe to print to a terminal."""
    return f"{visible(p.path)}:{p.line}:{p.column}: {p.level}: {visible(p.message)} [{p.rule}]"


def as_json(problems: Sequence[Problem], files: Sequence[str]) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    # GitHub's own escapes for %, CR and LF (a line break shows in the annotation), then the
    # other control characters made visible: the runner's log would pass them to a terminal.
    return visible(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(problems: Sequence[Problem], files: Sequence[str], prefix: str = "") -> str:
    """GitHub Actions workflow commands, so problems show inline in a pull request's diff.

    prefix: the handbook's folder from the repository root (`ops/handbook/`), since GitHub
    places an annotation by its path from there, not from the handbook.
    """
    lines = []
    for p in problems:
        props = ",".join(
            [
                f"file={_escape_property(prefix + p.path)}",
                f"line={p.line}",
                f"col={p.column}",
                f"title={_escape_property(f'opsbook {p.rule}')}",
            ]
        )
        lines.append(f"::{p.level} {props}::{_escape_data(p.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def junit(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """JUnit XML with one testcase per file; errors fail it, warnings are reported as output.

    Every path and message goes through visible(), so the XML is valid whatever they hold.
    """
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
        shown = visible(path)
        case = ET.SubElement(suite, "testcase", classname="opsbook.lint", name=shown, file=shown)
        errors = [p for p in ps if p.level == "error"]
        if errors:
            failure = ET.SubElement(case, "failure", type="lint", message=f"{len(errors)} error(s)")
            failure.text = "\n".join(
                f"{shown}:{p.line}:{p.column}: {visible(p.message)} [{p.rule}]" for p in errors
            )
        warnings = [p for p in ps if p.level == "warning"]
        if warnings:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(
                f"{shown}:{p.line}:{p.column}: warning: {visible(p.message)} [{p.rule}]"
                for p in warnings
            )
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


RENDERERS = {"text": text, "json": as_json, "github": github, "junit": junit}


def render(
    fmt: str, problems: Sequence[Problem], files: Sequence[str], *, github_prefix: str = ""
) -> str:
    """problems in format fmt; github_prefix goes before each path of the github format."""
    ordered = sorted(problems, key=sort_key)
    if fmt == "github":
        return github(ordered, files, github_prefix)
    return RENDERERS[fmt](ordered, files)
