"""The exact data mean of an objective with params: what the exact analyses take.

``Graph.value(x, data)`` evaluates ``(1/N) sum_i f(x; p_i)`` in floating point; the exact
analyses (convexity, conditioning, stationary points) need that mean as one expression in
the variables alone.  Each data value is read as the exact decimal it prints as (``0.1`` is
``1/10``), so the mean is a rational-coefficient expression.

>>> import sympy as sp, calcopt
>>> w, a = sp.symbols("w a")
>>> g = calcopt.compile((w - a)**2, wrt=[w], params=[a])
>>> data_mean(g, {a: [0.5, 1.5]}).to_sympy().expand()
w**2 - 2*w + 5/4
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..errors import DataError
from ..graph import Graph, compile
from ..data.points import as_data

MAX_SAMPLES = 200


def data_mean(g: Graph, data: Any, max_samples: int = MAX_SAMPLES) -> Graph:
    """The graph of ``(1/N) sum_i f(x; p_i)`` over the samples of ``data`` (as accepted by
    ``g.value``), in ``g.wrt``; ``DataError`` for bad data or more than ``max_samples``
    samples (the closed form grows with N)."""
    if not g.params:
        raise DataError("data_mean needs an objective with params (calcopt.compile(..., "
                        "params=[...])); this graph has none")
    cols = as_data(data, g.params)
    n = len(cols[0])
    if n > max_samples:
        raise DataError(f"the exact analyses average the objective over its data in closed form"
                        f", for at most {max_samples} samples; got {n}")
    expr = g.to_sympy()
    terms = [expr.xreplace({p: sp.Rational(repr(float(c[i]))) for p, c in zip(g.params, cols)})
             for i in range(n)]
    return compile(sp.Add(*terms) / n, wrt=g.wrt)
