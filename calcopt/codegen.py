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
>>> from calcopt.table import NodeTable
>>> from calcopt.compiler import compile_into
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


from .errors import OptionError, SymbolError
from .primitives import CONST, MATH_NAMESPACE, NUMPY_NAMESPACE, PRIMITIVES, SYMBOL
from .table import NodeTable

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


# --- sample means over pre-stacked data (the minibatch hot path) -----------------------------

_MUL = next(i for i, p in enumerate(PRIMITIVES) if p.name == "mul")


def _matvec_pairs(table: NodeTable, node: int, var_pos: dict, par_pos: dict):
    """(variable positions, parameter positions) of a linear-form node whose every pair is one
    variable and one parameter (in either order), else ``None``."""
    node_args = table.args[node]
    k = len(node_args) // 2
    xs, ps = [], []
    for u, v in zip(node_args[:k], node_args[k:]):
        if v in var_pos and u in par_pos:
            u, v = v, u
        if u not in var_pos or v not in par_pos:
            return None
        xs.append(var_pos[u])
        ps.append(par_pos[v])
    # A sum: pairs in variable order make the vector x itself (or a slice), no gather.
    order = sorted(range(k), key=xs.__getitem__)
    return tuple(xs[i] for i in order), tuple(ps[i] for i in order)


_ADD = next(i for i, p in enumerate(PRIMITIVES) if p.name == "add")


def _column_factors(table: NodeTable, node: int, par_pos: dict, data_dep) -> list[tuple]:
    """Ways to read ``node`` as a parameter column times a cofactor, plus other terms:
    ``(cofactor args, parameter position, other terms)``.  ``mul(s, a_i)`` (each parameter that
    is a factor exactly once), a bare ``a_i`` (empty cofactor), or ``add(mul(s, a_i), r...)``
    whose other terms ``r`` (a regulariser's ``lam*w_i``, say) are averaged on their own."""
    ops, args = table.ops, table.args
    if node in par_pos:
        return [((), par_pos[node], ())]
    if ops[node] == _ADD:
        terms = args[node]
        return [(cof, pos, terms[:i] + terms[i + 1:])
                for i, t in enumerate(terms) if data_dep[t] and ops[t] != _ADD
                for cof, pos, _ in _column_factors(table, t, par_pos, data_dep)]
    if ops[node] != _MUL:
        return []
    node_args = args[node]
    return [(tuple(a for a in node_args if a != c), par_pos[c], ()) for c in dict.fromkeys(node_args)
            if c in par_pos and node_args.count(c) == 1]


def _fused_groups(table: NodeTable, outputs: Sequence[int], par_pos: dict, data_dep) -> dict:
    """``{cofactor args: [(output index, parameter position, other terms), ...]}`` for the
    outputs that are means of one cofactor times different data columns (two or more per
    group).  An output with several readings (``b * a_i * s``) joins the most shared cofactor."""
    options = [_column_factors(table, o, par_pos, data_dep) if data_dep[o] else []
               for o in outputs]
    popularity: dict[tuple, int] = {}
    for opts in options:
        for cof in {o[0] for o in opts}:
            popularity[cof] = popularity.get(cof, 0) + 1
    groups: dict[tuple, list[tuple]] = {}
    for q, opts in enumerate(options):
        if opts:
            cof, pos, rest = max(opts, key=lambda o: popularity[o[0]])
            groups.setdefault(cof, []).append((q, pos, rest))
    return {cof: members for cof, members in groups.items() if len(members) >= 2}


