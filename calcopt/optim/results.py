"""The :class:`Run` result of :func:`calcopt.gd` and :func:`calcopt.sgd`.

A Run holds the recorded trajectory as NumPy arrays (never NaN-filled: a run that meets a
non-finite value stops and keeps the last finite iterate), in the style of scipy's
``OptimizeResult``.  Export with :meth:`Run.as_dict` or :meth:`Run.to_csv` (no pandas).

>>> import numpy as np
>>> r = Run(x=np.array([0.5]), xs=np.array([[1.0], [0.5]]), f=np.array([1.0, 0.25]),
...         grad_norm=np.array([2.0, 1.0]), steps=np.array([0.25]), recorded=np.array([0, 1]),
...         iters=1, converged=False, diverged=False,
...         explanation="maximum number of iterations", method="gd, fixed step 0.25",
...         time=0.0, wrt=("x",))
>>> r.as_dict()["f"]
[1.0, 0.25]
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ..results import Result, show


@dataclass
class Run(Result):
    """One optimisation run.

    ``x``: the final (last finite) iterate; ``xs``: the recorded iterates, shape ``(m, n)``;
    ``f``: the full objective at them; ``grad_norm``: the full gradient's norm at them;
    ``recorded``: their iteration numbers (``0`` is ``x0``); ``steps``: the step size of every
    step taken; ``iters``: steps taken; ``converged`` (gradient norm <= tol), ``diverged``
    (a non-finite value or an overflow stopped the run), ``explanation`` (why the run stopped;
    ``reason`` is its older name, a read-only alias), ``method`` (what ran, with its
    parameters), ``time`` (seconds, setup included).
    """

    x: np.ndarray
    xs: np.ndarray
    f: np.ndarray
    grad_norm: np.ndarray
    steps: np.ndarray
    recorded: np.ndarray
    iters: int
    converged: bool
    diverged: bool
    explanation: str
    method: str
    time: float
    wrt: tuple = ()
    info: dict[str, Any] = field(default_factory=dict)

    _aliases = {"reason": "explanation"}
    _repr_fields = ("x", "f", "grad_norm", "iters", "converged", "diverged", "explanation",
                    "method", "time", "xs")

    def _repr_value(self, name: str, value: Any) -> str | None:
        if name == "time":
            return f"{value:.3g} s"
        if name == "xs":
            return f"array of shape {value.shape} (iterations {show(self.recorded)})"
        return show(value)

    def as_dict(self) -> dict[str, Any]:
        """Plain Python values (lists, floats, str), ready for ``json.dumps`` (the explanation
        under its older key ``reason``, which the CLI's JSON has always had)."""
        return {
            "x": self.x.tolist(), "xs": self.xs.tolist(), "f": self.f.tolist(),
            "grad_norm": self.grad_norm.tolist(), "steps": self.steps.tolist(),
            "recorded": self.recorded.tolist(), "iters": self.iters,
            "converged": self.converged, "diverged": self.diverged, "reason": self.explanation,
            "method": self.method, "time": self.time, "wrt": [str(s) for s in self.wrt],
        }

    def to_csv(self, path) -> None:
        """Write the recorded iterates: one row per record, columns ``iteration``, the
        variables, ``f``, ``grad_norm`` and ``step`` (the step taken from that iterate; empty
        for the last)."""
        names = [str(s) for s in self.wrt] or [f"x{j}" for j in range(self.xs.shape[1])]
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["iteration", *names, "f", "grad_norm", "step"])
            for i, k in enumerate(self.recorded):
                step = repr(float(self.steps[k])) if k < len(self.steps) else ""
                w.writerow([int(k), *map(repr, map(float, self.xs[i])), repr(float(self.f[i])),
                            repr(float(self.grad_norm[i])), step])
