"""``calcopt.check``: does a run obey its predicted bound, and how fast did it actually go?

The error is ``prediction.quantity`` measured on the run's recorded iterates (with the
prediction's ``x*`` and ``f*``).  ``measured_rate`` is the least-squares slope of the log error
per iteration over a window that stops before the floating-point floor (a linear bound), or
the exponent p of ``error ~ k^p`` (a sublinear bound, compared with ``prediction.order``).
``holds``: every recorded error is within the bound, up to a relative tolerance for rounding.
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

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import OptionError
from .rates import Prediction
from .results import Run
from ..htmlrepr import html_repr

EPS = np.finfo(float).eps
RTOL = 1e-9


@dataclass
class RateCheck:
    """Result of :func:`check`.  ``k`` and ``error``: the recorded iterations and the measured
    quantity (seed-averaged for SGD), ``bound`` the prediction there; ``window`` the iterations
    the rate was fitted on; for SGD ``plateau``, ``floor`` and ``plateau_ratio``."""

    quantity: str
    measured_rate: float | None
    predicted_rate: float | None
    ratio: float | None
    holds: bool
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

    _repr_html_ = html_repr  # notebook display: a table of the fields

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

    def __repr__(self) -> str:
        fmt = lambda v: "None" if v is None else f"{v:.10g}"  # noqa: E731
        lines = [f"RateCheck({self.quantity}, {self.seeds} run(s))",
                 f"  measured_rate: {fmt(self.measured_rate)}",
                 f" predicted_rate: {fmt(self.predicted_rate)}",
                 f"          ratio: {fmt(self.ratio)}", f"          holds: {self.holds}"]
        if self.floor is not None:
            lines.append(f"        plateau: {fmt(self.plateau)} "
                         f"(predicted floor {fmt(self.floor)})")
        lines.append(f"        verdict: {self.verdict}")
        return "\n".join(lines)


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
        raise OptionError(f"the prediction does not apply: {prediction.failed}")
    many = list(run) if isinstance(run, (list, tuple)) else [run]
    if not many or not all(isinstance(r, Run) for r in many):
        raise OptionError("check takes a Run or a list of Runs from calcopt.gd / calcopt.sgd")
    k = many[0].recorded
    if any(not np.array_equal(r.recorded, k) for r in many):
        raise OptionError("the runs recorded different iterations; use the same iters, "
                          "epochs and record_every for every seed")
    if len(k) == 0:
        raise OptionError("the run recorded no iterates (record_every=0)")
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
    mismatch = _settings_mismatch(many[0], prediction)
    if mismatch:
        verdict += f" (note: {mismatch})"
    return RateCheck(prediction.quantity, measured, predicted, ratio, holds, verdict, k, err,
                     bound, window, first, plateau, floor, pr, len(many))


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


def _settings_mismatch(run: Run, p: Prediction) -> str | None:
    step = p.constants.get("step")
    used = run.info.get("step")
    if isinstance(step, float) and isinstance(used, float) and abs(step - used) > 1e-9 * step:
        return f"the run used step {used:.6g} but the prediction assumes {step:.6g}"
    return None
