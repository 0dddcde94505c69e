"""SymPy expression -> node table (the first step of the data flow).

The walk is iterative (no recursion limit on deep expressions) and memoised on the SymPy
subexpression, so every distinct subexpression becomes exactly one node.  No
simplification happens here: the table is the input expression, node for node, and
converting it back gives the input (after SymPy's own canonicalisation).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Sequence

import sympy as sp
from sympy.logic.boolalg import Boolean

from ..errors import (ComplexValueError, InvalidInputError, RelationalError, SymbolError,
                      UnevaluatedError, UnsupportedOperationError)
from ..primitives import (BY_NAME, BY_SYMPY_TYPE, CODE, CONST, LINEAR_FORM_MIN_TERMS,
                          PRIMITIVES, SYMBOL, supported_operations)
from .table import NodeTable

_ADD = CODE["add"]
_MUL = CODE["mul"]
_LINEAR_FORM = CODE["linear_form"]

_UNEVALUATED = (sp.Derivative, sp.Integral, sp.Sum, sp.Product, sp.Limit, sp.Subs)
# By op code: is the value a truth value; does it take conditions; how to read its arguments.
_BOOLEAN = tuple(p.boolean for p in PRIMITIVES)
_TAKES_CONDITIONS = tuple(p.condition_args is not None for p in PRIMITIVES)
_READ = tuple(p.sympy_args for p in PRIMITIVES)
_CONDITIONS = "relations <, <=, >, >=, Eq, Ne combined with And, Or, Not"


def _op_code(expr: sp.Basic) -> int | None:
    for cls in type(expr).__mro__:
        code = BY_SYMPY_TYPE.get(cls)
        if code is not None:
            return code
    return None


def _reject(expr: sp.Basic, whole: sp.Basic) -> None:
    """Raise the most specific error for a subexpression that is not a supported node."""
    where = f" in {whole}" if expr is not whole else ""
    if isinstance(expr, (sp.Rel, Boolean)):
        if expr is whole or isinstance(expr, sp.logic.boolalg.BooleanAtom):
            raise _not_real(expr, whole)
        raise RelationalError(
            f"unsupported condition {type(expr).__name__} {expr}{where}; Piecewise conditions "
            f"are {_CONDITIONS}")
    if isinstance(expr, _UNEVALUATED):
        raise UnevaluatedError(
            f"unevaluated {type(expr).__name__} {expr}{where}; call .doit() first so that "
            "calcopt sees an explicit expression")
    if expr is sp.I or (expr.is_number and expr.is_Atom):
        raise ComplexValueError(
            f"constant {expr}{where} is not a finite real number; calcopt works over the reals "
            "(accepted constants: integers, rationals, floats, pi, E and other real NumberSymbols)")
    name = getattr(expr, "func", type(expr)).__name__
    raise UnsupportedOperationError(
        f"unsupported operation {name!r} in {whole}\n"
        f"supported operations: {', '.join(_names(False))}; "
        f"Piecewise conditions: {', '.join(_names(True))}; "
        "constants: Integer, Rational, Float, pi, E")


def _names(boolean: bool) -> list[str]:
    return [n for n in supported_operations() if BY_NAME[n].boolean == boolean]


def _not_real(expr: sp.Basic, whole: sp.Basic) -> RelationalError:
    where = f" in {whole}" if expr is not whole else ""
    return RelationalError(
        f"{expr}{where} is a relation or boolean, not a real-valued expression; relations "
        "and booleans are allowed only as conditions of a Piecewise")


def _check_kinds(table: NodeTable, code: int, args: tuple[int, ...], sym_args: tuple,
                 whole: sp.Basic) -> None:
    """Conditions exactly where the primitive expects them (Piecewise conditions, And/Or/Not
    arguments), real values everywhere else."""
    ops = table.ops
    which = PRIMITIVES[code].condition_args
    expected = which(len(args)) if which is not None else None
    for pos, a in enumerate(args):
        want = expected is not None and expected[pos]
        if _BOOLEAN[ops[a]] != want:
            if want:
                raise RelationalError(
                    f"{sym_args[pos]} is used as a condition in {whole} but is not a relation "
                    f"or boolean; conditions are {_CONDITIONS}")
            raise _not_real(sym_args[pos], whole)


def _leaf(expr: sp.Basic, table: NodeTable, whole: sp.Basic) -> int | None:
    if isinstance(expr, sp.Symbol):
        return table.symbol(expr)
    if expr.is_Number:
        if not expr.is_finite:
            _reject(expr, whole)
        return table.const(expr)
    if isinstance(expr, sp.NumberSymbol):
        return table.const(expr)
    return None


def _pair(term: sp.Basic) -> tuple[sp.Expr, sp.Symbol, sp.Symbol] | None:
    """``(coefficient, u, v)`` of a term ``u*v`` or ``c*u*v`` (two symbols, a number), else None."""
    if not isinstance(term, sp.Mul):
        return None
    factors = term.args
    coeff = sp.S.One
    if len(factors) == 3 and factors[0].is_Number:
        coeff, factors = factors[0], factors[1:]
    if len(factors) == 2 and all(isinstance(f, sp.Symbol) for f in factors):
        return (coeff, *factors)
    return None


def _linear_split(expr: sp.Basic) -> tuple[dict, list] | None:
    """``({coefficient: [(u, v), ...]}, other terms)`` of a sum that gets linear forms (one per
    coefficient shared by enough pair terms: SymPy distributes ``c*(w.a)`` into ``c*w_i*a_i``),
    else ``None``."""
    if not isinstance(expr, sp.Add):
        return None
    groups: dict = {}
    for t in expr.args:
        p = _pair(t)
        if p is not None:
            groups.setdefault(p[0], []).append(t)
    groups = {c: ts for c, ts in groups.items() if len(ts) >= LINEAR_FORM_MIN_TERMS}
    if not groups:
        return None
    gathered = {t for ts in groups.values() for t in ts}
    return groups, [t for t in expr.args if t not in gathered]


def _linear_form(table: NodeTable, groups: dict, rest: list, memo: dict) -> int:
    """``add(c1*linear_form(u..., v...), ..., rest...)`` for the split of :func:`_linear_split`."""
    forms = []
    for coeff, terms in groups.items():
        pairs = [_pair(t)[1:] for t in terms]
        form = table.op(_LINEAR_FORM, tuple(table.symbol(u) for u, _ in pairs)
                        + tuple(table.symbol(v) for _, v in pairs))
        forms.append(form if coeff == 1 else table.op(_MUL, (table.const(coeff), form)))
    nodes = forms + [memo[t] for t in rest]
    return nodes[0] if len(nodes) == 1 else table.op(_ADD, tuple(nodes))


def compile_into(table: NodeTable, exprs: Sequence[sp.Expr]) -> list[int]:
    """Add the expressions to ``table``; return the node id of each.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> t = NodeTable()
    >>> [out] = compile_into(t, [sp.exp(x*y) + sp.sin(x*y)])
    >>> len(t)   # x, y, x*y, exp, sin, +
    6

    A sum of at least :data:`LINEAR_FORM_MIN_TERMS` products of two symbols becomes one
    ``linear_form`` node (plus an ``add`` for the other terms):

    >>> w, a = sp.symbols("w0:8"), sp.symbols("a0:8")
    >>> t = NodeTable()
    >>> [out] = compile_into(t, [1 + sum(wi * ai for wi, ai in zip(w, a))])
    >>> from calcopt.primitives import PRIMITIVES
    >>> [PRIMITIVES[t.ops[i]].name for i in t.args[out]]
    ['linear_form', 'constant']
    """
    memo: dict[sp.Basic, int] = {}
    out = []
    conditions_seen = False  # until a condition is compiled, real arguments need no check
    for whole in exprs:
        stack = [(whole, False)]
        while stack:
            expr, ready = stack.pop()
            if expr in memo:
                continue
            if ready:
                split = _linear_split(expr)
                if split is not None:
                    memo[expr] = _linear_form(table, *split, memo)
                    continue
                code = _op_code(expr)
                read = _READ[code]
                sym_args = expr.args if read is None else read(expr)
                args = tuple(memo[a] for a in sym_args)
                if all(table.ops[a] == CONST for a in args) and \
                        getattr(expr, "is_extended_real", None) is False:
                    raise ComplexValueError(  # (-2)**(1/3), asin(2): not real numbers
                        f"constant {expr}{' in ' + str(whole) if expr is not whole else ''} is "
                        "not a real number; calcopt works over the reals")
                if conditions_seen or _TAKES_CONDITIONS[code]:
                    _check_kinds(table, code, args, sym_args, whole)
                conditions_seen = conditions_seen or _BOOLEAN[code]
                memo[expr] = table.op(code, args)
                continue
            leaf = _leaf(expr, table, whole)
            if leaf is not None:
                memo[expr] = leaf
                continue
            code = _op_code(expr)
            if code is None:
                _reject(expr, whole)
            stack.append((expr, True))
            split = _linear_split(expr)
            if split is None:
                read = _READ[code]
                children = expr.args if read is None else read(expr)
            else:
                children = split[1]  # linear-form pairs are symbols (no products)
            stack.extend((a, False) for a in reversed(children) if a not in memo)
        if _BOOLEAN[table.ops[memo[whole]]]:
            raise _not_real(whole, whole)  # a graph computes real values
        out.append(memo[whole])
    return out


def natural_key(sym: sp.Symbol) -> tuple:
    """Sort key comparing the digit runs of a name as numbers: x2 before x10.

    >>> sorted(sp.symbols("x10 x2 y x1"), key=natural_key)
    [x1, x2, x10, y]
    """
    return tuple(int(part) if part.isdigit() else part
                 for part in re.split(r"(\d+)", sym.name)), sym.name


def compile_expressions(expr: Any, wrt: Iterable[sp.Symbol] | None = None,
                        params: Iterable[sp.Symbol] = ()):
    """Check the arguments of :func:`calcopt.compile` and compile the expression(s) into a new
    table: ``(table, outputs, wrt, params, shape)`` with ``shape`` ``None`` for one expression,
    else the shape of the Matrix or sequence.  See :func:`calcopt.compile` for the rules.

    >>> import sympy as sp
    >>> x, a = sp.symbols("x a")
    >>> table, outputs, wrt, params, shape = compile_expressions((x - a)**2, params=[a])
    >>> len(table), outputs, wrt, params, shape
    (7, [6], (x,), (a,), None)
    """
    exprs, shape = _as_expressions(expr)
    params = _as_symbols(params, "params")
    table = NodeTable()
    outputs = compile_into(table, exprs)
    # The symbols are the table's symbol leaves (SymPy's free_symbols would recurse, and
    # fail on expressions nested a few hundred levels deep).
    free = {table.args[i] for i in range(len(table)) if table.ops[i] == SYMBOL}
    wrt = _as_symbols(sorted(free - set(params), key=natural_key) if wrt is None else wrt, "wrt")
    _check_roles(free, wrt, params)
    return table, outputs, wrt, params, shape


def _check_roles(free: set, wrt: tuple, params: tuple) -> None:
    both = sorted(s.name for s in set(wrt) & set(params))
    if both:
        raise SymbolError(f"{both} listed in both wrt and params; a symbol is either a variable "
                          "(differentiated) or a parameter (given by data), not both")
    names = Counter(s.name for s in free | set(wrt) | set(params))
    clashes = sorted(name for name, k in names.items() if k > 1)
    if clashes:
        raise SymbolError(f"different symbols share the names {clashes} (e.g. with different "
                          "assumptions); points and data are keyed by name, so names must be unique")
    unbound = sorted(s.name for s in free - set(wrt) - set(params))
    if unbound:
        raise SymbolError(f"free symbols {unbound} are neither in wrt nor in params; add them to "
                          "wrt (variables) or params (data / symbolic constants)")


def _as_expressions(expr) -> tuple[list[sp.Expr], tuple[int, ...] | None]:
    if isinstance(expr, str):
        raise InvalidInputError(
            "calcopt.compile takes a SymPy expression, not a string: text is never evaluated. "
            "Build the expression with SymPy symbols (x = sympy.Symbol('x'); x**2 + 1)")
    if isinstance(expr, sp.MatrixBase):
        if not len(expr):
            raise InvalidInputError("an empty Matrix has no outputs to compile")
        return [_as_expression(e) for e in expr], tuple(expr.shape)
    if isinstance(expr, (list, tuple)):
        if not expr:
            raise InvalidInputError("an empty sequence has no outputs to compile")
        return [_as_expression(e) for e in expr], (len(expr),)
    return [_as_expression(expr)], None


def _as_expression(e) -> sp.Expr:
    if isinstance(e, bool) or e is sp.true or e is sp.false:
        raise RelationalError(f"{e!r} is a boolean, not a real-valued expression")
    if isinstance(e, complex):
        raise ComplexValueError(f"{e!r} is complex; calcopt works over the reals")
    if isinstance(e, (int, float)):
        return sp.Float(e) if isinstance(e, float) else sp.Integer(e)
    if isinstance(e, sp.Basic):
        return e
    raise InvalidInputError(
        f"cannot compile {type(e).__name__} {e!r}: expected a SymPy expression, a number, "
        "or a sequence/Matrix of them")


def _as_symbols(items, what: str) -> tuple[sp.Symbol, ...]:
    if isinstance(items, sp.Symbol):
        items = (items,)
    if isinstance(items, str):
        raise InvalidInputError(f"{what} must be SymPy Symbols, not the string {items!r}")
    try:
        out = tuple(items)
    except TypeError:
        raise InvalidInputError(f"{what} must be a sequence of SymPy Symbols; got {items!r}") from None
    for s in out:
        if not isinstance(s, sp.Symbol):
            raise InvalidInputError(f"{what} must contain SymPy Symbols; got {s!r} ({type(s).__name__})")
    dupes = sorted(s.name for s, k in Counter(out).items() if k > 1)
    if dupes:
        raise SymbolError(f"{what} lists {dupes} more than once")
    return out
