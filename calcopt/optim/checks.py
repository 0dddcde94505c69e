"""``calcopt.check``: does a run obey its predicted bound, and how fast did it actually go?

The error is ``prediction.quantity`` measured on the run's recorded iterates (with the
prediction's ``x*`` and ``f*``).  ``measured_rate`` is the least-squares slope of the log error
per iteration over a window that stops before the floating-point floor (a linear bound), or
the exponent p of ``error ~ k^p`` (a sublinear bound, compared with ``prediction.order``).
``holds``: every recorded error is within the bound, up to a relative tolerance for rounding;
``None`` when the bound does not apply to the run (a prediction over a box that an iterate
leaves).  Settings of the run that differ from the prediction's (method, step, momentum, x0,
batch size, the objective's value at x0) are named in ``mismatch`` and in the verdict.
For SGD pass several runs (different seeds): the errors are averaged over them (the bounds
are on the expectation), ``holds`` allows three standard errors, and the plateau (the mean
over the second half of the records) is compared with the predicted noise floor.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x**2/2 + 5*y**2)
>>> run = calcopt.gd(g, [1.0, 1.0], step=2/11, tol=0, iters=60)
>>> p = calcopt.predict(g, step=2/11, x0=[1.0, 1.0], L=10, mu=1, x_star=[0, 0])
>>> c = calcopt.check(run, p)
>>> c.holds, abs(c.ratio - 1) < 1e-9
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..errors import OptionError
from .rates import Prediction
from .results import Run
from ..results import Result, show

EPS = np.finfo(float).eps
RTOL = 1e-9


@dataclass
class RateCheck(Result):
    """Result of :func:`check`.  ``k`` and ``error``: the recorded iterations and the measured
    quantity (seed-averaged for SGD), ``bound`` the prediction there; ``window`` the iterations
    the rate was fitted on; for SGD ``plateau``, ``floor`` and ``plateau_ratio``; ``mismatch``
    the run's settings that differ from the prediction's (``None``: none found)."""

    quantity: str
    measured_rate: float | None
    predicted_rate: float | None
    ratio: float | None
    holds: bool | None
    verdict: str
    k: np.ndarray
    error: np.ndarray
    bound: np.ndarray
    window: tuple[int, int] | None
    first_violation: int | None = None
    plateau: float | None = None
    floor: float | None = None
    plateau_ratio: float | None = None
    seeds: int = 1
    mismatch: str | None = None

    _repr_fields = ("measured_rate", "predicted_rate", "ratio", "holds", "plateau", "verdict")

    def table(self, rows: int = 12) -> str:
        """Measured error against the bound at about ``rows`` log-spaced iterations."""
        if len(self.k) == 0:
            return "(no recorded iterates)"
        picks = np.unique(np.geomspace(1, len(self.k), min(rows, len(self.k))).astype(int) - 1)
        head = f"{'k':>8} {self.quantity:>14} {'bound':>14} {'error/bound':>12}"
        lines = [head]
        for i in picks:
            e, b = self.error[i], self.bound[i]
            r = e / b if b > 0 else np.inf
            lines.append(f"{int(self.k[i]):>8d} {e:>14.6g} {b:>14.6g} {r:>12.4g}")
        return "\n".join(lines)

    def _repr_title(self) -> str:
        return f"RateCheck({self.quantity}, {self.seeds} run(s))"

    def _repr_value(self, name: str, value: Any) -> str | None:
        if name == "plateau":
            return None if self.floor is None else \
                f"{show(value)} (predicted floor {show(self.floor)})"
        return show(value)


def _errors(run: Run, p: Prediction) -> np.ndarray:
    if p.quantity == "f_gap":
        return run.f - p.f_star
    d = np.linalg.norm(run.xs - p.x_star, axis=1)
    return d if p.quantity == "distance" else d * d


def _rounding(p: Prediction, err0: float) -> float:
    """An absolute tolerance for rounding in the measured error."""
    if p.quantity == "f_gap":
        scale = abs(p.f_star)
    else:
        scale = float(np.linalg.norm(p.x_star)) ** (2 if p.quantity == "distance_squared" else 1)
    return 1e3 * EPS * scale + 1e-12 * abs(err0)


def check(run: Run | Sequence[Run], prediction: Prediction) -> RateCheck:
    """Compare a run (or several SGD runs with different seeds) with a prediction."""
    if not isinstance(prediction, Prediction):
        raise OptionError("check takes a Prediction from calcopt.predict; got "
                          f"{type(prediction).__name__}")
    if not prediction.applies:
        raise OptionError(f"the prediction does not apply: {prediction.explanation}")
    many = list(run) if isinstance(run, (list, tuple)) else [run]
    if not many or not all(isinstance(r, Run) for r in many):
        raise OptionError("check takes a Run or a list of Runs from calcopt.gd / calcopt.sgd")
    k = many[0].recorded
    if any(not np.array_equal(r.recorded, k) for r in many):
        raise OptionError("the runs recorded different iterations; use the same iters, "
                          "epochs and record_every for every seed")
    if len(k) == 0:
        raise OptionError("the run recorded no iterates (record_every=0)")
    n = len(prediction.x_star)
    if any(r.xs.shape[1] != n for r in many):
        raise OptionError(f"the run has {many[0].xs.shape[1]} variables but the prediction's "
                          f"x* has {n}: they are for different objectives")
    errs = np.array([_errors(r, prediction) for r in many])
    err = errs.mean(axis=0)
    se = errs.std(axis=0, ddof=1) / np.sqrt(len(many)) if len(many) > 1 else np.zeros_like(err)
    bound = np.asarray(prediction.bound(k.astype(float)), dtype=float) * np.ones_like(err)
    atol = _rounding(prediction, err[0])
    ok = err <= bound * (1 + RTOL) + atol + 3 * se
    holds = bool(ok.all())
    first = None if holds else int(k[int(np.argmin(ok))])
    measured, predicted, window = _measured_rate(k, err, prediction, atol)
    # a predicted rate of 0 (one step reaches x*: L = mu and step 1/L) has no finite ratio
    ratio = None if measured is None or not predicted else measured / predicted
    plateau = floor = pr = None
    if prediction.floor is not None and prediction.floor > 0:
        half = err[len(err) // 2:]
        plateau, floor = float(half.mean()), prediction.floor
        pr = plateau / floor
    verdict = _verdict(holds, first, measured, predicted, ratio, prediction, pr, len(many))
    outside = [(o[0], i, o[1]) for i, r in enumerate(many) if (o := _outside_box(r, prediction))]
    if outside:  # L and mu are certified on the box only: the bound says nothing here
        _, i, why = min(outside)
        holds = None
        where = f" (in runs[{i}] of {len(many)} runs)" if len(many) > 1 else ""
        verdict = (f"the bound does not apply: {why}{where}; measured against it anyway: "
                   f"{verdict}")
    notes = [_settings_mismatch(r, prediction) for r in many]
    mismatch = "; ".join(dict.fromkeys(m for m in notes if m)) or None
    if mismatch:
        verdict += f" (note: {mismatch}; the prediction is for other settings than the run)"
    return RateCheck(prediction.quantity, measured, predicted, ratio, holds, verdict, k, err,
                     bound, window, first, plateau, floor, pr, len(many), mismatch)


def _measured_rate(k, err, p: Prediction, atol: float):
    """(measured, predicted, window): log-linear slope (linear) or log-log slope (sublinear)."""
    usable = (err > 1e4 * atol) & (err > 0)
    if p.floor:  # SGD: the transient, until the error reaches twice the floor
        usable &= err > 2 * p.floor
    # the window: from the start to the first iterate at the floor
    stop = int(np.argmin(usable)) if not usable.all() else len(err)
    if p.rate is None:
        sel = np.arange(stop)
        sel = sel[k[sel] >= 1]
        if len(sel) < 3:
            return None, p.order, None
        slope = np.polyfit(np.log(k[sel]), np.log(err[sel]), 1)[0]
        return float(slope), p.order, (int(k[sel[0]]), int(k[sel[-1]]))
    if stop < 2:
        return None, p.rate, None
    slope = np.polyfit(k[:stop].astype(float), np.log(err[:stop]), 1)[0]
    return float(np.exp(slope)), p.rate, (int(k[0]), int(k[stop - 1]))


def _verdict(holds, first, measured, predicted, ratio, p, plateau_ratio, seeds) -> str:
    tail = f" (mean of {seeds} runs)" if seeds > 1 else ""
    if not holds:
        return f"bound VIOLATED from iteration {first}{tail}: the assumptions do not hold"
    if measured is None:
        text = "bound holds; too few iterates above the rounding floor to fit a rate"
    elif p.rate is not None and ratio is None:
        text = (f"bound holds; measured rate {measured:.6g} vs predicted {predicted:.6g} per "
                "iteration (the bound reaches its floor in one step)")
    elif p.rate is not None:
        how = "matches the prediction (tight)" if abs(ratio - 1) < 1e-3 else \
            "faster than the worst case" if ratio < 1 else \
            "a fitted rate above the predicted one, yet every iterate within the bound " \
            "(its prefactor allows this over a finite window)"
        text = (f"bound holds; measured rate {measured:.6g} vs predicted {predicted:.6g} per "
                f"iteration: {how}")
    else:
        text = (f"bound holds; error ~ k^{measured:.3g} vs the predicted order k^{predicted:g}")
    if plateau_ratio is not None:
        text += f"; plateau / predicted floor = {plateau_ratio:.3g}"
    return text + tail


def _outside_box(run: Run, p: Prediction) -> tuple[int, str] | None:
    """The first recorded iterate outside the prediction's box: ``(k, said in words)``."""
    box = p.constants.get("box")
    if not box:
        return None
    from ..analysis.domain import as_interval
    names = [s.name for s in run.wrt]
    out = np.zeros(run.xs.shape, dtype=bool)
    ivs = {}
    for key, value in box.items():
        name = getattr(key, "name", key)
        if name in names:
            j = names.index(name)
            iv = ivs[j] = as_interval(value, name)
            lo, hi, col = float(iv.inf), float(iv.sup), run.xs[:, j]
            inside = ((col > lo) if iv.left_open else (col >= lo)) & (
                (col < hi) if iv.right_open else (col <= hi))
            out[:, j] = ~inside
    if not out.any():
        return None
    i = int(np.argmax(out.any(axis=1)))
    j = int(np.argmax(out[i]))
    iv = ivs[j]
    where = (f"{'(' if iv.left_open else '['}{float(iv.inf):.10g}, {float(iv.sup):.10g}"
             f"{')' if iv.right_open else ']'}")
    k = int(run.recorded[i])
    return k, (f"the iterate at k = {k} leaves the box ({names[j]} = {run.xs[i, j]:.10g} is "
               f"outside {where}), and L and mu hold on the box only")


