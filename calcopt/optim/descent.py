"""``calcopt.gd``: gradient descent with a fixed step, a line search or momentum.

Everything a run needs (generated code, constants, the start point) is resolved and checked
once, before the first step; the steps then call the generated code directly.  Fixed-step
gradient descent without data runs as one generated loop (:mod:`calcopt.optim.fastloop`).

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile((x - 1)**2 + 10*(y + 2)**2)
>>> run = calcopt.gd(g, [0.0, 0.0])            # L = 20 is certified: step 1/L
>>> run.method, run.converged, bool(abs(run.x - [1, -2]).max() < 1e-9)
('gd, fixed step 1/L = 0.05 (L from calcopt.conditioning)', True, True)
>>> calcopt.gd(g, [0.0, 0.0], step=0.2).diverged    # 0.2 > 2/L
True
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import numpy as np

from ..errors import OptionError, PointError
from ..results import finite_float
from . import runs
from .constants import Curvature, curvature, is_quadratic
from .fastloop import fixed_step_loop
from .results import Run

LINE_SEARCHES = (None, "armijo", "exact")
MOMENTA = (None, "heavy_ball", "nesterov")
ARMIJO = (0.25, 0.5)
MAX_BACKTRACKS = 60


@dataclass(frozen=True)
class Scheme:
    """What a gradient-descent run does: ``kind`` (``"fixed"``, ``"armijo"``, ``"exact"``,
    ``"heavy_ball"``, ``"nesterov"`` with constant momentum, ``"fista"``), ``step`` (fixed step
    or initial trial step), ``beta`` (momentum), ``armijo`` (alpha, shrink factor), the
    curvature it was derived from, and a description."""

    kind: str
    step: float | None
    beta: float | None
    armijo: tuple[float, float]
    curvature: Curvature | None
    method: str


def _armijo(armijo: Any) -> tuple[float, float]:
    try:
        a, b = (runs.as_real(v) for v in armijo)
    except (TypeError, ValueError):
        a = b = None
    if a is None or b is None or isinstance(armijo, (str, bytes)):
        raise OptionError(f"armijo must be a pair of numbers (alpha, shrink); got {armijo!r}")
    if not (0 < a < 0.5 and 0 < b < 1):
        raise OptionError(f"armijo=(alpha, shrink) needs 0 < alpha < 1/2 and 0 < shrink < 1; "
                          f"got {armijo!r}")
    return a, b


def resolve(g, data: Any = None, step: Any = None, line_search: str | None = None,
            momentum: str | None = None, box=None, L: Any = None, mu: Any = None,
            beta: Any = None, armijo: Any = ARMIJO, curv: Curvature | None = None) -> Scheme:
    """The :class:`Scheme` a ``gd`` call with these arguments runs (shared with ``predict``,
    which passes the curvature it has already found as ``curv``)."""
    step, beta, L, ab = _checked_options(step, line_search, momentum, L, beta, armijo)
    if curv is None:
        curv = _curvature_for(g, data, box, L, mu, step, line_search, momentum, beta)
    if line_search == "exact":
        if step is not None:
            raise OptionError("exact line search chooses every step itself; do not pass step=")
        how = "closed form (f is quadratic)" if is_quadratic(g) else "1-D minimisation (Brent)"
        return Scheme("exact", None, None, ab, curv, f"gd, exact line search: {how}")
    if momentum is None:
        return _plain_scheme(step, line_search, ab, curv)
    if momentum == "heavy_ball":
        return _heavy_ball_scheme(step, beta, ab, curv)
    return _nesterov_scheme(step, beta, ab, curv)


def _checked_options(step, line_search, momentum, L, beta, armijo):
    """``(step, beta, L, armijo)`` checked (in this order), the method names too."""
    runs.choice(line_search, "line_search", LINE_SEARCHES)
    runs.choice(momentum, "momentum", MOMENTA)
    if line_search is not None and momentum is not None:
        raise OptionError("line_search and momentum cannot be combined; choose one")
    step = runs.positive(step, "step", allow_none=True)
    beta = runs.positive(beta, "beta", allow_none=True)
    if beta is not None and beta >= 1:
        raise OptionError(f"beta (momentum) must lie in (0, 1); got {beta!r}")
    L = runs.positive(L, "L", allow_none=True) if L is not None else None
    return step, beta, L, _armijo(armijo)


def _curvature_for(g, data, box, L, mu, step, line_search, momentum, beta) -> Curvature | None:
    """The curvature the scheme needs: found only when a default depends on it."""
    need_curv = (step is None and line_search is None) or (
        momentum in ("heavy_ball", "nesterov") and beta is None)
    if need_curv and not (L is not None and momentum is None):
        return curvature(g, data, box, L, mu)
    return Curvature(L, mu, False, "given", "L given explicitly") if L is not None else None


def _constants(curv: Curvature | None) -> tuple[float | None, float | None, bool]:
    """``(L, mu, strongly convex)`` as floats: ``L`` only when positive and finite."""
    Lf = finite_float(curv.L) if curv else None
    muf = finite_float(curv.mu) if curv else None
    Lf = Lf if Lf is not None and Lf > 0 else None
    return Lf, muf, muf is not None and muf > 0 and Lf is not None


def _how(curv: Curvature | None) -> str:
    return curv.explanation if curv else ""


def _plain_scheme(step, line_search, ab, curv) -> Scheme:
    """No momentum: a fixed step (given, or 1/L) or Armijo backtracking."""
    Lf = _constants(curv)[0]
    if line_search is None and step is None and Lf is not None:
        src = " (L given)" if curv.scope == "given" else \
            " (L from calcopt.conditioning)" if curv.scope != "data" \
            else " (L from the data-mean Hessian)"
        return Scheme("fixed", 1 / Lf, None, ab, curv, f"gd, fixed step 1/L = {1 / Lf:.6g}{src}")
    if line_search is None and step is not None:
        return Scheme("fixed", step, None, ab, curv, f"gd, fixed step {step:.6g}")
    t0 = step if step is not None else 1.0
    why = "" if line_search == "armijo" else " (no certified L: " + (
        curv.explanation if curv else "none given") + ")"
    return Scheme("armijo", t0, None, ab, curv, f"gd, Armijo backtracking (alpha={ab[0]}, "
                  f"shrink={ab[1]}, initial step {t0:.6g}){why}")


def _heavy_ball_scheme(step, beta, ab, curv) -> Scheme:
    if step is None or beta is None:
        Lf, muf, strongly = _constants(curv)
        if not strongly:
            raise OptionError("heavy ball needs step= and beta=, or L and mu > 0 for the "
                              "optimal parameters; " + _how(curv))
        sk = math.sqrt(Lf / muf)
        step = step if step is not None else 4 / (math.sqrt(Lf) + math.sqrt(muf)) ** 2
        beta = beta if beta is not None else ((sk - 1) / (sk + 1)) ** 2
    return Scheme("heavy_ball", step, beta, ab, curv,
                  f"gd, heavy ball momentum (step {step:.6g}, beta {beta:.6g})")


def _nesterov_scheme(step, beta, ab, curv) -> Scheme:
    Lf, muf, strongly = _constants(curv)
    if step is None:
        if Lf is None:
            raise OptionError("Nesterov's method needs step= or a certified L (for step 1/L); "
                              + _how(curv))
        step = 1 / Lf
    if beta is None and strongly:
        sk = math.sqrt(Lf / muf)
        beta = (sk - 1) / (sk + 1)
    if beta is None:
        return Scheme("fista", step, None, ab, curv,
                      f"gd, Nesterov momentum (k-1)/(k+2) schedule (FISTA), step {step:.6g}")
    return Scheme("nesterov", step, beta, ab, curv,
                  f"gd, Nesterov momentum (constant beta {beta:.6g}), step {step:.6g}")


def gd(g, x0: Any, step: Any = None, iters: int = 1000, tol: float = 1e-10,
       line_search: str | None = None, momentum: str | None = None, box=None,
       progress: bool = False, *, data: Any = None, L: Any = None, mu: Any = None,
       beta: Any = None, armijo: Any = ARMIJO, client: Any = None) -> Run:
    """Gradient descent on ``g`` (the mean over ``data`` when ``g`` has params) from ``x0``.

    ``step``: a fixed step; default ``1/L`` when a certified ``L`` exists (global, or over
    ``box``; or ``L=`` given), else Armijo backtracking (``run.method`` says which).
    ``line_search``: ``"armijo"`` (backtracking from ``step`` or 1 with
    ``armijo=(alpha, shrink)``) or ``"exact"`` (closed form for quadratics, Brent otherwise).
    ``momentum``: ``"heavy_ball"`` (default parameters optimal for quadratics, from ``L`` and
    ``mu``) or ``"nesterov"`` (constant momentum from ``kappa`` when ``mu > 0`` is known, else
    the FISTA schedule; step ``1/L``).  Stops when the gradient norm is ``<= tol`` (``tol=0``
    runs all ``iters`` steps), at a non-finite value or overflow (``diverged``; ``x`` is the last
    finite iterate) or at Ctrl-C (``explanation="interrupted"``).  Dask ``data`` (see
    docs/scaling.md) is persisted once when it fits in cluster memory; each iteration is one
    distributed pass for value and gradient; ``client``: a ``dask.distributed.Client``.

    >>> import sympy as sp, calcopt
    >>> x = sp.Symbol("x")
    >>> run = calcopt.gd(calcopt.compile(x**4), [1.0], iters=5, tol=0, line_search="armijo")
    >>> run.iters, run.f.shape, run.method.startswith("gd, Armijo")
    (5, (6,), True)
    """
    t_start = perf_counter()
    runs.require_scalar(g, "gd")
    x = runs.start_point(g, x0)
    iters = runs.count(iters, "iters")
    tol_given, tol = tol, runs.as_real(tol)
    if tol is None or not tol >= 0:
        raise OptionError(f"tol must be a number >= 0; got {tol_given!r}")
    given = data
    data = runs.dask_ready(g, data, client)
    scheme = resolve(g, data, step, line_search, momentum, box, L, mu, beta, armijo)
    fg, f = runs.oracles(g, data)
    f0, g0 = fg(x)
    if g0 is None or not math.isfinite(f0) or not all(map(math.isfinite, g0)):
        raise PointError(f"the objective or its gradient is not finite at x0 = {x}")
    info = {"kind": scheme.kind, "step": scheme.step, "beta": scheme.beta,
            "armijo": scheme.armijo, "x0": list(x), "data": given}
    bar = runs.progress_bar(progress, iters, scheme.method)
    try:
        if scheme.kind == "fixed" and not g.params:
            out = _fast(g, fg, x, scheme.step, iters, tol, bar)
        else:
            out = _generic(g, fg, f, x, scheme, iters, tol, bar, data)
    finally:
        if bar is not None:
            bar.close()
    xs, fs, gns, steps, converged, diverged, reason = out
    return runs.finish(g, xs, fs, gns, steps, None, len(xs) - 1, converged, diverged, reason,
                       scheme.method, perf_counter() - t_start, info=info)


def _fast(g, fg, x, step, iters, tol, bar):
    loop = fixed_step_loop(g, checked=tol > 0)
    n = len(x)
    # A flat float buffer: no Python object per step, and NumPy views it without a copy.
    # The loop stops *at* an iterate (converged or not finite there) or after the steps.
    xs = array("d", x)
    why, error = "iterations", None
    chunk = iters if bar is None else max(1, iters // 100)
    try:
        while len(xs) // n - 1 < iters:
            todo = min(chunk, iters - (len(xs) // n - 1))
            why = loop(tuple(xs[-n:]), step, todo, tol * tol if tol > 0 else -1.0, xs.extend)
            if bar is not None:
                bar.update(todo)
            if why != "iterations":
                break
    except runs.MATH_ERRORS as exc:  # raised while evaluating the gradient at the last iterate
        why, error = "nonfinite", exc
    except KeyboardInterrupt:
        why = "interrupted"
    arr = np.frombuffer(xs, dtype=float).reshape(-1, n).copy()
    if error is not None:  # the gradient raised at the last iterate
        arr = arr[:-1]
    # a non-finite iterate (and everything after it) is cut below
    # f and the gradient norm at every iterate: one vectorised evaluation each
    cols = list(arr.T)  # the generated numpy code directly: the points are already checked
    with np.errstate(all="ignore"):
        fs = np.broadcast_to(g.function("numpy")(cols, ()), (len(arr),)).astype(float)
        grads = g.gradient_graph().function("numpy")(cols, ())
        grads = (grads,) if n == 1 else grads
        gns = np.sqrt(sum(np.square(np.broadcast_to(gi, (len(arr),))) for gi in grads))
    finite = np.isfinite(fs) & np.isfinite(gns)
    if why == "nonfinite" or not np.isfinite(arr[-1]).all():  # once inf/nan, iterates stay so
        finite &= np.isfinite(arr).all(axis=1)
    if not finite.all():  # the first non-finite iterate, f or gradient norm, and all after it
        keep = int(np.argmin(finite))
        arr, fs, gns, why = arr[:keep], fs[:keep], gns[:keep], "nonfinite"
    if why == "iterations" and tol > 0 and gns[-1] <= tol:
        why = "converged"
    return _outcome(arr, fs, gns, np.full(len(fs) - 1, step), why, error, tol, iters)


def _outcome(xs, fs, gns, steps, why, error, tol, iters):
    k = len(xs) - 1
    converged = why == "converged"
    diverged = why == "nonfinite"
    if converged:
        reason = f"gradient norm {gns[-1]:.3g} <= tol = {tol:g} after {k} iterations"
    elif diverged:
        what = f" ({type(error).__name__}: {error})" if error is not None else ""
        reason = (f"diverged: a non-finite value or overflow at iteration {k + 1}{what}; x is "
                  f"the last finite iterate (iteration {k})")
    elif why == "interrupted":
        reason = "interrupted"
    elif why == "iterations":
        reason = f"maximum number of iterations ({iters}) reached"
    else:
        reason = why
    return xs, fs, gns, steps, converged, diverged, reason


@dataclass
class _Steps:
    """What the step rules of :func:`_generic` read and update: the oracles, the scheme, the
    previous iterate (momentum), the FISTA sequence and the exact line search's last step."""

    fg: Any
    f: Any
    scheme: Scheme
    H: Any
    prev: np.ndarray
    t_seq: float = 1.0
    t_guess: float = 1.0


