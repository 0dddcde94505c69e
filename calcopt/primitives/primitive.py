"""The record of one operation: :class:`Primitive`, with the fixed op codes of the two leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import sympy as sp

from ..interval import arith as ia
from . import composite_rules as cr
from . import shape_rules as sr

Code = Sequence[str]
Consts = Sequence[Any]  # the exact constant of each argument, or None when it is not a constant


@dataclass(frozen=True)
class Primitive:
    """One operation: everything calcopt knows about it, in one place.

    Attributes
    ----------
    name:
        Identifier used in node tables, ``op_counts`` and the networkx view.
    arity:
        Number of arguments; ``None`` for n-ary operations (``add``, ``mul``, ``max``, ``min``);
        ``0`` for the two leaf kinds.
    label:
        Short symbol for diagrams (``+``, ``×``, ``exp``).
    sympy_types:
        SymPy classes compiled to this primitive.
    to_sympy:
        Rebuilds the SymPy expression from the SymPy expressions of the arguments.
    math, numpy:
        ``(argument code, argument constants) -> code`` for the ``"math"`` back end (Python
        floats) and the ``"numpy"`` back end (arrays).  Argument code is always an atom
        (a name, a literal or a parenthesised expression); the result must be one too.
    partials:
        ``(builder, node, args, wanted) -> list``: the local partial derivative of the node
        with respect to each argument, as node ids built with the builder; ``None`` where
        ``wanted[i]`` is false (the argument does not depend on any variable) and where the
        partial is structurally zero (the conditions of ``piecewise``).
    commutative:
        Argument order does not matter (the builder sorts the arguments to share more nodes).
    cost:
        Weight of one evaluation in the cost report (per extra argument for n-ary operations):
        1 for arithmetic-like operations, 4 for powers and transcendental functions, as in the
        weighted operation counts of Griewank & Walther, *Evaluating Derivatives*, ch. 4.
    domain:
        Where the operation is real-valued and finite, in words.
    sample_matvec:
        Only for linear forms ``sum u_i*v_i`` (arguments ``u_1..u_k, v_1..v_k``):
        ``(matrix code, vector code) -> code`` of the node as one matrix-vector product when
        each pair is one parameter and one variable; the matrix ``(samples, k)`` holds the
        parameter columns, stacked once per data set (see :func:`calcopt.codegen.mean.generate_mean`).
    boolean:
        The value is a truth value (a condition: a relation, ``And``, ``Or``, ``Not``), not a
        real number.  Conditions are allowed only as conditions of ``piecewise``; numerically
        they are ``1.0``/``0.0``, or ``nan`` when undefined (a NaN argument).
    condition_args:
        ``(number of arguments) -> which argument positions are conditions``; ``None``: none.
    sympy_args:
        How the arguments are read from the SymPy object; ``None``: its ``args``
        (``Piecewise`` flattens its ``(expr, cond)`` pairs).
    interval:
        ``(argument intervals, argument constants) -> Interval``: a rigorous enclosure of
        the values the operation takes where it is defined, for arguments anywhere in their
        intervals (:class:`calcopt.interval.arith.Interval`, outward rounded; conditions give
        ``[1, 1]``, ``[0, 0]`` or ``[0, 1]``).  Default: the whole line.
    undefined:
        ``(argument intervals, constants) -> bool``: may the operation be undefined somewhere
        on the box (``log`` of an interval reaching 0)?  Default ``True``.
    monotonicity:
        ``(argument intervals, constants) -> list``: per argument ``"nondecreasing"``,
        ``"nonincreasing"``, ``"constant"`` or ``None`` (unknown) on the box.
    curvature:
        ``(argument intervals, constants) -> str | None``: ``"convex"``, ``"concave"``,
        ``"affine"`` or ``None``, jointly in the arguments whose constant is ``None``.
    smooth:
        ``(argument intervals, constants) -> bool``: twice continuously differentiable on the
        box (no kink, jump or infinite derivative there).  Default ``False``.
    composite:
        ``(view, node) -> (curvature, explanation) | None``: the curvature of compositions
        with this outer operation that the plain composition rule rejects (log-sum-exp,
        Euclidean norms, quadratic over linear); see :mod:`calcopt.primitives.shape_rules`.
    """

    name: str
    arity: int | None
    label: str
    sympy_types: tuple[type, ...]
    to_sympy: Callable[..., sp.Expr]
    math: Callable[[Code, Consts], str]
    numpy: Callable[[Code, Consts], str]
    partials: Callable[..., list]
    commutative: bool = False
    domain: str = "all reals"
    cost: int = 1
    sample_matvec: Callable[[str, str], str] | None = None
    # Conditions (Piecewise): see "Piecewise and conditions" in docs/primitives.md.
    boolean: bool = False
    condition_args: Callable[[int], Sequence[bool]] | None = None
    sympy_args: Callable[[sp.Basic], tuple] | None = None
    interval: Callable[[Sequence[ia.Interval], Consts], ia.Interval] = lambda a, c: ia.WHOLE
    undefined: Callable[[Sequence[ia.Interval], Consts], bool] = lambda a, c: True
    monotonicity: Callable[[Sequence[ia.Interval], Consts], list] = sr.unknown_monotonicity
    curvature: Callable[[Sequence[ia.Interval], Consts], str | None] = sr.unknown_curvature
    smooth: Callable[[Sequence[ia.Interval], Consts], bool] = lambda a, c: False
    composite: Callable[[Any, int], tuple[str, str] | None] = cr.no_composite

CONST = 0
SYMBOL = 1
