"""Write the SYNTHETIC three-level data sets ``lme4_synth_<shape>.csv`` for the lme4 reference fits.

Each set is wijken in gemeenten in jeugdregio's with ``y = 8 + 1.0 x1 + 0.5 x2 + 0 x3 +
region + gemeente + wijk`` (normal effects; values are random, not real wijken). Shapes:

``few_regions``
    3 regions of 6-10 gemeenten with 5-20 wijken: the region variance rests on 3 groups.
``many_small``
    20 regions of 8-15 gemeenten with 1-3 wijken each: many small gemeenten (a third of
    them with one wijk).
``near_zero``
    12 regions, a true gemeente variance of 0: the ML estimate sits at or near the boundary.
``lbfgs_early``
    12 regions of 2-8 gemeenten with 3-15 wijken, seed chosen so that statsmodels'
    ``MixedLM.fit(method="lbfgs")`` from its default start reports ``converged=True`` well
    below the maximum (found by :func:`find_lbfgs_seed`; see the README).
``slope``
    14 regions of 3-6 gemeenten, a region-level random slope of ``x1`` (SD 0.6): the
    reference for :func:`jeugdlib.multilevel.random_slope_test`.

Run from the repository root, then the R script::

    python tests/reference/make_lme4_synthetic.py
    Rscript tests/reference/r_lme4_synthetic.R

Floats are written with the shortest representation that round-trips.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

#: shape -> (seed, simulation arguments)
SHAPES: dict[str, tuple[int, dict[str, object]]] = {
    "few_regions": (101, {"regions": 3, "gemeenten": (6, 10), "wijken": (5, 20)}),
    "many_small": (102, {"regions": 20, "gemeenten": (8, 15), "wijken": (1, 3)}),
    "near_zero": (111, {"regions": 12, "gemeenten": (3, 8), "wijken": (4, 12), "sd_gemeente": 0.0}),
    "lbfgs_early": (51, {"regions": 12, "gemeenten": (2, 8), "wijken": (3, 15)}),
    "slope": (105, {"regions": 14, "gemeenten": (3, 6), "wijken": (4, 10), "sd_slope": 0.6}),
}


def simulate_three_level(
    seed: int,
    *,
    regions: int = 12,
    gemeenten: tuple[int, int] = (2, 8),
    wijken: tuple[int, int] = (3, 15),
    sd_region: float = 1.0,
    sd_gemeente: float = 0.7,
    sd_wijk: float = 1.5,
    sd_slope: float = 0.0,
) -> pd.DataFrame:
    """SYNTHETIC wijk data of three levels (see the module docstring); sizes drawn uniformly in the ranges."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(regions):
        u_r, b_r = rng.normal(0, sd_region), rng.normal(0, sd_slope) if sd_slope > 0 else 0.0
        for g in range(int(rng.integers(gemeenten[0], gemeenten[1] + 1))):
            u_g = rng.normal(0, sd_gemeente) if sd_gemeente > 0 else 0.0
            for _ in range(int(rng.integers(wijken[0], wijken[1] + 1))):
                x = rng.normal(size=3)
                y = 8 + (1.0 + b_r) * x[0] + 0.5 * x[1] + u_r + u_g + rng.normal(0, sd_wijk)
                rows.append(
                    {
                        "jeugdregio_code": f"JZ{r + 1:02d}",
                        "gemeentecode": f"GM{r * 20 + g + 1:04d}",
                        "y": y,
                        "x1": x[0],
                        "x2": x[1],
                        "x3": x[2],
                    }
                )
    out = pd.DataFrame(rows)
    out.attrs["synthetic"] = True
    return out


def lbfgs_gap(df: pd.DataFrame) -> tuple[float, bool]:
    """(llf of powell - llf of lbfgs, lbfgs's converged flag) for bare statsmodels ML fits from the default start."""
    import statsmodels.api as sm
    from statsmodels.regression.mixed_linear_model import VCSpec

    order = np.argsort(df.jeugdregio_code.to_numpy(), kind="stable")
    d = df.iloc[order].reset_index(drop=True)
    X = np.column_stack([np.ones(len(d)), d[["x1", "x2", "x3"]].to_numpy()])
    mats, cols = [], []
    for r in pd.unique(d.jeugdregio_code):
        gem = d.gemeentecode[d.jeugdregio_code == r]
        dummies = pd.get_dummies(gem).astype(float)
        mats.append(dummies.to_numpy())
        cols.append(list(dummies.columns))
    model = sm.MixedLM(
        d.y.to_numpy(),
        X,
        groups=d.jeugdregio_code.to_numpy(),
        exog_re=np.ones((len(d), 1)),
        exog_vc=VCSpec(["gemeente"], [cols], [mats]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lb = model.fit(reml=False, method="lbfgs")
        pw = model.fit(reml=False, method="powell")
    return float(pw.llf - lb.llf), bool(lb.converged)


def find_lbfgs_seed(start: int = 0, stop: int = 200, min_gap: float = 1.0) -> int:
    """First seed of the ``lbfgs_early`` design where lbfgs reports convergence ``min_gap`` below powell."""
    kwargs = SHAPES["lbfgs_early"][1]
    for seed in range(start, stop):
        gap, converged = lbfgs_gap(simulate_three_level(seed, **kwargs))  # type: ignore[arg-type]
        if converged and gap > min_gap:
            return seed
    raise RuntimeError(f"no seed in [{start}, {stop}) with a gap above {min_gap}")


def synthetic_sets() -> dict[str, pd.DataFrame]:
    """Every shape's data set, as written to ``lme4_synth_<shape>.csv``."""
    return {name: simulate_three_level(seed, **kw) for name, (seed, kw) in SHAPES.items()}  # type: ignore[arg-type]


def main() -> None:
    for name, df in synthetic_sets().items():
        path = HERE / f"lme4_synth_{name}.csv"
        df.to_csv(path, index=False, lineterminator="\n")
        print(f"wrote {path.name}: {len(df)} wijken, {df.gemeentecode.nunique()} gemeenten")


if __name__ == "__main__":
    main()
