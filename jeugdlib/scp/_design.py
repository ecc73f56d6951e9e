"""Design of the SCP model: imputation of suppressed predictors, standardisation,
missing-value indicators, and the outcome transformations with their back-transforms."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import parse_numeric
from jeugdlib.scp._info import Transform

__all__ = ["impute_hierarchical"]


@dataclass
class _Design:
    """Imputed, standardised predictors for one data set."""

    X: pd.DataFrame  # standardised predictors (+ indicators), no constant
    raw_means: pd.Series
    raw_sds: pd.Series
    dropped: list[str]
    indicators: list[str]
    imputed_share: pd.Series


def impute_hierarchical(
    df: pd.DataFrame, predictors: Sequence[str], levels: Sequence[str], reference: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Fill each predictor with the mean of its gemeente, then region, then the nation.

    ``reference`` (default ``df``) supplies the means, so new data can be imputed
    with the means of the fitted data where codes overlap.
    """
    ref = df if reference is None else reference
    out = df[list(predictors)].copy()
    need = [c for c in predictors if out[c].isna().any()]
    if not need:
        return out
    filled = out[need]
    for level in reversed(levels):  # innermost level first; one groupby for all columns
        means = ref.groupby(level)[need].mean()
        filled = filled.fillna(means.reindex(df[level].to_numpy()).set_axis(df.index))
    out[need] = filled.fillna(ref[need].mean())
    return out


def _group_means(ctx: pd.DataFrame, cols: Sequence[str], levels: Sequence[str]) -> pd.DataFrame:
    """For every row, the mean of each column in its gemeente (else region, else nation)."""
    out = pd.DataFrame(index=ctx.index)
    for c in cols:
        s = pd.Series(np.nan, index=ctx.index)
        for level in reversed(levels):
            s = s.fillna(ctx[level].map(ctx.groupby(level)[c].mean()))
        out[c] = s.fillna(ctx[c].mean())
    return out


def _regression_impute(
    raw: pd.DataFrame, start: pd.DataFrame, context: pd.DataFrame, iterations: int = 5
) -> pd.DataFrame:
    """Chained-equations style conditional-mean imputation.

    Starting from the hierarchical means, each predictor with missing values is
    regressed (OLS) on all other predictors plus its own hierarchical mean
    (which carries the gemeente/region information) over the rows where it is
    observed, and its missing values are replaced by the prediction; repeated
    ``iterations`` times. scikit-learn's IterativeImputer does the same but is
    not otherwise a dependency, and the OLS here is a few lines of numpy.
    """
    filled = start.copy()
    miss = raw.isna()
    cols = [c for c in raw.columns if miss[c].any()]
    for _ in range(iterations):
        for c in cols:
            obs = ~miss[c].to_numpy()
            others = filled.drop(columns=[c]).to_numpy()
            A = np.column_stack([np.ones(len(filled)), others, context[c].to_numpy()])
            mu, sd = A[obs].mean(axis=0), A[obs].std(axis=0)
            sd[sd == 0] = 1.0
            sd[0], mu[0] = 1.0, 0.0
            An = (A - mu) / sd
            coef, *_ = np.linalg.lstsq(An[obs], raw[c].to_numpy()[obs], rcond=None)
            pred = An[~obs] @ coef
            lo, hi = np.nanmin(raw[c]), np.nanmax(raw[c])
            filled.loc[~obs, c] = np.clip(pred, lo, hi)
    return filled


def _independent_columns(X: np.ndarray, candidates: list[int], tol: float = 1e-8) -> list[int]:
    """Greedy selection of columns of ``X`` that raise the rank (QR-based)."""
    keep: list[int] = []
    base = X[:, [i for i in range(X.shape[1]) if i not in candidates]]
    current = np.linalg.matrix_rank(base, tol=tol * max(1, np.abs(base).max()))
    for i in candidates:
        trial = np.column_stack([base, X[:, keep + [i]]])
        r = np.linalg.matrix_rank(trial, tol=tol * max(1, np.abs(trial).max()))
        if r > current:
            keep.append(i)
            current = r
    return keep


