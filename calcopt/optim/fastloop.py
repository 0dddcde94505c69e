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

from .. import codegen

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _loop_source(gradient_source: str, n: int) -> str:
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
    out = ["def loop(x, __s, __iters, __tol2, __xappend):"]
    out += unpack
    out += ["    __inf = math.inf", "    for __k in range(__iters):"]
    out += ["    " + ln for ln in assigns]
    out.append(f"        {gs[0]} = {result}" if n == 1 else f"        {tup(gs)} = {result}")
    out.append("        __gn2 = " + " + ".join(f"{v}*{v}" for v in gs))
    out += ["        if not __tol2 < __gn2 < __inf:",
            "            return 'converged' if __gn2 <= __tol2 else 'nonfinite'"]
    out += [f"        {xv} = {xv} - __s*{gv}" for xv, gv in zip(xs, gs)]
    out += [f"        __xappend({tup(xs)})", "    return 'iterations'"]
    return "\n".join(out)


def fixed_step_loop(g) -> Callable:
    """``loop(x0, step, iters, tol**2, append_x) -> why it stopped``.

    Passes each new iterate (a tuple) to ``append_x`` (``list.extend`` of a flat buffer, say);
    returns ``'converged'`` (the squared gradient norm at the last iterate is <= tol**2),
    ``'nonfinite'`` (it is nan or inf, or overflowed) or ``'iterations'``.  Raises what the
    math code raises (``OverflowError``, ``ValueError``).
    """
    fn = _CACHE.get(g)
    if fn is None:
        n = len(g.wrt)
        fn = codegen.build(_loop_source(g.gradient_graph().source("math"), n), "math", "loop")
        _CACHE[g] = fn
    return fn
