"""(in progress)"""


class GitError(Exception):
    pass


def changed_files(root: object, base: str | None) -> list[str]:
    raise GitError("lint --changed is not available yet")
