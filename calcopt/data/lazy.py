"""Data sets as dask collections: sample means chunk by chunk with the same generated code.

:func:`calcopt.data.points.as_data` hands a dask collection (a dict of 1-D dask arrays with equal
chunks, an ``(N, p)`` dask array in ``params`` order, a dask DataFrame with a column per
param) to :func:`as_dask_data`, which validates it lazily (shapes, chunks, dtypes: no data is
read) and returns a :class:`DaskData`: one ``(N, p)`` float64 dask array chunked along the
samples only.  A sample mean is then one dask graph: the generated numpy code runs on every
chunk (``map_blocks``) and returns the chunk's **sums** and its row count; a tree reduction
adds them; the caller divides.  The whole data set is never held by one process.

Nothing here imports dask at module level: ``import calcopt`` works without it, and dask is
imported when a dask collection is met.  The per-chunk kernels are rebuilt with a minimal
global namespace so that dask ships them to workers by value: a worker needs numpy, not
calcopt.

>>> import numpy as np, dask.array as da, sympy as sp, calcopt
>>> w, a = sp.symbols("w a")
>>> g = calcopt.compile((w - a)**2, wrt=[w], params=[a])
>>> A = np.arange(10.0)
>>> g.value([1.0], data={a: da.from_array(A, chunks=3)}) == g.value([1.0], data={a: A})
True
"""

from __future__ import annotations

import builtins
import sys
import types
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .read import as_data_error
from ..errors import CalcoptError, ComputeError, DataError, MissingDependencyError, OptionError

INSTALL = 'pip install "calcopt[dask]"   (dask[array,dataframe], distributed, pyarrow, zarr)'
PERSIST_SHARE = 0.5  # persist when the data takes at most this share of the cluster's memory


def is_dask(obj: Any) -> bool:
    """Is ``obj`` a dask collection, or a dict with one among its values?  (No dask import.)"""
    if isinstance(obj, Mapping):
        return any(hasattr(v, "__dask_graph__") for v in obj.values())
    return hasattr(obj, "__dask_graph__")


def require_dask():
    """``dask.array``, or a :class:`MissingDependencyError` with the pip command."""
    try:
        import dask.array as da
    except ImportError:
        raise MissingDependencyError(f"dask data needs dask: {INSTALL}") from None
    return da


# --- kernels: run on one chunk, return (1, width) sums, the row count, _nonfinite ----------


def _nonfinite(block, sums, block_id):
    """Per column of the chunk: ``chunk * 2**32 + row`` of its first non-finite sample, or
    inf.  Only tested when the sums are not finite, so clean data costs nothing and no second
    pass tells bad data from a domain error (``log`` of a negative sample: an IEEE nan); a
    non-finite sample whose terms are finite (``exp(-inf)``) is not seen, unlike in memory."""
    out = np.full(block.shape[1], np.inf)
    if np.isfinite(sums).all():
        return out
    ok = np.isfinite(block)
    for j in range(block.shape[1]):
        if not ok[:, j].all():
            out[j] = block_id[0] * 4294967296.0 + float(np.argmin(ok[:, j]))
    return out


def _program_kernel(block, f, x, k, block_id=None):
    """Sums over the chunk's rows of the ``k`` outputs of ``f(cols, params)`` (the Program
    code) at the points ``x`` (``(m, n)``), flattened."""
    rows = block.shape[0]
    cols = [x[:, j, None] for j in range(x.shape[1])]
    with np.errstate(all="ignore"):
        out = f(cols, tuple(block[:, j] for j in range(block.shape[1])))
    outs = (out,) if k == 1 else out
    sums = np.zeros((x.shape[0], k))
    for q in range(k):
        sums[:, q] = np.broadcast_to(np.asarray(outs[q], dtype=np.float64),
                                     (x.shape[0], rows)).sum(axis=1)
    return np.concatenate((sums.ravel(), np.asarray([float(rows)]),
                           _nonfinite(block, sums, block_id)))[None, :]


def _layout_arrays(block, layout):
    """The data arrays of a MeanProgram layout from one ``(rows, p)`` chunk (see
    :meth:`calcopt.codegen.program.MeanProgram.prepare`)."""
    out = []
    for kind, pos in layout:
        if kind == "column":
            out.append(block[:, pos[0]])
        elif list(pos) == list(range(pos[0], pos[0] + len(pos))):
            # consecutive columns: a view (the mat-vecs take strided rows; no gather, no copy)
            out.append(block[:, pos[0]:pos[0] + len(pos)])
        else:
            out.append(np.ascontiguousarray(block[:, list(pos)]))
    return tuple(out)


