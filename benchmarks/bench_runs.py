"""Benchmark: optimisation runs (calcopt.gd, calcopt.sgd) against hand-written loops.

GD part: 10,000 iterations of fixed-step gradient descent (step 1e-3) on the 2-D Rosenbrock
function from (-1.2, 1), timed per iteration:

* ``calcopt.gd``: the whole call (set-up checks, the generated loop, and the Run with the
  trajectory, f and the gradient norm at every iterate);
* a hand-written pure-Python loop (math floats, hand-coded gradient) that records nothing,
  and the same loop recording the trajectory (an ``array('d')``, as calcopt does);
* a hand-written NumPy loop (arrays of shape (2,), hand-coded gradient).

Target: calcopt.gd <= 2x the pure-Python loop, same final point.

SGD part: mini-batch SGD on logistic regression with d = 20 and 200 features, time per step
against hand-written NumPy (``X @ w``, ``X.T @ s``); see the comment of that section.
Target: calcopt.sgd <= 2x hand NumPy at d = 200, B = 256, set-up included.

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
#
# Logistic regression mean log(1 + exp(-b w.a)) on N = 10,000 seeded samples, d = 20 and 200
# features, batches B = 1, 32, 256, 4096 drawn with replacement, no recording
# (record_every=0); per step: hand NumPy (X[idx] @ w, X[idx].T @ s), calcopt's generated step
# alone, a whole calcopt.sgd run divided by its steps (set-up included: data validation,
# stacking), and the per-feature scalar code that the graph gave before linear forms.  The cost
# of one full-objective recording is reported on its own line.  Target: calcopt.sgd <= 2x hand
# NumPy at d = 200, B = 256.

from _common import per_call  # noqa: E402



def logistic_problem(d: int, n_samples: int, seed: int = 0):
    """(graph, data dict, X, y) of mean log(1 + exp(-b w.a)) with d features; seeded data."""
    ws, As, b = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}"), sp.Symbol("b")
    f = sp.log(1 + sp.exp(-b * sp.Add(*[wi * ai for wi, ai in zip(ws, As)])))
    g = calcopt.compile(f, wrt=ws, params=[*As, b])
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n_samples))
    return g, {**{a: X[:, j] for j, a in enumerate(As)}, b: y}, X, y


def sgd_steppers(g, data, X, y, batch: int, lr: float = 0.1, seed: int = 1):
    """One SGD step (sampling with replacement included) per call: hand NumPy, calcopt's
    sample-mean code, and the per-feature scalar code of the generic numpy back end (what
    the graph gave before linear forms); each keeps its own iterate and random stream."""
    from calcopt.codegen.program import sample_means
    from calcopt.data.points import as_data

    n, d = X.shape
    state = {k: (np.zeros(d), np.random.default_rng(seed)) for k in ("hand", "calcopt", "scalar")}

    def hand():
        w, rng = state["hand"]
        idx = rng.integers(0, n, batch)
        Xb, yb = X[idx], y[idx]
        s = -yb / (1.0 + np.exp(yb * (Xb @ w)))
        w -= lr * (Xb.T @ s) / batch

    prog = sample_means(g, "gradient")
    arrays = prog.prepare(as_data(data, g.params))
    grad = prog.function

    def fast():
        w, rng = state["calcopt"]
        idx = rng.integers(0, n, batch)
        w -= lr * grad(w, tuple(a[idx] for a in arrays))

    scalar_fn = g.gradient_graph().function("numpy")
    cols = as_data(data, g.params)

    def scalar():
        w, rng = state["scalar"]
        idx = rng.integers(0, n, batch)
        out = scalar_fn(list(w), [c[idx] for c in cols])
        w -= lr * np.array([np.mean(o) for o in out])

    return hand, fast, scalar


def bench_sgd_logistic(quick: bool) -> None:
    from calcopt.codegen.program import sample_means
    from calcopt.data.points import as_data

    batches = (1, 32, 256) if quick else (1, 32, 256, 4096)
    n_samples, run_steps = 10_000, 500 if quick else 2000
    rows, record, verdict = [], [], None
    for d in (20, 200):
        g, data, X, y = logistic_problem(d, n_samples)
        calcopt.sgd(g, np.zeros(d), data, batch_size=8, step=0.1, iters=1, record_every=0)
        for B in batches:
            hand, fast, scalar = sgd_steppers(g, data, X, y, B)
            with np.errstate(all="ignore"):
                t_hand = per_call(hand)
                t_step = per_call(fast)
                t_scalar = per_call(scalar, repeats=1) if B <= 256 else None
            t_run, runs, _ = best_of(lambda: calcopt.sgd(
                g, np.zeros(d), data, batch_size=B, step=0.1, iters=run_steps, replace=True,
                record_every=0, seed=1))
            per_step = t_run / run_steps
            rows.append([str(d), str(B), fmt_s(t_hand), fmt_s(t_step),
                         f"{t_step / t_hand:.2f}", fmt_s(per_step, runs),
                         f"{per_step / t_hand:.2f}", fmt_s(t_scalar),
                         f"{t_scalar / t_hand:.1f}" if t_scalar else "-"])
            if (d, B) == (200, 256):
                verdict = per_step / t_hand
        value = sample_means(g, "value_and_gradient")
        full = value.prepare(as_data(data, g.params))
        t_rec = per_call(lambda: value(np.zeros(d), full))
        record.append(f"recording, d = {d}: {fmt_s(t_rec)} per full-objective record "
                      f"(value and gradient over all N = {n_samples}; sgd's record_every)")
    table_print(
        f"SGD on logistic regression mean log(1 + exp(-b w.a)), N = {n_samples}: "
        "time per step, no recording (record_every=0)",
        ["d", "B", "hand NumPy", "calcopt step", "ratio", f"calcopt.sgd ({run_steps} steps)",
         "ratio", "scalar graph", "ratio"],
        rows,
        ["hand NumPy: idx = rng.integers; X[idx] @ w; s = -y/(1 + exp(y z)); X[idx].T @ s / B",
         "calcopt step: sample_means(g).function(w, tuple(a[idx] for a in arrays))",
         f"calcopt.sgd: a whole run (replace=True) / {run_steps}, including its set-up "
         "(data validation, stacking)",
         "scalar graph: the generic numpy gradient code, one array per feature (no linear forms)",
         *record])
    if verdict is not None:
        print(f"{'PASS' if verdict <= 2 else 'FAIL'}: calcopt.sgd step at d = 200, B = 256 is "
              f"{verdict:.2f}x hand NumPy, set-up included (target <= 2x)")



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (< 30 s)")
    opts = parser.parse_args(argv)
    print(f"calcopt {calcopt.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {'--quick' if opts.quick else 'full run'}")
    gd_section(10 if opts.quick else 40)
    bench_sgd_logistic(opts.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
