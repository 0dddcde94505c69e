"""What one section of a report is about: an objective with its data, start point, domain
and (for finite sums) the constants the theory needs.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> p = Problem(calcopt.compile(x**2 + 3*y**2), "A quadratic", x0=(1.0, 1.0))
>>> p.expr, p.samples
(x**2 + 3*y**2, None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..errors import OptionError
from ..graph import Graph
from ..data.points import as_data, as_point


@dataclass
class Problem:
    """``graph`` (scalar), a ``title``; optional ``x0`` (start of the runs and the point the
    diagram is annotated at), ``data`` (for a graph with params; the objective is the mean),
    ``domain`` (as for :func:`calcopt.convexity`), ``about`` (a sentence for the reader) and,
    for objectives with data that are not quadratic, ``L``, ``mu`` of the data mean with
    ``constants_how`` saying why they hold (calcopt cannot certify them from the graph)."""

    graph: Graph
    title: str
    x0: tuple[float, ...] | None = None
    data: Any = None
    domain: dict | None = None
    about: str = ""
    L: Any = None
    mu: Any = None
    constants_how: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.graph, Graph) or not self.graph.is_scalar:
            raise OptionError("a report section needs a scalar calcopt.Graph (calcopt.compile "
                              "of one expression)")
        if self.x0 is not None:
            self.x0 = tuple(float(v) for v in as_point(self.x0, self.graph.wrt, "x0"))
        if self.graph.params:
            if self.data is None:
                raise OptionError(f"the objective has params {[s.name for s in self.graph.params]}"
                                  ": give data= (one column of samples per param)")
            as_data(self.data, self.graph.params)    # DataError now, not halfway through
        if (self.L is None) != (self.mu is None):
            raise OptionError("give both L= and mu= (or neither)")

    @property
    def expr(self) -> sp.Expr:
        return self.graph.to_sympy()

    @property
    def samples(self) -> int | None:
        if not self.graph.params:
            return None
        return len(as_data(self.data, self.graph.params)[0])
