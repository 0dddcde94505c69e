"""Safe parsing of the small argument languages of the CLI: domains, boxes and points.

Every number or bound is read with the machinery of :mod:`calcopt.text.reader` (constant
expressions such as ``-1.5``, ``pi/4``, ``sqrt(2)``, exact), and every error is a
:class:`calcopt.ParseError` naming the column.

>>> parse_domain("x > 0, 0 <= y <= 1")
{'x': Interval.open(0, oo), 'y': Interval(0, 1)}
>>> parse_box("x=-2:2, y=-1:pi")
{'x': (-2, 2), 'y': (-1, pi)}
>>> parse_point("1, 0.5"), parse_point("x=1, y=-1/3")
((1, 1/2), {'x': 1, 'y': -1/3})
"""

from __future__ import annotations

import ast
import re
from typing import Any

import sympy as sp

from ..errors import InvalidInputError
from .reader import Reader
from .vocabulary import LIMITS, Limits, fail, name_problem

_NAMED = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=(?!=)")
_LOWER = {ast.Lt: True, ast.LtE: False}   # a < x: x has lower bound a (open if True)
_UPPER = {ast.Gt: True, ast.GtE: False}   # a > x: x has upper bound a


def sign_assumptions(interval: sp.Set) -> dict[str, bool]:
    """The SymPy assumptions a real interval implies (``{"real": True}`` for all reals).

    >>> sign_assumptions(sp.Interval(0, 1)), sign_assumptions(sp.Interval(-3, -1))
    ({'nonnegative': True}, {'negative': True})
    """
    if not isinstance(interval, sp.Interval) or interval == sp.S.Reals:
        return {"real": True}
    lo, hi = interval.inf, interval.sup
    if bool(lo > 0) or (lo == 0 and interval.left_open):
        return {"positive": True}
    if bool(hi < 0) or (hi == 0 and interval.right_open):
        return {"negative": True}
    if bool(lo >= 0):
        return {"nonnegative": True}
    if bool(hi <= 0):
        return {"nonpositive": True}
    return {"real": True}


def _split(text: str, sep: str, start: int = 0) -> list[tuple[str, int]]:
    """Split at top-level ``sep`` (outside brackets): ``[(piece, offset of piece)]``."""
    pieces, depth, begin = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "([{") - (ch in ")]}")
        if ch == sep and depth == 0:
            pieces.append((text[begin:i], start + begin))
            begin = i + 1
    pieces.append((text[begin:], start + begin))
    return pieces


def _constant(text: str, offset: int, limits: Limits, infinity: bool = False) -> sp.Expr:
    reader = Reader(text, offset, limits=limits, infinity=infinity)
    return reader.expr()


def _check_length(text: Any, limits: Limits) -> None:
    # Each piece is checked by its reader; the whole text is checked first so splitting is cheap.
    if not isinstance(text, str):
        raise InvalidInputError(f"expected a string to parse, got {type(text).__name__}")
    if len(text) > limits.length:
        raise fail(text, 0, limits.length, f"input longer than {limits.length} characters")


def _piece_fail(piece: str, offset: int, reason: str):
    """A ParseError pointing at the first non-blank character of a comma-separated piece."""
    return fail(piece, offset, len(piece) - len(piece.lstrip()), reason)


def _check_name(name: str, piece: str, offset: int) -> str:
    reason = name_problem(name)
    if reason:
        raise _piece_fail(piece, offset, reason)
    return name


def parse_domain(text: str, *, limits: Limits = LIMITS) -> dict[str, sp.Interval]:
    """``"x > 0, 0 <= y <= 1, z in [-1, 2]"`` -> ``{name: sympy.Interval}``.

    Each condition bounds one name by constants: ``x > a``, ``a <= x``, chains
    ``a <= x < b``, ``x in [a, b]`` (closed) or ``x in (a, b)`` (open); ``oo`` is infinity.
    Conditions on the same name are intersected; an empty result is an error.

    >>> parse_domain("t in [0, 2], t < 1")
    {'t': Interval.Ropen(0, 1)}
    """
    _check_length(text, limits)
    out: dict[str, sp.Interval] = {}
    for piece, offset in _split(text, ","):
        reader = Reader(piece, offset, limits=limits, infinity=True)
        name, interval = _condition(reader, reader.tree())
        both = out.get(name, sp.S.Reals).intersect(interval)
        if not isinstance(both, sp.Interval):
            raise reader.fail(0, f"the conditions on {name!r} leave no value")
        out[name] = both
    return out


