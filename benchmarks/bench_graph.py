"""Benchmark: compiling a SymPy expression into a calcopt graph, its memory, and evaluation.

Problem: the extended Rosenbrock function

    f(x) = sum_{i < n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2      (n variables)

built once per size with ``sympy.Add(*terms)`` (not Python ``sum``, which is quadratic);
building the SymPy expression is *not* part of any measured time.

Run from the repository root::

    python benchmarks/bench_graph.py            # n = 10, 100, 1000, 10000 (a few minutes)
    python benchmarks/bench_graph.py --quick    # n = 10, 100, 1000 (well under a minute)

It prints plain-text tables and PASS/FAIL lines for the targets; it never fails itself
(exit status 0 unless it crashes).  See ``benchmarks/README.md`` for the columns.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
from pathlib import Path
from time import perf_counter

# Heavy imports first: their one-off import cost is not what is measured.
import networkx  # noqa: F401  (used by Graph.nx)
import numpy as np
import scipy.sparse  # noqa: F401
import sympy as sp
from sympy.core.cache import clear_cache

import calcopt

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of, fmt_s, per_call, rosenbrock, table_print, traced  # noqa: E402

FULL_SIZES = (10, 100, 1000, 10000)
QUICK_SIZES = (10, 100, 1000)


# --- helpers -----------------------------------------------------------------------------------


def deep_table_size(table) -> tuple[int, int]:
    """Bytes of a NodeTable by a ``sys.getsizeof`` walk: the ops list, the args list with
    its argument tuples, the index dict with its key tuples, and the int objects they hold
    (node ids > 256; small ints are interned and cost nothing).  Objects are counted once
    (by identity).  SymPy leaves (Symbols and numbers) belong to the expression and are
    not counted; returns ``(bytes, number of SymPy leaf payloads skipped)``.
    """
    seen: set[int] = set()
    skipped = 0

    def size(obj) -> int:
        nonlocal skipped
        if id(obj) in seen:
            return 0
        seen.add(id(obj))
        if isinstance(obj, sp.Basic):
            skipped += 1
            return 0
        if isinstance(obj, type):
            return 0
        if isinstance(obj, bool) or obj is None:
            return 0
        if isinstance(obj, int):
            return 0 if -5 <= obj <= 256 else sys.getsizeof(obj)
        total = sys.getsizeof(obj)
        if isinstance(obj, (list, tuple)):
            for item in obj:
                total += size(item)
        elif isinstance(obj, dict):
            for k, v in obj.items():
                total += size(k) + size(v)
        return total

    total = size(table.ops) + size(table.args) + size(table.index)
    return total, skipped


def try_lambdify(xs, f, module: str):
    """(function or None, seconds of the best run (or until the failure), runs, failure)."""
    clear_cache()
    gc.collect()
    t0 = perf_counter()
    try:
        t, runs, fn = best_of(lambda _: sp.lambdify(xs, f, module), setup=clear_cache)
        return fn, t, runs, None
    except (RecursionError, MemoryError, SyntaxError, ValueError, OverflowError) as exc:
        return None, perf_counter() - t0, 1, (type(exc).__name__, str(exc))


# --- measurement ---------------------------------------------------------------------------


def measure(n: int, rng) -> dict:
    r: dict = {"n": n}
    t0 = perf_counter()
    xs, f = rosenbrock(n)
    r["build"] = perf_counter() - t0

    # compile: best of 3, each from the same (already built) SymPy expression
    r["compile"], r["compile_runs"], g = best_of(lambda: calcopt.compile(f))
    assert g.wrt == xs, "compile's default variable order should be x0, x1, ..."
    r["nodes"] = len(g)

    # memory of the compiled graph (no networkx view): tracemalloc, then a getsizeof walk
    g2, peak, retained = traced(lambda: calcopt.compile(f))
    r["mem_peak"], r["mem_retained"] = peak, retained
    r["deep"], r["deep_skipped"] = deep_table_size(g2.table)
    del g2

    # networkx view: build time (cached property: dropped between repeats) and memory
    def fresh_nx(_):
        g.__dict__.pop("nx", None)
        return g.nx

    r["nx_time"], r["nx_runs"], G = best_of(fresh_nx, setup=lambda: None)
    assert G.number_of_nodes() == len(g)
    del G
    g.__dict__.pop("nx", None)
    _, r["nx_peak"], r["nx_retained"] = traced(lambda: g.nx)
    g.__dict__.pop("nx", None)

    # one-off code generation + compilation of the value function (fresh graph each run)
    r["cg_math"], r["cg_math_runs"], _ = best_of(lambda h: h.function("math"),
                                                 setup=lambda: calcopt.compile(f))
    r["cg_numpy"], r["cg_numpy_runs"], _ = best_of(lambda h: h.function("numpy"),
                                                   setup=lambda: calcopt.compile(f))
    f_math = g.function("math")
    g.function("numpy")

    # evaluation at one random point
    x = rng.uniform(-2.0, 2.0, n)
    xl = x.tolist()
    ref = g.value(xl)
    r["raw_math"] = per_call(lambda: f_math(xl, ()))
    r["value_math"] = per_call(lambda: g.value(xl))
    r["value_numpy"] = per_call(lambda: g.value(x, backend="numpy"))
    err = abs(g.value(x, backend="numpy") - ref)

    for module in ("math", "numpy"):
        fn, t, runs, failure = try_lambdify(xs, f, module)
        r[f"lam_{module}_cg"], r[f"lam_{module}_cg_runs"] = t, runs
        r[f"lam_{module}_failed"] = failure is not None
        if fn is None:
            r[f"lam_{module}"] = failure
            continue
        try:
            val = fn(*xl)
            err = max(err, abs(float(val) - ref))
            r[f"lam_{module}"] = per_call(lambda: fn(*xl))
        except (RecursionError, MemoryError, ValueError, TypeError) as exc:
            r[f"lam_{module}"] = (type(exc).__name__, str(exc))
    r["rel_err"] = err / max(abs(ref), 1.0)
    return r


# --- report --------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (< 60 s)")
    opts = parser.parse_args(argv)
    sizes = QUICK_SIZES if opts.quick else FULL_SIZES

    print("calcopt bench_graph: extended Rosenbrock, compile / memory / evaluation")
    print(f"python {platform.python_version()}, sympy {sp.__version__}, numpy {np.__version__}, "
          f"networkx {networkx.__version__}, calcopt {calcopt.__version__}, "
          f"{platform.machine()}, {'--quick' if opts.quick else 'full run'}")
    print("Times: best of 3 repeats (gc.collect() before each); a time marked * took > 1 s "
          "and was run once.")

    rng = np.random.default_rng(12345)
    results = []
    for n in sizes:
        t0 = perf_counter()
        results.append(measure(n, rng))
        print(f"  measured n = {n} in {perf_counter() - t0:.1f} s "
              f"(building the SymPy expression, not measured: {results[-1]['build']:.2f} s)",
              flush=True)

    KB = 1024
    table_print(
        "Compile and memory of the compiled graph (no networkx view)",
        ["n", "nodes", "compile", "us/node", "retained B/node", "peak B/node",
         "getsizeof B/node"],
        [[str(r["n"]), str(r["nodes"]), fmt_s(r["compile"], r["compile_runs"]),
          f"{r['compile'] / r['nodes'] * 1e6:.2f}",
          f"{r['mem_retained'] / r['nodes']:.0f}", f"{r['mem_peak'] / r['nodes']:.0f}",
          f"{r['deep'] / r['nodes']:.0f}"] for r in results],
        ["compile = calcopt.compile(f) on the already built SymPy expression.",
         "retained / peak = tracemalloc: bytes still allocated after calcopt.compile returns "
         "(the graph) / peak during it",
         "  (includes the compiler's temporary memo), both minus the allocation before the call.",
         "getsizeof = deep sys.getsizeof walk of g.table (ops list, args list + tuples, index "
         "dict + key tuples, node-id ints),",
         "  each object once; SymPy leaves belong to the expression and are not counted."])

    table_print(
        "networkx view g.nx (built on first access; reported separately)",
        ["n", "nodes", "nx build", "us/node", "nx retained B/node", "nx peak B/node",
         "nx / table (retained)"],
        [[str(r["n"]), str(r["nodes"]), fmt_s(r["nx_time"], r["nx_runs"]),
          f"{r['nx_time'] / r['nodes'] * 1e6:.2f}", f"{r['nx_retained'] / r['nodes']:.0f}",
          f"{r['nx_peak'] / r['nodes']:.0f}",
          f"{r['nx_retained'] / max(r['mem_retained'], 1):.1f}x"] for r in results])

    failures = {}  # (exception name, message) -> note number

    def lam(r, module):
        v = r[f"lam_{module}"]
        if isinstance(v, tuple):
            k = failures.setdefault(v, len(failures) + 1)
            return f"failed: {v[0]} [{k}]"
        return fmt_s(v)

    lam_cells = [[lam(r, "math"), lam(r, "numpy")] for r in results]

    table_print(
        "Evaluation at one random point (per call; best of 3 loops of >= 0.2 s each)",
        ["n", "calcopt raw math", "g.value math", "g.value numpy", "lambdify math",
         "lambdify numpy", "lambdify math / raw"],
        [[str(r["n"]), fmt_s(r["raw_math"]), fmt_s(r["value_math"]), fmt_s(r["value_numpy"]),
          *cells,
          "-" if isinstance(r["lam_math"], tuple) else f"{r['lam_math'] / r['raw_math']:.2f}"]
         for r, cells in zip(results, lam_cells)],
        ["raw math = g.function('math')(x, ()) (no input checks); g.value converts/validates "
         "the point first.",
         "g.value numpy = g.value(x, backend='numpy') at one point (numpy scalars, "
         "made for batches).",
         "lambdify = sympy.lambdify(xs, f, module) called as fn(*x).",
         "max relative difference between all evaluators: "
         + ", ".join(f"n={r['n']}: {r['rel_err']:.1e}" for r in results),
         *(f"[{k}] {name}: {msg[:100]} (default recursion limit {sys.getrecursionlimit()})"
           for (name, msg), k in failures.items())])

    def cg(r, key):
        text = fmt_s(r[key], r[key + "_runs"])
        return f"failed after {text}" if r.get(key[:-3] + "_failed") else text

    def cg_ratio(r):
        if r["lam_math_failed"]:
            return "-"
        return f"{r['lam_math_cg'] / r['cg_math']:.1f}x"

    table_print(
        "One-off code generation + Python compile of the value function",
        ["n", "calcopt math", "calcopt numpy", "lambdify math", "lambdify numpy",
         "lambdify math / calcopt"],
        [[str(r["n"]), cg(r, "cg_math"), cg(r, "cg_numpy"), cg(r, "lam_math_cg"),
          cg(r, "lam_numpy_cg"), cg_ratio(r)]
         for r in results],
        ["calcopt = first g.function(backend) on a freshly compiled graph (source generation "
         "+ compile()).",
         "lambdify = sympy.lambdify(xs, f, module), SymPy cache cleared before each run."])

    # --- linearity and targets
    print()
    print("Compile time per node across sizes (linear in n <=> roughly constant):")
    base = results[0]["compile"] / results[0]["nodes"]
    for r in results:
        per = r["compile"] / r["nodes"]
        print(f"  n = {r['n']:>6}: {per * 1e6:8.3f} us/node, {r['compile'] / r['n'] * 1e6:8.3f} "
              f"us per variable  (x{per / base:.2f} of n = {results[0]['n']})")

    big, prev = results[-1], results[-2]
    ratio = (big["compile"] / big["nodes"]) / (prev["compile"] / prev["nodes"])
    worst_mem = max(r["mem_retained"] / r["nodes"] for r in results)
    worst_deep = max(r["deep"] / r["nodes"] for r in results)
    print()
    print("Targets:")
    print(f"  {'PASS' if ratio <= 3 else 'FAIL'}  compile time linear in n: time per node at "
          f"n = {big['n']} is {ratio:.2f}x that at n = {prev['n']} (target <= 3x)")
    print(f"  {'PASS' if worst_mem <= 0.5 * KB else 'FAIL'}  <= 0.5 KB per node without the "
          f"networkx view: worst retained {worst_mem:.0f} B/node (tracemalloc), "
          f"{worst_deep:.0f} B/node (getsizeof walk)")
    if opts.quick:
        print("  (--quick: largest size 1000, linearity judged 1000 vs 100; the full run "
              "judges 10000 vs 1000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
