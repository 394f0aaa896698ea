"""A referral tree: whom a customer brought, and whom those people brought."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Tree

from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from textual.widgets.tree import TreeNode as UiNode

    from crmtui.services.referrals.dto import TreeNode

STATUS_STYLE = {"pending": "yellow", "qualified": "green", "rewarded": "bold green"}


def label_of(node: TreeNode) -> Text:
    """`Bob Lee  rewarded · brought 2`: the name as typed (never markup), then the facts."""
    label = plain(node.person.name, limit=50)
    # Gaps go in unstyled segments of their own: a styled segment keeps its text together.
    if node.person.archived:
        label.append("  ")
        label.append("archived", style="dim")
    if node.status:
        label.append("  ")
        label.append(node.status, style=STATUS_STYLE.get(node.status, ""))
    brought = len(node.children) + node.more
    if brought:
        label.append(" · ")
        label.append(f"brought {brought}", style="dim")
    return label


class ReferralTree(Tree[int]):
    """Each node's data is the contact id, so Enter can open that customer."""

    DEFAULT_CSS = "ReferralTree { height: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Choose a customer to see whom they brought."), id=id)
        self.guide_depth = 3

    def show_tree(self, root: TreeNode) -> None:
        self.clear()
        self.root.set_label(label_of(root))
        self.root.data = root.person.id
        self._grow(self.root, root)
        self.root.expand_all()
        if not root.children:
            self.root.add_leaf(Text("has not brought anyone yet", style="dim"))

    def _grow(self, into: UiNode[int], node: TreeNode) -> None:
        for child in node.children:
            branch = into.add(label_of(child), data=child.person.id)
            if child.children or child.more:
                self._grow(branch, child)
            else:
                branch.allow_expand = False
        if node.more:
            into.add_leaf(Text(f"… and {node.more} more", style="dim"))


def tree_lines(node: TreeNode, depth: int = 0) -> list[str]:
    """The tree as indented plain lines (for tests and for copying)."""
    lines = ["  " * depth + node.person.name + (f" ({node.status})" if node.status else "")]
    for child in node.children:
        lines.extend(tree_lines(child, depth + 1))
    return lines
