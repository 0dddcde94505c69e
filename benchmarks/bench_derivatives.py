"""Benchmark: exact gradients and sparse Hessians with calcopt, against SymPy.

Problems (each SymPy expression is built once per size and never timed):

* extended Rosenbrock ``sum_{i<n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2``, n variables;
* dense log-sum-exp ``log(sum_{i<m} exp(a_i . x))`` with ``m = n`` terms, each ``a_i`` a
  seeded random vector of small non-zero integers in all n variables (dense Hessian).

Run from the repository root::

    python benchmarks/bench_derivatives.py          # full sizes, 60 s SymPy budget (< 10 min)
    python benchmarks/bench_derivatives.py --quick  # small sizes, 5 s SymPy budget (< 60 s)

It prints plain-text tables and PASS/FAIL lines for the targets; it never fails itself
(exit status 0 unless it crashes).  See ``benchmarks/README.md`` for the columns.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import platform
import sys
from functools import partial
from pathlib import Path
from time import perf_counter

# Heavy imports first: their one-off import cost is not what is measured.
import networkx  # noqa: F401  (used by the Hessian colouring)
import numpy as np
import scipy.sparse  # noqa: F401
import sympy as sp
from sympy.core.cache import clear_cache

import calcopt
from calcopt.primitives import SYMBOL

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: E402
from _common import LONG, best_of, per_call, rosenbrock, table_print, traced  # noqa: E402

fmt_s = partial(_common.fmt_s, us_digits=0)  # this script prints microseconds without decimals

ROSEN_FULL = (10, 100, 1000, 3000, 10000)
ROSEN_QUICK = (10, 100, 1000)
LSE_FULL = (10, 20, 40, 80, 160, 320)
LSE_QUICK = (10, 20)
ROSEN_NO_SYMPY_HESSIAN = 1000  # sympy.hessian is skipped for Rosenbrock n >= this


# --- problems ------------------------------------------------------------------------------------


def logsumexp(n: int, seed: int = 2024):
    rng = np.random.default_rng(seed + n)
    xs = sp.symbols(f"x0:{n}")
    A = rng.choice([-3, -2, -1, 1, 2, 3], size=(n, n))
    rows = [sp.Add(*[int(A[i, j]) * xs[j] for j in range(n)]) for i in range(n)]
    return xs, sp.log(sp.Add(*[sp.exp(r) for r in rows]))


PROBLEMS = {"rosenbrock": rosenbrock, "logsumexp": logsumexp}


# --- SymPy baselines in a child process with a time budget ---------------------------------------


def _sympy_task(task: str, f, xs):
    if task == "gradient":
        return [sp.diff(f, x) for x in xs]
    return sp.hessian(f, xs)


def _sympy_child(conn, task, f, xs):
    """Runs in a forked child: times the SymPy task (cache cleared before each run), sends
    ``best so far, runs`` after every run; at most 3 runs, 1 if the first took > LONG."""
    times = []
    for _ in range(3):
        clear_cache()
        gc.collect()
        t0 = perf_counter()
        _sympy_task(task, f, xs)
        times.append(perf_counter() - t0)
        conn.send((min(times), len(times)))
        if times[-1] > LONG:
            break
    conn.send(None)
    conn.close()


def sympy_timed(task: str, f, xs, budget: float):
    """``(seconds, runs)`` of the SymPy task, or ``None`` when the first run exceeded the
    budget.  The child is forked, so it gets the expression without pickling; it is killed
    when the budget is up (a repeat cut short keeps the best completed run)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_sympy_child, args=(child, task, f, xs), daemon=True)
    proc.start()
    child.close()
    deadline = perf_counter() + budget
    best = None
    try:
        while True:
            remaining = deadline - perf_counter()
            if remaining <= 0 or not parent.poll(remaining):
                break
            try:
                msg = parent.recv()
            except EOFError:
                break
            if msg is None:
                break
            best = msg
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    return best


