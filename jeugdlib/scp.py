"""The SCP model: expected versus observed youth care use per wijk.

SCP (*Jeugdhulp in de wijk*, 2020) explained the share of youths with
jeugdhulp zonder verblijf per wijk (2017) with 27 wijk characteristics in a
multilevel model: wijken nested in gemeenten nested in jeugdzorgregio's. The
expected value of a wijk is its fixed part plus the effects of its gemeente and
region (SCP's ``perc_przv``); the difference with the observed share
(``residu``) points to characteristics the model lacks — never a verdict on
policy.

:func:`fit_scp_model` fits that model with statsmodels ``MixedLM`` (random
intercept per jeugdregio, variance component per gemeente within region).
The design is passed as arrays rather than a formula: it keeps the fit as fast
as a bare ``MixedLM`` call and lets optional weights enter exactly (a residual
variance ``sigma^2 / w_i``: rows and random-effect designs scaled by
``sqrt(w_i)``), which statsmodels' formula interface does not offer.

Missing predictors (suppressed in the public file) are imputed hierarchically —
gemeente mean, then region mean, then national mean — and, optionally, a
missing-indicator per predictor is added where it is identifiable (enough
ones, not collinear with the design; collinear indicators are dropped with a
warning).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.regression.mixed_linear_model import VCSpec
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import ConvergenceWarning as SmConvergenceWarning

from jeugdlib.data import SCP_DETERMINANT_COLUMNS, load_scp_2017
from jeugdlib.data.validation import to_numeric_nl
from jeugdlib.errors import ConvergenceWarning, DataError, JeugdlibWarning

__all__ = [
    "DETERMINANT_INFO",
    "OPEN_DATA_MAPPING",
    "OPTIMIZERS",
    "SCP_DETERMINANTS",
    "ScpModel",
    "agreement_breakdown",
    "compare_with_published",
    "cross_validate",
    "determinant_info",
    "fit_mixedlm_with_fallback",
    "fit_open_model",
    "fit_scp_model",
    "impute_hierarchical",
    "open_data_frame",
]

#: The 27 SCP determinants in SCP order.
SCP_DETERMINANTS: list[str] = list(SCP_DETERMINANT_COLUMNS)

Transform = Literal["log", "logit"] | None
OPTIMIZERS = ("lbfgs", "bfgs", "powell", "nm")


def determinant_info() -> pd.DataFrame:
    """Dutch label, definition source and group of each SCP determinant (the ``bronnen`` sheet)."""
    from jeugdlib.data import embedded_path

    info = pd.read_csv(embedded_path("scp_bronnen"))
    info = info[info.variabele.isin(SCP_DETERMINANTS)].set_index("variabele").loc[SCP_DETERMINANTS]
    info = info.rename(columns={"omschrijving": "label", "toelichting": "bron_detail"})
    return info.reset_index()


#: Table of the 27 determinants: ``variabele, label, bron, bron_detail, groep, subgroep``.
DETERMINANT_INFO: pd.DataFrame = determinant_info()


# --------------------------------------------------------------------------- design
@dataclass
class _Design:
    """Imputed, standardised predictors for one data set."""

    X: pd.DataFrame  # standardised predictors (+ indicators), no constant
    raw_means: pd.Series
    raw_sds: pd.Series
    dropped: list[str]
    indicators: list[str]
    imputed_share: pd.Series


def impute_hierarchical(df: pd.DataFrame, predictors: Sequence[str], levels: Sequence[str],
            reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill each predictor with the mean of its gemeente, then region, then the nation.

    ``reference`` (default ``df``) supplies the means, so new data can be imputed
    with the means of the fitted data where codes overlap.
    """
    ref = df if reference is None else reference
    out = df[list(predictors)].copy()
    for col in predictors:
        s = out[col]
        if not s.isna().any():
            continue
        for level in reversed(levels):  # innermost level first
            means = ref.groupby(level)[col].mean()
            s = s.fillna(df[level].map(means))
        out[col] = s.fillna(ref[col].mean())
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


def _regression_impute(raw: pd.DataFrame, start: pd.DataFrame, context: pd.DataFrame,
                       iterations: int = 5) -> pd.DataFrame:
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


