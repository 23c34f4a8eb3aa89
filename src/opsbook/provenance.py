"""Checks of what documents carry from the site they came from: old paths, unknown reviews.

Called from checks.check(); the checks themselves live in oldpaths and reviews.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsbook import oldpaths, reviews
from opsbook.model import Handbook, Problem

if TYPE_CHECKING:
    from opsbook.checks import Options


def check(handbook: Handbook, options: Options) -> list[Problem]:
    """old-path-duplicate, old-path-shadows and (a state rule) never-reviewed."""
    return [*oldpaths.check(handbook), *reviews.check(handbook, options)]
