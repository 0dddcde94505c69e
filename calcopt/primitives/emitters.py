"""Code emitters of the primitives: ``(argument code, argument constants) -> code`` for the
``"math"`` and ``"numpy"`` back ends; every result is an atom (a name, a literal or a
parenthesised expression)."""

from __future__ import annotations

from functools import reduce
from typing import Any, Callable, Sequence

import sympy as sp

from .primitive import Code, Consts

# Chains longer than this become ``sum((...))`` so the Python compiler never meets a
# left-nested expression thousands of levels deep.
_LONG = 32

# --- code emitters ---------------------------------------------------------------------------


def call(fname: str) -> Callable[[Code, Consts], str]:
    return lambda a, c: f"{fname}({', '.join(a)})"


def _negated_product(term: str) -> str | None:
    """``b*c`` for a term ``(-b*c)`` (a negated product of atoms, or a negative literal), else
    None.  Lets sums emit ``a - b*c`` instead of ``a + (-b*c)``: one operation fewer in the
    generated code, the same IEEE result (``a + (-b)`` and ``a - b`` round alike)."""
    if not (term.startswith("(-") and term.endswith(")")):
        return None
    depth = 0
    for i, ch in enumerate(term):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i < len(term) - 1:
                return None  # "(-a)*(b)": the first group closes early
        elif depth == 1 and i > 1 and not (ch.isalnum() or ch in "_.*'"):
            return None  # anything but a product of atoms at the top level
    return term[2:-1]


def emit_add(a: Code, c: Consts) -> str:
    if len(a) > _LONG:
        return f"sum(({', '.join(a)},))"
    parts = [a[0]]
    for term in a[1:]:
        inner = _negated_product(term)
        parts.append(f" - {inner}" if inner else f" + {term}")
    return "(" + "".join(parts) + ")"


def emit_mul(a: Code, c: Consts) -> str:
    if len(a) > _LONG:
        return f"_prod(({', '.join(a)},))"
    if c[0] == -1 and len(a) >= 2:  # SymPy writes -y as Mul(-1, y)
        return "(-" + "*".join(a[1:]) + ")"
    return "(" + "*".join(a) + ")"


def _is_int(v: Any) -> bool:
    return isinstance(v, sp.Integer)


def emit_pow(sqrt: str, general: str) -> Callable[[Code, Consts], str]:
    def emit(a: Code, c: Consts) -> str:
        base, expo = a
        e = c[1]
        if e == 2 and base.isidentifier():  # a product is cheaper than a power call
            return f"({base}*{base})"
        if _is_int(e) and abs(e) <= 2**31:  # larger ones overflow Python's int -> float
            return f"({base}**{int(e)})"
        if e == sp.Rational(1, 2):
            return f"{sqrt}({base})"
        return f"{general}({base}, {expo})"

    return emit


def _emit_minmax(builtin_math: str, ufunc: str) -> tuple[Callable, Callable]:
    def m(a: Code, c: Consts) -> str:
        return f"{builtin_math}({', '.join(a)})"

    def n(a: Code, c: Consts) -> str:
        return reduce(lambda acc, x: f"{ufunc}({acc}, {x})", a)

    return m, n


def no_code(a: Code, c: Consts) -> str:  # leaves are named or inlined by the code generator
    raise AssertionError("leaves generate no operation code")


# --- the linear form: sum_i u_i * v_i as one node ---------------------------------------------
# Arguments are the two halves (u_1..u_k, v_1..v_k).  The compiler creates it for long sums of
# (symbol x symbol) products; the numpy code generator for sample means (calcopt.codegen.mean.generate_mean)
# turns one whose pairs are (variable, parameter) into one mat-vec X @ w over pre-stacked data.


def halves(a: Sequence) -> tuple[Sequence, Sequence]:
    k = len(a) // 2
    return a[:k], a[k:]


def emit_linear_form(a: Code, c: Consts) -> str:
    u, v = halves(a)
    terms = [f"{x}*{y}" for x, y in zip(u, v)]
    return f"sum(({', '.join(terms)},))" if len(terms) > _LONG else "(" + " + ".join(terms) + ")"


max_math, max_np = _emit_minmax("_max", "np.maximum")
min_math, min_np = _emit_minmax("_min", "np.minimum")


def emit_piecewise_math(a: Code, c: Consts) -> str:
    # A conditional expression: only the chosen branch is evaluated.
    out = a[-1] if len(a) % 2 else "math.nan"
    for i in range(len(a) - 2 - len(a) % 2, -1, -2):
        out = f"({a[i]} if {a[i + 1]} else {out})"
    return out


def emit_bool_op(word: str) -> Callable[[Code, Consts], str]:
    return lambda a, c: "(" + f" {word} ".join(a) + ")"
