"""Benchmark: optimisation runs (calcopt.gd, calcopt.sgd) against hand-written loops.

GD part: 10,000 iterations of fixed-step gradient descent (step 1e-3) on the 2-D Rosenbrock
function from (-1.2, 1), timed per iteration:

* ``calcopt.gd``: the whole call (set-up checks, the generated loop, and the Run with the
  trajectory, f and the gradient norm at every iterate);
* a hand-written pure-Python loop (math floats, hand-coded gradient) that records nothing,
  and the same loop recording the trajectory (an ``array('d')``, as calcopt does);
* a hand-written NumPy loop (arrays of shape (2,), hand-coded gradient).

Target: calcopt.gd <= 2x the pure-Python loop, same final point.

Run from the repository root::

    python benchmarks/bench_runs.py            # best of 40 interleaved rounds (~5 s)
    python benchmarks/bench_runs.py --quick    # best of 10

It prints plain-text tables and PASS/FAIL lines; it never fails itself.
"""

from __future__ import annotations

import argparse
import platform
import sys
from array import array
from pathlib import Path

import numpy as np
import sympy as sp

import calcopt

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of, fmt_s, table_print  # noqa: E402

ITERS = 10_000
STEP = 1e-3
X0 = (-1.2, 1.0)


# --- GD on the 2-D Rosenbrock function --------------------------------------------------------


def pure_loop():
    a, b = X0
    s = STEP
    for _ in range(ITERS):
        t = b - a*a
        ga, gb = -2*(1 - a) - 400*a*t, 200*t
        a, b = a - s*ga, b - s*gb
    return a, b


def pure_loop_recording():
    a, b = X0
    s = STEP
    xs = array("d", X0)
    keep = xs.extend
    for _ in range(ITERS):
        t = b - a*a
        ga, gb = -2*(1 - a) - 400*a*t, 200*t
        a, b = a - s*ga, b - s*gb
        keep((a, b))
    return a, b


def numpy_loop():
    x = np.array(X0)
    for _ in range(ITERS):
        t = x[1] - x[0]*x[0]
        grad = np.array([-2*(1 - x[0]) - 400*x[0]*t, 200*t])
        x = x - STEP*grad
    return float(x[0]), float(x[1])


def gd_section(repeats: int) -> None:
    x, y = sp.symbols("x y")
    g = calcopt.compile((1 - x)**2 + 100*(y - x**2)**2)
    calcopt.gd(g, X0, step=STEP, iters=10, tol=0)  # generate the code once (not timed)
    contenders = [
        ("calcopt.gd (Run with trajectory, f, |grad|)",
         lambda: tuple(calcopt.gd(g, X0, step=STEP, iters=ITERS, tol=0).x)),
        ("pure Python loop, records nothing", pure_loop),
        ("pure Python loop, records the trajectory", pure_loop_recording),
        ("NumPy loop, records nothing", numpy_loop),
    ]
    # Interleaved rounds, best per contender: a shared machine's load shifts over seconds,
    # and each contender then sees the same conditions.
    times, finals = {name: (np.inf, 0) for name, _ in contenders}, {}
    for _ in range(repeats):
        for name, fn in contenders:
            t, _, final = best_of(fn, repeats=1)
            finals[name] = final
            times[name] = (min(times[name][0], t), times[name][1] + 1)
    base = times["pure Python loop, records nothing"][0]
    rows = [[name, fmt_s(t / ITERS, runs, us_digits=3), f"{t / base:.2f}x",
             f"({finals[name][0]:.15g}, {finals[name][1]:.15g})"] for name, (t, runs) in times.items()]
    table_print(f"GD, fixed step {STEP}, {ITERS} iterations on the 2-D Rosenbrock function "
                f"(best of {repeats} interleaved rounds)", ["loop", "per iteration", "vs pure", "final point"], rows,
                ["pure loops: math floats and a hand-coded gradient; calcopt.gd: the generated "
                 "gradient code inside one generated loop"])
    ratio = times["calcopt.gd (Run with trajectory, f, |grad|)"][0] / base
    same = np.allclose(finals["calcopt.gd (Run with trajectory, f, |grad|)"],
                       finals["pure Python loop, records nothing"], rtol=1e-12, atol=0)
    print(f"{'PASS' if ratio <= 2 else 'FAIL'}: calcopt.gd per iteration {ratio:.2f}x the pure "
          "Python loop (target <= 2x)")
    print(f"{'PASS' if same else 'FAIL'}: same final point as the pure Python loop "
          "(relative difference <= 1e-12)")


# --- SGD on logistic regression (linear forms) -----------------------------------------------
# This section belongs to the linear-form work (issue #7, section 2): mini-batch SGD steps with
# the sample-mean code against hand-written NumPy.  It is added there; gd_section above is the
# runs part.


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (< 30 s)")
    opts = parser.parse_args(argv)
    print(f"calcopt {calcopt.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {'--quick' if opts.quick else 'full run'}")
    gd_section(10 if opts.quick else 40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
