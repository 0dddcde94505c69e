"""calcopt.predict and calcopt.check: predicted worst-case rates against measured runs.

The constants come from the analysis layer (calcopt.conditioning, calcopt.argmin) unless a
test says otherwise; the quadratics have rational Hessians so L, mu, x* are exact.
"""

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.errors import OptionError

x, y, z, a = sp.symbols("x y z a")
X = sp.Matrix([x, y, z])
S = sp.Matrix([[0, sp.Rational(1, 2), -1], [-sp.Rational(1, 2), 0, sp.Rational(1, 3)],
               [1, -sp.Rational(1, 3), 0]])
Q = (sp.eye(3) - S) * (sp.eye(3) + S).inv()          # Cayley: a rational orthogonal matrix
EIG = (1, 4, 25)                                     # kappa = 25
A = Q * sp.diag(*EIG) * Q.T
QUAD = calcopt.compile((X.T * A * X)[0] / 2)
QN = np.array(Q, dtype=float)
V_MIN, V_MAX = QN[:, 0], QN[:, 2]


def test_gd_along_the_extreme_eigenvectors_attains_the_predicted_rate():
    assert Q.T * Q == sp.eye(3)
    x0 = V_MIN + V_MAX
    step = 2 / 26
    pred = calcopt.predict(QUAD, step=step, x0=x0)
    assert pred.constants["L"] == 25 and pred.constants["mu"] == 1 and pred.tight
    assert pred.quantity == "distance" and pred.rate == pytest.approx(24 / 26, rel=1e-15)
    run = calcopt.gd(QUAD, x0, step=step, iters=400, tol=0)
    chk = calcopt.check(run, pred)
    assert chk.holds and abs(chk.ratio - 1) < 1e-6, chk
    assert "tight" in chk.verdict


def test_step_one_over_l_f_gap_is_tight_and_beats_the_classical_bound():
    pred = calcopt.predict(QUAD, x0=V_MIN)          # default step 1/L, like calcopt.gd
    assert pred.quantity == "f_gap" and pred.rate == pytest.approx((1 - 1 / 25)**2)
    assert pred.classical.rate == pytest.approx(1 - 1 / 25) and not pred.classical.tight
    run = calcopt.gd(QUAD, V_MIN, iters=300, tol=0)
    assert run.method.startswith("gd, fixed step 1/L = 0.04")
    chk = calcopt.check(run, pred)
    assert chk.holds and abs(chk.ratio - 1) < 1e-6, chk
    classical = calcopt.check(run, pred.classical)
    assert classical.holds and classical.ratio < 0.97


@pytest.mark.parametrize("step", [0.01, 0.05, 0.079])
def test_general_step_distance_squared_attained_on_the_worst_eigenvector(step):
    worst = V_MIN if abs(1 - step * 1) >= abs(1 - step * 25) else V_MAX
    pred = calcopt.predict(QUAD, step=step, x0=worst)
    assert pred.quantity == "distance_squared"
    chk = calcopt.check(calcopt.gd(QUAD, worst, step=step, iters=300, tol=0), pred)
    assert chk.holds and abs(chk.ratio - 1) < 1e-6, chk


def test_exact_line_search_worst_case_matches():
    mu, L = 1, 9
    g = calcopt.compile((mu * x**2 + L * y**2) / 2)
    x0 = [1 / mu, 1 / L]                   # the classical worst start (Akaike)
    pred = calcopt.predict(g, line_search="exact", x0=x0)
    assert pred.rate == pytest.approx((8 / 10)**2) and pred.tight
    chk = calcopt.check(calcopt.gd(g, x0, line_search="exact", iters=60, tol=0), pred)
    assert chk.holds and abs(chk.ratio - 1) < 1e-6, chk


def random_quadratic(rng, singular=False):
    M = sp.Matrix(rng.integers(-3, 4, size=(2 if singular else 3, 3)).tolist())
    H = M.T * M + (sp.zeros(3) if singular else sp.eye(3))
    c = H * sp.Matrix(rng.integers(-2, 3, size=3).tolist())    # the minimiser set is non-empty
    return calcopt.compile((X.T * H * X)[0] / 2 - (c.T * X)[0])


