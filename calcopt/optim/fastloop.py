"""Fixed-step gradient descent as one generated Python function (the hot loop of ``gd``).

The loop body is the straight-line ``"math"`` code of the gradient graph (the statements and
output code of :func:`calcopt.codegen.emit.emit`, as in :meth:`calcopt.Graph.source`), so a
step costs the gradient's arithmetic plus the update: no call per step, no list per step.  It
is generated once per graph and cached on it (``g.memo``), and keeps its state in the lists
it appends to, so an exception (overflow, a math domain error, Ctrl-C) loses nothing: the
caller reads the iterates recorded so far.

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

from typing import Callable

from ..codegen import source as codegen
from ..codegen.emit import emit, indent, tuple_code, unpack

BLOCK = 64  # steps between finiteness tests when there is no convergence test (tol = 0)


def _step(g, checked: bool) -> tuple[list[str], list[str]]:
    """``(unpack lines, step lines)`` of the loop, unindented: the gradient's statements from
    the node emitter, then the update of the iterate ``x0, x1, ...``."""
    gg = g.gradient_graph()
    leaves = {leaf: f"x{j}" for j, leaf in enumerate(gg.variable_nodes)}
    code = emit(gg.table, gg.outputs, leaves.get, "math")
    n = len(gg.variable_nodes)
    gs = [f"__g{j}" for j in range(n)]
    xs = [f"x{j}" for j in range(n)]
    results = code.of(gg.outputs)
    step = code.lines + [f"{gs[0]} = {results[0]}" if n == 1
                         else f"{tuple_code(gs)} = {tuple_code(results)}"]
    if checked:
        step.append("__gn2 = " + " + ".join(f"{v}*{v}" for v in gs))
        step += ["if not __tol2 < __gn2 < __inf:",
                 "    return 'converged' if __gn2 <= __tol2 else 'nonfinite'"]
    step += [f"{xv} = {xv} - __s*{gv}" for xv, gv in zip(xs, gs)]
    step.append(f"__xappend({tuple_code(xs)})")
    return unpack("x", n, "x"), step


def _loop_source(g, checked: bool = True) -> str:
    """The source of ``loop`` (see :func:`fixed_step_loop`)."""
    unpack, step = _step(g, checked)
    out = ["def loop(x, __s, __iters, __tol2, __xappend):", *indent(unpack, 1),
           "    __inf = math.inf"]
    if checked:
        out += ["    for __k in range(__iters):", *indent(step, 2)]
    else:
        # No test per step: a non-finite iterate is caught at the end of its block (the
        # caller cuts the trajectory at the first non-finite value, so the Run is the same).
        finite = " + ".join(f"x{j}*0.0" for j in range(len(g.wrt)))
        out += ["    __done = 0", "    while __done < __iters:",
                f"        __m = min({BLOCK}, __iters - __done)", "        for __k in range(__m):",
                *indent(step, 3), "        __done += __m", f"        if not {finite} == 0.0:",
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
    return g.memo(("optim", "fixed-step loop", checked),
                  lambda: codegen.build(_loop_source(g, checked), "math", "loop"))
