"""The user-facing :class:`Graph` and :func:`compile`.

A :class:`Graph` is a node table (see :mod:`calcopt.ir.table`) plus the roles of its leaves
(``wrt`` variables, ``params`` data symbols) and its outputs.  It is the facade over the
layers below: the compiler builds it, :mod:`calcopt.ad.sweeps` differentiates its table,
:mod:`calcopt.codegen.source`/:mod:`calcopt.codegen.program` evaluate it.  Derivative graphs are Graphs
too, so their numeric code and further derivatives come for free.

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(sp.exp(x*y) + sp.sin(x*y))
>>> len(g), g.wrt
(6, (x, y))
>>> g.op_counts()["mul"]
1
>>> round(g.value([1.0, 2.0]), 6)
8.298354
>>> g.gradient()         # one adjoint for the shared x*y node: y*(...), x*(...)
Matrix([
[y*(exp(x*y) + cos(x*y))],
[x*(exp(x*y) + cos(x*y))]])
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse
import sympy as sp

from .ad import sweeps as ad
from .codegen.program import Program
from .data.points import as_data, as_point
from .ir.compiler import compile_into, natural_key
from .ad.cost import CostReport, operations, tree_size
from .ad.sparsity import Coloring
from .errors import (ComplexValueError, InvalidInputError, OptionError, PointError,
                     RelationalError, ShapeError, SymbolError)
from .primitives import CONST, PRIMITIVES, SYMBOL
from .ir.table import Builder, NodeTable, to_sympy

if TYPE_CHECKING:
    import networkx

Point = Any  # sequence aligned with wrt, dict {symbol or name: value}, or array (..., n)
Data = Any   # dict {param or name: array of N samples} or (N, len(params)) array


class Graph:
    """A compiled computation: one node per distinct subexpression.

    Build one with :func:`calcopt.compile`.  Nodes are integers ``0 .. len(g)-1`` in
    topological order; ``g.nx`` is the same computation as a networkx ``MultiDiGraph``.

    >>> import sympy as sp, calcopt
    >>> x = sp.Symbol("x")
    >>> g = calcopt.compile(x**3)
    >>> g.value(2), g.grad(2), g.gradient()[0]
    (8.0, array([12.]), 3*x**2)
    """

    def __init__(self, table: NodeTable, outputs: Sequence[int], wrt: Sequence[sp.Symbol],
                 params: Sequence[sp.Symbol], shape: tuple[int, ...] | None = None) -> None:
        self._table = table
        self._outputs = tuple(outputs)
        self._wrt = tuple(wrt)
        self._params = tuple(params)
        self._shape = shape  # None: scalar graph; else the shape of the output (Matrix/sequence)
        self._var_ids = tuple(table.symbol(s) for s in self._wrt)
        self._param_ids = tuple(table.symbol(s) for s in self._params)
        self._cache: dict = {}

    # --- structure -------------------------------------------------------------------------------

    @property
    def wrt(self) -> tuple[sp.Symbol, ...]:
        """The variables, in order: the components of points and gradients."""
        return self._wrt

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        """Data symbols whose values are supplied at evaluation time (``data=``)."""
        return self._params

    @property
    def outputs(self) -> tuple[int, ...]:
        """Node ids of the outputs (one for a scalar graph)."""
        return self._outputs

    @property
    def variable_nodes(self) -> tuple[int, ...]:
        """Node ids of the variables, in ``wrt`` order."""
        return self._var_ids

    @property
    def parameter_nodes(self) -> tuple[int, ...]:
        """Node ids of the parameters, in ``params`` order."""
        return self._param_ids

    @property
    def is_scalar(self) -> bool:
        return self._shape is None

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        kind = "scalar" if self.is_scalar else f"{len(self._outputs)} outputs"
        return (f"<calcopt.Graph {kind}, {len(self)} nodes, wrt={list(self._wrt)}"
                + (f", params={list(self._params)}" if self._params else "") + ">")

    def op_counts(self) -> Counter:
        """How many nodes of each kind: operation names plus 'variable', 'parameter', 'constant'.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> sorted(calcopt.compile(x*y + sp.exp(x*y)).op_counts().items())
        [('add', 1), ('exp', 1), ('mul', 1), ('variable', 2)]
        """
        return Counter(self.kind(i) if self._table.ops[i] <= SYMBOL
                       else PRIMITIVES[self._table.ops[i]].name for i in range(len(self)))

    def _check_node(self, node: int) -> int:
        if isinstance(node, (bool, np.bool_)) or not isinstance(node, (int, np.integer)) \
                or not 0 <= node < len(self):
            raise OptionError(f"node must be an integer id in 0..{len(self) - 1}; got {node!r}")
        return int(node)

    def kind(self, node: int) -> str:
        """'variable', 'parameter', 'constant' or 'operation'.

        >>> import sympy as sp, calcopt
        >>> x = sp.Symbol("x")
        >>> g = calcopt.compile(2*x)
        >>> [g.kind(i) for i in range(len(g))]
        ['constant', 'variable', 'operation']
        """
        node = self._check_node(node)
        op = self._table.ops[node]
        if op == CONST:
            return "constant"
        if op == SYMBOL:
            return "parameter" if self._table.args[node] in self._params else "variable"
        return "operation"

    def op(self, node: int) -> str:
        """The primitive name of a node ('add', 'exp', ..., 'constant', 'symbol').

        >>> import sympy as sp, calcopt
        >>> x = sp.Symbol("x")
        >>> g = calcopt.compile(sp.exp(2*x))
        >>> [g.op(i) for i in range(len(g))], g.args(3)
        (['constant', 'symbol', 'mul', 'exp'], (2,))
        """
        return PRIMITIVES[self._table.ops[self._check_node(node)]].name

    def args(self, node: int) -> tuple[int, ...]:
        """Argument node ids of an operation node, in order (empty for leaves)."""
        node = self._check_node(node)
        return self._table.args[node] if self._table.ops[node] > SYMBOL else ()

    def leaf_value(self, node: int) -> sp.Basic:
        """The SymPy number of a constant node or the Symbol of a variable/parameter node.

        >>> import sympy as sp, calcopt
        >>> x = sp.Symbol("x")
        >>> calcopt.compile(sp.Rational(1, 3)*x).leaf_value(0)
        1/3
        """
        node = self._check_node(node)
        if self._table.ops[node] > SYMBOL:
            raise OptionError(f"node {node} is an operation ({self.op(node)}), not a leaf")
        return self._table.args[node]

    def expr(self, node: int) -> sp.Expr:
        """The exact SymPy expression computed by one node.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(sp.sin(x*y) + x).expr(3)
        sin(x*y)
        """
        return to_sympy(self._table, self._check_node(node), self._sympy_memo)

    @cached_property
    def _sympy_memo(self) -> dict:
        return {}

    def to_sympy(self, cse: bool = False) -> Any:
        """The exact expression(s): a SymPy expression, or a Matrix/tuple like the input.

        ``cse=True``: ``(replacements, reduced)`` shaped like ``sympy.cse(g.to_sympy())``, with
        the graph's shared nodes named ``w0, w1, ...`` (see :mod:`calcopt.ir.cse`).

        >>> import sympy as sp, calcopt
        >>> x = sp.Symbol("x")
        >>> calcopt.compile(sp.Rational(1, 3) * x**2).to_sympy()
        x**2/3
        >>> calcopt.compile(sp.exp(x) / (1 + sp.exp(x))).gradient_graph().to_sympy(cse=True)
        ([(w0, exp(x)), (w1, w0 + 1)], [Matrix([[w0*(-w0/w1**2 + 1/w1)]])])
        """
        if cse:
            from .ir.cse import table_cse
            reps, exprs = table_cse(self._table, self._outputs)
            if self._shape is not None and len(self._shape) == 2:
                return reps, [sp.Matrix(*self._shape, exprs)]
            return reps, exprs
        exprs = [self.expr(o) for o in self._outputs]
        if self._shape is None:
            return exprs[0]
        if len(self._shape) == 2:
            return sp.Matrix(*self._shape, exprs)
        return tuple(exprs)

    @cached_property
    def nx(self) -> "networkx.MultiDiGraph":
        """The same computation as a ``networkx.MultiDiGraph`` (built on first access, cached).

        Nodes are the node ids with attributes ``kind``, ``op``, ``label`` and, for leaves,
        ``value`` (the SymPy number or Symbol); an edge ``a -> b`` per argument use, with
        attribute ``arg`` (the argument position), so ``x*x`` has two edges.  Graph attributes
        ``outputs``, ``wrt``, ``params``.  See ``docs/graph.md``.
        """
        import networkx as nx

        G = nx.MultiDiGraph(outputs=list(self._outputs), wrt=list(self._wrt),
                            params=list(self._params))
        ops, args = self._table.ops, self._table.args
        out_pos: dict[int, list[int]] = {}
        for k, o in enumerate(self._outputs):
            out_pos.setdefault(o, []).append(k)
        for i in range(len(ops)):
            prim = PRIMITIVES[ops[i]]
            attrs = {"kind": self.kind(i), "op": prim.name}
            if ops[i] <= SYMBOL:
                attrs["value"] = args[i]
                attrs["label"] = str(args[i])
            else:
                attrs["label"] = prim.label
            if i in out_pos:
                attrs["output"] = out_pos[i]
            G.add_node(i, **attrs)
            if ops[i] > SYMBOL:
                for pos, a in enumerate(args[i]):
                    G.add_edge(a, i, arg=pos)
        return G

    # --- numeric evaluation ---------------------------------------------------------------------

    def _program(self) -> Program:
        prog = self._cache.get("program")
        if prog is None:
            prog = self._cache["program"] = Program(
                self._table, self._outputs, self._var_ids, self._param_ids)
        return prog

    def source(self, backend: str = "math") -> str:
        """The generated Python source of the value function (``"math"`` or ``"numpy"``).

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> print(calcopt.compile(sp.exp(x*y) + sp.sin(x*y)).source())
        def f(x, p):
            x0, x1, = x
            t2 = (x0*x1)
            return (math.exp(t2) + math.sin(t2))
        """
        return self._program().source("math" if backend == "auto" else backend)

    def function(self, backend: str = "math") -> Callable:
        """The compiled value function ``f(x, p)`` itself, for hot loops (no input checks).

        ``x`` is a sequence of variable values, ``p`` of parameter values; returns the value
        (a tuple for vector graphs).  The ``"math"`` function raises ``ValueError`` etc. on
        domain errors where :meth:`value` returns ``nan``/``inf``.
        """
        return self._program().function("math" if backend == "auto" else backend)

    def _eval(self, point: Point, data: Data, backend: str, program: Program) -> np.ndarray:
        x = as_point(point, self._wrt)
        return program.evaluate(x, as_data(data, self._params), backend)

    def value(self, point: Point, data: Data = None, backend: str = "auto") -> float | np.ndarray:
        """The value at ``point``; with ``data``, the mean over the samples.

        ``point``: a sequence aligned with ``wrt``, a dict ``{symbol or name: value}``, or an
        array of shape ``(..., n)`` for a batch of points.  ``data``: ``{param: array of N
        samples}`` (or an ``(N, len(params))`` array).  ``backend``: ``"math"`` (one point,
        Python floats), ``"numpy"`` (vectorised), or ``"auto"`` (math for one point without
        data).  Domain errors give IEEE ``nan``/``inf``.

        Returns a float for a scalar graph at one point, else an array of shape
        ``batch + (number of outputs,)`` (the output axis dropped for scalar graphs).

        >>> import sympy as sp, calcopt
        >>> x, a = sp.symbols("x a")
        >>> g = calcopt.compile((x - a)**2, params=[a])
        >>> g.value([1.0], data={a: [0.0, 2.0, 4.0]})   # mean of 1, 1, 9
        3.6666666666666665
        >>> calcopt.compile(sp.log(x)).value(-1.0)
        nan
        """
        return self._shape_output(self._eval(point, data, backend, self._program()))

    def _shape_output(self, out: np.ndarray) -> float | np.ndarray:
        if self._shape is None:
            out = out[..., 0]
            return float(out) if out.ndim == 0 else out
        return out

    # --- derivative graphs (exact) --------------------------------------------------------------

    def _derived(self, table: NodeTable, outputs: Sequence[int], wrt: Sequence[sp.Symbol],
                 shape: tuple[int, ...] | None) -> "Graph":
        """A new Graph on the nodes of ``table`` that ``outputs`` need (leaves of wrt/params kept)."""
        keep = [table.symbol(s) for s in tuple(wrt) + self._params]
        small, remap = table.extract(outputs, keep)
        return Graph(small, [remap[o] for o in outputs], wrt, self._params, shape)

    def _require_scalar(self, what: str) -> None:
        if not self.is_scalar:
            raise ShapeError(f"{what} needs a scalar graph, but this graph has "
                             f"{len(self._outputs)} outputs; use jacobian() instead")

    def _reverse_sweep(self, cotangents: Sequence[sp.Symbol] | None = None, all_nodes: bool = False):
        """One reverse sweep on a copy of the table, seeded with 1 (scalar) or cotangent symbols.

        Returns ``(table, builder, adjoint map)``.
        """
        table = self._table.copy()
        b = Builder(table)
        if cotangents is None:
            seeds = [b.one] * len(self._outputs)
        else:
            seeds = [b.symbol(u) for u in cotangents]
        active = bytearray(b"\x01") * len(table) if all_nodes else table.active(self._var_ids)
        return table, b, ad.reverse(b, self._outputs, seeds, active)

    def _forward_sweep(self, seeds: Mapping[int, sp.Symbol]):
        """One forward sweep on a copy of the table; ``seeds``: {var id: tangent symbol}."""
        table = self._table.copy()
        b = Builder(table)
        live = table.reachable(self._outputs)
        tangent = ad.forward(b, {v: b.symbol(t) for v, t in seeds.items()}, live)
        return table, b, tangent

    def _aux_symbols(self, prefix: str, k: int) -> tuple[sp.Symbol, ...]:
        """Fresh symbols for tangent/cotangent inputs of derivative graphs (never clash)."""
        key = ("aux", prefix, k)
        if key not in self._cache:
            self._cache[key] = tuple(sp.Dummy(f"{prefix}{i}") for i in range(k))
        return self._cache[key]

    def _cached(self, key: str, build) -> "Graph":
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def gradient_graph(self) -> "Graph":
        """The gradient as a Graph (vector-valued, n outputs), built by one reverse sweep.

        Its size is O(size of this graph); it shares the primal subexpressions.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 * y).gradient_graph().to_sympy()
        Matrix([
        [2*x*y],
        [ x**2]])
        """
        self._require_scalar("gradient")

        def build():
            table, grads = self._gradient_nodes()
            return self._derived(table, grads, self._wrt, (len(grads), 1))

        return self._cached("gradient", build)

    def _gradient_nodes(self) -> tuple[NodeTable, list[int]]:
        """(table, gradient node per variable) of one reverse sweep, shared by the gradient
        and value-and-gradient graphs."""
        def build():
            table, b, adjoint = self._reverse_sweep()
            return table, [adjoint.get(v, b.zero) for v in self._var_ids]

        return self._cached("gradient nodes", build)

    def gradient(self, mode: str = "reverse") -> sp.Matrix:
        """The exact gradient as an n x 1 SymPy Matrix.

        ``mode="reverse"``: one reverse sweep (backpropagation).  ``mode="forward"``: n forward
        sweeps, one per variable.  Both are exact and mathematically identical; SymPy may
        print them factored differently (reverse mode collects common factors of shared nodes).

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x*y + sp.Rational(1, 2)*x**2).gradient().T
        Matrix([[x + y, x]])
        """
        self._require_scalar("gradient")
        if mode == "reverse":
            return self.gradient_graph().to_sympy()
        if mode == "forward":
            return self.jacobian_graph("forward").to_sympy().T
        raise OptionError(f"mode must be 'reverse' or 'forward', not {mode!r}")

    def _value_and_gradient(self) -> "Graph":
        def build():
            table, grads = self._gradient_nodes()
            outs = [self._outputs[0], *grads]
            return self._derived(table, outs, self._wrt, (len(outs),))

        return self._cached("value and gradient", build)

    def jvp_graph(self) -> "Graph":
        """Forward mode as a Graph: inputs ``wrt + tangent symbols``; outputs the outputs,
        then their directional derivatives along the tangent.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> len(calcopt.compile(x*y).jvp_graph().wrt)   # x, y and two tangent symbols
        4
        """
        def build():
            vs = self._aux_symbols("v", len(self._wrt))
            table, b, tangent = self._forward_sweep(dict(zip(self._var_ids, vs)))
            outs = [*self._outputs, *(tangent.get(o, b.zero) for o in self._outputs)]
            return self._derived(table, outs, self._wrt + vs, (len(outs),))

        return self._cached("jvp", build)

    def vjp_graph(self) -> "Graph":
        """Reverse mode as a Graph: inputs ``wrt + cotangent symbols`` (none for a scalar graph,
        whose cotangent is 1); outputs the outputs, then ``u^T J`` (the gradient when scalar)."""
        if self.is_scalar:
            return self._value_and_gradient()

        def build():
            us = self._aux_symbols("u", len(self._outputs))
            table, b, adjoint = self._reverse_sweep(us)
            outs = [*self._outputs, *(adjoint.get(v, b.zero) for v in self._var_ids)]
            return self._derived(table, outs, self._wrt + us, (len(outs),))

        return self._cached("vjp", build)

    # --- numeric derivatives ----------------------------------------------------------------------

    def _eval_with(self, graph: "Graph", point: Point, extra: Point, what: str, data: Data,
                   backend: str) -> np.ndarray:
        """Evaluate a derivative graph whose inputs are ``wrt`` followed by ``extra`` values:
        a tangent (one entry per variable) or a cotangent (one per output)."""
        x = as_point(point, self._wrt)
        if what == "cotangent":
            m = len(self._outputs)
            e = as_point(extra, self._aux_symbols("u", m), what, f"{m} outputs")
        else:
            e = as_point(extra, self._wrt, what)
        try:
            batch = np.broadcast_shapes(x.shape[:-1], e.shape[:-1])
        except ValueError:
            raise PointError(f"point shape {x.shape} and {what} shape {e.shape} do not broadcast") from None
        xe = np.concatenate([np.broadcast_to(x, batch + x.shape[-1:]),
                             np.broadcast_to(e, batch + e.shape[-1:])], axis=-1)
        return graph._program().evaluate(xe, as_data(data, self._params), backend)

    def _split(self, out: np.ndarray):
        """(values, derivatives) from an evaluated ``[outputs..., derivatives...]`` graph."""
        m = len(self._outputs)
        return self._shape_output(out[..., :m]), out[..., m:]

    def jvp(self, point: Point, tangent: Point, data: Data = None,
            backend: str = "auto") -> tuple[float | np.ndarray, float | np.ndarray]:
        """Forward mode: ``(value, directional derivative)`` at ``point`` along ``tangent``.

        One forward sweep carrying tangents, by the generated code of :meth:`jvp_graph`.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 * y).jvp([1.0, 3.0], [1.0, 0.0])
        (3.0, 6.0)
        """
        out = self._eval_with(self.jvp_graph(), point, tangent, "tangent", data, backend)
        value, deriv = self._split(out)
        return value, self._shape_output(deriv)

    def vjp(self, point: Point, cotangent: Point = 1.0, data: Data = None,
            backend: str = "auto") -> tuple[float | np.ndarray, np.ndarray]:
        """Reverse mode: ``(value, cotangent^T J)`` from one forward and one backward sweep.

        For a scalar graph ``cotangent`` is a number (default 1) and the result is
        ``(value, cotangent * gradient)``; for a vector graph it has one entry per output.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile([x*y, x + y]).vjp([2.0, 3.0], [1.0, 10.0])
        (array([6., 5.]), array([13., 12.]))
        """
        if self.is_scalar:
            c = as_point(cotangent, (sp.Symbol("cotangent"),), "cotangent", "1 output")
            if c.shape != (1,):
                raise PointError(f"the cotangent of a scalar graph is one number; got shape {c.shape}")
            g = self._value_and_gradient()
            out = g._eval(point, data, backend, g._program())
            value, grad = self._split(out)
            return value, grad * c[0]
        out = self._eval_with(self.vjp_graph(), point, cotangent, "cotangent", data, backend)
        return self._split(out)

    def grad(self, point: Point, data: Data = None, backend: str = "auto") -> np.ndarray:
        """The numeric gradient (of the mean over samples with ``data``), from the generated
        code of :meth:`gradient_graph`.  Shape ``batch + (n,)``.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 + 3*y).grad([1.0, 5.0])
        array([2., 3.])
        """
        gg = self.gradient_graph()
        return gg._eval(point, data, backend, gg._program())

    def backprop(self, point: Point, data: Data = None, cotangent: Point | None = None) -> "Backprop":
        """Values and adjoints ``d output / d node`` of **every** node at ``point``.

        For teaching and annotated diagrams.  Vector graphs need a ``cotangent`` (one weight
        per output).  With ``data`` every value and adjoint is the mean over the samples.
        Constants get adjoints too: the sensitivity to the exponent 2 of ``x**2`` is
        ``x**2*log(x)``, which is ``nan`` for ``x <= 0``, where it is undefined in the reals.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> g = calcopt.compile(x*y + sp.sin(x))
        >>> bp = g.backprop([0.0, 2.0])
        >>> bp.value, bp.adjoints[g.outputs[0]], [bp.adjoints[i] for i in g.variable_nodes]
        (0.0, 1.0, [3.0, 0.0])
        """
        return self._node_sweep("reverse", point, cotangent, data)

    def tangents(self, point: Point, tangent: Point, data: Data = None) -> "Tangents":
        """Values and forward-mode tangents of every node at ``point`` along ``tangent``.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> g = calcopt.compile(x*y)
        >>> g.tangents([2.0, 3.0], [1.0, 0.0]).tangents[g.outputs[0]]
        3.0
        """
        return self._node_sweep("forward", point, tangent, data)

    def _node_sweep(self, mode: str, point: Point, direction, data: Data):
        N = len(self._table)
        if mode == "reverse":
            names = None if self.is_scalar else self._aux_symbols("u", len(self._outputs))
            if names is None and direction is not None:
                raise PointError("a scalar graph's backprop is seeded with 1; do not pass a cotangent")
            if names is not None and direction is None:
                raise PointError(f"backprop of a vector graph needs a cotangent with "
                                 f"{len(self._outputs)} entries (one weight per output)")
            key = "backprop"
        else:
            names = self._aux_symbols("v", len(self._wrt))
            key = "tangents"

        def build():
            if mode == "reverse":
                table, b, deriv = self._reverse_sweep(names, all_nodes=True)
            else:
                table, b, deriv = self._forward_sweep(dict(zip(self._var_ids, names)))
            outs = [*range(N), *(deriv.get(i, b.zero) for i in range(N))]
            return self._derived(table, outs, self._wrt + tuple(names or ()), (len(outs),))

        graph = self._cached(key, build)
        if names:
            out = self._eval_with(graph, point, direction,
                                  "cotangent" if mode == "reverse" else "tangent", data, "numpy")
        else:
            out = graph._eval(point, data, "numpy", graph._program())
        if out.ndim != 1:
            raise PointError("backprop/tangents take one point, not a batch")
        values = dict(enumerate(out[:N].tolist()))
        derivs = dict(enumerate(out[N:].tolist()))
        value = values[self._outputs[0]] if self.is_scalar else np.array([values[o] for o in self._outputs])
        return Backprop(value, values, derivs) if mode == "reverse" else Tangents(value, values, derivs)

    # --- Jacobians -------------------------------------------------------------------------------

    def jacobian_graph(self, mode: str = "auto") -> "Graph":
        """The Jacobian (m x n) as a Graph.  ``mode``: ``"reverse"`` (one sweep per output),
        ``"forward"`` (one sweep per variable) or ``"auto"`` (the one with fewer sweeps)."""
        m, n = len(self._outputs), len(self._wrt)
        if mode == "auto":
            mode = "reverse" if m <= n else "forward"
        if mode not in ("reverse", "forward"):
            raise OptionError(f"mode must be 'auto', 'reverse' or 'forward', not {mode!r}")

        def build():
            table = self._table.copy()
            b = Builder(table)
            if mode == "reverse":
                active = table.active(self._var_ids)
                rows = [ad.reverse(b, [o], [b.one], active) for o in self._outputs]
                entries = [r.get(v, b.zero) for r in rows for v in self._var_ids]
            else:
                live = table.reachable(self._outputs)
                cols = [ad.forward(b, {v: b.one}, live) for v in self._var_ids]
                entries = [c.get(o, b.zero) for o in self._outputs for c in cols]
            return self._derived(table, entries, self._wrt, (m, n))

        return self._cached(f"jacobian {mode}", build)

    def jacobian(self, point: Point | None = None, mode: str = "auto",
                 data: Data = None) -> sp.Matrix | np.ndarray:
        """The Jacobian: exact (SymPy Matrix, m x n) without ``point``, numeric with one.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile([x*y, x + y**2]).jacobian()
        Matrix([
        [y,   x],
        [1, 2*y]])
        """
        jg = self.jacobian_graph(mode)
        if point is None:
            return jg.to_sympy()
        out = jg._eval(point, data, "auto", jg._program())
        return out.reshape(out.shape[:-1] + (len(self._outputs), len(self._wrt)))

    # --- Hessians ---------------------------------------------------------------------------------

    def hessian_sparsity(self) -> "scipy.sparse.csr_array":
        """Structural non-zero pattern of the Hessian (n x n boolean CSR), from the graph.

        ``H[i, j]`` may be non-zero only if gradient entry ``i`` depends on variable ``j``.

        >>> import sympy as sp, calcopt
        >>> x, y, z = sp.symbols("x y z")
        >>> calcopt.compile(x*y + z**2).hessian_sparsity().toarray().astype(int)
        array([[0, 1, 0],
               [1, 0, 0],
               [0, 0, 1]])
        """
        from .ad import sparsity

        def build():
            gg = self.gradient_graph()
            rows = sparsity.dependencies(gg._table, gg._outputs, gg._var_ids)
            return sparsity.pattern_matrix(rows, len(self._wrt))

        if "sparsity" not in self._cache:
            self._require_scalar("hessian_sparsity")
            self._cache["sparsity"] = build()
        return self._cache["sparsity"]

    def hessian_coloring(self) -> Coloring:
        """A distance-2 colouring of the Hessian's adjacency graph (networkx): one
        Hessian-vector product per colour recovers every entry directly.

        >>> import sympy as sp, calcopt
        >>> xs = sp.symbols("x0:6")
        >>> f = sum(100*(xs[i+1] - xs[i]**2)**2 + (1 - xs[i])**2 for i in range(5))
        >>> calcopt.compile(f).hessian_coloring().n_colors
        3
        """
        from .ad import sparsity

        if "coloring" not in self._cache:
            self._cache["coloring"] = sparsity.distance2_coloring(self.hessian_sparsity())
        return self._cache["coloring"]

    def _upper_pattern(self) -> tuple[list[int], list[int]]:
        """Rows and columns of the structural non-zeros with i <= j (row-major)."""
        pattern = scipy.sparse.triu(self.hessian_sparsity(), format="coo")
        order = np.lexsort((pattern.col, pattern.row))
        return pattern.row[order].tolist(), pattern.col[order].tolist()

    def _hessian_entries(self) -> "Graph":
        """Exact Hessian entries ``H[i, j]``, ``i <= j``, at the sparsity pattern (row-major,
        as :meth:`_upper_pattern`), by forward-over-reverse: one forward sweep of the gradient
        graph per colour, each entry read off directly.  The lower triangle mirrors it."""
        def build():
            gg = self.gradient_graph()
            coloring = self.hessian_coloring()
            rows, cols = self._upper_pattern()
            table = gg._table.copy()
            b = Builder(table)
            live = table.reachable(gg._outputs)
            sweeps = []
            for c in range(coloring.n_colors):
                seeds = {gg._var_ids[j]: b.one for j in np.flatnonzero(coloring.colors == c)}
                sweeps.append(ad.forward(b, seeds, live))
            entries = [sweeps[coloring.colors[j]].get(gg._outputs[i], b.zero)
                       for i, j in zip(rows, cols)]
            return gg._derived(table, entries, self._wrt, (len(entries),))

        self._require_scalar("hessian")
        return self._cached("hessian entries", build)

    def hessian_graph(self) -> "Graph":
        """The dense Hessian (n x n) as a Graph, built by coloured forward-over-reverse.

        For large sparse problems use :meth:`hessian` with ``sparse=True`` (no n x n outputs).
        """
        def build():
            n = len(self._wrt)
            entries = self._hessian_entries()
            table = entries._table.copy()
            outs = [table.const(sp.S.Zero)] * (n * n)
            for node, i, j in zip(entries._outputs, *self._upper_pattern()):
                outs[i * n + j] = outs[j * n + i] = node
            return entries._derived(table, outs, self._wrt, (n, n))

        self._require_scalar("hessian")
        return self._cached("hessian", build)

    def hessian(self, sparse: bool = False) -> sp.Matrix | sp.SparseMatrix:
        """The exact Hessian: a SymPy Matrix, or a ``SparseMatrix`` with ``sparse=True``.

        Forward-over-reverse: one forward sweep of the gradient graph per colour of
        :meth:`hessian_coloring`, entries read off directly; the upper triangle is computed
        and mirrored, so the result is symmetric entry by entry.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**3 * y).hessian()
        Matrix([
        [ 6*x*y, 3*x**2],
        [3*x**2,      0]])
        """
        self._require_scalar("hessian")
        if not sparse:
            return self.hessian_graph().to_sympy()
        entries = self._hessian_entries()
        values = {}
        for node, i, j in zip(entries._outputs, *self._upper_pattern()):
            e = entries.expr(node)
            if e != 0:
                values[(i, j)] = values[(j, i)] = e
        n = len(self._wrt)
        return sp.SparseMatrix(n, n, values)

    def hvp_graph(self) -> "Graph":
        """Hessian-vector product as a Graph: inputs ``wrt + v``, outputs ``H(x) v``
        (one forward sweep over the gradient graph)."""
        self._require_scalar("hvp")

        def build():
            gg = self.gradient_graph()
            vs = self._aux_symbols("v", len(self._wrt))
            table, b, tangent = gg._forward_sweep(dict(zip(gg._var_ids, vs)))
            outs = [tangent.get(o, b.zero) for o in gg._outputs]
            return gg._derived(table, outs, self._wrt + vs, (len(outs),))

        return self._cached("hvp", build)

    def hvp(self, point: Point, v: Point, data: Data = None, backend: str = "auto") -> np.ndarray:
        """Numeric Hessian-vector product ``H(point) v``.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 * y).hvp([1.0, 2.0], [1.0, 0.0])
        array([4., 2.])
        """
        return self._eval_with(self.hvp_graph(), point, v, "v", data, backend)

    def hess(self, point: Point, data: Data = None,
             sparse: bool = False) -> np.ndarray | scipy.sparse.csr_array:
        """Numeric Hessian at one point: dense ``(n, n)`` array (n HVPs in one vectorised call),
        or with ``sparse=True`` a ``scipy.sparse`` CSR array from one HVP per colour.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 * y).hess([1.0, 2.0])
        array([[4., 2.],
               [2., 0.]])
        """
        x = as_point(point, self._wrt)
        if x.ndim != 1:
            raise PointError(f"hess takes one point; got shape {x.shape}")
        n = len(self._wrt)
        if not sparse:
            cols = self.hvp(np.broadcast_to(x, (n, n)), np.eye(n), data, backend="numpy")
            return np.asarray(cols).T.copy()
        coloring = self.hessian_coloring()
        k = coloring.n_colors
        prods = self.hvp(np.broadcast_to(x, (k, n)), coloring.seeds, data, backend="numpy")
        pattern = self.hessian_sparsity().tocoo()
        vals = prods[coloring.colors[pattern.col], pattern.row]
        return scipy.sparse.csr_array((vals, (pattern.row, pattern.col)), shape=(n, n))

    def cost(self) -> CostReport:
        """Operation counts of f, one jvp/vjp sweep, full gradients and Hessians; DAG vs tree size.

        See :class:`calcopt.ad.cost.CostReport` (weights per primitive: its ``cost`` field).

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> c = calcopt.compile(sp.exp(x*y) + sp.sin(x*y)).cost()
        >>> c.f, c.vjp_sweep, c.dag_nodes, c.tree_nodes
        (10, 17, 6, 9)
        """
        self._require_scalar("cost")
        n = len(self._wrt)
        f = operations(self._table)
        jvp = operations(self.jvp_graph()._table)
        vjp = operations(self.vjp_graph()._table)
        hvp = operations(self.hvp_graph()._table)
        colors = self.hessian_coloring().n_colors
        return CostReport(
            n=n, f=f, jvp_sweep=jvp, vjp_sweep=vjp, gradient_forward=n * jvp,
            gradient_reverse=vjp, hvp=hvp, hessian_dense=n * hvp, hessian_colored=colors * hvp,
            colors=colors, dag_nodes=len(self), tree_nodes=tree_size(self._table, self._outputs))


@dataclass
class Backprop:
    """Result of :meth:`Graph.backprop`: ``value``, and ``values`` / ``adjoints`` keyed by node id."""

    value: Any
    values: dict[int, float]
    adjoints: dict[int, float]


@dataclass
class Tangents:
    """Result of :meth:`Graph.tangents`: ``value``, and ``values`` / ``tangents`` keyed by node id."""

    value: Any
    values: dict[int, float]
    tangents: dict[int, float]

def _as_expressions(expr) -> tuple[list[sp.Expr], tuple[int, ...] | None]:
    if isinstance(expr, str):
        raise InvalidInputError(
            "calcopt.compile takes a SymPy expression, not a string: text is never evaluated. "
            "Build the expression with SymPy symbols (x = sympy.Symbol('x'); x**2 + 1)")
    if isinstance(expr, sp.MatrixBase):
        if not len(expr):
            raise InvalidInputError("an empty Matrix has no outputs to compile")
        return [_as_expression(e) for e in expr], tuple(expr.shape)
    if isinstance(expr, (list, tuple)):
        if not expr:
            raise InvalidInputError("an empty sequence has no outputs to compile")
        return [_as_expression(e) for e in expr], (len(expr),)
    return [_as_expression(expr)], None


def _as_expression(e) -> sp.Expr:
    if isinstance(e, bool) or e is sp.true or e is sp.false:
        raise RelationalError(f"{e!r} is a boolean, not a real-valued expression")
    if isinstance(e, complex):
        raise ComplexValueError(f"{e!r} is complex; calcopt works over the reals")
    if isinstance(e, (int, float)):
        return sp.Float(e) if isinstance(e, float) else sp.Integer(e)
    if isinstance(e, sp.Basic):
        return e
    raise InvalidInputError(
        f"cannot compile {type(e).__name__} {e!r}: expected a SymPy expression, a number, "
        "or a sequence/Matrix of them")


def _as_symbols(items, what: str) -> tuple[sp.Symbol, ...]:
    if isinstance(items, sp.Symbol):
        items = (items,)
    if isinstance(items, str):
        raise InvalidInputError(f"{what} must be SymPy Symbols, not the string {items!r}")
    try:
        out = tuple(items)
    except TypeError:
        raise InvalidInputError(f"{what} must be a sequence of SymPy Symbols; got {items!r}") from None
    for s in out:
        if not isinstance(s, sp.Symbol):
            raise InvalidInputError(f"{what} must contain SymPy Symbols; got {s!r} ({type(s).__name__})")
    dupes = sorted(s.name for s, k in Counter(out).items() if k > 1)
    if dupes:
        raise SymbolError(f"{what} lists {dupes} more than once")
    return out


def compile(expr: sp.Basic | sp.MatrixBase | Sequence[sp.Basic] | float,
            wrt: Iterable[sp.Symbol] | None = None, params: Iterable[sp.Symbol] = ()) -> Graph:
    """Compile a SymPy expression (or a sequence/Matrix of them) into a :class:`Graph`.

    Parameters
    ----------
    expr:
        A SymPy expression; or a list/tuple/Matrix of them for a vector-valued graph.
    wrt:
        The variables, in order.  Default: the free symbols that are not ``params``, sorted
        by name with numbers compared numerically (``x2`` before ``x10``).  A ``wrt`` symbol
        absent from the expression is kept as an (unused) variable: its gradient entry is 0.
    params:
        Data symbols whose values are supplied at evaluation time (``data=``), e.g. one sample
        of a data set.  Derivatives treat them as constants.

    Raises
    ------
    SymbolError
        A symbol in both ``wrt`` and ``params``, listed twice, or a free symbol in neither.
    UnsupportedOperationError
        An operation with no primitive-table entry (subclasses for complex constants,
        unevaluated derivatives/integrals, relations and booleans).

    Examples
    --------
    >>> import sympy as sp, calcopt
    >>> x, y, a = sp.symbols("x y a")
    >>> g = calcopt.compile((x - a)**2 + y**2, params=[a])
    >>> g.wrt, g.params
    ((x, y), (a,))
    """
    exprs, shape = _as_expressions(expr)
    params = _as_symbols(params, "params")
    table = NodeTable()
    outputs = compile_into(table, exprs)
    # The symbols are the table's symbol leaves (SymPy's free_symbols would recurse, and
    # fail on expressions nested a few hundred levels deep).
    free = {table.args[i] for i in range(len(table)) if table.ops[i] == SYMBOL}
    if wrt is None:
        wrt = sorted(free - set(params), key=natural_key)
    wrt = _as_symbols(wrt, "wrt")
    both = sorted(s.name for s in set(wrt) & set(params))
    if both:
        raise SymbolError(f"{both} listed in both wrt and params; a symbol is either a variable "
                          "(differentiated) or a parameter (given by data), not both")
    names = Counter(s.name for s in free | set(wrt) | set(params))
    clashes = sorted(name for name, k in names.items() if k > 1)
    if clashes:
        raise SymbolError(f"different symbols share the names {clashes} (e.g. with different "
                          "assumptions); points and data are keyed by name, so names must be unique")
    unbound = sorted(s.name for s in free - set(wrt) - set(params))
    if unbound:
        raise SymbolError(f"free symbols {unbound} are neither in wrt nor in params; add them to "
                          "wrt (variables) or params (data / symbolic constants)")
    return Graph(table, outputs, wrt, params, shape)
