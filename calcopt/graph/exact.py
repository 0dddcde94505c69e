"""The exact derivatives of a :class:`~calcopt.graph.Graph`: gradient, Jacobian, Hessian (SymPy),
the derivative graphs behind them, the Hessian's sparsity and colouring, and the cost report.

Each ``*_graph`` is built once by a table transform of :mod:`calcopt.ad.derivatives` and
cached on the graph (:meth:`~calcopt.graph.Graph.memo`); it is a Graph itself, so its numeric
code and further derivatives come for free.
"""

from __future__ import annotations

from typing import Any, Sequence

import scipy.sparse
import sympy as sp

from ..ad import derivatives as d
from ..ad import sparsity
from ..ad.cost import CostReport, operations, tree_size
from ..ad.sparsity import Coloring
from ..errors import OptionError, ShapeError
from ..ir.table import NodeTable

Graph = Any  # calcopt.graph.Graph, which is built on this module (so it is not imported here)


class ExactDerivatives:
    """The exact-derivative methods of :class:`~calcopt.graph.Graph` (a mixin: one job per
    module, one class for the user)."""

    def _derived(self, built: tuple[NodeTable, Sequence[int]], wrt: Sequence[sp.Symbol],
                 shape: tuple[int, ...] | None) -> "Graph":
        """A new Graph on the nodes of a derivative table that its outputs need (the leaves of
        ``wrt`` and of the params kept)."""
        table, outputs = built
        keep = [table.symbol(s) for s in tuple(wrt) + self._params]
        small, remap = table.extract(outputs, keep)
        return type(self)(small, [remap[o] for o in outputs], wrt, self._params, shape)

    def _require_scalar(self, what: str) -> None:
        if not self.is_scalar:
            raise ShapeError(f"{what} needs a scalar graph, but this graph has "
                             f"{len(self._outputs)} outputs; use jacobian() instead")

    def _aux_symbols(self, prefix: str, k: int) -> tuple[sp.Symbol, ...]:
        """Fresh symbols for tangent/cotangent inputs of derivative graphs (never clash)."""
        return self.memo(("aux", prefix, k), lambda: tuple(sp.Dummy(f"{prefix}{i}")
                                                           for i in range(k)))

    def _gradient_nodes(self) -> tuple[NodeTable, list[int]]:
        """One reverse sweep, shared by the gradient and value-and-gradient graphs."""
        return self.memo("gradient nodes",
                         lambda: d.gradient(self._table, self._outputs, self._var_ids))

    def gradient_graph(self) -> "Graph":
        """The gradient as a Graph (n outputs), built by one reverse sweep; its size is O(size
        of this graph), and it shares the primal subexpressions.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 * y).gradient_graph().to_sympy()
        Matrix([
        [2*x*y],
        [ x**2]])
        """
        self._require_scalar("gradient")
        n = len(self._wrt)
        return self.memo("gradient", lambda: self._derived(self._gradient_nodes(), self._wrt,
                                                           (n, 1)))

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
            return self._derived((table, outs), self._wrt, (len(outs),))

        return self.memo("value and gradient", build)

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
            built = d.jvp(self._table, self._outputs, self._var_ids, vs)
            return self._derived(built, self._wrt + vs, (len(built[1]),))

        return self.memo("jvp", build)

    def vjp_graph(self) -> "Graph":
        """Reverse mode as a Graph: inputs ``wrt + cotangent symbols`` (none for a scalar graph,
        whose cotangent is 1); outputs the outputs, then ``u^T J`` (the gradient when scalar)."""
        if self.is_scalar:
            return self._value_and_gradient()

        def build():
            us = self._aux_symbols("u", len(self._outputs))
            built = d.vjp(self._table, self._outputs, self._var_ids, us)
            return self._derived(built, self._wrt + us, (len(built[1]),))

        return self.memo("vjp", build)

    def _every_node_graph(self, mode: str, names: Sequence[sp.Symbol] | None) -> "Graph":
        """Every node, then its adjoint (``"reverse"``) or tangent (``"forward"``)."""
        def build():
            built = d.every_node(self._table, self._outputs, self._var_ids, mode, names)
            return self._derived(built, self._wrt + tuple(names or ()), (len(built[1]),))

        return self.memo(("every node", mode), build)

    def jacobian_graph(self, mode: str = "auto") -> "Graph":
        """The Jacobian (m x n) as a Graph.  ``mode``: ``"reverse"`` (one sweep per output),
        ``"forward"`` (one sweep per variable) or ``"auto"`` (the one with fewer sweeps)."""
        m, n = len(self._outputs), len(self._wrt)
        if mode == "auto":
            mode = "reverse" if m <= n else "forward"
        if mode not in ("reverse", "forward"):
            raise OptionError(f"mode must be 'auto', 'reverse' or 'forward', not {mode!r}")
        return self.memo(f"jacobian {mode}", lambda: self._derived(
            d.jacobian(self._table, self._outputs, self._var_ids, mode), self._wrt, (m, n)))

    def jacobian(self, point=None, mode: str = "auto", data=None) -> sp.Matrix:
        """The exact Jacobian (SymPy Matrix, m x n).  Given a ``point`` it returns the numeric
        Jacobian there, as :meth:`~calcopt.graph.Graph.jac` does (the numeric name).

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile([x*y, x + y**2]).jacobian()
        Matrix([
        [y,   x],
        [1, 2*y]])
        """
        if point is not None:
            return self.jac(point, mode, data)
        return self.jacobian_graph(mode).to_sympy()

    def hessian_sparsity(self) -> "scipy.sparse.csr_array":
        """Structural non-zero pattern of the Hessian (n x n boolean CSR), from the graph:
        ``H[i, j]`` may be non-zero only if gradient entry ``i`` depends on variable ``j``.

        >>> import sympy as sp, calcopt
        >>> x, y, z = sp.symbols("x y z")
        >>> calcopt.compile(x*y + z**2).hessian_sparsity().toarray().astype(int)
        array([[0, 1, 0],
               [1, 0, 0],
               [0, 0, 1]])
        """
        self._require_scalar("hessian_sparsity")

        def build():
            gg = self.gradient_graph()
            rows = sparsity.dependencies(gg._table, gg._outputs, gg._var_ids)
            return sparsity.pattern_matrix(rows, len(self._wrt))

        return self.memo("sparsity", build)

    def hessian_coloring(self) -> Coloring:
        """A distance-2 colouring of the Hessian's adjacency graph (networkx): one
        Hessian-vector product per colour recovers every entry directly.

        >>> import sympy as sp, calcopt
        >>> xs = sp.symbols("x0:6")
        >>> f = sum(100*(xs[i+1] - xs[i]**2)**2 + (1 - xs[i])**2 for i in range(5))
        >>> calcopt.compile(f).hessian_coloring().n_colors
        3
        """
        return self.memo("coloring",
                         lambda: sparsity.distance2_coloring(self.hessian_sparsity()))

    def _upper_pattern(self) -> tuple[list[int], list[int]]:
        """Rows and columns of the structural non-zeros with i <= j (row-major)."""
        return self.memo("upper pattern", lambda: d.upper_pattern(self.hessian_sparsity()))

    def _hessian_entries(self) -> "Graph":
        """Exact Hessian entries ``H[i, j]``, ``i <= j``, at the sparsity pattern (row-major,
        as :meth:`_upper_pattern`), by coloured forward-over-reverse; the lower triangle
        mirrors it."""
        self._require_scalar("hessian")

        def build():
            gg, coloring = self.gradient_graph(), self.hessian_coloring()
            built = d.hessian_entries(gg._table, gg._outputs, gg._var_ids, coloring.colors,
                                      coloring.n_colors, *self._upper_pattern())
            return gg._derived(built, self._wrt, (len(built[1]),))

        return self.memo("hessian entries", build)

    def hessian_graph(self) -> "Graph":
        """The dense Hessian (n x n) as a Graph, built by coloured forward-over-reverse.
        For large sparse problems use :meth:`hessian` with ``sparse=True`` (no n x n outputs)."""
        self._require_scalar("hessian")

        def build():
            n, entries = len(self._wrt), self._hessian_entries()
            table = entries._table.copy()
            outs = [table.const(sp.S.Zero)] * (n * n)
            for node, i, j in zip(entries._outputs, *self._upper_pattern()):
                outs[i * n + j] = outs[j * n + i] = node
            return entries._derived((table, outs), self._wrt, (n, n))

        return self.memo("hessian", build)

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
        entries, values = self._hessian_entries(), {}
        for node, i, j in zip(entries._outputs, *self._upper_pattern()):
            e = entries.expr(node)
            if e != 0:
                values[(i, j)] = values[(j, i)] = e
        return sp.SparseMatrix(len(self._wrt), len(self._wrt), values)

    def hvp_graph(self) -> "Graph":
        """Hessian-vector product as a Graph: inputs ``wrt + v``, outputs ``H(x) v``
        (one forward sweep over the gradient graph)."""
        self._require_scalar("hvp")

        def build():
            gg, vs = self.gradient_graph(), self._aux_symbols("v", len(self._wrt))
            built = d.hvp(gg._table, gg._outputs, gg._var_ids, vs)
            return gg._derived(built, self._wrt + vs, (len(built[1]),))

        return self.memo("hvp", build)

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
        jvp, vjp = operations(self.jvp_graph()._table), operations(self.vjp_graph()._table)
        hvp = operations(self.hvp_graph()._table)
        colors = self.hessian_coloring().n_colors
        return CostReport(
            n=n, f=operations(self._table), jvp_sweep=jvp, vjp_sweep=vjp,
            gradient_forward=n * jvp, gradient_reverse=vjp, hvp=hvp, hessian_dense=n * hvp,
            hessian_colored=colors * hvp, colors=colors, dag_nodes=len(self),
            tree_nodes=tree_size(self._table, self._outputs))
