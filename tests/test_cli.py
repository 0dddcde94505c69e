"""The command line: calcopt.cli.main in-process (fast), one subprocess run of python -m calcopt."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp

import calcopt
from calcopt.cli import main
from calcopt.cli import commands, formatting

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- analyse -------------------------------------------------------------------------------------

def test_analyse_text_quadratic_at_a_point(capsys):
    code, out, err = run(capsys, "analyse", "x^2 + 3*x*y + 5*y^2", "--at", "1,2")
    assert code == 0, err
    assert "df/dx = 2*x + 3*y" in out and "df/dy = 3*x + 10*y" in out
    assert "f      = 27" in out and "grad f = [8, 23]" in out     # exact at (1, 2)
    assert "convexity: convex (strictly, strongly, modulus 1)" in out
    assert "kappa = 11" in out                                      # eigenvalues 6 -+ 5
    assert "arg min: (x=0, y=0), f = 0  [proven global minimiser, unique]" in out


def test_analyse_json_has_exact_values(capsys):
    code, out, _ = run(capsys, "analyse", "50*x^2 + x*y + y^2/100", "--json")
    assert code == 0
    data = json.loads(out)
    x, y = sp.symbols("x y", real=True)
    f = 50 * x**2 + x * y + y**2 / 100
    grad = [calcopt.parse(e) for e in data["gradient"]["expressions"]]
    assert grad == [sp.diff(f, x), sp.diff(f, y)]
    H = sp.Matrix([[calcopt.parse(e) for e in row] for row in data["hessian"]["matrix"]])
    assert H == sp.hessian(f, (x, y))
    cond = data["conditioning"]
    assert cond["exact"] and cond["scope"] == "global"
    L, mu = (calcopt.parse(cond[k]["exact"]) for k in ("L", "mu"))
    assert {L, mu} == set(H.eigenvals())                            # exact eigenvalues
    assert cond["kappa"]["float"] == pytest.approx(float(L / mu))
    assert data["convexity"]["curvature"] == "convex"
    assert [v["exact"] for v in data["argmin"]["x"]] == ["0", "0"] and data["argmin"]["exact"]


def test_analyse_domain_box_and_leading_minus(capsys):
    code, out, err = run(capsys, "analyse", "-log(x) + y^2", "--domain", "x > 0", "--at", "1,-1")
    assert code == 0, err
    assert "domain: x in (0, oo)" in out and "convexity: convex" in out
    assert "grad f = [-1, -2]" in out
    code, out, _ = run(capsys, "analyse", "x^4 + y^4", "--box", "x=-2:2, y=-1:3", "--json")
    cond = json.loads(out)["conditioning"]
    assert code == 0 and cond["scope"] == "box"
    assert calcopt.parse(cond["L"]["exact"]) >= 48                 # 12*x^2 reaches 48 at x = 2


def test_analyse_unknown_is_said(capsys):
    code, out, _ = run(capsys, "analyse", "x^2 + sin(3*x)", "--timeout", "2")
    assert code == 0
    assert "not proven global" in out


def test_big_derivatives_print_with_named_subexpressions(capsys):
    text = "log(" + " + ".join(f"exp({i + 1}*a + {i + 2}*b + {i + 3}*c + {i + 4}*d)"
                               for i in range(5)) + ")"
    code, out, _ = run(capsys, "analyse", text, "--timeout", "1", "--json")
    data = json.loads(out)
    reps = data["gradient"]["replacements"]
    assert code == 0 and reps
    # the reduced gradient with the names substituted back is the exact gradient
    names = {}
    for name, e in reps:
        names[sp.Symbol(name, real=True)] = calcopt.parse(e).xreplace(names)
    g = calcopt.compile(calcopt.parse(text))
    back = [calcopt.parse(e).xreplace(names) for e in data["gradient"]["expressions"]]
    assert back == list(g.gradient())
    at = {s: sp.Rational(k, 7) for k, s in enumerate(g.wrt)}
    for e, s in zip(back, g.wrt):                     # and it is d f / d s
        assert abs(sp.N((e - sp.diff(g.to_sympy(), s)).xreplace(at), 50)) < 1e-40
    lines = formatting.gradient_lines(*formatting.shown(g.gradient_graph()), g.wrt)
    assert "  where" in lines and lines[-1].startswith("    w")
    assert len("\n".join(lines)) < len(str(g.gradient()))


# --- bad input: exit 2, one line -----------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["analyse", "__import__('os')"],
    ["analyse", "().__class__.__bases__"],
    ["analyse", "x; import os"],
    ["analyse", "lambda: 0"],
    ["analyse", "x +"],
    ["analyse", "x^2", "--domain", "x >"],
    ["analyse", "x^2", "--at", "1,,2"],
    ["analyse", "x^2", "--at", "1,2"],                 # two coordinates, one variable
    ["analyse", "log(x)"],                             # undefined on all of R: give --domain
    ["analyse", "x^2", "--wrt", "x,1y"],
    ["analyse", "x^2", "--timeout", "-1"],
    ["analyse", "x^2", "--bogus"],
    ["analyse"],
    ["frobnicate"],
    ["graph", "x*y", "--adjoints"],
    ["graph", "x*y", "-o", "out.xyz"],
])
def test_bad_input_exits_2_with_one_line(capsys, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert one_error_line(err).startswith("error: ")
    assert out == ""


def test_internal_error_exits_1_traceback_only_with_debug(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(commands, "analyse", broken)
    code, _, err = run(capsys, "analyse", "x^2")
    assert code == 1
    assert one_error_line(err) == ("internal error: RuntimeError: boom (run with --debug for "
                                   "the traceback)")
    code, _, err = run(capsys, "analyse", "x^2", "--debug")
    assert code == 1 and "Traceback" in err and "RuntimeError: boom" in err


@pytest.mark.parametrize("command", ["analyse", "graph", "report"])
def test_help_with_examples(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "example" in out and f"calcopt {command}" in out


def test_version_and_top_level_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"calcopt {calcopt.__version__}"
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "exit status" in out and "analyse" in out


# --- graph ---------------------------------------------------------------------------------------

def test_graph_svg_is_xml_with_adjoints(capsys, tmp_path):
    path = tmp_path / "g.svg"
    code, out, err = run(capsys, "graph", "(x*y + sin(x))*exp(y)", "--at", "1,0.5",
                         "--adjoints", "-o", str(path))
    assert code == 0, err
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert "adjoint 1.715" in path.read_text(encoding="utf-8")   # df/dx at (1, 0.5)


def test_graph_text_formats(capsys, tmp_path):
    code, out, _ = run(capsys, "graph", "exp(x*y) + sin(x*y)")
    assert code == 0 and out.startswith("digraph calcopt") and out.count(" -> ") == 6
    code, out, _ = run(capsys, "graph", "x^2*y", "--at", "1,2", "--tangent", "1,0",
                       "--format", "json")
    nodes = json.loads(out)["nodes"]
    assert code == 0 and {n["label"]: n["tangent"] for n in nodes}["x"] == 1.0
    code, out, _ = run(capsys, "graph", "x^2*y", "--format", "mermaid")
    assert code == 0 and out.startswith("flowchart LR")
    path = tmp_path / "g.dot"
    code, _, _ = run(capsys, "graph", "x*y", "-o", str(path))
    assert code == 0 and path.read_text(encoding="utf-8").startswith("digraph")


# --- objective.py ----------------------------------------------------------------------------------

SCRIPT = '''
import sympy as sp
w, b, a, t = sp.symbols("w b a t", real=True)
objective = (w*a + b - t)**2
wrt = [w, b]
params = ["a", "t"]
data = {"a": [1.0, 2.0, 3.0], "t": [2.0, 4.1, 5.9]}
x0 = (0, 0)
if __name__ == "__main__":
    raise SystemExit("a loaded objective does not run as __main__")
'''


def test_objective_script_is_analysed_as_its_exact_data_average(capsys, tmp_path):
    path = tmp_path / "objective.py"
    path.write_text(SCRIPT)
    code, out, err = run(capsys, "analyse", str(path), "--json", "--timeout", "5")
    assert code == 0, err
    data = json.loads(out)
    assert data["wrt"] == ["w", "b"] and data["params"] == ["a", "t"]
    assert data["point"]["value"]["float"] == pytest.approx((4 + 4.1**2 + 5.9**2) / 3)
    # least squares: the normal equations, solved exactly
    w, b = sp.symbols("w b")
    A, T = [1, 2, 3], [2, sp.Rational(41, 10), sp.Rational(59, 10)]
    F = sum((w * a + b - t) ** 2 for a, t in zip(A, T))
    best = sp.solve([sp.diff(F, w), sp.diff(F, b)], [w, b])
    assert [calcopt.parse(v["exact"]) for v in data["argmin"]["x"]] == [best[w], best[b]]
    assert data["argmin"]["exact"] and data["convexity"]["curvature"] == "convex"


def test_objective_script_errors_exit_2(capsys, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("raise ValueError('no objective today')\n")
    code, _, err = run(capsys, "analyse", str(bad))
    assert code == 2 and "ValueError: no objective today" in one_error_line(err)
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    code, _, err = run(capsys, "analyse", str(empty))
    assert code == 2 and "defines no `objective`" in one_error_line(err)
    code, _, err = run(capsys, "analyse", str(tmp_path / "missing.py"))
    assert code == 2 and "no such file" in one_error_line(err)


# --- report --------------------------------------------------------------------------------------

def test_report_options_are_checked_before_any_work(capsys, tmp_path):
    # the report itself is tested in tests/test_report.py (it takes half a minute)
    code, _, err = run(capsys, "report", "x^2", "--iters", "0", "-o", str(tmp_path))
    assert code == 2 and "--iters" in err and not (tmp_path / "report.html").exists()


# --- the entry point in a real process -------------------------------------------------------------

def test_python_dash_m_calcopt_subprocess():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "calcopt", "analyse", "x**2"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "df/dx = 2*x" in done.stdout and "arg min: (x=0), f = 0" in done.stdout
    done = subprocess.run([sys.executable, "-m", "calcopt", "analyse", "__import__('os')"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


def test_at_and_box_together_give_both_conditionings(capsys):
    code, out, _ = run(capsys, "analyse", "x^2 + y^4", "--at", "1,1", "--box", "x=0:1, y=0:1",
                       "--json")
    data = json.loads(out)
    assert code == 0
    assert data["conditioning"]["scope"] == "box"
    assert calcopt.parse(data["conditioning"]["L"]["exact"]) >= 12          # 12*y^2 at y = 1
    at = data["conditioning_at_point"]
    assert at["scope"] == "point" and at["kappa"]["exact"] == "6"          # diag(2, 12)


def test_point_where_f_is_undefined_is_bad_input(capsys):
    code, _, err = run(capsys, "analyse", "sqrt(x)", "--domain", "x >= 0", "--at", "0")
    assert code == 2 and "not a finite real number" in one_error_line(err)
    code, _, err = run(capsys, "analyse", "log(x)")
    assert code == 2 and "--domain" in one_error_line(err)
