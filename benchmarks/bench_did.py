"""Timings of jeugdlib.did (prints figures, no asserts).

Targets (issue 5): staggered_att on mpdta <= 0.5 s without bootstrap and <= 3 s with
999 multiplier-bootstrap draws; an event study with a 9,999-draw wild cluster bootstrap on
a 350-gemeente x 10-year panel <= 10 s.

Run: python benchmarks/bench_did.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

from jeugdlib import did
from jeugdlib.errors import StaggeredTimingWarning


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    mpdta = did.load_mpdta()
    args = ("lemp", "countyreal", "year", "first.treat")
    panel = did.simulate_cpb_panel(n_gemeenten=350, years=range(2011, 2021), seed=0)
    warnings.simplefilter("ignore", StaggeredTimingWarning)

    # warm-up (imports, numba compilation inside pyfixest)
    did.staggered_att(mpdta, *args, n_boot=0)
    did.event_study(panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", n_wild=0)

    rows = [
        (
            "staggered_att mpdta, no bootstrap",
            0.5,
            lambda: did.staggered_att(mpdta, *args, n_boot=0).aggregate("dynamic"),
        ),
        (
            "staggered_att mpdta, 999 bootstrap draws",
            3.0,
            lambda: did.staggered_att(mpdta, *args, n_boot=999, seed=1).aggregate("dynamic"),
        ),
        (
            "staggered_att mpdta + lpop (differences, dr)",
            None,
            lambda: did.staggered_att(mpdta, *args, covariates=["lpop"], n_boot=0),
        ),
        (
            "event_study twfe 350x10, wild bootstrap 9,999",
            10.0,
            lambda: did.event_study(
                panel,
                "ln_met_verblijf",
                "gemeentecode",
                "jaar",
                "jaar_wijkteam",
                window=(-4, 4),
                estimator="twfe",
                n_wild=9_999,
                seed=1,
            ),
        ),
        (
            "event_study sunab 350x10, wild bootstrap 9,999",
            10.0,
            lambda: did.event_study(
                panel,
                "ln_met_verblijf",
                "gemeentecode",
                "jaar",
                "jaar_wijkteam",
                window=(-4, 4),
                estimator="sunab",
                n_wild=9_999,
                seed=1,
            ),
        ),
        (
            "compare_estimators 350x10 (twfe, sunab, did2s, cs)",
            None,
            lambda: did.compare_estimators(
                panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", window=(-4, 4)
            ),
        ),
    ]
    print(f"{'benchmark':55s} {'best of 3 (s)':>14s} {'target (s)':>11s}")
    for name, target, fn in rows:
        secs = _best(fn)
        tgt = f"{target:.1f}" if target else "-"
        flag = "" if target is None else ("  ok" if secs <= target else "  SLOW")
        print(f"{name:55s} {secs:14.3f} {tgt:>11s}{flag}")


if __name__ == "__main__":
    main()
