"""Plots of runs (convergence, contour, mini-batch variance) and the notebook tables."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.report.defaults import default_objective
from calcopt.optim.variance import predicted_variance

X, Y = sp.symbols("x y")


@pytest.fixture(scope="module")
def quad():
    f, wrt, _ = default_objective()                 # eigenvalues 2 and 200, x* = (1/2, 1/2)
    return calcopt.compile(f, wrt=wrt)


@pytest.fixture(scope="module")
def runs(quad):
    x0 = [-1.5, -1.1]
    return [calcopt.gd(quad, x0, iters=60, tol=0),
            calcopt.gd(quad, x0, iters=60, tol=1e-12, line_search="exact"),
            calcopt.gd(quad, x0, iters=60, tol=0, momentum="heavy_ball")]


@pytest.fixture(scope="module")
def regression():
    w0, w1, a, b = sp.symbols("w0 w1 a b")
    g = calcopt.compile((w0 * a + w1 - b) ** 2 / 2, wrt=[w0, w1], params=[a, b])
    rng = np.random.default_rng(0)
    A = rng.normal(2, 1, size=300)
    data = {a: A, b: 1.5 * A - 1 + 0.3 * rng.normal(size=300)}
    return g, data


def data_lines(ax):
    """The plotted lines (not the error-bar caps and other artists)."""
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def test_convergence_bound_line_is_the_prediction(quad, runs, tmp_path):
    p = calcopt.predict(quad, x0=[-1.5, -1.1])
    path = tmp_path / "conv.png"
    fig = calcopt.plot_convergence(runs[0], p, path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert ax.get_xlabel() == "iteration k" and "f^\\star" in ax.get_ylabel()
    assert ax.get_yscale() == "log" and ax.get_title()
    run_line, bound_line, classical = data_lines(ax)
    k = bound_line.get_xdata()
    assert k[0] == 0 and k[-1] == runs[0].recorded[-1]
    np.testing.assert_array_equal(bound_line.get_ydata(), p.bound(k))
    assert "0.9801" in bound_line.get_label() and "Taylor" in bound_line.get_label()
    np.testing.assert_array_equal(classical.get_ydata(), p.classical.bound(k))
    # the run's line: f - f* at the recorded iterations (exactly what check() measures)
    np.testing.assert_array_equal(run_line.get_xdata(), runs[0].recorded)
    np.testing.assert_allclose(run_line.get_ydata(), calcopt.check(runs[0], p).error)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0].startswith("gd, fixed step 1/L") and len(labels) == 3


def test_convergence_one_line_per_run_and_bounds_per_run(quad, runs, tmp_path):
    preds = [calcopt.predict(quad, x0=[-1.5, -1.1]),
             calcopt.predict(quad, x0=[-1.5, -1.1], line_search="exact"), None]
    fig = calcopt.plot_convergence(runs, preds, labels=["a", "b <c>", "d"],
                                   path=tmp_path / "c.svg")
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    lines = data_lines(fig.axes[0])
    assert [ln.get_label() for ln in lines[:3]] == ["a", "b <c>", "d"]
    exact_bound = lines[5]                          # after gd's tight and classical bounds
    np.testing.assert_array_equal(exact_bound.get_ydata(),
                                  preds[1].bound(exact_bound.get_xdata()))
    assert exact_bound.get_color() == lines[1].get_color()   # a bound in its run's colour


def test_convergence_quantity_and_errors(quad, runs):
    with pytest.raises(calcopt.OptionError, match="bounds 'f_gap', not 'distance'"):
        calcopt.plot_convergence(runs[0], calcopt.predict(quad, x0=[-1.5, -1.1]),
                                 quantity="distance")
    fig = calcopt.plot_convergence(runs, x_star=[0.5, 0.5])      # distance by default
    (first, *_) = data_lines(fig.axes[0])
    np.testing.assert_allclose(first.get_ydata(),
                               np.linalg.norm(runs[0].xs - [0.5, 0.5], axis=1))
    fig = calcopt.plot_convergence(runs)                          # nothing known: grad norm
    assert "nabla" in fig.axes[0].get_ylabel()
    with pytest.raises(calcopt.OptionError, match="does not apply"):
        calcopt.plot_convergence(runs[0], calcopt.predict(quad, step=0.02, x0=[0, 0]))
    with pytest.raises(calcopt.OptionError, match="one per run"):
        calcopt.plot_convergence(runs, [None])
    with pytest.raises(calcopt.OptionError, match="image format"):
        calcopt.plot_convergence(runs, path="plot.nope")
    with pytest.raises(calcopt.OptionError, match="Run"):
        calcopt.plot_convergence([1, 2])


def test_convergence_of_a_rate_check_for_sgd(regression):
    g, data = regression
    p = calcopt.predict(g, "sgd", step=0.05, batch_size=8, data=data, x0=[0.0, 0.0])
    rs = [calcopt.sgd(g, [0.0, 0.0], data, batch_size=8, step=0.05, epochs=4, seed=s,
                      record_every=10) for s in range(4)]
    c = calcopt.check(rs, p)
    ax = calcopt.plot_convergence(rs, c).axes[0]
    measured, bound = data_lines(ax)[:2]
    assert measured.get_label() == "measured (mean of 4 runs)"
    np.testing.assert_array_equal(measured.get_ydata(), c.error)
    np.testing.assert_array_equal(bound.get_ydata(), c.bound)
    floor = data_lines(ax)[2]
    assert floor.get_ydata()[0] == pytest.approx(p.floor)
    # with the Prediction instead: one line per seed, and the bound
    lines = data_lines(calcopt.plot_convergence(rs, p).axes[0])
    assert len(lines) == 4 + 2
    assert lines[3].get_label().endswith("seed 3")         # same method: seeds tell apart
    np.testing.assert_array_equal(lines[4].get_ydata(), p.bound(lines[4].get_xdata()))


def test_contour_has_the_trajectories_and_the_minimiser(quad, runs, tmp_path):
    path = tmp_path / "contour.pdf"
    fig = calcopt.plot_contour(quad, runs, arrows=True, path=path)
    assert path.read_bytes()[:4] == b"%PDF"
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    paths = [ln for ln in ax.get_lines() if "points" in ln.get_label()]
    assert len(paths) == 3
    for ln, run in zip(paths, runs):
        np.testing.assert_array_equal(np.c_[ln.get_xdata(), ln.get_ydata()], run.xs)
    star = [ln for ln in ax.get_lines() if ln.get_label().startswith("minimiser")]
    assert len(star) == 1 and (star[0].get_xdata()[0], star[0].get_ydata()[0]) == (0.5, 0.5)
    # the box holds every trajectory point
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    pts = np.concatenate([r.xs for r in runs])
    assert x0 < pts[:, 0].min() and pts[:, 0].max() < x1
    assert y0 < pts[:, 1].min() and pts[:, 1].max() < y1
    # arrows: unit directions of -grad f
    quiver = [c for c in ax.collections if type(c).__name__ == "Quiver"][0]
    G = quad.grad(quiver.XY)
    np.testing.assert_allclose(quiver.U, -G[:, 0] / np.linalg.norm(G, axis=1))


def test_contour_levels_are_log_spaced_above_the_minimum(quad):
    fig = calcopt.plot_contour(quad, box=((-1, 2), (-1, 2)), levels=12)
    filled = fig.axes[0].collections[0]
    gaps = np.diff(np.asarray(filled.levels))[1:]
    np.testing.assert_allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0], rtol=1e-9)
    assert len(filled.levels) == 12 and filled.levels[0] <= 1e-3   # f* = 0 is on the grid
    fig = calcopt.plot_contour(quad, box="x=-1:2, y=-1:2", levels=[0.5, 1, 4])
    np.testing.assert_array_equal(fig.axes[0].collections[0].levels, [0.5, 1, 4])
    assert fig.axes[0].get_xlim() == (-1, 2)


def test_contour_of_a_data_mean_with_sgd(regression):
    g, data = regression
    r = calcopt.sgd(g, [0.0, 0.0], data, batch_size=8, step=0.05, epochs=2, seed=0,
                    record_every=5)
    fig = calcopt.plot_contour(g, [r], arrows=True, resolution=60)
    ln = [ln for ln in fig.axes[0].get_lines() if "points" in ln.get_label()][0]
    np.testing.assert_array_equal(ln.get_xdata(), r.xs[:, 0])
    filled = fig.axes[0].collections[0]
    assert filled.levels[0] == pytest.approx(g.value(_grid_argmin(g, data, fig), data=data))


def _grid_argmin(g, data, fig):
    (x0, x1), (y0, y1) = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
    X, Y = np.meshgrid(np.linspace(x0, x1, 60), np.linspace(y0, y1, 60))
    P = np.stack([X, Y], -1).reshape(-1, 2)
    return P[np.argmin(g.value(P, data=data))]


def test_contour_bad_input(quad):
    with pytest.raises(calcopt.OptionError, match="exactly two variables"):
        calcopt.plot_contour(calcopt.compile(X ** 2))
    with pytest.raises(calcopt.OptionError, match="lo < hi"):
        calcopt.plot_contour(quad, box=((1, 0), (0, 1)))
    with pytest.raises(calcopt.OptionError, match="no range for"):
        calcopt.plot_contour(quad, box={"x": (0, 1)})
    with pytest.raises(calcopt.OptionError, match="not finite anywhere"):
        calcopt.plot_contour(calcopt.compile(sp.log(-X * X - 1) + Y))
    w, a = sp.symbols("w a")
    with pytest.raises(calcopt.OptionError, match="pass data="):
        calcopt.plot_contour(calcopt.compile((w - a) ** 2 + X, wrt=[w, X], params=[a]))


def test_variance_plot_has_the_sigma2_over_B_line(regression, tmp_path):
    g, data = regression
    for replace in (True, False):
        mv = calcopt.minibatch_variance(g, data, [0.0, 0.0], [1, 4, 16, 64], samples=300,
                                        seed=0, replace=replace)
        fig = calcopt.plot_variance(mv, path=tmp_path / "v.png")
        ax = fig.axes[0]
        assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
        assert ax.get_xlabel() == "batch size B" and "variance" in ax.get_ylabel()
        line = data_lines(ax)[0]
        B = line.get_xdata()
        assert B[0] == 1 and B[-1] == 64
        np.testing.assert_allclose(line.get_ydata(),
                                   predicted_variance(mv.sigma2, B, mv.N, replace))
        assert len(data_lines(ax)) == (1 if replace else 2)     # plain sigma^2/B beside
        points = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"][0]
        np.testing.assert_array_equal(points.lines[0].get_ydata(), mv.measured)
    with pytest.raises(calcopt.OptionError, match="minibatch_variance"):
        calcopt.plot_variance([1, 2])


def test_repr_html_escapes_and_shows_the_fields(quad, runs, regression):
    run = runs[0]
    page = run._repr_html_()
    for name in ("x", "xs", "f", "grad_norm", "iters", "converged", "method", "explanation"):
        assert f">{name}</th>" in page
    assert "array of shape (61, 2)" in page and "(61 values)" in page
    evil = calcopt.Run(x=np.zeros(1), xs=np.zeros((1, 1)), f=np.zeros(1),
                       grad_norm=np.zeros(1), steps=np.zeros(0), recorded=np.zeros(1, int),
                       iters=0, converged=False, diverged=False, explanation="<b>&",
                       method="<script>alert(1)</script>", time=0.0)
    page = evil._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;&amp;" in page
    p = calcopt.predict(quad, x0=[-1.5, -1.1])
    page = p._repr_html_()
    assert ">rate</th>" in page and "0.9801" in page and ">source</th>" in page
    assert "_bound" not in page
    page = calcopt.check(run, p)._repr_html_()
    assert ">measured_rate</th>" in page and ">verdict</th>" in page
    page = calcopt.conditioning(quad)._repr_html_()
    assert ">kappa</th>" in page and ">100</td>" in page
    page = calcopt.argmin(quad)._repr_html_()
    assert ">(1/2, 1/2)  (~ (0.5, 0.5))</td>" in page
    page = calcopt.convexity(quad)._repr_html_()
    assert ">is_convex</th>" in page and ">explanation</th>" in page
    mv = calcopt.minibatch_variance(*regression, [0.0, 0.0], [1, 4], samples=50, seed=0)
    page = mv._repr_html_()
    assert ">sigma2</th>" in page and ">ratio</th>" in page
    page = calcopt.stationary_points(quad)._repr_html_()
    assert "kind=&#x27;minimum&#x27;" in page and ">complete</th>" in page