def _prepare_predictors(df: pd.DataFrame, predictors: Sequence[str], levels: Sequence[str],
                        missing_indicators: bool, min_indicator: int, fit_rows: np.ndarray,
                        imputation: str = "hierarchical") -> _Design:
    missing_cols = [p for p in predictors if p not in df.columns]
    if missing_cols:
        raise DataError(f"predictor column(s) {missing_cols} not in the data; available: {list(df.columns)}")
    raw = pd.DataFrame({p: to_numeric_nl(df[p], column=p, source="predictors") for p in predictors}, index=df.index)
    dropped: list[str] = []
    fit_raw = raw[fit_rows]
    for p in predictors:
        v = fit_raw[p].dropna()
        if v.empty:
            dropped.append(p)
            warnings.warn(f"predictor {p!r} is entirely missing in the fitted wijken; dropped.", JeugdlibWarning,
                          stacklevel=3)
        elif v.nunique() < 2:
            dropped.append(p)
            warnings.warn(f"predictor {p!r} is constant ({v.iloc[0]!r}) in the fitted wijken; dropped.",
                          JeugdlibWarning, stacklevel=3)
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
            full = np.column_stack([np.ones(int(fit_rows.sum())), X[fit_rows].to_numpy(),
                                    uniq[fit_rows].to_numpy()])
            start = 1 + X.shape[1]
            keep = _independent_columns(full, list(range(start, full.shape[1])))
            kept = [uniq.columns[i - start] for i in keep]
            collinear = [c for c in uniq.columns if c not in kept] + dup
            if collinear:
                warnings.warn(
                    f"{len(collinear)} missing-indicator(s) dropped as collinear with the design "
                    f"(identical missingness patterns or linear combinations): {collinear}",
                    JeugdlibWarning, stacklevel=3)
            X = pd.concat([X, ind_df[kept]], axis=1)
            indicators = kept
    return _Design(X=X, raw_means=means, raw_sds=sds, dropped=dropped, indicators=indicators,
                   imputed_share=imputed_share)


def _transform(y: np.ndarray, transform: Transform) -> np.ndarray:
    if transform is None:
        return y
    if transform == "log":
        if (y <= 0).any():
            raise DataError("log transform needs positive outcomes; some observed shares are <= 0. "
                            "Use transform=None or 'logit'.")
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