def _generic(g, fg, f, x, scheme, iters, tol, bar, data):
    """Line searches, momentum, and fixed steps with data: one oracle call per evaluation."""
    H = None
    if scheme.kind == "exact" and is_quadratic(g):
        H = g.hess(np.zeros(len(g.wrt)), data=data) if g.params else g.hess(np.zeros(len(g.wrt)))
    xk = np.array(x, dtype=float)
    st = _Steps(fg, f, scheme, H, xk)
    rule = STEP_RULES[scheme.kind]
    xs, fs, gns, steps = [xk], [], [], []
    why, error = "iterations", None
    try:
        for k in range(iters + 1):
            fx, gl = fg(xk.tolist())
            gn = math.hypot(*gl) if gl is not None else math.nan
            if not (math.isfinite(fx) and math.isfinite(gn)):
                xs.pop()
                why = "nonfinite"
                break
            fs.append(fx)
            gns.append(gn)
            if tol > 0 and gn <= tol:
                why = "converged"
                break
            if k == iters:
                break
            t, new, stop = rule(st, k, xk, fx, gl, gn)
            if new is None:
                why = stop
                break
            steps.append(t)
            st.prev, xk = xk, new
            xs.append(xk)
            if bar is not None:
                bar.update()
    except KeyboardInterrupt:
        why = "interrupted"
        steps = _cut_at_interrupt(fg, xs, fs, gns, steps)
    return _outcome(xs, fs, gns, np.array(steps), why, error, tol, iters)


