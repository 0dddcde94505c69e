"""calcopt.load_data: CSV, Parquet, .npy and Zarr into lazy dask data equal to the in-memory
samples; bad files and bad params as calcopt errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt import DataError, OptionError

da = pytest.importorskip("dask.array")
pd = pytest.importorskip("pandas")

w, a, b = sp.symbols("w a b")
G = calcopt.compile((w * a - b) ** 2 / 2, wrt=[w], params=[a, b])
RNG = np.random.default_rng(11)
A = RNG.normal(size=900)
X = np.stack([A, 3 * A + RNG.normal(size=900)], axis=1)
FRAME = pd.DataFrame({"b": X[:, 1], "a": X[:, 0], "label": ["s"] * 900, "n": np.arange(900)})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    for i in range(3):
        part = FRAME.iloc[300 * i:300 * (i + 1)]
        part.to_csv(d / f"part{i}.csv", index=False)
        part.to_parquet(d / f"part{i}.parquet")
        np.save(d / f"x{i}.npy", X[300 * i:300 * (i + 1)])
    np.save(d / "x.npy", X)
    da.from_array(X, chunks=(250, 2)).to_zarr(str(d / "x.zarr"))
    return d


@pytest.mark.parametrize("pattern", ["part*.csv", "part*.parquet", "x.npy", "x*.npy",
                                     "x.zarr", "part0.csv"])
def test_formats_give_the_in_memory_gradient(files, pattern):
    data = calcopt.load_data(files / pattern if "*" not in pattern else str(files / pattern),
                             params=G.params)
    rows = slice(0, 300) if pattern == "part0.csv" else slice(None)
    np.testing.assert_allclose(G.grad([1.0], data=data), G.grad([1.0], data=X[rows]),
                               rtol=1e-12)


def test_chunk_rows_and_names_as_params(files):
    data = calcopt.load_data(files / "x.npy", params=["a", "b"], chunk_rows=200)
    assert data.chunks == ((200, 200, 200, 200, 100), (2,))
    zarr_data = calcopt.load_data(files / "x.zarr", params=["a", "b"], chunk_rows=450)
    assert zarr_data.chunks[0] == (450, 450)


def test_a_csv_is_read_lazily(files, monkeypatch):
    data = calcopt.load_data(str(files / "part*.csv"), params=G.params)
    assert data.shape[1] == 2 and data.numblocks == (3, 1)        # a block per small file
    assert np.isnan(data.shape[0])                                # rows: known once read
    assert calcopt.data.lazy.as_dask_data(data, G.params).chunk_sizes() == (300, 300, 300)
    monkeypatch.setattr(calcopt.data.load, "CHUNK_BYTES", 4096)    # blocks of ~4 KiB of a file
    data = calcopt.load_data(files / "part0.csv", params=G.params)
    assert data.numblocks[0] > 2
    np.testing.assert_array_equal(data.compute(), X[:300])


def test_bad_files_and_params(files):
    with pytest.raises(DataError, match=r"no columns \['c'\]"):
        calcopt.load_data(str(files / "part*.csv"), params=["a", "c"])
    with pytest.raises(DataError, match="must be numeric"):
        calcopt.load_data(str(files / "part*.parquet"), params=["a", "label"])
    with pytest.raises(DataError, match=r"expected \(N, 3\)"):
        calcopt.load_data(files / "x.npy", params=["a", "b", "c"])
    with pytest.raises(DataError, match="no file matches"):
        calcopt.load_data(str(files / "nothing*.csv"), params=G.params)
    with pytest.raises(OptionError, match="cannot tell the format"):
        calcopt.load_data(files / "x.txt", params=G.params)
    with pytest.raises(OptionError, match="format must be one of"):
        calcopt.load_data(files / "x.npy", params=G.params, format="hdf5")
    with pytest.raises(OptionError, match="params must be SymPy symbols"):
        calcopt.load_data(files / "x.npy", params=[1, 2])
