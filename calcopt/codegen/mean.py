"""Generated code for the **sample means** of a graph's outputs at one point (minibatch hot path).

The ordinary numpy code (:mod:`calcopt.codegen.source`) is scalar per sample: every parameter is an
array of N samples and the mean is taken afterwards, so a gradient over d features costs d
array products and d means.  This code generator works on data stacked **once per data set**
and returns the means itself, which lets two patterns become one matrix-vector product each:

* a node whose primitive has ``sample_matvec`` (the linear form ``sum w_i * a_i``) with
  (variable, parameter) pairs: ``X @ w``, ``X`` the ``(N, k)`` stack of the parameter columns;
* outputs ``mean(s * a_i)`` sharing the cofactor ``s`` -- the gradient of a linear form is its
  adjoint times the data columns -- : ``s @ X / N``, the adjoint ``X^T s``.  Other terms of such
  an output (a regulariser's ``lam * w_i``) are averaged on their own and added.

The generated ``f(x, d)`` takes ``x``, a 1-D array of the variable values, and ``d``, a tuple
of data arrays with the samples on axis 0, described by the *layout*: ``("column", (j,))`` is
parameter ``j`` (``(N,)``), ``("stack", (j1, ..., jk))`` the ``(N, k)`` matrix of those
columns.  A mini-batch is the same rows of every array.  The code uses only ``@``, ``np.mean``,
``np.take``, ``np.asarray``, ``np.concatenate`` and the primitives' numpy code (array-API
shaped).

Examples
--------
>>> import sympy as sp
>>> from calcopt.ir.table import NodeTable
>>> from calcopt.ir.compiler import compile_into
>>> w, a = sp.symbols("w0:8"), sp.symbols("a0:8")
>>> t = NodeTable()
>>> out = compile_into(t, [sp.exp(sum(wi * ai for wi, ai in zip(w, a)))])
>>> src, layout = generate_mean(t, out, [t.symbol(s) for s in w], [t.symbol(s) for s in a])
>>> print(src)
def f(x, d):
    d0, = d
    return np.asarray((np.mean(np.exp((d0 @ x)), axis=0), ), dtype=np.float64)
>>> layout
[('stack', (0, 1, 2, 3, 4, 5, 6, 7))]
"""

from __future__ import annotations

from typing import Sequence

from .emit import Emitted, emit, indent, tuple_code, unpack, use_counts
from ..primitives import CODE, PRIMITIVES, SYMBOL
from ..ir.table import NodeTable

_ADD = CODE["add"]
_MUL = CODE["mul"]

Layout = list[tuple[str, tuple[int, ...]]]


def _matvec_pairs(table: NodeTable, node: int, var_pos: dict, par_pos: dict):
    """(variable positions, parameter positions) of a linear-form node whose every pair is one
    variable and one parameter (in either order), sorted by variable, else ``None``."""
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


def _column_factors(table: NodeTable, node: int, par_pos: dict, data_dep) -> list[tuple]:
    """Ways to read ``node`` as a parameter column times a cofactor, plus other terms:
    ``(cofactor args, parameter position, other terms)``.  ``mul(s, a_i)`` (each parameter that
    is a factor exactly once), a bare ``a_i`` (empty cofactor), or ``add(mul(s, a_i), r...)``."""
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
    return [(tuple(a for a in node_args if a != c), par_pos[c], ())
            for c in dict.fromkeys(node_args) if c in par_pos and node_args.count(c) == 1]


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


def _live(table: NodeTable, roots: list[int], var_pos: dict, par_pos: dict):
    """``(live mask, {linear-form node: pairs}, uses)``: the nodes the roots need, where a
    mat-vec linear form needs none of its arguments (they are x and the stacked data)."""
    ops, args = table.ops, table.args
    live = bytearray(len(ops))
    matvec: dict[int, tuple] = {}
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
    return live, matvec, use_counts(table, live, roots, matvec)


class _Data:
    """The layout of the data tuple ``d``, filled as the code asks for arrays (each once)."""

    def __init__(self) -> None:
        self.layout: Layout = []
        self.names: dict[tuple, str] = {}

    def __call__(self, kind: str, positions: tuple[int, ...]) -> str:
        key = (kind, positions)
        if key not in self.names:
            self.names[key] = f"d{len(self.layout)}"
            self.layout.append(key)
        return self.names[key]


