"""Which nodes a diagram draws when the graph is too large to read.

Past ``max_nodes``, nodes are drawn from the outputs down, depth first and argument by
argument, so the first terms of a long sum are drawn whole rather than every term cut off at
the same depth.  What is left out is collapsed: a node with a few missing arguments gets its
missing leaves drawn and one box per missing subexpression (shared by all its drawn users); a
node with many gets one box "k more arguments" for all of them.  A note says how much was
left out.

>>> import sympy as sp, calcopt
>>> from calcopt.viz.collapse import select
>>> xs = sp.symbols("x0:50")
>>> g = calcopt.compile(sum(sp.exp(x) for x in xs))
>>> s = select(g, 12)
>>> len(s.drawn), len(s.groups[g.outputs[0]][0]), s.singles   # x13 is drawn: a leaf
(13, 44, {})
>>> s.notes[0]
'88 of 101 nodes not drawn (max_nodes=12); 1 collapsed box stands for them'

"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..graph import Graph

_FEW = 3  # up to this many missing arguments of one node are shown one by one


@dataclass
class Selection:
    drawn: list[int]                                     # graph node ids drawn, ascending
    singles: dict[int, int] = field(default_factory=dict)  # collapsed root -> hidden nodes
    groups: dict[int, tuple[tuple[int, ...], int]] = field(default_factory=dict)
    # user -> (its arguments collapsed together, hidden nodes)
    notes: list[str] = field(default_factory=list)


def select(g: Graph, max_nodes: int | None) -> Selection:
    """The nodes to draw (all when ``len(g) <= max_nodes`` or ``max_nodes`` is None)."""
    n = len(g)
    if max_nodes is None or n <= max_nodes:
        return Selection(list(range(n)))
    drawn: dict[int, None] = {}
    stack = list(reversed(dict.fromkeys(g.outputs)))
    while stack and len(drawn) < max_nodes:
        i = stack.pop()
        if i not in drawn:
            drawn[i] = None
            stack.extend(reversed(g.args(i)))
    # A few missing arguments are shown one by one (leaves drawn, subexpressions as one box
    # each); many are grouped into one box, so a long sum stays one readable box.
    missing = {u: tuple(a for a in dict.fromkeys(g.args(u)) if a not in drawn) for u in drawn}
    leaves = {a for m in missing.values() if len(m) <= _FEW for a in m
              if g.kind(a) != "operation"}
    drawn.update(dict.fromkeys(leaves))
    sel = Selection(sorted(drawn))
    for u in sel.drawn:
        m = tuple(a for a in missing.get(u, ()) if a not in drawn)
        if len(m) > _FEW:
            sel.groups[u] = (m, _hidden(g, m, drawn))
        for a in m if len(m) <= _FEW else ():
            sel.singles.setdefault(a, _hidden(g, (a,), drawn))
    boxes = len(sel.singles) + len(sel.groups)
    sel.notes.append(f"{n - len(drawn)} of {n} nodes not drawn (max_nodes={max_nodes}); "
                     f"{boxes} collapsed {'box stands' if boxes == 1 else 'boxes stand'} for them")
    return sel


def _hidden(g: Graph, roots: tuple[int, ...], drawn, cap: int = 100_000) -> int:
    """Nodes under ``roots`` (included) that are not drawn, counted up to ``cap``."""
    seen = set(roots)
    stack = list(roots)
    while stack and len(seen) < cap:
        for a in g.args(stack.pop()):
            if a not in seen and a not in drawn:
                seen.add(a)
                stack.append(a)
    return len(seen)
