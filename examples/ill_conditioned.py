"""Gradient descent on an ill-conditioned quadratic: zig-zag, momentum, and the predicted rates.

The built-in default objective f = (x + y - 1)^2/2 + 50 (x - y)^2 has Hessian eigenvalues
2 and 200 (condition number 100).  Three runs from the same start:

* fixed step 1/L: the steep direction is gone after one step, then a slow crawl along the
  valley at the rate 1 - mu/L per iteration;
* exact line search: every step is orthogonal to the previous one, the classic zig-zag;
* heavy ball with the optimal parameters: overshoots, but contracts at
  (sqrt(kappa) - 1)/(sqrt(kappa) + 1) = 9/11 per iteration.

Writes the contour picture and the convergence plot (f - f* per iteration against the
predicted worst-case bounds) and prints the checks.

Run: python examples/ill_conditioned.py [output directory]   (default: docs/img)
"""

import sys
from pathlib import Path

import calcopt
from calcopt.report.defaults import default_objective


def main(out: Path) -> None:
    f, wrt, _ = default_objective()
    g = calcopt.compile(f, wrt=wrt)
    x0 = [-1.5, -1.1]  # far along the valley, a little off its floor: a visible zig-zag
    settings = [dict(), dict(line_search="exact"), dict(momentum="heavy_ball")]
    labels = ["gradient descent, step 1/L", "exact line search (zig-zag)",
              "heavy ball, optimal step and momentum"]
    runs = [calcopt.gd(g, x0, iters=300, tol=1e-9, **s) for s in settings]
    for label, run in zip(labels, runs):
        print(f"{label:40s} {run.iters:4d} steps, f = {run.f[-1]:.3g}  ({run.method})")

    contour = out / "ill_conditioned_contour.png"
    calcopt.plot_contour(g, runs, arrows=True, labels=labels, path=contour,
                         title="f = (x + y - 1)²/2 + 50 (x - y)²: condition number 100")
    small_png(contour)
    print(f"wrote {contour}")

    # The f-gap bounds of the first two runs; heavy ball's bound is on ||x - x*|| (its
    # check is printed below), so it is drawn without one.
    preds = [calcopt.predict(g, x0=x0, **s) for s in settings]
    for label, run, p in zip(labels, runs, preds):
        c = calcopt.check(run, p)
        print(f"{label:40s} {p.quantity:9s} holds={c.holds}  {c.verdict}")
    convergence = out / "ill_conditioned_convergence.png"
    calcopt.plot_convergence(runs, [preds[0], preds[1], None], labels=labels, path=convergence,
                             title="f - f* per iteration against the predicted worst-case "
                                   "bounds (dashed)")
    small_png(convergence)
    print(f"wrote {convergence}")


def small_png(path: Path) -> None:
    """128 colours, no dithering: the same picture at a quarter of the size (for the docs)."""
    from PIL import Image  # installed with matplotlib

    image = Image.open(path).convert("RGB")
    image.quantize(128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
         / "docs" / "img")
