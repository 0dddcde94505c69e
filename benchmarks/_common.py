"""Helpers shared by the benchmark scripts: the Rosenbrock problem, timers, memory tracing
and plain-text tables.  Not a benchmark itself; the scripts import it from their own folder.
"""

from __future__ import annotations

import gc
import timeit
import tracemalloc
from time import perf_counter

import sympy as sp

LONG = 1.0  # a first run longer than this (s) is not repeated


def rosenbrock(n: int):
    """(variables, expression) of the extended Rosenbrock function in n variables."""
    xs = sp.symbols(f"x0:{n}")
    terms = [100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)]
    return xs, sp.Add(*terms)


def best_of(fn, setup=None, repeats: int = 3):
    """Best wall time of ``fn(setup())`` over ``repeats`` runs; ``setup`` is not timed.

    A first run longer than ``LONG`` seconds is not repeated.  Returns
    ``(seconds, runs, last result)``.
    """
    times, result = [], None
    for _ in range(repeats):
        arg = setup() if setup is not None else None
        gc.collect()
        t0 = perf_counter()
        result = fn(arg) if setup is not None else fn()
        times.append(perf_counter() - t0)
        if times[-1] > LONG:
            break
    return min(times), len(times), result


def per_call(fn, repeats: int = 3) -> float:
    """Seconds per call of a fast ``fn()``: best of ``repeats`` loops of >= 0.2 s each."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeats, number)) / number


def fmt_s(seconds: float | None, runs: int | None = None, us_digits: int = 1) -> str:
    """Seconds with a unit that keeps 3 significant digits; ``*`` = timed once (> 1 s).

    ``None`` prints as ``-``; ``us_digits`` is the number of decimals below 1 ms.
    """
    if seconds is None:
        return "-"
    if seconds >= 1:
        text = f"{seconds:.2f} s"
    elif seconds >= 1e-3:
        text = f"{seconds * 1e3:.1f} ms"
    else:
        text = f"{seconds * 1e6:.{us_digits}f} us"
    return text + ("*" if runs == 1 else "")


def traced(fn):
    """(result, peak bytes, retained bytes) of ``fn()`` under tracemalloc."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    result = fn()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak - before, current - before


def table_print(title: str, header: list[str], rows: list[list[str]], notes: list[str] = ()):
    """Print a right-aligned plain-text table: a blank line, the title, the header, a rule,
    the rows, then each note indented by two spaces."""
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(header)]
    print()
    print(title)
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    for note in notes:
        print("  " + note)
