"""``calcopt run gd|sgd``: runs, predictions and checks from the command line (in-process)."""

import importlib.util
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import calcopt
from calcopt.cli import main

QUAD = "(x - 1)^2/2 + 5*(y + 2)^2"          # L = 10, mu = 1, x* = (1, -2)


def run(capsys, *argv):
    code = main(["run", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("error: ")
    return lines[0]


def table_rows(out: str) -> list[tuple[int, float, float, float]]:
    """The rows (k, error, bound, error/bound) of the check's table."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["k"])
    rows = []
    for line in lines[start + 1:]:
        cells = line.split()
        if len(cells) != 4:
            break
        rows.append((int(cells[0]), *map(float, cells[1:])))
    return rows


def write_csv(path, header, rows):
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(repr, r)) + "\n"
                                                      for r in rows))
    return path


@pytest.fixture
def samples(tmp_path):
    """A tiny least-squares data set t ~ 3 a, with an unused extra column."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=20)
    t = 3 * a + 0.1 * rng.normal(size=20)
    rows = [(float(ai), float(ti), 7.0) for ai, ti in zip(a, t)]
    return write_csv(tmp_path / "samples.csv", ["a", "t", "extra"], rows), a, t


# --- gd ------------------------------------------------------------------------------------------

def test_gd_worst_case_table_holds_and_is_attained(capsys):
    # step 2/(L + mu) from x* + (1, 1): ||x_k - x*|| = sqrt(2) (9/11)^k exactly (Polyak)
    code, out, err = run(capsys, "gd", QUAD, "--x0", "2,-1", "--step", "2/(L + mu)",
                         "--iters", "40", "--tol", "0", "--no-progress")
    assert code == 0, err
    assert "gd, fixed step 0.181818" in out
    assert "stopped: maximum number of iterations (40) reached" in out
    assert "check: bound holds; measured rate 0.818182 vs predicted 0.818182" in out
    rows = table_rows(out)
    assert [r[0] for r in rows][:1] == [0] and rows[-1][0] == 40
    for k, dist, bound, ratio in rows:
        assert dist == pytest.approx(math.sqrt(2) * (9 / 11) ** k, rel=1e-5)
        assert dist <= bound * (1 + 1e-5) and ratio == pytest.approx(1, abs=1e-3)


def test_gd_default_step_converges_and_states_the_prediction(capsys):
    code, out, _ = run(capsys, "gd", QUAD, "--x0", "0,0", "--no-progress")
    assert code == 0
    assert out.startswith("run gd: gd, fixed step 1/L = 0.1 (L from calcopt.conditioning)")
    assert "converged: gradient norm" in out and "x      = (x=1, y=-2)" in out
    assert "prediction: f(x_k) - f* <= bound(k), linear, rate 0.81 per iteration" in out
    assert all(ratio <= 1 for *_, ratio in table_rows(out))


def test_step_text_in_L_is_the_default_step(capsys):
    _, by_text, _ = run(capsys, "gd", QUAD, "--x0", "0,0", "--step", "1/L", "--json",
                        "--no-progress")
    _, default, _ = run(capsys, "gd", QUAD, "--x0", "0,0", "--json", "--no-progress")
    a, b = json.loads(by_text)["run"], json.loads(default)["run"]
    assert a["steps"][0] == b["steps"][0] == 0.1 and a["xs"] == b["xs"]


def test_step_above_2_over_L_diverges_with_exit_0_and_the_reason(capsys):
    code, out, err = run(capsys, "gd", QUAD, "--x0", "0,0", "--step", "0.25", "--no-progress")
    assert code == 0, err
    assert "DIVERGED: a non-finite value or overflow" in out
    line = next(s for s in out.splitlines() if s.startswith("prediction"))
    assert line == ("prediction: none: step 0.25 >= 2/L = 0.2: gradient descent is not "
                    "guaranteed to converge (it diverges on f = L x^2/2)")
    assert "check:" not in out


def test_no_prediction_for_a_nonconvex_objective_is_one_line(capsys):
    code, out, _ = run(capsys, "gd", "x^2 - y^2", "--x0", "1,1", "--iters", "5", "--no-progress")
    assert code == 0
    pred = [s for s in out.splitlines() if s.startswith("prediction")]
    assert len(pred) == 1 and pred[0].startswith("prediction: none: f is not convex")
    assert "iterations: 5" in out


@pytest.mark.parametrize("flags, method", [
    (["--line-search", "armijo"], "gd, Armijo backtracking"),
    (["--line-search", "exact"], "gd, exact line search: closed form (f is quadratic)"),
    (["--momentum", "heavy_ball"], "gd, heavy ball momentum (step 0.230886, beta 0.269874)"),
    (["--momentum", "nesterov"], "gd, Nesterov momentum (constant beta"),
])
def test_gd_methods_with_their_predictions(capsys, flags, method):
    code, out, _ = run(capsys, "gd", QUAD, "--x0", "0,0", "--iters", "50", *flags,
                       "--no-progress")
    assert code == 0
    assert out.startswith(f"run gd: {method}")
    assert "check: bound holds" in out


def test_box_certifies_L_near_the_rosenbrock_minimum(capsys):
    code, out, _ = run(capsys, "gd", "(1 - x)^2 + 100*(y - x^2)^2", "--x0", "1.0004,0.9997",
                       "--box", "x=0.999:1.001, y=0.999:1.001", "--iters", "200", "--tol", "0",
                       "--no-progress")
    assert code == 0
    assert "assumes: every iterate stays in the box" in out
    assert "check: bound holds" in out


def test_progress_bar_goes_to_stderr(capsys):
    code, out, err = run(capsys, "gd", QUAD, "--x0", "0,0", "--iters", "20", "--tol", "0")
    assert code == 0 and "gd, fixed step 1/L" in err and "it/s" not in out


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, says", [
    (["gd", QUAD], "no start point: give --x0, e.g. --x0 0,0"),
    (["gd", QUAD, "--x0", "1,2,3"], "x0 has 3 entries"),
    (["gd", QUAD, "--x0", "0,0", "--step", "__import__('os')"], "unknown function"),
    (["gd", QUAD, "--x0", "0,0", "--step", "1/q"], "unknown name(s) ['q']"),
    (["gd", QUAD, "--x0", "0,0", "--step", "-0.1"], "must be a positive finite number"),
    (["gd", QUAD, "--x0", "0,0", "--step", "1/(L - 10)"], "must be a positive finite number"),
    (["gd", "x^4 + y^2", "--x0", "1,1", "--step", "1/L"], "--step '1/L' needs L"),
    (["gd", QUAD, "--x0", "0,0", "--iters", "-1"], "iters must be an integer >= 0"),
    (["gd", QUAD, "--x0", "0,0", "--line-search", "wolfe"], "invalid choice: 'wolfe'"),
    (["gd", QUAD, "--x0", "0,0", "--line-search", "exact", "--step", "0.1"], "drop --step"),
    (["gd", QUAD, "--x0", "0,0", "--plot", "conv.txt"], "the suffix gives the image format"),
    (["gd", QUAD, "--x0", "0,0", "--plot", "no/such/dir/c.png"], "no such directory"),
    (["sgd", QUAD, "--x0", "0,0"], "sgd samples a data set: give --data"),
    (["gd", "(w*a - t)^2", "--x0", "0", "--params", "a,t"], "has params ['a', 't'] and no data"),
    (["gd", QUAD, "--x0", "0,0", "--data", "missing.csv"], "no such data file"),
    (["run"], "the following arguments are required: METHOD"),
])
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, monkeypatch, argv, says):
    monkeypatch.chdir(tmp_path)
    argv = argv[1:] if argv == ["run"] else argv
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert says in one_error_line(err)


