"""The ``calcopt`` command line: ``report``, ``analyse``, ``graph``, ``run`` (see
``docs/cli.md``).

:func:`main` takes the argument list and returns the exit status: 0 success, 2 bad input
(every :class:`calcopt.CalcoptError` and every bad flag: one line on stderr, no traceback),
1 internal error (the traceback only with ``--debug``).

>>> main(["analyse", "x^2 - 2*x", "--timeout", "5"])            # doctest: +ELLIPSIS
f(x) = x**2 - 2*x
...
arg min: (x=1), f = -1  [proven global minimiser, unique]
...
0
"""

from __future__ import annotations

import sys
import traceback
from typing import Sequence

from ..errors import CalcoptError, DomainError
from .commands import run_analyse, run_graph, run_report, write
from .options import UsageError, build_parser
from .run import run_run

COMMANDS = {"report": run_report, "analyse": run_analyse, "analyze": run_analyse,
            "graph": run_graph, "run": run_run}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``calcopt`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:   # `calcopt` alone is `calcopt report`
            args = parser.parse_args(["report", *argv])
        write(COMMANDS[args.command](args))
        return 0
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except CalcoptError as err:
        hint = ""
        if isinstance(err, DomainError) and "domain={" in str(err):
            hint = " (on the command line: --domain \"x > 0, ...\")"
        print(f"error: {_one_line(err)}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug in calcopt, not bad input
        if debug:
            traceback.print_exc()
        print(f"internal error: {type(err).__name__}: {_one_line(err)}"
              + ("" if debug else " (run with --debug for the traceback)"), file=sys.stderr)
        return 1


def _one_line(err: BaseException) -> str:
    """The first line of the message (a ParseError adds the text with a caret, the grammar).

    >>> from calcopt import ParseError
    >>> _one_line(ParseError("column 3: bad\\n  x $ y\\n    ^"))
    'column 3: bad'
    """
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


__all__ = ["main"]
