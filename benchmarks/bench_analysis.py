"""Benchmark: convexity verdicts on the table of known functions, against SymPy and CVXPY.

The table is ``tests/convexity_table.py`` (functions whose convexity is known from convex
analysis and from optimisation test problems, each on a stated domain).  Every function gets
two verdicts (convex? concave?), each ``T``, ``F`` or ``?`` (unknown).  Tools:

* **calcopt**: ``calcopt.convexity(calcopt.compile(f), domain, timeout)``, time includes
  ``compile``;
* **SymPy**: ``sympy.calculus.util.is_convex(f, *vars, domain=interval)`` for convex and the
  same on ``-f`` for concave (its multivariate branch is ``hessian(f).is_positive_semidefinite``
  and ignores ``domain``; symbols keep their assumptions).  Runs in a forked child with a time
  budget (``timed out`` = ``?``);
* **CVXPY** (only if importable; not a calcopt dependency): the expression translated to CVXPY
  atoms (``power``, ``sqrt``, ``exp``, ``log``, ``abs``, ``maximum``, products with constants),
  variables ``pos=True``/``neg=True`` from the symbol assumptions; ``is_convex()`` /
  ``is_concave()`` of the DCP analysis.  DCP never says "not convex", so only ``T`` or ``?``.
  Box domains given by ``domain=`` cannot be expressed and are ignored (noted).

Run from the repository root::

    python benchmarks/bench_analysis.py          # 10 s calcopt timeout, 10 s SymPy budget
    python benchmarks/bench_analysis.py --quick  # 3 s / 1 s (CI smoke test, < 2 min)

Prints a table per function, a summary (decided fraction, wrong verdicts, time per verdict,
and ratios) and PASS/FAIL lines for the targets: 0 wrong verdicts and >= 90 % decided for
calcopt.  Never fails itself (exit status 0 unless it crashes).
"""

from __future__ import annotations

import argparse
import platform
import sys
import warnings
from pathlib import Path
from statistics import median
from time import perf_counter

import numpy as np
import sympy as sp
from sympy.calculus.util import is_convex as sympy_is_convex

import calcopt
from calcopt.analysis.budget import BudgetExceeded, call_with_budget
from calcopt.analysis.domain import resolve_domain

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tests"))
from _common import fmt_s, table_print  # noqa: E402
from convexity_table import CASES  # noqa: E402

try:  # measured only when installed; never a dependency
    import cvxpy as cp
except ImportError:  # pragma: no cover
    cp = None


def letter(v) -> str:
    return "?" if v is None else ("T" if v else "F")


# --- the three tools -----------------------------------------------------------------------------


def run_calcopt(case, timeout: float):
    t0 = perf_counter()
    r = calcopt.convexity(calcopt.compile(case.expr), domain=case.domain, timeout=timeout)
    return (r.is_convex, r.is_concave), perf_counter() - t0, r


def _sympy_verdicts(f, xs, domain):
    out, t0 = [], perf_counter()
    for h in (f, -f):
        v = sympy_is_convex(h, *xs, domain=domain) if len(xs) == 1 else sympy_is_convex(h, *xs)
        out.append(None if v is None else bool(v))
    return tuple(out), perf_counter() - t0


def run_sympy(case, budget: float):
    g = calcopt.compile(case.expr)
    xs = g.wrt
    domain = resolve_domain(g, case.domain).intervals[0]
    try:
        return call_with_budget(_sympy_verdicts, sp.sympify(case.expr), xs, domain, timeout=budget)
    except BudgetExceeded:
        return (None, None), None
    except Exception as exc:  # SymPy raising is an unknown verdict, noted
        return (None, None), f"{type(exc).__name__}"


_CP_UNARY = {sp.exp: "exp", sp.log: "log", sp.Abs: "abs"}


def _to_cvxpy(e, var):
    if e.is_Symbol:
        return var[e]
    if e.is_Number:
        return float(e)
    args = [_to_cvxpy(a, var) for a in e.args] if not e.is_Pow else None
    if e.is_Add:
        return sum(args[1:], args[0])
    if e.is_Mul:
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if e.is_Pow:
        base, p = _to_cvxpy(e.base, var), float(e.exp)
        return cp.sqrt(base) if p == 0.5 else cp.power(base, p)
    if isinstance(e, (sp.Max, sp.Min)):
        return (cp.maximum if isinstance(e, sp.Max) else cp.minimum)(*args)
    name = _CP_UNARY.get(type(e))
    if name is None:
        raise NotImplementedError(type(e).__name__)
    return getattr(cp, name)(args[0])


