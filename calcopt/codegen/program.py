"""Evaluating generated code: points, batches of points, data sets, IEEE semantics.

A :class:`Program` is the generated code of one node table for given outputs and inputs,
compiled at most once per back end and cached.  :meth:`Program.evaluate` is the one place
where points and data meet the generated code:

* one point, no data, back end ``"math"`` (the default for that case): Python floats.  When
  the math library refuses (``math.log(-1.0)``, ``0.0**-1``, overflow), the same point is
  evaluated by the numpy code on ``numpy.float64`` scalars, so the result is the IEEE value
  (``nan``, ``±inf``) in both back ends, never an exception;
* a batch of points ``(..., n)`` and/or data: the ``"numpy"`` code broadcasts over the batch
  and over the samples; with data the result is the **mean over the samples**.

numpy's floating-point warnings are silenced inside generated code: a domain error shows up
as ``nan``/``inf`` in the result, by design.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import source as codegen
from . import mean as meancode
from ..data.lazy import DaskData
from ..errors import OptionError, PointError
from ..ir.table import NodeTable

_MATH_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


class Program:
    """Generated code for ``outputs`` of ``table`` with inputs ``variables`` and ``parameters``."""

    def __init__(self, table: NodeTable, outputs: Sequence[int], variables: Sequence[int],
                 parameters: Sequence[int]) -> None:
        self.table = table
        self.outputs = tuple(outputs)
        self.variables = tuple(variables)
        self.parameters = tuple(parameters)
        self._sources: dict[str, str] = {}
        self._functions: dict[str, Callable] = {}
        self._means: "MeanProgram | None" = None

    def sample_means(self) -> "MeanProgram":
        """The mean code of the same outputs (built once): at one point with data it turns
        linear forms into one mat-vec and their data-column gradients into one ``X^T s``,
        instead of an array of N per output and a mean of each."""
        if self._means is None:
            self._means = MeanProgram(self.table, self.outputs, self.variables, self.parameters)
        return self._means

    def source(self, backend: str) -> str:
        if backend not in self._sources:
            self._sources[backend] = codegen.generate(
                self.table, self.outputs, self.variables, self.parameters, backend)
        return self._sources[backend]

    def function(self, backend: str) -> Callable:
        """The compiled ``f(x, p)`` for the back end (generated and compiled once)."""
        fn = self._functions.get(backend)
        if fn is None:
            fn = self._functions[backend] = codegen.build(self.source(backend), backend)
        return fn

    def evaluate(self, x: np.ndarray, data: tuple[np.ndarray, ...] | DaskData | None,
                 backend: str = "auto") -> np.ndarray:
        """Values of all outputs: an array of shape ``x.shape[:-1] + (len(outputs),)``."""
        single = x.ndim == 1
        if backend == "auto":
            backend = "math" if single and data is None else "numpy"
        if backend == "math":
            if not single or data is not None:
                raise PointError("the 'math' back end evaluates one point without data; "
                                 "use backend='numpy' (or 'auto') for batches and data")
            return self._evaluate_math(x.tolist())
        if backend != "numpy":
            raise OptionError(f"unknown back end {backend!r}; expected 'auto', 'math' or 'numpy'")
        return self._evaluate_numpy(x, data)

    def _evaluate_math(self, point: list[float]) -> np.ndarray:
        try:
            out = self.function("math")(point, ())
        except _MATH_ERRORS:
            with np.errstate(all="ignore"):
                out = self.function("numpy")([np.float64(v) for v in point], ())
        return np.array((out,) if len(self.outputs) == 1 else out, dtype=float)

    def _evaluate_numpy(self, x: np.ndarray, data: tuple[np.ndarray, ...] | DaskData | None
                        ) -> np.ndarray:
        if data is not None and x.ndim == 1 and self.outputs:  # one point: the mean code
            means = self.sample_means()
            if isinstance(data, DaskData):  # chunk by chunk, the same code (calcopt.data.lazy)
                return data.sample_mean(means, x)
            return np.asarray(means(x, means.prepare(data)), dtype=float)
        if isinstance(data, DaskData):
            return data.program_mean(self.function("numpy"), x, len(self.outputs))
        shape = x.shape[:-1]
        if data is None:
            cols = [x[..., j] for j in range(x.shape[-1])]
            params: tuple = ()
        else:
            cols = [x[..., j, None] for j in range(x.shape[-1])]
            params = data
            shape = shape + (len(data[0]),)
        with np.errstate(all="ignore"):
            out = self.function("numpy")(cols, params)
        outs = (out,) if len(self.outputs) == 1 else out
        if not outs:  # e.g. the gradient of a graph without variables
            result = np.zeros(shape + (0,))
        else:
            result = np.stack([np.broadcast_to(np.asarray(o, dtype=float), shape) for o in outs], -1)
        if data is not None:
            result = result.mean(axis=-2)
        return result


class MeanProgram:
    """Sample means of ``outputs`` at one point from pre-stacked data: the minibatch hot path.

    The code comes from :func:`calcopt.codegen.mean.generate_mean` (linear forms as one mat-vec
    ``X @ w``, data-column gradients as one ``X^T s / N``).  :meth:`prepare` turns the parameter
    columns into that code's data arrays once per data set; :attr:`function` is the raw
    ``f(x, d)`` for hot loops: ``x`` a 1-D float array aligned with the variables, ``d`` the
    prepared arrays or the same rows of each (``tuple(a[idx] for a in d)``), no checks.
    """

    def __init__(self, table: NodeTable, outputs: Sequence[int], variables: Sequence[int],
                 parameters: Sequence[int]) -> None:
        self.outputs = tuple(outputs)
        self.source, self.layout = meancode.generate_mean(table, outputs, variables, parameters)
        self.function: Callable = codegen.build(self.source, "numpy")

    def prepare(self, columns: tuple[np.ndarray, ...] | None,
                shared: dict | None = None) -> tuple[np.ndarray, ...]:
        """The data arrays of :attr:`layout` (samples on axis 0) from validated columns
        (:func:`as_data`).  ``shared``: a dict to pass to every ``prepare`` of the same columns
        in one run, so that programs with the same stacks (gradient and value-and-gradient)
        share them instead of stacking the data twice."""
        cols = columns or ()
        shared = {} if shared is None else shared
        out = []
        for kind, pos in self.layout:
            if (kind, pos) not in shared:
                shared[kind, pos] = cols[pos[0]] if kind == "column" else \
                    _stacked([cols[j] for j in pos])
            out.append(shared[kind, pos])
        return tuple(out)

    def __call__(self, x: np.ndarray, arrays: tuple[np.ndarray, ...]) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.function(x, arrays)


def _stacked(cols: list[np.ndarray]) -> np.ndarray:
    """The ``(N, k)`` matrix of the columns, rows contiguous (a mini-batch is a row gather).

    Columns that are consecutive columns of one float matrix (``X[:, j]``, or ``as_data`` of an
    ``(N, p)`` array) are used in place, as a read-only view: stacking them would copy the
    whole data set only to rebuild ``X``."""
    c0 = cols[0]
    if c0.dtype == np.float64 and c0.base is not None and all(
            c.base is c0.base and c.dtype == np.float64 and c.shape == c0.shape
            and c.strides == c0.strides for c in cols):
        start = c0.__array_interface__["data"][0]
        if all(c.__array_interface__["data"][0] == start + 8 * j for j, c in enumerate(cols)):
            return np.lib.stride_tricks.as_strided(c0, (len(c0), len(cols)), (c0.strides[0], 8),
                                                   writeable=False)
    return np.ascontiguousarray(np.stack(cols, axis=1))


_MEANS = ("value", "gradient", "value_and_gradient")


def sample_means(graph: Any, what: str = "gradient") -> MeanProgram:
    """The :class:`MeanProgram` of a scalar graph's value, gradient or both (cached on it).

    Set-up once per run: ``arrays = prog.prepare(as_data(data, graph.params))`` (with
    :func:`calcopt.data.points.as_data`)
    (validation and stacking); then each step ``prog.function(x, batch)`` with
    ``batch = tuple(a[idx] for a in arrays)`` returns the mean over the batch rows: ``(n,)``
    for the gradient, ``(1,)`` for the value, ``(1 + n,)`` for both.

    >>> import numpy as np, sympy as sp, calcopt
    >>> w, a = sp.symbols("w0:8"), sp.symbols("a0:8")
    >>> g = calcopt.compile(sum(wi * ai for wi, ai in zip(w, a)) ** 2, wrt=w, params=a)
    >>> prog = sample_means(g)
    >>> from calcopt.data.points import as_data
    >>> arrays = prog.prepare(as_data(np.arange(16.0).reshape(2, 8), g.params))
    >>> x = np.ones(8)
    >>> np.allclose(prog(x, arrays), g.grad(x, data=np.arange(16.0).reshape(2, 8)))
    True
    >>> prog.layout     # one (N, 8) matrix: X @ w and X^T s share it
    [('stack', (0, 1, 2, 3, 4, 5, 6, 7))]
    """
    if what not in _MEANS:
        raise OptionError(f"what must be one of {_MEANS}, not {what!r}")
    def build():
        source = graph if what == "value" else (
            graph.gradient_graph() if what == "gradient" else graph.vjp_graph())
        return MeanProgram(source.table, source.outputs, source.variable_nodes,
                           source.parameter_nodes)

    return graph.memo(("codegen", "sample means", what), build)
