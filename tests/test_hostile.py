"""The hostile-input corpus (tests/corpus/bad): one defect a file, each reported at its line.

tests/corpus/bad/expected.json maps every file of the corpus to the problems it must produce
(rule, line, optional level). Some files cannot be committed usefully (a 5 MB runbook, a
100,000-level nesting, symlink loops): the test creates them in its temporary copy. Lint must
report every defect in one run, crash on none, hang on none, and lose no other file's report; the
MkDocs build must fail under --strict with the same path:line messages and, without --strict,
build a site that shows every injected script as text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Run
from opsbook import yamlsafe
from opsbook.model import Postmortem

BAD = Path(__file__).resolve().parent / "corpus" / "bad"
EXPECTED: dict[str, list[dict[str, Any]]] = json.loads(
    (BAD / "expected.json").read_text(encoding="utf-8")
)
TODAY = "2026-09-15"
# Bounds, not measurements: a hang or an alias bomb expanding would blow through them.
LINT_TIMEOUT = 120
BUILD_TIMEOUT = 600
LINT_MEMORY = 1 << 30  # address space for the bounded-memory run

FIVE_MB = "runbooks/files/five-megabytes.md"
DEEP = "runbooks/yaml/deep-nesting.md"
SELF_LINK = "runbooks/loop/self.md"
LOOP_DIR = "runbooks/loop/again"
OUTSIDE_LINK = "runbooks/loop/outside.md"
# The text of a file outside the handbook that a symlink points at: it must reach no output.
SECRET = "opsbook-corpus-secret-5f1c9e"


def _append_five_megabytes(path: Path) -> None:
    """About 5 MB of runbook prose, commands and a pasted log after the committed frontmatter."""
    section = (
        "## Check replica {n}\n\n"
        "Connect to replica {n} and compare its replay lag with the primary's. If the lag grows "
        "for more than five minutes, page the database on-call and do **not** fail over yet.\n\n"
        "```bash\n"
        "kubectl -n prod exec -it pg-main-{n} -- psql -c 'SELECT now() - pg_last_xact_replay_"
        "timestamp();'\n"
        "```\n\n"
        "- lag below 10 s: keep watching\n"
        "- lag above 10 s: check disk I/O on pg-main-{n}\n\n"
        "```text\n"
        + "".join(
            f"2026-09-01T10:{m:02d}:00Z pg-main-{{n}} LOG:  checkpoint complete: wrote {m * 37} "
            "buffers; sync files=12, longest=0.104 s\n"
            for m in range(60)
        )
        + "```\n\n"
    )
    parts: list[str] = [path.read_text(encoding="utf-8")]
    size = len(parts[0])
    n = 0
    while size < 5 * 1024 * 1024:
        n += 1
        chunk = section.format(n=n)
        parts.append(chunk)
        size += len(chunk)
    path.write_text("".join(parts), encoding="utf-8")


def _write_deep_nesting(path: Path) -> None:
    depth = 100_000
    path.write_text(
        "---\nid: RB-0115\ntitle: Deep nesting\nservice: api\nowner: sre\nseverity: [P2]\n"
        f"last_reviewed: 2026-09-01\nnotes: {'[' * depth}{']' * depth}\n---\n"
        "# Deep nesting\n\nA hundred thousand nested lists once crashed the YAML composer.\n",
        encoding="utf-8",
    )


def make_corpus(dest: Path) -> Path:
    """A handbook copy of the corpus, with the files the test creates."""
    shutil.copytree(BAD, dest, symlinks=True)
    for name in ("expected.json", ".gitattributes"):
        (dest / name).unlink()
    _append_five_megabytes(dest / FIVE_MB)
    _write_deep_nesting(dest / DEEP)
    (dest / SELF_LINK).parent.mkdir(parents=True, exist_ok=True)
    (dest / SELF_LINK).symlink_to("self.md")
    (dest / LOOP_DIR).symlink_to("..", target_is_directory=True)
    secret = dest.parent / "outside-the-handbook" / "secret.md"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text(f"---\nid: {SECRET}\n---\n# {SECRET}\n\ntoken={SECRET}\n", encoding="utf-8")
    (dest / OUTSIDE_LINK).symlink_to(secret)
    return dest


def corpus_files(root: Path) -> set[str]:
    """policy.yml and every *.md under runbooks/ and postmortems/, not following symlinked dirs."""
    found = {"policy.yml"}
    for top in ("runbooks", "postmortems"):
        for dirpath, _dirs, names in os.walk(root / top):
            found.update(
                Path(dirpath, n).relative_to(root).as_posix() for n in names if n.endswith(".md")
            )
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("hostile") / "handbook")


def test_the_corpus_declares_every_file_and_is_byte_exact(corpus: Path) -> None:
    assert corpus_files(corpus) == set(EXPECTED)
    assert (corpus / FIVE_MB).stat().st_size >= 5 * 1024 * 1024
    assert b"\r\n" in (corpus / "runbooks/files/crlf.md").read_bytes()
    assert (corpus / "runbooks/files/bom.md").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\x00" in (corpus / "runbooks/files/binary.md").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        (corpus / "runbooks/files/latin1.md").read_bytes().decode("utf-8")


# --- opsbook lint -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lint_run(corpus: Path, opsbook: Callable[..., Run]) -> Run:
    """One lint run over the whole corpus: every assertion below reads this same run."""
    return opsbook("lint", "--format", "json", "--today", TODAY, cwd=corpus, timeout=LINT_TIMEOUT)


@pytest.fixture(scope="module")
def lint_problems(lint_run: Run) -> list[dict[str, Any]]:
    assert "Traceback" not in lint_run.err, lint_run.err
    assert lint_run.code == 1, (lint_run.code, lint_run.err)
    problems = lint_run.json()
    assert isinstance(problems, list)
    return problems


def test_lint_checks_every_file_in_one_run(
    lint_run: Run, lint_problems: list[dict[str, Any]]
) -> None:
    assert f"{len(EXPECTED)} files checked" in lint_run.err
    unexpected = {p["path"] for p in lint_problems} - set(EXPECTED)
    assert not unexpected, "problems reported for files outside the corpus (a followed loop?)"
    wanted = sum(len(v) for v in EXPECTED.values())
    assert len(lint_problems) == wanted, lint_problems


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_lint_reports_the_defect_at_its_line(
    path: str, lint_problems: list[dict[str, Any]]
) -> None:
    got = [p for p in lint_problems if p["path"] == path]
    assert sorted((p["rule"], p["line"]) for p in got) == sorted(
        (e["rule"], e["line"]) for e in EXPECTED[path]
    ), got
    for want in EXPECTED[path]:
        level = want.get("level", "error")
        assert any(p["rule"] == want["rule"] and p["level"] == level for p in got), got
    for p in got:
        assert p["column"] >= 1 and p["message"].strip()
        assert p["rule"] != "internal", p
        assert SECRET not in p["message"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LINT_MEMORY, LINT_MEMORY))


def test_lint_stays_within_bounded_memory(corpus: Path) -> None:
    """The alias bomb and the deep nesting fail fast: the corpus lints in 1 GiB of address space."""
    proc = subprocess.run(
        [sys.executable, "-m", "opsbook", "lint", "--format", "json", "--today", TODAY],
        cwd=corpus,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT,
        preexec_fn=_limit_memory,
        env={k: v for k, v in os.environ.items() if k != "OPSBOOK_TODAY"},
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    rules = {(p["path"], p["rule"]) for p in json.loads(proc.stdout)}
    assert ("runbooks/yaml/alias-bomb.md", "yaml-too-large") in rules
    assert (DEEP, "yaml-too-large") in rules


# --- mkdocs build -------------------------------------------------------------------------------

SITE_READY = (REPO / "hooks" / "opsbook.py").is_file() and (REPO / "mkdocs.yml").is_file()
needs_site = pytest.mark.skipif(not SITE_READY, reason="site not built yet")


class InjectedMarkup(HTMLParser):
    """Finds the corpus's injected markup that a browser would run or render as markup.

    Like a browser, it reads <title> and <textarea> as text up to their end tag, so only a
    payload that breaks out of them (</title><script>...) counts there.
    """

    CDATA_CONTENT_ELEMENTS = ("script", "style", "title", "textarea")  # type: ignore[misc]

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        kind = (dict(attrs).get("type") or "").lower()
        if tag == "script" and kind not in ("", "module") and "javascript" not in kind:
            self._tag = "script-data"  # JSON and other data blocks are never run
        if tag in ("marquee", "iframe") or (tag == "img" and ("src", "x") in attrs):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on") and "alert" in text:
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and text.startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_endtag(self, tag: str) -> None:
        self._tag = ""

    def handle_data(self, data: str) -> None:
        if self._tag == "script" and "alert(" in data:
            self.found.append(f"<script>{data[:40]}")


def injected_markup(text: str) -> list[str]:
    parser = InjectedMarkup()
    parser.feed(text)
    parser.close()
    return parser.found


@dataclass
class Build:
    code: int
    output: str
    site: Path


def with_site_config(root: Path) -> Path:
    """The repository's MkDocs configuration, hooks and hand-written pages, over root's content."""
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for name in ("hooks", "docs", "overrides"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    return root


def mkdocs_build(root: Path, *args: str) -> Build:
    site = root.parent / f"site-{'-'.join(a.strip('-') for a in args) or 'plain'}"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        env={**os.environ, "OPSBOOK_TODAY": TODAY},
    )
    return Build(proc.returncode, proc.stdout + proc.stderr, site)


@pytest.fixture(scope="module")
def site_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return with_site_config(make_corpus(tmp_path_factory.mktemp("hostile-site") / "handbook"))


@pytest.fixture(scope="module")
def strict_build(site_corpus: Path) -> Build:
    return mkdocs_build(site_corpus, "--strict")


@pytest.fixture(scope="module")
def plain_build(site_corpus: Path) -> Build:
    return mkdocs_build(site_corpus)


@needs_site
def test_strict_build_fails_cleanly(strict_build: Build) -> None:
    assert "Traceback" not in strict_build.output, strict_build.output[-5000:]
    assert strict_build.code == 1, strict_build.output[-5000:]
    assert "Aborted with" in strict_build.output, strict_build.output[-5000:]


@needs_site
@pytest.mark.parametrize("path", sorted(p for p, want in EXPECTED.items() if want))
def test_strict_build_reports_the_defect_at_its_line(path: str, strict_build: Build) -> None:
    for want in EXPECTED[path]:
        assert f"{path}:{want['line']}:" in strict_build.output, strict_build.output[-5000:]


def _pages(site: Path) -> Iterator[tuple[Path, str]]:
    for page in sorted(site.rglob("*.html")):
        yield page, page.read_text(encoding="utf-8", errors="replace")


@needs_site
def test_plain_build_succeeds_and_escapes_every_field(
    plain_build: Build, site_corpus: Path
) -> None:
    assert "Traceback" not in plain_build.output, plain_build.output[-5000:]
    assert plain_build.code == 0, plain_build.output[-5000:]
    escaped = 0
    unescaped: dict[str, list[str]] = {}
    for page, text in _pages(plain_build.site):
        found = injected_markup(text)
        if found:
            unescaped[page.relative_to(plain_build.site).as_posix()] = found
        escaped += text.count("&lt;script&gt;alert(")
    assert not unescaped, unescaped
    assert escaped, "no page shows the injected scripts as text"
    leaked = [
        p.relative_to(plain_build.site).as_posix()
        for p in plain_build.site.rglob("*")
        if p.is_file() and SECRET.encode() in p.read_bytes()
    ]
    assert not leaked, f"the file behind {OUTSIDE_LINK} was published in {leaked}"
    # The service named ../../etc/passwd must not have escaped the site directory.
    written = {p.resolve() for p in site_corpus.parent.rglob("passwd*")}
    assert all(plain_build.site.resolve() in p.parents for p in written), written


@needs_site
def test_templates_in_code_blocks_build_verbatim(plain_build: Build) -> None:
    page = next(
        (text for _, text in _pages(plain_build.site) if "the build must show these" in text),
        None,
    )
    assert page is not None, "the templating runbook has no page"
    code = html.unescape(re.sub(r"<[^>]+>", "", page))
    for verbatim in (
        "tag: {{ .Values.image.tag }}",
        '"Instance {{ $labels.instance }} is down"',
        "{% raw %}{{ not rendered }}{% endraw %}",
        "{% if outage %}{{ page_everyone() }}{% endif %}",
        "{# a Jinja comment #}",
        "{{ .Release.Name }}",
        '{% include "secrets.txt" %}',
    ):
        assert verbatim in code, verbatim


# --- the loader's own bounds, in process ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 50_000 + "]" * 50_000,  # crashed libyaml's recursive composer (SIGSEGV)
        "- " * 50_000 + "x",
        "".join(" " * i + "-\n" for i in range(150)),
        "a: " + "{b: " * 150 + "c" + "}" * 150,
    ],
    ids=["flow", "compact", "indented", "mappings"],
)
def test_nesting_deeper_than_the_limit_is_an_error(text: str) -> None:
    data, node, errors = yamlsafe.load(text)
    assert data is None and node is None
    assert [e.rule for e in errors] == ["yaml-too-large"]
    assert "levels deep" in errors[0].message


def test_an_unclosed_quote_is_reported_where_it_opens() -> None:
    _, _, errors = yamlsafe.load('id: PM-1\ntitle: "never closed\ndate: 2026-05-02\n', 1)
    assert [(e.rule, e.line + 2) for e in errors] == [("yaml-syntax", 3)]
    assert "never closed" in errors[0].message


def test_no_duration_from_a_time_without_offset() -> None:
    pm = Postmortem("PM-1", "t", None, "P1", [], "draft")
    pm.timeline = {
        "started": dt.datetime(2026, 5, 3, 10, 0, tzinfo=dt.UTC),
        "detected": dt.datetime(2026, 5, 3, 10, 5),
        "resolved": dt.datetime(2026, 5, 3, 11, 0, tzinfo=dt.UTC),
    }
    assert pm.duration("started", "detected") is None
    assert pm.duration("started", "resolved") == dt.timedelta(hours=1)