# --------------------------------------------------------------------------- model
@dataclass
class ScpModel:
    """A fitted SCP-style three-level model. Create with :func:`fit_scp_model`."""

    data: pd.DataFrame
    outcome: str
    predictors: list[str]
    levels: tuple[str, str]
    transform: Transform
    weights: str | None
    result: sm.regression.mixed_linear_model.MixedLMResults
    design: _Design
    fit_mask: np.ndarray
    region_effects: pd.Series
    gemeente_effects: pd.Series
    region_effect_var: pd.Series
    gemeente_effect_var: pd.Series
    converged: bool
    optimizer: str
    convergence_messages: list[str] = field(default_factory=list)
    reml: bool = True
    missing_indicators: bool = False
    imputation: str = "hierarchical"

    # ------------------------------------------------------------- parameters
    @property
    def fe_params(self) -> pd.Series:
        return pd.Series(np.asarray(self.result.fe_params), index=["const", *self.design.X.columns])

    @property
    def variance_components(self) -> dict[str, float]:
        """Variances on the model scale: ``jeugdregio``, ``gemeente``, ``wijk`` (residual)."""
        return {"jeugdregio": float(np.asarray(self.result.cov_re)[0, 0]),
                "gemeente": float(np.asarray(self.result.vcomp)[0]),
                "wijk": float(self.result.scale)}

    @property
    def llf(self) -> float:
        return float(self.result.llf)

    def _x(self, df: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
        if df is None:
            return self.data, np.column_stack([np.ones(len(self.data)), self.design.X.to_numpy()])
        missing = [p for p in self.design.raw_means.index if p not in df.columns]
        if missing:
            raise DataError(f"new data lacks predictor column(s) {missing}")
        lv_missing = [lv for lv in self.levels if lv not in df.columns]
        if lv_missing:
            raise DataError(f"new data lacks level column(s) {lv_missing}")
        use = list(self.design.raw_means.index)
        raw = pd.DataFrame({p: to_numeric_nl(df[p], column=p, source="new data") for p in use}, index=df.index)
        ctx = pd.concat([raw, df[list(self.levels)]], axis=1)
        ref = pd.concat([self.data[use].apply(pd.to_numeric, errors="coerce"), self.data[list(self.levels)]], axis=1)
        imputed = impute_hierarchical(ctx, use, self.levels, reference=pd.concat([ref, ctx]))
        if self.imputation == "regression":
            # re-run the chained imputation on fitted + new rows, keep the new ones
            ref_raw = self.data[use].apply(pd.to_numeric, errors="coerce")
            ref_imp = impute_hierarchical(ref, use, self.levels)
            both_ctx = pd.concat([ref, ctx], ignore_index=True)
            both = _regression_impute(pd.concat([ref_raw, raw], ignore_index=True),
                                      pd.concat([ref_imp, imputed], ignore_index=True),
                                      _group_means(both_ctx, use, self.levels))
            imputed = both.iloc[len(ref_raw):].set_axis(raw.index)
        X = (imputed - self.design.raw_means) / self.design.raw_sds
        for ind in self.design.indicators:
            X[ind] = raw[ind.removesuffix("__ontbreekt")].isna().astype(float)
        return df, np.column_stack([np.ones(len(df)), X.to_numpy()])

    # ------------------------------------------------------------- expected values
    def expected(self, df: pd.DataFrame | None = None, *, level: float = 0.95, fdr: bool = False,
                 alpha: float = 0.05) -> pd.DataFrame:
        """Observed versus expected use per wijk.

        Parameters
        ----------
        df:
            Wijken to predict (default: the data the model was fitted on,
            including wijken whose outcome is suppressed).
        level:
            Coverage of the prediction interval ``pi_low, pi_high`` for the
            observed share of a wijk.
        fdr:
            Flag with Benjamini–Hochberg false-discovery-rate control at
            ``alpha`` across wijken instead of the per-wijk interval.

        Returns
        -------
        DataFrame with ``wijkcode, gemeentecode, jeugdregio_code, observed,
        expected`` (fixed part + region + gemeente effect, like SCP's
        ``perc_przv``), ``expected_fixed`` (wijk characteristics only),
        ``region_effect, gemeente_effect, difference`` (observed − expected),
        ``pi_low, pi_high, z, p_value, flag`` (``higher``/``lower``/
        ``as_expected``; NaN where nothing is observed). On a transformed
        scale the effects are on the model scale; ``expected`` is the mean on
        the share scale.

        Notes
        -----
        The interval variance sums the uncertainty of the fixed part
        (``x' Cov(beta) x``), the conditional variance of the region and
        gemeente effects given the data (the full component variance for a
        gemeente or region not in the fit), and the wijk-level residual
        variance (divided by the weight, if weighted).
        """
        frame, X = self._x(df)
        rg, gm = self.levels
        eta_fixed = X @ self.result.fe_params
        reg_eff = frame[rg].map(self.region_effects).fillna(0.0).to_numpy()
        gem_eff = frame[gm].map(self.gemeente_effects).fillna(0.0).to_numpy()
        vc = self.variance_components
        reg_var = frame[rg].map(self.region_effect_var).fillna(vc["jeugdregio"]).to_numpy()
        gem_var = frame[gm].map(self.gemeente_effect_var).fillna(vc["gemeente"]).to_numpy()
        cov_fe = np.asarray(self.result.cov_params())[: X.shape[1], : X.shape[1]]
        fe_var = np.einsum("ij,jk,ik->i", X, cov_fe, X)
        w = self._weights(frame)
        resid_var = vc["wijk"] / w
        eta = eta_fixed + reg_eff + gem_eff
        pred_var = fe_var + reg_var + gem_var + resid_var
        z_crit = stats.norm.ppf(0.5 + level / 2)
        sd = np.sqrt(pred_var)
        expected = _back_mean(eta, resid_var, self.transform)
        expected_fixed = _back_mean(eta_fixed, resid_var + vc["jeugdregio"] + vc["gemeente"], self.transform)
        observed = pd.to_numeric(frame[self.outcome], errors="coerce").to_numpy() if self.outcome in frame else \
            np.full(len(frame), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            obs_eta = _transform_safe(observed, self.transform)
            z = (obs_eta - eta) / sd
        p = 2 * stats.norm.sf(np.abs(z))
        out = pd.DataFrame({
            "wijkcode": frame["wijkcode"].to_numpy() if "wijkcode" in frame else frame.index.to_numpy(),
            "gemeentecode": frame[gm].to_numpy(), "jeugdregio_code": frame[rg].to_numpy(),
            "observed": observed, "expected": expected, "expected_fixed": expected_fixed,
            "region_effect": reg_eff, "gemeente_effect": gem_eff, "difference": observed - expected,
            "pi_low": _back(eta - z_crit * sd, self.transform), "pi_high": _back(eta + z_crit * sd, self.transform),
            "z": z, "p_value": p,
        })
        has_obs = ~np.isnan(observed)
        if fdr:
            sig = np.zeros(len(out), dtype=bool)
            if has_obs.any():
                sig[has_obs] = multipletests(p[has_obs], alpha=alpha, method="fdr_bh")[0]
        else:
            sig = has_obs & ((observed > out.pi_high.to_numpy()) | (observed < out.pi_low.to_numpy()))
        flag = np.where(~has_obs, None, np.where(sig & (z > 0), "higher", np.where(sig & (z < 0), "lower",
                                                                                  "as_expected")))
        out["flag"] = pd.Series(flag, dtype="object")
        out.attrs["interval_level"] = level
        out.attrs["fdr"] = fdr
        return out

    def _weights(self, frame: pd.DataFrame) -> np.ndarray:
        if self.weights is None:
            return np.ones(len(frame))
        w = pd.to_numeric(frame[self.weights], errors="coerce").to_numpy(dtype=float)
        mean_w = float(np.nanmean(self._fit_weights_raw))
        return np.where(np.isnan(w) | (w <= 0), 1.0, w / mean_w)

    @property
    def _fit_weights_raw(self) -> np.ndarray:
        return pd.to_numeric(self.data.loc[self.fit_mask, self.weights], errors="coerce").to_numpy(dtype=float)

    # ------------------------------------------------------------- summary
    def coefficients(self) -> pd.DataFrame:
        """Tidy fixed effects: estimate, SE, 95% CI, z, p and standardised effect.

        Predictors are standardised before fitting, so ``estimate`` is the change
        in the outcome (model scale) per standard deviation of the predictor;
        ``estimate_per_unit`` is per unit of the original variable and
        ``standardised`` is in outcome standard deviations.
        """
        res = self.result
        k = len(res.fe_params)
        est = np.asarray(res.fe_params)
        se = np.asarray(res.bse)[:k]
        names = ["const", *self.design.X.columns]
        y = _transform_safe(pd.to_numeric(self.data.loc[self.fit_mask, self.outcome]).to_numpy(), self.transform)
        sd_y = float(np.std(y))
        sds = self.design.raw_sds.reindex(names).to_numpy(dtype=float)
        zc = stats.norm.ppf(0.975)
        tab = pd.DataFrame({
            "term": names, "estimate": est, "se": se, "ci_low": est - zc * se, "ci_high": est + zc * se,
            "z": est / se, "p_value": 2 * stats.norm.sf(np.abs(est / se)),
            "estimate_per_unit": np.where(np.isnan(sds), np.nan, est / sds),
            "standardised": np.where(np.arange(k) == 0, np.nan, est / sd_y),
        })
        labels = DETERMINANT_INFO.set_index("variabele")["label"]
        tab.insert(1, "label", tab.term.map(labels))
        return tab

    def r_squared(self) -> dict[str, float]:
        """Marginal and conditional R² (Nakagawa & Schielzeth 2013) on the model scale."""
        X = np.column_stack([np.ones(int(self.fit_mask.sum())), self.design.X[self.fit_mask].to_numpy()])
        var_f = float(np.var(X @ self.result.fe_params))
        vc = self.variance_components
        total = var_f + vc["jeugdregio"] + vc["gemeente"] + vc["wijk"]
        return {"marginal": var_f / total, "conditional": (var_f + vc["jeugdregio"] + vc["gemeente"]) / total}

    def summary(self) -> dict[str, object]:
        """Coefficients, variance components with ICCs, R², counts and convergence."""
        vc = self.variance_components
        total = sum(vc.values())
        comp = pd.DataFrame({"component": list(vc), "variance": list(vc.values())})
        comp["share"] = comp.variance / total
        # ICC of the region: correlation of two wijken in one region (other gemeenten);
        # ICC of the gemeente: two wijken in the same gemeente (and so the same region)
        comp["icc"] = [vc["jeugdregio"] / total, (vc["jeugdregio"] + vc["gemeente"]) / total, np.nan]
        fit = self.data[self.fit_mask]
        counts = {"wijken_fit": int(self.fit_mask.sum()), "wijken_total": len(self.data),
                  "gemeenten": int(fit[self.levels[1]].nunique()), "regios": int(fit[self.levels[0]].nunique())}
        return {
            "coefficients": self.coefficients(),
            "variance_components": comp,
            "r_squared": self.r_squared(),
            "counts": counts,
            "convergence": {"converged": self.converged, "optimizer": self.optimizer,
                            "messages": list(self.convergence_messages), "reml": self.reml},
            "dropped_predictors": list(self.design.dropped),
            "missing_indicators": list(self.design.indicators),
            "transform": self.transform,
            "weights": self.weights,
            "llf": self.llf, "aic": self.aic, "bic": self.bic,
        }

    @property
    def n_params(self) -> int:
        return len(self.result.fe_params) + 3

    @property
    def aic(self) -> float:
        return float(-2 * self.llf + 2 * self.n_params)

    @property
    def bic(self) -> float:
        return float(-2 * self.llf + np.log(self.fit_mask.sum()) * self.n_params)


def _transform_safe(y: np.ndarray, transform: Transform) -> np.ndarray:
    if transform is None:
        return y
    with np.errstate(invalid="ignore", divide="ignore"):
        if transform == "log":
            return np.where(y > 0, np.log(np.where(y > 0, y, 1)), np.nan)
        p = y / 100
        ok = (p > 0) & (p < 1)
        return np.where(ok, np.log(np.where(ok, p, 0.5) / (1 - np.where(ok, p, 0.5))), np.nan)


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
        msgs = [f"{opt}: {w.message}" for w in caught if issubclass(w.category, (SmConvergenceWarning, RuntimeWarning))
                or "converge" in str(w.message).lower() or "boundary" in str(w.message).lower()]
        hard = [m for m in msgs if "boundary" not in m.lower()]
        ok = bool(res.converged) and not hard and np.isfinite(res.llf)
        attempts.append((res, ok, opt, msgs))
        if ok:
            return res, True, opt, msgs
    valid = [a for a in attempts if a[0] is not None and np.isfinite(a[0].llf)]
    if not valid:
        raise DataError("the mixed model could not be fitted with any optimizer: "
                        + "; ".join(m for a in attempts for m in a[3]))
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
    y_all = to_numeric_nl(df[outcome], column=outcome, source="outcome")
    no_level = df[rg].isna() | df[gm].isna()
    if no_level.any():
        codes = sorted(df.loc[no_level, gm].dropna().unique().tolist())
        rows = df.loc[no_level, "wijkcode"].tolist()[:10] if "wijkcode" in df else list(df.index[no_level][:10])
        raise DataError(f"{int(no_level.sum())} wijken have no {rg!r} or {gm!r} (gemeenten {codes}, wijken {rows}). "
                        "Add their jeugdregio (see jeugdlib.data.regions) or drop them.")
    df = df.copy()
    df[outcome] = y_all
    fit_mask = y_all.notna().to_numpy()
    if weights is not None:
        if weights not in df.columns:
            raise DataError(f"weights column {weights!r} not in the data")
        w_raw = to_numeric_nl(df[weights], column=weights, source="weights")
        bad = fit_mask & (w_raw.isna() | (w_raw <= 0)).to_numpy()
        if bad.any():
            raise DataError(f"weights column {weights!r} is missing or <= 0 for {int(bad.sum())} fitted wijken; "
                            "weights must be positive.")
        df[weights] = w_raw
    if fit_mask.sum() < 10:
        raise DataError(f"only {int(fit_mask.sum())} wijken have an observed {outcome!r}; too few to fit.")
    design = _prepare_predictors(df, list(predictors), levels, missing_indicators, min_indicator, fit_mask,
                                 imputation)

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
    model = sm.MixedLM(y[order] * sw[order], X[order] * sw[order, None], groups=region[order],
                       exog_re=sw[order, None], exog_vc=vc_spec)
    res, converged, opt, msgs = fit_mixedlm_with_fallback(model, reml, optimizers)
    if not converged:
        warnings.warn(f"the mixed model did not converge cleanly (tried {list(optimizers)}); keeping the {opt} fit "
                      f"with the highest likelihood. Messages: {msgs[:3]}", ConvergenceWarning, stacklevel=2)

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
        data=df, outcome=outcome, predictors=list(predictors), levels=(rg, gm), transform=transform,
        weights=weights, result=res, design=design, fit_mask=fit_mask,
        region_effects=pd.Series(reg_eff, name="region_effect"),
        gemeente_effects=pd.Series(gem_eff, name="gemeente_effect"),
        region_effect_var=pd.Series(reg_var), gemeente_effect_var=pd.Series(gem_var),
        converged=converged, optimizer=opt, convergence_messages=msgs, reml=reml,
        missing_indicators=missing_indicators, imputation=imputation,
    )


# --------------------------------------------------------------------------- checks against SCP
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
    return pd.Series({
        "n_wijken": int(ok.sum()),
        "corr_expected": float(np.corrcoef(e[ok], p[ok])[0, 1]),
        "rmse_expected": float(np.sqrt(np.mean((e[ok] - p[ok]) ** 2))),
        "mean_bias_expected": float(np.mean(e[ok] - p[ok])),
        "n_observed": len(r),
        "corr_difference": float(np.corrcoef(r.difference, r.residu)[0, 1]),
        "rmse_difference": float(np.sqrt(np.mean((r.difference - r.residu) ** 2))),
        "sign_agreement": float(np.mean(np.sign(r.difference) == np.sign(r.residu))),
    })


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
    metrics = pd.Series({
        "folds": folds, "n_wijken": len(obs),
        "rmse": float(np.sqrt(np.mean(resid**2))), "mae": float(np.mean(np.abs(resid))),
        "r2": float(1 - np.sum(resid**2) / np.sum((obs.observed - obs.observed.mean()) ** 2)),
        "coverage": float(np.mean((obs.observed >= obs.pi_low) & (obs.observed <= obs.pi_high))),
    })
    return metrics, pred


# --------------------------------------------------------------------------- open data
#: SCP determinant → open KWB stand-in in :func:`jeugdlib.data.load_wijken` (None: no open equivalent).
OPEN_DATA_MAPPING: dict[str, str | None] = {
    "perc_sbo_g": None, "perc_vso_g": None, "perc_praktijk_g": None,
    "perc_hhmk": "perc_hh_met_kinderen", "perc_jong04": None, "perc_1ouder": None, "perc_tienmam": None,
    "perc_hhmkhgink": None, "perc_kind_sch5": "perc_gescheiden", "perc_ouderpsy": None, "perc_hhverd": None,
    "perc_hhbijs": "perc_bijstand", "perc_hhwan": None, "groenedruk": "groene_druk_proxy",
    "grijzedruk": "grijze_druk_proxy", "perc_ao": "perc_ao_uitkering", "perc_laagopl": None,
    "gem_gestink": "gem_inkomen_per_inwoner_x1000", "polchrplus": None, "perc_nwmig": "perc_nietwesters",
    "perc_antsur": "perc_antillen_suriname", "perc_1gez": None, "huur_corp": "perc_corporatiewoningen",
    "woonwaarde": "woz_waarde_x1000", "afstandhuisarts": "afstand_huisarts", "samenw": None,
    "kleinewijk": "kleinewijk",
}
#: The open-data outcome: youths with jeugdzorg in natura as % of the 0–24 proxy population.
OPEN_OUTCOME = "perc_jz_van_0_24_proxy"


def open_data_frame(year: int, min_inwoners: int = 100) -> tuple[pd.DataFrame, list[str]]:
    """Wijken of ``year`` (2021/2022) ready for the open SCP model, and the usable predictors.

    Wijken under ``min_inwoners`` inhabitants are excluded (as SCP did).
    Stand-ins that are empty in that year's file (bijstand, income and distances
    for 2022) are left out of the predictor list.
    """
    from jeugdlib.data import load_wijken

    w = load_wijken(year)
    w = w[w.inwoners >= min_inwoners].reset_index(drop=True)
    preds = [v for v in OPEN_DATA_MAPPING.values() if v is not None and w[v].notna().mean() > 0.5]
    return w, preds


def fit_open_model(year: int, **fit_kwargs) -> ScpModel:
    """The SCP model on open CBS wijk data of ``year`` (see :data:`OPEN_DATA_MAPPING`).

    The outcome is :data:`OPEN_OUTCOME` (jeugdzorg in natura over the 0–24
    proxy population — not the same as SCP's jeugdhulp zonder verblijf among
    0–17 year olds); the levels are the 2022 jeugdregio's and the gemeente of
    the data year.
    """
    w, preds = open_data_frame(year)
    return fit_scp_model(w, outcome=OPEN_OUTCOME, predictors=preds, **fit_kwargs)


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
        rows.append({"groep": name, "wijken": int(mask.sum()),
                     "correlatie": float(np.corrcoef(s.expected, s.perc_przv)[0, 1]) if mask.sum() > 2 else np.nan,
                     "rmse": float(np.sqrt(np.mean((s.expected - s.perc_przv) ** 2)))})
    return pd.DataFrame(rows)
