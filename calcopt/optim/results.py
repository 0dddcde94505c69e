"""The :class:`Run` result of :func:`calcopt.gd` and :func:`calcopt.sgd`.

A Run holds the recorded trajectory as NumPy arrays (never NaN-filled: a run that meets a
non-finite value stops and keeps the last finite iterate), in the style of scipy's
``OptimizeResult``.  Export with :meth:`Run.as_dict` or :meth:`Run.to_csv` (no pandas).

>>> import numpy as np
>>> r = Run(x=np.array([0.5]), xs=np.array([[1.0], [0.5]]), f=np.array([1.0, 0.25]),
...         grad_norm=np.array([2.0, 1.0]), steps=np.array([0.25]), recorded=np.array([0, 1]),
...         iters=1, converged=False, diverged=False, reason="maximum number of iterations",
...         method="gd, fixed step 0.25", time=0.0, wrt=("x",))
>>> r.as_dict()["f"]
[1.0, 0.25]
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ..results import html_repr


@dataclass
class Run:
    """One optimisation run.

    ``x``: the final (last finite) iterate; ``xs``: the recorded iterates, shape ``(m, n)``;
    ``f``: the full objective at them; ``grad_norm``: the full gradient's norm at them;
    ``recorded``: their iteration numbers (``0`` is ``x0``); ``steps``: the step size of every
    step taken; ``iters``: steps taken; ``converged`` (gradient norm <= tol), ``diverged``
    (a non-finite value or an overflow stopped the run), ``reason``, ``method`` (what ran,
    with its parameters), ``time`` (seconds, setup included).
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
    reason: str
    method: str
    time: float
    wrt: tuple = ()
    info: dict[str, Any] = field(default_factory=dict)

    _repr_html_ = html_repr  # notebook display: a table of the fields

    def __repr__(self) -> str:
        def arr(a: np.ndarray) -> str:
            if a.size == 0:
                return "[]"
            if a.ndim == 1 and a.size > 4:
                return f"[{a[0]:.6g}, {a[1]:.6g}, ..., {a[-1]:.6g}] ({a.size} values)"
            return np.array2string(np.asarray(a), precision=6, separator=", ")

        rows = [("x", arr(self.x)), ("f", arr(self.f)), ("grad_norm", arr(self.grad_norm)),
                ("iters", str(self.iters)), ("converged", str(self.converged)),
                ("diverged", str(self.diverged)), ("reason", self.reason),
                ("method", self.method), ("time", f"{self.time:.3g} s"),
                ("xs", f"array of shape {self.xs.shape} (iterations {arr(self.recorded)})")]
        width = max(len(k) for k, _ in rows)
        return "Run\n" + "\n".join(f"{k.rjust(width)}: {v}" for k, v in rows)

    def as_dict(self) -> dict[str, Any]:
        """Plain Python values (lists, floats, str), ready for ``json.dumps``."""
        return {
            "x": self.x.tolist(), "xs": self.xs.tolist(), "f": self.f.tolist(),
            "grad_norm": self.grad_norm.tolist(), "steps": self.steps.tolist(),
            "recorded": self.recorded.tolist(), "iters": self.iters,
            "converged": self.converged, "diverged": self.diverged, "reason": self.reason,
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