def _vector(xs: tuple[int, ...], n: int, node: int, head: list[str]) -> str:
    """Code of the variables ``xs`` as one vector: ``x``, a slice, or a gather."""
    if xs == tuple(range(n)):
        return "x"
    if xs == tuple(range(xs[0], xs[0] + len(xs))):
        return f"x[{xs[0]}:{xs[0] + len(xs)}]"
    head.append(f"_i{node} = np.asarray({list(xs)!r})")
    return f"np.take(x, _i{node})"


def _emit_nodes(table, live, matvec, uses, var_pos, par_pos, data: _Data, n: int):
    """``(module lines, variable lines, emitted code)`` of the live nodes: the variables as
    ``x<j> = x[j]``, the parameters as data columns, the mat-vec linear forms as ``X @ w``."""
    head: list[str] = []

    def leaf(i: int) -> str | None:
        if i in var_pos:
            return f"x{var_pos[i]}"
        return data("column", (par_pos[i],)) if i in par_pos else None

    def override(i: int) -> str | None:
        if i not in matvec:
            return None
        xs, ps = matvec[i]
        return PRIMITIVES[table.ops[i]].sample_matvec(data("stack", ps), _vector(xs, n, i, head))

    code: Emitted = emit(table, (), leaf, "numpy", live=live, uses=uses, override=override)
    variables = [f"x{var_pos[i]} = x[{var_pos[i]}]" for i in sorted(var_pos) if live[i]]
    return head, variables, code


def _floats(items: list[str]) -> str:
    return f"np.asarray({tuple_code(items)}, dtype=np.float64)"


def generate_mean(table: NodeTable, outputs: Sequence[int], variables: Sequence[int],
                  parameters: Sequence[int], name: str = "f") -> tuple[str, Layout]:
    """``(source of name(x, d), layout of d)``: the sample means of ``outputs`` at one point
    (see the module docstring)."""
    var_pos = {v: j for j, v in enumerate(variables)}
    par_pos = {p: j for j, p in enumerate(parameters)}
    data_dep = table.active(parameters)
    groups = _fused_groups(table, outputs, par_pos, data_dep)
    fused = {q: (g, r) for g, members in enumerate(groups.values())
             for r, (q, _, _) in enumerate(members)}
    roots = [o for q, o in enumerate(outputs) if q not in fused]
    roots += [a for cof, members in groups.items() for m in members for a in cof + m[2]]
    live, matvec, uses = _live(table, roots, var_pos, par_pos)
    data = _Data()
    head, body, emitted = _emit_nodes(table, live, matvec, uses, var_pos, par_pos, data,
                                      len(variables))
    body += emitted.lines
    code = emitted.code

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
            vec += " + " + _floats(["(" + " + ".join(mean(t) for t in m[2]) + ")" if m[2]
                                    else "0.0" for m in members])
        body.append(f"g{g} = {vec}")

    sizes = [len(members) for members in groups.values()]
    pieces: list[str] = []
    scalars: list[str] = []
    q = 0
    while q < len(outputs):
        if q not in fused:
            scalars.append(mean(outputs[q]))
            q += 1
            continue
        if scalars:
            pieces.append(_floats(scalars))
            scalars = []
        g, r = fused[q]
        end = q + 1  # the run of outputs that are consecutive entries of group g
        while end < len(outputs) and fused.get(end) == (g, r + end - q):
            end += 1
        whole = r == 0 and end - q == sizes[g]
        pieces.append(f"g{g}" if whole else f"g{g}[{r}:{r + end - q}]")
        q = end
    if scalars:
        pieces.append(_floats(scalars))
    result = ("np.zeros(0)" if not pieces else pieces[0] if len(pieces) == 1
              else f"np.concatenate({tuple_code(pieces)})")

    body = unpack("d", len(data.layout), "d") + body + [f"return {result}"]
    return "\n".join(head + [f"def {name}(x, d):"] + indent(body)), data.layout
