"""Data files into memory: CSV, Parquet, ``.npy``, Zarr as an ``(N, p)`` float64 array (no dask).

``calcopt.load_data(..., lazy=False)`` reads here, and so does the command line's ``--data``
when dask is not installed.  The lazy reader (:mod:`calcopt.data.load`) parses its CSV blocks
and checks its chunks with the same functions, so a bad file is the same ``DataError`` either
way: a missing file or column, a non-numeric column, a cell that is not a finite number (for
CSV with its line number).  Only the params' columns are read; other columns are ignored.

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
>>> _ = p.write_text("a, t, label\\n1, 2, x\\n2.5, -1e-3, y\\n")
>>> data_columns(p)
['a', 't', 'label']
>>> read_data(p, ["t", "a"]).tolist()
[[2.0, 1.0], [-0.001, 2.5]]
"""

from __future__ import annotations

import csv
import glob
import io
import math
import os
from typing import Any, Sequence

import numpy as np
import sympy as sp

from ..errors import DataError, MissingDependencyError, OptionError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".npy": "npy",
           ".zarr": "zarr"}
INSTALL = 'pip install "calcopt[dask]"'
# A kernel that runs on a dask worker cannot raise DataError (the worker need not have
# calcopt), so it raises ValueError(MARK + message) and the caller turns it back.
MARK = "calcopt.DataError: "
ACCEPTED = f"data files are {', '.join(FORMATS)} or a glob of them"


def param_names(params: Sequence[Any]) -> list[str]:
    """The names of ``params`` (SymPy symbols or names); ``OptionError`` for anything else."""
    names = []
    for p in params:
        if isinstance(p, sp.Symbol):
            names.append(p.name)
        elif isinstance(p, str) and p:
            names.append(p)
        else:
            raise OptionError(f"params must be SymPy symbols or their names; got {p!r}")
    if not names:
        raise OptionError("params is empty; load_data reads the samples of the params")
    return names


def data_format(path: str, fmt: str | None) -> str:
    """``fmt`` checked, else the format that the extension of ``path`` says."""
    if fmt is not None:
        if fmt not in set(FORMATS.values()):
            raise OptionError(f"format must be one of {sorted(set(FORMATS.values()))}; got {fmt!r}")
        return fmt
    ext = os.path.splitext(path.rstrip("/"))[1].lower()
    if ext not in FORMATS:
        raise OptionError(f"cannot tell the format of {path!r} from its extension; accepted: "
                          f"{', '.join(FORMATS)} (or pass format=)")
    return FORMATS[ext]


def data_paths(path: str) -> list[str]:
    """The files a path or glob names (a glob: sorted); ``DataError`` when there are none."""
    if glob.has_magic(path):
        paths = sorted(glob.glob(path))
        if not paths:
            raise DataError(f"no file matches {path!r} ({ACCEPTED})")
        return paths
    if not os.path.exists(path):
        raise DataError(f"no such data file: {path!r} ({ACCEPTED})")
    return [path]


def as_data_error(exc: BaseException) -> DataError | None:
    """The ``DataError`` a kernel meant by ``exc`` (see ``MARK``), else ``None``."""
    text = str(exc)
    i = text.find(MARK)
    return DataError(text[i + len(MARK):]) if i >= 0 else None


def _unmarked(fn, *args):
    try:
        return fn(*args)
    except ValueError as exc:
        err = as_data_error(exc)
        if err is None:
            raise
        raise err from None


def data_columns(path_or_glob: str | os.PathLike, format: str | None = None) -> list[str] | None:
    """The column names of a data file (of the first file of a glob), without reading the
    data: a CSV header row, a Parquet schema; ``None`` for ``.npy`` and Zarr (no names: their
    columns follow ``params``)."""
    path = os.fspath(path_or_glob)
    fmt = data_format(path, format)
    first = data_paths(path)[0]
    if fmt == "csv":
        return csv_header(first)[0]
    if fmt == "parquet":
        return list(_parquet_schema(first).names)
    return None


# --- CSV ------------------------------------------------------------------------------------------

def csv_header(path: str) -> tuple[list[str], int]:
    """The header row of a CSV file and the byte offset where the samples start; only the
    lines up to the first sample are read.  ``DataError``: empty, an empty or repeated name,
    no samples."""
    header, offset, end = None, 0, 0
    try:
        with open(path, "rb") as fh:
            for raw in fh:
                first = offset == 0
                offset += len(raw)
                line = raw.decode("utf-8-sig" if first else "utf-8")
                cells = [c.strip() for c in next(csv.reader([line]), [])]
                if not any(cells):
                    continue
                if header is not None:
                    return header, end
                if "" in cells or len(set(cells)) != len(cells):
                    raise DataError(f"{path}: the header row {cells} must name every column "
                                    "once")
                header, end = cells, offset
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not a UTF-8 text file ({exc})") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a directory; a CSV data file was expected") from None
    if header is None:
        raise DataError(f"{path} is empty; expected a header row naming the params, then one "
                        "row of numbers per sample")
    raise DataError(f"{path} has a header row and no samples")


