"""calcopt.argmin certifies a numeric minimiser (Krawczyk test on grad f) before claiming it.

Known answers: the true minimisers are computed independently (closed forms, or mpmath's
root finder at 50 digits) and must lie inside the certified enclosure; functions without a
minimiser must never get a certificate.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calcopt
from calcopt.analysis.certify import certify
from calcopt.analysis.domain import resolve_domain
from calcopt.cli.formatting import argmin_json, argmin_lines
from calcopt.report.analyses import argmin_html

x, y = sp.symbols("x y")
NO_MINIMISER = sp.exp(x + y) + (x - y) ** 2   # strictly convex, inf 0 as x = y -> -oo
mpmath.mp.dps = 50


def encloses(cert, truth) -> bool:
    """Every true coordinate within the certified radius of the reported point (50 digits)."""
    return all(abs(mpmath.mpf(float(c)) - mpmath.mpf(t)) <= mpmath.mpf(cert.radius)
               for c, t in zip(cert.point, truth))


def test_strictly_convex_without_minimiser_is_not_certified():
    a = calcopt.argmin(calcopt.compile(NO_MINIMISER), timeout=1)
    assert a.x is not None and not a.exact and a.certified is False and a.unique is None
    assert a.explanation.startswith("not certified: a Newton step from x has length")
    assert "no minimiser is proven to exist" in a.explanation and "proven convex" in a.explanation


def test_adding_a_coercive_term_gives_a_certified_unique_minimiser():
    a = calcopt.argmin(calcopt.compile(NO_MINIMISER + (x + y) ** 2), timeout=1)
    assert (a.exact, a.certified, a.unique) == (False, True, True)
    assert a.explanation.startswith("certified global minimiser: a zero of grad f lies within")
    # f = exp(s) + d^2 + s^2 with s = x + y, d = x - y: d = 0, exp(s) = -2s, s = -W(1/2)
    truth = -mpmath.lambertw(mpmath.mpf(1) / 2).real / 2
    assert all(abs(mpmath.mpf(v) - truth) < 1e-14 for v in a.x)


@pytest.mark.parametrize("expr, domain, truth", [
    (sp.exp(x) + sp.exp(-2 * x) + y**2, None, (mpmath.log(2) / 3, 0)),
    (sp.exp(x) + x**2 + y**2, None, (-mpmath.lambertw(mpmath.mpf(1) / 2).real, 0)),
    (x**4 - 2 * x + sp.cosh(y - 1), None, (mpmath.cbrt(mpmath.mpf(1) / 2), 1)),
    (x**2 + (y - 1) ** 2, {x: (sp.sqrt(2), 3)}, (mpmath.sqrt(2), 1)),     # at a lower bound
    (-sp.log(x) + x / 4 + y**2, {x: (1, 3)}, (3, 0)),                      # at an upper bound
])
def test_known_irrational_minimisers_lie_in_the_enclosure(expr, domain, truth):
    g = calcopt.compile(expr)
    start = [float(t) + 1e-9 for t in truth]
    if domain:   # L-BFGS-B stops on the bound itself
        start = [float(t) for t in truth]
    cert = certify(g, resolve_domain(g, domain), start)
    assert cert.ok and cert.local_min and 0 <= cert.radius < 1e-12, cert.explanation
    assert encloses(cert, truth)
    assert bool(domain) == bool(cert.active) and (not domain or "KKT point" in cert.explanation)


def test_numeric_minimiser_without_closed_form_is_certified_through_argmin():
    # grad: exp(x) - 2 exp(-2x) + 2(x - y) = 0, y = x / 2, so exp(x) - 2 exp(-2x) + x = 0
    g = calcopt.compile(sp.exp(x) + sp.exp(-2 * x) + (x - y) ** 2 + y**2)
    a = calcopt.argmin(g, timeout=1)
    assert (a.exact, a.certified, a.unique) == (False, True, True)
    root = mpmath.findroot(lambda t: mpmath.exp(t) - 2 * mpmath.exp(-2 * t) + t, 0.2)
    assert abs(mpmath.mpf(a.x[0]) - root) < 1e-14 and abs(mpmath.mpf(a.x[1]) - root / 2) < 1e-14


def test_a_minimiser_on_a_bound_is_certified_by_its_kkt_signs():
    a = calcopt.argmin(calcopt.compile((x - 3) ** 2 + y**2), {x: (0, 1)})
    assert (a.x, a.exact, a.certified, a.unique) == ((1.0, 0.0), False, True, True)
    assert "KKT point (x at its upper bound, df/dx <= 0 there" in a.explanation


@pytest.mark.parametrize("expr, domain, point, why", [
    (NO_MINIMISER, None, [-5.25, -5.25], "a Newton step from x has length 0.5"),
    ((x - 1) ** 2, None, [0.5], "a Newton step from x has length 0.5"),
    (x**4 + y**2, None, [1e-3, 0.0], "a Newton step from x has length 0.00033"),
    (x**4 + y**2, None, [0.0, 0.0], "the numeric Hessian at x is singular"),
    (x**4 + y**2, None, [1e-6, 0.0], "the Krawczyk test failed"),    # degenerate zero
    (x**3 / 3 + x / 10**12, None, [1e-5], "the Krawczyk test failed"),  # x**2 + 1e-12 > 0
    (sp.Abs(x) + y**2, None, [0.0, 0.0], "f has kinks (abs)"),
    (x**2, {x: (1, 2)}, [1.0 - 1e-12], None),          # on the bound with the right sign: ok
    (-x, {x: (1, 2)}, [1.0], "is not proven to have the KKT sign"),   # slope -1 into [1, 2]
])
def test_certificate_failures_say_why(expr, domain, point, why):
    g = calcopt.compile(expr)
    cert = certify(g, resolve_domain(g, domain), point)
    if why is None:
        assert cert.ok and cert.active == ("x",) and cert.point[0] == 1.0
    else:
        assert not cert.ok and cert.radius is None and why in cert.explanation, cert.explanation


def test_the_box_must_stay_in_the_domain():
    p = sp.Symbol("p", positive=True)
    g = calcopt.compile((p - 1e-12) ** 2)          # the zero 1e-12 is too close to p = 0
    cert = certify(g, resolve_domain(g), [1e-12])
    assert not cert.ok and "leaves the domain in p" in cert.explanation


@settings(max_examples=25, deadline=None)
@given(st.floats(-8, 3), st.floats(-3, 3))
def test_no_certificate_where_there_is_no_zero(s, d):
    """exp(x + y) + (x - y)**2 has no stationary point anywhere: no point may pass."""
    g = calcopt.compile(NO_MINIMISER)
    assert not certify(g, resolve_domain(g), [(s + d) / 2, (s - d) / 2]).ok


COUPLED = calcopt.compile(sp.exp(x) + sp.exp(-2 * x) + sp.cosh(y) + x * y / 8)
# grad: exp(x) - 2 exp(-2x) + y/8 = 0, sinh(y) + x/8 = 0
COUPLED_MIN = mpmath.findroot([lambda a, b: mpmath.exp(a) - 2 * mpmath.exp(-2 * a) + b / 8,
                               lambda a, b: mpmath.sinh(b) + a / 8], (0.23, -0.03))


@settings(max_examples=25, deadline=None)
@given(st.floats(-1e-5, 1e-5), st.floats(-1e-5, 1e-5))
def test_every_certificate_near_a_known_minimiser_encloses_it(dx, dy):
    start = [float(COUPLED_MIN[0]) + dx, float(COUPLED_MIN[1]) + dy]
    cert = certify(COUPLED, resolve_domain(COUPLED), start)
    assert cert.ok and encloses(cert, COUPLED_MIN)


def test_non_convex_certified_local_minimiser_is_not_global():
    a = calcopt.argmin(calcopt.compile(x**2 + sp.sin(3 * x) + y**2))
    assert (a.exact, a.certified, a.unique) == (False, False, None)
    assert a.explanation.startswith("numeric local minimiser from 8 starts, trust-exact, certified as "
                            "a strict local minimiser") and "not proven global" in a.explanation


def test_certified_defaults_to_exact_with_a_point():
    assert calcopt.ArgMin((1,), 0, True, "proof").certified is True
    assert calcopt.ArgMin(None, -sp.oo, True, "unbounded").certified is False
    assert calcopt.ArgMin((1.0,), 0.0, False, "search").certified is False
    assert "certified=True" in repr(calcopt.ArgMin((1,), 0, True, "proof"))


def test_predict_takes_no_uncertified_minimiser():
    g = calcopt.compile(sp.log(1 + sp.exp(x + y)) + (x - y) ** 2)   # convex, no minimiser
    pred = calcopt.predict(g, x0=[1.0, 0.0], L=5)
    assert not pred.applies and pred.explanation.startswith("no minimiser x* (no certified "
                                                       "minimiser from calcopt.argmin")
    assert "not certified" in pred.explanation
    ok = calcopt.predict(calcopt.compile(sp.log(1 + sp.exp(x)) + x**2), x0=[1.0], L=3)
    assert ok.applies and ok.x_star is not None and abs(ok.x_star[0] + 0.2223234712783) < 1e-12


def test_report_does_not_call_an_uncertified_point_x_star():
    stopped = calcopt.ArgMin((-5.25, -5.25), 2.7e-5, False, "not certified: ...", None, False)
    html = argmin_html(stopped, (x, y))
    assert "x* =" not in html and "not certified" in html and "No global minimiser" in html
    found = calcopt.ArgMin((0.5,), 1.0, False, "certified global minimiser: ...", True, True)
    assert "x* = (x = 0.5)" in argmin_html(found, (x,)) and "certified global" in \
        argmin_html(found, (x,))


def test_cli_labels_certified_and_uncertified_points():
    certified = calcopt.ArgMin((0.5,), 1.0, False, "certified global minimiser: ...", True, True)
    stopped = calcopt.ArgMin((-5.25,), 2.7e-5, False, "not certified: ...", None, False)
    assert "[certified global minimiser, unique]" in argmin_lines(certified, (x,))[0]
    assert "[not proven global]" in argmin_lines(stopped, (x,))[0]
    assert (argmin_json(certified)["certified"], argmin_json(stopped)["certified"]) == (True, False)
