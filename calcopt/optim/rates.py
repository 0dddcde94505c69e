"""``calcopt.predict``: worst-case convergence bounds for a run, from ``L``, ``mu`` and ``x*``.

Each :class:`Prediction` names the quantity it bounds (``"distance"`` ||x_k - x*||,
``"distance_squared"``, ``"f_gap"`` f(x_k) - f*; for SGD the expected f-gap), the
per-iteration ``rate`` when the bound is linear, ``bound(k)`` (vectorised over k), whether the
worst case is attained (``tight``), the ``assumptions`` it rests on and its ``source``.  When
an assumption fails (not convex, a step too long, a missing constant) the Prediction says
which (``applies=False``, ``explanation``) instead of giving a number.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x**2/2 + 5*y**2)                    # L = 10, mu = 1
>>> p = calcopt.predict(g, step=2/11, x0=[1.0, 1.0], L=10, mu=1, x_star=[0, 0])
>>> p.quantity, round(p.rate, 6), p.tight                   # (kappa - 1)/(kappa + 1)
('distance', 0.818182, True)
>>> print(calcopt.predict(g, step=0.25, x0=[1.0, 1.0], L=10, mu=1, x_star=[0, 0]).explanation)
step 0.25 >= 2/L = 0.2: gradient descent is not guaranteed to converge (it diverges on f = L x^2/2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace as replace_fields
from typing import Any, Callable

import numpy as np

from ..data.lazy import DaskData
from ..errors import OptionError
from . import runs
from .constants import Curvature, curvature, is_quadratic, minimiser
from .descent import ARMIJO, Scheme, resolve
from .worstcase import WorstCase, iteration_counts, worst_case
from ..results import Result, show

QUANTITIES = ("distance", "distance_squared", "f_gap")
DT14 = ("Drori & Teboulle (2014), Performance of first-order methods for smooth convex "
        "minimization: a novel approach, Math. Program. 145, Thm 3.1 (h <= 1); h in (1, 2): "
        "conjectured there, proven by Rotaru, Glineur & Patrinos (2024)")
THG18 = ("Taylor, Hendrickx & Glineur (2018), Exact worst-case convergence rates of the "
         "proximal gradient method for composite convex minimization, JOTA 178, Thm 3.3")
POLYAK = ("Polyak (1987), Introduction to Optimization, Sec. 1.4, Thm 3 (contraction of the "
          "gradient step); attained on quadratics along the extreme eigenvectors")
DKGT17 = ("de Klerk, Glineur & Taylor (2017), On the worst-case complexity of the gradient "
          "method with exact line search for smooth strongly convex functions, Optim. Lett. 11")
BV04 = "Boyd & Vandenberghe (2004), Convex Optimization, Sec. 9.3.1 (backtracking line search)"
POLYAK64 = ("Polyak (1964), Some methods of speeding up the convergence of iteration methods; "
            "prefactor: |U_k| <= (k+1) rho^k for the recurrence with roots of modulus rho")
BT09 = ("Beck & Teboulle (2009), A fast iterative shrinkage-thresholding algorithm for linear "
        "inverse problems, SIAM J. Imaging Sci. 2, Thm 4.4")
NES18 = ("Nesterov (2018), Lectures on Convex Optimization, 2nd ed., Thm 2.2.3 (constant step "
         "scheme (2.2.22))")
BCN18 = ("Bottou, Curtis & Nocedal (2018), Optimization methods for large-scale machine "
         "learning, SIAM Review 60")
NESCL = ("classical bound (1 - 1/kappa)^k (f(x0) - f*), e.g. Boyd & Vandenberghe (2004), "
         "Sec. 9.3.1; looser than the tight (1 - 1/kappa)^(2k)")


@dataclass
class Prediction(Result):
    """A worst-case bound for a run; see the module docstring.  ``constants`` holds what the
    bound uses (``L``, ``mu``, ``kappa``, ``step``, ``R``, ``f0_gap``, ...); ``classical`` a
    looser textbook bound shown beside a tight one; ``floor`` the SGD noise floor; ``order``
    the exponent of a sublinear bound (``-1`` for 1/k); ``worst_case`` PEPit's numerical worst
    case at a few k (``predict(..., tight=True)``, :class:`calcopt.optim.worstcase.WorstCase`)."""

    method: str
    quantity: str | None
    rate: float | None
    tight: bool
    assumptions: tuple[str, ...]
    source: str
    applies: bool = True
    explanation: str | None = None
    order: float | None = None
    floor: float | None = None
    constants: dict = field(default_factory=dict)
    x_star: np.ndarray | None = None
    f_star: float | None = None
    classical: "Prediction | None" = None
    worst_case: "WorstCase | None" = None
    _bound: Callable | None = field(default=None, repr=False)

    _aliases = {"failed": "explanation"}
    _repr_fields = ("explanation", "quantity", "rate", "tight", "floor", "bound", "assumptions",
                    "source", "classical", "worst_case")
    _repr_optional = ("explanation", "assumptions", "floor", "classical", "worst_case")

    def bound(self, k) -> np.ndarray | float:
        """The bound on ``quantity`` after ``k`` iterations (array or scalar ``k``; every
        ``k`` a finite number >= 0, integer or float)."""
        if not self.applies:
            raise OptionError(f"this prediction does not apply: {self.explanation}")
        if self._bound is None:
            raise OptionError("bound(k) needs x0 (for R = ||x0 - x*|| and f(x0) - f*); pass "
                              "x0= to predict")
        try:  # bools, strings ('1' would be read as 1.0), None and objects are not counts
            kk = np.asarray(k)
            ok = kk.dtype.kind in "iuf" and bool(np.all(np.isfinite(kk)) and np.all(kk >= 0))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise OptionError(f"k must be a finite number >= 0 (an iteration count) or an array "
                              f"of them; got {k!r}")
        out = self._bound(kk.astype(float))
        return float(out) if np.ndim(out) == 0 else out

    def _repr_title(self) -> str:
        return f"Prediction({self.method})" + ("" if self.applies else ": does not apply")

    def _repr_value(self, name: str, value: Any) -> str | None:
        if name not in ("explanation", "assumptions") and not self.applies:
            return None
        if name == "rate":
            return f"{value:.10g} per iteration" if value is not None else \
                f"sublinear, O(k^{self.order:g})"
        if name == "floor":
            return f"{value:.6g} (expected f-gap as k -> oo)"
        if name == "bound":  # a method: its values at a few k, when x0 was given
            return self._bound and ", ".join(f"k={k}: {value(k):.4g}" for k in (0, 10, 100))
        if name == "classical":
            return f"rate {value.rate:.10g} ({value.source})"
        if name == "worst_case":
            return "\n".join([f"over: {value.function_class}", f"from: {value.initial}",
                              *value.per_k()])
        return show(value)


def _fail(method: str, why: str, assumptions: list[str], constants: dict) -> Prediction:
    return Prediction(method, None, None, False, tuple(assumptions), "", applies=False,
                      explanation=why, constants=constants)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def predict(g, method: str = "gd", step: Any = None, x0: Any = None,
            line_search: str | None = None, momentum: str | None = None, box=None,
            batch_size: int | None = None, data: Any = None, *, L: Any = None, mu: Any = None,
            x_star: Any = None, f_star: Any = None, beta: Any = None, gamma: Any = None,
            armijo: Any = ARMIJO, schedule: str = "constant", replace: bool = False,
            quantity: str | None = None, client: Any = None, tight: bool = False,
            tight_iters: Any = 10) -> Prediction:
    """The worst-case convergence bound of ``calcopt.gd`` / ``calcopt.sgd`` with these
    settings (the same defaults as the runs, so ``predict(g, x0=x0)`` describes
    ``gd(g, x0)``).  ``L``, ``mu`` come from ``calcopt.conditioning`` (exact, or certified over
    ``box``; for data, the data-mean Hessian of a quadratic) unless given; ``x*``, ``f*`` from
    ``calcopt.argmin`` (numerically for data) unless given.  ``quantity`` picks the bound
    among those that apply (default: the one the theory states for the step).  Dask
    ``data``: every pass over it is distributed (``client``: a ``dask.distributed.Client``).
    ``tight=True`` (the ``calcopt[pepit]`` extra) also asks PEPit for the worst case of the
    method over the function class after each k in ``tight_iters`` (``worst_case``; see
    :mod:`calcopt.optim.worstcase`): GD with fixed steps, exact line search and momentum.
    """
    _check_request(method, tight, tight_iters)
    data = runs.dask_ready(g, data, client)
    if quantity is not None:
        runs.choice(quantity, "quantity", QUANTITIES)
    runs.require_scalar(g, "predict")
    c = _context(g, method, data, box, curvature(g, data, box, L, mu), x0, x_star, f_star,
                 quantity)
    if isinstance(c, Prediction):  # no L, no proof of convexity or no x*: it says which
        return c
    if method == "sgd":
        return _predict_sgd(c, data, step, batch_size, schedule, beta, gamma, replace)
    scheme = resolve(g, data, step, line_search, momentum, box, L, mu, beta, armijo,
                     curv=c.curv)
    c.consts.update(step=scheme.step, beta=scheme.beta)
    c = replace_fields(c, name=scheme.method, scheme=scheme)
    p = RATE_RULES[scheme.kind](c)
    if tight and p.applies:
        p.worst_case = worst_case(p, scheme.kind, scheme.step, scheme.beta, tight_iters)
    return p


def _check_request(method: str, tight: Any, tight_iters: Any) -> None:
    runs.choice(method, "method", ("gd", "sgd"))
    if not isinstance(tight, (bool, np.bool_)):
        raise OptionError(f"tight must be True or False; got {tight!r}")
    if tight:
        iteration_counts(tight_iters)
    if tight and method == "sgd":
        raise OptionError("tight=True is for gradient descent (PEPit models no mini-batch SGD "
                          "here); predict(method='sgd') without tight=True")


@dataclass(frozen=True)
class RateContext:
    """What the rate rules read: ``name`` (the method's description), the gd ``scheme``, ``L``,
    ``mu``, ``R = ||x0 - x*||``, ``f0 = f(x0) - f*`` (``None`` without x0), the Prediction's
    ``consts`` and ``assumptions`` (rules add to them), ``quantity``, minimiser ``mn``, ``g``."""

    name: str
    scheme: Scheme | None
    L: float
    mu: float | None
    strongly: bool
    R: float | None
    f0: float | None
    consts: dict
    assumptions: list
    quantity: str | None
    mn: Any
    g: Any
    curv: Curvature

    def fail(self, why: str) -> Prediction:
        return _fail(self.name, why, self.assumptions, self.consts)

    def make(self, quantity, rate, tight, source, bound, **kw) -> Prediction:
        return Prediction(self.name, quantity, rate, tight, tuple(self.assumptions), source,
                          constants=self.consts, x_star=self.mn.x, f_star=self.mn.f,
                          _bound=bound, **kw)


def _context(g, method, data, box, curv, x0, x_star, f_star, quantity):
    """The :class:`RateContext` of a prediction, or the failed Prediction when there is no
    ``L``, no proof of convexity (gd) or no minimiser."""
    Lf, muf = _num(curv.L), _num(curv.mu)
    consts: dict = {"L": curv.L, "mu": curv.mu, "exact": curv.exact, "scope": curv.scope,
                    "box": box}
    assumptions = [f"L = {_fmt(curv.L)}, mu = {_fmt(curv.mu)} ({curv.scope}: {curv.explanation})"]
    if box is not None:
        assumptions.append("every iterate stays in the box (L and mu hold there only)")
    if Lf is None or not Lf > 0:
        return _fail(method, f"no smoothness constant L: {curv.explanation}", assumptions, consts)
    convex, why_not = _convex(g, muf, curv, box)
    if method == "gd" and not convex:
        return _fail("gd", why_not, assumptions, consts)
    x0v = np.array(runs.start_point(g, x0)) if x0 is not None else None
    mn = minimiser(g, data, x_star, f_star, x0v)
    consts.update(x_star=mn.x, f_star=mn.f)
    assumptions.append(f"x* = {None if mn.x is None else mn.x.tolist()}, f* = {mn.f} ({mn.explanation})")
    if mn.x is None:
        return _fail(method, f"no minimiser x* ({mn.explanation})", assumptions, consts)
    R = f0 = None
    if x0v is not None:
        R = float(np.linalg.norm(x0v - mn.x))
        fx0 = float(g.value(x0v, data=data) if g.params else g.value(x0v))
        f0 = fx0 - mn.f
        consts.update(R=R, f0_gap=f0, x0=x0v)
    strongly = muf is not None and muf > 0
    if strongly:
        consts["kappa"] = Lf / muf
    return RateContext(method, None, Lf, muf, strongly, R, f0, consts, assumptions, quantity,
                       mn, g, curv)


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _fmt(v) -> str:
    if v is None:
        return "unknown"
    text = str(v)
    return text if len(text) <= 24 and not isinstance(v, float) else f"{float(v):.6g}"


def _convex(g, muf, curv, box) -> tuple[bool, str | None]:
    """Is f convex (on the box, when given)?  A proof, or the reason there is none."""
    if muf is not None and muf >= 0:
        return True, None
    if muf is not None and curv.exact:
        return False, f"f is not convex: mu = {curv.mu} < 0 ({curv.explanation})"
    if g.params:
        return False, "convexity of the data mean is not certified (pass mu= >= 0)"
    from ..analysis import convexity
    c = convexity(g, domain=box) if box is not None else convexity(g)
    where = " on the box" if box is not None else ""
    if c.is_convex:
        return True, None
    if c.is_convex is False:
        return False, f"f is not convex{where}: {c.explanation}"
    return False, f"convexity{where} is not proven: {c.reason or c.explanation}"


def _fixed(c: RateContext) -> Prediction:
    L, mu, R, f0, quantity = c.L, c.mu, c.R, c.f0, c.quantity
    s = c.scheme.step
    h = s * L
    if h >= 2:
        return c.fail(f"step {s:.6g} >= 2/L = {2 / L:.6g}: gradient descent is not "
                      "guaranteed to converge (it diverges on f = L x^2/2)")
    if not c.strongly:
        if quantity not in (None, "f_gap"):
            return c.fail(f"without strong convexity (mu = {mu}) only the f-gap bound "
                          "holds; the distance to x* need not decay at a rate")
        c.assumptions.append("f convex and L-smooth; step h/L with h in (0, 2)")
        bound = None if R is None else (lambda k: L * R * R / 2 * np.maximum(
            1 / (2 * k * h + 1), (1 - h) ** (2 * k)))
        return c.make("f_gap", None, True, DT14, bound, order=-1.0)
    q = max(abs(1 - s * mu), abs(1 - s * L))
    if quantity is None:
        quantity = "distance" if _close(s, 2 / (L + mu)) else "f_gap" if _close(s, 1 / L) \
            else "distance_squared"
    c.assumptions.append("f mu-strongly convex and L-smooth; step in (0, 2/L)")
    if quantity == "distance":
        bound = None if R is None else (lambda k: q ** k * R)
        return c.make(quantity, q, True, POLYAK, bound)
    if quantity == "distance_squared":
        bound = None if R is None else (lambda k: q ** (2 * k) * R * R)
        return c.make(quantity, q * q, True, POLYAK, bound)
    bound = None if f0 is None else (lambda k: q ** (2 * k) * f0)
    classical = None
    if _close(s, 1 / L):
        r = 1 - mu / L
        classical = c.make("f_gap", r, False, NESCL,
                           None if f0 is None else (lambda k: r ** k * f0))
    return c.make("f_gap", q * q, True, THG18, bound, classical=classical)


def _need_strong(c: RateContext, what: str) -> Prediction | None:
    return None if c.strongly else c.fail(f"{what} needs strong convexity (mu > 0); mu = {c.mu}")


def _exact(c: RateContext) -> Prediction:
    bad = _need_strong(c, "the exact line search rate")
    if bad or c.quantity not in (None, "f_gap"):
        return bad or c.fail("the exact line search bound is on the f-gap")
    q = ((c.L / c.mu - 1) / (c.L / c.mu + 1)) ** 2
    c.assumptions.append("f mu-strongly convex and L-smooth; exact steps")
    f0 = c.f0
    bound = None if f0 is None else (lambda k: q ** k * f0)
    return c.make("f_gap", q, True, DKGT17, bound)


def _armijo(c: RateContext) -> Prediction:
    bad = _need_strong(c, "the backtracking rate")
    if bad or c.quantity not in (None, "f_gap"):
        return bad or c.fail("the backtracking bound is on the f-gap")
    alpha, shrink = c.scheme.armijo
    r = 1 - 2 * c.mu * alpha * min(c.scheme.step, shrink / c.L)
    c.assumptions.append(f"f mu-strongly convex and L-smooth; accepted steps >= min(t0, "
                         f"shrink/L) = {min(c.scheme.step, shrink / c.L):.6g}")
    f0 = c.f0
    bound = None if f0 is None else (lambda k: r ** k * f0)
    return c.make("f_gap", r, False, BV04, bound)


def _heavy_ball(c: RateContext) -> Prediction:
    bad = _need_strong(c, "the heavy-ball rate")
    if bad:
        return bad
    if c.g.params or not is_quadratic(c.g):
        return c.fail("the heavy-ball bound holds for quadratics only (f is not quadratic)")
    L, mu, s = c.L, c.mu, c.scheme
    sk = math.sqrt(L / mu)
    rho = (sk - 1) / (sk + 1)
    step_opt, beta_opt = 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, rho * rho
    if not (_close(s.step, step_opt) and _close(s.beta, beta_opt)):
        return c.fail(f"the bound is for the optimal parameters step = {step_opt:.6g}, "
                      f"beta = {beta_opt:.6g}; got step {s.step:.6g}, beta {s.beta:.6g}")
    if c.quantity not in (None, "distance"):
        return c.fail("the heavy-ball bound is on the distance")
    c.assumptions.append("f quadratic with Hessian eigenvalues in [mu, L]; optimal parameters; "
                         "x_{-1} = x0. The rate rho is the spectral radius of the iteration "
                         "matrix; it is not normal, so ||x_k - x*|| <= (1 + (1 + rho) k) rho^k "
                         "R with a prefactor growing linearly in k, attained along the "
                         "eigenvector of L (a double root -rho there)")
    R = c.R
    bound = None if R is None else (lambda k: (1 + (1 + rho) * k) * rho ** k * R)
    return c.make("distance", rho, True, POLYAK64, bound)


def _fista(c: RateContext) -> Prediction:
    step = c.scheme.step
    if step > 1 / c.L * (1 + 1e-12):
        return c.fail(f"FISTA's bound needs step <= 1/L = {1 / c.L:.6g}; got {step:.6g}")
    if c.quantity not in (None, "f_gap"):
        return c.fail("FISTA's bound is on the f-gap")
    Lu, R = 1 / step, c.R
    c.assumptions.append("f convex and L-smooth; step 1/L' with L' >= L; t_1 = 1")
    bound = None if R is None else (lambda k: 2 * Lu * R * R / (k + 1) ** 2)
    return c.make("f_gap", None, False, BT09, bound, order=-2.0)


def _nesterov(c: RateContext) -> Prediction:
    bad = _need_strong(c, "Nesterov's linear rate")
    if bad:
        return bad
    L, mu, R, f0 = c.L, c.mu, c.R, c.f0
    sk = math.sqrt(L / mu)
    if not (_close(c.scheme.step, 1 / L) and _close(c.scheme.beta, (sk - 1) / (sk + 1))):
        return c.fail(f"the bound is for step 1/L and beta = (sqrt(kappa) - 1)/(sqrt(kappa) "
                      f"+ 1) = {(sk - 1) / (sk + 1):.6g}")
    if c.quantity not in (None, "f_gap"):
        return c.fail("Nesterov's bound is on the f-gap")
    q = 1 - 1 / sk
    c.assumptions.append("f mu-strongly convex and L-smooth; x_{-1} = x0")
    bound = None if f0 is None else (lambda k: q ** k * (f0 + mu * R * R / 2))
    return c.make("f_gap", q, False, NES18, bound)


RATE_RULES = {"fixed": _fixed, "exact": _exact, "armijo": _armijo, "heavy_ball": _heavy_ball,
              "fista": _fista, "nesterov": _nesterov}


def _predict_sgd(c: RateContext, data, step, batch_size, schedule, beta, gamma,
                 replace) -> Prediction:
    from .stochastic import batch_size_of, data_columns, schedule_of
    from .variance import gradient_variance, predicted_variance
    g, L, mu, mn, f0, consts, assumptions = c.g, c.L, c.mu, c.mn, c.f0, c.consts, c.assumptions
    if batch_size is None:
        raise OptionError("predict(method='sgd') needs batch_size=")
    cols = data_columns(g, data)
    N = cols.N if isinstance(cols, DaskData) else len(cols[0])
    B = batch_size_of(batch_size, N)
    if not (mu is not None and mu > 0):
        return c.fail(f"the SGD bounds (Bottou, Curtis & Nocedal 2018, Thms 4.6, 4.7) need "
                      f"strong convexity (mu > 0); mu = {mu}")
    kind, params, name = schedule_of(g, data, schedule, step, beta, gamma, L, mu)
    c = replace_fields(c, name=name)  # the schedule's description
    sigma2, _ = gradient_variance(g, data, mn.x)
    M = float(predicted_variance(sigma2, B, N, replace))
    consts.update(sigma2=sigma2, M=M, batch_size=B, N=N)
    assumptions += [
        "E over mini-batches; unbiased mini-batch gradients (mu_G = 1 in BCN's notation)",
        f"gradient-noise variance M = sigma^2(x*)/B{'' if replace else ' (N-B)/(N-1)'} = "
        f"{M:.6g}, estimated from the data at x*; BCN assume Var <= M + M_V ||grad F||^2 "
        "and M_V is taken as 0 (the variance away from x* can be larger)"]
    if kind == "constant":
        a = params
        if a > 1 / L * (1 + 1e-12):
            return c.fail(f"Thm 4.6 needs step <= mu_G/(L M_G) = 1/L = {1 / L:.6g} (M_G = "
                          f"1); got {a:.6g}")
        floor = a * L * M / (2 * mu)
        r = 1 - a * mu
        consts.update(step=a, floor=floor)
        bound = None if f0 is None else (lambda k: floor + r ** k * (f0 - floor))
        return c.make("f_gap", r, False, BCN18 + ", Theorem 4.6 (fixed stepsize)", bound,
                      floor=floor)
    b, gm = params
    if not b * mu > 1:
        return c.fail(f"Thm 4.7 needs beta > 1/mu = {1 / mu:.6g}; got beta {b:.6g}")
    if b / (gm + 1) > 1 / L * (1 + 1e-12):
        return c.fail(f"Thm 4.7 needs the first step beta/(gamma + 1) <= 1/L = {1 / L:.6g}")
    consts.update(beta=b, gamma=gm)
    nu = None if f0 is None else max(b * b * L * M / (2 * (b * mu - 1)), (gm + 1) * f0)
    consts["nu"] = nu
    bound = None if nu is None else (lambda k: nu / (gm + k + 1))
    return c.make("f_gap", None, False, BCN18 + ", Theorem 4.7 (diminishing stepsizes)", bound,
                  order=-1.0, floor=0.0)