# --- correctness (cheap, small n) ----------------------------------------------------------------


def check_correctness(name: str, n: int) -> list[tuple[str, bool, str]]:
    """Cheap checks at small n that the measured objects are right:

    * the exact gradient equals ``sympy.diff`` (difference expands to 0);
    * Rosenbrock: the exact sparse Hessian equals ``sympy.hessian`` (expand);
    * the Hessian sparsity pattern covers every non-zero of ``sympy.hessian``;
    * the numeric code of the gradient graph and of the Hessian-entries graph (the graphs
      timed below) agree with the lambdified SymPy derivatives at a random point.
    """
    xs, f = PROBLEMS[name](n)
    g = calcopt.compile(f)
    checks = []
    ref_grad = [sp.diff(f, x) for x in xs]
    grad = g.gradient()
    ok = all(sp.expand(grad[i] - ref_grad[i]) == 0 for i in range(n))
    checks.append((f"{name} n={n}: exact gradient == sympy.diff (expand)", ok, ""))

    ref_hess = sp.hessian(f, xs)
    if name == "rosenbrock":
        hess = g.hessian(sparse=True)
        ok = all(sp.expand(hess[i, j] - ref_hess[i, j]) == 0 for i in range(n) for j in range(n))
        checks.append((f"{name} n={n}: exact sparse Hessian == sympy.hessian (expand)", ok, ""))
    pattern = g.hessian_sparsity().toarray()
    ok = all(pattern[i, j] or ref_hess[i, j] == 0 for i in range(n) for j in range(n))
    checks.append((f"{name} n={n}: Hessian sparsity pattern covers sympy.hessian", ok,
                   f"{int(pattern.sum())} structural non-zeros"))

    rng = np.random.default_rng(7)
    x = rng.uniform(-1.0, 1.0, n)
    num_grad = np.array(sp.lambdify(xs, ref_grad, "math")(*x), dtype=float)
    num_hess = np.array(sp.lambdify(xs, ref_hess.tolist(), "math")(*x), dtype=float)
    e1 = np.max(np.abs(g.grad(x) - num_grad)) / max(1.0, np.max(np.abs(num_grad)))
    entries = g._hessian_entries()
    values = np.atleast_1d(np.array(entries.function("math")(x.tolist(), ()), dtype=float))
    rows, cols = g._upper_pattern()
    e2 = np.max(np.abs(values - num_hess[rows, cols])) / max(1.0, np.max(np.abs(num_hess)))
    checks.append((f"{name} n={n}: gradient graph and Hessian-entries graph == lambdified "
                   "SymPy at a random point", e1 < 1e-12 and e2 < 1e-12,
                   f"rel. errors {e1:.1e}, {e2:.1e}"))
    return checks


# --- measurement ---------------------------------------------------------------------------------