def generate_mean(table: NodeTable, outputs: Sequence[int], variables: Sequence[int],
                  parameters: Sequence[int], name: str = "f") -> tuple[str, list[tuple[str, tuple[int, ...]]]]:
    """Numpy source of ``name(x, d)``: the **sample means** of ``outputs`` at one point.

    ``x`` is a 1-D array of the variable values; ``d`` a tuple of data arrays with the samples
    on axis 0, described by the returned layout: entry ``("column", (j,))`` is parameter ``j``
    (shape ``(N,)``), entry ``("stack", (j1, ..., jk))`` the matrix ``(N, k)`` of those
    parameter columns, built once per data set so that a mini-batch is one row slice per array.

    Two vector operations replace per-feature scalar code:

    * a node whose primitive has ``sample_matvec`` (the linear form) with (variable, parameter)
      pairs is one mat-vec ``X @ w``;
    * outputs ``mean(s * a_i)`` that share the cofactor ``s`` (the gradient of a linear form:
      adjoint times data column) are one mat-vec ``s @ X / N``, i.e. the adjoint ``X^T s``.

    >>> import sympy as sp
    >>> from calcopt.table import NodeTable
    >>> from calcopt.compiler import compile_into
    >>> w, a = sp.symbols("w0:8"), sp.symbols("a0:8")
    >>> t = NodeTable()
    >>> out = compile_into(t, [sp.exp(sum(wi * ai for wi, ai in zip(w, a)))])
    >>> src, layout = generate_mean(t, out, [t.symbol(s) for s in w], [t.symbol(s) for s in a])
    >>> print(src)
    def f(x, d):
        d0, = d
        return np.mean(np.exp((d0 @ x)), axis=0)[None]
    >>> layout
    [('stack', (0, 1, 2, 3, 4, 5, 6, 7))]
    """
    ops, args = table.ops, table.args
    var_pos = {v: j for j, v in enumerate(variables)}
    par_pos = {p: j for j, p in enumerate(parameters)}
    data_dep = table.active(parameters)

    groups = _fused_groups(table, outputs, par_pos, data_dep)
    fused = {q: (g, r) for g, members in enumerate(groups.values())
             for r, (q, _, _) in enumerate(members)}

    matvec: dict[int, tuple] = {}
    roots = [o for q, o in enumerate(outputs) if q not in fused]
    roots += [a for cof, members in groups.items() for a in cof + sum((m[2] for m in members), ())]
    live = bytearray(len(ops))
    for r in roots:
        live[r] = 1
    for i in range(len(ops) - 1, -1, -1):
        if not live[i] or ops[i] <= SYMBOL:
            continue
        if PRIMITIVES[ops[i]].sample_matvec is not None:
            pairs = _matvec_pairs(table, i, var_pos, par_pos)
            if pairs is not None:
                matvec[i] = pairs
                continue
        for a in args[i]:
            live[a] = 1
    uses = [0] * len(ops)
    for i in range(len(ops)):
        if live[i] and ops[i] > SYMBOL and i not in matvec:
            for a in args[i]:
                uses[a] += 1
    for r in roots:
        uses[r] += 1

    layout: list[tuple[str, tuple[int, ...]]] = []
    data_names: dict[tuple, str] = {}

    def data(kind: str, positions: tuple[int, ...]) -> str:
        key = (kind, positions)
        if key not in data_names:
            data_names[key] = f"d{len(layout)}"
            layout.append(key)
        return data_names[key]

    head: list[str] = []
    body: list[str] = []
    code: list[str | None] = [None] * len(ops)
    depth = [0] * len(ops)
    emitters = [p.numpy for p in PRIMITIVES]
    for i in range(len(ops)):
        if not live[i]:
            continue
        op = ops[i]
        if op == CONST:
            code[i] = literal(args[i])
            continue
        if op == SYMBOL:
            if i in var_pos:
                code[i] = f"x{var_pos[i]}"
                body.append(f"    x{var_pos[i]} = x[{var_pos[i]}]")
            elif i in par_pos:
                code[i] = data("column", (par_pos[i],))
            else:
                raise SymbolError(f"symbol {args[i]} is neither a variable nor a parameter")
            continue
        if i in matvec:
            xs, ps = matvec[i]
            if xs == tuple(range(len(variables))):
                vec = "x"
            elif xs == tuple(range(xs[0], xs[0] + len(xs))):
                vec = f"x[{xs[0]}:{xs[0] + len(xs)}]"
            else:
                head.append(f"_i{i} = np.asarray({list(xs)!r})")
                vec = f"np.take(x, _i{i})"
            expr, d = PRIMITIVES[op].sample_matvec(data("stack", ps), vec), 1
        else:
            node_args = args[i]
            consts = [args[a] if ops[a] == CONST else None for a in node_args]
            expr = emitters[op]([code[a] for a in node_args], consts)
            d = 1 + max(depth[a] for a in node_args)
        if uses[i] == 1 and d <= MAX_INLINE_DEPTH:
            code[i], depth[i] = expr, d
        else:
            body.append(f"    t{i} = {expr}")
            code[i] = f"t{i}"

    def mean(node: int) -> str:
        return f"np.mean({code[node]}, axis=0)" if data_dep[node] else code[node]

    for g, (cof, members) in enumerate(groups.items()):
        matrix = data("stack", tuple(m[1] for m in members))
        if not cof:
            vec = f"np.mean({matrix}, axis=0)"
        else:
            factor = code[cof[0]] if len(cof) == 1 else "(" + "*".join(code[a] for a in cof) + ")"
            if any(data_dep[a] for a in cof):
                vec = f"({factor} @ {matrix}) / {matrix}.shape[0]"
            else:
                vec = f"{factor} * np.mean({matrix}, axis=0)"
        if any(m[2] for m in members):  # other terms of the sums, one mean per output
            rest = ["(" + " + ".join(mean(t) for t in m[2]) + ")" if m[2] else "0.0"
                    for m in members]
            vec += " + np.asarray((" + "".join(f"{r}, " for r in rest) + "), dtype=np.float64)"
        body.append(f"    g{g} = {vec}")

    pieces: list[str] = []
    scalars: list[str] = []
    q = 0
    while q < len(outputs):
        if q not in fused:
            o = outputs[q]
            scalars.append(mean(o))
            q += 1
            continue
        if scalars:
            pieces.append("np.asarray((" + "".join(f"{c}, " for c in scalars) + "), dtype=np.float64)")
            scalars = []
        g, r = fused[q]
        end = q
        while end + 1 < len(outputs) and fused.get(end + 1) == (g, r + end + 1 - q):
            end += 1
        whole = r == 0 and end - q + 1 == len(list(groups.values())[g])
        pieces.append(f"g{g}" if whole else f"g{g}[{r}:{r + end - q + 1}]")
        q = end + 1
    if scalars:
        if not pieces and len(scalars) == 1:
            pieces.append(f"{scalars[0]}[None]" if scalars[0].startswith("np.mean(")
                          else f"np.asarray(({scalars[0]},), dtype=np.float64)")
        else:
            pieces.append("np.asarray((" + "".join(f"{c}, " for c in scalars) + "), dtype=np.float64)")
    if not pieces:
        result = "np.zeros(0)"
    elif len(pieces) == 1:
        result = pieces[0]
    else:
        result = "np.concatenate((" + "".join(f"{p}, " for p in pieces) + "))"

    lines = head + [f"def {name}(x, d):"]
    if layout:
        lines.append("    " + "".join(f"d{j}, " for j in range(len(layout))) + "= d")
    lines += body
    lines.append(f"    return {result}")
    return "\n".join(lines), layout
