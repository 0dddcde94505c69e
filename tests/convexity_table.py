"""Functions whose convexity is known from convex analysis or from optimisation test problems.

Each :class:`Case` gives the expression, the domain, and the TRUE answers (``convex``,
``concave``; for quadratics also the exact strong-convexity modulus).  Used by
``tests/test_convexity.py`` (no verdict may contradict these) and by
``benchmarks/bench_analysis.py`` (decided fraction, time per verdict, other tools).

Sources: Boyd & Vandenberghe, *Convex Optimization* (2004), sections 3.1.5 (examples) and 3.2
(operations that preserve convexity); the test problems are the usual ones (Rosenbrock,
Himmelblau, Beale, six-hump and three-hump camel, Booth, Matyas; Jamil & Yang 2013).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

x, y, z = sp.symbols("x y z", real=True)
xp, yp, zp = sp.symbols("x y z", positive=True)
xn = sp.Symbol("x", negative=True)
a, b, c = sp.symbols("a b c", real=True)
R = sp.Rational


@dataclass(frozen=True)
class Case:
    name: str
    expr: Any
    convex: bool
    concave: bool
    domain: dict | None = None
    modulus: Any = None          # exact strong-convexity modulus when convex and known
    note: str = ""
    wrt: tuple | None = field(default=None)


HUBER = sp.Piecewise((x**2 / 2, sp.Abs(x) <= 1), (sp.Abs(x) - R(1, 2), True))

CASES: list[Case] = [
    # --- Boyd & Vandenberghe 3.1.5 and friends ---------------------------------------------
    Case("log-sum-exp 2", sp.log(sp.exp(x) + sp.exp(y)), True, False),
    Case("log-sum-exp 3", sp.log(sp.exp(x) + sp.exp(y) + sp.exp(z)), True, False),
    Case("quad-over-lin x^2/y, y>0", x**2 / yp, True, False),
    Case("euclidean norm", sp.sqrt(x**2 + y**2), True, False),
    Case("negative entropy x log x", xp * sp.log(xp), True, False),
    Case("x^2 on x>0", xp**2, True, False),
    Case("x^3 on x>0", xp**3, True, False),
    Case("x^(3/2) on x>0", xp**R(3, 2), True, False),
    Case("x^(1/2) on x>0", sp.sqrt(xp), False, True),
    Case("x^(1/3) on x>0", xp**R(1, 3), False, True),
    Case("x^-1 on x>0", 1 / xp, True, False),
    Case("x^(-1/2) on x>0", xp**R(-1, 2), True, False),
    Case("x^-1 on x<0", 1 / xn, False, True),
    Case("geometric mean sqrt(xy)", sp.sqrt(xp * yp), False, True),
    Case("-log det [[a,b],[b,c]]", -sp.log(a * c - b**2), True, False,
         domain={a: (1, 2), b: (R(-1, 2), R(1, 2)), c: (1, 2)},
         note="box [1,2]x[-1/2,1/2]x[1,2] lies inside the PD cone: ac - b^2 >= 3/4"),
    Case("exp", sp.exp(x), True, False),
    Case("-exp", -sp.exp(x), False, True),
    Case("log on x>0", sp.log(xp), False, True),
    Case("-log on x>0", -sp.log(xp), True, False),
    Case("softplus log(1+e^x)", sp.log(1 + sp.exp(x)), True, False),
    Case("cosh", sp.cosh(x), True, False),
    Case("sqrt(1+x^2)", sp.sqrt(1 + x**2), True, False),
    Case("exp(x^2)", sp.exp(x**2), True, False),
    Case("x^4 + y^4", x**4 + y**4, True, False),
    Case("x^6 + y^2", x**6 + y**2, True, False),
    Case("entropy -x log x - y log y", -xp * sp.log(xp) - yp * sp.log(yp), False, True),
    Case("log x + log y", sp.log(xp) + sp.log(yp), False, True),
    Case("x log x + y log y", xp * sp.log(xp) + yp * sp.log(yp), True, False),
    Case("x^2/y + y^2, y>0", x**2 / yp + yp**2, True, False),
    Case("log barrier -log x - log(1-x)", -sp.log(x) - sp.log(1 - x), True, False,
         domain={x: sp.Interval.open(0, 1)}),
    # --- kinks ---------------------------------------------------------------------------------
    Case("|x|", sp.Abs(x), True, False),
    Case("-|x|", -sp.Abs(x), False, True),
    Case("max(x, y)", sp.Max(x, y), True, False),
    Case("|x| + |y|", sp.Abs(x) + sp.Abs(y), True, False),
    Case("Huber", HUBER, True, False),
    Case("relu max(x, 0)", sp.Max(x, 0), True, False),
    Case("|x-1| - |x|", sp.Abs(x - 1) - sp.Abs(x), False, False),
    Case("Piecewise with a concave kink", sp.Piecewise((x**2, x < 0), (x**2 - x, True)),
         False, False),
    Case("Piecewise with a jump", sp.Piecewise((x**2, x < 0), (x**2 + 1, True)), False, False),
    # --- quadratics (exact moduli) -------------------------------------------------------------
    Case("2x^2+xy+y^2", 2 * x**2 + x * y + y**2, True, False, modulus=3 - sp.sqrt(2)),
    Case("x^2+y^2+z^2+xy+yz", x**2 + y**2 + z**2 + x * y + y * z, True, False,
         modulus=2 - sp.sqrt(2)),
    Case("x^2+3xy+y^2 (indefinite)", x**2 + 3 * x * y + y**2, False, False),
    Case("-x^2-y^2+xy", -x**2 - y**2 + x * y, False, True),
    Case("(x-y)^2", (x - y)**2, True, False),
    Case("Booth", (x + 2 * y - 7)**2 + (2 * x + y - 5)**2, True, False, modulus=2),
    Case("Matyas", R(26, 100) * (x**2 + y**2) - R(48, 100) * x * y, True, False,
         modulus=R(1, 25)),
    Case("affine 3x-2y+1", 3 * x - 2 * y + 1, True, True),
    Case("x*y", x * y, False, False),
    # --- non-convex test problems --------------------------------------------------------------
    Case("Rosenbrock", (1 - x)**2 + 100 * (y - x**2)**2, False, False),
    Case("Himmelblau", (x**2 + y - 11)**2 + (x + y**2 - 7)**2, False, False),
    Case("Beale", (R(3, 2) - x + x * y)**2 + (R(9, 4) - x + x * y**2)**2
         + (R(21, 8) - x + x * y**3)**2, False, False),
    Case("six-hump camel", (4 - R(21, 10) * x**2 + x**4 / 3) * x**2 + x * y
         + (-4 + 4 * y**2) * y**2, False, False),
    Case("three-hump camel", 2 * x**2 - R(105, 100) * x**4 + x**6 / 6 + x * y + y**2,
         False, False),
    Case("x^3 on R", x**3, False, False),
    Case("x^3 on x>=0", x**3, True, False, domain={x: (0, None)}),
    Case("sin on R", sp.sin(x), False, False),
    Case("sin on [0, pi]", sp.sin(x), False, True, domain={x: (0, sp.pi)},
         note="interval bounds of sin near pi are rounded outward past 0: None is expected"),
    Case("sin on [0, 3]", sp.sin(x), False, True, domain={x: (0, 3)}),
    Case("cos on [-1, 1]", sp.cos(x), False, True, domain={x: (-1, 1)}),
    Case("x^4 - x^2", x**4 - x**2, False, False),
    Case("x e^x on R", x * sp.exp(x), False, False),
    Case("x e^x on x>0", xp * sp.exp(xp), True, False),
    Case("atan on R", sp.atan(x), False, False),
    Case("atan on x>0", sp.atan(xp), False, True),
    Case("tanh", sp.tanh(x), False, False),
    Case("x^2 y^2", x**2 * y**2, False, False),
    Case("x/y on y>0", x / yp, False, False),
]
