"""predict(..., tight=True): PEPit's worst case beside the closed-form bound.

The closed forms calcopt calls tight must match PEPit's worst case (to solver accuracy); the
loose ones must lie above it.  Only the quadratics' exact L, mu, x* are used, so every
difference is the bound's or the solver's, not the constants'.
"""

import math
import sys

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.errors import MissingDependencyError, OptionError

pytest.importorskip("PEPit", reason="the calcopt[pepit] extra is not installed")

x, y = sp.symbols("x y")
QUAD = calcopt.compile(x**2 / 2 + 5 * y**2)         # L = 10, mu = 1
X0 = [1.0, -2.0]
KS = [1, 3, 6]


def _worst(g, **kw):
    p = calcopt.predict(g, x0=X0, tight=True, tight_iters=KS, **kw)
    w = p.worst_case
    assert w.iters == tuple(KS) and all(np.isfinite(w.value)), w
    assert w.closed_form == tuple(float(p.bound(k)) for k in KS)
    assert all(lo <= v * (1 + 1e-4) + 1e-9 for lo, v in zip(w.lower, w.value)), w
    return p, w


@pytest.mark.parametrize("kw, quantity", [
    ({}, "f_gap"),                                   # step 1/L: (1 - 1/kappa)^(2k)
    ({"step": 2 / 11}, "distance"),                  # 2/(L + mu): ((kappa-1)/(kappa+1))^k
    ({"step": 0.15, "quantity": "distance_squared"}, "distance_squared"),
    ({"line_search": "exact"}, "f_gap"),             # de Klerk, Glineur & Taylor
    ({"momentum": "heavy_ball"}, "distance"),        # attained along the eigenvector of L
])
def test_tight_closed_forms_equal_the_pep_worst_case(kw, quantity):
    p, w = _worst(QUAD, **kw)
    assert p.tight and p.quantity == w.quantity == quantity
    assert all(abs(r - 1) < 1e-4 for r in w.ratio), w


def test_convex_drori_teboulle_bound_is_the_pep_worst_case():
    # x**4 is convex, not strongly: L = 12 on the box, mu = 0
    g = calcopt.compile(x**4 + y**2)
    p = calcopt.predict(g, x0=[1.0, 1.0], box={x: (-1, 1), y: (-1, 1)}, tight=True,
                        tight_iters=KS)
    assert p.order == -1 and p.tight and "convex functions" in p.worst_case.function_class
    assert "strongly" not in p.worst_case.function_class
    assert all(abs(r - 1) < 1e-4 for r in p.worst_case.ratio), p.worst_case


@pytest.mark.parametrize("g, x0, kw", [
    (QUAD, X0, {}),                                                   # strongly convex Nesterov
    (calcopt.compile(x**4 + y**2), [1.0, 1.0], {"L": 12, "mu": 0}),  # FISTA (L on |x| <= 1)
])
def test_loose_closed_forms_lie_above_the_pep_worst_case(g, x0, kw):
    p = calcopt.predict(g, x0=x0, momentum="nesterov", tight=True, tight_iters=KS,
                        x_star=[0, 0], f_star=0, **kw)
    w = p.worst_case
    assert not p.tight
    assert all(r >= 1 - 1e-4 for r in w.ratio) and w.ratio[-1] > 1.05, w
    # the worst case bounds a real run too
    run = calcopt.gd(g, x0, momentum="nesterov", iters=max(KS), tol=0, **kw)
    f_star = p.f_star
    for k, v in zip(w.iters, w.value):
        assert run.f[k] - f_star <= v * (1 + 1e-4), (k, run.f[k], v)


def test_worst_case_scales_with_the_initial_measure():
    a = calcopt.predict(QUAD, x0=[1.0, 1.0], tight=True, tight_iters=3).worst_case
    b = calcopt.predict(QUAD, x0=[3.0, 3.0], tight=True, tight_iters=3).worst_case
    assert b.value[0] == pytest.approx(9 * a.value[0], rel=1e-4)   # f-gap scales as x0^2
    assert b.initial == a.initial == "f(x0) - f*"


def test_repr_shows_both_and_the_prediction_repr_includes_them():
    p = calcopt.predict(QUAD, x0=X0, tight=True, tight_iters=[2])
    text = repr(p)
    assert "worst_case: over:" in text and "k=2:" in text and "closed form" in text
    assert "CLARABEL" in repr(p.worst_case) or "SCS" in repr(p.worst_case)


def test_a_worst_case_below_solver_accuracy_is_not_resolved_and_says_so(monkeypatch):
    # heavy ball at k = 25 on kappa = 10: ~2e-11 of the initial measure, below any SDP's accuracy.
    # SCS alone, with few iterations, keeps the test fast (Clarabel and SCS take ~30 s here)
    from calcopt.optim import worstcase
    monkeypatch.setattr(worstcase, "SOLVERS", (("SCS", {"max_iters": 2000}),))
    p = calcopt.predict(QUAD, x0=X0, momentum="heavy_ball", tight=True, tight_iters=[25])
    w = p.worst_case
    assert math.isnan(w.value[0]) and math.isnan(w.ratio[0])
    assert w.solver[0].startswith("not resolved") and "accuracy" in w.solver[0]
    assert "not resolved" in repr(w)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3", [], [2, 0], 10_000])
def test_bad_tight_iters(bad):
    with pytest.raises(OptionError, match="tight_iters"):
        calcopt.predict(QUAD, x0=X0, tight=True, tight_iters=bad)


@pytest.mark.parametrize("kw, match", [
    ({"tight": "yes"}, "tight must be True or False"),
    ({"tight": True, "line_search": "armijo"}, "not for 'gd, Armijo"),
])
def test_bad_tight_requests(kw, match):
    with pytest.raises(OptionError, match=match):
        calcopt.predict(QUAD, x0=X0, **kw)


def test_tight_needs_x0_and_is_not_for_sgd():
    with pytest.raises(OptionError, match="needs x0"):
        calcopt.predict(QUAD, tight=True)
    w, a = sp.symbols("w a")
    g = calcopt.compile((w - a)**2 / 2, wrt=[w], params=[a])
    with pytest.raises(OptionError, match="tight=True is for gradient descent"):
        calcopt.predict(g, "sgd", x0=[0.0], data={a: np.arange(4.0)}, batch_size=2, tight=True)


def test_a_prediction_that_does_not_apply_has_no_worst_case():
    p = calcopt.predict(QUAD, x0=X0, step=0.25, tight=True)     # step >= 2/L
    assert not p.applies and p.worst_case is None


def test_without_pepit_a_clear_missing_dependency_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "PEPit", None)              # import PEPit -> ImportError
    with pytest.raises(MissingDependencyError, match=r"calcopt\[pepit\]"):
        calcopt.predict(QUAD, x0=X0, tight=True, tight_iters=2)
