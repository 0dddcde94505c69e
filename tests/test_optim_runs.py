"""calcopt.gd and the Run result: trajectories, stopping, divergence, export, bad input."""

import _thread
import csv
import json
import math
import threading

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.errors import OptionError, PointError, ShapeError

x, y, z = sp.symbols("x y z")
ROSEN = calcopt.compile((1 - x)**2 + 100*(y - x**2)**2)
Q = sp.Matrix([[sp.Rational(3, 5), -sp.Rational(4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
A = Q * sp.diag(1, 10) * Q.T                     # eigenvalues 1 and 10, rational entries
QUAD = calcopt.compile((sp.Matrix([x, y]).T * A * sp.Matrix([x, y]))[0] / 2)
AN = np.array(A, dtype=float)


def rosen_grad(a, b):
    t = b - a*a
    return -2*(1 - a) - 400*a*t, 200*t


def test_fixed_step_matches_a_hand_written_loop():
    run = calcopt.gd(ROSEN, [-1.2, 1.0], step=1e-3, iters=500, tol=0)
    a, b = -1.2, 1.0
    traj = [(a, b)]
    for _ in range(500):
        ga, gb = rosen_grad(a, b)
        a, b = a - 1e-3*ga, b - 1e-3*gb
        traj.append((a, b))
    np.testing.assert_allclose(run.xs, traj, rtol=1e-12)
    assert run.iters == 500 and run.xs.shape == (501, 2)
    assert run.f.shape == run.grad_norm.shape == (501,) and run.steps.shape == (500,)
    np.testing.assert_allclose(run.f, ROSEN.value(run.xs), rtol=1e-14)
    np.testing.assert_allclose(run.grad_norm, np.linalg.norm(ROSEN.grad(run.xs), axis=1))
    assert run.recorded.tolist() == list(range(501)) and not run.converged and not run.diverged
    assert np.array_equal(run.x, run.xs[-1])


def test_quadratic_iterates_are_matrix_powers():
    s = 0.15
    run = calcopt.gd(QUAD, [1.0, -2.0], step=s, iters=30, tol=0)
    M = np.eye(2) - s*AN
    expected = [np.linalg.matrix_power(M, k) @ [1.0, -2.0] for k in range(31)]
    np.testing.assert_allclose(run.xs, expected, rtol=1e-10, atol=1e-14)


def test_tol_stops_and_tol_zero_runs_all_iterations():
    run = calcopt.gd(QUAD, [1.0, 1.0], step=0.1, tol=1e-6)
    assert run.converged and run.grad_norm[-1] <= 1e-6 < run.grad_norm[-2]
    assert "tol" in run.explanation
    full = calcopt.gd(QUAD, [1.0, 1.0], step=0.1, tol=0, iters=400)
    assert full.iters == 400 and not full.converged


def test_divergence_above_two_over_L_stops_with_finite_values():
    run = calcopt.gd(QUAD, [1.0, 1.0], step=0.21, iters=100000)   # 2/L = 0.2
    assert run.diverged and not run.converged and "diverged" in run.explanation
    assert run.iters < 100000
    assert np.isfinite(run.xs).all() and np.isfinite(run.f).all() and np.isfinite(run.x).all()
    assert np.array_equal(run.x, run.xs[-1])
    assert run.f[-1] > 1e200        # it really grew: geometric growth until overflow


@pytest.mark.parametrize("kw", [{}, {"line_search": "armijo", "step": 2.0}])
def test_leaving_the_domain_keeps_the_last_defined_iterate(kw):
    g = calcopt.compile(x**2 - sp.log(x))
    run = calcopt.gd(g, [0.5], **({"step": 3.0} | kw))
    if kw:                               # backtracking never accepts an undefined point
        assert not run.diverged and run.x[0] > 0
    else:
        # 0.5 -> 3.5 -> -16.6, where log is undefined: the run keeps 3.5
        assert run.diverged and run.iters == 1 and run.x.tolist() == [3.5]


def test_overflow_in_the_math_code_is_divergence():
    g = calcopt.compile(x**4)
    run = calcopt.gd(g, [10.0], step=1.0, iters=50)
    assert run.diverged and np.isfinite(run.x).all() and len(run.xs) == run.iters + 1


def test_armijo_accepts_only_sufficient_decrease():
    run = calcopt.gd(ROSEN, [-1.2, 1.0], line_search="armijo", iters=300, tol=0,
                     armijo=(0.3, 0.5))
    dec = run.f[:-1] - 0.3*run.steps*run.grad_norm[:-1]**2
    assert np.all(run.f[1:] <= dec + 1e-12)
    assert run.method.startswith("gd, Armijo")
    assert set(np.round(np.log2(run.steps)).astype(int)) <= set(range(-30, 1))


def test_exact_line_search_closed_form_on_quadratics():
    run = calcopt.gd(QUAD, [1.0, 0.3], line_search="exact", iters=5, tol=0)
    for k in range(5):
        gk = AN @ run.xs[k]
        assert run.steps[k] == pytest.approx(gk @ gk / (gk @ AN @ gk), rel=1e-12)
        # the new gradient is orthogonal to the search direction
        assert abs((AN @ run.xs[k + 1]) @ gk) <= 1e-10 * (gk @ gk)
    assert "closed form" in run.method


def test_exact_line_search_by_1d_minimisation():
    g = calcopt.compile(x**4 + x*y + y**2)
    run = calcopt.gd(g, [1.0, 1.0], line_search="exact", iters=8, tol=0)
    assert "Brent" in run.method and np.all(np.diff(run.f) <= 0)
    grads = g.grad(run.xs)
    for k in range(8):   # consecutive gradients are (nearly) orthogonal at exact minimisers
        cos = grads[k] @ grads[k + 1] / (np.linalg.norm(grads[k]) * np.linalg.norm(grads[k + 1]))
        assert abs(cos) < 1e-3


def test_momentum_methods_follow_their_recurrences():
    s, b = 0.1, 0.5
    hb = calcopt.gd(QUAD, [1.0, 1.0], step=s, momentum="heavy_ball", beta=b, iters=20, tol=0)
    xs = [np.array([1.0, 1.0])] * 2
    for _ in range(20):
        xs.append(xs[-1] - s*AN @ xs[-1] + b*(xs[-1] - xs[-2]))
    np.testing.assert_allclose(hb.xs, xs[1:], rtol=1e-10, atol=1e-15)
    nv = calcopt.gd(QUAD, [1.0, 1.0], step=s, momentum="nesterov", beta=b, iters=20, tol=0)
    xs = [np.array([1.0, 1.0])] * 2
    for _ in range(20):
        yk = xs[-1] + b*(xs[-1] - xs[-2])
        xs.append(yk - s*AN @ yk)
    np.testing.assert_allclose(nv.xs, xs[1:], rtol=1e-10, atol=1e-15)
    fista = calcopt.gd(QUAD, [1.0, 1.0], step=s, momentum="nesterov", L=10, mu=0,
                       iters=200, tol=0)
    assert "FISTA" in fista.method and fista.f[-1] < 1e-6


def test_heavy_ball_default_parameters_are_optimal():
    run = calcopt.gd(QUAD, [1.0, 1.0], momentum="heavy_ball", L=10, mu=1, tol=1e-12)
    assert run.converged and run.info["step"] == pytest.approx(4/(math.sqrt(10) + 1)**2)
    assert run.info["beta"] == pytest.approx(((math.sqrt(10) - 1)/(math.sqrt(10) + 1))**2)


def test_full_gradient_descent_on_data():
    w, a = sp.symbols("w a")
    g = calcopt.compile((w - a)**2, wrt=[w], params=[a])
    data = {"a": [1.0, 2.0, 6.0]}
    run = calcopt.gd(g, [0.0], step=0.25, data=data)
    assert run.converged and run.x[0] == pytest.approx(3.0)
    np.testing.assert_allclose(run.f, g.value(run.xs, data=data))


def test_as_dict_and_csv(tmp_path):
    run = calcopt.gd(QUAD, {"x": 1.0, "y": 2.0}, step=0.05, iters=4, tol=0)
    d = run.as_dict()
    assert json.loads(json.dumps(d))["f"] == run.f.tolist() and d["wrt"] == ["x", "y"]
    path = tmp_path / "run.csv"
    run.to_csv(path)
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["iteration", "x", "y", "f", "grad_norm", "step"]
    assert len(rows) == 6 and rows[-1][-1] == ""
    assert np.allclose([float(v) for v in rows[2][1:3]], run.xs[1])
    assert float(rows[1][-1]) == 0.05
    text = repr(run)
    assert text.startswith("Run") and "explanation" in text and "method" in text


def test_progress_bar_gives_the_same_run(capsys):
    a = calcopt.gd(ROSEN, [-1.2, 1.0], step=1e-3, iters=300, tol=0, progress=True)
    b = calcopt.gd(ROSEN, [-1.2, 1.0], step=1e-3, iters=300, tol=0)
    assert np.array_equal(a.xs, b.xs)


@pytest.mark.parametrize("kw", [{"step": 1e-9}, {"step": 1e-9, "line_search": "armijo"}])
def test_ctrl_c_returns_the_partial_run(kw):
    calcopt.gd(QUAD, [1.0, 1.0], iters=3, **kw)          # code generated before the timer
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        run = calcopt.gd(QUAD, [1.0, 1.0], iters=10**9, tol=0, **kw)
    finally:
        timer.cancel()
    assert run.explanation == "interrupted" and 0 < run.iters < 10**9
    assert len(run.xs) == len(run.f) == len(run.grad_norm) == run.iters + 1
    assert np.isfinite(run.f).all()


@pytest.mark.parametrize("kw, error, words", [
    ({"x0": [1.0]}, PointError, "2 variables"),
    ({"x0": [1.0, 2.0, 3.0]}, PointError, "3 entries"),
    ({"x0": [1.0, math.nan]}, PointError, "finite"),
    ({"step": 0.0}, OptionError, "positive"),
    ({"step": -1.0}, OptionError, "positive"),
    ({"step": math.inf}, OptionError, "positive"),
    ({"step": math.nan}, OptionError, "positive"),
    ({"step": "big"}, OptionError, "positive"),
    # regression: float() read a numeric string or bytes, so these were silently accepted
    ({"step": "0.1"}, OptionError, r"step must be a positive finite number; got '0\.1'"),
    ({"step": b"0.1"}, OptionError, "positive finite number; got b'0.1'"),
    ({"step": True}, OptionError, "positive"),
    ({"tol": "1e-3"}, OptionError, "tol must be a number >= 0; got '1e-3'"),
    ({"tol": "a"}, OptionError, "tol must be a number"),
    ({"tol": math.nan}, OptionError, "tol must be a number"),
    ({"iters": "10"}, OptionError, "iters must be an integer"),
    ({"iters": 10.0}, OptionError, "iters must be an integer"),
    ({"line_search": np.array(["armijo"])}, OptionError, "line_search must be one of"),
    ({"armijo": ("0.25", 0.5), "line_search": "armijo"}, OptionError, "pair of numbers"),
    ({"L": "10"}, OptionError, "L must be a positive finite number"),
    ({"mu": "1", "momentum": "heavy_ball"}, OptionError, "mu must be a finite number"),
    ({"iters": -1}, OptionError, "iters"),
    ({"tol": -1.0}, OptionError, "tol"),
    ({"line_search": "wolfe"}, OptionError, "line_search"),
    ({"momentum": "adam"}, OptionError, "momentum"),
    ({"line_search": "armijo", "momentum": "nesterov"}, OptionError, "combined"),
    ({"line_search": "exact", "step": 0.1}, OptionError, "exact"),
    ({"armijo": (0.7, 0.5), "line_search": "armijo"}, OptionError, "alpha"),
    ({"momentum": "heavy_ball", "step": 0.1, "beta": 1.5}, OptionError, "beta"),
])
def test_bad_input(kw, error, words):
    args = {"x0": [1.0, 1.0], "step": 0.1} | kw
    with pytest.raises(error, match=words):
        calcopt.gd(QUAD, **args)


def test_sympy_and_numpy_numbers_are_accepted_as_options():
    ref = calcopt.gd(QUAD, [1.0, 1.0], step=0.1, iters=5, tol=0)
    for step in (sp.Rational(1, 10), sp.Float(0.1), np.float32(0.1), np.array(0.1)):
        run = calcopt.gd(QUAD, [1.0, 1.0], step=step, iters=5, tol=0)
        assert run.info["step"] == float(step)
        assert np.allclose(run.xs, ref.xs, rtol=1e-6)      # float32(0.1) is not 0.1 exactly
    exact = calcopt.gd(QUAD, [1.0, 1.0], step=sp.Rational(1, 10), iters=5, tol=sp.Integer(0),
                       line_search="armijo", armijo=(sp.Rational(1, 4), sp.Rational(1, 2)))
    assert exact.iters == 5 and exact.info["armijo"] == (0.25, 0.5)
    assert calcopt.gd(QUAD, [1.0, 1.0], iters=np.int64(3), tol=0, step=0.1).iters == 3


def test_vector_graph_and_undefined_start():
    with pytest.raises(ShapeError):
        calcopt.gd(calcopt.compile([x, y]), [1.0, 1.0], step=0.1)
    with pytest.raises(PointError, match="not finite at x0"):
        calcopt.gd(calcopt.compile(sp.log(x)), [-1.0], step=0.1)


@pytest.mark.parametrize("step", [0.05, 0.21])
def test_unchecked_blocks_give_the_same_run_as_checked_steps(step):
    # tol = 0 runs the loop without a per-step test (finiteness every 64 steps); a tiny
    # positive tol tests every step: the Runs must be identical, diverging or not
    a = calcopt.gd(QUAD, [1.0, 1.0], step=step, iters=5000, tol=0)
    b = calcopt.gd(QUAD, [1.0, 1.0], step=step, iters=5000, tol=1e-300)
    assert a.iters == b.iters and a.diverged == b.diverged and a.diverged == (step > 0.2)
    assert np.array_equal(a.xs, b.xs) and np.array_equal(a.f, b.f)
    assert np.array_equal(a.grad_norm, b.grad_norm) and np.array_equal(a.x, b.x)