def _bad(message: str) -> ValueError:
    return ValueError(MARK + message)


def _line_start(fh, pos: int) -> int:
    """The first line start at or after byte ``pos`` (the end of the file if there is none)."""
    if pos <= 0:
        return 0
    fh.seek(pos - 1)
    while True:
        piece = fh.read(1 << 16)
        if not piece:
            return fh.seek(0, 2)  # the size: seeking past the end moved tell() there too
        i = piece.find(b"\n")
        if i >= 0:
            return fh.tell() - len(piece) + i + 1


def _lines_before(path: str, stop: int) -> int:
    count = 0
    with open(path, "rb") as fh:
        while fh.tell() < stop:
            piece = fh.read(min(1 << 20, stop - fh.tell()))
            if not piece:
                break
            count += piece.count(b"\n")
    return count


def _csv_block(path: str, start: int, stop: int, header: list[str], names: list[str]):
    """The ``names`` columns, ``(rows, p)`` float64, of the lines that start in the bytes
    ``[start, stop)`` of a CSV file whose samples follow ``header``.  A kernel: numpy, csv,
    io only; a bad line raises ``_bad`` with its line number in the file."""
    with open(path, "rb") as fh:
        s, e = _line_start(fh, start), _line_start(fh, stop)
        fh.seek(s)
        raw = fh.read(e - s)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(f"{path} is not a UTF-8 text file ({exc})") from None
    fast = _fast_csv(raw, header, names)
    if fast is not None:
        return fast
    rows = [(n, [c.strip() for c in row]) for n, row in
            enumerate(csv.reader(io.StringIO(text, newline="")), 1) if any(c.strip() for c in row)]
    return _csv_values(rows, header, names, path, lambda: _lines_before(path, s))


def _fast_csv(raw: bytes, header: list[str], names: list[str]):
    """The block parsed by pandas' C reader (about 20x the csv module's speed), or ``None``
    when pandas is missing or anything is unusual (a short or long row, an empty, quoted
    or non-numeric cell, a non-finite value): then the csv-module parser above reads the
    block again, and either gets the same values or says which line and cell are wrong.
    Its default float parser is the precise one (the tests compare it with Python's float)."""
    try:
        import pandas as pd
    except ImportError:
        return None
    try:
        frame = pd.read_csv(io.BytesIO(raw), header=None, names=header, usecols=names,
                            dtype=np.float64, skipinitialspace=True, engine="c",
                            quoting=csv.QUOTE_NONE,
                            na_filter=False)
        X = frame[names].to_numpy(dtype=np.float64)
    except Exception:  # pandas' parser errors: the careful reader explains them
        return None
    return X if np.isfinite(X).all() else None


def _csv_values(rows, header, names, path, line0):
    width = len(header)
    for n, row in rows:
        if len(row) != width:
            raise _bad(f"{path}, line {line0() + n}: {len(row)} cells; the header has {width} "
                       f"({', '.join(header)})")
    out = np.empty((len(rows), len(names)))
    for j, name in enumerate(names):
        k = header.index(name)
        cells = [row[k] for _, row in rows]
        try:
            col = np.array(cells, dtype=np.float64)
        except ValueError:
            col = None
        bad = [i for i, c in enumerate(cells) if not _finite_number(c)] if col is None else \
            np.flatnonzero(~np.isfinite(col)).tolist()
        if bad:
            i = bad[0]
            raise _bad(f"{path}, line {line0() + rows[i][0]}, column {name!r}: {cells[i]!r} is "
                       "not a finite number (every cell of a param's column must be one)")
        out[:, j] = col
    return out


def _finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def missing_columns(path: str, have: Sequence[str], names: Sequence[str]) -> None:
    missing = [n for n in names if n not in have]
    if missing:
        raise DataError(f"{path} has no columns {missing} for params {list(names)}; it has "
                        f"{list(have)}")


