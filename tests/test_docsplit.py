"""The frontmatter splitter: fences, `...`, trailing whitespace, CRLF lines, unterminated.

The differential properties hold it to the fence search each caller had written out before
(load, the site's broken-document body, adopt, new's id scan), on text made of the
characters fences are made of.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from opsbook import docsplit
from opsbook.docsplit import Split


def test_a_document_splits_into_frontmatter_and_body() -> None:
    text = "---\nid: RB-0001\ntitle: T\n---\n# Body\n\ntext\n"
    assert docsplit.split(text) == Split("id: RB-0001\ntitle: T", "# Body\n\ntext\n", 5)


def test_the_yaml_end_marker_closes_too() -> None:
    assert docsplit.split("---\na: 1\n...\nbody") == Split("a: 1", "body", 4)


def test_fences_may_carry_trailing_whitespace_but_nothing_before() -> None:
    assert docsplit.split("--- \t\na: 1\n---  \nbody") == Split("a: 1", "body", 4)
    assert docsplit.split(" ---\na: 1\n---\n") is None
    assert docsplit.split("----\na: 1\n---\n") is None
    # A line of four dashes, or an indented one, is YAML text, not the end.
    assert docsplit.split("---\na: |\n  ---\n----\n---\nb") == Split("a: |\n  ---\n----", "b", 6)


def test_an_empty_frontmatter_and_an_empty_body() -> None:
    assert docsplit.split("---\n---\n") == Split("", "", 3)
    assert docsplit.split("---\n---") == Split("", "", 3)


def test_the_first_closing_line_ends_it() -> None:
    assert docsplit.split("---\na: 1\n---\nb\n---\nc") == Split("a: 1", "b\n---\nc", 4)


def test_unterminated_keeps_every_line_after_the_opening_one() -> None:
    assert docsplit.split("---\na: 1\nb: 2\n") == Split("a: 1\nb: 2\n", "", 0, closed=False)
    assert docsplit.split("---") == Split("", "", 0, closed=False)


def test_no_frontmatter() -> None:
    assert docsplit.split("") is None
    assert docsplit.split("# Title\n---\n") is None


def test_a_byte_order_mark_is_the_callers_to_remove() -> None:
    # load removes one, the site and `new` every one: the splitter sees text as given.
    assert docsplit.split("\ufeff---\na: 1\n---\n") is None
    assert docsplit.split("\ufeff---\na: 1\n---\n".removeprefix("\ufeff")) == Split("a: 1", "", 4)


def test_crlf_lines_kept_for_writing_back_still_match() -> None:
    # adopt splits with keepends=True to write the file back as it was: "\r\n" is whitespace.
    lines = "---\r\na: 1\r\n...\r\nbody\r\n".splitlines(keepends=True)
    assert docsplit.opens(lines)
    assert docsplit.closing(lines) == 2
    assert not docsplit.opens([])
    assert docsplit.closing(["---"]) is None


# --- properties ------------------------------------------------------------------------------

# Text made of what fences are made of, so that near-fences are common.
texts = st.text(alphabet="-.\n\r \tab:\ufeff", max_size=40)
fence_free_line = st.text(alphabet="-. \tab:", max_size=6).filter(
    lambda line: line.rstrip() not in docsplit.CLOSE
)
trailing = st.text(alphabet=" \t", max_size=2)


@given(
    yaml=st.lists(fence_free_line, max_size=5),
    body=st.text(max_size=30),
    close=st.sampled_from(docsplit.CLOSE),
    after_open=trailing,
    after_close=trailing,
)
def test_split_gives_back_what_a_document_was_made_of(
    yaml: list[str], body: str, close: str, after_open: str, after_close: str
) -> None:
    text = "\n".join(["---" + after_open, *yaml, close + after_close]) + "\n" + body
    split = docsplit.split(text)
    assert split == Split("\n".join(yaml), body, len(yaml) + 3)
    assert "\n".join(text.split("\n")[split.body_line - 1 :]) == body


@given(yaml=st.lists(fence_free_line, max_size=5))
def test_never_closed_is_unterminated(yaml: list[str]) -> None:
    split = docsplit.split("\n".join(["---", *yaml]))
    assert split == Split("\n".join(yaml), "", 0, closed=False)


def _old_load(text: str) -> tuple[str, str, int] | str:
    # load.read_source before the splitter (its text: one BOM removed, CRLF and CR normalised).
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return "no-frontmatter"
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return "unterminated"
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2


def _new_load(text: str) -> tuple[str, str, int] | str:
    split = docsplit.split(text)
    if split is None:
        return "no-frontmatter"
    if not split.closed:
        return "unterminated"
    return split.yaml, split.body, split.body_line


def _normalised(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


@given(texts)
def test_load_reads_documents_as_it_did(text: str) -> None:
    assert _new_load(_normalised(text)) == _old_load(_normalised(text))


def _old_broken_body(text: str) -> str:
    # site._broken_body before the splitter, after its own normalisation.
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is not None:
            return "\n".join(lines[end + 1 :])
        return "unterminated"
    return text


def _new_broken_body(text: str) -> str:
    split = docsplit.split(text)
    if split is None:
        return text
    return split.body if split.closed else "unterminated"


@given(texts)
def test_the_site_shows_broken_documents_as_it_did(text: str) -> None:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    assert _new_broken_body(text) == _old_broken_body(text)


@given(texts)
def test_adopt_finds_the_fences_as_it_did(text: str) -> None:
    # adopt keeps line ends (splitlines(keepends=True)), so CR, CRLF and other breaks count.
    lines = text.splitlines(keepends=True)
    assert docsplit.opens(lines) == (bool(lines) and lines[0].rstrip() == "---")
    old_end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    assert docsplit.closing(lines) == old_end


@given(texts)
def test_new_scans_the_frontmatter_lines_it_did(text: str) -> None:
    lines = text.lstrip("\ufeff").splitlines()
    old: list[str] = []
    if lines and lines[0].rstrip() == "---":
        for line in lines[1:]:
            if line.rstrip() in ("---", "..."):
                break
            old.append(line)
    new = lines[1 : docsplit.closing(lines)] if docsplit.opens(lines) else []
    assert new == old
