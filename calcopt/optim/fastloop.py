"""Fixed-step gradient descent as one generated Python function (the hot loop of ``gd``).

The loop body is the straight-line ``"math"`` code of the gradient graph (its source from
:meth:`calcopt.Graph.source`), so a step costs the gradient's arithmetic plus the update:
no call per step, no list per step.  It is generated once per graph and cached (weakly), and
keeps its state in the lists it appends to, so an exception (overflow, a math domain error,
Ctrl-C) loses nothing: the caller reads the iterates recorded so far.

>>> import sympy as sp, calcopt
>>> x = sp.Symbol("x")
>>> loop = fixed_step_loop(calcopt.compile((x - 3)**2))
>>> xs = [0.0]
>>> loop((0.0,), 0.25, 2, -1.0, xs.extend), xs
('iterations', [0.0, 1.5, 2.25])
>>> loop((0.0,), 0.25, 2, 9.0, xs.extend)     # gradient norm 3 at the iterate 1.5
'converged'

"""

from __future__ import annotations

import weakref
from typing import Callable

from ..codegen import source as codegen

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


BLOCK = 64  # steps between finiteness tests when there is no convergence test (tol = 0)


def _loop_source(gradient_source: str, n: int, checked: bool = True) -> str:
    lines = gradient_source.splitlines()
    if not lines[0].startswith("def ") or not lines[-1].startswith("    return "):
        raise RuntimeError("unexpected layout of generated gradient code")
    body = [ln for ln in lines[1:-1] if not ln.rstrip().endswith("= p")]
    unpack = [ln for ln in body if ln.rstrip().endswith("= x")]
    assigns = [ln for ln in body if ln not in unpack]
    result = lines[-1][len("    return "):]
    gs = [f"__g{j}" for j in range(n)]
    xs = [f"x{j}" for j in range(n)]
    tup = lambda names: "(" + "".join(f"{v}, " for v in names) + ")"  # noqa: E731
    pad = "    " if checked else "        "  # the step's indentation beyond the function's
    step = ["    " + pad + ln[4:] for ln in assigns]
    step.append(f"    {pad}{gs[0]} = {result}" if n == 1 else f"    {pad}{tup(gs)} = {result}")
    if checked:
        step.append("        __gn2 = " + " + ".join(f"{v}*{v}" for v in gs))
        step += ["        if not __tol2 < __gn2 < __inf:",
                 "            return 'converged' if __gn2 <= __tol2 else 'nonfinite'"]
    step += [f"    {pad}{xv} = {xv} - __s*{gv}" for xv, gv in zip(xs, gs)]
    step.append(f"    {pad}__xappend({tup(xs)})")
    out = ["def loop(x, __s, __iters, __tol2, __xappend):", *unpack, "    __inf = math.inf"]
    if checked:
        out += ["    for __k in range(__iters):", *step]
    else:
        # No test per step: a non-finite iterate is caught at the end of its block (the
        # caller cuts the trajectory at the first non-finite value, so the Run is the same).
        finite = " + ".join(f"{v}*0.0" for v in xs)
        out += ["    __done = 0", "    while __done < __iters:",
                f"        __m = min({BLOCK}, __iters - __done)", "        for __k in range(__m):",
                *step, "        __done += __m", f"        if not {finite} == 0.0:",
                "            return 'nonfinite'"]
    out.append("    return 'iterations'")
    return "\n".join(out)


def fixed_step_loop(g, checked: bool = True) -> Callable:
    """``loop(x0, step, iters, tol**2, append_x) -> why it stopped``.

    Passes each new iterate (a tuple) to ``append_x`` (``list.extend`` of a flat buffer, say);
    returns ``'converged'`` (the squared gradient norm at the last iterate is <= tol**2),
    ``'nonfinite'`` (it is nan or inf, or overflowed) or ``'iterations'``.  Raises what the
    math code raises (``OverflowError``, ``ValueError``).  With ``checked=False`` there is no
    convergence test and finiteness is tested every :data:`BLOCK` steps only: the loop may run
    up to ``BLOCK - 1`` steps past the first non-finite iterate.
    """
    per_graph = _CACHE.setdefault(g, {})
    fn = per_graph.get(checked)
    if fn is None:
        source = _loop_source(g.gradient_graph().source("math"), len(g.wrt), checked)
        fn = per_graph[checked] = codegen.build(source, "math", "loop")
    return fn