SCHEMES = [
    {"step": "1/L"}, {"step": "2/(L+mu)"}, {"step": "1.9/L"}, {"step": "0.3/L"},
    {"line_search": "exact"}, {"line_search": "armijo"}, {"momentum": "heavy_ball"},
    {"momentum": "nesterov"},
]


@pytest.mark.parametrize("seed", range(4))
def test_bounds_hold_on_random_convex_quadratics(seed):
    rng = np.random.default_rng(seed)
    g = random_quadratic(rng)
    c = calcopt.conditioning(g)
    L, mu = float(c.L), float(c.mu)
    x0 = rng.normal(size=3) * 3
    for scheme in SCHEMES:
        kw = dict(scheme)
        if "step" in kw:
            kw["step"] = {"1/L": 1 / L, "2/(L+mu)": 2 / (L + mu), "1.9/L": 1.9 / L,
                          "0.3/L": 0.3 / L}[kw["step"]]
        pred = calcopt.predict(g, x0=x0, **kw)
        assert pred.applies, (kw, pred.explanation)
        run = calcopt.gd(g, x0, iters=400, tol=0, **kw)
        chk = calcopt.check(run, pred)
        assert chk.holds, (kw, chk)
        # never slower than a tight geometric worst case (the heavy ball's bound has the
        # prefactor 1 + (1 + rho) k: a fitted slope over a finite window exceeds rho)
        if pred.tight and kw.get("line_search") != "exact" and "momentum" not in kw:
            assert chk.ratio <= 1 + 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_convex_but_not_strongly_convex_quadratics(seed):
    rng = np.random.default_rng(10 + seed)
    g = random_quadratic(rng, singular=True)
    c = calcopt.conditioning(g)
    assert c.mu == 0 and c.kappa is None
    L = float(c.L)
    x0 = rng.normal(size=3) * 3
    for kw in ({"step": 1 / L}, {"step": 1.5 / L}, {"momentum": "nesterov"}):
        pred = calcopt.predict(g, x0=x0, **kw)
        assert pred.rate is None and pred.quantity == "f_gap"
        assert pred.order == (-2.0 if "momentum" in kw else -1.0)
        chk = calcopt.check(calcopt.gd(g, x0, iters=300, tol=0, **kw), pred)
        assert chk.holds, (kw, chk)
    assert not calcopt.predict(g, x0=x0, step=1 / L, quantity="distance").applies


def test_logistic_regression_bounds_hold():
    w, v, a, b, lab = sp.symbols("w v a b lab")
    lam = 0.1
    g = calcopt.compile(sp.log(1 + sp.exp(-lab * (a*w + b*v))) + lam/2 * (w**2 + v**2),
                        wrt=[w, v], params=[a, b, lab])
    rng = np.random.default_rng(5)
    F = rng.normal(size=(200, 2))
    labels = np.sign(F @ [1.5, -1.0] + 0.5 * rng.normal(size=200))
    data = np.column_stack([F, labels])
    L = np.linalg.eigvalsh(F.T @ F / 200)[-1] / 4 + lam      # the logistic loss has f'' <= 1/4
    x0 = [2.0, 2.0]
    for kw in ({"step": 1 / L}, {"step": 2 / (L + lam)}, {"line_search": "armijo"}):
        pred = calcopt.predict(g, x0=x0, data=data, L=L, mu=lam, **kw)
        assert "numeric minimiser" in pred.assumptions[1]
        run = calcopt.gd(g, x0, data=data, iters=200, tol=0, **kw)
        chk = calcopt.check(run, pred)
        assert chk.holds and chk.measured_rate <= pred.rate + 1e-9, (kw, chk)


