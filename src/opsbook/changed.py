"""The handbook files changed against a git ref, for `opsbook lint --changed [--base REF]`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from opsbook import load

# origin's default branch when origin/HEAD is not recorded (a clone made without it).
FALLBACK_BRANCHES = ("origin/main", "origin/master")
# The well-known id of git's empty tree: the base when the repository has no commit yet.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

NO_BASE_FIX = (
    "fetch the branch to compare with (on GitHub Actions, actions/checkout with "
    "fetch-depth: 0), or name it with --base REF (e.g. --base origin/main, or --base HEAD "
    "for uncommitted changes only)"
)


class GitError(Exception):
    """git cannot tell what changed (not a repository, unknown ref, no base, git missing)."""


@dataclass(frozen=True)
class Base:
    commit: str
    # What was compared with, for the one line lint prints about it.
    note: str


@dataclass(frozen=True)
class Changes:
    files: list[str]
    note: str


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


def repository_root(root: Path, env: Mapping[str, str] | None = None) -> Path:
    """The directory the paths of a report for the repository are relative to (GitHub places
    annotations by them): the git top level of the handbook at root, else GITHUB_WORKSPACE
    when root is inside it, else the working directory when root is inside it, else root."""
    env = os.environ if env is None else env
    root = Path(root).resolve()
    try:
        top = _ok(root, "rev-parse", "--show-toplevel")
    except GitError:  # no git here: the other answers still hold
        top = None
    candidates = [Path(top)] if top else []
    if env.get("GITHUB_WORKSPACE"):
        candidates.append(Path(env["GITHUB_WORKSPACE"]))
    candidates.append(Path.cwd())
    for candidate in candidates:
        resolved = candidate.resolve()
        if root.is_relative_to(resolved):
            return resolved
    return root


def _commit(root: Path, ref: str) -> str | None:
    return _ok(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")


def _against(root: Path, ref: str, commit: str, why: str) -> Base:
    """The merge base of HEAD and ref; in a shallow clone without one, ref itself.

    Comparing with ref's tip also counts what changed on ref since the branch left it: more
    files checked than changed, never fewer (a pull request's merge commit, the usual shallow
    checkout, has ref's tip as a parent, so then it is exact).
    """
    merge_base = _ok(root, "merge-base", "HEAD", commit)
    if merge_base:
        return Base(merge_base, f"changed since the merge base with {ref} ({why})")
    return Base(commit, f"changed against {ref} ({why}; no merge base in this shallow clone)")


def _github_base(root: Path, env: Mapping[str, str]) -> Base | None:
    """A pull request's base branch on GitHub Actions, fetched if the checkout lacks it."""
    if env.get("GITHUB_ACTIONS") != "true" or not env.get("GITHUB_BASE_REF"):
        return None
    branch = env["GITHUB_BASE_REF"]
    ref = f"origin/{branch}"
    commit = _commit(root, ref)
    if commit is None:
        _git(
            root,
            "fetch",
            "--quiet",
            "--no-tags",
            "origin",
            f"+refs/heads/{branch}:refs/remotes/{ref}",
        )
        commit = _commit(root, ref)
    if commit is None:
        raise GitError(
            f"lint --changed: GITHUB_BASE_REF is '{branch}', but {ref} cannot be found or "
            f"fetched: {NO_BASE_FIX}"
        )
    return _against(root, ref, commit, "the pull request's base, GITHUB_BASE_REF")


def _default_branch(root: Path) -> str | None:
    head = _ok(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")
    if head and head.startswith("refs/remotes/") and _commit(root, head):
        return head.removeprefix("refs/remotes/")
    return next((ref for ref in FALLBACK_BRANCHES if _commit(root, ref)), None)


def resolve_base(root: Path, base: str | None, env: Mapping[str, str] | None = None) -> Base:
    """What to compare with: --base, else a pull request's base on GitHub Actions, else
    origin's default branch; raises GitError when none can be found, never guesses HEAD.

    A repository without any commit compares with the empty tree, so every file counts.
    """
    env = os.environ if env is None else env
    if base is not None:
        commit = _commit(root, base)
        if commit is None:
            raise GitError(
                f"--base: unknown git ref '{base}': give a branch, tag or commit that exists "
                "here (in CI, fetch it first, e.g. with actions/checkout's fetch-depth: 0)"
            )
        return Base(commit, f"changed against {base}")
    if _commit(root, "HEAD") is None:
        return Base(EMPTY_TREE, "no commit yet: every file counts as changed")
    github = _github_base(root, env)
    if github is not None:
        return github
    branch = _default_branch(root)
    if branch is None:
        raise GitError(
            "lint --changed: no branch to compare with (no --base, no GITHUB_BASE_REF, and "
            f"origin's default branch is not here): {NO_BASE_FIX}"
        )
    return _against(root, branch, _commit(root, branch) or "", "origin's default branch")


def _paths(output: str) -> list[str]:
    return [p for p in output.split("\0") if p]


def changed_files(root: Path, base: str | None, env: Mapping[str, str] | None = None) -> list[str]:
    """Handbook files changed against base (see `changes`)."""
    return changes(root, base, env).files


def changes(root: Path, base: str | None, env: Mapping[str, str] | None = None) -> Changes:
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
    resolved = resolve_base(root, base, env)
    commit = resolved.commit
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
        if load.is_handbook_file(rel) and path.is_file():
            found.add(rel)
    if everything:
        runbooks, postmortems = load.discover(root)
        found.update(load.rel_path(p, root) for p in (*runbooks, *postmortems))
    return Changes(sorted(found), resolved.note)
