"""Timings of jeugdlib.multilevel on the real SCP 2017 data (prints figures, no asserts).

Target (issue 4): a national ``compare_models`` in at most 10 s.

    python benchmarks/bench_multilevel.py
    python benchmarks/bench_multilevel.py --nested 200   # issue 12: the nested-fit guarantee

``--nested N`` runs ``compare_models`` (+ x3) with a random slope of x1 on N random SYNTHETIC
three-level sets (``tests/test_mixed_maxima.py`` runs a subset) and prints how many LR
statistics were negative (must be 0), how many raised ``NestedFitError``, and how many fits
were not verified maxima.
"""

from __future__ import annotations

import statistics
import time
import warnings

from jeugdlib import JeugdlibWarning
from jeugdlib.data import load_kwb_amsterdam_2017, load_scp_2017
from jeugdlib.multilevel import add_wijk_variables, compare_models, deviation_share
from jeugdlib.scp import SCP_DETERMINANTS, fit_scp_model

AMSTERDAM_EXTRA = [
    "criminaliteit_per_1000",
    "afstand_huisarts",
    "afstand_school",
    "afstand_kinderdagverblijf",
    "perc_gescheiden",
]


def timed(label: str, func, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    print(f"{label:<58s} median {statistics.median(times):6.2f} s   max {max(times):6.2f} s")
    return result


def nested(n: int) -> None:
    """The nested-fit guarantee on ``n`` random synthetic sets (issue 12)."""
    import sys
    from pathlib import Path

    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_mixed_maxima import nested_guarantee

    t0 = time.perf_counter()
    rows = pd.DataFrame([nested_guarantee(seed) for seed in range(n)])
    ok = rows[rows.raised.isna()]
    print(f"nested-fit guarantee on {n} random three-level sets ({time.perf_counter() - t0:.0f} s)")
    print(f"  NestedFitError raised:              {int(rows.raised.notna().sum())}")
    print(f"  negative LR statistics (x3 / slope): {int((ok.lr < 0).sum())} / {int((ok.lr_slope < 0).sum())}")
    print(f"  llf_alt - llf_null min (x3 / slope): {ok.llf_gap.min():.3g} / {ok.slope_gap.min():.3g}")
    print(
        f"  fits not verified (base+ext / slope): {int((~ok.converged.astype(bool)).sum())} / "
        f"{int((~ok.slope_converged.astype(bool)).sum())}"
    )
    print(f"  LR statistic exactly 0 (x3 / slope): {int((ok.lr == 0).sum())} / {int((ok.lr_slope == 0).sum())}")


def main() -> None:
    import sys

    if "--nested" in sys.argv:
        nested(int(sys.argv[sys.argv.index("--nested") + 1]))
        return
    df = load_scp_2017()
    base = [p for p in SCP_DETERMINANTS if p != "perc_kind_sch5"]
    print(f"SCP 2017: {len(df)} wijken, {int(df.perc_jhzv.notna().sum())} with an observed outcome")
    timed("fit_scp_model (REML, 27 determinants)", lambda: fit_scp_model(df))
    cmp = timed(
        "compare_models national (26 + perc_kind_sch5)  [target <= 10 s]",
        lambda: compare_models(df, base, ["perc_kind_sch5"]),
    )
    print(f"    LR = {cmp.test.statistic:.2f}, p = {cmp.test.p_value:.4f}")
    timed(
        "compare_models national + random slope (correlated)",
        lambda: compare_models(df, base, ["perc_kind_sch5"], random_slope="perc_kind_sch5"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JeugdlibWarning)
        d = timed(
            "add_wijk_variables (KWB 2017 Amsterdam)",
            lambda: add_wijk_variables(df, load_kwb_amsterdam_2017(), columns=AMSTERDAM_EXTRA),
        )
    timed(
        "compare_models scoped to Amsterdam (5 extra)",
        lambda: compare_models(d, SCP_DETERMINANTS, AMSTERDAM_EXTRA, scope="GM0363"),
    )
    model = fit_scp_model(df)
    timed("deviation_share Haaglanden (2 intervals, 2 thresholds)", lambda: deviation_share(model, "JZ24"))


if __name__ == "__main__":
    main()
