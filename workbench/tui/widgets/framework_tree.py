"""Both frameworks as one tree: framework → groups → requirements, coloured by state.

Children are added when a node is first expanded, so a 5,000-requirement catalog costs
nothing at start-up.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from workbench.core.readiness import Readiness
from workbench.presentation import STATE_STYLES

NodeRef = tuple[str, str | None]  # (framework id, node id or None for the framework)


class FrameworkTree(Tree[NodeRef]):
    DEFAULT_CSS = """
    FrameworkTree { background: $surface; }
    """

    def __init__(self, readiness: Readiness, *, id: str | None = None) -> None:
        super().__init__("Frameworks", id=id)
        self.readiness = readiness
        self.show_root = False
        self.guide_depth = 2
        self._filled: set[NodeRef] = set()
        self._by_ref: dict[NodeRef, TreeNode[NodeRef]] = {}

    def on_mount(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        self.clear()
        self._filled.clear()
        self._by_ref.clear()
        for fw_id in self.readiness.catalog.frameworks:
            node = self.root.add(self._label((fw_id, None)), data=(fw_id, None), expand=False)
            self._by_ref[(fw_id, None)] = node
            self._fill(node)
            node.expand()

    def _fill(self, node: TreeNode[NodeRef]) -> None:
        ref = node.data
        if ref is None or ref in self._filled:
            return
        self._filled.add(ref)
        fw_id, node_id = ref
        fw = self.readiness.catalog.frameworks[fw_id]
        children = fw.roots if node_id is None else fw.nodes[node_id].children
        for child_id in children:
            child = fw.nodes[child_id]
            cref = (fw_id, child_id)
            if child.is_group:
                tnode = node.add(self._label(cref), data=cref)
            else:
                tnode = node.add_leaf(self._label(cref), data=cref)
            self._by_ref[cref] = tnode

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        self._fill(event.node)

    def _label(self, ref: NodeRef) -> Text:
        fw_id, node_id = ref
        r = self.readiness
        fw = r.catalog.frameworks[fw_id]
        if node_id is None:
            f = r.figures(fw_id)
            return Text.assemble((fw.name, "bold"), (f"  {f.readiness_pct:.0f}%", "dim"))
        node = fw.nodes[node_id]
        if node.is_group:
            # A group by its name (its ID often only repeats it), the percentage first so a
            # long name cut at the pane's edge never hides it.
            f = r.figures(fw_id, node_id)
            if not f.in_scope:
                return Text.assemble(("out  ", "dim"), (node.title or node.id, "dim strike"))
            return Text.assemble(
                (f"{f.readiness_pct:3.0f}% ", "dim"), (node.title or node.id, "bold")
            )
        state = r.state(fw_id, node_id)
        return Text.assemble(
            ("● ", STATE_STYLES.get(state, "")), (node.id, "bold"), f" {node.title}"
        )

    def refresh_labels(self) -> None:
        """Statuses moved: recolour every node created so far."""
        for ref, tnode in self._by_ref.items():
            label = self._label(ref)
            if label != tnode.label:
                tnode.set_label(label)

    def reveal(self, framework_id: str, node_id: str) -> None:
        """Expand the path to a node and move the cursor onto it."""
        fw = self.readiness.catalog.frameworks[framework_id]
        path = [a.id for a in reversed(fw.ancestors(node_id))]
        current = self._by_ref[(framework_id, None)]
        current.expand()
        self._fill(current)
        for group_id in path:
            current = self._by_ref[(framework_id, group_id)]
            self._fill(current)
            current.expand()
        target = self._by_ref.get((framework_id, node_id))
        if target is not None:
            # Line numbers of newly expanded nodes exist only after the next refresh.
            def move() -> None:
                self.move_cursor(target)
                self.scroll_to_node(target, animate=False)

            self.call_after_refresh(move)
