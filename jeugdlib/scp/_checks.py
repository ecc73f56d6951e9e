"""Checks of the SCP model against SCP's published values and out of sample."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from jeugdlib.data import load_scp_2017
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.scp._fit import fit_scp_model
from jeugdlib.scp._info import SCP_DETERMINANTS

__all__ = ["agreement_breakdown", "compare_with_published", "cross_validate"]


def compare_with_published(expected: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.Series:
    """Agreement of :meth:`ScpModel.expected` with SCP's published values.

    Returns correlation and RMSE (percentage points) of ``expected`` with
    ``perc_przv`` over all wijken, and of ``difference`` with ``residu`` over
    wijken with an observed share, plus sign agreement of the differences and
    agreement of the SCP-style "large difference" classification.
    """
    pub = load_scp_2017() if published is None else published
    m = expected.merge(pub[["wijkcode", "perc_przv", "residu"]], on="wijkcode", how="inner", validate="one_to_one")
    if m.empty:
        raise DataError("no wijkcode in common with the published SCP file (2017 boundaries expected).")
    e, p = m["expected"].to_numpy(), m["perc_przv"].to_numpy()
    ok = ~np.isnan(e) & ~np.isnan(p)
    r = m[m.difference.notna() & m.residu.notna()]
    return pd.Series(
        {
            "n_wijken": int(ok.sum()),
            "corr_expected": float(np.corrcoef(e[ok], p[ok])[0, 1]),
            "rmse_expected": float(np.sqrt(np.mean((e[ok] - p[ok]) ** 2))),
            "mean_bias_expected": float(np.mean(e[ok] - p[ok])),
            "n_observed": len(r),
            "corr_difference": float(np.corrcoef(r.difference, r.residu)[0, 1]),
            "rmse_difference": float(np.sqrt(np.mean((r.difference - r.residu) ** 2))),
            "sign_agreement": float(np.mean(np.sign(r.difference) == np.sign(r.residu))),
        }
    )


def cross_validate(
    df: pd.DataFrame | None = None,
    folds: int = 5,
    by: str = "gemeentecode",
    *,
    seed: int = 0,
    level: float = 0.95,
    **fit_kwargs,
) -> tuple[pd.Series, pd.DataFrame]:
    """Out-of-sample accuracy with whole groups (default gemeenten) held out.

    Each fold's gemeenten get the fixed part plus their region effect and a
    gemeente effect of zero, with the gemeente variance in their interval.

    Returns
    -------
    (metrics, predictions): ``rmse, r2, mae, coverage`` (share of held-out
    observed wijken inside their prediction interval) and the held-out
    predictions with a ``fold`` column.
    """
    if df is None:
        df = load_scp_2017()
    df = df.reset_index(drop=True)
    groups = pd.Series(df[by].unique())
    if folds < 2 or folds > len(groups):
        raise ValueError(f"folds must be between 2 and the number of {by} values ({len(groups)})")
    rng = np.random.default_rng(seed)
    assignment = pd.Series(rng.permutation(len(groups)) % folds, index=groups.to_numpy())
    fold_of_row = df[by].map(assignment).to_numpy()
    parts = []
    for k in range(folds):
        test = fold_of_row == k
        train = df[~test].copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", JeugdlibWarning)
            model = fit_scp_model(train, **fit_kwargs)
        pred = model.expected(df[test], level=level)
        pred["fold"] = k
        parts.append(pred)
    pred = pd.concat(parts, ignore_index=True)
    obs = pred.dropna(subset=["observed"])
    resid = obs.observed - obs.expected
    metrics = pd.Series(
        {
            "folds": folds,
            "n_wijken": len(obs),
            "rmse": float(np.sqrt(np.mean(resid**2))),
            "mae": float(np.mean(np.abs(resid))),
            "r2": float(1 - np.sum(resid**2) / np.sum((obs.observed - obs.observed.mean()) ** 2)),
            "coverage": float(np.mean((obs.observed >= obs.pi_low) & (obs.observed <= obs.pi_high))),
        }
    )
    return metrics, pred


def agreement_breakdown(expected: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where does the reproduction differ from SCP? Agreement per group of wijken.

    Groups: wijken with all 27 determinants published, wijken with at least one
    suppressed determinant (SCP had the microdata value, we impute), and wijken
    whose outcome is suppressed (SCP imputed their number of users and fitted
    them; we leave them out of the fit).
    """
    pub = load_scp_2017() if published is None else published
    m = expected.merge(pub[["wijkcode", "perc_przv", "residu", *SCP_DETERMINANTS]], on="wijkcode", how="inner")
    any_missing = m[SCP_DETERMINANTS].isna().any(axis=1)
    groups = {
        "alle wijken": np.ones(len(m), dtype=bool),
        "alle determinanten gepubliceerd": (~any_missing).to_numpy(),
        "minstens één determinant afgeschermd": any_missing.to_numpy(),
        "gebruik afgeschermd (< 10 gebruikers)": m.observed.isna().to_numpy(),
    }
    rows = []
    for name, mask in groups.items():
        s = m[mask]
        rows.append(
            {
                "groep": name,
                "wijken": int(mask.sum()),
                "correlatie": float(np.corrcoef(s.expected, s.perc_przv)[0, 1]) if mask.sum() > 2 else np.nan,
                "rmse": float(np.sqrt(np.mean((s.expected - s.perc_przv) ** 2))),
            }
        )
    return pd.DataFrame(rows)