@pytest.fixture(params=[True, False], ids=["lazy", "in-memory"])
def lazy(request, monkeypatch):
    """--data read lazily with dask (as a file above IN_MEMORY_BYTES is) or in memory."""
    if request.param:
        pytest.importorskip("dask.array")
    monkeypatch.setattr(calcopt.cli.loading, "dask_installed", lambda: request.param)
    monkeypatch.setattr(calcopt.cli.loading, "IN_MEMORY_BYTES", 0)
    return request.param


@pytest.mark.parametrize("text, says", [
    ("", "is empty"),
    ("a,t\n", "has a header row and no samples"),
    ("a,t\n1,2\n3\n", "line 3: 1 cells; the header has 2"),
    ("a,t\n1,2\n3,x\n", "line 3, column 't': 'x' is not a finite number"),
    ("a,t\n1,2\n3,nan\n", "'nan' is not a finite number"),
    ("a,t\n1,2\n3,1e999\n", "'1e999' is not a finite number"),
    ("a,a\n1,2\n", "must name every column once"),
    ("a,,t\n1,2,3\n", "must name every column once"),
])
def test_bad_csv_is_a_data_error(capsys, tmp_path, lazy, text, says):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    code, _, err = run(capsys, "gd", "(w*a - t)^2", "--x0", "0", "--data", str(path))
    assert code == 2 and says in one_error_line(err)