def _condition(reader: Reader, node: ast.expr) -> tuple[str, sp.Interval]:
    if not isinstance(node, ast.Compare):
        raise reader.node_fail(node, "expected a condition such as x > 0, 0 <= x <= 1 or "
                                     "x in [a, b]")
    terms = [node.left, *node.comparators]
    names = [i for i, t in enumerate(terms) if isinstance(t, ast.Name)
             and t.id not in ("pi", "E", "oo", "inf")]
    if len(names) != 1:
        raise reader.node_fail(node, "a condition bounds exactly one name by numbers")
    k, name = names[0], terms[names[0]].id
    if name_problem(name):
        raise reader.node_fail(terms[k], name_problem(name))
    if isinstance(node.ops[0], ast.In):
        return name, _membership(reader, node, k)
    interval = sp.S.Reals
    for i, op in enumerate(node.ops):
        if not isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
            raise reader.node_fail(node, "conditions use <, <=, >, >= or 'in [a, b]'")
        if k not in (i, i + 1):
            raise reader.node_fail(terms[i], "each comparison in a chain must involve the name")
        other = terms[i + 1] if k == i else terms[i]
        bound = _bound(reader, other)
        opened = (_LOWER | _UPPER)[type(op)]
        lower = (type(op) in _LOWER) == (k == i + 1)  # a < x or x > a
        part = (sp.Interval(bound, sp.oo, left_open=opened) if lower
                else sp.Interval(-sp.oo, bound, right_open=opened))
        interval = interval.intersect(part)
    if not isinstance(interval, sp.Interval):
        raise reader.node_fail(node, f"the condition on {name!r} leaves no value")
    return name, interval


def _bound(reader: Reader, node: ast.expr) -> sp.Expr:
    value, _ = reader.build(node)
    if value in (sp.oo, -sp.oo) or (value.is_comparable and value.is_finite):
        return value
    raise reader.node_fail(node, f"a bound must be a real number, oo or -oo; got {value}")


def _membership(reader: Reader, node: ast.Compare, k: int) -> sp.Interval:
    pair = node.comparators[0]
    if k != 0 or len(node.ops) != 1 or not isinstance(pair, (ast.List, ast.Tuple)) \
            or len(pair.elts) != 2:
        raise reader.node_fail(node, "write 'x in [a, b]' (closed) or 'x in (a, b)' (open)")
    lo, hi = (_bound(reader, e) for e in pair.elts)
    if bool(lo > hi):
        raise reader.node_fail(pair, f"lower bound {lo} > upper bound {hi}")
    opened = isinstance(pair, ast.Tuple)
    return sp.Interval(lo, hi, left_open=opened, right_open=opened)


def parse_box(text: str, *, limits: Limits = LIMITS) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """``"x=-2:2, y=-1:3"`` -> ``{name: (lo, hi)}`` with exact finite bounds, ``lo <= hi``.

    >>> parse_box("a = 0:1/3")
    {'a': (0, 1/3)}
    """
    _check_length(text, limits)
    out: dict[str, tuple[sp.Expr, sp.Expr]] = {}
    for piece, offset in _split(text, ","):
        name, rest, at = _named(piece, offset, limits, "name=lo:hi")
        bounds = _split(rest, ":", at)
        if name is None or len(bounds) != 2:
            raise _piece_fail(piece, offset, "expected name=lo:hi")
        lo, hi = (_constant(b, o, limits) for b, o in bounds)
        if bool(lo > hi):
            raise _piece_fail(piece, offset, f"lower bound {lo} > upper "
                                                                f"bound {hi}")
        if name in out:
            raise _piece_fail(piece, offset, f"{name!r} given twice")
        out[name] = (lo, hi)
    return out


def parse_point(text: str, *, limits: Limits = LIMITS
                ) -> tuple[sp.Expr, ...] | dict[str, sp.Expr]:
    """``"1, 2"`` -> a tuple of exact numbers; ``"x=1, y=2"`` -> ``{name: number}``.

    >>> parse_point("pi/4, -2")
    (pi/4, -2)
    """
    _check_length(text, limits)
    named, values = {}, []
    for piece, offset in _split(text, ","):
        name, rest, at = _named(piece, offset, limits, "a number or name=number")
        value = _constant(rest, at, limits)
        if name is None:
            values.append(value)
        elif name in named:
            raise _piece_fail(piece, offset, f"{name!r} given twice")
        else:
            named[name] = value
    if named and values:
        raise fail(text, 0, 0, "give either all coordinates by name "
                                                   "(x=1, y=2) or none (1, 2)")
    return named if named else tuple(values)


def _named(piece: str, offset: int, limits: Limits, what: str) -> tuple[str | None, str, int]:
    """Split ``name = rest``: ``(name or None, rest, offset of rest)``."""
    if not piece.strip():
        raise _piece_fail(piece, offset, f"empty entry; expected "
                                                                   f"{what}")
    m = _NAMED.match(piece)
    if m is None:
        return None, piece, offset
    return _check_name(m.group(1), piece, offset), piece[m.end():], offset + m.end()


__all__ = ["parse_box", "parse_domain", "parse_point", "sign_assumptions"]
