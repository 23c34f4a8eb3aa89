"""The handbook files changed against a git ref, for `opsbook lint --changed [--base REF]`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from opsbook import load

DEFAULT_REMOTE_BRANCH = "origin/main"
# The well-known id of git's empty tree: the base when the repository has no commit yet.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class GitError(Exception):
    """git cannot tell what changed (not a repository, unknown ref, git missing)."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=120,
            check=False,
        )
    except FileNotFoundError:
        raise GitError(
            "lint --changed needs git, and git is not installed (or not on PATH)"
        ) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"could not run git: {exc}") from None


def _ok(root: Path, *args: str) -> str | None:
    proc = _git(root, *args)
    return proc.stdout.strip() if proc.returncode == 0 else None


def resolve_base(root: Path, base: str | None) -> str:
    """The commit to compare with: REF, else the merge base with origin/main, else HEAD.

    A repository without any commit compares with the empty tree, so every file counts.
    """
    if base is not None:
        commit = _ok(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
        if commit is None:
            raise GitError(
                f"--base: unknown git ref '{base}': give a branch, tag or commit that exists "
                "here (in CI, fetch it first, e.g. with actions/checkout's fetch-depth: 0)"
            )
        return commit
    head = _ok(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head is None:
        return EMPTY_TREE
    if _ok(root, "rev-parse", "--verify", "--quiet", f"{DEFAULT_REMOTE_BRANCH}^{{commit}}"):
        merge_base = _ok(root, "merge-base", "HEAD", DEFAULT_REMOTE_BRANCH)
        if merge_base:
            return merge_base
    return head


def _paths(output: str) -> list[str]:
    return [p for p in output.split("\0") if p]


def changed_files(root: Path, base: str | None) -> list[str]:
    """Handbook files changed against base, relative to the handbook root, sorted.

    Counts committed changes since base, staged and unstaged edits, and untracked files (not
    ignored ones); deleted files are left out. Only the files lint checks are returned: the
    *.md files under runbooks/ and postmortems/, and policy.yml. A change to policy.yml or to
    the handbook's own schemas/ can break documents that did not change (a removed severity,
    a new required field), so then every file of the handbook is returned. Raises GitError
    with a clear message when root is not in a git repository or base is not a known ref.
    """
    root = Path(root).resolve()
    top = _ok(root, "rev-parse", "--show-toplevel")
    if top is None:
        raise GitError(
            f"lint --changed needs a git repository, and {root} is not inside one: "
            "run it in a clone of the handbook, or lint without --changed"
        )
    toplevel = Path(top).resolve()
    commit = resolve_base(root, base)
    diff = _git(toplevel, "diff", "--name-only", "--no-renames", "-z", commit, "--")
    if diff.returncode != 0:
        raise GitError(f"git diff against {base or commit} failed: {diff.stderr.strip()}")
    untracked = _git(toplevel, "ls-files", "--others", "--exclude-standard", "-z")
    if untracked.returncode != 0:
        raise GitError(f"git ls-files failed: {untracked.stderr.strip()}")
    found: set[str] = set()
    everything = False
    for name in (*_paths(diff.stdout), *_paths(untracked.stdout)):
        path = toplevel / name
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            continue  # outside the handbook (the handbook may be a folder of the repository)
        if rel == load.POLICY_FILE or (rel.startswith("schemas/") and rel.endswith(".json")):
            everything = True
        if is_handbook_file(rel) and path.is_file():
            found.add(rel)
    if everything:
        runbooks, postmortems = load.discover(root)
        found.update(load.rel_path(p, root) for p in (*runbooks, *postmortems))
    return sorted(found)


def is_handbook_file(rel: str) -> bool:
    """Whether lint checks the file at this path (relative to the handbook root)."""
    if rel == load.POLICY_FILE:
        return True
    top, _, rest = rel.partition("/")
    return top in (load.RUNBOOK_DIR, load.POSTMORTEM_DIR) and rest.endswith(".md")
