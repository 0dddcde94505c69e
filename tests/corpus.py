"""Expressions shared by the graph and differentiation tests.

Each entry: ``(expr, (lo, hi))`` — the expression over the real symbols below and a box in
which every variable is sampled so the expression is defined and smooth there (away from
kinks of Abs/Max/Min, which are tested separately).
"""

import sympy as sp

x, y, z, w = sp.symbols("x y z w", real=True)
a, b = sp.symbols("a b", real=True)  # parameters in data tests

POS = (0.3, 2.0)      # logs, fractional powers, symbolic exponents
UNIT = (-0.8, 0.8)    # asin/acos
ANY = (-2.0, 2.0)

CORPUS = [
    (x + y, ANY),
    (x * y, ANY),
    (x - y, ANY),
    (x / y, POS),
    (x**2, ANY),
    (x**3 - 2 * x * y + y**2, ANY),
    (sp.Rational(1, 3) * x**2 + sp.Rational(2, 7) * y, ANY),
    (1 / x, POS),
    (x**-3, POS),
    (sp.sqrt(x), POS),
    (x ** sp.Rational(3, 2), POS),
    (x ** sp.Rational(-1, 3), POS),
    (x**y, POS),
    (2**x, ANY),
    (sp.exp(x * y), ANY),
    (sp.exp(x * y) + sp.sin(x * y), ANY),
    (sp.log(x), POS),
    (sp.log(x * y + 1), POS),
    (sp.sin(x) * sp.cos(y), ANY),
    (sp.tan(x), UNIT),
    (sp.sinh(x) + sp.cosh(y), ANY),
    (sp.tanh(x * y), ANY),
    (sp.asin(x), UNIT),
    (sp.acos(x), UNIT),
    (sp.atan(x / (1 + y**2)), ANY),
    (sp.Abs(x) + y, POS),
    (sp.Max(x, y**2 + 3), ANY),
    (sp.Min(x, y - 3), ANY),
    (sp.Max(x, 2 * y + 5, 3 * z + 10), ANY),
    (sp.pi * x + sp.E * y, ANY),
    (sp.Float("0.25") * x**2 + 1.5 * y, ANY),
    ((1 - x) ** 2 + 100 * (y - x**2) ** 2, ANY),                      # Rosenbrock
    ((x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2, ANY),                # Himmelblau
    (sp.log(sp.exp(x) + sp.exp(y) + sp.exp(z)), ANY),                # log-sum-exp
    (sp.sqrt(x**2 + y**2 + 1), ANY),
    (x * sp.log(x), POS),
    (x**2 / y, POS),
    (sp.exp(-(x**2 + y**2) / 2) * sp.cos(3 * x), ANY),
    (sp.sin(sp.sin(sp.sin(x))), ANY),
    ((x + y + z) ** 4, ANY),
    (sp.log(1 + sp.exp(-x * y)), ANY),                                # logistic loss
    (x * y * z * w + x * y + z * w, ANY),
    (x * y * z * w * (x + 1) * (y + 2), ANY),                          # 6-factor product
    (sp.cosh(x) ** 2 - sp.sinh(x) ** 2 + x, ANY),
    (sp.exp(sp.sqrt(x**2 + 1)) / (1 + y**2), ANY),
    (sp.Integer(7), ANY),                                             # constant graph
    (x ** sp.pi, POS),
    (sp.atan(x) * sp.tanh(y) - sp.asin(z / 3), ANY),
]
