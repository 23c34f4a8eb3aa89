"""MkDocs hooks of the opsbook handbook site: only forwards events to opsbook.site.

The logic lives in the package so that it is tested, typed, and reloaded with it; MkDocs keeps
this module loaded across `mkdocs serve` rebuilds, so it must hold no state of its own.
"""

import sys
from pathlib import Path

# MkDocs runs this file with hooks/ first on sys.path, where this very file would be found as
# "opsbook" and shadow the package: import the package with that entry left out.
_HOOKS_DIR = Path(__file__).resolve().parent
_SAVED_PATH = sys.path[:]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HOOKS_DIR]
try:
    from opsbook.site import (
        on_config,
        on_files,
        on_page_content,
        on_page_context,
        on_page_markdown,
        on_page_read_source,
        on_post_build,
        on_post_page,
        on_post_template,
        on_serve,
        on_startup,
    )
finally:
    sys.path[:] = _SAVED_PATH

__all__ = [
    "on_config",
    "on_files",
    "on_page_content",
    "on_page_context",
    "on_page_markdown",
    "on_page_read_source",
    "on_post_build",
    "on_post_page",
    "on_post_template",
    "on_serve",
    "on_startup",
]