def run_cvxpy(case):
    if cp is None:
        return (None, None), None, "not installed"
    t0 = perf_counter()
    expr = sp.sympify(case.expr)
    var = {}
    for s in expr.free_symbols:
        var[s] = cp.Variable(name=s.name, pos=bool(s.is_positive), neg=bool(s.is_negative))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = _to_cvxpy(expr, var)
            verdict = (True if c.is_convex() else None, True if c.is_concave() else None)
        note = "box ignored" if case.domain else ""
    except Exception as exc:  # an atom CVXPY lacks, or a non-DCP product
        verdict, note = (None, None), f"no DCP form ({type(exc).__name__})"
    return verdict, perf_counter() - t0, note


# --- report --------------------------------------------------------------------------------------


def score(verdicts, case):
    truth = (case.convex, case.concave)
    decided = sum(v is not None for v in verdicts)
    wrong = sum(v is not None and v != t for v, t in zip(verdicts, truth))
    return decided, wrong


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short budgets (CI smoke test)")
    opts = parser.parse_args(argv)
    timeout, budget = (3.0, 1.0) if opts.quick else (10.0, 10.0)
    print(f"python {platform.python_version()}, sympy {sp.__version__}, numpy {np.__version__}, "
          f"cvxpy {cp.__version__ if cp else 'not installed'}, {platform.machine()}, "
          f"{'--quick' if opts.quick else 'full run'}; calcopt timeout {timeout:g} s, SymPy "
          f"budget {budget:g} s; {len(CASES)} functions, 2 verdicts each")

    rows, totals = [], {k: [0, 0, []] for k in ("calcopt", "sympy", "cvxpy")}
    methods: dict[str, int] = {}
    for case in CASES:
        cv, ct, r = run_calcopt(case, timeout)
        sv, st = run_sympy(case, budget)
        xv, xt, xnote = run_cvxpy(case)
        for key, v, t in (("calcopt", cv, ct), ("sympy", sv, st), ("cvxpy", xv, xt)):
            d, w = score(v, case)
            totals[key][0] += d
            totals[key][1] += w
            if isinstance(t, float):
                totals[key][2].append(t)
        for m in r.method.split(", "):
            methods[m] = methods.get(m, 0) + 1
        mark = lambda v: "".join(letter(a) for a in v) + (" X" if score(v, case)[1] else "")
        s_time = fmt_s(st) if isinstance(st, float) else (st or f"> {budget:g} s")
        rows.append([case.name, letter(case.convex) + letter(case.concave), mark(cv), fmt_s(ct),
                     mark(sv), s_time, mark(xv), fmt_s(xt) if xt else "-", xnote or ""])
    table_print("Verdicts (convex, concave): T = yes, F = no, ? = unknown; X = a wrong verdict",
                ["function", "truth", "calcopt", "time", "SymPy", "time", "CVXPY", "time",
                 "CVXPY note"], rows)

    n = 2 * len(CASES)
    summary, frac = [], {}
    for key, (dec, wrong, times) in totals.items():
        if key == "cvxpy" and cp is None:
            continue
        frac[key] = dec / n
        per = sum(times) / max(1, 2 * len(times))
        summary.append([key, f"{dec}/{n}", f"{100 * dec / n:.0f} %", str(wrong),
                        fmt_s(per), fmt_s(median(times) / 2) if times else "-"])
    table_print("Summary", ["tool", "decided", "fraction", "wrong", "mean time/verdict",
                            "median time/verdict"], summary,
                [f"calcopt methods that decided: {methods}",
                 "SymPy time: completed runs only (timed-out runs count as undecided).",
                 "SymPy's univariate is_convex signs f'' where it exists, so a Piecewise with "
                 "convex pieces and a jump or a concave kink comes out convex.",
                 "CVXPY's DCP can only say T; its power(x, p) for p > 1 (not even) is +inf for "
                 "x < 0, so its T for x^3 on R is about another function."])
    for key in ("sympy", "cvxpy"):
        if key in frac and frac[key]:
            print(f"  decided calcopt / {key}: {frac['calcopt'] / frac[key]:.2f}x")
    wrong = totals["calcopt"][1]
    print(f"  {'PASS' if wrong == 0 else 'FAIL'}  calcopt: 0 wrong verdicts ({wrong})")
    print(f"  {'PASS' if frac['calcopt'] >= 0.9 else 'FAIL'}  calcopt: >= 90 % decided "
          f"({100 * frac['calcopt']:.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