def _means_block(block, f, layout, x, width, block_id=None):
    """Sums over the chunk's rows of the MeanProgram code ``f(x, d)`` (its means times the
    row count)."""
    rows = block.shape[0]
    if rows:
        with np.errstate(all="ignore"):
            sums = np.asarray(f(x, _layout_arrays(block, layout)), dtype=np.float64) * rows
    else:
        sums = np.zeros(width)
    return np.concatenate((sums, np.asarray([float(rows)]),
                           _nonfinite(block, sums, block_id)))[None, :]


def _spread_kernel(block, f, x, center, n, block_id=None):
    """Sum over the rows of ``||gradient_i(x) - center||^2`` (the gradient code ``f``)."""
    rows = block.shape[0]
    with np.errstate(all="ignore"):
        out = f(x, tuple(block[:, j] for j in range(block.shape[1])))
    outs = (out,) if n == 1 else out
    total = np.zeros(rows)
    for q in range(n):
        total += (np.broadcast_to(np.asarray(outs[q], dtype=np.float64), (rows,)) - center[q]) ** 2
    sums = np.asarray([total.sum()])
    return np.concatenate((sums, np.asarray([float(rows)]),
                           _nonfinite(block, sums, block_id)))[None, :]


def detached(fn: Callable) -> Callable:
    """``fn`` with globals ``np`` and the kernels only, in no importable module: pickled by
    value, so a dask worker runs it without importing calcopt (sympy, scipy, ...)."""
    namespace = {"__name__": "calcopt_dask_kernel", "__builtins__": builtins, "np": np}
    new = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__)
    namespace[fn.__name__] = new
    return new


def _rows(block):
    return np.asarray([block.shape[0]])


_ROWS = detached(_rows)
_LAYOUT = detached(_layout_arrays)
_NONFINITE = detached(_nonfinite)
_KERNELS = {fn.__name__: detached(fn) for fn in
            (_program_kernel, _means_block, _spread_kernel)}
for _k in _KERNELS.values():
    _k.__globals__.update(_KERNELS, _layout_arrays=_LAYOUT, _nonfinite=_NONFINITE)


# --- the validated data set -----------------------------------------------------------------