def _cut_at_interrupt(fg, xs, fs, gns, steps) -> list:
    """After Ctrl-C: the iterates cut to those evaluated (the last one evaluated now when it
    was not yet); ``xs``, ``fs``, ``gns`` in place, the steps returned."""
    del xs[len(fs) + 1:]
    steps = steps[:len(xs) - 1]
    if len(fs) < len(xs):
        fx, gl = fg(list(xs[-1]))
        if gl is None:
            xs.pop()
        else:
            fs.append(fx)
            gns.append(math.hypot(*gl))
    return steps


# The step rules: (state, k, x_k, f(x_k), gradient list, its norm) -> (step, x_{k+1}, why);
# x_{k+1} is None when the run stops there, for the reason ``why``.

def _fixed_step(st, k, xk, fx, gl, gn):
    return st.scheme.step, xk - st.scheme.step * np.array(gl), None


def _armijo_step(st, k, xk, fx, gl, gn):
    alpha, shrink = st.scheme.armijo
    t, new = _backtrack(st.f, xk, fx, np.array(gl), gn * gn, st.scheme.step, alpha, shrink)
    return t, new, (f"Armijo backtracking found no decrease in {MAX_BACKTRACKS} halvings (f is "
                    "flat to rounding here)")


def _exact_step(st, k, xk, fx, gl, gn):
    t, new, why = _exact(st.f, xk, fx, np.array(gl), gn * gn, st.H, st.t_guess)
    if new is not None:
        st.t_guess = t
    return t, new, why


