"""/decision-trees/ and one page per tree: the tree drawn as HTML, and a step-through.

The drawing is a nested list (a question's answers contain the next steps), so it reads well
with no JavaScript and on paper. Each node carries the id `step-<node>`: a shared link
`.../#step-<node>` opens that step, in the list without JavaScript and in the step-through
with it (opsbook/assets/decision-tree.js builds the step-through from the JSON in the page).
A node reached by several answers is drawn once; the other answers point to it.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from opsbook.model import DecisionTree, Node
from opsbook.pages.common import (
    DASH,
    TREES,
    Context,
    admonition,
    blocks,
    esc,
    heading,
    json_script,
    plural,
    table,
)

TITLE = "Decision trees"

# Beyond this depth, nodes are linked instead of nested (a pathological policy must not
# exhaust Python's recursion limit or produce an unreadable drawing).
MAX_DEPTH = 60


def _node_data(ctx: Context, tree: DecisionTree, node: Node, from_uri: str) -> dict[str, Any]:
    anchors = ctx.tree_anchors(tree)
    data: dict[str, Any] = {
        "anchor": anchors[node.id],
        "question": node.question,
        "description": node.description,
        "outcome": node.outcome if not node.answers else "",
        "answers": [
            {"label": a.label, "next": a.next if a.next in tree.nodes else ""} for a in node.answers
        ],
    }
    if node.runbook:
        rb = ctx.runbooks_by_id.get(node.runbook)
        data["runbook"] = {
            "id": node.runbook,
            "title": rb.title if rb else "",
            # Not HTML-escaped: the script sets it as a property, and json_script guards '<'.
            "href": ctx.url(from_uri, rb.rel) if rb else "",
        }
    if node.severity:
        sev = ctx.handbook.policy.severity(node.severity)
        data["severity"] = {
            "id": node.severity,
            "name": sev.name if sev else "",
            "rank": min(ctx.handbook.policy.rank(node.severity), 4) if sev else -1,
        }
    return data


def tree_data(ctx: Context, tree: DecisionTree, from_uri: str) -> dict[str, Any]:
    """What the step-through script needs, as JSON-ready data."""
    anchors = ctx.tree_anchors(tree)
    return {
        "id": tree.id,
        "title": tree.title,
        "start": tree.start if tree.start in tree.nodes else "",
        "startAnchor": anchors.get(tree.start, ""),
        "nodes": {nid: _node_data(ctx, tree, n, from_uri) for nid, n in tree.nodes.items()},
    }


def _outcome_html(ctx: Context, node: Node, from_uri: str) -> str:
    parts = [f'<span class="ob-node__outcome">{esc(node.outcome)}</span>']
    extras = []
    if node.severity:
        extras.append(ctx.severity_badge(node.severity, from_uri))
    if node.runbook:
        extras.append(ctx.runbook_ref(node.runbook, from_uri))
    if extras:
        parts.append('<span class="ob-node__then">' + " ".join(extras) + "</span>")
    return "".join(parts)


def _label(node: Node) -> str:
    return node.question or node.outcome or node.id


def _placement(tree: DecisionTree) -> set[tuple[str, int]]:
    """The answers under which each node is drawn: the first that reaches it breadth-first.

    A node reached from several questions is drawn at its shallowest place; the other
    answers link to it.
    """
    owners: set[tuple[str, int]] = set()
    if tree.start not in tree.nodes:
        return owners
    seen = {tree.start}
    queue = deque([tree.start])
    while queue:
        node_id = queue.popleft()
        for i, answer in enumerate(tree.nodes[node_id].answers):
            if answer.next in tree.nodes and answer.next not in seen:
                seen.add(answer.next)
                owners.add((node_id, i))
                queue.append(answer.next)
    return owners


class _Drawer:
    """Writes one tree as nested lists, each node once, at its shallowest place."""

    def __init__(
        self, ctx: Context, tree: DecisionTree, from_uri: str, *, own_page: bool = True
    ) -> None:
        self.ctx = ctx
        self.tree = tree
        self.from_uri = from_uri
        self.anchors = ctx.tree_anchors(tree)
        # Off its own page (the incident page draws every tree for paper), a node has no id
        # (two trees' step ids may clash) and its links go to the step on the tree's page.
        self.own_page = own_page
        self.tree_uri = ctx.tree_uri(tree)
        self.owners = _placement(tree)
        self.drawn: set[str] = set()
        self.out: list[str] = []

    def link(self, node_id: str) -> str:
        if self.own_page:
            return f"#{esc(self.anchors[node_id])}"
        return self.ctx.href(self.from_uri, self.tree_uri, self.anchors[node_id])

    def node(self, node_id: str, depth: int) -> None:
        node = self.tree.nodes[node_id]
        self.drawn.add(node_id)
        anchor = f' id="{esc(self.anchors[node_id])}"' if self.own_page else ""
        kind = "outcome" if node.is_outcome else "question"
        self.out.append(f'<li class="ob-node ob-node--{kind}"{anchor} data-node="{esc(node_id)}">')
        self.out.append('<div class="ob-node__box">')
        if node.is_outcome:
            self.out.append(_outcome_html(self.ctx, node, self.from_uri))
        else:
            text = esc(node.question) or f"<em>{esc(node_id)}</em>"
            self.out.append(f'<a class="ob-node__q" href="{self.link(node_id)}">{text}</a>')
            if node.description:
                self.out.append(f'<span class="ob-node__desc">{esc(node.description)}</span>')
            if node.outcome:
                self.out.append(_outcome_html(self.ctx, node, self.from_uri))
            if not node.answers:
                self.out.append('<span class="ob-unknown">This step has no answers.</span>')
        self.out.append("</div>")
        if node.answers:
            self.out.append('<ul class="ob-answers">')
            for i, answer in enumerate(node.answers):
                owner = (node_id, i) in self.owners
                self.answer(answer.label, answer.next, depth, owner)
            self.out.append("</ul>")
        self.out.append("</li>")

    def answer(self, label: str, next_id: str, depth: int, owner: bool) -> None:
        self.out.append(f'<li class="ob-answer"><span class="ob-answer__label">{esc(label)}</span>')
        if next_id not in self.tree.nodes:
            self.out.append(
                f' <span class="ob-unknown">leads to an unknown step “{esc(next_id)}”</span></li>'
            )
            return
        if not owner or next_id in self.drawn or depth >= MAX_DEPTH:
            target = self.tree.nodes[next_id]
            self.out.append(
                f' <a class="ob-goto" href="{self.link(next_id)}">'
                f"go to: {esc(_label(target))}</a></li>"
            )
            return
        self.out.append('<ul class="ob-steps">')
        self.node(next_id, depth + 1)
        self.out.append("</ul></li>")


def tree_list(ctx: Context, tree: DecisionTree, from_uri: str, *, own_page: bool = True) -> str:
    """The tree as a nested list (one line per tag, no blank line: one raw HTML block)."""
    drawer = _Drawer(ctx, tree, from_uri, own_page=own_page)
    drawer.out.append('<ul class="ob-tree-list">')
    if tree.start in tree.nodes:
        drawer.node(tree.start, 0)
    drawer.out.append("</ul>")
    unreachable = [nid for nid in tree.nodes if nid not in drawer.drawn]
    if unreachable:
        drawer.out.append('<p class="ob-unknown">Not reachable from the start:</p>')
        drawer.out.append('<ul class="ob-tree-list ob-tree-list--orphans">')
        for nid in unreachable:
            if nid not in drawer.drawn:
                drawer.node(nid, 0)
        drawer.out.append("</ul>")
    return "\n".join(drawer.out)


def widget(ctx: Context, tree: DecisionTree, from_uri: str) -> str:
    """The interactive tree: data for the script, the step-through slot, and the drawing."""
    data = json_script(tree_data(ctx, tree, from_uri))
    return "\n".join(
        [
            f'<div class="ob-tree" data-ob-tree="{esc(tree.id)}">',
            f'<script type="application/json" class="ob-tree-data">{data}</script>',
            '<div class="ob-stepper" hidden aria-live="polite"></div>',
            '<p class="ob-tree__caption">The whole tree: each answer leads to the step below '
            "it. Follow it from the top, or link to any step.</p>",
            tree_list(ctx, tree, from_uri),
            "</div>",
        ]
    )


def outcomes(ctx: Context, tree: DecisionTree, from_uri: str) -> str:
    """Where the tree can end: each outcome with its severity and runbook."""
    anchors = ctx.tree_anchors(tree)
    ends = [node for node in tree.nodes.values() if node.outcome]
    with_severity = any(node.severity for node in ends)
    rows = []
    for node in ends:
        cells = [f'<td><a href="#{esc(anchors[node.id])}">{esc(node.outcome)}</a></td>']
        if with_severity:
            badge = ctx.severity_badge(node.severity, from_uri) if node.severity else DASH
            cells.append(f"<td>{badge}</td>")
        runbook = ctx.runbook_ref(node.runbook, from_uri) if node.runbook else DASH
        cells.append(f"<td>{runbook}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        return ""
    headers = ["Outcome", "Severity", "Runbook"] if with_severity else ["Outcome", "Runbook"]
    return table(headers, rows, cls="ob-outcomes")


def render_tree(ctx: Context, tree: DecisionTree) -> str:
    """One tree's page."""
    uri = ctx.tree_uri(tree)
    lead = (
        '<p class="ob-lead">Answer one question at a time. Every step has its own link: '
        "copy it into the incident channel so others land on the same step.</p>"
    )
    problems = ""
    if tree.start not in tree.nodes:
        problems = admonition(
            "failure",
            "This tree cannot be followed",
            f"<p>Its start “{esc(tree.start)}” is not one of its steps: fix "
            "<code>start</code> in policy.yml (run <code>opsbook lint</code>).</p>",
        )
    out = outcomes(ctx, tree, uri)
    return blocks(
        heading(1, tree.title or tree.id or "Decision tree"),
        lead,
        problems,
        widget(ctx, tree, uri),
        "## Where it ends" if out else "",
        out,
    )


