"""Points and data sets: validation, file readers, lazy (dask) data.

``points`` validates points and data columns into what generated code takes; ``read``
parses data files in memory (CSV, ``.npy``, Parquet, Zarr); ``lazy`` wraps dask collections
(lazy validation, chunk-by-chunk sample means); ``load`` is :func:`calcopt.load_data`.  The
data set of the built-in report (``logistic_regression.csv``) ships here too.
"""
