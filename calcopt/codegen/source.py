"""Numeric code generated from a node table: straight-line Python, compiled once.

The generated function has the signature ``f(x, p)`` where ``x`` is a sequence of the
variable values (in ``wrt`` order) and ``p`` of the parameter values, and returns one value
per output (a tuple when there are several outputs).  Each node that is shared (used more
than once, the return statement counting as a use) gets one temporary ``t<id>``; single-use
nodes are inlined into their user, up to a nesting depth of :data:`MAX_INLINE_DEPTH` so the Python compiler never
meets absurdly deep expressions.  What each node emits is taken from its entry in the
primitive table, for the ``"math"`` back end (Python floats: fastest for one point) or the
``"numpy"`` back end (arrays: batches of points or of data samples).

Examples
--------
>>> import sympy as sp
>>> from calcopt.ir.table import NodeTable
>>> from calcopt.ir.compiler import compile_into
>>> x, y = sp.symbols("x y")
>>> t = NodeTable()
>>> out = compile_into(t, [sp.exp(x*y) + sp.sin(x*y)])
>>> ids = [t.symbol(x), t.symbol(y)]
>>> print(generate(t, out, ids, [], "math"))
def f(x, p):
    x0, x1, = x
    t2 = (x0*x1)
    return (math.exp(t2) + math.sin(t2))
"""

from __future__ import annotations

import linecache
import math
from itertools import count
from typing import Callable, Sequence


from ..errors import OptionError, SymbolError
from ..primitives import CONST, MATH_NAMESPACE, NUMPY_NAMESPACE, PRIMITIVES, SYMBOL
from ..ir.table import NodeTable

BACKENDS = ("math", "numpy")
MAX_INLINE_DEPTH = 12

_NAMESPACES = {
    "math": MATH_NAMESPACE,
    "numpy": NUMPY_NAMESPACE,
}
_serial = count()


def literal(value) -> str:
    """A Python float literal for an exact constant (parenthesised when negative)."""
    try:
        v = float(value)
    except OverflowError:
        v = math.inf if value > 0 else -math.inf
    if math.isinf(v):
        return "float('inf')" if v > 0 else "(-float('inf'))"
    text = repr(v)
    return f"({text})" if v < 0 or text.startswith("-") else text


def generate(table: NodeTable, outputs: Sequence[int], variables: Sequence[int],
             parameters: Sequence[int], backend: str, name: str = "f") -> str:
    """Python source of ``name(x, p)`` computing ``outputs`` from the given input leaves."""
    if backend not in BACKENDS:
        raise OptionError(f"unknown back end {backend!r}; expected one of {BACKENDS}")
    ops, args = table.ops, table.args
    live = table.reachable(outputs)
    uses = [0] * len(ops)
    for i in range(len(ops)):
        if live[i] and ops[i] > SYMBOL:
            for a in args[i]:
                uses[a] += 1
    for o in outputs:
        uses[o] += 1  # the return statement is a use: shared outputs get a name

    code: list[str | None] = [None] * len(ops)
    depth = [0] * len(ops)
    for j, leaf in enumerate(variables):
        code[leaf] = f"x{j}"
    for j, leaf in enumerate(parameters):
        code[leaf] = f"p{j}"

    lines = [f"def {name}(x, p):"]
    if variables:
        lines.append("    " + "".join(f"x{j}, " for j in range(len(variables))) + "= x")
    if parameters:
        lines.append("    " + "".join(f"p{j}, " for j in range(len(parameters))) + "= p")
    emitters = [getattr(p, backend) for p in PRIMITIVES]  # Primitive.math or Primitive.numpy
    for i in range(len(ops)):
        if not live[i]:
            continue
        op = ops[i]
        if op == CONST:
            code[i] = literal(args[i])
            continue
        if op == SYMBOL:
            if code[i] is None:
                raise SymbolError(f"symbol {args[i]} is neither a variable nor a parameter")
            continue
        node_args = args[i]
        consts = [args[a] if ops[a] == CONST else None for a in node_args]
        expr = emitters[op]([code[a] for a in node_args], consts)
        d = 1 + max(depth[a] for a in node_args)
        if uses[i] == 1 and d <= MAX_INLINE_DEPTH:
            code[i] = expr
            depth[i] = d
        else:
            lines.append(f"    t{i} = {expr}")
            code[i] = f"t{i}"
    if len(outputs) == 1:
        lines.append(f"    return {code[outputs[0]]}")
    else:
        lines.append("    return (" + "".join(f"{code[o]}, " for o in outputs) + ")")
    return "\n".join(lines)


def build(source: str, backend: str, name: str = "f") -> Callable:
    """Compile generated source once and return the function.

    The source is registered with :mod:`linecache` so tracebacks show the generated lines.
    """
    filename = f"<calcopt-{backend}-{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(_NAMESPACES[backend])
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]
