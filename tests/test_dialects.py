"""Markdown of other hosts: lists nest, shortcodes and TOC tokens change outside code only."""

from __future__ import annotations

import markdown

from opsbook import dialects
from opsbook.dialects import hugo_ref_links

EXTENSIONS = ["pymdownx.superfences", "attr_list", "md_in_html", "tables"]


def html(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


def test_two_space_nested_lists_nest_after_conversion() -> None:
    text = "- Check:\n  - pod priority\n  - resources\n    - GPU\n- Done\n"
    assert "<ul>" not in html(text).split("<li>Check:", 1)[1].split("</li>", 1)[0]  # flattened
    new, count = dialects.nest_lists(text)
    assert count == 3
    assert new == "- Check:\n    - pod priority\n    - resources\n        - GPU\n- Done\n"
    rendered = html(new)
    assert rendered.count("<ul>") == 3


def test_four_space_lists_and_prose_are_left_alone() -> None:
    text = (
        "1. one\n    - child\n        - grandchild\n\n* x\n\n    para in item\n\n"
        "Para\n  indented continuation\n\n    code block\n"
    )
    assert dialects.nest_lists(text) == (text, 0)


def test_lines_of_a_nested_item_move_with_it() -> None:
    text = "- step\n  - sub\n    ```sh\n    kubectl get pods\n    ```\n  - sub2\n    continued\n"
    new, _count = dialects.nest_lists(text)
    assert new == (
        "- step\n    - sub\n      ```sh\n      kubectl get pods\n      ```\n"
        "    - sub2\n      continued\n"
    )
    rendered = html(new)
    assert "kubectl" in rendered.split("<li>sub", 1)[1].split("<li>sub2", 1)[0]


def test_lists_in_fenced_code_are_not_reindented() -> None:
    text = "```yaml\n- a\n  - b\n```\n"
    assert dialects.nest_lists(text) == (text, 0)


def test_hugo_refs_are_rewritten_outside_code_only() -> None:
    text = (
        'See [x]({{< ref "./X.md" >}}).\n\n'
        '```\n{{< ref "y.md" >}}\n```\n\n'
        'Inline `{{< ref "z.md" >}}` stays; [abs]({{< ref "/docs/a.md" >}}) too.\n'
    )
    new, count = dialects.convert_hugo_links(text)
    assert count == 1
    assert new == text.replace('{{< ref "./X.md" >}}', "./X.md")
    # The site resolves them at render time through the same function.
    assert hugo_ref_links(text) == new


def test_toc_markers_are_removed_outside_code() -> None:
    text = "[TOC]\n\n# Title\n\n{{< toc >}}\n[[_TOC_]]\n\n```\n[TOC]\n```\n\nText [TOC] inline.\n"
    new, count = dialects.strip_toc_markers(text)
    assert count == 3
    assert new == "\n# Title\n\n\n```\n[TOC]\n```\n\nText [TOC] inline.\n"
