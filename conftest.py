"""Test-wide settings.  Hypothesis draws the same examples on every run (derandomised).

The slow lane: tests that take seconds each (measured on the 2-core machine) are marked
``slow`` here, in one list, so that ``pytest -m "not slow"`` is the developers' fast lane.
The README's test command and CI run everything."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# The same examples on every run and every machine (CI must not pass or fail by luck);
# HYPOTHESIS_PROFILE=explore draws new ones.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# whole files: every test needs a full report, a dask cluster or a subprocess per example
SLOW_FILES = {"test_report.py", "test_dask_cluster.py", "test_examples.py"}
# doctests (named as pytest names them) that run an analysis or a report for seconds
SLOW_DOCTESTS = {"analysis.md", "cli.md", "scaling.md", "calcopt.report.build.html_report"}

# file -> test functions (all parametrisations) of about 2 s or more
SLOW_TESTS = {
    "test_ad_properties.py": {"test_exact_hessian_agrees_with_sympy",
                              "test_forward_reverse_and_sympy_gradients_agree_exactly",
                              "test_numeric_gradient_matches_exact_gradient"},
    "test_argmin_certify.py": {"test_adding_a_coercive_term_gives_a_certified_unique_minimiser",
                               "test_non_convex_certified_local_minimiser_is_not_global",
                               "test_predict_takes_no_uncertified_minimiser",
                               "test_strictly_convex_without_minimiser_is_not_certified"},
    "test_cli.py": {"test_big_derivatives_print_with_named_subexpressions",
                    "test_python_dash_m_calcopt_subprocess"},
    "test_cli_run.py": {"test_box_certifies_L_near_the_rosenbrock_minimum",
                        "test_data_formats_and_globs_give_the_same_run",
                        "test_sgd_lazily_and_in_memory_is_the_same_run"},
    "test_conditioning.py": {"test_exact_eigenvalues_and_inertia_match_numpy"},
    "test_convexity.py": {"test_random_quadratics_against_sympy", "test_random_quartics_never_wrong"},
    "test_dask_runs.py": {"test_gd_default_step_from_the_data_mean_hessian",
                          "test_gd_trajectory_equals_numpy", "test_predict_sgd_equals_numpy"},
    "test_data_read.py": {"test_csv_blocks_give_the_lines_of_the_whole_file",
                          "test_lazy_false_imports_no_dask",
                          "test_without_pyarrow_or_zarr_the_error_names_the_extra"},
    "test_hessian.py": {"test_sparsity_pattern_is_the_expected_structure"},
    "test_optim_rates.py": {"test_bounds_hold_on_random_convex_quadratics",
                            "test_rosenbrock_with_constants_certified_over_a_box"},
    "test_parse.py": {"test_junk_parses_or_raises_parse_error", "test_sympy_str_round_trips"},
    "test_robustness.py": {"test_nary_max_min_derivatives_are_linear_in_arity"},
    "test_runplots.py": {"test_variance_plot_has_the_sigma2_over_B_line"},
    "test_stationary.py": {"test_convexity_proves_transcendental_minimisers",
                           "test_himmelblau_four_minima_four_saddles_one_maximum",
                           "test_himmelblau_on_a_quadrant_keeps_only_points_inside",
                           "test_random_polynomials_exact_points_check_out",
                           "test_three_variables"},
    "test_worstcase.py": {"test_a_worst_case_below_solver_accuracy_is_not_resolved_and_says_so"},
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        fname = item.path.name
        func = getattr(item, "originalname", None) or item.name.split("[")[0]
        if fname in SLOW_FILES or func in SLOW_TESTS.get(fname, ()) or item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)
