"""Benchmark: rigorous interval evaluation of a graph over a box, python-flint ``arb`` vs
``mpmath.iv`` (the measurement behind ``calcopt.analysis.intervals``).

A graph of a few hundred nodes (sums of ``exp``, ``sin``, ``log``, products and powers of
the variables) is evaluated over a box three ways, walking the same pre-extracted node list:

* **arb endpoints**: calcopt's interval extensions (``calcopt.interval.arith``: float
  endpoints, each computed by ``arb`` at 53 bits and rounded outward);
* **mpmath.iv**: ``mpmath.iv`` intervals at 53 bits (outward rounded endpoints);
* **arb balls**: plain ``arb`` midpoint-radius balls (for reference: fastest, but a ball
  cannot hold ``[0, oo)`` and over-estimates non-monotone functions on wide inputs).

Prints time per sweep (best of 3 ``timeit`` loops) and the width of the output enclosure,
then the time of the public ``enclosures(g, domain)`` (graph walk included).

Run from the repository root::

    python benchmarks/bench_intervals.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sympy as sp
from flint import arb
from mpmath import iv

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import calcopt  # noqa: E402
from calcopt.interval import arith as ia  # noqa: E402
from calcopt.analysis.domain import resolve_domain  # noqa: E402
from calcopt.analysis.intervals import enclosures, node_enclosures  # noqa: E402
from calcopt.primitives import BY_NAME  # noqa: E402
from _common import fmt_s, per_call  # noqa: E402


def problem(k: int):
    xs = sp.symbols(f"x0:{k}")
    terms = []
    for i in range(k):
        a, b = xs[i], xs[(i + 1) % k]
        terms += [sp.exp(a * b) * sp.sin(a + 2 * b), sp.log(a**2 + b**2 + 1) * sp.cos(a - b),
                  (a - b)**3 * sp.sqrt(a**2 + 1)]
    return xs, sp.Add(*terms)


def nodes(g):
    out = []
    for i in range(len(g)):
        kind = g.kind(i)
        out.append((kind if kind != "operation" else g.op(i), g.args(i),
                    g.leaf_value(i) if kind != "operation" else None))
    return out


def run_mpmath(program, box):
    iv.prec = 53
    vals = []
    for op, args, leaf in program:
        a = [vals[j] for j in args]
        if op == "constant":
            v = iv.mpf(str(leaf)) if leaf.is_Integer else iv.mpf([str(sp.N(leaf, 20))] * 2)
        elif op == "variable":
            v = iv.mpf(box[leaf])
        elif op == "add":
            v = a[0]
            for t in a[1:]:
                v = v + t
        elif op == "mul":
            v = a[0]
            for t in a[1:]:
                v = v * t
        elif op == "pow":
            e = program[args[1]][2]
            v = iv.sqrt(a[0]) if e == sp.Rational(1, 2) else a[0] ** int(e)
        else:
            v = getattr(iv, op)(a[0])
        vals.append(v)
    return vals[-1]


def run_arb_endpoints(program, box):
    vals, consts = [], []
    for op, args, leaf in program:
        if op == "constant":
            v, c = ia.from_number(leaf), leaf
        elif op == "variable":
            v, c = ia.Interval(*box[leaf]), None
        else:
            v, c = BY_NAME[op].interval([vals[j] for j in args], [consts[j] for j in args]), None
        vals.append(v)
        consts.append(c)
    return vals[-1]


def run_arb_balls(program, box):
    vals = []
    for op, args, leaf in program:
        a = [vals[j] for j in args]
        if op == "constant":
            v = arb(str(sp.N(leaf, 20)))
        elif op == "variable":
            v = arb(box[leaf][0]).union(arb(box[leaf][1]))
        elif op == "add":
            v = sum(a[1:], a[0])
        elif op == "mul":
            v = a[0]
            for t in a[1:]:
                v = v * t
        elif op == "pow":
            e = program[args[1]][2]
            if e == sp.Rational(1, 2):
                v = a[0].sqrt()
            else:  # arb ** int of a ball containing negatives is nan in python-flint 0.9
                v = a[0]
                for _ in range(int(e) - 1):
                    v = v * a[0]
        else:
            v = getattr(a[0], op)()
        vals.append(v)
    return vals[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    k = 6 if parser.parse_args().quick else 16
    xs, f = problem(k)
    g = calcopt.compile(f)
    program = nodes(g)
    box = {x: (-0.5 + 0.1 * i, 0.5 + 0.1 * i) for i, x in enumerate(xs)}
    print(f"graph: {len(g)} nodes, {k} variables, box widths 1")
    rows = []
    for name, fn in (("arb endpoints (calcopt)", run_arb_endpoints),
                     ("mpmath.iv", run_mpmath), ("arb balls", run_arb_balls)):
        t = per_call(lambda: fn(program, box))
        out = fn(program, box)
        width = (out.hi - out.lo) if isinstance(out, ia.Interval) else (
            float(out.delta) if hasattr(out, "delta") else 2 * float(out.rad()))
        rows.append((name, t, width))
    print(f"{'method':26s} {'time/sweep':>12s} {'output width':>14s}")
    for name, t, width in rows:
        print(f"{name:26s} {fmt_s(t):>12s} {width:14.6g}")
    dom = resolve_domain(g, box)
    t = per_call(lambda: enclosures(g, dom))
    print(f"enclosures(g, domain) (graph walk included): {fmt_s(t)}; resolving the domain "
          f"from a dict adds {fmt_s(per_call(lambda: resolve_domain(g, box)))}")
    h = calcopt.compile(sp.log(1 + xs[0]))
    out = node_enclosures(h, {xs[0]: ia.Interval(0.0, ia.INF)})[-1]
    ball = arb(0).union(arb("inf"))
    print(f"log(1 + x) over x in [0, oo): arb endpoints give [{out.lo}, {out.hi}]; the arb ball "
          f"of [0, oo) is {ball} and log(1 + ball) is {(1 + ball).log()}")


if __name__ == "__main__":
    main()
