"""calcopt.sgd and calcopt.minibatch_variance: sampling, recording, reproducibility, variance."""

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.codegen.program import sample_means
from calcopt.errors import DataError, OptionError, PointError

w, v, a, b, c = sp.symbols("w v a b c")
MEAN = calcopt.compile((w - a)**2 / 2, wrt=[w], params=[a])      # x* = mean of a
RNG = np.random.default_rng(7)
DATA = RNG.normal(size=50)


def lstsq(N=2000, sigma=0.5, seed=3):
    """Least squares with Gaussian noise of known sigma: f_i = (a_i w + b_i v - c_i)^2 / 2."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 2))
    cc = X @ [2.0, -1.0] + sigma*rng.normal(size=N)
    g = calcopt.compile((a*w + b*v - c)**2 / 2, wrt=[w, v], params=[a, b, c])
    return g, np.column_stack([X, cc])


def test_step_one_on_the_mean_reveals_the_sampled_batches():
    # with B = 1 and step 1, x_{k+1} = a_i: the trajectory is the sequence of samples drawn
    run = calcopt.sgd(MEAN, [0.0], {a: DATA}, batch_size=1, step=1.0, epochs=2, seed=0,
                      record_every=1)
    first, second = run.xs[1:51, 0], run.xs[51:101, 0]
    # x - (x - a_i) is a_i up to one rounding
    np.testing.assert_allclose(np.sort(first), np.sort(DATA), rtol=0, atol=1e-14)  # a permutation
    np.testing.assert_allclose(np.sort(second), np.sort(DATA), rtol=0, atol=1e-14)  # each epoch
    assert not np.allclose(first, second)
    rep = calcopt.sgd(MEAN, [0.0], {a: DATA}, batch_size=1, step=1.0, epochs=2, seed=0,
                      record_every=1, replace=True)
    picked = np.abs(rep.xs[1:51, :] - DATA).argmin(axis=1)
    assert np.allclose(rep.xs[1:51, 0], DATA[picked], atol=1e-14)
    assert len(set(picked)) < 50                                  # draws repeat


def test_reproducible_and_data_forms_agree():
    g, D = lstsq(N=300)
    runs = [calcopt.sgd(g, [0.0, 0.0], data, batch_size=10, step=0.05, epochs=3, seed=42)
            for data in (D, {a: D[:, 0], b: D[:, 1], c: D[:, 2]},
                         {"a": D[:, 0], "b": D[:, 1], "c": D[:, 2]})]
    for r in runs[1:]:
        assert np.array_equal(r.xs, runs[0].xs) and np.array_equal(r.f, runs[0].f)
    other = calcopt.sgd(g, [0.0, 0.0], D, batch_size=10, step=0.05, epochs=3, seed=43)
    assert not np.array_equal(other.x, runs[0].x)


def test_one_vectorised_call_per_step(monkeypatch):
    g, D = lstsq(N=300)
    prog = sample_means(g, "gradient")
    calls = []
    original = prog.function

    def counted(x, batch):
        calls.append(len(batch[0]))
        return original(x, batch)

    monkeypatch.setattr(prog, "function", counted)
    run = calcopt.sgd(g, [0.0, 0.0], D, batch_size=16, step=0.05, iters=37, seed=1)
    assert len(calls) == run.iters == 37 and set(calls) == {16}


def test_recording_schedule():
    g, D = lstsq(N=300)
    run = calcopt.sgd(g, [0.0, 0.0], D, batch_size=32, step=0.05, epochs=3, seed=1)
    assert run.recorded.tolist() == [0, 9, 18, 27]          # N // B = 9 steps per epoch
    np.testing.assert_allclose(run.f, g.value(run.xs, data=D))
    np.testing.assert_allclose(run.grad_norm, np.linalg.norm(g.grad(run.xs, data=D), axis=1))
    assert run.steps.shape == (27,)
    some = calcopt.sgd(g, [0.0, 0.0], D, batch_size=32, step=0.05, iters=20, record_every=7, seed=1)
    assert some.recorded.tolist() == [0, 7, 14, 20]
    none = calcopt.sgd(g, [0.0, 0.0], D, batch_size=32, step=0.05, iters=20, record_every=0, seed=1)
    assert none.f.size == 0 and none.xs.shape == (0, 2) and none.iters == 20
    assert np.array_equal(none.x, some.x)


def test_inverse_schedule_steps():
    g, D = lstsq(N=300)
    run = calcopt.sgd(g, [0.0, 0.0], D, batch_size=10, schedule="inverse", beta=2.0, gamma=3.0,
                      iters=12, seed=0)
    np.testing.assert_allclose(run.steps, 2.0 / (3.0 + np.arange(1, 13)))


def test_divergence_stops_with_finite_values():
    g, D = lstsq(N=300)
    run = calcopt.sgd(g, [0.0, 0.0], D, batch_size=10, step=50.0, iters=10**5, seed=0)
    assert run.diverged and run.iters < 10**5 and np.isfinite(run.x).all()
    assert np.isfinite(run.f).all() and np.array_equal(run.x, run.xs[-1])


def test_plateau_matches_the_noise_floor_and_scales_as_one_over_b():
    g, D = lstsq()
    plateaus, floors = [], []
    for B in (1, 8):
        pred = calcopt.predict(g, method="sgd", step=0.05, batch_size=B, data=D,
                               x0=[0.0, 0.0], replace=True)
        runs = [calcopt.sgd(g, [0.0, 0.0], D, batch_size=B, step=0.05, iters=3000, seed=s,
                            replace=True, record_every=20) for s in range(4)]
        chk = calcopt.check(runs, pred)
        assert chk.holds, chk.verdict
        assert 0.1 < chk.plateau_ratio < 10, chk.verdict       # the order of magnitude
        plateaus.append(chk.plateau)
        floors.append(pred.floor)
    assert floors[0] / floors[1] == pytest.approx(8)
    assert 4 < plateaus[0] / plateaus[1] < 16                    # ~ 1/B


@pytest.mark.parametrize("replace", [True, False])
def test_minibatch_variance_matches_sigma2_over_b(replace):
    g, D = lstsq(N=60)
    mv = calcopt.minibatch_variance(g, D, [1.0, 0.5], [1, 5, 20, 45], samples=3000, seed=1,
                                    replace=replace)
    assert np.all(np.abs(mv.ratio - 1) < 4*mv.rel_se + 0.02), mv
    # the finite-population correction matters without replacement: B = 45 of N = 60
    fpc = (60 - 45) / 59
    if not replace:
        assert mv.predicted[-1] == pytest.approx(mv.sigma2 / 45 * fpc)
        assert mv.measured[-1] < 0.5 * mv.sigma2 / 45
    assert np.all(mv.seconds_per_sample > 0) and "sigma^2/B" in mv.table()
    per = np.array([g.grad([1.0, 0.5], data=D[i:i + 1]) for i in range(60)])
    assert mv.sigma2 == pytest.approx(((per - per.mean(0))**2).sum(1).mean(), rel=1e-12)


def test_minibatch_variance_at_b_equal_n_is_exact_not_inf():
    # regression: without replacement a batch of all N samples has variance 0, predicted 0,
    # and the ratio was printed as inf (rounding / 0)
    g, D = lstsq(N=40)
    mv = calcopt.minibatch_variance(g, D, [1.0, 0.5], [5, 40], samples=200, seed=0)
    assert mv.predicted[1] == 0 and 0 <= mv.measured[1] < 1e-20 * mv.sigma2
    assert np.isnan(mv.ratio[1]) and np.isnan(mv.rel_se[1]) and np.isfinite(mv.ratio[0])
    last = mv.table().splitlines()[-1]
    assert last.split()[0] == "40" and "exact (B = N)" in last and "inf" not in repr(mv)
    with_replacement = calcopt.minibatch_variance(g, D, [1.0, 0.5], [40], samples=2000, seed=0,
                                                  replace=True)
    assert abs(with_replacement.ratio[0] - 1) < 0.15 and "exact" not in with_replacement.table()
    constant = calcopt.compile(w**2 / 2 + 0 * a, wrt=[w], params=[a])   # sigma^2 = 0
    flat = calcopt.minibatch_variance(constant, {a: DATA}, [1.0], [1, 50], samples=10, seed=0)
    assert flat.sigma2 == 0 and np.isnan(flat.ratio).all()
    assert "exact (sigma^2 = 0)" in flat.table() and "exact (B = N)" in flat.table()


@pytest.mark.parametrize("kw, error, words", [
    ({"batch_size": 0}, OptionError, "batch_size"),
    ({"batch_size": 301}, OptionError, "larger than"),
    ({"batch_size": 2.5}, OptionError, "batch_size"),
    ({"step": -0.1}, OptionError, "positive"),
    ({"iters": 5, "epochs": 2}, OptionError, "not both"),
    ({"schedule": "cosine"}, OptionError, "schedule"),
    ({"schedule": "inverse", "step": 0.1}, OptionError, "beta"),
    ({"step": "0.1"}, OptionError, "step must be a positive finite number; got '0.1'"),
    ({"schedule": "inverse", "step": None, "beta": 1.0, "gamma": "5"}, OptionError,
     "gamma must be a finite number >= 0; got '5'"),
    ({"schedule": "inverse", "step": None, "beta": "1", "gamma": 5.0}, OptionError,
     "beta must be a positive finite number"),
    ({"batch_size": "10"}, OptionError, "batch_size must be an integer"),
    ({"x0": [0.0]}, PointError, "entries"),
    ({"data": {"a": [1.0, 2.0], "b": [1.0], "c": [1.0, 2.0]}}, DataError, "unequal"),
    ({"data": {"a": [1.0, 2.0], "b": [1.0, 3.0]}}, DataError, "missing"),
    ({"data": np.zeros((4, 2))}, DataError, "shape"),
])
def test_bad_input(kw, error, words):
    g, D = lstsq(N=300)
    args = {"data": D, "x0": [0.0, 0.0], "batch_size": 10, "step": 0.1} | kw
    with pytest.raises(error, match=words):
        calcopt.sgd(g, **args)


def test_nan_objective_at_x0_with_finite_data_says_what_it_is():
    # regression: this was an OptionError, as if an option were wrong; the data are finite
    g = calcopt.compile(sp.log(w * a) ** 2, wrt=[w], params=[a])
    with pytest.raises(PointError, match=r"not finite at x0 = \[1.0\]: x0 is outside the "
                                         r"domain .* the data are finite"):
        calcopt.sgd(g, [1.0], {a: [1.0, -2.0, 3.0]}, batch_size=1, step=0.1)
    with pytest.raises(DataError, match=r"data\[a\] has a non-finite value nan at sample 1"):
        calcopt.sgd(g, [1.0], {a: [1.0, np.nan, 3.0]}, batch_size=1, step=0.1)


def test_no_data_no_sgd():
    with pytest.raises(DataError, match="params"):
        calcopt.sgd(calcopt.compile(w**2), [1.0], {}, step=0.1)
    with pytest.raises(OptionError, match="batch_size"):
        calcopt.minibatch_variance(MEAN, {a: DATA}, [0.0], [0, 5])


def test_ctrl_c_returns_the_partial_sgd_run():
    import _thread
    import threading
    g, D = lstsq(N=300)
    calcopt.sgd(g, [0.0, 0.0], D, batch_size=10, step=0.01, iters=3, seed=0)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        run = calcopt.sgd(g, [0.0, 0.0], D, batch_size=10, step=0.01, iters=10**8, seed=0)
    finally:
        timer.cancel()
    assert run.explanation == "interrupted" and 0 < run.iters < 10**8
    assert run.recorded[-1] == run.iters and len(run.xs) == len(run.f) == len(run.recorded)
    assert np.array_equal(run.x, run.xs[-1]) and run.steps.shape == (run.iters,)


def test_the_old_argument_order_warns_and_gives_the_same_run():
    g, D = lstsq(N=300)
    kw = dict(batch_size=10, step=0.05, epochs=2, seed=5)
    new = calcopt.sgd(g, [0.0, 0.0], D, **kw)
    by_name = {"a": D[:, 0], "b": D[:, 1], "c": D[:, 2]}
    for old_call in (lambda: calcopt.sgd(g, D, [0.0, 0.0], **kw),
                     lambda: calcopt.sgd(g, D, x0=[0.0, 0.0], **kw),
                     lambda: calcopt.sgd(g, by_name, {"w": 0.0, "v": 0.0}, **kw),
                     lambda: calcopt.sgd(g, D, [0.0, 0.0], 10, 0.05, epochs=2, seed=5)):
        with pytest.warns(DeprecationWarning, match=r"sgd\(g, x0, data, \.\.\.\)"):
            old = old_call()
        assert np.array_equal(old.xs, new.xs) and old.method == new.method
    for same in (calcopt.sgd(g, data=D, x0=[0.0, 0.0], **kw),       # keywords: no warning
                 calcopt.sgd(g, {"w": 0.0, "v": 0.0}, by_name, **kw)):
        assert np.array_equal(same.xs, new.xs)


def test_sgd_signature_follows_gd():
    import inspect
    names = list(inspect.signature(calcopt.sgd).parameters)
    assert names[:3] == ["g", "x0", "data"]
    shared = set(names) & set(inspect.signature(calcopt.gd).parameters)
    assert {"g", "x0", "data", "step", "iters", "progress", "L", "mu", "beta", "client"} <= shared


@pytest.mark.parametrize("x0, data, error, words", [
    ([0.0, 0.0], [0.0, 0.0], DataError, r"data array must have shape \(N, 3\)"),
    ([0.0, 0.0], "samples.csv", DataError, "data must be real numbers"),
    ("D", "D", PointError, "x0 has 3 entries"),                      # data given twice
    ([[1.0, 2.0], [3.0]], [0.0, 0.0], DataError, "data array must have shape"),
    ({"w": 0.0}, "D", PointError, r"x0 is missing values for \['v'\]"),
    ([0.0, 0.0], {"w": [1.0], "v": [2.0]}, DataError, "data has unknown keys"),
])
def test_a_bad_call_is_a_calcopt_error_about_x0_or_data(x0, data, error, words):
    g, D = lstsq(N=50)
    x0, data = (D if v == "D" else v for v in (x0, data))
    with pytest.raises(error, match=words):
        calcopt.sgd(g, x0, data, batch_size=5, step=0.1, iters=2)
