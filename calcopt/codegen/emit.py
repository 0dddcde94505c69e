"""The one node emitter: a node table -> straight-line statements and the code of each node.

Every code generator of calcopt -- the programs of :mod:`calcopt.codegen.source`, the
sample-mean code of :mod:`calcopt.codegen.mean` and the fixed-step loop of
:mod:`calcopt.optim.fastloop` -- walks the live nodes in table (topological) order through
:func:`emit`, which decides, node by node, between a temporary and an inlined expression:

* a constant is a float :func:`literal`; a symbol is the code its caller gives (``leaf``);
* any other node is its primitive's code for the back end (``Primitive.math`` or
  ``Primitive.numpy``), or the caller's own code for it (``override``: the mean code's
  mat-vec of a linear form);
* a node used once is inlined into its user, up to a nesting depth of ``max_depth`` (so the
  Python compiler never meets absurdly deep expressions); any other node gets one statement
  ``t<id> = <expr>`` and is named ``t<id>`` from then on.

The callers wrap the statements (:func:`indent`, a ``def`` line, :func:`unpack` of the
inputs, a ``return`` of the outputs' code (:func:`tuple_code`), a loop).  This is also the
place where repeated structure is to be vectorised (array code for groups of isomorphic
nodes), for every caller at once.

Examples
--------
>>> import sympy as sp
>>> from calcopt.ir import compiler, table
>>> t, (x, y) = table.NodeTable(), sp.symbols("x y")
>>> out = compiler.compile_into(t, [sp.exp(x*y) + sp.sin(x*y), 2*x])  # two outputs
>>> names = {t.symbol(x): "x0", t.symbol(y): "x1"}
>>> code = emit(t, out, names.get)
>>> code.lines
['t2 = (x0*x1)']
>>> code.of(out)
['(math.exp(t2) + math.sin(t2))', '(2.0*x0)']
>>> emit(t, out, names.get, "numpy").of(out)[0]
'(np.exp(t2) + np.sin(t2))'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Collection, Optional, Sequence

from ..errors import SymbolError
from ..ir.table import NodeTable
from ..primitives import CONST, PRIMITIVES, SYMBOL

MAX_INLINE_DEPTH = 12


def literal(value) -> str:
    """A Python float literal for an exact constant (parenthesised when negative)."""
    try:
        v = float(value)
    except OverflowError:
        v = math.inf if value > 0 else -math.inf
    if math.isinf(v):
        return "float('inf')" if v > 0 else "(-float('inf'))"
    text = repr(v)
    return f"({text})" if v < 0 or text.startswith("-") else text


def tuple_code(items: Sequence[str]) -> str:
    """``"(a, b, )"``: a tuple display of the items (one item: still a tuple)."""
    return "(" + "".join(f"{c}, " for c in items) + ")"


def unpack(prefix: str, n: int, sequence: str) -> list[str]:
    """``["x0, x1, = x"]``: the statement naming the ``n`` items of a sequence (none if n = 0)."""
    return ["".join(f"{prefix}{j}, " for j in range(n)) + f"= {sequence}"] if n else []


def indent(lines: Sequence[str], levels: int = 1) -> list[str]:
    """The lines indented by ``levels`` times four spaces."""
    return ["    " * levels + line for line in lines]


def use_counts(table: NodeTable, live, roots: Sequence[int],
               opaque: Collection[int] = ()) -> list[int]:
    """Uses of each node by the live nodes, each root counting one more (a root is read by
    the caller: a shared output gets a name).  The arguments of ``opaque`` nodes (whose code
    the caller writes without them) are not counted."""
    ops, args = table.ops, table.args
    uses = [0] * len(ops)
    for i in range(len(ops)):
        if live[i] and ops[i] > SYMBOL and i not in opaque:
            for a in args[i]:
                uses[a] += 1
    for r in roots:
        uses[r] += 1
    return uses


@dataclass
class Emitted:
    """Straight-line code: ``lines`` (``t<id> = <expr>`` without indentation, in order) and
    ``code`` (per node: its name, literal or inlined expression; ``None`` when not live)."""

    lines: list[str]
    code: list[Optional[str]]

    def of(self, nodes: Sequence[int]) -> list[str]:
        """The code of ``nodes`` (valid after the statements)."""
        return [self.code[i] for i in nodes]


def emit(table: NodeTable, outputs: Sequence[int], leaf: Callable[[int], Optional[str]],
         backend: str = "math", *, live: Sequence[int] | None = None,
         uses: Sequence[int] | None = None,
         override: Callable[[int], Optional[str]] | None = None,
         max_depth: int = MAX_INLINE_DEPTH) -> Emitted:
    """Statements and code computing ``outputs`` (see the module docstring).

    ``leaf(i)``: the code of the symbol node ``i`` (``None``: an unbound symbol, a
    :class:`~calcopt.errors.SymbolError`).  ``live`` (a mask) and ``uses``: the nodes to emit
    and their use counts (default: what ``outputs`` need, and :func:`use_counts`).
    ``override(i)``: the caller's code for the node ``i`` or ``None`` (the primitive's code);
    overridden code has depth 1.  ``leaf`` and ``override`` are called in table order, once
    per live node.
    """
    ops, args = table.ops, table.args
    if live is None:
        live = table.reachable(outputs)
    if uses is None:
        uses = use_counts(table, live, outputs)
    emitters = [getattr(p, backend) for p in PRIMITIVES]  # Primitive.math or Primitive.numpy
    lines: list[str] = []
    code: list[Optional[str]] = [None] * len(ops)
    depth = [0] * len(ops)
    for i in range(len(ops)):
        if not live[i]:
            continue
        op = ops[i]
        if op == CONST:
            code[i] = literal(args[i])
            continue
        if op == SYMBOL:
            code[i] = leaf(i)
            if code[i] is None:
                raise SymbolError(f"symbol {args[i]} is neither a variable nor a parameter")
            continue
        expr = override(i) if override is not None else None
        if expr is not None:
            d = 1
        else:
            node_args = args[i]
            consts = [args[a] if ops[a] == CONST else None for a in node_args]
            expr = emitters[op]([code[a] for a in node_args], consts)
            d = 1 + max(depth[a] for a in node_args)
        if uses[i] == 1 and d <= max_depth:
            code[i], depth[i] = expr, d
        else:
            lines.append(f"t{i} = {expr}")
            code[i] = f"t{i}"
    return Emitted(lines, code)
