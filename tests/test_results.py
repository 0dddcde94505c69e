"""The result base (calcopt/results.py): one repr, one HTML table, ``keys()``, and one name
for the explanation, with the older names as read-only aliases."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.analysis.certify import Certificate
from calcopt.analysis.composition import CompositionResult
from calcopt.analysis.intervals import EigenvalueBounds
from calcopt.optim.constants import Curvature, Minimiser
from calcopt.optim.worstcase import WorstCase
from calcopt.results import Result, html_repr

RESULTS = [calcopt.ArgMin, calcopt.Conditioning, calcopt.Convexity, calcopt.StationaryPoint,
           calcopt.StationaryPoints, calcopt.Run, calcopt.Prediction, calcopt.RateCheck,
           calcopt.MinibatchVariance, WorstCase, Curvature, Minimiser, Certificate,
           CompositionResult, EigenvalueBounds]
NO_TEXT = {calcopt.RateCheck, calcopt.MinibatchVariance, WorstCase}  # no "why" text to name
ALIASES = [(calcopt.ArgMin, "how"), (calcopt.Run, "reason"), (calcopt.Prediction, "failed"),
           (calcopt.StationaryPoint, "note"), (Certificate, "why"), (Curvature, "how"),
           (Minimiser, "how")]
x, y = sp.symbols("x y")


@pytest.mark.parametrize("cls", RESULTS, ids=lambda c: c.__name__)
def test_every_result_is_a_dataclass_on_the_base_without_a_repr_of_its_own(cls):
    assert issubclass(cls, Result) and dataclasses.is_dataclass(cls)
    assert cls.__repr__ is Result.__repr__ and cls._repr_html_ is html_repr
    if cls not in NO_TEXT:
        assert "explanation" in {f.name for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls, old", ALIASES, ids=lambda v: getattr(v, "__name__", v))
def test_the_older_names_are_read_only_aliases(cls, old):
    assert isinstance(inspect.getattr_static(cls, old), property)
    assert "Alias of ``explanation``" in getattr(cls, old).__doc__
    assert old not in {f.name for f in dataclasses.fields(cls)}


def test_alias_reads_the_field_and_cannot_be_set():
    a = calcopt.ArgMin((1,), 0, True, "proof")
    assert a.how == a.explanation == "proof" and "how" not in a.keys()
    with pytest.raises(AttributeError):
        a.how = "other"
    assert calcopt.argmin(calcopt.compile((x - 1)**2)).how.startswith("convex quadratic")


def test_frozen_stays_frozen_and_convexity_keeps_its_own_reason():
    c = calcopt.conditioning(calcopt.compile(x**2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.L = 3
    r = calcopt.convexity(calcopt.compile(x**2), timeout=5)
    assert "reason" in r.keys() and r.reason is None and r.explanation


def test_keys_are_the_public_fields_in_order():
    p = calcopt.predict(calcopt.compile(x**2 / 2 + 5 * y**2), x0=[1.0, 1.0])
    assert p.keys()[:8] == ("method", "quantity", "rate", "tight", "assumptions", "source",
                            "applies", "explanation")
    assert "_bound" not in p.keys()


def test_repr_aligns_names_and_indents_continuation_lines():
    r = calcopt.convexity(calcopt.compile(x**2 + y**2), timeout=5)
    lines = repr(r).splitlines()
    assert lines[0] == "Convexity(convex on all of R^2)"
    colons = {line.index(": ") for line in lines[1:] if not line.startswith(" " * 20)}
    assert len(colons) == 1                               # every name ends at one column
    assert "reason:" not in repr(r) and "nonconvex_witness" not in repr(r)  # optional, None


def test_title_decimals_only_for_exact_irrational_values():
    exact = calcopt.ArgMin((sp.sqrt(2), 1), 0, True, "proof")
    assert repr(exact).splitlines()[0].endswith("  ~ x=(1.41421, 1)")
    assert "~" not in repr(calcopt.ArgMin((sp.Rational(1, 2), 1), 0, True, "proof"))
    assert "~" not in repr(calcopt.ArgMin((0.5, 1.0), 0.25, False, "numeric"))
    family = calcopt.StationaryPoint((-y, y), 0, "minimum", (y,))
    assert repr(family) == "StationaryPoint(x=(-y, y), value=0, kind='minimum', free=(y,))"


def test_run_repr_and_html_use_the_one_name():
    run = calcopt.gd(calcopt.compile(x**2), [1.0], step=0.25, iters=3, tol=0)
    assert "explanation: maximum number of iterations" in repr(run)
    assert run.reason == run.explanation and run.as_dict()["reason"] == run.explanation
    page = run._repr_html_()
    assert ">explanation</th>" in page and ">reason</th>" not in page
    assert np.array_equal(run.x, run.xs[-1])
