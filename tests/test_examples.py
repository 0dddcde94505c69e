"""The examples run and print what they promise.

Every script in examples/ is run by ``test_example``, parametrised over ``examples/*.py``: each
script needs a check registered with ``@checks("name.py")``, so a new example without a test
fails here instead of rotting unseen.
"""

import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PNG = b"\x89PNG\r\n\x1a\n"
CHECKS: dict[str, Callable[[Path], None]] = {}


def checks(script: str):
    """Register the decorated function as the test of ``examples/<script>``."""
    def register(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        CHECKS[script] = fn
        return fn
    return register


def run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_png(path: Path, smallest: int = 10_000) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > smallest, path


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example(script, tmp_path):
    if script not in CHECKS:
        pytest.fail(f"examples/{script} has no test: add a function decorated with "
                    f"@checks({script!r}) to tests/test_examples.py")
    CHECKS[script](tmp_path)


def test_every_check_belongs_to_an_example():
    assert set(CHECKS) <= {p.name for p in EXAMPLES.glob("*.py")}


@checks("backprop_table.py")
def backprop_table_shows_every_node_and_the_gradient(tmp_path):
    out = run("backprop_table.py")
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 7                       # x, y, x*y, sin, +, exp, *
    assert "gradient = adjoints of the variables = [1.71516" in out


@checks("rosenbrock.py")
def rosenbrock_example(tmp_path):
    for n in ("6", "40"):
        out = run("rosenbrock.py", n)
        assert "3 colours" in out
        assert "|grad| = 0.0" in out            # x = 1 is the minimiser
        assert "gradient / f (cheap-gradient ratio)" in out


@checks("backprop_diagram.py")
def backprop_diagram_writes_a_readable_image(tmp_path):
    png = tmp_path / "bp.png"
    out = run("backprop_diagram.py", str(png))
    assert f"wrote {png}: 7 nodes, 8 edges" in out
    assert "gradient = adjoints of x and y = [1.715169, 3.860433]" in out
    assert_png(png)
    svg = tmp_path / "bp.svg"
    run("backprop_diagram.py", str(svg), "--partials")
    text = svg.read_text(encoding="utf-8")
    for label in ("value 2.212", "adjoint 1.715", "adjoint 3.86", "0.5403", "sin", "exp"):
        assert label in text


@checks("ill_conditioned.py")
def ill_conditioned_example_writes_both_pictures_and_checks_the_rates(tmp_path):
    out = run("ill_conditioned.py", str(tmp_path))
    for name in ("ill_conditioned_contour.png", "ill_conditioned_convergence.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == PNG and 10_000 < len(data) < 150_000
        assert f"wrote {tmp_path / name}" in out
    # gd with 1/L attains the tight f-gap rate (1 - 1/kappa)^2 = 0.9801; every bound holds
    assert "measured rate 0.98" in out and "vs predicted 0.9801 per iteration: matches" in out
    assert out.count("holds=True") == 3


SGD_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+holds=(True|False)$", re.M)
VARIANCE_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$", re.M)


@checks("logistic_regression_sgd.py")
def logistic_regression_sgd_shows_the_floor_and_the_variance(tmp_path):
    out = run("logistic_regression_sgd.py", str(tmp_path))
    rows = {int(b): (float(floor), float(plateau), float(ratio), holds)
            for b, floor, plateau, ratio, holds in SGD_ROW.findall(out)}
    assert sorted(rows) == [1, 8, 64]
    for floor, plateau, ratio, holds in rows.values():
        assert holds == "True" and 0 < plateau < floor   # the floor is an upper bound
        assert ratio == pytest.approx(plateau / floor, abs=2e-3)
    # floor = step L M / (2 mu) with M = sigma^2/B (N-B)/(N-1), N = 4000: B = 1 -> 64 is
    # a factor 64 (N-1)/(N-64)
    assert rows[1][0] / rows[64][0] == pytest.approx(64 * 3999 / 3936, rel=1e-3)
    assert "Theorem 4.6 (fixed stepsize)" in out
    L, mu = map(float, re.search(r"L = (\S+), mu = (\S+) ", out).groups())
    rate = float(re.search(r"1 - step mu = (\S+) per iteration", out).group(1))
    assert rate == pytest.approx(1 - 0.2 * mu / L, abs=1e-4)      # step 0.2/L
    variance = {int(r[0]): float(r[3]) for r in VARIANCE_ROW.findall(out.split("sigma^2 = ")[1])}
    assert sorted(variance) == [1, 4, 16, 64, 256, 1024]
    assert all(abs(ratio - 1) < 0.1 for ratio in variance.values())
    for name in ("logistic_sgd_convergence.png", "logistic_sgd_variance.png"):
        assert_png(tmp_path / name)
        assert (tmp_path / name).stat().st_size < 150_000     # 128 colours, as in docs/img
        assert f"wrote {tmp_path / name}" in out


COST_ROW = re.compile(r"^\s*(\d+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+\S+\s+\S+\s+\S+$", re.M)


@checks("reverse_vs_forward_cost.py")
def reverse_vs_forward_cost_table_and_plot(tmp_path):
    png = tmp_path / "cost.png"
    out = run("reverse_vs_forward_cost.py", str(png))
    rows = [tuple(int(v.replace(",", "")) for v in row) for row in COST_ROW.findall(out)]
    assert [n for n, *_ in rows] == [2, 8, 32, 128, 512]
    for n, f, forward, reverse in rows:
        assert forward >= n * f                  # n sweeps, each at least as dear as f
        assert f < reverse <= 4 * f              # the cheap-gradient principle
    assert f"wrote {png}" in out
    assert_png(png)
    table_only = run("reverse_vs_forward_cost.py")
    assert "wrote" not in table_only and COST_ROW.findall(table_only) == COST_ROW.findall(out)
