"""(in progress)"""

from typing import Any


def register(sub: Any) -> None:
    """Add this module's commands to the CLI."""
