"""The library never imports command code: commands parse arguments and call the library.

Read from the source (every import, also those inside functions or under TYPE_CHECKING), so a
lazy import of a command from the library fails here as well as a top-level one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import opsbook

PACKAGE = Path(opsbook.__file__).parent

# The modules of the command line: they parse arguments, print, and exit; all else is library.
COMMANDS = frozenset(
    {
        "opsbook.__main__",
        "opsbook.cli",
        "opsbook.console",
        "opsbook.actions_cli",
        "opsbook.adopt",
        "opsbook.adopt_cli",
        "opsbook.alertcli",
        "opsbook.bundle_cli",
        "opsbook.generate",
        "opsbook.generate_cli",
        "opsbook.insights_cli",
        "opsbook.preview_cli",
        "opsbook.scaffold",
    }
)


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _with_parents(name: str) -> set[str]:
    """A module and the packages Python imports before it."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & MODULES.keys()


def imports(name: str) -> set[str]:
    """The opsbook modules that module imports directly, wherever in it the import stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found |= _with_parents(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= _with_parents(node.module)
            # `from opsbook import load`: a module; `from opsbook.model import Problem`: a name.
            found |= {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
    return found - {name}


def reached(name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        for module in imports(todo.pop()) - seen:
            seen.add(module)
            todo.append(module)
    return seen


def test_the_command_list_names_real_modules() -> None:
    assert MODULES.keys() >= COMMANDS


def test_every_module_with_a_command_is_listed_as_one() -> None:
    """A module registering a command, or reading argparse, is command code."""
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        registers = any(
            isinstance(node, ast.FunctionDef) and node.name == "register" for node in tree.body
        )
        uses_argparse = any(
            isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names)
            for node in ast.walk(tree)
        )
        if registers or uses_argparse:
            assert name in COMMANDS, f"{name} is command code: list it in COMMANDS"


def test_no_library_module_reaches_a_command_module() -> None:
    wrong = {
        name: sorted(reached(name) & COMMANDS)
        for name in sorted(MODULES.keys() - COMMANDS)
        if reached(name) & COMMANDS
    }
    assert wrong == {}


def test_site_and_pages_load_without_the_command_line() -> None:
    """What MkDocs imports (the adapter, the pages, the macros) loads no command module."""
    code = (
        "import sys, opsbook.site, opsbook.pages, opsbook.macros\n"
        f"print(sorted(m for m in sys.modules if m in {sorted(COMMANDS)!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
