"""A proof that a minimum is *not attained*: no stationary point on an open domain.

Fermat's theorem: a minimiser of a function differentiable at it, in the interior of the
domain, is a stationary point.  So when the domain is open (every point interior), ``f`` and
its gradient are defined everywhere on it (interval enclosures of every node of ``g`` and of
``g.gradient_graph()``), ``f`` has no kinks, and ``grad f = 0`` provably has no solution in
the domain, then ``f`` has no minimiser there: its infimum is approached at the boundary or
at infinity (``exp(x)`` on R, ``1/x`` on x > 0).  Without this, a numeric minimiser would
stop somewhere far out where the gradient is merely small.

The gradient's definedness matters: ``sqrt(x**2 + y**2)`` and ``(x**2)**(1/3)`` have no
stationary point either, yet their minimiser is the origin, where the gradient is undefined.

Examples
--------
>>> import sympy as sp, calcopt
>>> from calcopt.analysis.domain import resolve_domain
>>> x = sp.Symbol("x")
>>> g = calcopt.compile(sp.exp(x))
>>> print(no_minimiser(g, resolve_domain(g), calcopt.stationary_points(g)))
no minimiser: f is differentiable on the open domain (all of R^1) and grad f = 0 has no solution there (solveset: grad f = 0 has no solution); a minimiser inside an open domain would be a stationary point (Fermat), so the infimum is not attained
>>> g = calcopt.compile((x**2)**sp.Rational(1, 3))        # minimiser 0, gradient undefined there
>>> no_minimiser(g, resolve_domain(g), calcopt.stationary_points(g)) is None
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .domain import Domain
from .intervals import enclosures
from .smoothness import nonsmooth_ops

if TYPE_CHECKING:
    from ..graph import Graph
    from .stationary import StationaryPoints


def _defined(g: "Graph", dom: Domain) -> bool:
    """Every node of ``g`` is defined at every point of the domain (interval enclosures)."""
    try:
        return not any(e.maybe_undefined for e in enclosures(g, dom))
    except (ArithmeticError, ValueError, TypeError):
        return False


def no_minimiser(g: "Graph", dom: Domain, sps: "StationaryPoints") -> str | None:
    """The proof (one line) that ``g`` attains no minimum on ``dom``, or ``None`` when these
    conditions (see the module docstring) are not all established: ``sps`` (the result of
    ``stationary_points`` on the same domain) complete and empty, the domain open, no kinks,
    ``f`` and its gradient defined on the whole domain."""
    if not (sps.complete and len(sps) == 0 and sps.infinite is not True and dom.is_open
            and dom.wrt and not nonsmooth_ops(g)):
        return None
    if not (_defined(g, dom) and _defined(g.gradient_graph(), dom)):
        return None
    return (f"no minimiser: f is differentiable on the open domain ({dom.describe()}) and "
            f"grad f = 0 has no solution there ({sps.explanation}); a minimiser inside an open "
            "domain would be a stationary point (Fermat), so the infimum is not attained")
