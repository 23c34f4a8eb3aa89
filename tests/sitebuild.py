"""Real `mkdocs build` runs of handbooks written into temporary directories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from htmldom import Element, parse

REPO = Path(__file__).resolve().parent.parent

# The nav of a test handbook: home and the generated pages only, whatever hand-written pages
# the repository's own mkdocs.yml lists (they are not copied into test handbooks).
TEST_NAV = """\
nav:
  - Home: index.md
  - Incident:
      - incident/index.md
      - Severity: severity/index.md
      - Communication: communication/index.md
      - Decision trees: decision-trees/index.md
  - Runbooks: runbooks/index.md
  - Alerts: alerts/index.md
  - Postmortems: postmortems/index.md
  - Action items: action-items/index.md
  - Insights: insights/index.md
  - Services: services/index.md
  - Review: review/index.md
"""


# The environment of a build whose tests read Material's search index (search_index.json):
# by default the site's search is Pagefind's, and search_index.json holds Material's config only.
MATERIAL_SEARCH = {"OPSBOOK_SEARCH": "material"}


def pagefind_pages(site: Path) -> list[dict[str, Any]]:
    """The pages of a site's Pagefind index, from its fragments (gzip: pagefind_dcd + JSON)."""
    import gzip

    pages = []
    for path in sorted((site / "pagefind" / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        pages.append(json.loads(data.removeprefix(b"pagefind_dcd")))
    return pages


def site_config(nav: str = TEST_NAV) -> str:
    """The repository's mkdocs.yml with its nav replaced."""
    lines = (REPO / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith("nav:"):
            skipping = True
            continue
        if skipping and line and not line.startswith((" ", "-", "#")):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out).rstrip() + "\n\n" + nav


def install_site(root: Path, nav: str = TEST_NAV) -> None:
    """Give a handbook directory the repository's site: mkdocs.yml, hooks, home page."""
    (root / "mkdocs.yml").write_text(site_config(nav), encoding="utf-8")
    shutil.copytree(
        REPO / "hooks",
        root / "hooks",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (root / "docs").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "docs" / "index.md", root / "docs" / "index.md")


def sample_copy(dest: Path) -> Path:
    """The repository's sample handbook and site configuration, copied to dest."""
    dest.mkdir(parents=True)
    for name in ("mkdocs.yml", "policy.yml"):
        shutil.copy2(REPO / name, dest / name)
    for name in ("runbooks", "postmortems", "docs", "hooks", "schemas", "overrides"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name)
    return dest


@dataclass
class Built:
    code: int
    out: str
    err: str
    site: Path

    @property
    def log(self) -> str:
        return self.out + self.err

    def html(self, url_path: str) -> str:
        """The HTML of a page by its URL path ('incident/' or '' for home)."""
        return (self.site / url_path / "index.html").read_text(encoding="utf-8")

    def page(self, url_path: str) -> Element:
        return parse(self.html(url_path))

    def content(self, url_path: str) -> Element:
        """The page's article (Material's main content), parsed."""
        return self.page(url_path).find("article")

    def json(self, name: str) -> Any:
        return json.loads((self.site / name).read_text(encoding="utf-8"))


def build(
    root: Path,
    site: Path,
    *,
    strict: bool = False,
    today: str | None = "2026-09-15",
    env: dict[str, str] | None = None,
    verbose: bool = False,
) -> Built:
    """Run `mkdocs build` on root into site, as a user would (verbose: MkDocs' DEBUG lines)."""
    full_env = {k: v for k, v in os.environ.items() if k != "OPSBOOK_TODAY"}
    full_env["NO_MKDOCS_2_WARNING"] = "1"
    if today is not None:
        full_env["OPSBOOK_TODAY"] = today
    full_env.update(env or {})
    args = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site)]
    if strict:
        args.append("--strict")
    if verbose:
        args.append("--verbose")
    proc = subprocess.run(args, cwd=root, env=full_env, capture_output=True, text=True, timeout=600)
    return Built(proc.returncode, proc.stdout, proc.stderr, site)


def warnings(log: str) -> list[str]:
    """The messages of MkDocs' WARNING lines."""
    return [
        line.split("-", 1)[1].strip() for line in log.splitlines() if line.startswith("WARNING")
    ]
