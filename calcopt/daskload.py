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

import glob
import os
from typing import Any, Sequence

import numpy as np
import sympy as sp

from .daskdata import as_dask_data, detached, require_dask
from .errors import CalcoptError, DataError, MissingDependencyError, OptionError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".npy": "npy",
           ".zarr": "zarr"}
CHUNK_BYTES = 64 << 20  # default chunk size of .npy files: ~64 MiB of rows


def _names(params: Sequence[Any]) -> list[str]:
    names = []
    for p in params:
        if isinstance(p, sp.Symbol):
            names.append(p.name)
        elif isinstance(p, str) and p:
            names.append(p)
        else:
            raise OptionError(f"params must be SymPy symbols or their names; got {p!r}")
    return names


def _format(path: str, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in set(FORMATS.values()):
            raise OptionError(f"format must be one of {sorted(set(FORMATS.values()))}; got {fmt!r}")
        return fmt
    ext = os.path.splitext(path.rstrip("/"))[1].lower()
    if ext not in FORMATS:
        raise OptionError(f"cannot tell the format of {path!r} from its extension; accepted: "
                          f"{', '.join(FORMATS)} (or pass format=)")
    return FORMATS[ext]


def _npy_rows(path: str, start: int, stop: int) -> np.ndarray:
    return np.array(np.load(path, mmap_mode="r")[start:stop], dtype=np.float64)


_NPY_ROWS = detached(_npy_rows)  # a task reads its rows itself: no data in the task graph


def _load_npy(paths: list[str], p: int, chunk_rows: int | None):
    da = require_dask()
    from dask import delayed
    parts = []
    for path in paths:
        head = np.load(path, mmap_mode="r")
        if head.ndim != 2 or head.shape[1] != p:
            raise DataError(f"{path} holds an array of shape {head.shape}; expected (N, {p}), a "
                            "column per param")
        if head.dtype.kind not in "iuf":
            raise DataError(f"{path} must hold real numbers (int or float); dtype {head.dtype}")
        n = head.shape[0]
        rows = chunk_rows or max(1, CHUNK_BYTES // (8 * p))
        for start in range(0, n, rows):
            stop = min(n, start + rows)
            parts.append(da.from_delayed(delayed(_NPY_ROWS, pure=True)(path, start, stop),
                                         (stop - start, p), dtype=np.float64))
    return parts[0] if len(parts) == 1 else da.concatenate(parts, axis=0)


def load_data(path_or_glob: str | os.PathLike, params: Sequence[Any], *,
              format: str | None = None, chunk_rows: int | None = None) -> Any:
    """The data set at ``path_or_glob`` as lazy dask data for ``params`` (symbols or names).

    CSV and Parquet (``.csv``, ``.parquet``/``.pq``; a glob or a directory of parts) become a
    dask DataFrame of the columns named after the params; ``.npy`` files (a glob: concatenated
    in sorted order) an ``(N, p)`` dask array in chunks of ``chunk_rows`` rows (default
    ~64 MiB); a Zarr array (``.zarr``) an ``(N, p)`` dask array in its own chunks (or
    ``chunk_rows``).  ``format`` overrides the extension.  Pass the result as ``data=``.
    """
    names = _names(params)
    if not names:
        raise OptionError("params is empty; load_data reads the samples of the params")
    path = os.fspath(path_or_glob)
    fmt = _format(path, format)
    paths = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
    if not paths or not all(os.path.exists(q) for q in paths):
        raise DataError(f"no file matches {path!r}")
    require_dask()
    try:
        if fmt == "csv":
            import dask.dataframe as dd
            data = dd.read_csv(paths)
        elif fmt == "parquet":
            import dask.dataframe as dd
            data = dd.read_parquet(paths if len(paths) > 1 else paths[0])
        elif fmt == "npy":
            data = _load_npy(paths, len(names), chunk_rows)
        else:
            data = _load_zarr(paths, len(names), chunk_rows)
    except CalcoptError:
        raise
    except ImportError as exc:
        raise MissingDependencyError(f"reading {fmt} needs {exc.name or exc}: pip install "
                                     '"calcopt[dask]"') from None
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path!r} as {fmt}: {exc}") from None
    if hasattr(data, "columns"):
        missing = [n for n in names if n not in data.columns]
        if missing:
            raise DataError(f"{path} has no columns {missing} for params {names}; it has "
                            f"{list(data.columns)}")
        data = data[names]
    as_dask_data(data, [sp.Symbol(n) for n in names])  # dtypes and shapes, lazily
    return data


def _load_zarr(paths: list[str], p: int, chunk_rows: int | None):
    da = require_dask()
    import zarr  # noqa: F401  (a clear MissingDependencyError when absent)
    if len(paths) != 1:
        raise DataError(f"load_data reads one Zarr array at a time; {len(paths)} paths matched")
    X = da.from_zarr(paths[0])
    if X.ndim != 2 or X.shape[1] != p:
        raise DataError(f"{paths[0]} holds an array of shape {X.shape}; expected (N, {p}), a "
                        "column per param")
    return X.rechunk({0: chunk_rows, 1: -1}) if chunk_rows else X.rechunk({1: -1})
