"""The numeric derivatives of a :class:`~calcopt.graph.Graph` at points: ``grad``, ``jac``,
``hess``, ``jvp``, ``vjp``, ``hvp``, and every node's value with its adjoint (``backprop``) or
tangent (``tangents``).

Each evaluates the generated code of one cached derivative graph (:mod:`calcopt.graph.exact`)
on validated points (:mod:`calcopt.data.points`); with ``data`` the result is the mean over
the samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse
import sympy as sp

from ..data.points import as_point, joined
from ..errors import PointError

Point = Any
Data = Any


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


class NumericDerivatives:
    """The numeric-derivative methods of :class:`~calcopt.graph.Graph` (a mixin)."""

    def _evaluate_with(self, graph, point: Point, extra: Point, what: str, data: Data,
                       backend: str) -> np.ndarray:
        """A derivative graph whose inputs are ``wrt`` then a tangent (one entry per
        variable) or a cotangent (one per output), at ``point`` and ``extra``."""
        if what == "cotangent":
            m = len(self._outputs)
            xe = joined(point, self._wrt, extra, self._aux_symbols("u", m), what, f"{m} outputs")
        else:
            xe = joined(point, self._wrt, extra, self._wrt, what)
        return graph._evaluate(xe, data, backend)

    def _split(self, out: np.ndarray):
        """(values, derivatives) from an evaluated ``[outputs..., derivatives...]`` graph."""
        m = len(self._outputs)
        return self._shape_output(out[..., :m]), out[..., m:]

    def grad(self, point: Point, data: Data = None, backend: str = "auto") -> np.ndarray:
        """The numeric gradient (of the mean over samples with ``data``), from the generated
        code of :meth:`gradient_graph`.  Shape ``batch + (n,)``.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 + 3*y).grad([1.0, 5.0])
        array([2., 3.])
        """
        return self.gradient_graph()._evaluate(as_point(point, self._wrt), data, backend)

    def jac(self, point: Point, mode: str = "auto", data: Data = None) -> np.ndarray:
        """The numeric Jacobian at ``point``: shape ``batch + (m, n)``.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile([x*y, x + y**2]).jac([2.0, 3.0])
        array([[3., 2.],
               [1., 6.]])
        """
        out = self.jacobian_graph(mode)._evaluate(as_point(point, self._wrt), data, "auto")
        return out.reshape(out.shape[:-1] + (len(self._outputs), len(self._wrt)))

    def jvp(self, point: Point, tangent: Point, data: Data = None,
            backend: str = "auto") -> tuple[float | np.ndarray, float | np.ndarray]:
        """Forward mode: ``(value, directional derivative)`` at ``point`` along ``tangent``,
        one forward sweep carrying tangents, by the generated code of :meth:`jvp_graph`.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 * y).jvp([1.0, 3.0], [1.0, 0.0])
        (3.0, 6.0)
        """
        out = self._evaluate_with(self.jvp_graph(), point, tangent, "tangent", data, backend)
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
            out = self._value_and_gradient()._evaluate(as_point(point, self._wrt), data, backend)
            value, grad = self._split(out)
            return value, grad * c[0]
        out = self._evaluate_with(self.vjp_graph(), point, cotangent, "cotangent", data, backend)
        return self._split(out)

    def hvp(self, point: Point, v: Point, data: Data = None, backend: str = "auto") -> np.ndarray:
        """Numeric Hessian-vector product ``H(point) v``.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> calcopt.compile(x**2 * y).hvp([1.0, 2.0], [1.0, 0.0])
        array([4., 2.])
        """
        return self._evaluate_with(self.hvp_graph(), point, v, "v", data, backend)

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

    def backprop(self, point: Point, data: Data = None, cotangent: Point | None = None) -> Backprop:
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
        names = None if self.is_scalar else self._aux_symbols("u", len(self._outputs))
        if names is None and cotangent is not None:
            raise PointError("a scalar graph's backprop is seeded with 1; do not pass a cotangent")
        if names is not None and cotangent is None:
            raise PointError(f"backprop of a vector graph needs a cotangent with "
                             f"{len(self._outputs)} entries (one weight per output)")
        value, values, adjoints = self._every_node("reverse", names, point, cotangent, data)
        return Backprop(value, values, adjoints)

    def tangents(self, point: Point, tangent: Point, data: Data = None) -> Tangents:
        """Values and forward-mode tangents of every node at ``point`` along ``tangent``.

        >>> import sympy as sp, calcopt
        >>> x, y = sp.symbols("x y")
        >>> g = calcopt.compile(x*y)
        >>> g.tangents([2.0, 3.0], [1.0, 0.0]).tangents[g.outputs[0]]
        3.0
        """
        names = self._aux_symbols("v", len(self._wrt))
        value, values, tangents = self._every_node("forward", names, point, tangent, data)
        return Tangents(value, values, tangents)

    def _every_node(self, mode: str, names, point: Point, direction: Point, data: Data):
        graph = self._every_node_graph(mode, names)
        if names:
            what = "cotangent" if mode == "reverse" else "tangent"
            out = self._evaluate_with(graph, point, direction, what, data, "numpy")
        else:
            out = graph._evaluate(as_point(point, self._wrt), data, "numpy")
        if out.ndim != 1:
            raise PointError("backprop/tangents take one point, not a batch")
        n = len(self._table)
        values, derivs = dict(enumerate(out[:n].tolist())), dict(enumerate(out[n:].tolist()))
        value = values[self._outputs[0]] if self.is_scalar else \
            np.array([values[o] for o in self._outputs])
        return value, values, derivs
