"""SGD on logistic regression: the noise floor against the predicted floor, for several batch
sizes, and the mini-batch gradient variance against sigma^2 / B.

The objective is the mean over N = 4000 generated samples (a, b), a in R^5, b = +-1, of

    log(1 + exp(-b * (w . a))) + (lam/2) ||w||^2,        lam = 0.1.

The ridge term is what makes the SGD theory apply: it gives strong convexity mu = lam
everywhere, and L = lam + lambda_max(A'A/N)/4 bounds the Hessian everywhere (the logistic
loss has second derivative <= 1/4).  calcopt has no certified L, mu for an objective with
data that is not quadratic, so both are computed here from these two facts and passed in.

With a constant step alpha <= 1/L, Bottou, Curtis & Nocedal (2018, Thm 4.6) bound the
expected f-gap by a linear decay to the floor alpha L M / (2 mu), where M = sigma^2 / B is the
mini-batch gradient variance: the floor falls like 1/B.  A reader should see

* for B = 1, 8, 64 the measured plateau (mean over 8 seeds) below the predicted floor (the
  bound is a worst case: plateau / floor is about 0.1 - 0.2), and both falling roughly like
  1/B (the factors from B = 1 to B = 64 are printed);
* every seed-averaged f-gap within the bound (holds=True);
* the measured mini-batch variance on sigma^2 / B (N - B)/(N - 1) (ratio about 1).

Run: python examples/logistic_regression_sgd.py [DIRECTORY | CONVERGENCE.png VARIANCE.png]
     DIRECTORY defaults to docs/img (logistic_sgd_convergence.png, logistic_sgd_variance.png).
"""

import sys
from pathlib import Path

import numpy as np
import sympy as sp

import calcopt
from ill_conditioned import small_png  # same directory: the docs' 128-colour PNGs

D, N, LAM = 5, 4000, sp.Rational(1, 10)
BATCH_SIZES = (1, 8, 64)
SEEDS = 8
ITERS = 400


def logistic_data(seed: int = 0) -> np.ndarray:
    """N samples (a, b): a standard normal, b = +-1 drawn from the logistic model."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(N, D))
    w_true = np.array([1.5, -1.0, 0.5, 0.0, 2.0])
    b = np.where(rng.random(N) < 1 / (1 + np.exp(-A @ w_true)), 1.0, -1.0)
    return np.column_stack([A, b])


def main(convergence: Path, variance: Path) -> None:
    w, a, b = sp.symbols(f"w0:{D}"), sp.symbols(f"a0:{D}"), sp.Symbol("b")
    margin = b * sum(wi * ai for wi, ai in zip(w, a))
    f = sp.log(1 + sp.exp(-margin)) + LAM * sum(wi**2 for wi in w) / 2
    g = calcopt.compile(f, wrt=list(w), params=[*a, b])
    data = logistic_data()
    A = data[:, :D]
    L = float(LAM) + float(np.linalg.eigvalsh(A.T @ A / N)[-1]) / 4
    mu = float(LAM)
    step = 0.2 / L
    x0 = np.array([-3.0, 3.0, -3.0, 3.0, -3.0])
    print(f"logistic regression, d = {D}, N = {N}, lam = {LAM}: L = {L:.4g}, mu = {mu:.4g} "
          f"(kappa = {L / mu:.3g}), constant step {step:.4g} = 0.2/L")

    runs, preds, checks = [], [], []
    print(f"{'B':>4} {'predicted floor':>16} {'measured plateau':>17} {'plateau/floor':>14}  "
          f"bound (mean of {SEEDS} seeds)")
    for B in BATCH_SIZES:
        p = calcopt.predict(g, method="sgd", step=step, x0=x0, batch_size=B, data=data, L=L,
                            mu=mu)
        seeds = [calcopt.sgd(g, x0, data, batch_size=B, step=step, iters=ITERS, record_every=2,
                             seed=s) for s in range(SEEDS)]
        c = calcopt.check(seeds, p)
        print(f"{B:>4} {p.floor:>16.4g} {c.plateau:>17.4g} {c.plateau_ratio:>14.3f}  "
              f"holds={c.holds}")
        runs.append(seeds[0])
        preds.append(p)
        checks.append(c)
    print(f"from B = {BATCH_SIZES[0]} to B = {BATCH_SIZES[-1]} the predicted floor falls "
          f"{preds[0].floor / preds[-1].floor:.0f}x (M = sigma^2/B (N-B)/(N-1)); the measured "
          f"plateau {checks[0].plateau / checks[-1].plateau:.0f}x")
    print(f"predicted rate of the transient: 1 - step mu = {preds[0].rate:.4f} per iteration "
          f"(source: {preds[0].source})")

    calcopt.plot_convergence(runs, preds, labels=[f"SGD, B = {B} (seed 0)" for B in BATCH_SIZES],
                             path=convergence,
                             title="Logistic regression, SGD with step 0.2/L: f - f* against the "
                                   "predicted bound\n(dashed) and noise floor (dash-dotted), "
                                   "for each batch size B")
    shrink(convergence)
    print(f"wrote {convergence}")

    mv = calcopt.minibatch_variance(g, data, preds[0].x_star, [1, 4, 16, 64, 256, 1024],
                                    samples=1000, seed=0)
    print(f"mini-batch gradient variance at x* (sigma^2 = {mv.sigma2:.4g}):")
    print(mv.table())
    calcopt.plot_variance(mv, path=variance, title="Logistic regression: mini-batch gradient "
                          f"variance at x*\nN = {N} samples, batches drawn without replacement")
    shrink(variance)
    print(f"wrote {variance}")


def shrink(path: Path) -> None:
    if path.suffix.lower() == ".png":
        small_png(path)


def paths(argv: list[str]) -> tuple[Path, Path]:
    if len(argv) == 2:
        return Path(argv[0]), Path(argv[1])
    if len(argv) > 2:
        sys.exit(__doc__.split("Run: ")[1])
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "docs" / "img"
    return out / "logistic_sgd_convergence.png", out / "logistic_sgd_variance.png"


if __name__ == "__main__":
    main(*paths(sys.argv[1:]))