def measure(name: str, n: int, budget: float, gave_up: dict) -> dict:
    r: dict = {"problem": name, "n": n}
    t0 = perf_counter()
    xs, f = PROBLEMS[name](n)
    r["build"] = perf_counter() - t0

    # SymPy first, in a forked child, before calcopt has put anything in SymPy's cache.
    for task in ("gradient", "hessian"):
        key = (name, task)
        if task == "hessian" and name == "rosenbrock" and n >= ROSEN_NO_SYMPY_HESSIAN:
            r[f"sympy_{task}"] = "skipped (n >= 1000)"
        elif key in gave_up:
            r[f"sympy_{task}"] = f"skipped (gave up at n = {gave_up[key]})"
        else:
            res = sympy_timed(task, f, xs, budget)
            if res is None:
                r[f"sympy_{task}"] = f"gave up after {budget:g} s"
                gave_up[key] = n
            else:
                r[f"sympy_{task}"] = res

    fresh = lambda: calcopt.compile(f)  # noqa: E731

    def with_gradient():
        g = calcopt.compile(f)
        g.gradient_graph()
        return g

    def for_conversion():
        g = with_gradient()
        clear_cache()
        return g

    def with_coloring():
        g = with_gradient()
        g.hessian_coloring()
        return g

    g = fresh()
    r["nodes"] = len(g)
    r["edges"] = sum(len(a) for op, a in zip(g.table.ops, g.table.args) if op > SYMBOL)
    r["grad"], r["grad_runs"], gg = best_of(lambda h: h.gradient_graph(), setup=fresh)
    r["grad_nodes"] = len(gg)
    r["to_sympy"], r["to_sympy_runs"], _ = best_of(lambda h: h.gradient(), setup=for_conversion)
    r["hess_incl"], r["hess_incl_runs"], he = best_of(lambda h: h._hessian_entries(), setup=fresh)
    r["hess_after"], r["hess_after_runs"], _ = best_of(lambda h: h._hessian_entries(),
                                                       setup=with_gradient)
    r["sparsity"], r["sparsity_runs"], _ = best_of(lambda h: h.hessian_sparsity(),
                                                   setup=with_gradient)
    r["coloring"], r["coloring_runs"], _ = best_of(lambda h: h.hessian_coloring(),
                                                   setup=with_gradient)
    r["sweeps"], r["sweeps_runs"], _ = best_of(lambda h: h._hessian_entries(),
                                               setup=with_coloring)
    r["hess_nodes"], r["entries"] = len(he), len(he.outputs)
    r["colors"] = g.hessian_coloring().n_colors
    return r


def code_ratio(n: int, repeats: int) -> dict:
    """Generated code, cost report and memory for Rosenbrock at size n."""
    xs, f = rosenbrock(n)
    g = calcopt.compile(f)
    rng = np.random.default_rng(99)
    x = rng.uniform(-2.0, 2.0, n).tolist()
    fv = g.function("math")
    fg = g.gradient_graph().function("math")
    out = {"n": n, "nodes": len(g)}
    out["f"] = per_call(lambda: fv(x, ()), repeats)
    out["grad"] = per_call(lambda: fg(x, ()), repeats)
    out["cost"] = g.cost()

    h = calcopt.compile(f)
    _, out["peak"], out["retained"] = traced(lambda: h._hessian_entries())
    out["hess_nodes"] = len(h._hessian_entries())
    return out


# --- report --------------------------------------------------------------------------------------


def sympy_cell(v) -> str:
    return v if isinstance(v, str) else fmt_s(*v)


