"""Tests of the one node emitter (calcopt.codegen.emit) and of its three users: the programs
(codegen.source), the sample-mean code (codegen.mean) and the fixed-step loop of gd
(optim.fastloop), which builds its loop from the emitter's statements, not from source text."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import calcopt
from calcopt.codegen import source as codegen
from calcopt.codegen.emit import emit, use_counts
from calcopt.codegen.program import sample_means
from calcopt.data.points import as_data
from calcopt.errors import SymbolError
from calcopt.ir.compiler import compile_into
from calcopt.ir.table import NodeTable
from calcopt.optim import descent, fastloop, runs
from helpers import assert_close
from strategies import SYMBOLS, X, Y, Z, expressions, points, rounding_sensitivity

x, y, a = sp.symbols("x y a")
RANDOM = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def table_of(exprs, symbols=(x, y)):
    t = NodeTable()
    out = compile_into(t, exprs)
    return t, out, {t.symbol(s): f"x{j}" for j, s in enumerate(symbols)}


# --- the emitter ----------------------------------------------------------------------------------


def test_shared_nodes_are_named_and_single_use_nodes_inlined():
    t, out, leaves = table_of([sp.exp(x * y) + sp.sin(x * y)])
    code = emit(t, out, leaves.get)
    assert code.lines == ["t2 = (x0*x1)"]
    assert code.of(out) == ["(math.exp(t2) + math.sin(t2))"]


def test_an_output_used_elsewhere_is_named_once():
    t, out, leaves = table_of([x * y, sp.exp(x * y)])
    code = emit(t, out, leaves.get, "numpy")
    assert code.lines == ["t2 = (x0*x1)"]
    assert code.of(out) == ["t2", "np.exp(t2)"]


def test_max_depth_names_deep_chains():
    e = x
    for _ in range(5):
        e = sp.sin(e)
    t, out, leaves = table_of([e], (x,))
    assert emit(t, out, leaves.get).lines == []
    named = emit(t, out, leaves.get, max_depth=2)  # depth 3 > 2: named (holding depth 2)
    assert named.lines == ["t3 = math.sin(math.sin(math.sin(x0)))"]
    assert named.of(out) == ["math.sin(math.sin(t3))"]


def test_live_uses_and_override_are_the_callers():
    t, out, leaves = table_of([sp.exp(x * y) + y])
    [prod] = compile_into(t, [x * y])  # hash-consed: the node inside the exp
    live = t.reachable(out)
    live[t.symbol(x)] = 0  # the override below writes x*y without its arguments
    uses = use_counts(t, live, out, opaque={prod})
    assert uses[t.symbol(x)] == 0 and uses[t.symbol(y)] == 1 and uses[out[0]] == 1
    calls = []
    code = emit(t, out, leaves.get, live=live, uses=uses,
                override=lambda i: calls.append(i) or ("xy" if i == prod else None))
    assert calls == sorted(calls) and prod in calls  # table order, once per live node
    assert code.code[t.symbol(x)] is None and code.lines == []
    assert "math.exp(xy)" in code.of(out)[0]


def test_unbound_symbol_is_a_symbol_error():
    t, out, _ = table_of([x + y])
    with pytest.raises(SymbolError, match="neither a variable nor a parameter"):
        emit(t, out, {t.symbol(x): "x0"}.get)


# --- the three users on random graphs ---------------------------------------------------------


def named_program(graph, backend):
    """``f(x, p)`` of the graph with every node a temporary: the values of the generated code
    must not depend on what the emitter inlines."""
    leaves = {v: f"x{j}" for j, v in enumerate(graph.variable_nodes)}
    code = emit(graph.table, graph.outputs, leaves.get, backend, max_depth=0)
    body = ["x0, x1, x2, = x", *code.lines, "return (" + ", ".join(code.of(graph.outputs)) + ",)"]
    return codegen.build("def f(x, p):\n" + "\n".join("    " + ln for ln in body), backend)


def outcome(fn, *args):
    try:
        return np.asarray(fn(*args), dtype=float).reshape(-1)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        return type(exc)


@RANDOM
@given(expressions(), points())
def test_programs_equal_the_fully_named_code_on_random_graphs(e, p):
    g = calcopt.compile(e, wrt=SYMBOLS)
    batch = [np.array([v, v / 2, -v]) for v in p]
    for graph in (g, g.gradient_graph(), g.vjp_graph()):
        got = outcome(graph.function("math"), p, ())
        want = outcome(named_program(graph, "math"), p, ())
        assert type(got) is type(want)  # both raise the same error, or both return values
        assert isinstance(got, type) or np.array_equal(got, want, equal_nan=True)
        with np.errstate(all="ignore"):
            out = graph.function("numpy")(batch, ())
            got = np.broadcast_arrays(*(out if len(graph.outputs) > 1 else (out,)))
            want = np.broadcast_arrays(*named_program(graph, "numpy")(batch, ()))
        assert all(np.array_equal(u, v, equal_nan=True) for u, v in zip(got, want))


@RANDOM
@given(expressions(), points(), st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=5))
def test_mean_code_equals_the_mean_of_the_point_code_on_random_graphs(e, p, zs):
    g = calcopt.compile(e, wrt=(X, Y), params=(Z,))
    exprs = [e, sp.diff(e, X), sp.diff(e, Y)]
    samples = [[p[0], p[1], z] for z in zs]
    fn = g.vjp_graph().function("math")
    try:
        per_sample = np.array([fn(s[:2], s[2:]) for s in samples], dtype=float)
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)
    assume(np.all(np.isfinite(per_sample)))
    sens = max(rounding_sensitivity(f, s) for f in exprs for s in samples)
    assume(sens < 1e-3)
    want = per_sample.mean(axis=0)
    for what, part in (("value", want[:1]), ("gradient", want[1:]), ("value_and_gradient", want)):
        prog = sample_means(g, what)
        with np.errstate(all="ignore"):
            got = prog(np.array(p[:2]), prog.prepare(as_data({Z: zs}, g.params)))
        assert_close(got, part, 1e-12 + 64 * 2.0**-23 * sens, what)


def gd_generic(g, x0, step, iters, tol):
    """``gd`` with a fixed step through its generic path (one oracle call per step)."""
    def generic(g, fg, x, step, iters, tol, bar):
        scheme = descent.Scheme("fixed", step, None, (0.5, 0.5), None, "fixed step")
        return descent._generic(g, fg, runs.oracles(g, None)[1], x, scheme, iters, tol, bar, None)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(descent, "_fast", generic)
        return calcopt.gd(g, x0, step=step, iters=iters, tol=tol)


@RANDOM
@given(expressions(), points(-1, 1), st.sampled_from([0.0, 1e-9]))
def test_fast_loop_iterates_equal_the_generic_path_on_random_graphs(e, p, tol):
    g = calcopt.compile(e, wrt=SYMBOLS)
    try:
        fast = calcopt.gd(g, p, step=0.05, iters=40, tol=tol)
    except calcopt.errors.PointError:
        assume(False)
    generic = gd_generic(g, p, 0.05, 40, tol)
    assume(not fast.diverged and not generic.diverged)  # the two cut a divergence differently
    assert np.array_equal(fast.xs, generic.xs)
    assert (fast.iters, fast.converged) == (generic.iters, generic.converged)


# --- the generated text (as before the emitter) ------------------------------------------------

LOOP = """\
def loop(x, __s, __iters, __tol2, __xappend):
    x0, x1, = x
    __inf = math.inf
    for __k in range(__iters):
        t6 = math.exp((x0*x1))
        (__g0, __g1, ) = (((x1*t6) + (2.0*((-3.0) + x0))), (x0*t6), )
        __gn2 = __g0*__g0 + __g1*__g1
        if not __tol2 < __gn2 < __inf:
            return 'converged' if __gn2 <= __tol2 else 'nonfinite'
        x0 = x0 - __s*__g0
        x1 = x1 - __s*__g1
        __xappend((x0, x1, ))
    return 'iterations'"""

BLOCKS = """\
    __done = 0
    while __done < __iters:
        __m = min(64, __iters - __done)
        for __k in range(__m):
            t6 = math.exp((x0*x1))
            (__g0, __g1, ) = (((x1*t6) + (2.0*((-3.0) + x0))), (x0*t6), )
            x0 = x0 - __s*__g0
            x1 = x1 - __s*__g1
            __xappend((x0, x1, ))
        __done += __m
        if not x0*0.0 + x1*0.0 == 0.0:
            return 'nonfinite'
    return 'iterations'"""


def test_fast_loop_source():
    g = calcopt.compile((x - 3)**2 + sp.exp(x * y))
    assert fastloop._loop_source(g, True) == LOOP
    assert fastloop._loop_source(g, False) == "\n".join(LOOP.splitlines()[:3]) + "\n" + BLOCKS
    assert "math.exp" in g.gradient_graph().source()


def test_mean_source_binds_the_variables_first():
    g = calcopt.compile(sp.sin(x) * sp.cos(a) + y**2, wrt=[x, y], params=[a])
    assert sample_means(g, "value_and_gradient").source == """\
def f(x, d):
    d0, = d
    x1 = x[1]
    x0 = x[0]
    t4 = np.cos(d0)
    return np.asarray((np.mean(((x1*x1) + (t4*np.sin(x0))), axis=0), \
np.mean((t4*np.cos(x0)), axis=0), (2.0*x1), ), dtype=np.float64)"""
