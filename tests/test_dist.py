"""`make dist`'s wheel holds everything opsbook reads at run time (schemas, templates, assets)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

HATCHLING = Path(sys.executable).parent / "hatchling"


@pytest.mark.skipif(not HATCHLING.exists(), reason="hatchling is not installed in this venv")
def test_the_wheel_carries_the_package_data(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", ".git", "site", "bench"))
    subprocess.run(
        [str(HATCHLING), "build", "-t", "sdist", "-t", "wheel"],
        cwd=source,
        check=True,
        capture_output=True,
    )
    wheels = list((source / "dist").glob("opsbook-*-py3-none-any.whl"))
    assert len(wheels) == 1 and list((source / "dist").glob("opsbook-*.tar.gz"))
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    packaged = REPO / "src" / "opsbook"
    for kind in ("schemas", "templates", "assets"):
        wanted = {
            "opsbook/" + p.relative_to(packaged).as_posix()
            for p in (packaged / kind).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert wanted and wanted <= names, wanted - names