def sympy_ratio(v, ours: float, budget: float) -> str:
    if isinstance(v, str):
        return f"> {budget / ours:,.0f}x" if v.startswith("gave up") else "-"
    return f"{v[0] / ours:,.0f}x"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 5 s SymPy budget")
    opts = parser.parse_args(argv)
    quick = opts.quick
    budget = 5.0 if quick else 60.0
    sizes = {"rosenbrock": ROSEN_QUICK if quick else ROSEN_FULL,
             "logsumexp": LSE_QUICK if quick else LSE_FULL}

    print("calcopt bench_derivatives: exact gradients and sparse Hessians vs SymPy")
    print(f"python {platform.python_version()}, sympy {sp.__version__}, numpy {np.__version__}, "
          f"networkx {networkx.__version__}, calcopt {calcopt.__version__}, "
          f"{platform.machine()}, {'--quick' if quick else 'full run'}, "
          f"SymPy budget {budget:g} s per task and size")
    print("Times: best of 3 repeats (gc.collect() before each); a time marked * took > 1 s "
          "and was run once.")

    # correctness first: a fast wrong answer must not pass
    checks = check_correctness("rosenbrock", 10) + check_correctness("logsumexp", 10)
    print()
    print("Correctness (n = 10):")
    for text, ok, detail in checks:
        print(f"  {'ok   ' if ok else 'WRONG'}  {text}" + (f"  ({detail})" if detail else ""))
    correct = all(ok for _, ok, _ in checks)

    results: dict[str, list[dict]] = {}
    gave_up: dict = {}
    for name in ("rosenbrock", "logsumexp"):
        results[name] = []
        for n in sizes[name]:
            t0 = perf_counter()
            results[name].append(measure(name, n, budget, gave_up))
            print(f"  measured {name} n = {n} in {perf_counter() - t0:.1f} s (building the "
                  f"SymPy expression, not measured: {results[name][-1]['build']:.2f} s)",
                  flush=True)

    for name, rs in results.items():
        table_print(
            f"calcopt, {name}: exact gradient and sparse Hessian (graphs)",
            ["n", "f nodes", "f args", "grad nodes", "gradient", "us/f node", "to SymPy Matrix",
             "hessian incl. gradient", "hessian after gradient", "sparsity", "colouring",
             "sweeps", "colours", "entries", "hess nodes"],
            [[str(r["n"]), str(r["nodes"]), str(r["edges"]), str(r["grad_nodes"]), fmt_s(r["grad"], r["grad_runs"]),
              f"{r['grad'] / r['nodes'] * 1e6:.2f}", fmt_s(r["to_sympy"], r["to_sympy_runs"]),
              fmt_s(r["hess_incl"], r["hess_incl_runs"]),
              fmt_s(r["hess_after"], r["hess_after_runs"]),
              fmt_s(r["sparsity"], r["sparsity_runs"]), fmt_s(r["coloring"], r["coloring_runs"]),
              fmt_s(r["sweeps"], r["sweeps_runs"]), str(r["colors"]), str(r["entries"]),
              str(r["hess_nodes"])] for r in rs])

    print()
    print("Column notes: gradient = g.gradient_graph() on a fresh compile (reverse sweep + "
          "extraction).")
    print("  to SymPy Matrix = g.gradient() with the gradient graph already built: this is SymPy's "
          "canonicalisation cost")
    print("  of constructing the expressions (Add/Mul/Pow), SymPy cache cleared first; it is not "
          "differentiation.")
    print("  hessian incl. gradient = g._hessian_entries() on a fresh graph (gradient graph + "
          "sparsity + colouring + coloured")
    print("  forward-over-reverse sweeps); hessian after gradient = the same with the gradient "
          "graph already built;")
    print("  sparsity, colouring, sweeps = its parts (each with the previous steps cached).  "
          "entries = structural non-zeros")
    print("  i <= j; hess nodes = nodes of the Hessian-entries graph.  us/f node = gradient time "
          "per node of f; f args =")
    print("  argument references of f's operation nodes (the work of a sweep is linear in nodes + "
          "args: log-sum-exp has n-ary sums).")

    for name, rs in results.items():
        table_print(
            f"calcopt vs SymPy, {name}",
            ["n", "calcopt gradient", "sympy.diff per x_i", "ratio", "calcopt hessian",
             "sympy.hessian", "ratio"],
            [[str(r["n"]), fmt_s(r["grad"], r["grad_runs"]), sympy_cell(r["sympy_gradient"]),
              sympy_ratio(r["sympy_gradient"], r["grad"], budget),
              fmt_s(r["hess_incl"], r["hess_incl_runs"]), sympy_cell(r["sympy_hessian"]),
              sympy_ratio(r["sympy_hessian"], r["hess_incl"], budget)] for r in rs],
            ["SymPy: [sympy.diff(f, xi) for xi in xs] and sympy.hessian(f, xs) in a forked child "
             "process, cache cleared",
             f"before each run, killed after {budget:g} s; once it gives up, larger n are "
             "skipped.  calcopt hessian = incl. gradient.",
             "Note: calcopt builds graphs; SymPy builds expression trees (compare the 'to SymPy "
             "Matrix' column)."])

    # --- n = 1000 (the largest Rosenbrock size <= 1000 in --quick): generated code, memory
    n_code = 1000
    code_repeats = 5 if quick else 25
    cr = code_ratio(n_code, repeats=code_repeats)
    cost = cr["cost"]
    print()
    print(f"Rosenbrock n = {n_code}: generated code, cost report, memory")
    print(f"  f(x):      {fmt_s(cr['f'])} per call  (g.function('math') raw call, best of "
          f"{code_repeats} loops of >= 0.2 s)")
    print(f"  grad f(x): {fmt_s(cr['grad'])} per call  (g.gradient_graph().function('math'))")
    print(f"  generated-code gradient / f = {cr['grad'] / cr['f']:.2f}")
    print(f"  cost report: g.cost().gradient_ratio = {cost.gradient_ratio:.2f} "
          f"(weighted operations of one vjp sweep / f: {cost.vjp_sweep:,} / {cost.f:,})")
    print(f"  peak memory of building gradient + sparse Hessian (g._hessian_entries(), "
          f"tracemalloc): {cr['peak'] / 2**20:.1f} MiB peak, {cr['retained'] / 2**20:.1f} MiB "
          f"retained; {cr['peak'] / cr['nodes']:.0f} B per f node, "
          f"{cr['peak'] / cr['hess_nodes']:.0f} B per Hessian-graph node ({cr['hess_nodes']} nodes)")

    print()
    print("Colours (Hessian-vector products for the whole Hessian) at every n:")
    for name, rs in results.items():
        print(f"  {name:<10}  " + ", ".join(f"n={r['n']}: {r['colors']}" for r in rs))

    rs = results["rosenbrock"]
    print()
    print("Rosenbrock gradient construction time per f node (linear in n <=> roughly constant):")
    for r in rs:
        print(f"  n = {r['n']:>6}: {r['grad'] / r['nodes'] * 1e6:7.3f} us/node, "
              f"hessian incl. gradient {r['hess_incl'] / r['nodes'] * 1e6:7.3f} us/node")

    # --- targets
    big = rs[-1]
    prev = next(r for r in reversed(rs) if r["n"] * 10 <= big["n"])
    lin = (big["grad"] / big["nodes"]) / (prev["grad"] / prev["nodes"])
    lin_h = (big["hess_incl"] / big["nodes"]) / (prev["hess_incl"] / prev["nodes"])
    print()
    print("Targets:")
    print(f"  {'PASS' if correct else 'FAIL'}  exact derivatives correct at n = 10 "
          f"({sum(ok for _, ok, _ in checks)}/{len(checks)} checks)")
    print(f"  {'PASS' if lin <= 3 else 'FAIL'}  gradient construction linear in n: time per node "
          f"at n = {big['n']} is {lin:.2f}x that at n = {prev['n']} (target <= 3x; "
          f"sparse Hessian: {lin_h:.2f}x)")
    at3k = next((r for r in rs if r["n"] == 3000), None)
    if at3k is None:
        print("  SKIP  n = 3000 targets (gradient <= 0.1 s, sparse Hessian <= 0.25 s): not "
              "measured in --quick")
    else:
        print(f"  {'PASS' if at3k['grad'] <= 0.1 else 'FAIL'}  n = 3000 exact Rosenbrock gradient "
              f"(graph) <= 0.1 s: {fmt_s(at3k['grad'], at3k['grad_runs'])}")
        print(f"  {'PASS' if at3k['hess_incl'] <= 0.25 else 'FAIL'}  n = 3000 exact sparse Hessian "
              f"<= 0.25 s: {fmt_s(at3k['hess_incl'], at3k['hess_incl_runs'])} incl. gradient "
              f"(judged), {fmt_s(at3k['hess_after'], at3k['hess_after_runs'])} after gradient")
    worst = max(r["colors"] for r in rs)
    print(f"  {'PASS' if worst <= 3 else 'FAIL'}  <= 3 colours for Rosenbrock at every n: max "
          f"{worst}")
    ratio = cr["grad"] / cr["f"]
    print(f"  {'PASS' if ratio <= 2 else 'FAIL'}  generated-code gradient / f <= 2 at n = {n_code}: "
          f"{ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