def read_csv(path: str | os.PathLike, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """The columns ``names`` (default: all) of a CSV file whose header row names them, as
    float arrays by name.  Blank lines are skipped and cells stripped; every cell of these
    columns must be a finite number (``DataError`` with the line and column otherwise).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("a, t\\n1, 2\\n2.5, -1e-3\\n")
    >>> cols = read_csv(p)
    >>> list(cols), cols["t"].tolist()
    (['a', 't'], [2.0, -0.001])
    """
    path = os.fspath(path)
    data_paths(path)
    header, start = csv_header(path)
    names = list(header if names is None else names)
    missing_columns(path, header, names)
    X = _unmarked(_csv_block, path, start, os.path.getsize(path), header, names)
    return {n: X[:, j] for j, n in enumerate(names)}


# --- arrays: checks shared with the lazy reader ---------------------------------------------------

def check_array(path: str, shape: tuple, dtype: Any, p: int) -> None:
    """An array file must be ``(N, p)`` of real numbers."""
    if len(shape) != 2 or shape[1] != p:
        raise DataError(f"{path} holds an array of shape {tuple(shape)}; expected (N, {p}), a "
                        "column per param")
    if np.dtype(dtype).kind not in "iuf":
        raise DataError(f"{path} must hold real numbers (int or float); dtype {dtype}")


def _finite_rows(X, path, names, row0):
    """``X`` if every entry is finite, else ``_bad`` naming the first bad row (counted from
    0 in the file, when ``row0`` is known) and column.  A kernel."""
    ok = np.isfinite(X)
    if not ok.all():
        i, j = np.argwhere(~ok)[0]
        where = f", row {row0 + i} (from 0)" if row0 is not None else ""
        raise _bad(f"{path}{where}, column {names[j]!r}: {float(X[i, j])} is not a finite "
                   "number (every sample must be one)")
    return X


def _parquet_schema(path: str):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError(f"reading parquet needs pyarrow: {INSTALL}") from None
    try:
        return pq.ParquetDataset(path).schema
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path!r} as parquet: {exc}") from None


def _read_parquet(path: str, names: list[str]) -> np.ndarray:
    schema = _parquet_schema(path)  # first: a MissingDependencyError without pyarrow
    import pyarrow as pa
    import pyarrow.parquet as pq
    missing_columns(path, schema.names, names)
    bad = {n: str(schema.field(n).type) for n in names
           if not (pa.types.is_integer(schema.field(n).type)
                   or pa.types.is_floating(schema.field(n).type))}
    if bad:
        raise DataError(f"{path}: the params' columns must be numeric (int or float); got "
                        f"types {bad}")
    table = pq.ParquetDataset(path).read(columns=names)
    return np.column_stack([np.asarray(table.column(n).to_numpy(), dtype=np.float64)
                            for n in names]).reshape(-1, len(names))


def _read_npy(path: str, p: int) -> np.ndarray:
    head = np.load(path, mmap_mode="r")
    check_array(path, head.shape, head.dtype, p)
    return np.array(head, dtype=np.float64)


def _read_zarr(path: str, p: int) -> np.ndarray:
    try:
        import zarr
    except ImportError:
        raise MissingDependencyError(f"reading zarr needs zarr: {INSTALL}") from None
    Z = zarr.open(path, mode="r")
    if not hasattr(Z, "shape"):
        raise DataError(f"{path} is a Zarr group; load_data reads a Zarr array")
    check_array(path, Z.shape, Z.dtype, p)
    return np.asarray(Z[...], dtype=np.float64)


def read_data(path_or_glob: str | os.PathLike, params: Sequence[Any], *,
              format: str | None = None) -> np.ndarray:
    """The samples of ``params`` (symbols or names) in a data file, as an in-memory ``(N, p)``
    float64 array in ``params`` order; a glob: the files concatenated in sorted order.  This
    is ``calcopt.load_data(..., lazy=False)``: CSV and ``.npy`` need only NumPy, Parquet
    pyarrow, Zarr zarr.
    """
    names = param_names(params)
    path = os.fspath(path_or_glob)
    fmt = data_format(path, format)
    paths = data_paths(path)
    if fmt == "zarr" and len(paths) != 1:
        raise DataError(f"load_data reads one Zarr array at a time; {len(paths)} paths matched")
    parts = []
    for q in paths:
        try:
            if fmt == "csv":
                cols = read_csv(q, names)
                X = np.column_stack([cols[n] for n in names]).reshape(-1, len(names))
            elif fmt == "parquet":
                X = _read_parquet(q, names)
            elif fmt == "npy":
                X = _read_npy(q, len(names))
            else:
                X = _read_zarr(q, len(names))
        except (DataError, MissingDependencyError):
            raise
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read {q!r} as {fmt}: {exc}") from None
        parts.append(_unmarked(_finite_rows, X, q, names, 0 if fmt != "csv" else None))
    X = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
    if X.shape[0] == 0:
        raise DataError(f"{path} has no samples (N = 0); the mean over samples is undefined")
    return X


# Functions a dask task runs (calcopt.data.load ships them by value: no calcopt on workers).
KERNELS = (_bad, _line_start, _lines_before, _csv_block, _fast_csv, _csv_values,
           _finite_number, _finite_rows)
KERNEL_GLOBALS = {"csv": csv, "io": io, "math": math, "MARK": MARK}
