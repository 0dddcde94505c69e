"""The examples run and print what they promise."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_backprop_table_shows_every_node_and_the_gradient():
    out = run("backprop_table.py")
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 7                       # x, y, x*y, sin, +, exp, *
    assert "gradient = adjoints of the variables = [1.71516" in out


@pytest.mark.parametrize("n", ["6", "40"])
def test_rosenbrock_example(n):
    out = run("rosenbrock.py", n)
    assert "3 colours" in out
    assert "|grad| = 0.0" in out                # x = 1 is the minimiser
    assert "gradient / f (cheap-gradient ratio)" in out


def test_backprop_diagram_writes_a_readable_image(tmp_path):
    png = tmp_path / "bp.png"
    out = run("backprop_diagram.py", str(png))
    assert f"wrote {png}: 7 nodes, 8 edges" in out
    assert "gradient = adjoints of x and y = [1.715169, 3.860433]" in out
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    svg = tmp_path / "bp.svg"
    run("backprop_diagram.py", str(svg), "--partials")
    text = svg.read_text(encoding="utf-8")
    for label in ("value 2.212", "adjoint 1.715", "adjoint 3.86", "0.5403", "sin", "exp"):
        assert label in text


def test_ill_conditioned_example_writes_both_pictures_and_checks_the_rates(tmp_path):
    out = run("ill_conditioned.py", str(tmp_path))
    for name in ("ill_conditioned_contour.png", "ill_conditioned_convergence.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and 10_000 < len(data) < 150_000
        assert f"wrote {tmp_path / name}" in out
    # gd with 1/L attains the tight f-gap rate (1 - 1/kappa)^2 = 0.9801; every bound holds
    assert "measured rate 0.98" in out and "vs predicted 0.9801 per iteration: matches" in out
    assert out.count("holds=True") == 3