def test_rosenbrock_near_its_minimum():
    rosen = calcopt.compile((1 - x)**2 + 100*(y - x**2)**2)
    d = 1e-3
    # Over the box [1-d, 1+d]^2 the Hessian [[1200x^2-400y+2, -400x], [-400x, 200]] is positive
    # definite: lambda_max <= trace, lambda_min >= det / trace; both are monotone in x and y.
    L = 1200*(1 + d)**2 - 400*(1 - d) + 202
    mu = (80000*(1 - d)**2 - 80000*(1 + d) + 400) / L
    x0 = [1 + 4e-4, 1 - 3e-4]                    # within d of x* = (1, 1)
    pred = calcopt.predict(rosen, x0=x0, L=L, mu=mu)
    assert pred.constants["x_star"].tolist() == [1.0, 1.0]       # calcopt.argmin, exact
    run = calcopt.gd(rosen, x0, L=L, iters=3000, tol=0)
    assert np.abs(run.xs - 1).max() <= d                          # the bounds hold there
    chk = calcopt.check(run, pred)
    assert chk.holds and chk.measured_rate < pred.rate, chk


def test_rosenbrock_with_constants_certified_over_a_box():
    rosen = calcopt.compile((1 - x)**2 + 100*(y - x**2)**2)
    d = 1e-3
    box = {x: (1 - d, 1 + d), y: (1 - d, 1 + d)}
    x0 = [1 + 4e-4, 1 - 3e-4]
    c = calcopt.conditioning(rosen, box=box)
    run = calcopt.gd(rosen, x0, box=box, iters=2000, tol=0)
    assert run.info["step"] == pytest.approx(1 / float(c.L))      # default: 1/L over the box
    assert np.abs(run.xs - 1).max() <= d
    pred = calcopt.predict(rosen, x0=x0, box=box)
    assert pred.applies, pred.explanation                 # convex on the box (calcopt.convexity)
    assert any("stays in the box" in a for a in pred.assumptions)
    assert calcopt.check(run, pred).holds


def test_an_iterate_leaving_the_box_means_the_bound_does_not_apply():
    # regression: "every iterate stays in the box" was assumed, never checked.
    # f = x^2/2 + 5 y^2, step 0.19: y_k = 0.5 (-0.9)^k leaves [-0.4, 0.6] at k = 1
    g = calcopt.compile(x**2 / 2 + 5 * y**2)
    run = calcopt.gd(g, [1.0, 0.5], step=0.19, iters=50, tol=0)
    inside = calcopt.check(run, calcopt.predict(g, step=0.19, x0=[1.0, 0.5],
                                                box={x: (-2, 2), y: (-1, 1)}))
    assert inside.holds is True and "box" not in inside.verdict
    pred = calcopt.predict(g, step=0.19, x0=[1.0, 0.5], box={x: (-2, 2), "y": (-0.4, 0.6)})
    assert pred.constants["box"] == {x: (-2, 2), "y": (-0.4, 0.6)}
    chk = calcopt.check(run, pred)
    assert chk.holds is None
    assert chk.verdict.startswith("the bound does not apply: the iterate at k = 1 leaves the box "
                                  "(y = -0.45 is outside [-0.4, 0.6])")
    # an open end excludes the boundary: x0 itself is outside [-0.5, 0.5)
    half_open = calcopt.predict(g, step=0.19, x0=[1.0, 0.5],
                                box={y: sp.Interval(-0.5, 0.5, False, True)})
    assert "k = 0 leaves the box (y = 0.5 is outside [-0.5, 0.5))" in calcopt.check(
        run, half_open).verdict


def test_sgd_runs_leaving_the_box_are_found_in_any_seed():
    # x_{k+1} = x_k - (x_k - a_i)/2: with seed 1 x first drops below -0.3 at k = 11, with
    # seed 2 at k = 5; the earliest exit among the runs is named
    g = calcopt.compile((x - a)**2 / 2 + y**2 / 2, wrt=[x, y], params=[a])
    data = {a: np.linspace(-1, 1, 20)}
    pred = calcopt.predict(g, method="sgd", step=0.5, batch_size=1, data=data, x0=[1.0, 0.0],
                           box={x: (-0.3, 1.5), y: (-1, 1)}, L=1, mu=1)
    runs = [calcopt.sgd(g, [1.0, 0.0], data, batch_size=1, step=0.5, iters=40, seed=s,
                        record_every=1) for s in (1, 2)]
    assert [int(np.argmax(r.xs[:, 0] < -0.3)) for r in runs] == [11, 5]
    chk = calcopt.check(runs, pred)
    assert chk.holds is None
    assert chk.verdict.startswith("the bound does not apply: the iterate at k = 5 leaves the box "
                                  "(x = "), chk.verdict
    assert "(in runs[1] of 2 runs)" in chk.verdict
    assert calcopt.check(runs[:1], pred).verdict.startswith(
        "the bound does not apply: the iterate at k = 11 leaves")


