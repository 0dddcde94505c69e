"""The proof methods of :func:`calcopt.convexity`, each a function of the shared state.

``State`` holds what has been established (verdicts, witnesses, strictness, moduli, notes
for the reason); each ``by_*`` method adds to it and never contradicts it: a method runs only
for the sides still open.  Every SymPy step runs under the remaining time budget
(:func:`calcopt.analysis.budget.call_with_budget`); running out adds a note, not an error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..errors import DomainError
from .budget import BudgetExceeded, call_with_budget
from .domain import Domain
from .composition import composition_curvature
from .exact import defined_under_assumptions, find_undefined_point
from .intervals import box_intervals, eigenvalue_bounds, node_enclosures
from .kinks import univariate_kink_verdict
from .psd import constant_hessian_facts, factor_signs_psd, symbolic_psd
from .witness import Witness, search, verify

if TYPE_CHECKING:
    from ..graph import Graph

SIDES = ("convex", "concave")


@dataclass
class State:
    """What the methods have established so far."""

    g: "Graph"
    dom: Domain
    deadline: float
    verdict: dict = field(default_factory=lambda: {"convex": None, "concave": None})
    strict: dict = field(default_factory=lambda: {"convex": None, "concave": None})
    modulus: dict = field(default_factory=lambda: {"convex": None, "concave": None})
    witness: dict = field(default_factory=lambda: {"convex": None, "concave": None})
    methods: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    notes: dict = field(default_factory=lambda: {"convex": [], "concave": []})
    defined: bool | None = None
    smooth: bool = True
    enclosures: list | None = None
    hessian: sp.Matrix | None = None

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def budget(self, fraction: float = 1.0) -> float:
        return max(0.0, self.left() * fraction)

    def open_sides(self) -> list[str]:
        return [s for s in SIDES if self.verdict[s] is None]

    def prove(self, side: str, method: str, line: str, strict: bool | None = None,
              modulus: Any = None) -> None:
        if self.verdict[side] is None:
            self.verdict[side] = True
            self._used(method)
            self.lines.append(line)
        if strict:
            self.strict[side] = True
        if modulus is not None and self.modulus[side] is None:
            self.modulus[side] = modulus

    def disprove(self, side: str, method: str, w: Witness, line: str) -> None:
        self.verdict[side] = False
        self.witness[side] = w
        self._used(method)
        self.lines.append(line)

    def _used(self, method: str) -> None:
        if method not in self.methods:
            self.methods.append(method)


def budgeted(st: State, what: str, fn, *args, fraction: float = 1.0, sides=SIDES, **kw):
    """``fn(*args)`` under the remaining budget; on time-out a note and ``None``."""
    t = st.budget(fraction)
    try:
        return call_with_budget(fn, *args, timeout=t, **kw)
    except BudgetExceeded:
        for s in sides:
            st.notes[s].append(f"{what}: time budget exceeded")
        return None


# --- definedness ------------------------------------------------------------------------------


def check_defined(st: State) -> None:
    g, dom = st.g, st.dom
    if st.enclosures is not None and not any(e.maybe_undefined for e in st.enclosures):
        st.defined = True
        st.lines.append("f is defined on the whole domain (interval enclosures of every node)")
        return
    for subs in dom.assumption_supersets():
        if budgeted(st, "definedness", defined_under_assumptions, g, subs, fraction=0.2):
            st.defined = True
            st.lines.append("f is defined on the whole domain (every node is real for all "
                            f"{_show(subs)})")
            return
    cover = dom.closure_cover()
    if cover and all(budgeted(st, "definedness", defined_under_assumptions, g, subs,
                               fraction=0.2) for subs in cover):
        st.defined = True
        st.lines.append("f is defined on the whole domain (every node is real for all "
                        + "; and for all ".join(_show(s) for s in cover) + ")")
        return
    found = find_undefined_point(g, dom)
    if found is not None:
        point, what = found
        at = ", ".join(f"{s}={v}" for s, v in zip(g.wrt, point))
        raise DomainError(f"the function is undefined at ({at}), a point of the domain "
                          f"({dom.describe()}): {what}; restrict the domain with symbol "
                          "assumptions or domain={...} to where it is defined")
    for s in SIDES:
        st.notes[s].append("f could not be proven defined on the whole domain, nor shown "
                           "undefined at a point of it")


# --- methods ----------------------------------------------------------------------------------


def by_composition(st: State) -> None:
    """Composition rules (``composition_curvature``).  Composition is computed in this
    process: it is one linear pass over the graph, with no SymPy simplification."""
    try:
        r = composition_curvature(st.g, st.dom)
    except Exception as exc:  # a defect there must not cost the other methods
        for s in SIDES:
            st.notes[s].append(f"composition rules failed ({type(exc).__name__}: {exc})")
        return
    steps = list(getattr(r, "explanation", []) or [])
    why = "composition rules:\n  " + "\n  ".join(steps) if steps else "composition rules"
    if r.curvature in ("constant", "affine"):
        st.prove("convex", "composition rules", why)
        st.prove("concave", "composition rules", "f is affine, hence also concave")
    elif r.curvature in SIDES:
        st.prove(r.curvature, "composition rules", why)
    else:
        for s in st.open_sides():
            st.notes[s].append("composition rules: no rule decides")


def _witness_line(side: str, w: Witness) -> str:
    return f"not {side}: {w}"


def by_constant_hessian(st: State) -> None:
    H = st.hessian
    facts = budgeted(st, "exact eigenvalues", constant_hessian_facts, H, fraction=0.5)
    if facts is None:
        return
    method = "exact Hessian eigenvalues"
    centre = st.dom.interior_point()
    for side, s, lam, d in (("convex", facts.sign_min, facts.lambda_min, facts.neg_direction),
                            ("concave", facts.sign_max, facts.lambda_max, facts.pos_direction)):
        name = "lambda_min" if side == "convex" else "lambda_max"
        if s is None:
            st.notes[side].append(f"sign of the exact {name} undecided")
            continue
        good = s >= 0 if side == "convex" else s <= 0
        if good:
            strict = s != 0
            mu = (lam if side == "convex" else -lam) if strict else None
            st.prove(side, method, f"constant Hessian, {name} = {lam}: {side}"
                     + (f", strongly with modulus {mu}" if strict else ""), strict, mu)
            continue
        w = _step_witness(st, centre, d, side)
        if w is not None:
            st.disprove(side, method, w, f"constant Hessian, {name} = {lam}; "
                        + _witness_line(side, w))


def _step_witness(st: State, centre: tuple, d: tuple | None, side: str) -> Witness | None:
    """Midpoint witness centre -+ t*d for the largest t = 2**-k that stays in the domain."""
    if d is None:
        return None
    t = sp.Integer(1)
    for _ in range(40):
        a = tuple(c - t * v for c, v in zip(centre, d))
        b = tuple(c + t * v for c, v in zip(centre, d))
        if st.dom.contains(a) and st.dom.contains(b):
            return verify(st.g, st.dom, a, b, side == "convex", st.hessian)
        t /= 2
    return None


def _real_entries(H: sp.Matrix, subs: dict) -> bool:
    return all(e.xreplace(subs).is_real for e in H)


def by_minors(st: State) -> None:
    """PSD of H on the interior (enough: f is continuous on the domain), PD on the closure
    (strictness needs the boundary too, unless the domain is open)."""
    H = st.hessian
    interior = st.dom.assumption_supersets(interior=True)
    closed = interior if st.dom.is_open else st.dom.assumption_supersets()
    for side in SIDES:
        if st.verdict[side] is False:
            continue
        M, name = (H, "H") if side == "convex" else (-H, "-H")
        if st.verdict[side] is None:
            for subs in interior:
                if _real_entries(M, subs) and budgeted(
                        st, "Hessian minors", symbolic_psd, M, subs, fraction=0.6, sides=(side,)):
                    st.prove(side, "Hessian minors", f"{side}: every principal minor of {name} "
                             f"is >= 0 on the interior, for all {_show(subs)}; f is continuous "
                             "on the domain")
                    break
            else:
                if not _punctured(st, side, M, interior[0]) and not _by_factor_signs(
                        st, side, M, name, strict=False):
                    st.notes[side].append("Hessian minors: not signed by SymPy under the "
                                          "domain's sign assumptions, nor factor by factor "
                                          "by interval enclosures")
        if st.verdict[side] and not st.strict[side]:
            for subs in closed:
                if _real_entries(M, subs) and budgeted(
                        st, "Hessian minors", symbolic_psd, M, subs, fraction=0.4,
                        strict=True, sides=()):
                    st.prove(side, "Hessian minors", "", strict=True)
                    st.lines.append(f"strictly {side}: the leading principal minors of {name} "
                                    f"are > 0 for all {_show(subs)}")
                    break
            else:
                _by_factor_signs(st, side, M, name, strict=True)


def _hessian_defined(st: State) -> bool:
    """Every node of the Hessian graph is defined on the whole (closed) domain."""
    encl = node_enclosures(st.g.hessian_graph(), dict(zip(st.dom.wrt,
                                                          box_intervals(st.dom))))
    return not any(e.maybe_undefined for e in encl)


def _by_factor_signs(st: State, side: str, M: sp.Matrix, name: str, strict: bool) -> bool:
    """Minors factored, each factor signed by its interval enclosure (psd.factor_signs_psd)."""
    if not _hessian_defined(st) or not budgeted(st, "Hessian minors by factors",
                                                factor_signs_psd, M, st.dom, strict=strict,
                                                fraction=0.5, sides=(side,) if not strict
                                                else ()):
        return False
    what = "leading principal minors" if strict else "principal minors"
    line = (f"{'strictly ' if strict else ''}{side}: the {what} of {name}, factored, have "
            f"factors of certified sign on the domain (interval enclosures)")
    if strict:
        st.prove(side, "Hessian minors", "", strict=True)
        st.lines.append(line)
    else:
        st.prove(side, "Hessian minors", line)
    return True


def _show(subs: dict) -> str:
    """A substitution in words: ``x real``, ``y > 0``, ``z = (1 + 2*p)/(p + 1) with p > 0``."""
    parts = []
    for k, v in subs.items():
        d = next(iter(v.free_symbols))
        cond = "> 0" if d.is_positive else (">= 0" if d.is_nonnegative else "real")
        cond = "real, nonzero" if d.is_nonzero and cond == "real" else cond
        if v == d:
            parts.append(f"{k} {cond}")
        else:
            name = sp.Symbol(d.name)
            parts.append(f"{k} = {v.xreplace({d: name})} with {name} {cond}")
    return ", ".join(parts)


def _punctured(st: State, side: str, M: sp.Matrix, subs: dict) -> bool:
    """Minors signed off a set of codimension >= 2: for each of k >= 2 unrestricted variables
    x_i, ``M`` is PSD wherever x_i != 0 (a nonzero Dummy), so everywhere except on the
    subspace where all of them vanish.  f is continuous on the domain, and every segment is a
    limit of segments that miss that subspace, so f is convex on the whole domain (this is
    how the Euclidean norm, singular at 0, is proven convex)."""
    free = [s for s, v in subs.items() if v.is_Dummy and v.is_positive is None
            and v.is_nonnegative is None and v.is_nonpositive is None]
    if len(free) < 2:
        return False
    for s in free:
        punct = dict(subs)
        punct[s] = sp.Dummy(s.name, real=True, nonzero=True)
        if not _real_entries(M, punct):
            return False
        if not budgeted(st, "Hessian minors", symbolic_psd, M, punct, fraction=0.3,
                         sides=(side,)):
            return False
    names = ", ".join(s.name for s in free)
    st.prove(side, "Hessian minors", f"{side}: every principal minor of "
             f"{'' if side == 'convex' else '-'}H is >= 0 wherever one of {names} is nonzero; "
             f"f is continuous, and the set where all of them vanish has codimension "
             f"{len(free)} >= 2, so no segment needs it")
    return True


def _sub_boxes(dom: Domain, depth: int) -> list[Domain]:
    """The domain bisected ``depth`` times along its widest bounded interval."""
    boxes = [dom]
    for _ in range(depth):
        nxt = []
        for box in boxes:
            widths = [iv.sup - iv.inf if iv.sup.is_finite and iv.inf.is_finite else -1
                      for iv in box.intervals]
            k = int(np.argmax([float(w) for w in widths]))
            if widths[k] == -1:
                return boxes
            iv = box.intervals[k]
            mid = (iv.inf + iv.sup) / 2
            for half in (sp.Interval(iv.inf, mid, iv.left_open, False),
                         sp.Interval(mid, iv.sup, False, iv.right_open)):
                nxt.append(Domain(box.wrt, box.intervals[:k] + (half,) + box.intervals[k + 1:]))
        boxes = nxt
    return boxes


def by_intervals(st: State) -> None:
    bounds = eigenvalue_bounds
    for depth in (0, 2, 4):
        boxes = _sub_boxes(st.dom, depth)
        if depth and len(boxes) == 1:
            return
        results = budgeted(st, "interval Hessian", lambda bs: [bounds(st.g, b) for b in bs],
                            boxes, fraction=0.5, sides=st.open_sides())
        if results is None:
            return
        lows = [r.lower for r in results]
        highs = [r.upper for r in results]
        where = f"over {len(boxes)} sub-boxes" if depth else "over the domain"
        if all(v is not None for v in lows) and min(lows) >= 0 \
                and st.verdict["convex"] is not False:
            mu = min(lows)
            st.prove("convex", "interval Hessian", f"convex: interval Hessian lambda_min >= "
                     f"{mu} {where}", mu > 0, mu if mu > 0 else None)
        if all(v is not None for v in highs) and max(highs) <= 0 \
                and st.verdict["concave"] is not False:
            mu = -max(highs)
            st.prove("concave", "interval Hessian", f"concave: interval Hessian lambda_max <= "
                     f"{-mu} {where}", mu > 0, mu if mu > 0 else None)
        if not st.open_sides() or st.left() < 0.5:
            return
    for s in st.open_sides():
        st.notes[s].append("interval Hessian: eigenvalue bounds do not have one sign")


def by_kinks(st: State) -> None:
    """One variable with kinks: convex pieces joined with nondecreasing slope (kinks.py)."""
    x, iv = st.g.wrt[0], st.dom.intervals[0]
    expr = st.g.to_sympy()
    if not x.is_real:  # variables are real: SymPy rewrites Abs, Max, ... only for real ones
        xr = sp.Dummy(x.name, real=True)
        expr, x = expr.xreplace({x: xr}), xr
    for side in st.open_sides():
        text = budgeted(st, "pieces between kinks", univariate_kink_verdict,
                         expr, x, iv, side == "convex", fraction=0.3, sides=(side,))
        if text:
            st.prove(side, "pieces between kinks", f"{side}: {text}")
        else:
            st.notes[side].append("pieces between kinks: not proven")


def _warm(g: "Graph") -> None:
    """Generate the numeric code in this process, so forked searches inherit it."""
    try:
        g.function("math")
        g.hvp_graph().function("numpy")
    except Exception:  # code generation problems surface in the search itself
        pass


def by_witness(st: State, samples: int, fraction: float) -> None:
    _warm(st.g)
    for side in st.open_sides():
        # The search stops itself a little before the child is killed, keeping what it has.
        deadline = time.monotonic() + 0.8 * st.budget(fraction)
        w = budgeted(st, "witness search", search, st.g, st.dom, side == "convex",
                      st.hessian if st.smooth else None, samples=samples, deadline=deadline,
                      smooth=st.smooth, fraction=fraction, sides=(side,))
        if w is not None:
            st.disprove(side, "witness search", w, _witness_line(side, w))
        elif not any("counterexample" in n for n in st.notes[side]):
            st.notes[side].append("no counterexample found by the witness search")


def compute_hessian(g: "Graph") -> sp.Matrix:
    return g.hessian()
