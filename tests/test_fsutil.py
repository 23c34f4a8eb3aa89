"""opsbook.fsutil, the one place opsbook writes files: atomic, exclusive, never through a link."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from opsbook import fsutil


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_atomic_write_replaces_keeping_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("old\n")
    path.chmod(0o640)
    fsutil.atomic_write(path, "new\r\n")
    assert path.read_bytes() == b"new\r\n"  # no newline translation
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    fsutil.atomic_write(tmp_path / "fresh.md", b"\xef\xbb\xbfbom")
    assert (tmp_path / "fresh.md").read_bytes() == b"\xef\xbb\xbfbom"
    assert names(tmp_path) == ["fresh.md", "policy.yml"]  # no temporary file left


def test_atomic_write_replaces_a_symlink_never_writes_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    link = tmp_path / "hb" / "policy.yml"
    link.parent.mkdir()
    link.symlink_to(outside)
    fsutil.atomic_write(link, "new\n")
    assert outside.read_text() == "precious\n"
    assert not link.is_symlink() and link.read_text() == "new\n"


def test_a_failed_write_names_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "page.md"
    target.mkdir()  # a directory where the file should go: the rename fails
    with pytest.raises(fsutil.WriteError) as caught:
        fsutil.atomic_write(target, "x")
    assert caught.value.path == target and str(target) in str(caught.value)
    assert names(tmp_path) == ["page.md"]
    with pytest.raises(fsutil.WriteError):
        fsutil.atomic_write(tmp_path / "missing" / "page.md", "x")


def test_create_exclusive_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "new.md"
    fsutil.create_exclusive(path, "first\n")
    with pytest.raises(FileExistsError):
        fsutil.create_exclusive(path, "second\n")
    assert path.read_text() == "first\n"
    assert names(tmp_path) == ["new.md"]


def test_create_exclusive_lets_exactly_one_of_many_win(tmp_path: Path) -> None:
    path = tmp_path / "race.md"
    won: list[int] = []
    lost: list[int] = []

    def create(n: int) -> None:
        try:
            fsutil.create_exclusive(path, f"{n}\n")
            won.append(n)
        except FileExistsError:
            lost.append(n)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 7
    assert path.read_text() == f"{won[0]}\n"
    assert names(tmp_path) == ["race.md"]


def test_keep_copy_never_replaces_an_earlier_copy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("one\n")
    assert fsutil.keep_copy(path) == tmp_path / "policy.yml.orig"
    fsutil.atomic_write(path, "two\n")
    assert fsutil.keep_copy(path) == tmp_path / "policy.yml.orig.1"
    fsutil.atomic_write(path, "three\n")  # replacing does not change the hard-linked copies
    assert (tmp_path / "policy.yml.orig").read_text() == "one\n"
    assert (tmp_path / "policy.yml.orig.1").read_text() == "two\n"


def test_symlink_on_the_way(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "hb").mkdir()
    (tmp_path / "hb" / "runbooks").symlink_to(tmp_path / "elsewhere")
    assert fsutil.symlink_on_the_way(tmp_path / "hb", "runbooks/api/x.md") == (
        tmp_path / "hb" / "runbooks"
    )
    assert fsutil.symlink_on_the_way(tmp_path / "hb", "docs/index.md") is None


def test_handbook_lock_serialises(tmp_path: Path) -> None:
    # flock locks belong to open files: two opens in one process exclude each other too.
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait()
        with fsutil.handbook_lock(tmp_path):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with fsutil.handbook_lock(tmp_path):
        inside.set()
        thread.join(0.3)
        order.append("first")
    thread.join()
    assert order == ["first", "second"]
    assert os.listdir(tmp_path) == []  # the lock leaves no file


def test_atomic_output_puts_the_file_in_place_only_when_the_block_completes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out.zip"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), fsutil.atomic_output(path) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("the build failed half way")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zip"]
    with fsutil.atomic_output(path) as handle:
        handle.write(b"new")
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zip"]
    with (
        pytest.raises(fsutil.WriteError, match="missing"),
        fsutil.atomic_output(tmp_path / "missing" / "x.zip"),
    ):
        pass
