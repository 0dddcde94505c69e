"""The HTML report: its content, its pieces, bad input, and the page in a real browser."""

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.cli import main
from calcopt.report import Problem, html_report
from calcopt.report.compact import mathml
from calcopt.report.html import pre

x, y = sp.symbols("x y")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    """The README's main job: ``calcopt`` with no arguments is ``calcopt report`` on the
    built-in objectives, writing ``calcopt-report/report.html`` in the working directory."""
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("report"))
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            assert main([]) == 0
        path = Path("calcopt-report", "report.html").resolve()
    finally:
        os.chdir(cwd)
    path.with_suffix(".stdout").write_text(printed.getvalue(), encoding="utf-8")
    return path


# --- what the default report says ------------------------------------------------------------------

def test_default_report_is_self_contained(default_report):
    doc = default_report.read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>")
    # nothing to fetch: no scripts, style sheets, images or fonts from elsewhere
    assert not re.search(r"<(script|link|img|iframe)\b", doc)
    assert not re.search(r"(src|href)=\"(https?:)?//", doc)
    assert not re.search(r"url\((?!#)", doc)        # only in-page references inside the SVGs


def test_default_report_has_every_section(default_report):
    doc = default_report.read_text(encoding="utf-8")
    for heading in ("Computational graph", "Gradient", "Hessian", "Convexity", "Conditioning",
                    "Stationary points", "Arg min", "Gradient descent: predicted against measured",
                    "Trajectories", "Mini-batch SGD", "Mini-batch gradient variance",
                    "Cost of the derivatives"):
        assert f">{heading}" in doc, heading
    # the quadratic: exact kappa = 100 and the exact Hessian as MathML
    assert "<th>kappa</th><td><math" in doc and "<mn>100</mn>" in doc
    assert "<mn>101</mn>" in doc and "<mn>99</mn>" in doc          # Hessian [[101, -99], ...]
    assert "x* = (x = 1/2, y = 1/2), f(x*) = 0" in doc and "proven global minimiser" in doc
    # logistic regression: 200 samples, SGD for three batch sizes, the variance table
    assert "200 (the objective is the mean over them)" in doc
    assert doc.count("mean of 10 runs") == 3
    assert "sigma^2/B (N-B)/(N-1)" in doc
    # diagrams (Graphviz) and plots (matplotlib), all inline
    assert doc.count('class="node"') >= 14 + 21
    assert doc.count("<svg") >= 12


def test_main_job_prints_where_the_report_is(default_report):
    # the fixture's run of `calcopt` (no arguments), stdout kept beside the page
    out = default_report.with_suffix(".stdout").read_text(encoding="utf-8")
    assert f"wrote {default_report}" in out and default_report.is_file()
    assert "self-contained" in out and "open it in a browser" in out


# --- a report on an objective of one's own ------------------------------------------------------------

def test_nonconvex_objective_shows_its_witness_and_no_gd_prediction():
    g = calcopt.compile(x**4 - 2*x**2 + y**2)
    doc = html_report(Problem(g, "A double well", x0=(0.5, 1.0)), iters=40, timeout=5)
    assert "non-convexity witness" in doc
    assert 'class="verdict bad"' in doc
    assert "no prediction" in doc                     # the GD bounds need convexity


def test_graph_without_start_point_has_no_runs():
    doc = html_report(calcopt.compile(x**2 + y**2), iters=10)
    assert "No start point x0: no runs." in doc and "Objective 1" in doc


def test_text_is_escaped():
    doc = html_report(Problem(calcopt.compile(x**2), "<script>alert(1)</script>", x0=(1.0,)),
                      iters=10)
    assert "<script>" not in doc and "&lt;script&gt;" in doc


def test_report_from_the_command_line_with_domain(tmp_path, capsys):
    code = main(["report", "x - log(x) + (y - 1)^2", "--domain", "x > 0", "--x0", "2,0",
                 "-o", str(tmp_path), "--iters", "50"])
    assert code == 0
    doc = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "x in Interval.open(0, oo)" in doc and "x* = (x = 1, y = 1)" in doc


