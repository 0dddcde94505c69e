"""``calcopt.load_data``: a data set on disk (CSV, Parquet, ``.npy``, Zarr) as lazy dask data.

Nothing is read but metadata (headers, Parquet schemas, ``.npy`` headers, Zarr attributes):
the chunks are read by the tasks that use them, on the worker that runs them.  The result
is the dask form every ``data=`` accepts (a dask DataFrame with a column per param, or an
``(N, p)`` dask array in ``params`` order), already checked against ``params`` (missing
columns, non-numeric columns, the number of columns).

>>> import os, tempfile, numpy as np, sympy as sp, calcopt
>>> w, a, b = sp.symbols("w a b")
>>> g = calcopt.compile((w*a - b)**2 / 2, wrt=[w], params=[a, b])
>>> path = os.path.join(tempfile.mkdtemp(), "ab.npy")
>>> np.save(path, np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]))
>>> X = calcopt.load_data(path, params=g.params, chunk_rows=2)
>>> X.chunks, float(g.value([2.0], data=X))
(((2, 1), (2,)), 0.0)
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
import sympy as sp

from . import read as dataread
from .lazy import as_dask_data, detached, require_dask
from .read import check_array, csv_header, data_format, data_paths, missing_columns, param_names
from ..errors import CalcoptError, DataError, MissingDependencyError

CHUNK_BYTES = 64 << 20  # default chunk size: ~64 MiB of .npy rows, or of a CSV file's bytes


def _kernels() -> dict:
    """The data-reading kernels, detached (shipped by value) and able to call each other."""
    fns = {fn.__name__: detached(fn) for fn in dataread.KERNELS}
    fns["_npy_rows"] = detached(_npy_rows)
    fns["_finite_chunk"] = detached(_finite_chunk)
    fns["_finite_frame"] = detached(_finite_frame)
    for fn in fns.values():
        fn.__globals__.update(fns, **dataread.KERNEL_GLOBALS)
    return fns


def _npy_rows(path: str, start: int, stop: int, names: list[str]) -> np.ndarray:
    X = np.array(np.load(path, mmap_mode="r")[start:stop], dtype=np.float64)
    return _finite_rows(X, path, names, start)  # noqa: F821  (a kernel global)


def _finite_chunk(block, path, names, block_info=None):
    row0 = block_info[0]["array-location"][0][0] if block_info else None
    return _finite_rows(np.asarray(block, dtype=np.float64), path, names, row0)  # noqa: F821


def _finite_frame(part, path, names):
    _finite_rows(part.to_numpy(dtype=np.float64), path, names, None)  # noqa: F821
    return part


_K = _kernels()  # a task reads its rows itself: no data in the task graph


def _load_npy(paths: list[str], names: list[str], chunk_rows: int | None):
    da = require_dask()
    from dask import delayed
    p, parts = len(names), []
    for path in paths:
        head = np.load(path, mmap_mode="r")
        check_array(path, head.shape, head.dtype, p)
        n = head.shape[0]
        rows = chunk_rows or max(1, CHUNK_BYTES // (8 * p))
        for start in range(0, n, rows):
            stop = min(n, start + rows)
            parts.append(da.from_delayed(delayed(_K["_npy_rows"], pure=True)(
                path, start, stop, names), (stop - start, p), dtype=np.float64))
    return parts[0] if len(parts) == 1 else da.concatenate(parts, axis=0)


def _load_csv(paths: list[str], names: list[str]):
    """Blocks of ~CHUNK_BYTES of each file, parsed by the in-memory reader's code: the row
    counts are known once the blocks have been read."""
    da = require_dask()
    from dask import delayed
    parts = []
    for path in paths:
        header, start = csv_header(path)
        missing_columns(path, header, names)
        size = os.path.getsize(path)
        for lo in range(start, size, CHUNK_BYTES):  # csv_header: size > start
            block = delayed(_K["_csv_block"], pure=True)(path, lo, lo + CHUNK_BYTES, header,
                                                          names)
            parts.append(da.from_delayed(block, (np.nan, len(names)), dtype=np.float64))
    return parts[0] if len(parts) == 1 else da.concatenate(parts, axis=0)


def _load_parquet(paths: list[str], names: list[str]):
    import dask.dataframe as dd
    frame = dd.read_parquet(paths if len(paths) > 1 else paths[0])
    missing_columns(paths[0] if len(paths) == 1 else f"{paths[0]}, ...", frame.columns, names)
    frame = frame[names]
    as_dask_data(frame, [sp.Symbol(n) for n in names])  # numeric columns, before the check
    where = paths[0] if len(paths) == 1 else f"{paths[0]} (or another of {len(paths)} files)"
    return frame.map_partitions(_K["_finite_frame"], where, names, meta=frame._meta)


def load_data(path_or_glob: str | os.PathLike, params: Sequence[Any], *,
              format: str | None = None, chunk_rows: int | None = None,
              lazy: bool = True) -> Any:
    """The data set at ``path_or_glob`` for ``params`` (symbols or names): lazy dask data,
    or with ``lazy=False`` an in-memory ``(N, p)`` float64 NumPy array in ``params`` order.

    CSV (``.csv``: a header row names the columns) becomes an ``(N, p)`` dask array with a
    chunk per ~64 MiB of each file; Parquet (``.parquet``/``.pq``, a file or a directory of
    parts) a dask DataFrame of the params' columns; ``.npy`` files an ``(N, p)`` dask array in
    chunks of ``chunk_rows`` rows (default ~64 MiB); a Zarr array (``.zarr``) an ``(N, p)``
    dask array in its own chunks (or ``chunk_rows``).  A glob: the files in sorted order.
    ``format`` overrides the extension.  Pass the result as ``data=``.

    Missing files and columns, non-numeric Parquet columns and the shape of an array are
    checked now; the cells when a chunk is read (a ``DataError`` naming the file and, for
    CSV, the line).  ``lazy=False`` (:func:`calcopt.data.read.read_data`) checks everything at
    once and imports no dask: CSV and ``.npy`` need only NumPy.
    """
    if not lazy:
        return dataread.read_data(path_or_glob, params, format=format)
    names = param_names(params)
    path = os.fspath(path_or_glob)
    fmt = data_format(path, format)
    paths = data_paths(path)
    require_dask()
    try:
        if fmt == "csv":
            data = _load_csv(paths, names)
        elif fmt == "parquet":
            data = _load_parquet(paths, names)
        elif fmt == "npy":
            data = _load_npy(paths, names, chunk_rows)
        else:
            data = _load_zarr(paths, names, chunk_rows)
    except CalcoptError:
        raise
    except ImportError as exc:
        raise MissingDependencyError(f"reading {fmt} needs {exc.name or exc}: pip install "
                                     '"calcopt[dask]"') from None
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path!r} as {fmt}: {exc}") from None
    as_dask_data(data, [sp.Symbol(n) for n in names])  # dtypes and shapes, lazily
    return data


def _load_zarr(paths: list[str], names: list[str], chunk_rows: int | None):
    da = require_dask()
    import zarr  # noqa: F401  (a clear MissingDependencyError when absent)
    if len(paths) != 1:
        raise DataError(f"load_data reads one Zarr array at a time; {len(paths)} paths matched")
    X = da.from_zarr(paths[0])
    check_array(paths[0], X.shape, X.dtype, len(names))
    X = X.rechunk({0: chunk_rows, 1: -1}) if chunk_rows else X.rechunk({1: -1})
    return X.map_blocks(_K["_finite_chunk"], paths[0], names, dtype=np.float64)
