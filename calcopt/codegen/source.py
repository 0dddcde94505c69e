"""Numeric code generated from a node table: straight-line Python, compiled once.

The generated function has the signature ``f(x, p)`` where ``x`` is a sequence of the
variable values (in ``wrt`` order) and ``p`` of the parameter values, and returns one value
per output (a tuple when there are several outputs).  The statements come from the node
emitter (:func:`calcopt.codegen.emit.emit`): each node that is shared (used more than once,
the return statement counting as a use) gets one temporary ``t<id>``; single-use nodes are
inlined into their user, up to a nesting depth of :data:`MAX_INLINE_DEPTH` so the Python
compiler never meets absurdly deep expressions.  What each node emits is taken from its
entry in the primitive table, for the ``"math"`` back end (Python floats: fastest for one
point) or the ``"numpy"`` back end (arrays: batches of points or of data samples).

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
from itertools import count
from typing import Callable, Sequence

from .emit import MAX_INLINE_DEPTH, emit, indent, literal, tuple_code, unpack  # noqa: F401
from ..errors import OptionError
from ..primitives import MATH_NAMESPACE, NUMPY_NAMESPACE
from ..ir.table import NodeTable

BACKENDS = ("math", "numpy")

_NAMESPACES = {
    "math": MATH_NAMESPACE,
    "numpy": NUMPY_NAMESPACE,
}
_serial = count()


def generate(table: NodeTable, outputs: Sequence[int], variables: Sequence[int],
             parameters: Sequence[int], backend: str, name: str = "f") -> str:
    """Python source of ``name(x, p)`` computing ``outputs`` from the given input leaves."""
    if backend not in BACKENDS:
        raise OptionError(f"unknown back end {backend!r}; expected one of {BACKENDS}")
    leaves = {leaf: f"x{j}" for j, leaf in enumerate(variables)}
    leaves.update({leaf: f"p{j}" for j, leaf in enumerate(parameters)})
    code = emit(table, outputs, leaves.get, backend)
    results = code.of(outputs)
    body = unpack("x", len(variables), "x") + unpack("p", len(parameters), "p") + code.lines
    body.append(f"return {results[0] if len(results) == 1 else tuple_code(results)}")
    return "\n".join([f"def {name}(x, p):", *indent(body)])


def build(source: str, backend: str, name: str = "f") -> Callable:
    """Compile generated source once and return the function.

    The source is registered with :mod:`linecache` so tracebacks show the generated lines.
    """
    filename = f"<calcopt-{backend}-{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(_NAMESPACES[backend])
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]
