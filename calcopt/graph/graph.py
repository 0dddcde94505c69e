"""The :class:`Graph` facade: a node table with the roles of its leaves and its outputs, the
one extension point (:attr:`Graph.table`, :meth:`Graph.memo`), numeric evaluation, and
:func:`compile`.  Its derivative methods come from :mod:`calcopt.graph.exact` and
:mod:`calcopt.graph.numeric`."""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np
import sympy as sp

from ..codegen.program import Program
from ..data.points import as_data, as_point
from ..errors import OptionError
from ..ir.compiler import compile_expressions
from ..ir.nxview import node_kind, to_networkx
from ..ir.table import NodeTable, to_sympy
from ..primitives import PRIMITIVES, SYMBOL
from .exact import ExactDerivatives
from .numeric import NumericDerivatives

if TYPE_CHECKING:
    import networkx

Point = Any  # sequence aligned with wrt, dict {symbol or name: value}, or array (..., n)
Data = Any   # dict {param or name: array of N samples} or (N, len(params)) array


class Graph(ExactDerivatives, NumericDerivatives):
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
        self._memo: dict = {}

    # --- structure and the extension point ------------------------------------------------------

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

    @property
    def table(self) -> NodeTable:
        """The node table (``ops``, ``args`` per node), for layers that interpret the graph.
        Read it, never change it: every cached result of the graph depends on it."""
        return self._table

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per graph and ``key``; later calls return the same object.  The one
        place for per-graph caches of every layer (use a key that names the layer).

        >>> import sympy as sp, calcopt
        >>> g = calcopt.compile(sp.Symbol("x")**2)
        >>> g.memo(("doc", "n"), lambda: len(g)) is g.memo(("doc", "n"), lambda: 0)
        True
        """
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

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
        ops = self._table.ops
        return Counter(self.kind(i) if ops[i] <= SYMBOL else PRIMITIVES[ops[i]].name
                       for i in range(len(self)))

    def _check_node(self, node: int) -> int:
        if isinstance(node, (bool, np.bool_)) or not isinstance(node, (int, np.integer)) \
                or not 0 <= node < len(self):
            raise OptionError(f"node must be an integer id in 0..{len(self) - 1}; got {node!r}")
        return int(node)

    def kind(self, node: int) -> str:
        """'variable', 'parameter', 'constant' or 'operation'.

        >>> import sympy as sp, calcopt
        >>> g = calcopt.compile(2*sp.Symbol("x"))
        >>> [g.kind(i) for i in range(len(g))]
        ['constant', 'variable', 'operation']
        """
        return node_kind(self._table, self._check_node(node), self._params)

    def op(self, node: int) -> str:
        """The primitive name of a node ('add', 'exp', ..., 'constant', 'symbol').

        >>> import sympy as sp, calcopt
        >>> g = calcopt.compile(sp.exp(2*sp.Symbol("x")))
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
        >>> calcopt.compile(sp.Rational(1, 3)*sp.Symbol("x")).leaf_value(0)
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
        return to_sympy(self._table, self._check_node(node), self.memo("sympy", dict))

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
            from ..ir.cse import table_cse
            reps, exprs = table_cse(self._table, self._outputs)
            if self._shape is not None and len(self._shape) == 2:
                return reps, [sp.Matrix(*self._shape, exprs)]
            return reps, exprs
        exprs = [self.expr(o) for o in self._outputs]
        if self._shape is None:
            return exprs[0]
        return sp.Matrix(*self._shape, exprs) if len(self._shape) == 2 else tuple(exprs)

    @cached_property
    def nx(self) -> "networkx.MultiDiGraph":
        """The same computation as a ``networkx.MultiDiGraph`` (built on first access, cached).

        Nodes are the node ids with attributes ``kind``, ``op``, ``label`` and, for leaves,
        ``value`` (the SymPy number or Symbol); an edge ``a -> b`` per argument use, with
        attribute ``arg`` (the argument position), so ``x*x`` has two edges.  Graph attributes
        ``outputs``, ``wrt``, ``params``.  See ``docs/graph.md``.
        """
        return to_networkx(self._table, self._outputs, self._wrt, self._params)

    # --- numeric evaluation ---------------------------------------------------------------------

    def _program(self) -> Program:
        return self.memo("program", lambda: Program(self._table, self._outputs, self._var_ids,
                                                    self._param_ids))

    def _evaluate(self, x: np.ndarray, data: Data, backend: str) -> np.ndarray:
        return self._program().evaluate(x, as_data(data, self._params), backend)

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
        return self._shape_output(self._evaluate(as_point(point, self._wrt), data, backend))

    def _shape_output(self, out: np.ndarray) -> float | np.ndarray:
        if self._shape is None:
            out = out[..., 0]
            return float(out) if out.ndim == 0 else out
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
    return Graph(*compile_expressions(expr, wrt, params))