class DaskData:
    """A validated dask data set: ``array``, an ``(N, p)`` float64 dask array (columns in
    ``params`` order, one chunk across the columns), and the ``client`` that computes on it
    (``None``: dask's current client if there is one, else the default local scheduler)."""

    def __init__(self, array: Any, names: Sequence[str], client: Any = None) -> None:
        self.array = array
        self.names = tuple(names)
        self.client = client
        self._sizes: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"DaskData({self.array!r}, params={list(self.names)})"

    def using(self, client: Any) -> "DaskData":
        """The same data computed by ``client`` (a ``dask.distributed.Client``)."""
        if client is None:
            return self
        if not (type(client).__module__.startswith("distributed")
                and hasattr(client, "compute") and hasattr(client, "persist")):
            raise OptionError(f"client must be a dask.distributed.Client; got {client!r}")
        out = DaskData(self.array, self.names, client)
        out._sizes = self._sizes
        return out

    # sizes
    def chunk_sizes(self) -> tuple[int, ...]:
        """Rows per chunk (computed once when the collection does not know them)."""
        if self._sizes is None:
            chunks = self.array.chunks[0]
            if any(c != c for c in chunks):  # nan: unknown (a DataFrame's partitions, CSV)
                return self.checked()._sizes
            self._sizes = tuple(int(c) for c in chunks)
            if sum(self._sizes) == 0:
                raise DataError("data has no samples (N = 0); the mean over samples is undefined")
        return self._sizes

    def checked(self) -> "DaskData":
        """This data set with every chunk read once (one at a time per worker, never the
        whole set at once): a bad sample in a file from :func:`calcopt.load_data` is then a
        ``DataError`` now rather than in the middle of a run, and the chunk sizes are known."""
        chunks = self.array.chunks[0]
        lengths = self.array.map_blocks(_ROWS, chunks=((1,) * len(chunks),), drop_axis=1,
                                        dtype=int, meta=np.empty(0, int))
        self._sizes = tuple(int(c) for c in self.compute(lengths))
        if sum(self._sizes) == 0:
            raise DataError("data has no samples (N = 0); the mean over samples is undefined")
        return self

    @property
    def N(self) -> int:
        return sum(self.chunk_sizes())

    @property
    def nbytes(self) -> int:
        return 8 * self.N * len(self.names)

    # computing
    def current_client(self) -> Any:
        if self.client is not None:
            return self.client
        if "distributed" in sys.modules:
            from distributed import default_client
            try:
                return default_client()
            except ValueError:
                return None
        return None

    def compute(self, obj: Any) -> Any:
        """``obj`` computed (by the client when there is one); a failure that dask's retries
        did not overcome is a :class:`ComputeError`, never a partial result."""
        client = self.client
        try:
            if client is not None:
                return client.compute(obj, sync=True)
            return obj.compute()
        except CalcoptError:
            raise
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # KilledWorker, a failed read, a lost connection, ...
            if as_data_error(exc) is not None:  # a bad sample, found by a reading task
                raise as_data_error(exc) from None
            raise ComputeError(
                f"the dask computation over the data failed ({type(exc).__name__}: {exc}); no "
                "result is returned.  A worker that dies more often than "
                "distributed.scheduler.allowed-failures, a storage read that fails, or a lost "
                "scheduler connection end the computation") from exc

    def block(self, i: int) -> np.ndarray:
        """Chunk ``i`` as an in-memory ``(rows, p)`` float array; a :class:`DataError` if it
        holds a non-finite sample (the mini-batches of ``sgd`` come from these chunks, so
        the data are checked as they are read: no extra pass)."""
        out = np.asarray(self.compute(self.array.blocks[i]), dtype=np.float64)
        ok = np.isfinite(out)
        if not ok.all():
            j = int(np.argmin(ok.all(axis=0)))
            self._nonfinite_error(i, int(np.argmin(ok[:, j])), j, out)
        return out

    def _nonfinite_error(self, chunk: int, row: int, j: int, block: Any = None):
        """The DataError for sample ``row`` of ``chunk``, param ``j`` (numbered in all data)."""
        value = (self.compute(self.array.blocks[chunk]) if block is None else block)[row, j]
        raise DataError(f"data[{self.names[j]}] has a non-finite value {float(value)} at sample "
                        f"{sum(self.chunk_sizes()[:chunk]) + row}; every sample must be a "
                        "finite number")

    def persisted(self) -> "DaskData":
        """The data held in cluster memory (or, with the local scheduler, this process's)
        when it takes at most :data:`PERSIST_SHARE` of it; else the same lazy data, streamed
        from storage at every pass."""
        client = self.current_client()
        if client is not None:
            workers = client.scheduler_info().get("workers", {}).values()
            memory = sum(w.get("memory_limit") or 0 for w in workers) or _physical_memory()
        else:
            memory = _physical_memory()
        if self.nbytes > PERSIST_SHARE * memory:
            return self
        try:
            arr = client.persist(self.array) if client is not None else self.array.persist()
        except Exception as exc:
            if as_data_error(exc) is not None:
                raise as_data_error(exc) from None
            raise ComputeError(f"persisting the data failed ({type(exc).__name__}: {exc})") \
                from exc
        out = DaskData(arr, self.names, self.client)
        out._sizes = self._sizes
        return out

    def _reduce(self, kernel: str, width: int, *args) -> np.ndarray:
        da = require_dask()
        X = self.array
        p = len(self.names)
        parts = da.map_blocks(_KERNELS[kernel], X, *args, chunks=((1,) * X.numblocks[0],
                              (width + 1 + p,)), dtype=np.float64, meta=np.empty((0, 0)))
        # one pass: the sums add up, the first non-finite sample of each column is the minimum
        both = da.concatenate([parts[:, :width + 1].sum(axis=0),
                               parts[:, width + 1:].min(axis=0)])
        total = np.asarray(self.compute(both), dtype=np.float64)
        bad = np.isfinite(total[width + 1:])
        if bad.any():  # the first param with a non-finite sample, and its first one
            j = int(np.argmax(bad))
            self._nonfinite_error(*divmod(int(total[width + 1 + j]), 1 << 32), j)
        total = total[:width + 1]
        count = total[-1]
        if self._sizes is not None and count != sum(self._sizes):
            raise ComputeError(f"the dask computation covered {count:.0f} of {self.N} samples; "
                               "no partial mean is returned")
        if count == 0:
            raise DataError("data has no samples (N = 0); the mean over samples is undefined")
        return total[:-1] / count

    def program_mean(self, f: Callable, x: np.ndarray, k: int) -> np.ndarray:
        """Means over the samples of the ``k`` outputs of the Program code ``f(cols, params)``
        at the points ``x`` (shape ``(..., n)``): shape ``x.shape[:-1] + (k,)``."""
        pts = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, x.shape[-1])
        if k == 0:
            return np.zeros(x.shape[:-1] + (0,))
        means = self._reduce("_program_kernel", pts.shape[0] * k, f, pts, k)
        return means.reshape(x.shape[:-1] + (k,))

    def sample_mean(self, prog: Any, x: np.ndarray) -> np.ndarray:
        """The outputs of a :class:`calcopt.codegen.program.MeanProgram` at ``x``, over all samples."""
        xv = np.asarray(x, dtype=np.float64)
        return self._reduce("_means_block", _width(prog), prog.function, prog.layout, xv,
                            _width(prog))

    def spread(self, f: Callable, x: np.ndarray, center: np.ndarray) -> float:
        """The mean over samples of ``||gradient_i(x) - center||^2`` (gradient code ``f``)."""
        xv = [float(v) for v in x]
        return float(self._reduce("_spread_kernel", 1, f, xv, np.asarray(center, float),
                                  len(center))[0])


