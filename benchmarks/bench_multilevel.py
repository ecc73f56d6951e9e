"""Timings of jeugdlib.multilevel on the real SCP 2017 data (prints figures, no asserts).

Target (issue 4): a national ``compare_models`` in at most 10 s.

    python benchmarks/bench_multilevel.py
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


def main() -> None:
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
