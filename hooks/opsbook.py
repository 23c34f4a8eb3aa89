"""MkDocs hooks of an opsbook handbook site: a stable shim onto opsbook's MkDocs plugin.

A site whose mkdocs.yml lists `hooks: [hooks/opsbook.py]` rather than the `opsbook` plugin
gets the plugin all the same: on_config puts it into the site's plugins, where every event
opsbook handles, now or in a later version, reaches it. This file never needs editing.
"""

import sys
from pathlib import Path

# MkDocs runs this file with hooks/ first on sys.path, where this very file would be found as
# "opsbook" and shadow the package: import the package with that entry left out.
_HOOKS_DIR = Path(__file__).resolve().parent
_SAVED_PATH = sys.path[:]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HOOKS_DIR]
try:
    from opsbook.plugin import install as on_config
finally:
    sys.path[:] = _SAVED_PATH

__all__ = ["on_config"]
