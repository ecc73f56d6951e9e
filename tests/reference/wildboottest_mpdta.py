"""Generator of tests/reference/wildboottest_mpdta.csv: wild cluster restricted bootstrap p-values
of ``wildboottest`` (PyPI, 0.3.x; the package pyfixest's ``.wildboottest()`` calls) on few-cluster
subsets of mpdta, for the TWFE regression with unit and year dummies.

Run: python tests/reference/wildboottest_mpdta.py  (about a minute; reads only the mpdta panel
embedded in jeugdlib). The design (which counties, which clusters) is :func:`design`, which
tests/test_did_inference.py repeats.

Each case tests one coefficient (``d``: static TWFE treatment dummy; ``ev_p1``: event-time 1
dummy of a dynamic TWFE with event times -2..2, binned) with WCR-11 (``impose_null=True``,
``bootstrap_type="11"``), B = 99,999 draws (with Rademacher weights and G <= 16 clusters
wildboottest enumerates all 2^G sign patterns instead).
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

CASES = [  # (case, n_clusters, weights, param)
    ("g6_webb_d", 6, "webb", "d"),
    ("g6_rademacher_d", 6, "rademacher", "d"),
    ("g12_webb_d", 12, "webb", "d"),
    ("g12_rademacher_d", 12, "rademacher", "d"),
    ("g8_webb_ev_p1", 8, "webb", "ev_p1"),
]
B = 99_999


def design(mpdta: pd.DataFrame, n_clusters: int) -> pd.DataFrame:
    """Every 8th county (sorted ids; 63 counties), clustered by rank modulo ``n_clusters``;
    ``d`` = treated, ``ev_m2 .. ev_p2`` = binned event-time dummies (reference -1)."""
    counties = np.sort(mpdta["countyreal"].unique())[::8]
    out = mpdta[mpdta["countyreal"].isin(counties)].copy()
    out["cl"] = np.searchsorted(counties, out["countyreal"].to_numpy()) % n_clusters
    treated = out["first.treat"] > 0
    out["d"] = (treated & (out["year"] >= out["first.treat"])).astype(int)
    rel = np.where(treated, (out["year"] - out["first.treat"]).clip(-2, 2), -1)
    for e, name in ((-2, "ev_m2"), (0, "ev_p0"), (1, "ev_p1"), (2, "ev_p2")):
        out[name] = (rel == e).astype(int)
    return out


def main(out_path: str = "tests/reference/wildboottest_mpdta.csv") -> None:
    import statsmodels.formula.api as smf
    from wildboottest.wildboottest import wildboottest

    from jeugdlib.data import load_mpdta

    mpdta = load_mpdta()
    rows = []
    for case, g, weights, param in CASES:
        d = design(mpdta, g)
        rhs = "d" if param == "d" else "ev_m2 + ev_p0 + ev_p1 + ev_p2"
        model = smf.ols(f"lemp ~ {rhs} + C(countyreal) + C(year)", data=d)
        res = wildboottest(
            model,
            param=param,
            cluster=d["cl"].to_numpy(),
            B=B,
            weights_type=weights,
            impose_null=True,
            bootstrap_type="11",
            seed=20261129,
            show=False,
        )
        rows.append(
            {
                "case": case,
                "n_clusters": g,
                "weights": weights,
                "param": param,
                "statistic": float(res["statistic"].iloc[0]),
                "p_value": float(res["p-value"].iloc[0]),
                "B": B,
            }
        )
    with open(out_path, "w") as fh:
        fh.write(f"# wildboottest {version('wildboottest')}, statsmodels {version('statsmodels')}\n")
        pd.DataFrame(rows).to_csv(fh, index=False, float_format="%.17g")


if __name__ == "__main__":
    main(*sys.argv[1:])
    print(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/reference/wildboottest_mpdta.csv").read_text())