def chunk_arrays(block: np.ndarray, layout) -> tuple:
    """The MeanProgram arrays of one in-memory chunk (samples on axis 0)."""
    return _LAYOUT(block, layout)


def _width(prog: Any) -> int:
    return len(prog.outputs)


def _physical_memory() -> int:
    try:
        import os
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 30


# --- validation ---------------------------------------------------------------------------


def _float_array(arr: Any, what: str) -> Any:
    kind = np.dtype(arr.dtype).kind
    if kind not in "iuf":
        raise DataError(f"{what} must be real numbers (int or float); got dtype {arr.dtype}")
    return arr if arr.dtype == np.float64 else arr.astype(np.float64)


def _from_frame(frame: Any, names: list[str]) -> Any:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(f"the DataFrame has no columns {missing} for params {names}; it has "
                        f"{list(frame.columns)}")
    from pandas.api.types import is_bool_dtype, is_numeric_dtype
    bad = {n: str(frame.dtypes[n]) for n in names
           if not is_numeric_dtype(frame.dtypes[n]) or is_bool_dtype(frame.dtypes[n])}
    if bad:
        raise DataError(f"DataFrame columns must be numeric (int or float); got dtypes {bad}")
    return _float_array(frame[names].to_dask_array(), "data")


def as_dask_data(data: Any, params: Sequence[Any], given: Mapping | None = None) -> DaskData:
    """``data`` (dask dict / array / DataFrame, see the module docstring) validated lazily;
    for a dict, ``given`` is its values by parameter position (from ``calcopt.data.points.as_data``)."""
    names = [s.name for s in params]
    if isinstance(data, DaskData):
        if list(data.names) != names:
            raise DataError(f"this data set is for params {list(data.names)}, not {names}")
        return data
    da = require_dask()
    if isinstance(data, Mapping):
        given = given if given is not None else dict(enumerate(data[n] for n in names))
        chunks = next(v.chunks for v in given.values() if hasattr(v, "__dask_graph__"))
        cols = []
        for i, name in enumerate(names):
            c = given[i]
            if not hasattr(c, "__dask_graph__"):
                c = da.from_array(np.asarray(c), chunks=chunks)
            if not hasattr(c, "chunks"):
                raise DataError(f"data[{name}] is a {type(c).__name__}; a dict of dask data "
                                "takes 1-D dask arrays (or give the DataFrame itself)")
            if c.ndim != 1:
                raise DataError(f"data[{name}] must be a 1-D array of samples; got shape {c.shape}")
            cols.append(_float_array(c, f"data[{name}]"))
        lengths = {n: c.chunks[0] for n, c in zip(names, cols)}
        if any(any(s != s for s in ch) for ch in lengths.values()):
            raise DataError("data arrays have unknown chunk sizes; call .compute_chunk_sizes() "
                            "on them, or pass the DataFrame itself")
        if len(set(lengths.values())) != 1:
            sizes = {n: (sum(ch), ch if len(ch) <= 6 else f"{len(ch)} chunks")
                     for n, ch in lengths.items()}
            raise DataError(f"dask data arrays must have equal lengths and equal chunks (one "
                            f"chunk of every param per block of samples); got (N, chunks) "
                            f"{sizes}; rechunk them alike, e.g. a.rechunk(b.chunks)")
        X = da.stack(cols, axis=1).rechunk({1: -1})
    elif hasattr(data, "columns") and hasattr(data, "dtypes"):
        X = _from_frame(data, names)
    elif hasattr(data, "chunks") and hasattr(data, "ndim"):
        if data.ndim != 2 or data.shape[1] != len(names):
            raise DataError(f"data array must have shape (N, {len(names)}) with columns "
                            f"{names}; got shape {data.shape}")
        X = _float_array(data, "data").rechunk({1: -1})
    else:
        raise DataError(f"dask data must be a dict of 1-D dask arrays, an (N, {len(names)}) "
                        f"dask array or a dask DataFrame; got {type(data).__name__}")
    if X.shape[0] == 0:
        raise DataError("data has no samples (N = 0); the mean over samples is undefined")
    return DaskData(X, names)
