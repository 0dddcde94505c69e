"""A dask.distributed LocalCluster (2 worker processes on loopback, 300 MiB each): a gradient
over lazily generated data larger than a worker's memory, client= and dask's current client,
a worker killed mid-computation, and a final failure as a calcopt.ComputeError."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt import ComputeError

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402  (after the skip)

D = 9                      # features; the data has D + 1 columns (features and target)
N = 4_200_000              # 4.2e6 x 10 float64 = 336 MB > a worker's 300 MiB
ROWS = 200_000             # 16 MB chunks
WS, AS, Y = sp.symbols(f"w0:{D}"), sp.symbols(f"a0:{D}"), sp.Symbol("y")
G = calcopt.compile((sum(w * a for w, a in zip(WS, AS)) - Y) ** 2 / 2, wrt=WS, params=[*AS, Y])
X0 = np.linspace(-1.0, 1.0, D)


@pytest.fixture(scope="module")
def client():
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           memory_limit="300MiB", host="127.0.0.1",
                                           dashboard_address=None)
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


def big():
    """The data set, generated chunk by chunk on the workers (never held whole)."""
    return da.random.default_rng(0).standard_normal((N, D + 1), chunks=(ROWS, D + 1))


@pytest.fixture(scope="module")
def expected(client):
    """The least-squares gradient X^T (X w - y) / N by dask's own linear algebra."""
    Z = big()
    F = Z[:, :D]
    return client.compute(F.T @ (F @ X0 - Z[:, D]) / N, sync=True)


def test_gradient_of_data_larger_than_a_worker_without_losing_one(client, expected):
    assert big().nbytes > 300 * 2**20
    pids = client.run(os.getpid)
    data = calcopt.data.points.as_data(big(), G.params).using(client)
    out = data.program_mean(G.gradient_graph().function("numpy"), X0[None, :], D)[0]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    assert client.run(os.getpid) == pids  # no worker was killed (or restarted)
    # the kernels travel by value: the workers run them without importing calcopt
    assert not any(client.run(eval, "'calcopt' in __import__('sys').modules").values())


SMALL = np.random.default_rng(2).normal(size=(3000, D + 1))


def test_runs_with_client_equal_the_local_scheduler(client):
    data = da.from_array(SMALL, chunks=(700, D + 1))
    kw = dict(iters=6, tol=0, step=0.2)
    local = calcopt.gd(G, np.zeros(D), data=SMALL, **kw)
    remote = calcopt.gd(G, np.zeros(D), data=data, client=client, **kw)
    np.testing.assert_allclose(remote.xs, local.xs, rtol=1e-12, atol=1e-15)
    kw = dict(batch_size=50, epochs=1, step=0.05, seed=8)
    local = calcopt.sgd(G, np.zeros(D), data, **kw)
    remote = calcopt.sgd(G, np.zeros(D), data, client=client, **kw)
    np.testing.assert_array_equal(remote.xs, local.xs)


def test_dask_current_client_is_used(client):
    data = da.from_array(SMALL, chunks=(700, D + 1))
    assert calcopt.data.points.as_data(data, G.params).current_client() is None
    with client.as_current():
        assert calcopt.data.points.as_data(data, G.params).current_client() is client
        value = G.value(X0, data=data)
    np.testing.assert_allclose(value, G.value(X0, data=SMALL), rtol=1e-12)


def test_a_worker_killed_mid_computation_gives_the_right_gradient_or_a_clear_error(
        client, expected):
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            busy = [addr for addr, tasks in client.processing().items() if tasks]
            if busy:
                time.sleep(0.3)  # some chunks done, others running
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        with client.as_current():
            out = G.grad(X0, data=big())
    except ComputeError as err:  # noqa: F841  dask's retries did not recover: said so, no number
        assert "dask computation over the data failed" in str(err)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    finally:
        killer.join()
    assert killed, "no worker was busy: the computation finished before the kill"
    client.wait_for_workers(2, timeout=60)


def test_a_task_that_always_kills_its_worker_is_a_compute_error(client):
    from dask import delayed
    deadly = da.from_delayed(delayed(os._exit)(1), (10, D + 1), dtype=float)
    data = da.concatenate([da.from_array(SMALL, chunks=(1000, D + 1)), deadly])
    with pytest.raises(ComputeError, match="KilledWorker"):
        calcopt.gd(G, np.zeros(D), data=data, client=client, iters=2, step=0.1)
    client.wait_for_workers(2, timeout=60)
