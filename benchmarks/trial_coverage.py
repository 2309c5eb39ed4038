"""Coverage of the trial's 95 % intervals over many synthetic trials with a known effect.

Run: ``.venv/bin/python benchmarks/trial_coverage.py --trials 500``. Prints, per primary
outcome, the truth, the mean estimate and how often the cluster-robust and the naive intervals
contain the truth, then the run time. The slow test tests/test_trial_coverage.py runs 200.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from dsr_analysis.trial.coverage import FIRST_SEED, coverage_summary, replicate_coverage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500, help="synthetic trials (default 500)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="children per institution relative to Copenhagen's (default 1)",
    )
    parser.add_argument("--first-seed", type=int, default=FIRST_SEED)
    args = parser.parse_args()
    start = time.perf_counter()
    rows = replicate_coverage(args.trials, scale=args.scale, first_seed=args.first_seed)
    seconds = time.perf_counter() - start
    summary = coverage_summary(rows)
    # Monte Carlo standard error of a coverage near 95 %.
    summary["mc_se"] = (summary["coverage"] * (1 - summary["coverage"]) / summary["trials"]) ** 0.5
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        print(summary.round(3).to_string(index=False))
    print(
        f"\n{args.trials} trials (scale {args.scale}) in {seconds:.1f} s "
        f"({seconds / args.trials:.3f} s per trial)"
    )


if __name__ == "__main__":
    main()
