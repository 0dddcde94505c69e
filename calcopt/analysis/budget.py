"""Time budgets that hold: run a SymPy computation in a child process and kill it on time-out.

SymPy's solvers and simplifiers can run for hours and cannot be interrupted from a thread, so
an analysis step that may be slow runs in a forked child process; the parent waits at most
``timeout`` seconds and then kills the child.  The result comes back pickled (SymPy
expressions pickle).  Exceptions raised in the child are re-raised in the parent.

Why not a thread with a flag: SymPy never checks one.  Why not ``signal.alarm``: it works only
in the main thread and not inside long C-level calls.

Examples
--------
>>> call_with_budget(sum, [1, 2, 3], timeout=5.0)
6
>>> import time
>>> try:
...     call_with_budget(time.sleep, 10, timeout=0.2)
... except BudgetExceeded as err:
...     print(err)
time budget of 0.2 s exceeded
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from typing import Any, Callable


class BudgetExceeded(Exception):
    """The computation did not finish within its time budget (internal: analyses turn it
    into a ``None`` verdict with the reason)."""


def _child(conn, fn: Callable, args: tuple, kwargs: dict) -> None:
    try:
        result = ("ok", fn(*args, **kwargs))
    except BaseException as exc:  # sent back and re-raised in the parent
        result = ("error", exc)
    try:
        conn.send_bytes(pickle.dumps(result))
    except Exception as exc:  # an unpicklable result or exception
        conn.send_bytes(pickle.dumps(("error", RuntimeError(f"result could not be sent: {exc}"))))
    finally:
        conn.close()


def call_with_budget(fn: Callable, *args: Any, timeout: float, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` computed within ``timeout`` seconds, or :class:`BudgetExceeded`.

    Uses a forked child process where the platform has ``fork`` (the child inherits ``fn`` and
    its arguments without pickling); elsewhere it runs in the calling process with no budget
    enforcement beyond what ``fn`` itself does.
    """
    if timeout is None or timeout <= 0:
        raise BudgetExceeded(f"time budget of {timeout} s exceeded")
    if "fork" not in multiprocessing.get_all_start_methods() or os.environ.get(
            "CALCOPT_NO_FORK"):
        return fn(*args, **kwargs)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args, kwargs), daemon=True)
    proc.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise BudgetExceeded(f"time budget of {timeout:g} s exceeded")
        try:
            status, value = pickle.loads(receive.recv_bytes())
        except EOFError:
            raise RuntimeError(f"the analysis process died (exit code {proc.exitcode})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
    if status == "error":
        raise value
    return value
