"""Why reverse mode wins: the cost report of the extended Rosenbrock function as n grows.

f(x) = sum_{i < n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 has n inputs.  `g.cost()` counts the
weighted operations of the code calcopt generates (see docs/differentiation.md).  The full
gradient by forward mode takes n jvp sweeps, each about as dear as f itself, so its cost grows
like n * cost(f), i.e. like n^2 here; by reverse mode it is one vjp sweep, a small constant
times cost(f) whatever n is (the cheap-gradient principle).  A reader should see the
"forward / f" column grow in proportion to n and "reverse / f" stay at about 1.3.

Run: python examples/reverse_vs_forward_cost.py [PLOT.png]   (no argument: the table only)
"""

import sys

import sympy as sp

import calcopt

SIZES = (2, 8, 32, 128, 512)


def extended_rosenbrock(n: int) -> sp.Expr:
    x = sp.symbols(f"x0:{n}")
    return sp.Add(*[100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(n - 1)])


def main(argv: list[str]) -> None:
    reports = [calcopt.compile(extended_rosenbrock(n)).cost() for n in SIZES]
    print("extended Rosenbrock: weighted operation counts of the generated code (g.cost())")
    print(f"{'n':>5} {'f':>8} {'forward (n sweeps)':>19} {'reverse (1 sweep)':>18} "
          f"{'forward / f':>12} {'reverse / f':>12} {'forward / reverse':>18}")
    for c in reports:
        print(f"{c.n:>5} {c.f:>8,} {c.gradient_forward:>19,} {c.gradient_reverse:>18,} "
              f"{c.gradient_forward / c.f:>12.1f} {c.gradient_reverse / c.f:>12.2f} "
              f"{c.gradient_forward / c.gradient_reverse:>18.1f}")
    first, last = reports[0], reports[-1]
    grow = last.n / first.n
    forward = (last.gradient_forward / last.f) / (first.gradient_forward / first.f)
    reverse = (last.gradient_reverse / last.f) / (first.gradient_reverse / first.f)
    print(f"n grows {grow:.0f}x: forward / f grows {forward:.0f}x, reverse / f {reverse:.2f}x")
    if argv:
        plot(reports, argv[0])
        print(f"wrote {argv[0]}")


def plot(reports, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    n = [c.n for c in reports]
    fig, ax = plt.subplots(figsize=(6.4, 4.6), dpi=100, layout="constrained")
    ax.loglog(n, [c.gradient_forward for c in reports], "o-", label="gradient, forward mode "
              "(n jvp sweeps)")
    ax.loglog(n, [c.gradient_reverse for c in reports], "s-", label="gradient, reverse mode "
              "(1 vjp sweep)")
    ax.loglog(n, [c.f for c in reports], "k^--", label="f alone")
    ax.set_xlabel("number of inputs n")
    ax.set_ylabel("weighted operations (g.cost())")
    ax.set_title("Extended Rosenbrock: forward mode grows like n * cost(f),\n"
                 "reverse mode stays a small multiple of cost(f)", fontsize=11)
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    ax.legend(fontsize=9)
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1:])
