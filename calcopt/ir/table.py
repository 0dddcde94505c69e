"""The compact node table every transform and the code generator work on.

A :class:`NodeTable` is a hash-consed, append-only list of nodes in topological order
(every argument id is smaller than the id of its user).  Node ``i`` is

* ``ops[i]``: an op code, an index into :data:`calcopt.primitives.PRIMITIVES`
  (``CONST`` = 0 and ``SYMBOL`` = 1 are the leaves);
* ``args[i]``: for an operation, the tuple of argument ids (order and multiplicity kept:
  ``x*x`` written unevaluated has args ``(x, x)``); for a constant, its exact SymPy number;
  for a symbol, the SymPy ``Symbol``.

Two plain lists and one dict: about 210 bytes a node, against about 1.6 KB for a networkx
node (see ``benchmarks/bench_graph.py``).

:class:`Builder` adds nodes with exact, local simplifications (``x + 0 -> x``,
``1*x -> x``, ``0*x -> 0``, constant folding in exact arithmetic).  The compiler uses
:meth:`NodeTable.op` directly instead, so a compiled graph is exactly the input expression.

Examples
--------
>>> import sympy as sp
>>> from calcopt.ir.table import NodeTable, Builder
>>> t = NodeTable()
>>> b = Builder(t)
>>> x = b.symbol(sp.Symbol("x"))
>>> y = b.mul(b.const(sp.Integer(2)), x, b.const(sp.Rational(1, 2)))   # 2*x*(1/2) -> x
>>> y == x
True
>>> b.add(x, b.const(sp.S.Zero)) == x
True
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import sympy as sp

from ..primitives import CODE, CONST, LINEAR_FORM_MIN_TERMS, PRIMITIVES, SYMBOL

_ADD = CODE["add"]
_LINEAR_FORM = CODE["linear_form"]
_MUL = CODE["mul"]
_POW = CODE["pow"]


def node_key(op: int, payload) -> tuple:
    """The hash-consing key of a node.

    The type is part of a constant's key: ``Integer(2)`` and ``Float(2.0)`` compare unequal in
    SymPy but hash alike, and must stay different constants.
    """
    if op == CONST:
        return (CONST, type(payload), payload)
    return (op, payload)


class NodeTable:
    """Hash-consed, topologically ordered node storage (see the module docstring)."""

    __slots__ = ("ops", "args", "index")

    def __init__(self) -> None:
        self.ops: list[int] = []
        self.args: list = []
        self.index: dict = {}

    def __len__(self) -> int:
        return len(self.ops)

    def copy(self) -> "NodeTable":
        new = NodeTable()
        new.ops = self.ops.copy()
        new.args = self.args.copy()
        new.index = self.index.copy()
        return new

    # --- adding nodes (hash-consed: an existing node is returned, never duplicated) ---------

    def _add(self, key, op: int, payload) -> int:
        node = self.index.get(key)
        if node is None:
            node = len(self.ops)
            self.ops.append(op)
            self.args.append(payload)
            self.index[key] = node
        return node

    def const(self, value: sp.Expr) -> int:
        return self._add(node_key(CONST, value), CONST, value)

    def symbol(self, sym: sp.Symbol) -> int:
        return self._add(node_key(SYMBOL, sym), SYMBOL, sym)

    def op(self, op: int, args: tuple[int, ...]) -> int:
        # _add inlined: this is the hottest call of every transform; key = node_key(op, args).
        key = (op, args)
        node = self.index.get(key)
        if node is None:
            node = len(self.ops)
            self.ops.append(op)
            self.args.append(args)
            self.index[key] = node
        return node

    # --- queries -------------------------------------------------------------------------------

    def reachable(self, roots: Iterable[int]) -> bytearray:
        """Mask of the nodes that ``roots`` depend on (the roots included)."""
        mark = bytearray(len(self.ops))
        for r in roots:
            mark[r] = 1
        ops, args = self.ops, self.args
        for i in range(len(ops) - 1, -1, -1):
            if mark[i] and ops[i] > SYMBOL:
                for a in args[i]:
                    mark[a] = 1
        return mark

    def extract(self, roots: Sequence[int], keep: Sequence[int] = ()) -> tuple["NodeTable", list[int]]:
        """A new table with only the nodes ``roots`` depend on, plus ``keep``.

        Returns the table and the map from old ids to new ids (``-1`` for dropped nodes).
        Order is preserved, so the new table is topologically ordered too; nodes are
        distinct already, so the hash-consing index is rebuilt without lookups.
        """
        mark = self.reachable(roots)
        for k in keep:
            mark[k] = 1
        ops, args = self.ops, self.args
        remap = [-1] * len(ops)
        new_ops: list[int] = []
        new_args: list = []
        keys: list = []
        for i, m in enumerate(mark):
            if not m:
                continue
            remap[i] = len(new_ops)
            op = ops[i]
            a = args[i]
            if op > SYMBOL:
                a = tuple([remap[j] for j in a])
            keys.append(node_key(op, a))
            new_ops.append(op)
            new_args.append(a)
        new = NodeTable()
        new.ops, new.args = new_ops, new_args
        new.index = dict(zip(keys, range(len(keys))))
        return new, remap

    def active(self, sources: Iterable[int]) -> bytearray:
        """Mask of the nodes that depend on any of ``sources`` (the sources included)."""
        mark = bytearray(len(self.ops))
        for s in sources:
            mark[s] = 1
        ops, args = self.ops, self.args
        for i in range(len(ops)):
            if not mark[i] and ops[i] > SYMBOL:
                for a in args[i]:
                    if mark[a]:
                        mark[i] = 1
                        break
        return mark


class Builder:
    """Adds nodes to a table with exact local simplifications; used by the derivative transforms.

    Simplifications are O(number of arguments) and exact: constants fold in SymPy's exact
    arithmetic, ``0``/``1`` are dropped from sums/products, the constant of a two-factor
    product argument ``d*y`` is folded into the product's constant, and a function of constants folds when
    SymPy evaluates it to a number (``cos(0) -> 1``).  Arguments of commutative operations
    are put in a canonical order (constant first, then by id) so equal sums share one node.
    """

    __slots__ = ("table", "ops", "vals", "zero", "one", "minus_one", "two", "half", "_op", "_folds")

    def __init__(self, table: NodeTable) -> None:
        self.table = table
        self.ops = table.ops
        self.vals = table.args
        self._op = table.op
        self._folds: dict = {}
        # Node ids of the constants the derivative rules use most.
        self.zero = table.const(sp.S.Zero)
        self.one = table.const(sp.S.One)
        self.minus_one = table.const(sp.S.NegativeOne)
        self.two = table.const(sp.Integer(2))
        self.half = table.const(sp.S.Half)

    # --- leaves ----------------------------------------------------------------------------------

    def const(self, value) -> int:
        return self.table.const(sp.sympify(value) if not isinstance(value, sp.Basic) else value)

    def symbol(self, sym: sp.Symbol) -> int:
        return self.table.symbol(sym)

    # --- arithmetic -------------------------------------------------------------------------------

    def _fold(self, op: int, a: int, b: int) -> int:
        """The constant node ``a op b`` for two exact-number constant nodes (cached by id)."""
        key = (op, a, b)
        node = self._folds.get(key)
        if node is None:
            va, vb = self.vals[a], self.vals[b]
            node = self._folds[key] = self.table.const(va + vb if op == _ADD else va * vb)
        return node

    def _number(self, node: int) -> bool:
        """Is ``node`` a constant exact number (Integer, Rational, Float; not pi or E)?"""
        return self.ops[node] == CONST and self.vals[node].is_Number

    def add(self, *terms: int) -> int:
        return self.add_list(terms)

    def add_list(self, terms: Iterable[int]) -> int:
        rest = []
        total = None
        for t in terms:
            if self._number(t):
                total = t if total is None else self._fold(_ADD, total, t)
            else:
                rest.append(t)
        if total is not None and (total != self.zero or not rest):
            rest.append(total)
        if not rest:
            return self.zero
        if len(rest) == 1:
            return rest[0]
        if len(rest) >= LINEAR_FORM_MIN_TERMS:
            rest = self._gather_linear_form(rest)
            if len(rest) == 1:
                return rest[0]
        rest.sort()
        return self._op(_ADD, tuple(rest))

    def _gather_linear_form(self, terms: list[int]) -> list[int]:
        """The terms with their (symbol x symbol) products gathered into one linear form, when
        there are at least LINEAR_FORM_MIN_TERMS of them (pairs sorted: equal sums share it)."""
        ops, vals = self.ops, self.vals
        pairs, rest = [], []
        for t in terms:
            a = vals[t]
            if ops[t] == _MUL and len(a) == 2 and ops[a[0]] == SYMBOL and ops[a[1]] == SYMBOL:
                pairs.append(a)
            else:
                rest.append(t)
        if len(pairs) < LINEAR_FORM_MIN_TERMS:
            return terms
        pairs.sort()
        form = self._op(_LINEAR_FORM, tuple(u for u, _ in pairs) + tuple(v for _, v in pairs))
        return rest + [form]

    def mul(self, *factors: int) -> int:
        one = self.one
        if len(factors) == 2:  # the common case in every sweep: adjoint * partial
            a, b = factors
            if a == one:
                return b
            if b == one:
                return a
        elif len(factors) == 1:
            return factors[0]
        ops, vals = self.ops, self.vals
        rest = []
        coeff = None
        for f in factors:
            op = ops[f]
            if op == _MUL:
                inner = vals[f]
                c = inner[0]
                # c*(d*y) -> (c*d)*y, only for a two-factor inner product: copying longer
                # products in would make repeated products grow with depth (not O(size)).
                if len(inner) == 2 and ops[c] == CONST and vals[c].is_Number:
                    coeff = c if coeff is None else self._fold(_MUL, coeff, c)
                    rest.append(inner[1])
                    continue
            elif op == CONST and vals[f].is_Number:
                coeff = f if coeff is None else self._fold(_MUL, coeff, f)
                continue
            rest.append(f)
        if coeff is not None:
            if coeff == self.zero or vals[coeff].is_zero:
                return coeff
            if coeff == one:
                coeff = None
        if not rest:
            return one if coeff is None else coeff
        if len(rest) == 1 and coeff is None:
            return rest[0]
        rest.sort()
        if coeff is not None:
            rest.insert(0, coeff)
        return self._op(_MUL, tuple(rest))

    def pow(self, base: int, expo: int) -> int:
        ops, vals = self.ops, self.vals
        if ops[expo] == CONST:
            e = vals[expo]
            if e.is_zero:
                return self.one
            if e == 1:
                return base
            if ops[base] == CONST:
                folded = sp.Pow(vals[base], e)
                if folded.is_Number:
                    return self.table.const(folded)
        return self.table.op(_POW, (base, expo))

    def neg(self, a: int) -> int:
        return self.mul(self.minus_one, a)

    def sub(self, a: int, b: int) -> int:
        return self.add(a, self.neg(b))

    def call(self, name: str, *args: int) -> int:
        """A node of a function primitive by name (``"exp"``, ``"max"``, ...; use :meth:`add`,
        :meth:`mul`, :meth:`pow` for those); folds to a constant when SymPy evaluates it to one."""
        code = CODE[name]
        ops, vals = self.ops, self.vals
        if all(ops[a] == CONST for a in args):
            folded = PRIMITIVES[code].to_sympy(*[vals[a] for a in args])
            if folded.is_Number or isinstance(folded, sp.NumberSymbol):
                return self.table.const(folded)
        if PRIMITIVES[code].commutative:
            args = tuple(sorted(args))
        return self.table.op(code, tuple(args))



def to_sympy(table: NodeTable, node: int, memo: dict[int, sp.Expr] | None = None) -> sp.Expr:
    """The SymPy expression of ``node`` (exact; rebuilt bottom-up, memoised in ``memo``).

    Shared nodes become repeated subexpressions: SymPy expressions are trees.

    >>> t = NodeTable()
    >>> b = Builder(t)
    >>> x = b.symbol(sp.Symbol("x"))
    >>> to_sympy(t, b.mul(b.two, b.call("exp", x)))
    2*exp(x)
    """
    memo = {} if memo is None else memo
    if node in memo:
        return memo[node]
    ops, args = table.ops, table.args
    order = _postorder(table, node, memo)
    for i in order:
        op = ops[i]
        if op == CONST or op == SYMBOL:
            memo[i] = args[i]
        else:
            memo[i] = PRIMITIVES[op].to_sympy(*[memo[a] for a in args[i]])
    return memo[node]


def _postorder(table: NodeTable, root: int, done: Mapping[int, object]) -> list[int]:
    """The nodes ``root`` needs that are not in ``done``, in topological (id) order."""
    ops, args = table.ops, table.args
    seen = {root}
    stack = [root]
    while stack:
        i = stack.pop()
        if ops[i] > SYMBOL:
            for a in args[i]:
                if a not in seen and a not in done:
                    seen.add(a)
                    stack.append(a)
    return sorted(seen)
