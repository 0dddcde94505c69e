"""The domain every analysis resolves, and time budgets that hold."""

import re
import time

import pytest
import sympy as sp

import calcopt
from calcopt.analysis.budget import BudgetExceeded, call_with_budget
from calcopt.analysis.domain import as_interval, assumption_interval, resolve_domain

x, y = sp.symbols("x y")
xp = sp.Symbol("x", positive=True)


@pytest.mark.parametrize("kw, expected", [
    ({"positive": True}, sp.Interval.open(0, sp.oo)),
    ({"nonnegative": True}, sp.Interval(0, sp.oo)),
    ({"negative": True}, sp.Interval.open(-sp.oo, 0)),
    ({"nonpositive": True}, sp.Interval(-sp.oo, 0)),
    ({}, sp.S.Reals),
])
def test_assumptions_give_intervals(kw, expected):
    assert assumption_interval(sp.Symbol("t", **kw)) == expected


def test_domain_intersects_assumptions_with_the_given_intervals():
    g = calcopt.compile(xp * y)
    d = resolve_domain(g, {"x": (-1, 3), y: sp.Interval.Lopen(0, 1)})
    assert d.intervals == (sp.Interval.Lopen(0, 3), sp.Interval.Lopen(0, 1))
    assert d.bounded and not d.is_reals
    assert d.contains([sp.Rational(1, 2), 1]) and not d.contains([0, 1])
    assert d.contains([0.5, 0.25]) and not d.contains([0.5, 1.5])


def test_default_domain_is_the_assumptions():
    d = resolve_domain(calcopt.compile(x**2 + y))
    assert d.is_reals and not d.bounded
    assert d.describe() == "all of R^2"
    assert resolve_domain(calcopt.compile(xp + y), {y: (0, None)}).describe() == \
        "x in (0, oo), y in [0, oo)"


@pytest.mark.parametrize("domain, message", [
    ({"z": (0, 1)}, "not a variable"),
    ({x: (2, 1)}, "lower bound 2 > upper bound 1"),
    ({x: (0, 1), "x": (0, 2)}, "twice"),
    ({x: "0..1"}, "Interval or a (lo, hi) pair"),
    ({x: (0, "a")}, "not a real number"),
    ({x: (True, 2)}, "boolean"),
    ({x: (1, 1)}, "positive length"),
    ([(0, 1)], "must be a dict"),
])
def test_bad_domains_raise_domain_error(domain, message):
    with pytest.raises(calcopt.DomainError, match=re.escape(message)):
        resolve_domain(calcopt.compile(x**2 + y), domain)


def test_domain_outside_the_assumptions_is_empty():
    with pytest.raises(calcopt.DomainError, match="EmptySet"):
        resolve_domain(calcopt.compile(xp), {xp: (-2, -1)})


def test_domain_naming_a_parameter_says_so():
    a = sp.Symbol("a")
    with pytest.raises(calcopt.DomainError, match="a parameter"):
        resolve_domain(calcopt.compile((x - a)**2, params=[a]), {a: (0, 1)})


def test_vector_graph_is_rejected():
    with pytest.raises(calcopt.ShapeError):
        resolve_domain(calcopt.compile([x, y]))


def test_as_interval_accepts_reals_and_open_intervals():
    assert as_interval(sp.S.Reals, "x") == sp.S.Reals
    assert as_interval(sp.Interval.open(0, 1), "x") == sp.Interval.open(0, 1)
    assert as_interval((None, 2), "x") == sp.Interval(-sp.oo, 2)


def _raise():
    raise ValueError("from the child")


def test_budget_returns_results_and_reraises_errors():
    assert call_with_budget(sp.factor, x**2 - 1, timeout=10) == (x - 1) * (x + 1)
    with pytest.raises(ValueError, match="from the child"):
        call_with_budget(_raise, timeout=10)


def test_budget_really_stops_a_long_computation():
    start = time.monotonic()
    with pytest.raises(BudgetExceeded):
        call_with_budget(time.sleep, 30, timeout=0.3)
    assert time.monotonic() - start < 10  # killed, not waited for (generous for slow machines)


def test_zero_budget_is_exceeded_at_once():
    with pytest.raises(BudgetExceeded):
        call_with_budget(sum, [1], timeout=0)