# the method families of Run.method / Prediction.method (both from descent.resolve and
# stochastic.schedule_of), by a phrase of the description; the first that occurs names it
FAMILIES = ("FISTA", "Nesterov", "heavy ball", "exact line search", "Armijo",
            "beta/(gamma + k)", "sgd", "fixed step")


def _family(method: str) -> str:
    return next((key for key in FAMILIES if key in method), method)


def _differ(a, b) -> bool:
    return abs(a - b) > 1e-9 * max(abs(a), abs(b))


def _settings_mismatch(run: Run, p: Prediction) -> str | None:
    """The run's settings that are not the prediction's, said in words (or None)."""
    c, info, notes = p.constants, run.info, []
    if _family(run.method) != _family(p.method):
        notes.append(f"the run is {run.method!r} but the prediction is for {p.method!r}")
    used = dict(info)
    if info.get("schedule") == "inverse" and isinstance(info.get("step"), tuple):
        used.update(beta=info["step"][0], gamma=info["step"][1], step=None)
    for key, what in (("step", "step"), ("beta", "beta"), ("gamma", "gamma"),
                      ("batch_size", "batch size"), ("N", "number of samples N")):
        a, b = used.get(key), c.get(key)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and _differ(a, b):
            notes.append(f"the run used {what} {a:.6g} but the prediction assumes {b:.6g}")
    x0 = c.get("x0")
    if x0 is not None and len(run.recorded) and run.recorded[0] == 0:
        start = run.xs[0]
        if not np.allclose(start, x0, rtol=1e-9, atol=1e-12):
            notes.append(f"the run starts at x0 = {start.tolist()} but the prediction is for "
                         f"x0 = {np.asarray(x0).tolist()}")
        elif c.get("f0_gap") is not None and p.f_star is not None and not math.isclose(
                run.f[0], c["f0_gap"] + p.f_star, rel_tol=1e-8, abs_tol=1e-12):
            notes.append(f"at x0 the run's objective is {run.f[0]:.10g} but the prediction's "
                         f"is {c['f0_gap'] + p.f_star:.10g}: a different objective or data")
    return "; ".join(notes) or None
