"""The floor for `opsbook lint`: read every document and parse its frontmatter, nothing more.

    python bench/floor.py HANDBOOK_DIR

Reads policy.yml and every *.md under runbooks/ and postmortems/, and parses each frontmatter
with PyYAML's C loader (CSafeLoader). No positions, no schema, no cross-document checks: no
linter can do less and still have read the metadata.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml


def frontmatter(text: str) -> str:
    if not text.startswith("---\n"):
        return ""
    end = text.find("\n---\n", 3)
    return text[4 : end + 1] if end >= 0 else ""


def parse_handbook(root: Path) -> int:
    """Parse policy.yml and every document's frontmatter; the number of documents parsed."""
    loader = yaml.CSafeLoader
    parsed = 0
    yaml.load((root / "policy.yml").read_text(encoding="utf-8"), Loader=loader)
    for top in ("runbooks", "postmortems"):
        for dirpath, _dirs, names in os.walk(root / top):
            for name in names:
                if name.endswith(".md"):
                    text = Path(dirpath, name).read_text(encoding="utf-8")
                    yaml.load(frontmatter(text), Loader=loader)
                    parsed += 1
    return parsed


def main(root: Path) -> int:
    print(f"{parse_handbook(root)} frontmatters parsed")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