def test_csv_columns_and_params(capsys, tmp_path, samples):
    path, a, t = samples
    other = write_csv(tmp_path / "other.csv", ["a", "b"], [(1.0, 2.0)])
    code, _, err = run(capsys, "gd", "(w*a - t)^2", "--x0", "0", "--data", str(other),
                       "--params", "a,t")
    assert code == 2 and "has no column for the params ['t']" in one_error_line(err)
    code, _, err = run(capsys, "gd", "(w*a - t)^2", "--x0", "0", "--data", str(path),
                       "--params", "a,b")
    assert code == 2 and "--params: ['b'] do not occur in the objective" in one_error_line(err)
    code, _, err = run(capsys, "gd", "x^2", "--x0", "0", "--data", str(path))
    assert code == 2 and "name the params with --params" in one_error_line(err)


# --- data, sgd, scripts --------------------------------------------------------------------------

def gd_json(capsys, *argv):
    code, out, err = run(capsys, "gd", "(w*a - t)^2", "--x0", "0", *argv, "--json",
                         "--no-progress")
    assert code == 0, err
    return json.loads(out)


def test_data_formats_and_globs_give_the_same_run(capsys, tmp_path, samples, lazy):
    path, a, t = samples
    ref = gd_json(capsys, "--data", str(path))
    w_star = float(a @ t / (a @ a))
    assert ref["run"]["x"][0] == pytest.approx(w_star, rel=1e-9)
    np.save(tmp_path / "at.npy", np.column_stack([a, t]))
    np.save(tmp_path / "ta.npy", np.column_stack([t, a]))
    write_csv(tmp_path / "part1.csv", ["t", "a"], [(float(y), float(x)) for x, y in
                                                   zip(a[12:], t[12:])])
    write_csv(tmp_path / "part0.csv", ["a", "t"], [(float(x), float(y)) for x, y in
                                                   zip(a[:12], t[:12])])
    runs = {"npy": gd_json(capsys, "--data", str(tmp_path / "at.npy"), "--params", "a,t"),
            "npy, other order": gd_json(capsys, "--data", str(tmp_path / "ta.npy"),
                                        "--params", "t,a"),
            "glob": gd_json(capsys, "--data", str(tmp_path / "part*.csv"))}
    if importlib.util.find_spec("pyarrow") and importlib.util.find_spec("pandas"):
        import pandas as pd
        pd.DataFrame({"t": t, "a": a}).to_parquet(tmp_path / "at.parquet")
        runs["parquet"] = gd_json(capsys, "--data", str(tmp_path / "at.parquet"))
    for name, r in runs.items():
        assert r["data"]["N"] == 20 and r["wrt"] == ["w"], name
        assert sorted(r["params"]) == ["a", "t"], name
        assert r["run"]["x"][0] == pytest.approx(w_star, rel=1e-9), name
        assert r["run"]["iters"] == ref["run"]["iters"], name


