"""Dask data in g.value / grad / jvp / vjp / hvp / hess: equal to the in-memory computation on
the same samples, validated lazily, failures as calcopt errors; no dask import without it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt import ComputeError, DataError

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

w0, w1, a, b = sp.symbols("w0 w1 a b")
# logistic regression with an offset and a ridge term: every output depends on the data
G = calcopt.compile(sp.log(1 + sp.exp(-b * (w0 * a + w1))) + w0**2 / 10, wrt=[w0, w1],
                    params=[a, b])
RNG = np.random.default_rng(7)
N = 1003  # chunks of 100 leave a short last chunk
A = RNG.normal(size=N)
B = np.where(RNG.random(N) < 1 / (1 + np.exp(-2 * A)), 1.0, -1.0)
X = np.stack([A, B], axis=1)
P = np.array([0.3, -0.2])


def forms():
    """The same samples as the three accepted dask forms, in chunks of 100 rows."""
    return {
        "dict": {a: da.from_array(A, chunks=100), "b": da.from_array(B, chunks=100)},
        "array": da.from_array(X, chunks=(100, 1)),  # column chunks are merged
        "frame": dd.from_pandas(pd.DataFrame({"b": B, "a": A, "extra": A}), npartitions=4),
    }


def close(u, v, rtol=1e-12):
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    assert u.shape == v.shape
    np.testing.assert_allclose(u, v, rtol=rtol, atol=0)


@pytest.mark.parametrize("form", ["dict", "array", "frame"])
def test_value_gradient_and_products_equal_numpy(form):
    data = forms()[form]
    close(G.value(P, data=data), G.value(P, data=X))
    close(G.grad(P, data=data), G.grad(P, data=X))
    close(G.hvp(P, [1.0, 2.0], data=data), G.hvp(P, [1.0, 2.0], data=X))
    close(G.hess(P, data=data), G.hess(P, data=X))
    close(G.vjp(P, 2.0, data=data)[1], G.vjp(P, 2.0, data=X)[1])
    value, tangent = G.jvp(P, [1.0, -3.0], data=data)
    ref_value, ref_tangent = G.jvp(P, [1.0, -3.0], data=X)
    close(value, ref_value)
    close(tangent, ref_tangent)


def test_a_batch_of_points_is_one_pass_and_equal():
    pts = np.array([[0.3, -0.2], [1.0, 2.0], [0.0, 0.0]])
    close(G.value(pts, data=forms()["dict"]), G.value(pts, data=X))
    close(G.grad(pts, data=forms()["array"]), G.grad(pts, data=X))


def test_the_mean_is_of_the_samples_in_every_chunk():
    # (w - a)^2: its mean over 0..9 at w = 0 is 28.5, whatever the chunking
    w, c = sp.symbols("w c")
    g = calcopt.compile((w - c) ** 2, wrt=[w], params=[c])
    for chunks in (1, 3, 10):
        assert g.value([0.0], data={c: da.arange(10.0, chunks=chunks)}) == pytest.approx(28.5)


def test_gradient_of_data_independent_outputs():
    # d/dw1 of w1**2 does not depend on the data: the mean of a constant is that constant
    g = calcopt.compile(w0 * a + w1**2, wrt=[w0, w1], params=[a])
    close(g.grad([1.0, 3.0], data={a: da.from_array(A, chunks=100)}), [A.mean(), 6.0])


def test_nonfinite_samples_give_ieee_values_like_numpy():
    w, c = sp.symbols("w c")
    g = calcopt.compile(sp.log(c) * w, wrt=[w], params=[c])
    C = np.array([1.0, 2.0, -1.0, 3.0])
    assert np.isnan(g.value([1.0], data={c: da.from_array(C, chunks=2)}))
    assert np.isnan(g.value([1.0], data={c: C}))


@pytest.mark.parametrize("chunks", [1, 3, 4, 10])
def test_a_nonfinite_sample_is_a_data_error_naming_it(chunks):
    # regression: a nan sample made the dask mean nan without a word, like calcopt.data.points.as_data did
    w, c, e = sp.symbols("w c e")
    g = calcopt.compile((w * e - c) ** 2, wrt=[w], params=[e, c])
    C, E = np.arange(10.0), np.ones(10)
    C[7], E[8] = np.nan, np.inf          # e comes first in params: its sample 8 is named
    data = {c: da.from_array(C, chunks=chunks), e: da.from_array(E, chunks=chunks)}
    message = (r"^data\[e\] has a non-finite value inf at sample 8; every sample must be a "
               r"finite number$")
    for call in (lambda: g.value([1.0], data=data), lambda: g.grad([1.0], data=data),
                 lambda: calcopt.gd(g, [0.0], step=0.1, data=data),
                 lambda: calcopt.sgd(g, [0.0], data, batch_size=1, step=0.1)):
        with pytest.raises(DataError, match=message):
            call()
    with pytest.raises(DataError, match=message):   # the same message as in memory
        g.value([1.0], data={c: C, e: E})
    E[8] = 1.0
    with pytest.raises(DataError, match=r"data\[c\] has a non-finite value nan at sample 7"):
        g.value([1.0], data={c: da.from_array(C, chunks=chunks), e: E})


def test_a_nonfinite_sample_in_a_dataframe_of_unknown_partition_sizes():
    frame = pd.DataFrame({"a": A, "b": B})
    frame.loc[905, "b"] = np.nan
    with pytest.raises(DataError, match=r"data\[b\] has a non-finite value nan at sample 905"):
        G.value(P, data=dd.from_pandas(frame, npartitions=4))


def test_sgd_batches_from_a_chunk_with_a_nonfinite_sample_are_refused():
    # record_every=0: no full pass ever runs, the chunks are checked as they are loaded
    w, c = sp.symbols("w c")
    g = calcopt.compile((w - c) ** 2 / 2, wrt=[w], params=[c])
    C = np.arange(12.0)
    C[10] = np.nan
    with pytest.raises(DataError, match=r"data\[c\] has a non-finite value nan at sample 10"):
        calcopt.sgd(g, [0.0], {c: da.from_array(C, chunks=4)}, batch_size=2, step=0.1,
                    record_every=0, seed=0)


def test_clean_data_is_still_one_pass_per_mean(monkeypatch):
    from calcopt.data import lazy as daskdata
    calls = []
    real = daskdata.DaskData.compute
    monkeypatch.setattr(daskdata.DaskData, "compute",
                        lambda self, obj: calls.append(1) or real(self, obj))
    close(G.value(P, data=forms()["dict"]), G.value(P, data=X))
    assert len(calls) == 1


def test_compute_error_is_a_calcopt_runtime_error():
    assert issubclass(ComputeError, calcopt.CalcoptError) and issubclass(ComputeError, RuntimeError)


# --- bad input -------------------------------------------------------------------------------


def test_unequal_chunks_across_params():
    with pytest.raises(DataError, match="equal lengths and equal chunks"):
        G.value(P, data={a: da.from_array(A, chunks=100), b: da.from_array(B, chunks=200)})


def test_unequal_lengths():
    with pytest.raises(DataError, match="equal lengths"):
        G.value(P, data={a: da.from_array(A, chunks=100), b: da.from_array(B[:-1], chunks=100)})


def test_missing_and_non_numeric_columns():
    frame = dd.from_pandas(pd.DataFrame({"a": A, "c": B}), npartitions=2)
    with pytest.raises(DataError, match=r"no columns \['b'\]"):
        G.value(P, data=frame)
    frame = dd.from_pandas(pd.DataFrame({"a": A, "b": ["x"] * N}), npartitions=2)
    with pytest.raises(DataError, match="must be numeric"):
        G.value(P, data=frame)
    with pytest.raises(DataError, match="real numbers"):
        G.value(P, data={a: da.from_array(A > 0, chunks=100), b: da.from_array(B, chunks=100)})


def test_wrong_shapes_and_missing_params():
    with pytest.raises(DataError, match=r"shape \(N, 2\)"):
        G.value(P, data=da.ones((10, 3), chunks=5))
    with pytest.raises(DataError, match="1-D"):
        G.value(P, data={a: da.ones((10, 2), chunks=5), b: da.ones(10, chunks=5)})
    with pytest.raises(DataError, match=r"missing data for params \['b'\]"):
        G.value(P, data={a: da.ones(10, chunks=5)})
    with pytest.raises(DataError, match="no samples"):
        G.value(P, data=da.ones((0, 2), chunks=5))


def test_unknown_chunk_sizes_in_a_dict_are_refused():
    frame = dd.from_pandas(pd.DataFrame({"a": A, "b": B}), npartitions=2)
    with pytest.raises(DataError, match="unknown chunk sizes"):
        G.value(P, data={a: frame["a"].to_dask_array(), b: frame["b"].to_dask_array()})


def test_a_failed_read_is_a_compute_error_not_a_partial_mean(tmp_path):
    from dask import delayed
    good = da.from_array(X[:500], chunks=(100, 2))
    lost = da.from_delayed(delayed(np.load)(str(tmp_path / "missing.npy")), (503, 2), float)
    with pytest.raises(ComputeError, match="FileNotFoundError"):
        G.grad(P, data=da.concatenate([good, lost]))


def test_no_dask_import_for_in_memory_data():
    code = ("import sys, numpy as np, sympy as sp, calcopt\n"
            "w, c = sp.symbols('w c')\n"
            "g = calcopt.compile((w - c)**2, wrt=[w], params=[c])\n"
            "d = {c: np.arange(5.0)}\n"
            "g.value([1.0], data=d); g.grad([1.0], data=d)\n"
            "calcopt.gd(g, [0.0], data=d, iters=3); calcopt.sgd(g, [0.0], d, batch_size=2)\n"
            "print([m for m in sys.modules if m == 'dask' or m.startswith('dask.')])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_without_dask_load_data_says_what_to_install(tmp_path):
    np.save(tmp_path / "x.npy", X)
    code = ("import sys; sys.modules['dask'] = None; sys.modules['dask.array'] = None\n"
            "import calcopt\n"
            "try:\n"
            f"    calcopt.load_data({str(tmp_path / 'x.npy')!r}, params=['a', 'b'])\n"
            "except calcopt.MissingDependencyError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'pip install "calcopt[dask]"' in out.stdout
