"""YAML values written by hand (new documents, init, adopt): quoted only when a reader could
misread them, and checked to read back the same in opsbook's loader and in PyYAML's."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import yaml

from opsbook import yamlsafe

# Scalars that every YAML reader (1.1 or 1.2) reads back as the same string when left plain.
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .()/+-]*$")


def yaml_scalar(value: str) -> str:
    """value as a YAML scalar that reads back as exactly this string in any YAML reader.

    Plain when that is safe (``Roll back a deployment``), else double-quoted JSON, which is
    valid YAML: ``"Checkout: 502 \\"bad gateway\\""``.
    """
    if _PLAIN.match(value) and not value.endswith(" ") and _reads_back(value, value):
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    if _reads_back(quoted, value):
        return quoted
    return json.dumps(value)


def yaml_list(values: Sequence[str]) -> str:
    """values as a YAML flow sequence, each item quoted when needed: ``[P1, P2]``."""
    return "[" + ", ".join(yaml_scalar(v) for v in values) + "]"


def _reads_back(text: str, expected: str) -> bool:
    """Whether text, as a mapping value and as a flow list item, reads back as expected both
    with opsbook's loader and with PyYAML's YAML 1.1 safe loader (which MkDocs uses)."""
    for in_list in (False, True):
        doc = f"k: [{text}]\n" if in_list else f"k: {text}\n"
        ours, _node, errors = yamlsafe.load(doc)
        try:
            theirs = yaml.safe_load(doc)
        except yaml.YAMLError:
            return False
        if errors or any(_value(d, in_list) != expected for d in (ours, theirs)):
            return False
    return True


def _value(data: Any, in_list: bool) -> Any:
    value = data.get("k") if isinstance(data, dict) else None
    if in_list:
        return value[0] if isinstance(value, list) and len(value) == 1 else None
    return value
