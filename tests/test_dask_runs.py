"""gd, sgd, minibatch_variance and predict on dask data: the in-memory results on the same
samples (same seed, same sampling on a single chunk), the chunk-shuffling scheme, persisting."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.data import lazy as daskdata
from calcopt.optim.chunked import chunk_batches, chunk_batches_per_epoch

da = pytest.importorskip("dask.array")

w0, w1, a, b = sp.symbols("w0 w1 a b")
LOGISTIC = calcopt.compile(sp.log(1 + sp.exp(-b * (w0 * a + w1))) + w0**2 / 10,
                           wrt=[w0, w1], params=[a, b])
LSQ = calcopt.compile((w0 * a + w1 - b) ** 2 / 2, wrt=[w0, w1], params=[a, b])
RNG = np.random.default_rng(3)
N = 1001
A = RNG.normal(size=N)
X = np.stack([A, 2 * A - 1 + RNG.normal(size=N)], axis=1)            # least squares
XL = np.stack([A, np.where(RNG.random(N) < 1 / (1 + np.exp(-2 * A)), 1.0, -1.0)], axis=1)


def close(u, v, rtol=1e-12, atol=0.0):
    np.testing.assert_allclose(np.asarray(u, float), np.asarray(v, float), rtol=rtol, atol=atol)


def one_chunk(M):
    return da.from_array(M, chunks=M.shape)


@pytest.mark.parametrize("kw", [dict(step=0.5), dict(line_search="armijo"),
                                dict(momentum="nesterov", step=0.5)])
def test_gd_trajectory_equals_numpy(kw):
    r1 = calcopt.gd(LOGISTIC, [0.3, -0.2], data=XL, iters=25, tol=0, **kw)
    r2 = calcopt.gd(LOGISTIC, [0.3, -0.2], data=da.from_array(XL, chunks=(150, 2)), iters=25,
                    tol=0, **kw)
    assert r1.method == r2.method and r2.iters == 25
    close(r2.xs, r1.xs, rtol=1e-12, atol=1e-15)
    close(r2.f, r1.f)


def test_gd_default_step_from_the_data_mean_hessian():
    r1 = calcopt.gd(LSQ, [0.0, 0.0], data=X, iters=40, tol=0)
    r2 = calcopt.gd(LSQ, [0.0, 0.0], data=da.from_array(X, chunks=(300, 2)), iters=40, tol=0)
    assert r2.method == r1.method and "data-mean Hessian" in r2.method
    close(r2.xs, r1.xs, rtol=1e-12, atol=1e-15)


def test_gd_is_one_pass_per_iteration(monkeypatch):
    calls = []
    real = daskdata.DaskData.compute
    monkeypatch.setattr(daskdata.DaskData, "compute",
                        lambda self, obj: calls.append(1) or real(self, obj))
    calcopt.gd(LOGISTIC, [0.3, -0.2], data=da.from_array(XL, chunks=(150, 2)), step=0.5,
               iters=10, tol=0)
    assert len(calls) == 12  # x0's check, then value and gradient at x0..x10: one pass each


def test_persisted_when_it_fits_streamed_otherwise(monkeypatch):
    lazy = daskdata.as_dask_data(da.random.default_rng(0).normal(size=(1000, 2), chunks=(100, 2)),
                                 [a, b])
    held = lazy.persisted()
    assert len(held.array.dask) == 10  # one in-memory piece per chunk, nothing left to compute
    close(held.array.compute(), lazy.array.compute(), rtol=0)
    monkeypatch.setattr(daskdata, "_physical_memory", lambda: 1000)
    assert lazy.persisted() is lazy


@pytest.mark.parametrize("replace", [False, True])
def test_sgd_on_a_single_chunk_equals_numpy(replace):
    # an explicit step: the default 1/L comes from a data-mean Hessian summed in another order
    kw = dict(batch_size=10, seed=5, epochs=3, replace=replace, record_every=40, step=0.05)
    r1 = calcopt.sgd(LSQ, [0.0, 0.0], X, **kw)
    r2 = calcopt.sgd(LSQ, [0.0, 0.0], one_chunk(X), **kw)
    assert r2.iters == r1.iters == 300
    assert r2.recorded.tolist() == r1.recorded.tolist()
    close(r2.xs, r1.xs, rtol=0)  # the same batches, the same generated code: bit for bit
    close(r2.f, r1.f)


def test_sgd_over_chunks_is_reproducible_and_records_the_full_objective():
    data = da.from_array(X, chunks=(250, 2))  # chunks of 250, 250, 250, 250, 1
    kw = dict(batch_size=20, epochs=4, step=0.05)
    r1 = calcopt.sgd(LSQ, [0.0, 0.0], data, seed=1, **kw)
    r2 = calcopt.sgd(LSQ, [0.0, 0.0], data, seed=1, **kw)
    r3 = calcopt.sgd(LSQ, [0.0, 0.0], data, seed=2, **kw)
    assert r1.iters == 4 * 4 * 12  # 250 // 20 = 12 batches per chunk; the 1-row chunk gives none
    close(r1.xs, r2.xs, rtol=0)
    assert not np.allclose(r1.xs[1:], r3.xs[1:])
    assert "inside shuffled chunks (5 chunks)" in r1.method
    for xk, fk in zip(r1.xs, r1.f):
        close(fk, LSQ.value(xk, data=X))
    assert np.linalg.norm(r1.x - [2.0, -1.0]) < 0.2


def test_chunk_scheme_batches_lie_in_one_chunk_and_cover_it_once_per_epoch():
    data = daskdata.as_dask_data(da.arange(30.0, chunks=10)[:, None], [a])
    rng = np.random.default_rng(0)
    assert chunk_batches_per_epoch(data, 3) == 9
    batches = chunk_batches(data, [("column", (0,))], 3, False, rng)
    epoch = [next(batches)[0] for _ in range(9)]
    batches.close()
    chunks_seen = [int(bt[0] // 10) for bt in epoch]
    for bt, c in zip(epoch, chunks_seen):
        assert set((bt // 10).astype(int)) == {c}
    assert sorted(chunks_seen) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert len(set(np.concatenate(epoch).tolist())) == 27  # no sample twice in an epoch


def test_batch_larger_than_every_chunk():
    with pytest.raises(calcopt.OptionError, match="larger than every chunk"):
        calcopt.sgd(LSQ, [0.0, 0.0], da.from_array(X, chunks=(50, 2)), batch_size=60, step=0.1)


@pytest.mark.parametrize("replace", [False, True])
def test_minibatch_variance_on_a_single_chunk_equals_numpy(replace):
    kw = dict(samples=300, seed=4, replace=replace)
    m1 = calcopt.minibatch_variance(LOGISTIC, XL, [0.3, -0.2], [1, 10, 100], **kw)
    m2 = calcopt.minibatch_variance(LOGISTIC, one_chunk(XL), [0.3, -0.2], [1, 10, 100], **kw)
    close(m2.sigma2, m1.sigma2)
    close(m2.measured, m1.measured)
    close(m2.predicted, m1.predicted)


def test_minibatch_variance_over_chunks_shows_within_chunk_sampling():
    # sorted data: the chunks differ systematically; a batch from one chunk estimates that
    # chunk's mean gradient, so it misses the full gradient by the spread of the chunk means,
    # which no batch size removes, and the measured ratio says so
    w, c = sp.symbols("w c")
    g = calcopt.compile((w - c) ** 2 / 2, wrt=[w], params=[c])
    S = np.sort(np.random.default_rng(0).normal(size=2000))
    shuffled = calcopt.minibatch_variance(g, {c: da.from_array(np.random.default_rng(1).permutation(S),
                                                               chunks=200)}, [0.0], [10],
                                          samples=2000, seed=0)
    ordered = calcopt.minibatch_variance(g, {c: da.from_array(S, chunks=200)}, [0.0], [10],
                                         samples=2000, seed=0)
    close(ordered.sigma2, np.var(S))
    assert abs(shuffled.ratio[0] - 1) < 0.15
    assert ordered.ratio[0] > 3


def test_predict_sgd_equals_numpy():
    p1 = calcopt.predict(LSQ, "sgd", x0=[0.0, 0.0], data=X, batch_size=10)
    p2 = calcopt.predict(LSQ, "sgd", x0=[0.0, 0.0], data=da.from_array(X, chunks=(300, 2)),
                         batch_size=10)
    close(p2.constants["sigma2"], p1.constants["sigma2"], rtol=1e-10)
    close(p2.floor, p1.floor, rtol=1e-10)
    close(p2.rate, p1.rate, rtol=1e-10)


def test_client_with_in_memory_data_is_refused():
    with pytest.raises(calcopt.OptionError, match="client= computes on dask data"):
        calcopt.gd(LSQ, [0.0, 0.0], data=X, client=object(), iters=2)
    with pytest.raises(calcopt.OptionError, match="must be a dask.distributed.Client"):
        calcopt.gd(LSQ, [0.0, 0.0], data=da.from_array(X, chunks=500), client=object(), iters=2)
