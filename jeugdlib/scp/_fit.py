"""Fitting the SCP three-level model with statsmodels ``MixedLM``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.regression.mixed_linear_model import VCSpec
from statsmodels.tools.sm_exceptions import ConvergenceWarning as SmConvergenceWarning

from jeugdlib.data import load_scp_2017
from jeugdlib.errors import ConvergenceWarning, DataError
from jeugdlib.io import parse_numeric
from jeugdlib.scp._design import _prepare_predictors, _transform
from jeugdlib.scp._info import OPTIMIZERS, SCP_DETERMINANTS, Transform
from jeugdlib.scp._model import ScpModel

__all__ = ["fit_mixedlm_with_fallback", "fit_scp_model"]


def _build_vc(region: np.ndarray, gemeente: np.ndarray, sqrt_w: np.ndarray) -> tuple[VCSpec, dict[str, list[str]]]:
    """Variance-component design: one column per gemeente inside each region (scaled by sqrt(w))."""
    regions_u = pd.unique(region)
    names, colnames, mats = [], [], []
    for r in regions_u:
        idx = region == r
        gems = sorted(pd.unique(gemeente[idx]))
        codes = pd.Categorical(gemeente[idx], categories=gems).codes
        m = np.zeros((idx.sum(), len(gems)))
        m[np.arange(idx.sum()), codes] = sqrt_w[idx]
        names.append(gems)
        colnames.append([f"gemeente[{g}]" for g in gems])
        mats.append(m)
    return VCSpec(["gemeente"], [colnames], [mats]), dict(zip(regions_u, names, strict=True))


def fit_mixedlm_with_fallback(model: sm.MixedLM, reml: bool, optimizers: Sequence[str]):
    """Fit with a sequence of optimizers; return (result, converged, optimizer, messages)."""
    attempts = []
    for opt in optimizers:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = model.fit(reml=reml, method=opt)
            except (np.linalg.LinAlgError, ValueError) as exc:
                attempts.append((None, False, opt, [f"{opt}: {exc}"]))
                continue
        msgs = [
            f"{opt}: {w.message}"
            for w in caught
            if issubclass(w.category, (SmConvergenceWarning, RuntimeWarning))
            or "converge" in str(w.message).lower()
            or "boundary" in str(w.message).lower()
        ]
        hard = [m for m in msgs if "boundary" not in m.lower()]
        ok = bool(res.converged) and not hard and np.isfinite(res.llf)
        attempts.append((res, ok, opt, msgs))
        if ok:
            return res, True, opt, msgs
    valid = [a for a in attempts if a[0] is not None and np.isfinite(a[0].llf)]
    if not valid:
        raise DataError(
            "the mixed model could not be fitted with any optimizer: " + "; ".join(m for a in attempts for m in a[3])
        )
    best = max(valid, key=lambda a: a[0].llf)
    return best[0], False, best[2], [m for a in attempts for m in a[3]]


def fit_scp_model(
    df: pd.DataFrame | None = None,
    outcome: str = "perc_jhzv",
    predictors: Sequence[str] = SCP_DETERMINANTS,
    levels: tuple[str, str] = ("jeugdregio_code", "gemeentecode"),
    *,
    weights: str | None = None,
    transform: Transform = None,
    missing_indicators: bool = False,
    min_indicator: int = 10,
    imputation: Literal["hierarchical", "regression"] = "hierarchical",
    reml: bool = True,
    optimizers: Sequence[str] = OPTIMIZERS,
) -> ScpModel:
    """Fit the SCP three-level model.

    Parameters
    ----------
    df:
        One row per wijk (default: :func:`jeugdlib.data.load_scp_2017`).
    outcome:
        Share (0–100) per wijk. Rows where it is missing (suppressed) are left
        out of the fit and still predicted by :meth:`ScpModel.expected`.
    predictors:
        Wijk characteristics. Missing values are imputed gemeente → region →
        national mean; an all-missing or constant predictor is dropped with a
        warning.
    levels:
        ``(region column, gemeente column)``: random intercept per region and a
        variance component per gemeente within region. A region with a single
        gemeente is fine.
    weights:
        Optional column of positive weights (e.g. number of youths): residual
        variance ``sigma^2 / w`` (weights normalised to mean 1).
    transform:
        ``None`` (shares as they are, as SCP), ``"log"`` or ``"logit"``;
        expected values are back-transformed to means on the share scale
        (log-normal correction, Gauss–Hermite for the logit).
    imputation:
        ``"hierarchical"`` (gemeente → region → national mean) or
        ``"regression"`` (those means refined by chained OLS on the other
        predictors; closer to SCP, which had the suppressed values).
    missing_indicators:
        Add an indicator per imputed predictor where identifiable (at least
        ``min_indicator`` missing and present); collinear ones are dropped with
        a warning.
    reml:
        REML (default, for variance components) or ML (for likelihood-ratio
        tests of fixed effects).
    optimizers:
        Tried in turn until one converges. If none does, the fit with the
        highest likelihood is kept, ``converged`` is False and a
        :class:`~jeugdlib.errors.ConvergenceWarning` is issued.
    """
    if df is None:
        df = load_scp_2017()
    df = df.reset_index(drop=True)
    rg, gm = levels
    for col in (outcome, *levels):
        if col not in df.columns:
            raise DataError(f"column {col!r} not in the data; available: {list(df.columns)}")
    y_all = parse_numeric(df[outcome], column=outcome, source="outcome")
    no_level = df[rg].isna() | df[gm].isna()
    if no_level.any():
        codes = sorted(df.loc[no_level, gm].dropna().unique().tolist())
        rows = df.loc[no_level, "wijkcode"].tolist()[:10] if "wijkcode" in df else list(df.index[no_level][:10])
        raise DataError(
            f"{int(no_level.sum())} wijken have no {rg!r} or {gm!r} (gemeenten {codes}, wijken {rows}). "
            "Add their jeugdregio (see jeugdlib.data.regions) or drop them."
        )
    df = df.copy()
    df[outcome] = y_all
    fit_mask = y_all.notna().to_numpy()
    if weights is not None:
        if weights not in df.columns:
            raise DataError(f"weights column {weights!r} not in the data")
        w_raw = parse_numeric(df[weights], column=weights, source="weights")
        bad = fit_mask & (w_raw.isna() | (w_raw <= 0)).to_numpy()
        if bad.any():
            raise DataError(
                f"weights column {weights!r} is missing or <= 0 for {int(bad.sum())} fitted wijken; "
                "weights must be positive."
            )
        df[weights] = w_raw
    if fit_mask.sum() < 10:
        raise DataError(f"only {int(fit_mask.sum())} wijken have an observed {outcome!r}; too few to fit.")
    design = _prepare_predictors(df, list(predictors), levels, missing_indicators, min_indicator, fit_mask, imputation)

    fit = df[fit_mask]
    y = _transform(fit[outcome].to_numpy(dtype=float), transform)
    X = np.column_stack([np.ones(len(fit)), design.X[fit_mask].to_numpy()])
    if weights is not None:
        w = fit[weights].to_numpy(dtype=float)
        w = w / w.mean()
    else:
        w = np.ones(len(fit))
    sw = np.sqrt(w)
    region = fit[rg].astype(str).to_numpy()
    gemeente = fit[gm].astype(str).to_numpy()
    order = np.argsort(region, kind="stable")  # MixedLM wants group rows contiguous for speed
    vc_spec, gem_names = _build_vc(region[order], gemeente[order], sw[order])
    model = sm.MixedLM(
        y[order] * sw[order], X[order] * sw[order, None], groups=region[order], exog_re=sw[order, None], exog_vc=vc_spec
    )
    res, converged, opt, msgs = fit_mixedlm_with_fallback(model, reml, optimizers)
    if not converged:
        warnings.warn(
            f"the mixed model did not converge cleanly (tried {list(optimizers)}); keeping the {opt} fit "
            f"with the highest likelihood. Messages: {msgs[:3]}",
            ConvergenceWarning,
            stacklevel=2,
        )

    reg_eff, gem_eff, reg_var, gem_var = {}, {}, {}, {}
    re_cov = res.random_effects_cov
    for r, eff in res.random_effects.items():
        vals = np.asarray(eff)
        cov = np.asarray(re_cov[r])
        reg_eff[r] = vals[0]
        reg_var[r] = cov[0, 0]
        for k, g in enumerate(gem_names[r]):
            gem_eff[g] = vals[1 + k]
            gem_var[g] = cov[1 + k, 1 + k]
    return ScpModel(
        data=df,
        outcome=outcome,
        predictors=list(predictors),
        levels=(rg, gm),
        transform=transform,
        weights=weights,
        result=res,
        design=design,
        fit_mask=fit_mask,
        region_effects=pd.Series(reg_eff, name="region_effect"),
        gemeente_effects=pd.Series(gem_eff, name="gemeente_effect"),
        region_effect_var=pd.Series(reg_var),
        gemeente_effect_var=pd.Series(gem_var),
        converged=converged,
        optimizer=opt,
        convergence_messages=msgs,
        reml=reml,
        missing_indicators=missing_indicators,
        imputation=imputation,
    )
