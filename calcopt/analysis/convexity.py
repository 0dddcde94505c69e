"""``calcopt.convexity``: sound convexity and concavity verdicts on a domain.

Each of ``is_convex`` and ``is_concave`` is ``True`` (proven), ``False`` (an exactly checked
counterexample, the *witness*) or ``None`` (unknown, with the reason).  Methods, cheapest first:

1. **composition rules** on the graph (``composition_curvature``, bound-aware);
2. **exact Hessian**: a constant Hessian (quadratics) is decided by its exact eigenvalues
   (strong modulus ``mu = lambda_min``, exact); otherwise principal minors that SymPy can sign
   under the domain's sign assumptions (variables replaced by Dummies such as ``a + p`` with
   ``p > 0``);
3. **interval Hessian** over the box (``eigenvalue_bounds``), bisecting bounded boxes;
4. **witness search**: numeric negative curvature or midpoint violations, re-checked exactly
   at rational points (:mod:`calcopt.analysis.witness`).

Hessian methods (2, 3) apply only to functions without kinks (no ``abs``, ``max``,
``Piecewise``, ...; see :func:`calcopt.analysis.smoothness.nonsmooth_ops`): a Hessian that is
positive semidefinite where it exists proves nothing about ``-|x|``.  A ``True`` verdict also
needs the function to be proven defined on the whole domain; a point of the domain where it is
provably undefined raises :class:`calcopt.DomainError`.

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> r = calcopt.convexity(calcopt.compile(2*x**2 + x*y + y**2), timeout=5)
>>> r.is_convex, r.is_concave, r.strictly, r.strong_modulus
(True, False, True, 3 - sqrt(2))
>>> calcopt.convexity(calcopt.compile(x**3), timeout=5).is_convex
False
>>> calcopt.convexity(calcopt.compile(x**3), domain={x: (0, None)}, timeout=5).is_convex
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import InvalidInputError
from .checks import check_timeout, require_no_params
from .domain import Domain, resolve_domain
from .proofs import (SIDES, by_composition, by_constant_hessian, by_intervals, by_kinks,
                     by_minors, by_witness, budgeted, check_defined, compute_hessian,
                     State)
from .intervals import enclosures
from .psd import blocks
from .smoothness import nonsmooth_ops
from .witness import Witness
from ..results import Result

if TYPE_CHECKING:
    from ..graph import Graph

MAX_MINOR_BLOCK = 5  # 2**5 - 1 = 31 principal minors; beyond, interval and witness methods


@dataclass(frozen=True)
class Convexity(Result):
    """Result of :func:`convexity` (scipy ``OptimizeResult`` style: read the fields).

    ``is_convex``, ``is_concave``: ``True`` / ``False`` / ``None``.  ``strictly``: ``True`` when
    strict convexity (or, for a concave and not convex function, strict concavity) is proven,
    else ``None``.  ``strong_modulus``: an exact positive SymPy number ``mu`` when
    ``mu``-strong convexity (for a concave function: of ``-f``) is proven, else ``None``.
    ``nonconvex_witness`` / ``nonconcave_witness``: a :class:`~calcopt.analysis.witness.Witness`
    for each ``False``.  ``method``: the methods that decided.  ``explanation``: the proof, line
    by line.  ``reason``: why something is ``None`` (else ``None``).  ``domain``: the domain the
    verdict is about.
    """

    is_convex: bool | None
    is_concave: bool | None
    strictly: bool | None
    strong_modulus: Any
    nonconvex_witness: Witness | None
    nonconcave_witness: Witness | None
    method: str
    explanation: str
    reason: str | None
    domain: Domain

    _repr_fields = ("is_convex", "is_concave", "strictly", "strong_modulus",
                    "nonconvex_witness", "nonconcave_witness", "method", "explanation", "reason")
    _repr_optional = ("nonconvex_witness", "nonconcave_witness", "reason")

    @property
    def curvature(self) -> str | None:
        """One word: ``affine``, ``convex``, ``concave``, ``neither`` or ``None`` (unknown)."""
        v, c = self.is_convex, self.is_concave
        if v and c:
            return "affine"
        if v or c:
            return "convex" if v else "concave"
        return "neither" if v is False and c is False else None

    def _repr_title(self) -> str:
        return f"Convexity({self.curvature or 'unknown'} on {self.domain.describe()})"


def convexity(g: "Graph", domain: Mapping | None = None, timeout: float = 10.0) -> Convexity:
    """Is the scalar objective ``g`` convex / concave on the domain?  (See the module docs.)

    ``domain``: ``{variable: sympy.Interval or (lo, hi)}`` intersected with the variables'
    assumptions (:func:`~calcopt.analysis.domain.resolve_domain`).  ``timeout``: seconds for
    the whole analysis; a step that runs out gives ``None`` with the reason.

    Raises :class:`calcopt.DomainError` for a bad domain or a point of it (given in the
    message, checked exactly) where the function is undefined; :class:`calcopt.ShapeError`
    for a vector-valued graph.

    >>> import sympy as sp, calcopt
    >>> x = sp.Symbol("x", positive=True)
    >>> r = calcopt.convexity(calcopt.compile(x * sp.log(x)), timeout=5)
    >>> r.is_convex, r.is_concave, r.strictly
    (True, False, True)
    """
    from ..graph import Graph

    if not isinstance(g, Graph):
        raise InvalidInputError(f"convexity needs a calcopt.Graph (calcopt.compile(expr)); got "
                                f"{type(g).__name__}")
    timeout = check_timeout(timeout)
    dom = resolve_domain(g, domain)
    require_no_params(g, "convexity")
    st = State(g, dom, time.monotonic() + timeout)
    st.enclosures = enclosures(g, dom)
    check_defined(st)
    kinks = nonsmooth_ops(g, st.enclosures)
    st.smooth = not kinks
    if kinks:
        for s in SIDES:
            st.notes[s].append(f"Hessian tests skipped: {', '.join(kinks)} may have kinks "
                               "on the domain")
    if not g.wrt:  # no variables: a constant function
        st.prove("convex", "no variables", "f has no variables: it is constant")
        st.prove("concave", "no variables", "")
    by_composition(st)
    if st.smooth:
        st.hessian = budgeted(st, "exact Hessian", compute_hessian, g, fraction=0.3)
    H = st.hessian
    if H is not None and g.wrt and not (H.free_symbols & set(g.wrt)):
        by_constant_hessian(st)
    if st.open_sides():
        by_witness(st, samples=30, fraction=0.2)
    if not st.smooth and len(g.wrt) == 1 and st.open_sides():
        by_kinks(st)
    if H is not None and H.free_symbols & set(g.wrt) \
            and max(len(b) for b in blocks(H)) <= MAX_MINOR_BLOCK:
        by_minors(st)
    if st.smooth and (st.open_sides() or any(st.verdict[s] and st.modulus[s] is None
                                              for s in SIDES)):
        by_intervals(st)
    if st.open_sides():
        by_witness(st, samples=200, fraction=0.9)
    return _result(st)


def _result(st: State) -> Convexity:
    v = st.verdict
    if st.defined is not True:
        for s in SIDES:
            if v[s]:
                v[s] = None
                st.notes[s].insert(0, "the curvature proof above does not count: f is not "
                                   "proven defined on the whole domain")
    main = "convex" if v["convex"] else ("concave" if v["concave"] else None)
    strictly = st.strict[main] if main and not (v["convex"] and v["concave"]) else None
    modulus = st.modulus[main] if strictly else None
    reasons = [f"{s}: " + "; ".join(st.notes[s] or ["undecided"]) for s in SIDES if v[s] is None]
    return Convexity(
        is_convex=v["convex"], is_concave=v["concave"], strictly=strictly,
        strong_modulus=modulus, nonconvex_witness=st.witness["convex"],
        nonconcave_witness=st.witness["concave"], method=", ".join(st.methods) or "none",
        explanation="\n".join(line for line in st.lines if line) or "nothing proven",
        reason=". ".join(reasons) or None, domain=st.dom)
