"""The output of ``calcopt run``: the run, the prediction and the check as text or JSON.

The JSON has the run's fields as lists (``Run.as_dict()``), exact constants as
``{"exact": ..., "float": ...}`` (as ``analyse --json``) and never a NaN or an infinity.

>>> _plain({"L": sp.Integer(10), "r": float("inf"), "x": np.array([1.5])})
{'L': {'exact': '10', 'float': 10.0}, 'r': None, 'x': [1.5]}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..optim import Prediction, RateCheck, Run
from .formatting import num_json
from .loading import Objective, sample_count

QUANTITY_WORDS = {"f_gap": "f(x_k) - f*", "distance": "||x_k - x*||",
                  "distance_squared": "||x_k - x*||^2"}
TABLE_ROWS = 8


@dataclass
class Outcome:
    """What ``calcopt run`` computed: the run, its settings, the prediction and the check, or
    the one-line reasons there are none."""

    method: str
    obj: Objective
    data: Any
    data_from: str | None
    x0: list[float]
    run: Run
    prediction: Prediction | None
    no_prediction: str | None
    check: RateCheck | None
    no_check: str | None
    plot: Path | None = None
    runs: list[Run] = field(default_factory=list)
    no_worst_case: str | None = None  # why --tight gave no PEPit worst case



def _point(values: Any, wrt) -> str:
    return "(" + ", ".join(f"{s}={float(v):.6g}" for s, v in zip(wrt, values)) + ")"


def _seed_list(runs: list[Run]) -> str:
    first, last = runs[0].info.get("seed"), runs[-1].info.get("seed")
    return "fresh random seeds" if first is None else f"seeds {first}..{last}"


def run_text(out: Outcome) -> str:
    run, obj = out.run, out.obj
    g = obj.graph
    args = ", ".join(map(str, g.wrt)) + ("; " + ", ".join(map(str, g.params)) if g.params else "")
    lines = [f"run {out.method}: {run.method}", f"  f({args}) = {obj.expr}"]
    if obj.source != "expression":
        lines.append(f"  from {obj.source}")
    if g.params:
        n = sample_count(out.data, g.params)
        lines.append(f"  data: {n} samples from {out.data_from}; f is the mean over them")
    if out.method == "sgd":
        seed = run.info.get("seed")
        lines.append(f"  seed: {seed}" if seed is not None else
                     "  seed: none (a fresh random run each time; --seed N repeats one)")
        if len(out.runs) > 1:
            lines.append(f"  runs: {len(out.runs)} ({_seed_list(out.runs)}); shown: the "
                         "first; the check averages their errors")
    state = "converged" if run.converged else "DIVERGED" if run.diverged else "stopped"
    reason = run.explanation.removeprefix("diverged: ")
    lines += [f"  x0     = {_point(out.x0, g.wrt)}", f"  {state}: {reason}",
              f"  x      = {_point(run.x, g.wrt)}"]
    if len(run.f):
        lines += [f"  f      = {run.f[-1]:.6g}", f"  |grad| = {run.grad_norm[-1]:.6g}"]
    lines.append(f"  iterations: {run.iters}")
    lines += ["", *prediction_lines(out)]
    if out.plot is not None:
        drawn = "with the predicted bound" if out.prediction is not None else \
            "no prediction to draw"
        lines += ["", f"wrote {out.plot} (convergence plot, {drawn})"]
    return "\n".join(lines)


def prediction_lines(out: Outcome) -> list[str]:
    """The prediction, the check and its table of measured error against the bound."""
    p, c = out.prediction, out.check
    if p is None:
        return [f"prediction: none: {out.no_prediction}"]
    what = QUANTITY_WORDS[p.quantity]
    what = f"E[{what}]" if out.method == "sgd" else what
    rate = f"linear, rate {p.rate:.6g} per iteration" if p.rate is not None else \
        f"sublinear, O(k^{p.order:g})"
    tight = "tight: attained by some function of the class" if p.tight else "not tight"
    lines = [f"prediction: {what} <= bound(k), {rate} ({tight})"]
    if p.floor:
        lines.append(f"  noise floor: {p.floor:.6g} (the expected f-gap as k -> oo)")
    lines += [f"  assumes: {a}" for a in p.assumptions] + [f"  source: {p.source}"]
    if out.no_worst_case is not None:
        lines.append(f"  PEPit's worst case (--tight): none: {out.no_worst_case}")
    w = p.worst_case
    if w is not None:
        lines += [f"  PEPit's worst case of {w.quantity} (--tight):",
                  f"    over: {w.function_class}", f"    from: {w.initial}",
                  *("    " + line for line in w.per_k())]
    if c is None:
        return lines + [f"check: not done: {out.no_check}"]
    lines.append(f"check: {c.verdict}")
    if out.method == "sgd" and c.seeds == 1:
        lines.append("  (one run against a bound on the expectation over mini-batches; "
                     "--runs R averages R seeds)")
    return lines + ["  " + row for row in c.table(TABLE_ROWS).splitlines()]


def _plain(v: Any) -> Any:
    """JSON-ready values: exact SymPy numbers as ``{"exact", "float"}``, no NaN or inf."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, sp.Basic):
        return num_json(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return str(v)


def prediction_json(p: Prediction | None) -> dict | None:
    if p is None:
        return None
    return _plain({"method": p.method, "quantity": p.quantity, "rate": p.rate,
                   "order": p.order, "tight": p.tight, "floor": p.floor,
                   "assumptions": list(p.assumptions), "source": p.source,
                   "constants": p.constants, "x_star": p.x_star, "f_star": p.f_star,
                   "worst_case": None if p.worst_case is None else {
                       "iters": p.worst_case.iters, "value": p.worst_case.value,
                       "lower": p.worst_case.lower, "closed_form": p.worst_case.closed_form,
                       "ratio": p.worst_case.ratio, "solver": p.worst_case.solver,
                       "function_class": p.worst_case.function_class,
                       "initial": p.worst_case.initial}})


def check_json(c: RateCheck | None) -> dict | None:
    if c is None:
        return None
    return _plain({"quantity": c.quantity, "holds": c.holds, "verdict": c.verdict,
                   "measured_rate": c.measured_rate, "predicted_rate": c.predicted_rate,
                   "ratio": c.ratio, "window": c.window, "first_violation": c.first_violation,
                   "k": c.k, "error": c.error, "bound": c.bound, "plateau": c.plateau,
                   "floor": c.floor, "seeds": c.seeds})


def run_json(out: Outcome) -> str:
    g = out.obj.graph
    n = sample_count(out.data, g.params) if g.params else None
    data = {"command": f"run {out.method}", "objective": str(out.obj.expr),
            "source": out.obj.source, "wrt": [s.name for s in g.wrt],
            "params": [s.name for s in g.params],
            "data": None if n is None else {"from": out.data_from, "N": n},
            "x0": out.x0, "run": out.run.as_dict(), "seed": out.run.info.get("seed"),
            "other_runs": [r.as_dict() for r in out.runs[1:]],
            "prediction": prediction_json(out.prediction), "no_prediction": out.no_prediction,
            "no_worst_case": out.no_worst_case,
            "check": check_json(out.check), "no_check": out.no_check,
            "plot": None if out.plot is None else str(out.plot)}
    return json.dumps(_plain(data), indent=2)


__all__ = ["Outcome", "run_json", "run_text"]