def test_check_names_the_settings_a_run_does_not_share_with_the_prediction():
    # regression: only the step was compared
    g = calcopt.compile(x**2 / 2 + 5 * y**2)
    pred = calcopt.predict(g, step=2 / 11, x0=[1.0, 1.0])
    same = calcopt.check(calcopt.gd(g, [1.0, 1.0], step=2 / 11, iters=60, tol=0), pred)
    assert same.mismatch is None and "note" not in same.verdict and same.holds
    cases = {
        "the run used step 0.1 but the prediction assumes 0.181818":
            calcopt.gd(g, [1.0, 1.0], step=0.1, iters=60, tol=0),
        "the run starts at x0 = [2.0, 1.0] but the prediction is for x0 = [1.0, 1.0]":
            calcopt.gd(g, [2.0, 1.0], step=2 / 11, iters=60, tol=0),
        "the run is 'gd, heavy ball momentum (step 0.230886, beta 0.269874)' but the "
        "prediction is for 'gd, fixed step 0.181818'":
            calcopt.gd(g, [1.0, 1.0], momentum="heavy_ball", iters=60, tol=0),
        "at x0 the run's objective is 6.5 but the prediction's is 5.5: a different objective":
            calcopt.gd(calcopt.compile(x**2 / 2 + 5 * y**2 + 1), [1.0, 1.0], step=2 / 11,
                       iters=60, tol=0),
    }
    for note, run in cases.items():
        chk = calcopt.check(run, pred)
        assert note in chk.mismatch, chk.mismatch
        assert f"(note: {chk.mismatch}; the prediction is for other settings" in chk.verdict
    with pytest.raises(OptionError, match="the run has 1 variables but the prediction's x\\* "
                                          "has 2"):
        calcopt.check(calcopt.gd(calcopt.compile(x**2), [1.0], step=0.1, iters=3), pred)


def least_squares(n):
    """Least squares in (w, v) on n noisy samples (a, b, c) of c = a + 2 b (seed 2)."""
    a, b, c, w, v = sp.symbols("a b c w v")
    g = calcopt.compile((a*w + b*v - c)**2 / 2, wrt=[w, v], params=[a, b, c])
    rng = np.random.default_rng(2)
    F = rng.normal(size=(n, 2))
    return g, np.column_stack([F, F @ [1.0, 2.0] + 0.3 * rng.normal(size=n)])


def test_check_names_sgd_settings_that_differ():
    g, D = least_squares(200)
    pred = calcopt.predict(g, method="sgd", step=0.1, batch_size=4, data=D, x0=[0.0, 0.0])
    same = [calcopt.sgd(g, [0.0, 0.0], D, batch_size=4, step=0.1, iters=200, seed=s,
                        record_every=25) for s in range(2)]
    assert calcopt.check(same, pred).mismatch is None        # f(x0): sample-mean code agrees
    other_b = calcopt.sgd(g, [0.0, 0.0], D, batch_size=8, step=0.1, iters=200, seed=0,
                          record_every=25)
    assert "the run used batch size 8 but the prediction assumes 4" in calcopt.check(
        [same[0], other_b], pred).mismatch
    inverse = calcopt.sgd(g, [0.0, 0.0], D, batch_size=4, schedule="inverse", beta=3.0,
                          gamma=40.0, iters=200, seed=0)
    note = calcopt.check(inverse, pred).mismatch
    assert note.startswith("the run is 'sgd, steps beta/(gamma + k)") and "'sgd, constant step" \
        in note
    gd_run = calcopt.gd(g, [0.0, 0.0], step=0.1, data=D, iters=50, tol=0)
    assert "the run is 'gd, fixed step 0.1'" in calcopt.check(gd_run, pred).mismatch