def test_script_objective_with_data(tmp_path, capsys):
    script = tmp_path / "objective.py"
    script.write_text(
        "import sympy as sp\n"
        "w, a, b = sp.symbols('w a b')\n"
        "objective = (w*a - b)**2 / 2\n"
        "wrt = [w]\nparams = [a, b]\n"
        "data = {'a': [1.0, 2.0, 3.0, 4.0], 'b': [2.0, 4.1, 5.9, 8.0]}\n"
        "x0 = [0.0]\n", encoding="utf-8")
    code = main(["report", str(script), "-o", str(tmp_path / "out"), "--iters", "50"])
    assert code == 0
    doc = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "4 (the objective is the mean over them)" in doc and "Mini-batch SGD" in doc


# --- bad input ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["report", "--x0", "1,2"], "go with an EXPR"),
    (["report", "x^2", "--iters", "0"], "--iters must be a positive"),
    (["report", "x^2", "--timeout", "-1"], "--timeout must be a positive"),
    (["report", "x^2", "--x0", "1,2"], "2 coordinates"),
    (["report", "x ^^ 2"], "column"),
])
def test_bad_report_arguments(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_output_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "taken"
    f.write_text("")
    assert main(["report", "x^2", "-o", str(f)]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_problem_checks_its_input():
    w, a = sp.symbols("w a")
    g = calcopt.compile((w - a)**2, wrt=[w], params=[a])
    with pytest.raises(calcopt.OptionError, match="give data="):
        Problem(g, "no data")
    with pytest.raises(calcopt.DataError):
        Problem(g, "bad data", data={a: [[1.0, 2.0]]})
    with pytest.raises(calcopt.OptionError, match="both L= and mu="):
        Problem(g, "half the constants", data={a: [1.0, 2.0]}, L=2.0)
    with pytest.raises(calcopt.OptionError, match="scalar"):
        Problem(calcopt.compile(sp.Matrix([x, x**2])), "a vector")
    with pytest.raises(calcopt.CalcoptError):
        Problem(calcopt.compile(x**2), "bad start", x0=(1.0, 2.0))
    with pytest.raises(calcopt.OptionError, match="at least one"):
        html_report([])


def test_mathml_takes_sympy_objects_not_text():
    assert "<mfrac>" in mathml(sp.Rational(1, 3))
    with pytest.raises(TypeError):
        mathml("x + 1")


def test_long_text_is_folded():
    short, long = "a\nb", "\n".join(map(str, range(40)))
    assert pre(short, summary="The proof").startswith("<pre>")
    assert pre(long, summary="The proof").startswith("<details><summary>The proof (40 lines)")


# --- the page in a real browser ------------------------------------------------------------------------

def _browser():
    """Playwright driving Debian's Chromium; under CI both must be there (no skipping)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = [what for what, ok in (("chromium", CHROMIUM), ("playwright", sync_playwright))
               if not ok]
    if missing:
        if IN_CI:
            pytest.fail(f"CI must run the browser test, but {missing} is missing (.ci/run "
                        "installs chromium; pip install -e '.[test]' installs playwright)")
        pytest.skip(f"needs {missing}")
    return sync_playwright


def test_report_renders_in_headless_chromium(default_report):
    sync_playwright = _browser()
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=flags)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            problems, requests = [], []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(default_report.as_uri())
            info = page.evaluate("""() => {
                const shown = el => { const r = el.getBoundingClientRect();
                                      return r.width > 0 && r.height > 0; };
                const maths = [...document.querySelectorAll('math')];
                const svgs = [...document.querySelectorAll('svg')];
                const frac = document.querySelector('math mfrac');
                const line = parseFloat(getComputedStyle(document.body).lineHeight) || 20;
                return {maths: maths.length, mathsShown: maths.filter(shown).length,
                        svgs: svgs.length, svgsShown: svgs.filter(shown).length,
                        fracHeight: frac ? frac.getBoundingClientRect().height : 0,
                        line: line, title: document.title};
            }""")
            shot = default_report.parent / "report.png"
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert problems == []
    assert requests == [default_report.as_uri()]            # nothing else was fetched
    assert info["title"] == "calcopt report"
    assert info["maths"] >= 10 and info["mathsShown"] == info["maths"]
    assert info["svgs"] >= 12 and info["svgsShown"] == info["svgs"]
    # MathML is laid out as math: a fraction is taller than a line of text
    assert info["fracHeight"] > 1.2 * info["line"]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    # a copy for people to look at (CI logs name it)
    target = os.environ.get("CALCOPT_SCREENSHOT")
    if target:
        Path(target).write_bytes(data)
