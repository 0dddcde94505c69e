"""Local partial derivative rules of the primitives: ``(builder, node, args, wanted) -> list``
of node ids built with a :class:`calcopt.ir.table.Builder` (used by forward and reverse mode)."""

from __future__ import annotations

from typing import Callable

import sympy as sp

from .primitive import CONST

# --- local partial derivative rules ---------------------------------------------------------
# b is a calcopt.ir.table.Builder; node is the id of the node, args its argument ids.


def d_add(b, node, args, wanted):
    return [b.one if w else None for w in wanted]


def d_mul(b, node, args, wanted):
    k = len(args)
    if k == 2:  # the common case: each partial is the other factor
        return [args[1] if wanted[0] else None, args[0] if wanted[1] else None]
    if k <= 4:
        return [b.mul(*(args[:i] + args[i + 1:])) if w else None for i, w in enumerate(wanted)]
    # Prefix and suffix products: O(k) nodes instead of O(k^2).
    prefix = [b.one]
    for a in args[:-1]:
        prefix.append(b.mul(prefix[-1], a))
    suffix = [b.one]
    for a in reversed(args[1:]):
        suffix.append(b.mul(a, suffix[-1]))
    suffix.reverse()
    return [b.mul(prefix[i], suffix[i]) if w else None for i, w in enumerate(wanted)]


def d_pow(b, node, args, wanted):
    base, expo = args
    d_base = d_expo = None
    if wanted[0]:
        d_base = b.mul(expo, b.pow(base, b.add(expo, b.minus_one)))
    if wanted[1]:
        if b.ops[base] == CONST and b.vals[base] == 0:
            # 0**e is 0 for e > 0, 1 at e = 0, zoo for e < 0: the derivative 0 exists only
            # for e > 0 (SymPy's 0**e*log(0) is nan everywhere).
            d_expo = b.call("piecewise", b.zero, b.call("gt", expo, b.zero))
        else:
            d_expo = b.mul(node, b.call("log", base))
    return [d_base, d_expo]


def unary(rule: Callable) -> Callable:
    """Wrap a rule for a one-argument primitive: ``rule(b, node, arg) -> partial``."""

    def partials(b, node, args, wanted):
        return [rule(b, node, args[0]) if wanted[0] else None]

    return partials


def _one_minus_square(b, a):
    return b.add(b.one, b.neg(b.pow(a, b.two)))


def d_asin(b, node, a):
    return b.pow(_one_minus_square(b, a), b.const(sp.Rational(-1, 2)))


def d_zero(b, node, args, wanted):
    return [b.zero if w else None for w in wanted]


def d_minmax(which: str) -> Callable:
    """SymPy's rule: d max(a_i, others)/d a_i = Heaviside(a_i - max(others)), H(0) = 1/2.

    max(others) is max(prefix maximum, suffix maximum), so k arguments cost O(k) nodes;
    SymPy flattens nested Max, so the exact result is SymPy's ``Max(others)``.
    """

    def partials(b, node, args, wanted):
        k = len(args)
        # before[i] = max(args[:i]), after[i] = max(args[i+1:]); None when empty.
        before: list = [None] * k
        after: list = [None] * k
        for i in range(1, k):
            before[i] = args[0] if i == 1 else b.call(which, before[i - 1], args[i - 1])
        for i in range(k - 2, -1, -1):
            after[i] = args[k - 1] if i == k - 2 else b.call(which, args[i + 1], after[i + 1])
        out = []
        for i, w in enumerate(wanted):
            if not w:
                out.append(None)
                continue
            parts = [p for p in (before[i], after[i]) if p is not None]
            rest = parts[0] if len(parts) == 1 else b.call(which, *parts)
            gap = b.sub(args[i], rest) if which == "max" else b.sub(rest, args[i])
            out.append(b.call("heaviside", gap, b.half))
        return out

    return partials


def leaf_partials(b, node, args, wanted):  # leaves have no arguments
    return []


def d_linear_form(b, node, args, wanted):
    # d/du_i = v_i and d/dv_i = u_i: the partials are the other half, no new nodes.
    k = len(args) // 2
    return [args[(i + k) % (2 * k)] if w else None for i, w in enumerate(wanted)]


def square(b, a):
    return b.pow(a, b.two)


def d_piecewise(b, node, args, wanted):
    """d/d v_i: the piecewise with the same conditions selecting 1 for branch i, 0 for the
    others (nan where the function is undefined).  Conditions have no derivative."""
    out = [None] * len(args)
    for i in range(0, len(args), 2):  # the values (and the otherwise value)
        if wanted[i]:
            sel = [b.zero if j % 2 == 0 else a for j, a in enumerate(args)]
            sel[i] = b.one
            out[i] = b.call("piecewise", *sel)
    return out


def d_none(b, node, args, wanted):  # conditions: structurally zero partials
    return [None] * len(args)