def test_npy_data_needs_params(capsys, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((3, 2)))
    code, _, err = run(capsys, "gd", "(w*a - t)^2", "--x0", "0", "--data",
                       str(tmp_path / "x.npy"))
    assert code == 2 and "the file has no column names; name the params its columns hold, " \
        "in order, with --params" in one_error_line(err)
    code, _, err = run(capsys, "gd", "(w*a - t)^2", "--x0", "0", "--data",
                       str(tmp_path / "x.npy"), "--params", "a")
    assert code == 2 and "holds an array of shape (3, 2); expected (N, 1)" in one_error_line(err)


def test_bad_npy_cells_are_found_before_the_run(capsys, tmp_path, lazy):
    X = np.ones((6, 2))
    X[4, 1] = np.nan
    np.save(tmp_path / "x.npy", X)
    code, out, err = run(capsys, "sgd", "(w*a - t)^2", "--x0", "0", "--data",
                         str(tmp_path / "x.npy"), "--params", "a,t")   # with a progress bar
    assert code == 2 and out == ""
    assert "x.npy, row 4 (from 0), column 't': nan is not a finite number" in \
        one_error_line(err)


def test_sgd_lazily_and_in_memory_is_the_same_run(capsys, samples, monkeypatch):
    pytest.importorskip("dask.array")
    path, *_ = samples
    argv = ["sgd", "(w*a - t)^2/2", "--x0", "0", "--data", str(path), "--batch-size", "4",
            "--epochs", "3", "--seed", "5", "--json", "--no-progress"]
    runs = {}
    monkeypatch.setattr(calcopt.cli.loading, "IN_MEMORY_BYTES", 0)
    for lazy in (True, False):
        monkeypatch.setattr(calcopt.cli.loading, "dask_installed", lambda: lazy)
        for step in ("0.1", "1/L"):
            runs[lazy, step] = json.loads(run(capsys, *argv, "--step", step)[1])
    for step in ("0.1", "1/L"):
        lazily, in_memory = runs[True, step], runs[False, step]
        assert lazily["run"]["method"].endswith("inside shuffled chunks (1 chunks)")
        assert "chunks" not in in_memory["run"]["method"]
        assert lazily["run"]["iters"] == in_memory["run"]["iters"] == 15
        # one chunk: the same batches; the default step's L is a mean summed in another order
        np.testing.assert_allclose(lazily["run"]["xs"], in_memory["run"]["xs"],
                                   rtol=0 if step == "0.1" else 1e-12)


