"""Relative links in bodies: lint reports what makes `mkdocs build --strict` fail, and only that."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import RUNBOOK, Handbook, Run
from sitebuild import build, install_site

Opsbook = Callable[..., Run]

BODY = """\
# Links

- [sibling](other.md) and [up](../api/roll-back.md#steps), [docs](../../guide.md)
- [generated](../../severity/index.md), [service](../../services/api.md)
- [missing](missing.md) on line 14
- ![image](img/nothing.png) on line 15
- [outside](../../../elsewhere.md) on line 16
- [a folder](../api/) and [absolute](/x.md) and [web](https://example.com/a.md)
- `[code](nope.md)` and [self](#top) and [mail](mailto:a@b.c)

```markdown
[fenced](nope.md)
```

[ref]: also-missing.md
"""


@pytest.fixture
def linked(handbook: Handbook) -> Handbook:
    handbook.write("docs/guide.md", "# Guide\n")
    handbook.write("runbooks/db/other.md", RUNBOOK.replace("RB-0001", "RB-0002"))
    text = RUNBOOK.replace("RB-0001", "RB-0003").split("# Roll back")[0] + BODY
    handbook.write("runbooks/db/links.md", text)
    return handbook


EXPECTED = {
    (14, "missing.md"),
    (15, "img/nothing.png"),
    (16, "../../../elsewhere.md"),
    (24, "also-missing.md"),
}


def test_lint_reports_each_broken_link_at_its_line(opsbook: Opsbook, linked: Handbook) -> None:
    run = opsbook("lint", "--format", "json", "--today", "2026-09-15", cwd=linked.root)
    problems = [p for p in run.json() if p["rule"] == "link-broken"]  # type: ignore[attr-defined]
    got = {(p["line"], p["message"].split("'")[1]) for p in problems}
    assert got == EXPECTED
    assert all(p["path"] == "runbooks/db/links.md" for p in problems)
    column = next(p["column"] for p in problems if p["line"] == 14)
    line = (linked.root / "runbooks/db/links.md").read_text().splitlines()[13]
    assert line[column - 1 :].startswith("missing.md")


@pytest.mark.slow
def test_build_fails_on_the_same_links(linked: Handbook, tmp_path: Path) -> None:
    install_site(linked.root)
    built = build(linked.root, tmp_path / "site", strict=True)
    assert built.code == 1
    for _line, target in EXPECTED:
        assert f"'{target}'" in built.err
    (linked.root / "runbooks/db/links.md").write_text(
        RUNBOOK.replace("RB-0001", "RB-0003").split("# Roll back")[0]
        + "\n".join(
            line for line in BODY.splitlines() if "line 1" not in line and "[ref]" not in line
        )
    )
    again = build(linked.root, tmp_path / "site2", strict=True)
    assert again.code == 0, again.err[-3000:]