def test_heavy_ball_and_nesterov_bounds_hold():
    x0 = V_MIN + V_MAX
    hb = calcopt.predict(QUAD, momentum="heavy_ball", x0=x0)
    rho = (5 - 1) / (5 + 1)
    assert hb.rate == pytest.approx(rho) and hb.tight and "prefactor" in hb.assumptions[-1]
    chk = calcopt.check(calcopt.gd(QUAD, x0, momentum="heavy_ball", iters=200, tol=0), hb)
    assert chk.holds and 0.95 < chk.ratio < 1.2, chk
    nv = calcopt.predict(QUAD, momentum="nesterov", x0=x0)
    assert nv.rate == pytest.approx(1 - 1 / 5)
    assert calcopt.check(calcopt.gd(QUAD, x0, momentum="nesterov", iters=200, tol=0), nv).holds
    bad = calcopt.predict(QUAD, momentum="heavy_ball", step=0.05, beta=0.5, x0=x0)
    assert not bad.applies and "optimal parameters" in bad.explanation


def test_predictions_that_do_not_apply_say_why():
    x0 = [1.0, 1.0, 1.0]
    long = calcopt.predict(QUAD, step=0.09, x0=x0)                  # 2/L = 0.08
    assert not long.applies and "2/L" in long.explanation
    with pytest.raises(OptionError, match="does not apply"):
        long.bound(3)
    run = calcopt.gd(QUAD, x0, step=0.09, iters=2000)
    assert run.diverged
    with pytest.raises(OptionError, match="does not apply"):
        calcopt.check(run, long)
    saddle = calcopt.predict(calcopt.compile(x**2 - y**2), x0=[1.0, 1.0])
    assert not saddle.applies and "not convex" in saddle.explanation
    wavy = calcopt.predict(calcopt.compile(sp.sin(x) + y**2), x0=[1.0, 1.0])   # L = 2 exists
    assert not wavy.applies and "not convex" in wavy.explanation
    steep = calcopt.predict(calcopt.compile(sp.exp(x) + y**2), x0=[1.0, 1.0])
    assert not steep.applies and "no smoothness constant L" in steep.explanation
    exact = calcopt.predict(random_quadratic(np.random.default_rng(1), singular=True),
                            line_search="exact", x0=x0)
    assert not exact.applies and "strong convexity" in exact.explanation


def test_bound_is_vectorised_and_needs_x0():
    pred = calcopt.predict(QUAD, step=0.05, x0=V_MIN + V_MAX)
    ks = np.arange(6)
    np.testing.assert_allclose(pred.bound(ks), [pred.bound(int(k)) for k in ks])
    assert pred.bound(0) == pytest.approx(2.0)          # R^2 for distance_squared
    no_x0 = calcopt.predict(QUAD, step=0.05)
    assert no_x0.rate == pred.rate
    with pytest.raises(OptionError, match="x0"):
        no_x0.bound(1)
    text = repr(pred)
    assert "quantity: distance_squared" in text and "source:" in text


@pytest.mark.parametrize("k", [-1, -0.5, np.nan, np.inf, "a", "1", True, None, 1j,
                               [1, -1], np.array([0.0, np.nan]), [[1, "a"]]])
def test_bound_refuses_k_that_is_not_an_iteration_count(k):
    # regression: -1 and nan gave numbers, 'a' a raw ValueError from numpy
    pred = calcopt.predict(QUAD, step=0.05, x0=V_MIN + V_MAX)
    with pytest.raises(OptionError, match="k must be a finite number >= 0"):
        pred.bound(k)


