"""calcopt.data.read and load_data(lazy=False): the in-memory reader (no dask), equal to the lazy
one on every format; a bad file is the same DataError both ways (CSV: with its line)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt import DataError, OptionError
from calcopt.data import load as daskload, read as dataread

A, T = sp.symbols("a t")
X = np.array([[1.0, 2.0], [2.5, -1e-3], [3.0, 7.0], [-4.0, 0.5]])
CSV = "a,t\n1,2\n2.5,-1e-3\n3,7\n-4,0.5\n"


def lazily(path, names=("a", "t"), **kw):
    """load_data's lazy result with every chunk read (the CLI's way), as NumPy."""
    pytest.importorskip("dask.array")
    data = calcopt.load_data(path, list(names), **kw)
    checked = calcopt.data.lazy.as_dask_data(data, [sp.Symbol(n) for n in names]).checked()
    return np.asarray(checked.array.compute())


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(CSV)
    return path


def test_csv_in_memory_is_params_order_float64_and_ignores_other_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n t , label,a\r\n\r\n2, x,1\r\n  \r\n-1e-3,\"y, z\",2.5\r\n")
    got = calcopt.load_data(path, [A, "t"], lazy=False)
    assert got.dtype == np.float64 and got.tolist() == [[1.0, 2.0], [2.5, -0.001]]
    assert dataread.data_columns(path) == ["t", "label", "a"]
    assert lazily(path).tolist() == got.tolist()


@pytest.mark.parametrize("text, says", [
    ("", "is empty"),
    ("\n \n", "is empty"),
    ("a,t\n", "has a header row and no samples"),
    ("a,t\n1,2\n3\n", "line 3: 1 cells; the header has 2 (a, t)"),
    ("a,t\n\n1,2\n3,x\n", "line 4, column 't': 'x' is not a finite number"),
    ("a,t\n1,2\n3,nan\n", "line 3, column 't': 'nan' is not a finite number"),
    ("a,t\n1,2\n3,1e999\n", "'1e999' is not a finite number"),
    ("a,t\n1,\n", "line 2, column 't': '' is not a finite number"),
    ("a,a\n1,2\n", "must name every column once"),
    ("a,,t\n1,2,3\n", "must name every column once"),
    ("a,b\n1,2\n", "has no columns ['t'] for params ['a', 't']"),
])
def test_a_bad_csv_is_the_same_data_error_both_ways(tmp_path, text, says):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError) as memory:
        calcopt.load_data(path, ["a", "t"], lazy=False)
    assert says in str(memory.value) and str(path) in str(memory.value)
    with pytest.raises(DataError) as lazy:
        lazily(path)
    assert str(lazy.value) == str(memory.value)


def test_csv_blocks_give_the_lines_of_the_whole_file(tmp_path, monkeypatch):
    pytest.importorskip("dask.array")
    monkeypatch.setattr(daskload, "CHUNK_BYTES", 64)      # ~10 lines per block
    rows = [f"{i},{2 * i + 0.5}" for i in range(200)]
    good = tmp_path / "good.csv"
    good.write_text("a,t\n" + "\n".join(rows[:100]) + "\n\n" + "\n".join(rows[100:]) + "\n")
    data = calcopt.load_data(good, ["t", "a"])
    assert data.numblocks[0] > 10
    expected = np.array([[2 * i + 0.5, i] for i in range(200)], dtype=float)
    assert np.array_equal(lazily(good, ("t", "a")), expected)
    assert np.array_equal(calcopt.load_data(good, ["t", "a"], lazy=False), expected)
    rows[150] = "150,oops"                                # line 153: header, blank line
    bad = tmp_path / "bad.csv"
    bad.write_text("a,t\n" + "\n".join(rows[:100]) + "\n\n" + "\n".join(rows[100:]) + "\n")
    says = f"{bad}, line 153, column 't': 'oops' is not a finite number"
    with pytest.raises(DataError, match="line 153"):
        calcopt.load_data(bad, ["a", "t"], lazy=False)
    with pytest.raises(DataError) as err:
        lazily(bad)
    assert str(err.value).startswith(says)
    w = sp.Symbol("w")
    g = calcopt.compile((w * A - T) ** 2, wrt=[w], params=[A, T])
    with pytest.raises(DataError, match="line 153"):            # found when first computed
        g.value([1.0], data=calcopt.load_data(bad, [A, T]))


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 13])
def test_every_row_is_in_exactly_one_block(tmp_path, monkeypatch, block):
    # block boundaries inside a line, on a line start, on "\r\n", and no final newline
    monkeypatch.setattr(daskload, "CHUNK_BYTES", block)
    path = tmp_path / "d.csv"
    path.write_bytes(b"a,t\r\n1,2\r\n\r\n2.5,-1e-3\n3,7\r\n-4,0.5")
    assert lazily(path).tolist() == X.tolist()
    assert calcopt.load_data(path, ["a", "t"], lazy=False).tolist() == X.tolist()


def test_a_glob_is_the_files_concatenated_in_sorted_order(tmp_path):
    (tmp_path / "p1.csv").write_text("t,a\n7,3\n0.5,-4\n")
    (tmp_path / "p0.csv").write_text("a,t\n1,2\n2.5,-1e-3\n")
    pattern = str(tmp_path / "p*.csv")
    assert np.array_equal(calcopt.load_data(pattern, ["a", "t"], lazy=False), X)
    assert np.array_equal(lazily(pattern), X)
    np.save(tmp_path / "x1.npy", X[2:])
    np.save(tmp_path / "x0.npy", X[:2])
    assert np.array_equal(calcopt.load_data(str(tmp_path / "x*.npy"), ["a", "t"], lazy=False), X)


def test_npy_both_ways_and_its_bad_cells(tmp_path):
    np.save(tmp_path / "x.npy", X.astype(np.float32))
    got = calcopt.load_data(tmp_path / "x.npy", ["a", "t"], lazy=False)
    assert got.dtype == np.float64 and np.array_equal(got, X.astype(np.float32))
    assert np.array_equal(lazily(tmp_path / "x.npy", chunk_rows=3), got)
    assert dataread.data_columns(tmp_path / "x.npy") is None
    bad = X.copy()
    bad[2, 1] = np.inf
    np.save(tmp_path / "bad.npy", bad)
    says = "bad.npy, row 2 (from 0), column 't': inf is not a finite number"
    with pytest.raises(DataError, match=r"bad\.npy, row 2 \(from 0\), column 't': inf"):
        calcopt.load_data(tmp_path / "bad.npy", ["a", "t"], lazy=False)
    with pytest.raises(DataError) as err:
        lazily(tmp_path / "bad.npy", chunk_rows=2)   # in the second chunk: rows of the file
    assert says in str(err.value)
    with pytest.raises(DataError, match=r"expected \(N, 3\)"):
        calcopt.load_data(tmp_path / "x.npy", ["a", "t", "u"], lazy=False)
    np.save(tmp_path / "s.npy", np.array([["1", "2"]]))
    with pytest.raises(DataError, match="must hold real numbers"):
        calcopt.load_data(tmp_path / "s.npy", ["a", "t"], lazy=False)
    (tmp_path / "junk.npy").write_text("not an array")
    with pytest.raises(DataError, match="cannot read .* as npy"):
        calcopt.load_data(tmp_path / "junk.npy", ["a", "t"], lazy=False)


def test_parquet_and_zarr_both_ways(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"t": X[:, 1], "label": list("wxyz"), "a": X[:, 0].astype(int)})
    frame.to_parquet(tmp_path / "d.parquet")
    expected = np.column_stack([X[:, 0].astype(int), X[:, 1]])
    assert np.array_equal(calcopt.load_data(tmp_path / "d.parquet", ["a", "t"], lazy=False),
                          expected)
    assert np.array_equal(lazily(tmp_path / "d.parquet"), expected)
    assert dataread.data_columns(tmp_path / "d.parquet") == ["t", "label", "a"]
    for lazy in (False, True):
        with pytest.raises(DataError, match="must be numeric"):
            calcopt.load_data(tmp_path / "d.parquet", ["a", "label"], lazy=lazy)
        with pytest.raises(DataError, match=r"no columns \['u'\]"):
            calcopt.load_data(tmp_path / "d.parquet", ["a", "u"], lazy=lazy)
    frame.loc[3, "t"] = np.nan
    frame.to_parquet(tmp_path / "nan.parquet")
    with pytest.raises(DataError, match=r"nan.parquet, row 3 \(from 0\), column 't': nan is "
                                        "not a finite number"):
        calcopt.load_data(tmp_path / "nan.parquet", ["a", "t"], lazy=False)
    with pytest.raises(DataError, match=r"nan.parquet, column 't': nan is not a finite"):
        lazily(tmp_path / "nan.parquet")
    zarr = pytest.importorskip("zarr")
    z = zarr.open(str(tmp_path / "x.zarr"), mode="w", shape=X.shape, chunks=(3, 2),
                  dtype="f8")
    z[...] = X
    assert np.array_equal(calcopt.load_data(tmp_path / "x.zarr", ["a", "t"], lazy=False), X)
    assert np.array_equal(lazily(tmp_path / "x.zarr"), X)
    z[3, 0] = -np.inf
    for lazy in (False, True):
        with pytest.raises(DataError, match=r"row 3 \(from 0\), column 'a': -inf"):
            (lazily if lazy else calcopt.load_data)(tmp_path / "x.zarr", ["a", "t"],
                                                    **({} if lazy else {"lazy": False}))


def test_missing_files_formats_and_params(tmp_path, csv_file):
    for lazy in (False, True):
        with pytest.raises(DataError, match=r"no such data file: .*missing.csv' \(data "
                                            "files are .csv, .parquet"):
            calcopt.load_data(tmp_path / "missing.csv", ["a"], lazy=lazy)
        with pytest.raises(DataError, match="no file matches"):
            calcopt.load_data(str(tmp_path / "none*.csv"), ["a"], lazy=lazy)
        with pytest.raises(OptionError, match="cannot tell the format"):
            calcopt.load_data(tmp_path / "d.txt", ["a"], lazy=lazy)
        with pytest.raises(OptionError, match="params is empty"):
            calcopt.load_data(csv_file, [], lazy=lazy)
    with pytest.raises(DataError, match="no such data file"):
        dataread.data_columns(tmp_path / "missing.csv")
    assert dataread.data_columns(csv_file, format="csv") == ["a", "t"]


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_lazy_false_imports_no_dask(tmp_path, csv_file):
    np.save(tmp_path / "x.npy", X)
    out = run_python(
        "import sys, calcopt\n"
        f"A = calcopt.load_data({str(csv_file)!r}, ['a', 't'], lazy=False)\n"
        f"B = calcopt.load_data({str(tmp_path / 'x.npy')!r}, ['a', 't'], lazy=False)\n"
        "print(type(A).__name__, A.tolist() == B.tolist(), 'dask' in sys.modules)\n")
    assert out == "ndarray True False"


def test_without_pyarrow_or_zarr_the_error_names_the_extra(tmp_path):
    (tmp_path / "d.parquet").write_bytes(b"")
    (tmp_path / "x.zarr").mkdir()
    out = run_python(
        "import sys\n"
        "sys.modules['pyarrow'] = sys.modules['zarr'] = None  # as if not installed\n"
        "import calcopt\n"
        f"for p in ({str(tmp_path / 'd.parquet')!r}, {str(tmp_path / 'x.zarr')!r}):\n"
        "    try:\n"
        "        calcopt.load_data(p, ['a'], lazy=False)\n"
        "    except calcopt.MissingDependencyError as err:\n"
        "        print(err)\n")
    assert out.splitlines() == ['reading parquet needs pyarrow: pip install "calcopt[dask]"',
                                'reading zarr needs zarr: pip install "calcopt[dask]"']


from hypothesis import given, settings, strategies as st  # noqa: E402

_FINITE = st.floats(allow_nan=False, allow_infinity=False)
_CELL = st.one_of(_FINITE.map(repr), _FINITE.map(lambda v: f"{v:.17e}"),
                  _FINITE.map(lambda v: f"  {v!r}"), st.integers(-10**20, 10**20).map(str))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_CELL, _CELL), min_size=1, max_size=30))
def test_the_fast_csv_parser_reads_what_the_careful_one_reads(tmp_path_factory, rows):
    # pandas' C parser (the fast path) must give Python's float of every cell, bit for bit
    path = tmp_path_factory.mktemp("csv") / "d.csv"
    path.write_text("a,t\n" + "".join(f"{a},{t}\n" for a, t in rows))
    header, start = dataread.csv_header(str(path))
    raw = path.read_bytes()[start:]
    fast = dataread._fast_csv(raw, header, ["a", "t"])
    expected = np.array([[float(a), float(t)] for a, t in rows])
    assert fast is not None
    assert np.array_equal(fast, expected) and np.array_equal(
        np.signbit(fast), np.signbit(expected))


@pytest.mark.parametrize("text", ["a,t\n1,2\n\n3,4\n", 'a,t\n"1",2\n3,4\n', "a,t\n1 ,2\n3,4\n",
                                  "a,t\n1,2\n  ,  \n3,4\n"])
def test_unusual_but_valid_csv_goes_the_careful_way_with_the_same_values(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(text)
    assert calcopt.load_data(path, ["a", "t"], lazy=False).tolist() == [[1, 2], [3, 4]]