def _heavy_ball_step(st, k, xk, fx, gl, gn):
    s = st.scheme
    return s.step, xk - s.step * np.array(gl) + s.beta * (xk - st.prev), None


def _nesterov_step(st, k, xk, fx, gl, gn):
    """Nesterov: the gradient at the extrapolated point (FISTA: momentum (t_k - 1)/t_{k+1})."""
    b = st.scheme.beta
    if st.scheme.kind == "fista":
        b = 0.0
        if k >= 1:
            t_next = (1 + math.sqrt(1 + 4 * st.t_seq * st.t_seq)) / 2
            b, st.t_seq = (st.t_seq - 1) / t_next, t_next
    y = xk + b * (xk - st.prev)
    _, gy = st.fg(y.tolist()) if b else (fx, gl)
    if gy is None or not all(map(math.isfinite, gy)):
        return None, None, "nonfinite"
    return st.scheme.step, y - st.scheme.step * np.array(gy), None


STEP_RULES = {"fixed": _fixed_step, "armijo": _armijo_step, "exact": _exact_step,
              "heavy_ball": _heavy_ball_step, "nesterov": _nesterov_step,
              "fista": _nesterov_step}


def _backtrack(f, x, fx, gk, gn2, t, alpha, shrink):
    for _ in range(MAX_BACKTRACKS):
        new = x - t * gk
        if f(new.tolist()) <= fx - alpha * t * gn2:  # False for nan: backtrack
            return t, new
        t *= shrink
    return t, None


def _exact(f, x, fx, gk, gn2, H, t_guess):
    if H is not None:
        curv = float(gk @ H @ gk)
        if not curv > 0:
            return None, None, "exact line search: f is unbounded below along -gradient"
        t = gn2 / curv
        return t, x - t * gk, "iterations"
    from scipy.optimize import minimize_scalar
    phi = lambda t: f((x - t * gk).tolist())  # noqa: E731
    try:
        res = minimize_scalar(lambda t: v if math.isfinite(v := phi(t)) else math.inf,
                              bracket=(0.0, t_guess))
    except (RuntimeError, ValueError) as exc:
        return None, None, f"exact line search failed: {exc}"
    t = float(res.x)
    if not (t > 0 and res.fun <= fx):
        return None, None, "exact line search found no decrease (f is flat to rounding here)"
    return t, x - t * gk, "iterations"
