"""Cost report: why reverse mode wins when there are many inputs.

Counts are *weighted operations* of the generated straight-line code, the weight of each
primitive being its ``cost`` field in the table of primitives: 1 for +, ×, max, min, abs,
sign, Heaviside (an n-ary one with k arguments counts k - 1), 4 for powers, exp, log and the
trigonometric and hyperbolic functions (as in Griewank & Walther's weighted work model; the
derivative of ``asin`` needs a square root, so unweighted counts would say a one-operation
function has a five-operation gradient).  Leaves and constants are free.  Sweeps
are measured on the derivative graphs calcopt actually builds: the primal nodes a sweep
needs are counted in it, so "one vjp sweep" is the cost of value *and* gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Sequence

from ..primitives import PRIMITIVES, SYMBOL
from ..ir.table import NodeTable


def operations(table: NodeTable) -> int:
    """Weighted operation count of a table's generated code (see the module docstring).

    >>> import sympy as sp
    >>> from calcopt.ir.compiler import compile_into
    >>> t = NodeTable()
    >>> _ = compile_into(t, [sp.exp(sp.Symbol("x")) + sp.Symbol("y")])
    >>> operations(t)      # exp: 4, one addition: 1
    5
    """
    ops, args = table.ops, table.args
    total = 0
    for i in range(len(ops)):
        if ops[i] > SYMBOL:
            prim = PRIMITIVES[ops[i]]
            total += prim.cost * (len(args[i]) - 1 if prim.arity is None else 1)
    return total


def tree_size(table: NodeTable, outputs: Sequence[int]) -> int:
    """Nodes of the same expression written as a tree (every shared node copied per use).

    >>> import sympy as sp
    >>> from calcopt.ir.compiler import compile_into
    >>> x, y = sp.symbols("x y")
    >>> t = NodeTable()
    >>> out = compile_into(t, [sp.exp(x*y) + sp.sin(x*y)])
    >>> len(t), tree_size(t, out)     # the shared x*y (3 nodes) appears twice in the tree
    (6, 9)
    """
    ops, args = table.ops, table.args
    size = [1] * len(ops)
    for i in range(len(ops)):
        if ops[i] > SYMBOL:
            size[i] = 1 + sum(size[a] for a in args[i])
    return sum(size[o] for o in outputs)


@dataclass(frozen=True)
class CostReport:
    """Operation counts (see :func:`calcopt.Graph.cost`).

    ``gradient_ratio`` is (one vjp sweep) / f: the cheap-gradient principle says it is a
    small constant whatever n is (<= 4 with smooth primitives; about 7 for an n-ary Max/Min,
    see ``docs/differentiation.md``), whereas forward mode needs n sweeps.
    """

    n: int
    f: int
    jvp_sweep: int
    vjp_sweep: int
    gradient_forward: int
    gradient_reverse: int
    hvp: int
    hessian_dense: int
    hessian_colored: int
    colors: int
    dag_nodes: int
    tree_nodes: int

    @property
    def gradient_ratio(self) -> float:
        return self.vjp_sweep / max(self.f, 1)

    def rows(self) -> list[tuple[str, int]]:
        return [
            ("f", self.f),
            ("one jvp sweep (value + directional derivative)", self.jvp_sweep),
            ("one vjp sweep (value + gradient)", self.vjp_sweep),
            (f"gradient, forward mode ({self.n} sweeps)", self.gradient_forward),
            ("gradient, reverse mode (1 sweep)", self.gradient_reverse),
            ("one Hessian-vector product", self.hvp),
            (f"dense Hessian ({self.n} HVPs)", self.hessian_dense),
            (f"coloured Hessian ({self.colors} HVPs)", self.hessian_colored),
            ("graph nodes (DAG, shared)", self.dag_nodes),
            ("expression tree nodes (no sharing)", self.tree_nodes),
        ]

    def __str__(self) -> str:
        width = max(len(name) for name, _ in self.rows())
        lines = [f"{name:<{width}}  {value:>12,}" for name, value in self.rows()]
        lines.append(f"{'gradient / f (cheap-gradient ratio)':<{width}}  {self.gradient_ratio:>12.2f}")
        return "\n".join(lines)