def test_without_dask_the_cli_reads_data_in_memory(tmp_path, samples):
    path, *_ = samples
    code = (
        "import sys\n"
        "sys.modules['dask'] = None  # as if dask were not installed\n"
        "from calcopt.cli import main\n"
        f"code = main(['run', 'gd', '(w*a - t)^2', '--x0', '0', '--data', {str(path)!r}, "
        "'--no-progress', '--json'])\n"
        "print(code, sys.modules['dask'], [m for m in sys.modules if m.startswith('dask.')])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "0 None []"
    assert '"N": 20' in out.stdout


def test_gd_on_csv_data_minimises_the_sample_mean(capsys, samples):
    path, a, t = samples
    code, out, _ = run(capsys, "gd", "(w*a - t)^2", "--x0", "0", "--data", str(path),
                       "--json", "--no-progress")      # params a, t: header names in EXPR
    assert code == 0
    data = json.loads(out)
    assert data["params"] == ["a", "t"] and data["wrt"] == ["w"] and data["data"]["N"] == 20
    w_star = float(a @ t / (a @ a))                     # least squares, in closed form
    assert data["run"]["x"][0] == pytest.approx(w_star, rel=1e-9)
    assert data["run"]["converged"] is True


def test_sgd_is_reproducible_with_a_seed(capsys, samples):
    path, *_ = samples
    argv = ["sgd", "(w*a - t)^2/2", "--x0", "0", "--data", str(path), "--params", "a,t",
            "--batch-size", "4", "--epochs", "3", "--step", "0.1", "--json", "--no-progress"]
    first, again, other = (json.loads(run(capsys, *argv, "--seed", s)[1])["run"]
                           for s in ("5", "5", "6"))
    assert first["xs"] == again["xs"] and first["xs"] != other["xs"]
    assert first["iters"] == 15 and first["recorded"] == [0, 5, 10, 15]


def test_sgd_text_and_several_runs_for_the_expectation(capsys, samples):
    path, *_ = samples
    code, out, _ = run(capsys, "sgd", "(w*a - t)^2/2", "--x0", "0", "--data", str(path),
                       "--batch-size", "4", "--epochs", "4", "--seed", "1", "--runs", "4",
                       "--no-progress")
    assert code == 0
    assert "sgd, constant step 1/L" in out and "batch 4 of N = 20" in out
    assert "runs: 4 (seeds 1..4)" in out and "noise floor:" in out
    assert "(mean of 4 runs)" in out
    code, out, _ = run(capsys, "sgd", "(w*a - t)^2/2", "--x0", "0", "--data", str(path),
                       "--iters", "3", "--record-every", "0", "--no-progress")
    assert code == 0 and "check: not done: the run recorded no iterates" in out
    assert "seed: none" in out


def test_objective_script_gives_x0_params_and_data(capsys, tmp_path):
    script = tmp_path / "objective.py"
    script.write_text(
        "import sympy as sp\n"
        "w, b, a, t = sp.symbols('w b a t', real=True)\n"
        "objective = (w*a + b - t)**2\n"
        "wrt, params = [w, b], [a, t]\n"
        "data = {'a': [1.0, 2.0, 3.0], 't': [2.0, 4.1, 5.9]}\n"
        "x0 = (0, 0)\n")
    code, out, _ = run(capsys, "gd", str(script), "--iters", "5000", "--json", "--no-progress")
    assert code == 0
    data = json.loads(out)
    assert data["x0"] == [0.0, 0.0] and data["data"] == {"from": str(script), "N": 3}
    assert data["run"]["x"] == pytest.approx([1.95, 0.1], abs=1e-8)    # the exact arg min
    code, out, _ = run(capsys, "sgd", str(script), "--seed", "2", "--batch-size", "1",
                       "--step", "0.01", "--epochs", "2", "--no-progress")
    assert code == 0 and "data: 3 samples from" in out and "seed: 2" in out


# --- plot, json, help ----------------------------------------------------------------------------

def test_plot_writes_a_png(capsys, tmp_path):
    path = tmp_path / "conv.png"
    code, out, _ = run(capsys, "gd", QUAD, "--x0", "0,0", "--plot", str(path), "--no-progress")
    assert code == 0 and f"wrote {path} (convergence plot, with the predicted bound)" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    folder = tmp_path / "taken.png"
    folder.mkdir()                                     # the path is a directory: cannot write
    code, _, err = run(capsys, "gd", QUAD, "--x0", "0,0", "--plot", str(folder), "--no-progress")
    assert code == 2 and "--plot: cannot write" in one_error_line(err)


def test_json_has_the_run_prediction_and_check(capsys):
    code, out, _ = run(capsys, "gd", QUAD, "--x0", "0,0", "--iters", "30", "--tol", "0",
                       "--json", "--no-progress")
    assert code == 0
    data = json.loads(out)
    assert {"command", "objective", "wrt", "x0", "run", "prediction", "no_prediction",
            "check", "plot"} <= set(data)
    r = data["run"]
    assert len(r["xs"]) == len(r["f"]) == len(r["grad_norm"]) == len(r["recorded"]) == 31
    assert r["xs"][1] == pytest.approx([0.1, -2.0])      # x - 0.1 * grad f = x - 0.1 (-1, 20)
    p, c = data["prediction"], data["check"]
    assert p["quantity"] == "f_gap" and p["rate"] == pytest.approx(0.81)
    assert p["constants"]["L"] == {"exact": "10", "float": 10.0}
    assert c["holds"] is True and len(c["k"]) == len(c["error"]) == len(c["bound"]) == 31
    assert all(e <= b * (1 + 1e-9) for e, b in zip(c["error"], c["bound"]))
    code, out, _ = run(capsys, "gd", QUAD, "--x0", "0,0", "--step", "0.3", "--iters", "3",
                       "--json", "--no-progress")
    data = json.loads(out)
    assert data["prediction"] is None and data["no_prediction"].startswith("step 0.3 >= 2/L")


@pytest.mark.parametrize("argv", [["--help"], ["gd", "--help"], ["sgd", "--help"]])
def test_help_with_examples(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "examples:" in out and "calcopt run sgd" in out


def test_top_level_help_lists_run(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "run        a gd or sgd run" in out and "calcopt run gd" in out


def test_small_data_files_are_read_into_memory_even_with_dask(tmp_path, monkeypatch):
    pytest.importorskip("dask.array")
    from calcopt.cli.loading import data_option
    from calcopt.data.lazy import DaskData
    path = tmp_path / "d.csv"
    path.write_text("a,t\n1,2\n2,4\n3,6\n")
    small = data_option(str(path), ["a", "t"])
    assert isinstance(small, np.ndarray) and small.tolist() == [[1, 2], [2, 4], [3, 6]]
    monkeypatch.setattr(calcopt.cli.loading, "IN_MEMORY_BYTES", path.stat().st_size - 1)
    large = data_option(str(path), ["a", "t"])                 # one byte over: lazily
    assert isinstance(large, DaskData) and large.N == 3


def test_tight_adds_pepits_worst_case_beside_the_bound(capsys):
    pytest.importorskip("PEPit")
    argv = ["gd", "x^2/2 + 5*y^2", "--x0", "1,1", "--no-progress", "--tight", "1,5"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "PEPit's worst case of f_gap (--tight):" in out
    assert "k=1: 4.455 (closed form 4.455, ratio 1;" in out       # (1 - 1/kappa)^2 f0 is tight
    code, out, _ = run(capsys, *argv, "--json")
    w = json.loads(out)["prediction"]["worst_case"]
    assert code == 0 and w["iters"] == [1, 5] and abs(w["ratio"][1] - 1) < 1e-4
    # Armijo has a bound but no PEP model: the bound stays, the worst case says why not
    code, out, _ = run(capsys, "gd", "x^2/2 + 5*y^2", "--x0", "1,1", "--no-progress",
                       "--line-search", "armijo", "--tight")
    assert code == 0 and "rate 0.975" in out
    assert "PEPit's worst case (--tight): none: tight=True is available for" in out


@pytest.mark.parametrize("value, says", [("a", "--tight takes iteration counts"),
                                         ("0", "tight_iters must be an integer in [1, 100]")])
def test_bad_tight_values(capsys, value, says):
    pytest.importorskip("PEPit")
    code, _, err = run(capsys, "gd", "x^2", "--x0", "1", "--no-progress", "--tight", value)
    assert code == 2 and says in one_error_line(err)


def test_tight_without_pepit_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "PEPit", None)
    code, _, err = run(capsys, "gd", "x^2", "--x0", "1", "--no-progress", "--tight")
    assert code == 2 and 'calcopt[pepit]' in one_error_line(err)