def starts(ctx: Context, from_uri: str) -> str:
    """Each tree's first question with its answers as buttons into the tree (incident page)."""
    cards = []
    for tree in ctx.handbook.policy.decision_trees:
        uri = ctx.tree_uri(tree)
        anchors = ctx.tree_anchors(tree)
        start = tree.nodes.get(tree.start)
        buttons = []
        if start is not None:
            for answer in start.answers:
                if answer.next in tree.nodes:
                    href = ctx.href(from_uri, uri, anchors[answer.next])
                    buttons.append(f'<a class="md-button" href="{href}">{esc(answer.label)}</a>')
        question = esc(_label(start)) if start else ""
        cards.append(
            '<div class="ob-start">'
            f'<p class="ob-start__title"><a href="{ctx.href(from_uri, uri)}">'
            f"{esc(tree.title or tree.id)}</a></p>"
            + (f'<p class="ob-start__q">{question}</p>' if question else "")
            + (f'<p class="ob-start__answers">{" ".join(buttons)}</p>' if buttons else "")
            + "</div>"
        )
    if not cards:
        return '<p class="ob-empty">policy.yml defines no decision trees.</p>'
    return '<div class="ob-starts">\n' + "\n".join(cards) + "\n</div>"


def printed(ctx: Context, from_uri: str) -> str:
    """Every tree drawn whole, for paper only (hidden on screen by opsbook.css).

    On screen the incident page shows each tree's first question and links into it; printed,
    that was the first question alone, with no way to the answer. The drawings grow with
    policy.yml, not with the number of documents. A listing: search finds the tree pages.
    """
    parts = []
    for tree in ctx.handbook.policy.decision_trees:
        parts.append(
            '<div class="ob-print-tree">'
            f'<p class="ob-start__title">{esc(tree.title or tree.id)}</p>\n'
            f"{tree_list(ctx, tree, from_uri, own_page=False)}\n</div>"
        )
    if not parts:
        return ""
    title = '<p class="ob-print-title">Decision trees, every step</p>'
    return f'<div class="ob-print-only ob-print-trees">\n{title}\n' + "\n".join(parts) + "\n</div>"


