"""A handbook's mkdocs.yml read as data, without MkDocs: the few settings opsbook needs from it.

Its custom tags need MkDocs (`!!python/name:` for emoji, `!ENV`): `!ENV` is resolved as MkDocs
resolves it, every other tag reads as nothing. A SafeLoader underneath: data only, never code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """mkdocs.yml as data: !ENV resolved, every other tag read as None."""


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    elif isinstance(node, yaml.SequenceNode):
        values = loader.construct_sequence(node)
        names, default = (values[:-1], values[-1]) if len(values) > 1 else (values, None)
    else:
        return None
    for name in names:
        if isinstance(name, str) and name in os.environ:
            return os.environ[name]
    return default


_Loader.add_constructor("!ENV", _env_tag)
_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def parse(text: str) -> Any:
    """mkdocs.yml's text as data; raises yaml.YAMLError (or RecursionError) if it is not YAML."""
    return yaml.load(text, Loader=_Loader)


def read(root: Path) -> dict[str, Any]:
    """The handbook's mkdocs.yml as a mapping; empty when there is none or it cannot be read."""
    try:
        data = parse((root / "mkdocs.yml").read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def text_setting(config: dict[str, Any], key: str) -> str:
    """A setting that must be text, else ""."""
    value = config.get(key)
    return value if isinstance(value, str) else ""


def docs_dir(root: Path) -> Path:
    """mkdocs.yml's docs_dir, else docs/."""
    return root / (text_setting(read(root), "docs_dir").strip() or "docs")


def site_url(root: Path) -> str:
    """mkdocs.yml's site_url, else ""."""
    return text_setting(read(root), "site_url").strip()
