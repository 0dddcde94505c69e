"""Mini-batches of dask data: the chunk-shuffling sampling scheme of ``sgd`` and
``minibatch_variance`` on data beyond one machine.

Per epoch the chunks (those with at least ``B`` rows) are visited in a fresh random order;
the chunk in hand is held in memory (the next one is loaded in the background meanwhile) and
cut into mini-batches exactly as in-memory data is: without replacement, a random permutation
of its rows cut into ``rows // B`` batches (its remainder is skipped this epoch); with
replacement, ``rows // B`` batches of ``B`` independent draws from the chunk.  A step
therefore never waits for a pass over the data, and a run is reproducible for a given seed.

The statistical consequence: a mini-batch is a random sample of **one chunk**, not of the
whole data set, so its gradient is an unbiased estimate of that chunk's mean gradient.  When
the chunks are exchangeable (the rows were in random order when the data was written) the
chunk means agree with the full mean up to sampling noise and SGD behaves as with in-memory
sampling.  When chunks differ systematically (data sorted by time or label) the steps inside
one chunk all pull the same way: the mini-batch gradient misses the full gradient by the
spread of the chunk means as well, an error that does not shrink with the batch size, and
SGD drifts towards each chunk in turn.  ``minibatch_variance`` on the same dask data draws
its batches the same way, so its ``ratio`` far above 1 shows it; shuffle the rows once when
writing the data.  With a single chunk the scheme is the in-memory one, draw for draw.

>>> import numpy as np, dask.array as da, sympy as sp, calcopt
>>> w, a = sp.symbols("w a")
>>> g = calcopt.compile((w - a)**2 / 2, wrt=[w], params=[a])
>>> data = calcopt.data.points.as_data({a: da.arange(10.0, chunks=5)}, g.params)
>>> rng = np.random.default_rng(0)
>>> batches = chunk_batches(data, [("column", (0,))], 2, False, rng)
>>> [sorted(next(batches)[0].tolist()) for _ in range(4)]   # two from one chunk, then the other
[[2.0, 4.0], [0.0, 3.0], [6.0, 9.0], [5.0, 7.0]]
>>> batches.close()
>>> chunk_batches_per_epoch(data, 2)                         # 5 // 2 per chunk
4
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, Sequence

import numpy as np

from ..data.lazy import DaskData, chunk_arrays
from ..errors import OptionError


def usable_chunks(data: DaskData, B: int) -> list[int]:
    """The chunks with at least ``B`` rows (a smaller chunk yields no mini-batch)."""
    sizes = data.chunk_sizes()
    usable = [i for i, n in enumerate(sizes) if n >= B]
    if not usable:
        raise OptionError(f"batch_size {B} is larger than every chunk of the dask data (at most "
                          f"{max(sizes)} rows); use a smaller batch or rechunk the data "
                          "(array.rechunk({0: rows}))")
    return usable


def chunk_batches_per_epoch(data: DaskData, B: int) -> int:
    """Mini-batches per epoch: ``sum(rows // B)`` over the chunks."""
    sizes = data.chunk_sizes()
    return sum(sizes[i] // B for i in usable_chunks(data, B))


def chunk_order(rng, usable: Sequence[int]) -> list[int]:
    """This epoch's chunk order (no random draw when there is one chunk: then the scheme is
    the in-memory one, draw for draw)."""
    if len(usable) == 1:
        return list(usable)
    return [usable[i] for i in rng.permutation(len(usable))]


def loaded_chunks(data: DaskData, order: Sequence[int]) -> Iterator[np.ndarray]:
    """The chunks in ``order`` as in-memory arrays, the next one loading while the caller
    works on the current one."""
    if len(order) == 1:
        yield data.block(order[0])
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(data.block, order[0])
        try:
            for j in range(len(order)):
                block = ahead.result()
                if j + 1 < len(order):
                    ahead = pool.submit(data.block, order[j + 1])
                yield block
        finally:
            ahead.cancel()


def chunk_batches(data: DaskData, layout, B: int, replace: bool, rng) -> Iterator[tuple]:
    """The mini-batches of the scheme above, endlessly: tuples of the MeanProgram ``layout``'s
    arrays (``calcopt.codegen.program.sample_means(g).layout``) holding the batch's rows."""
    usable = usable_chunks(data, B)
    while True:
        for block in loaded_chunks(data, chunk_order(rng, usable)):
            arrays = chunk_arrays(block, layout)
            n = block.shape[0]
            if replace:
                for _ in range(n // B):
                    idx = rng.integers(0, n, B)
                    yield tuple(a[idx] for a in arrays)
                continue
            perm = rng.permutation(n)
            shuffled = tuple(a[perm] for a in arrays)
            for j in range(n // B):
                yield tuple(a[j * B:(j + 1) * B] for a in shuffled)


def draw_indices(rng, N: int, B: int, samples: int, replace: bool) -> np.ndarray:
    """``(samples, B)`` row indices of mini-batches of ``N`` rows (each row of the result one
    batch; without replacement its indices are distinct)."""
    if replace:
        return rng.integers(0, N, (samples, B))
    if samples * N <= 4_000_000:
        return np.argsort(rng.random((samples, N)), axis=1)[:, :B]
    return np.array([rng.choice(N, B, replace=False) for _ in range(samples)])


def gradient_spread(g, data: DaskData, x: np.ndarray) -> tuple[np.ndarray, float]:
    """``(full gradient, sigma^2)`` at ``x``: two distributed passes (the mean, then the mean
    squared distance of the per-sample gradients to it)."""
    fn, n = g.gradient_graph().function("numpy"), len(g.wrt)
    full = data.program_mean(fn, np.asarray(x, dtype=float)[None, :], n)[0]
    return full, data.spread(fn, x, full)


def batch_deviations(g, data: DaskData, x: np.ndarray, full: np.ndarray, sizes: Sequence[int],
                     samples: int, rng, replace: bool) -> tuple[list, list]:
    """For each batch size, the squared distances to ``full`` of ``samples`` mini-batch
    gradients drawn by the chunk scheme (a chunk chosen with probability proportional to its
    batches per epoch, the batch inside it), and one batch (for timing).  Chunks are loaded
    one at a time."""
    fn, n = g.gradient_graph().function("numpy"), len(g.wrt)
    plan = {}
    for B in sizes:
        usable = usable_chunks(data, B)
        if len(usable) == 1:
            plan[B] = {usable[0]: samples}
        else:
            per = np.array([data.chunk_sizes()[i] // B for i in usable], dtype=float)
            plan[B] = dict(zip(usable, rng.multinomial(samples, per / per.sum()).tolist()))
    order = sorted({i for counts in plan.values() for i, c in counts.items() if c})
    devs: dict = {B: [] for B in sizes}
    timing: dict = {}
    for i, block in zip(order, loaded_chunks(data, order)):
        rows = block.shape[0]
        with np.errstate(all="ignore"):
            outs = fn(np.asarray(x, dtype=float), tuple(block.T))
        outs = (outs,) if n == 1 else outs
        per_sample = np.stack([np.broadcast_to(np.asarray(o, dtype=float), (rows,))
                               for o in outs], axis=1)
        for B in sizes:
            c = plan[B].get(i, 0)
            if c:
                idx = draw_indices(rng, rows, B, c, replace)
                devs[B].append(((per_sample[idx].mean(axis=1) - full) ** 2).sum(axis=1))
                timing.setdefault(B, tuple(block[idx[0]].T))
    return [np.concatenate(devs[B]) for B in sizes], [timing[B] for B in sizes]