def render_index(ctx: Context) -> str:
    """The /decision-trees/ page."""
    rows = []
    for tree in ctx.handbook.policy.decision_trees:
        uri = ctx.tree_uri(tree)
        questions = sum(1 for n in tree.nodes.values() if n.answers)
        ends = sum(1 for n in tree.nodes.values() if n.is_outcome)
        start = tree.nodes.get(tree.start)
        runbooks = dict.fromkeys(n.runbook for n in tree.nodes.values() if n.runbook)
        rows.append(
            "<tr>"
            f'<td><a href="{ctx.href(TREES, uri)}">{esc(tree.title or tree.id)}</a></td>'
            f"<td>{esc(_label(start)) if start else DASH}</td>"
            f"<td>{plural(questions, 'question')}, {plural(ends, 'outcome')}</td>"
            f"<td>{', '.join(ctx.runbook_ref(r, TREES) for r in runbooks) or DASH}</td>"
            "</tr>"
        )
    body = (
        table(["Tree", "First question", "Size", "Runbooks it leads to"], rows, cls="ob-trees")
        if rows
        else '<p class="ob-empty">policy.yml defines no decision trees.</p>'
    )
    return blocks(
        f"# {TITLE}",
        '<p class="ob-lead">Questions with yes/no answers that end in what to do. '
        "Defined in <code>decision_trees</code> of policy.yml.</p>",
        starts(ctx, TREES),
        "## All trees",
        body,
    )
