"""Fitting the SCP three-level model with statsmodels ``MixedLM``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.regression.mixed_linear_model import MixedLMParams, VCSpec

from jeugdlib.data import load_scp_2017
from jeugdlib.errors import ConvergenceWarning, DataError
from jeugdlib.io import parse_numeric
from jeugdlib.scp._design import _prepare_predictors, _transform
from jeugdlib.scp._info import OPTIMIZERS, SCP_DETERMINANTS, Transform
from jeugdlib.scp._maximum import GAIN_TOL, fit_verified, relative_params
from jeugdlib.scp._model import ScpModel

__all__ = ["fit_mixedlm_with_fallback", "fit_scp_model", "moment_start"]


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
    """Fit ``model`` to a verified maximum; return ``(result, verified, optimizer, messages)``.

    Kept for callers of jeugdlib <= 0.2: the fit is :func:`jeugdlib.scp._maximum.fit_verified`
    from statsmodels' default start (first optimizer, then polish and a full search when the
    gradient check fails). ``verified`` replaces statsmodels' ``converged`` flag.
    """
    try:
        vf = fit_verified(model, reml, [("default", None)], optimizers)
    except np.linalg.LinAlgError as exc:
        raise DataError(f"the mixed model could not be fitted with any optimizer: {exc}") from exc
    return vf.result, vf.verified, vf.attempt.optimizer, vf.messages


def moment_start(
    y: np.ndarray, X: np.ndarray, region: np.ndarray, gemeente: np.ndarray, w: np.ndarray
) -> MixedLMParams:
    """Moment (ANOVA-type) starting values for the region and gemeente variances.

    From the (weighted) OLS residuals: the pooled within-gemeente variance ``s_w``, the
    variance of gemeente means around their region's mean minus its sampling part, and
    the variance of region means minus the gemeente and wijk parts (unbalanced, so
    approximate: a start, not an estimate). Returned relative to ``s_w`` (statsmodels'
    parameterisation) and floored at 0.01, away from the boundary where the square-root
    parameterisation has a zero gradient.
    """
    sw = np.sqrt(w)
    Xw = X * w[:, None]
    try:
        beta = np.linalg.solve(X.T @ Xw, Xw.T @ y)
    except np.linalg.LinAlgError:
        beta = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
    e = pd.Series(y - X @ beta)
    g_codes, g_idx = np.unique(gemeente, return_inverse=True)
    n_g = np.bincount(g_idx).astype(float)
    g_mean = np.bincount(g_idx, weights=e.to_numpy()) / n_g
    n, G = len(e), len(g_codes)
    s_w = float(np.sum((e.to_numpy() - g_mean[g_idx]) ** 2) / max(n - G, 1))
    first = np.zeros(G, dtype=int)
    first[g_idx[::-1]] = np.arange(n)[::-1]
    r_of_g = region[first]
    r_codes, r_idx = np.unique(r_of_g, return_inverse=True)
    R = len(r_codes)
    G_r = np.bincount(r_idx).astype(float)
    r_mean = np.bincount(r_idx, weights=g_mean) / G_r
    between_g = float(np.sum((g_mean - r_mean[r_idx]) ** 2) / max(G - R, 1))
    s_g = max(between_g - s_w * float(np.mean(1 / n_g)), 0.0)
    s_r = 0.0
    if R > 1:
        sampling = np.bincount(r_idx, weights=1 / n_g) / G_r**2  # mean over gemeenten of 1/n_g, / G_r
        s_r = max(float(np.var(r_mean, ddof=1)) - s_g * float(np.mean(1 / G_r)) - s_w * float(np.mean(sampling)), 0.0)
    s_w = s_w if s_w > 0 else 1.0
    return MixedLMParams.from_components(
        cov_re=np.array([[max(s_r / s_w, 0.01)]]), vcomp=np.array([max(s_g / s_w, 0.01)])
    )


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
    start: ScpModel | None = None,
    min_llf: float | None = None,
    thorough: bool = False,
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
        Optimizers for the verified-maximum procedure
        (:func:`jeugdlib.scp._maximum.fit_verified`): the first is run from the first
        start; when the gradient check of the profile likelihood fails, the others
        polish the solution, and only if that fails every optimizer is run from every
        start. The best verified fit is kept; ``converged`` says whether one passed
        (if none did, a :class:`~jeugdlib.errors.ConvergenceWarning` is issued).
        Every attempt is in :attr:`ScpModel.fit_attempts` and in ``summary()``.
    start:
        A model fitted on the same wijken and levels (e.g. a nested model): its variance
        components are the first start; moment-based starts otherwise (see
        :func:`moment_start`).
    min_llf:
        A log-likelihood the maximum is known to reach (a nested model's ``llf``): a
        fit below it is not accepted as verified.
    thorough:
        Run every optimizer from every start even when the first fit passes the check.
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
    # lme4's log-likelihood of a weighted fit includes the Jacobian 1/2 sum(log w_i) of the
    # rescaling y_i sqrt(w_i); statsmodels' (of the rescaled data) does not. Weights are
    # normalised to mean 1, and with the Jacobian the llf does not depend on that choice.
    jacobian = 0.5 * float(np.sum(np.log(w))) if weights is not None else 0.0
    starts = [("moments", moment_start(y, X, region, gemeente, w))]
    if start is not None:
        starts.insert(0, ("start model", relative_params(start.result)))
    floor = None if min_llf is None else float(min_llf) - jacobian
    try:
        vf = fit_verified(model, reml, starts, optimizers, floor=floor, thorough=thorough)
    except np.linalg.LinAlgError as exc:
        raise DataError(f"the mixed model could not be fitted with any optimizer: {exc}") from exc
    res, converged, opt, msgs = vf.result, vf.verified, vf.attempt.optimizer, vf.messages
    if not converged:
        warnings.warn(
            f"the mixed model's maximum could not be verified (tried {len(vf.attempts)} optimizer runs of "
            f"{list(optimizers)}); keeping the {opt} fit with the highest likelihood (Newton gain "
            f"{vf.attempt.newton_gain:.2g} > {GAIN_TOL:g}). Messages: {msgs[:3]}",
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
        fit_attempts=list(vf.attempts),
        llf_jacobian=jacobian,
        reml=reml,
        missing_indicators=missing_indicators,
        imputation=imputation,
    )
