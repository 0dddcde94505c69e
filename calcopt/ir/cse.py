"""Common subexpressions read off the node table, for printing big derivatives compactly.

A SymPy expression is a tree, so a subexpression that a graph shares (one node, many users)
is printed once per use: the exact gradient of a dense log-sum-exp repeats the whole sum
``exp(x0) + ... + exp(xn)`` in every component.  The graph already knows what is shared, so
:func:`table_cse` names each shared node once instead of searching a blown-up tree for
repeats the way ``sympy.cse`` does.  ``Graph.to_sympy(cse=True)`` calls it.

>>> import sympy as sp
>>> from calcopt.ir.table import NodeTable, Builder
>>> t = NodeTable()
>>> b = Builder(t)
>>> x, y = b.symbol(sp.Symbol("x")), b.symbol(sp.Symbol("y"))
>>> s = b.call("exp", b.add(x, y))                 # exp(x + y), used twice below
>>> table_cse(t, [b.add(s, b.mul(x, s))])
([(w0, exp(x + y))], [w0*x + w0])
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import sympy as sp

from ..primitives import CONST, PRIMITIVES, SYMBOL
from .table import NodeTable


def use_counts(table: NodeTable, roots: Sequence[int]) -> list[int]:
    """How often each node is used: once per argument position of a user it is reachable
    from, plus once per occurrence among ``roots`` (an output that is also an argument
    counts twice).

    >>> import sympy as sp
    >>> t = NodeTable(); x = t.symbol(sp.Symbol("x"))
    >>> use_counts(t, [t.op(2, (x, x))])           # x*x written unevaluated: x used twice
    [2, 1]
    """
    mark = table.reachable(roots)
    uses = [0] * len(table)
    for r in roots:
        uses[r] += 1
    ops, args = table.ops, table.args
    for i, m in enumerate(mark):
        if m and ops[i] > SYMBOL:
            for a in args[i]:
                uses[a] += 1
    return uses


def _trivial(e: sp.Expr) -> bool:
    """Not worth a name: a leaf, or a number times a leaf (``-x``, ``2*y``)."""
    if e.is_Atom:
        return True
    return e.is_Mul and len(e.args) == 2 and e.args[0].is_Number and e.args[1].is_Atom


def _names(prefix: str, taken: set[str]) -> Iterator[sp.Symbol]:
    k = 0
    while True:
        name = f"{prefix}{k}"
        k += 1
        if name not in taken:
            yield sp.Symbol(name)


def table_cse(table: NodeTable, roots: Sequence[int], prefix: str = "w",
              ) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """``(replacements, reduced)`` in the form of ``sympy.cse``: the expressions of ``roots``
    with every shared node (used at least twice, not a leaf or a number times a leaf) replaced
    by a new symbol ``w0, w1, ...`` (names of the expression's own symbols are skipped).

    Replacements come in dependency order, so substituting them back in reverse order gives
    the exact expressions (the ones :func:`calcopt.ir.table.to_sympy` builds).  O(graph size):
    each node's expression is built once, from its arguments' names.
    """
    uses = use_counts(table, roots)
    ops, args = table.ops, table.args
    mark = table.reachable(roots)
    placeholder = iter(sp.Dummy(f"w{k}") for k in range(len(table) + 1))
    expr: dict[int, sp.Expr] = {}
    replacements: list[tuple[sp.Symbol, sp.Expr]] = []
    for i, m in enumerate(mark):
        if not m:
            continue
        op = ops[i]
        if op == CONST or op == SYMBOL:
            expr[i] = args[i]
            continue
        e = PRIMITIVES[op].to_sympy(*[expr[a] for a in args[i]])
        if uses[i] > 1 and not _trivial(e):
            name = next(placeholder)
            replacements.append((name, e))
            e = name
        expr[i] = e
    reduced = [expr[r] for r in roots]
    return _tidy(replacements, reduced, prefix)


def _tidy(replacements: list[tuple[sp.Symbol, sp.Expr]], reduced: list[sp.Expr], prefix: str):
    """Drop names SymPy's evaluation left unused, inline names used once, rename in order."""
    count: dict[sp.Symbol, int] = {name: 0 for name, _ in replacements}

    def tally(e: sp.Expr) -> None:
        for node in sp.preorder_traversal(e):
            if node in count:
                count[node] += 1

    for e in reduced:
        tally(e)
    for name, e in reversed(replacements):   # a user comes after what it uses
        if count[name]:
            tally(e)
    own = set().union(*(e.free_symbols for e in reduced), *(e.free_symbols for _, e in replacements))
    fresh = _names(prefix, {s.name for s in own if not isinstance(s, sp.Dummy)})
    sub: dict[sp.Symbol, sp.Expr] = {}
    out = []
    for name, e in replacements:
        if count[name] == 0:
            continue
        e = e.xreplace(sub)
        if count[name] == 1:
            sub[name] = e
        else:
            sub[name] = next(fresh)
            out.append((sub[name], e))
    return out, [e.xreplace(sub) for e in reduced]


def expand_cse(replacements: Iterable[tuple[sp.Symbol, sp.Expr]], reduced: Sequence):
    """Substitute the replacements back (last first): the expressions without names.

    >>> w0, x = sp.symbols("w0 x")
    >>> expand_cse([(w0, sp.exp(x))], [w0**2 + w0])
    [exp(2*x) + exp(x)]
    """
    pairs = list(replacements)
    out = []
    for e in reduced:
        for name, value in reversed(pairs):
            e = e.xreplace({name: value})
        out.append(e)
    return out


__all__ = ["expand_cse", "table_cse", "use_counts"]