def test_bound_takes_integers_and_floats():
    pred = calcopt.predict(QUAD, step=0.05, x0=V_MIN + V_MAX)
    q2 = pred.rate                                          # distance_squared: q^2 per step
    assert pred.bound(np.int64(3)) == pytest.approx(2.0 * q2 ** 3)
    assert pred.bound(2.5) == pytest.approx(2.0 * q2 ** 2.5)
    np.testing.assert_allclose(pred.bound([0, 1]), [2.0, 2.0 * q2])
    assert pred.bound(np.array([], dtype=int)).shape == (0,)


def test_sgd_predictions_and_checks():
    g, D = least_squares(1000)
    inv = calcopt.predict(g, method="sgd", schedule="inverse", batch_size=4, data=D,
                          x0=[0.0, 0.0])
    assert inv.order == -1.0 and "Theorem 4.7" in inv.source
    beta, gamma = inv.constants["beta"], inv.constants["gamma"]
    runs = [calcopt.sgd(g, [0.0, 0.0], D, batch_size=4, schedule="inverse", beta=beta,
                        gamma=gamma, iters=1500, record_every=50, seed=s) for s in range(4)]
    assert calcopt.check(runs, inv).holds
    const = calcopt.predict(g, method="sgd", step=0.1, batch_size=4, data=D, x0=[0.0, 0.0])
    assert const.floor == pytest.approx(0.1 * const.constants["L"] * const.constants["M"]
                                        / (2 * const.constants["mu"]))
    assert calcopt.predict(g, method="sgd", step=5.0, batch_size=4, data=D,
                           x0=[0.0, 0.0]).explanation.startswith("Thm 4.6 needs step")
    with pytest.raises(OptionError, match="batch_size"):
        calcopt.predict(g, method="sgd", step=0.1, data=D)


def test_check_of_a_one_step_rate_has_no_ratio():
    # L = mu and step 1/L: the predicted contraction is 0, so measured/predicted is undefined
    w, a, b = sp.symbols("w a b")
    g = calcopt.compile((w * a - b) ** 2 / 2, wrt=[w], params=[a, b])
    data = {a: [1.0, 2.0, 3.0, 4.0], b: [2.0, 4.1, 5.9, 8.0]}
    runs = [calcopt.sgd(g, [0.0], data, batch_size=1, epochs=5, seed=s) for s in range(3)]
    pred = calcopt.predict(g, method="sgd", x0=[0.0], data=data, batch_size=1)
    assert pred.rate == 0
    result = calcopt.check(runs, pred)
    assert result.ratio is None and isinstance(result.verdict, str)


def test_check_of_a_rate_zero_with_a_fitted_rate_has_a_verdict():
    # as above, but with enough records above the floor for a fitted rate (the verdict used
    # to compute measured/predicted with predicted = 0)
    w, a, t = sp.symbols("w a t")
    g = calcopt.compile((w*a - t)**2 / 2, wrt=[w], params=[a, t])
    rng = np.random.default_rng(0)
    A = rng.normal(size=20)
    D = {a: A, t: 3 * A + 0.1 * rng.normal(size=20)}
    p = calcopt.predict(g, method="sgd", batch_size=4, data=D, x0=[0.0])
    assert p.rate == 0.0
    runs = [calcopt.sgd(g, [0.0], D, batch_size=4, epochs=4, seed=s) for s in range(4)]
    c = calcopt.check(runs, p)
    assert c.measured_rate is not None and c.ratio is None
    assert "reaches its floor in one step" in c.verdict


def test_heavy_ball_bound_is_attained_along_the_eigenvector_of_L():
    # on f = L x^2/2 the recurrence has the double root -rho, and with x_{-1} = x0 the
    # distance is exactly (1 + (1 + rho) k) rho^k R: the bound, prefactor included, is tight
    x0 = V_MAX * 2.0
    p = calcopt.predict(QUAD, momentum="heavy_ball", x0=x0)
    run = calcopt.gd(QUAD, x0, momentum="heavy_ball", iters=40, tol=0)
    dist = np.linalg.norm(run.xs, axis=1)
    k = np.arange(len(dist))
    assert p.tight
    np.testing.assert_allclose(dist, p.bound(k), rtol=1e-9)
    assert dist[1] > dist[0] * p.rate           # the prefactor is really there