def _prepare_predictors(
    df: pd.DataFrame,
    predictors: Sequence[str],
    levels: Sequence[str],
    missing_indicators: bool,
    min_indicator: int,
    fit_rows: np.ndarray,
    imputation: str = "hierarchical",
) -> _Design:
    missing_cols = [p for p in predictors if p not in df.columns]
    if missing_cols:
        raise DataError(f"predictor column(s) {missing_cols} not in the data; available: {list(df.columns)}")
    raw = pd.DataFrame({p: parse_numeric(df[p], column=p, source="predictors") for p in predictors}, index=df.index)
    dropped: list[str] = []
    fit_raw = raw[fit_rows]
    for p in predictors:
        v = fit_raw[p].dropna()
        if v.empty:
            dropped.append(p)
            warnings.warn(
                f"predictor {p!r} is entirely missing in the fitted wijken; dropped.", JeugdlibWarning, stacklevel=3
            )
        elif v.nunique() < 2:
            dropped.append(p)
            warnings.warn(
                f"predictor {p!r} is constant ({v.iloc[0]!r}) in the fitted wijken; dropped.",
                JeugdlibWarning,
                stacklevel=3,
            )
    use = [p for p in predictors if p not in dropped]
    imputed_share = raw[use].isna().mean()
    ctx = pd.concat([raw[use], df[list(levels)]], axis=1)
    imputed = impute_hierarchical(ctx, use, levels, reference=ctx[fit_rows])
    if imputation == "regression":
        imputed = _regression_impute(raw[use], imputed, _group_means(ctx, use, levels))
    elif imputation != "hierarchical":
        raise ValueError(f"unknown imputation {imputation!r}; use 'hierarchical' or 'regression'")
    means, sds = imputed[fit_rows].mean(), imputed[fit_rows].std(ddof=0).replace(0, 1.0)
    X = (imputed - means) / sds
    indicators: list[str] = []
    if missing_indicators:
        cand = {}
        for p in use:
            ind = raw[p].isna().astype(float)
            n1 = int(ind[fit_rows].sum())
            if min_indicator <= n1 <= int(fit_rows.sum()) - min_indicator:
                cand[f"{p}__ontbreekt"] = ind
        if cand:
            ind_df = pd.DataFrame(cand, index=df.index)
            # duplicate indicator patterns first (the common case: small wijken lose several at once)
            uniq = ind_df.T.drop_duplicates().T
            dup = [c for c in ind_df.columns if c not in uniq.columns]
            full = np.column_stack([np.ones(int(fit_rows.sum())), X[fit_rows].to_numpy(), uniq[fit_rows].to_numpy()])
            start = 1 + X.shape[1]
            keep = _independent_columns(full, list(range(start, full.shape[1])))
            kept = [uniq.columns[i - start] for i in keep]
            collinear = [c for c in uniq.columns if c not in kept] + dup
            if collinear:
                warnings.warn(
                    f"{len(collinear)} missing-indicator(s) dropped as collinear with the design "
                    f"(identical missingness patterns or linear combinations): {collinear}",
                    JeugdlibWarning,
                    stacklevel=3,
                )
            X = pd.concat([X, ind_df[kept]], axis=1)
            indicators = kept
    return _Design(
        X=X, raw_means=means, raw_sds=sds, dropped=dropped, indicators=indicators, imputed_share=imputed_share
    )


def _transform(y: np.ndarray, transform: Transform) -> np.ndarray:
    if transform is None:
        return y
    if transform == "log":
        if (y <= 0).any():
            raise DataError(
                "log transform needs positive outcomes; some observed shares are <= 0. Use transform=None or 'logit'."
            )
        return np.log(y)
    if transform == "logit":
        p = y / 100.0
        if ((p <= 0) | (p >= 1)).any():
            raise DataError("logit transform needs shares strictly between 0 and 100.")
        return np.log(p / (1 - p))
    raise ValueError(f"unknown transform {transform!r}; use None, 'log' or 'logit'")


_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def _back_mean(mu: np.ndarray, var: np.ndarray | float, transform: Transform) -> np.ndarray:
    """Mean on the share scale of ``g^{-1}(mu + e)``, ``e ~ N(0, var)``."""
    if transform is None:
        return mu
    var = np.broadcast_to(np.asarray(var, dtype=float), mu.shape)
    if transform == "log":
        return np.exp(mu + var / 2)  # log-normal mean
    z = mu[:, None] + np.sqrt(var)[:, None] * _GH_NODES[None, :]  # Gauss–Hermite for the logit-normal mean
    return 100 * (1 / (1 + np.exp(-z))) @ _GH_WEIGHTS


def _back(eta: np.ndarray, transform: Transform) -> np.ndarray:
    """Inverse link for quantiles (monotone, so interval bounds map exactly)."""
    if transform is None:
        return eta
    if transform == "log":
        return np.exp(eta)
    return 100 / (1 + np.exp(-eta))


def _transform_safe(y: np.ndarray, transform: Transform) -> np.ndarray:
    if transform is None:
        return y
    with np.errstate(invalid="ignore", divide="ignore"):
        if transform == "log":
            return np.where(y > 0, np.log(np.where(y > 0, y, 1)), np.nan)
        p = y / 100
        ok = (p > 0) & (p < 1)
        return np.where(ok, np.log(np.where(ok, p, 0.5) / (1 - np.where(ok, p, 0.5))), np.nan)
