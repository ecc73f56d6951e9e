"""Does a set of extra wijk variables improve the SCP model? ML model comparison.

:func:`compare_models` and :func:`jeugdlib.multilevel.by_region.compare_by_region`
share one body, :func:`_compare`: both fit the nested and the extended model by
maximum likelihood on exactly the same wijken; ``compare_by_region`` runs it once
per jeugdregio (``scope`` = that region) and reuses base fits with the same rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from jeugdlib.data import load_scp_2017
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import parse_numeric
from jeugdlib.multilevel._common import _LEVELS
from jeugdlib.multilevel._scope import _collinearity, _prepare_extras, _scope_mask
from jeugdlib.multilevel.lrtest import LLF_TOL, LRTest, NestedFitError, lr_test
from jeugdlib.multilevel.slopes import SlopeTest, random_slope_test
from jeugdlib.results import Result, tidy_frame
from jeugdlib.scp import SCP_DETERMINANTS, ScpModel, fit_scp_model
from jeugdlib.scp._maximum import GAIN_TOL, relative_params

__all__ = ["ModelComparison", "compare_models"]

#: Columns of :attr:`ModelComparison.coefficients` (the older names ``se`` and ``z``; reports publish it).
_COEFFICIENT_COLUMNS = [
    "term",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "z",
    "p_value",
    "estimate_per_unit",
    "ci_low_per_unit",
    "ci_high_per_unit",
    "sd_predictor",
    "n_imputed",
]


def _extra_fixed_effects(ext: ScpModel, extra: Sequence[str], imputed: dict[str, int]) -> pd.DataFrame:
    """The extra variables' fixed effects (per SD), their SEs and the predictors' SDs, in design order."""
    coef = ext.coefficients()
    coef = coef[coef.term.isin(list(extra))].reset_index(drop=True)
    return pd.DataFrame(
        {
            "term": coef.term.to_numpy(),
            "estimate": coef.estimate.to_numpy(dtype=float),
            "std_error": coef.se.to_numpy(dtype=float),
            "estimate_per_unit": coef.estimate_per_unit.to_numpy(dtype=float),
            "sd_predictor": ext.design.raw_sds.reindex(coef.term).to_numpy(dtype=float),
            "n_imputed": coef.term.map(imputed).to_numpy(),
        }
    )


def _tidy_extra(fixed: pd.DataFrame, level: float, extra: dict[str, Any]) -> pd.DataFrame:
    """Tidy rows of extra fixed effects plus the per-unit estimate and interval (CI / SD of the predictor)."""
    t = tidy_frame(fixed.term.tolist(), fixed.estimate, fixed.std_error, level=level, extra=extra)
    sds = fixed.sd_predictor.to_numpy(dtype=float)
    t["estimate_per_unit"] = fixed.estimate_per_unit.to_numpy()
    t["ci_low_per_unit"] = t.ci_low.to_numpy() / sds
    t["ci_high_per_unit"] = t.ci_high.to_numpy() / sds
    t["sd_predictor"] = sds
    return t


@dataclass
class ModelComparison(Result):
    """Result of :func:`compare_models`: tidy tables plus both ML fits.

    Attributes
    ----------
    test:
        LR test of the extra fixed effects: an :class:`LRTest`
        (:class:`~jeugdlib.results.TestResult`, ``distribution="chi2"``, ``df = len(extra)``).
    fit_stats:
        ``model, n_wijken, n_params, llf, deviance, aic, bic``.
    variance:
        ``component`` (``jeugdregio, gemeente, wijk, total``), ``base``,
        ``extended``, ``change`` and ``proportional_reduction`` =
        ``(base - extended) / base``: the share of that level's variance the
        extra variables explain (negative: the variance grew).
    flags:
        Per flag (``higher, lower, as_expected``, from the ML fits' prediction
        intervals) counts and shares among the fitted wijken, base vs extended,
        and — with ``scope`` — within the scope too (``scope`` column).
    n_obs:
        Wijken in both fits; ``n_scope``: of those, the wijken in the scope.
    ci_level:
        Confidence level of :attr:`coefficients` (the ``level`` of :func:`compare_models`;
        ``tidy(level=...)`` takes any level).
    slope_test:
        :class:`SlopeTest` when ``random_slope`` was given.

    Notes
    -----
    :meth:`tidy` gives the extra coefficients in the standard columns
    (``term, estimate, std_error, statistic, p_value, ci_low, ci_high, n_obs``;
    estimates per SD of the predictor, the model's scale) plus the per-unit
    estimate and interval.
    """

    result_name: ClassVar[str] = "model comparison (extra fixed effects)"

    base: ScpModel
    extended: ScpModel
    base_predictors: list[str]
    extra_predictors: list[str]
    test: LRTest
    fit_stats: pd.DataFrame
    variance: pd.DataFrame
    flags: pd.DataFrame
    extra_missing: str
    scope: list[str] | None
    imputed: dict[str, int]
    n_obs: int
    n_scope: int | None = None
    ci_level: float = 0.95
    slope_test: SlopeTest | None = None
    notes: list[str] = field(default_factory=list)
    extra_fixed: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """The extra variables' coefficients: standard tidy columns, ``n_obs``, per-unit estimate and CI."""
        t = _tidy_extra(self.extra_fixed, level, {"n_obs": self.n_obs})
        t["n_imputed"] = self.extra_fixed.n_imputed.to_numpy()
        return t

    @property
    def coefficients(self) -> pd.DataFrame:
        """The extra fixed effects at :attr:`ci_level`, older column names (``se``, ``z``): per SD and per unit."""
        t = self.tidy(level=self.ci_level)
        return t.rename(columns={"std_error": "se", "statistic": "z"})[_COEFFICIENT_COLUMNS]

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """One long tidy table: ``section, item, statistic, value`` (coefficients at ``level``, default ci_level)."""
        rows: list[dict[str, object]] = []
        for k, v in self.test.to_dict().items():
            rows.append({"section": "lr_test", "item": "extra fixed effects", "statistic": k, "value": v})
        for r in self.fit_stats.itertuples(index=False):
            for s in ("n_wijken", "n_params", "llf", "aic", "bic"):
                rows.append({"section": "fit", "item": r.model, "statistic": s, "value": getattr(r, s)})
        for r in self.variance.itertuples(index=False):
            for s in ("base", "extended", "proportional_reduction"):
                rows.append({"section": "variance", "item": r.component, "statistic": s, "value": getattr(r, s)})
        for r in self.flags.itertuples(index=False):
            for s in ("share_base", "share_extended", "change"):
                rows.append({"section": f"flags_{r.scope}", "item": r.flag, "statistic": s, "value": getattr(r, s)})
        for r in self.tidy(level=self.ci_level if level is None else level).itertuples(index=False):
            for s in ("estimate_per_unit", "ci_low_per_unit", "ci_high_per_unit", "p_value"):
                rows.append({"section": "coefficients", "item": r.term, "statistic": s, "value": getattr(r, s)})
        if self.slope_test is not None:
            t = self.slope_test
            for s, v in (
                ("lr_statistic", t.test.statistic),
                ("p_value_mixture", t.test.p_value),
                ("slope_variance", t.slope_variance),
            ):
                rows.append({"section": "random_slope", "item": t.predictor, "statistic": s, "value": v})
        return pd.DataFrame(rows)

    def plot(self, *, title: str | None = None):
        """Variance components before and after (:func:`jeugdlib.plots.multilevel.plot_variance_change`)."""
        from jeugdlib.plots.multilevel import plot_variance_change

        return plot_variance_change(self, title=title)


def _flag_table(flags_base: np.ndarray, flags_ext: np.ndarray, mask: np.ndarray, scope_name: str) -> pd.DataFrame:
    fb, fe = flags_base[mask], flags_ext[mask]
    n = int(mask.sum())
    groups = {flag: [flag] for flag in ("higher", "lower", "as_expected")} | {"higher_or_lower": ["higher", "lower"]}
    rows = []
    for flag, members in groups.items():
        nb, ne = int(np.isin(fb, members).sum()), int(np.isin(fe, members).sum())
        rows.append(
            {
                "scope": scope_name,
                "flag": flag,
                "n_wijken": n,
                "n_base": nb,
                "n_extended": ne,
                "share_base": nb / n,
                "share_extended": ne / n,
                "change": (ne - nb) / n,
            }
        )
    return pd.DataFrame(rows)


def _check_inputs(
    df: pd.DataFrame, base_predictors: list[str], extra: list[str], outcome: str, levels: tuple[str, str]
) -> None:
    if not extra:
        raise DataError("no extra_predictors given; name the variable(s) to add to the base model.")
    overlap = sorted(set(base_predictors) & set(extra))
    if overlap:
        raise DataError(
            f"{overlap} are both base and extra predictors; the models must be nested with "
            "the extra variables added to the base model."
        )
    absent = [c for c in [*base_predictors, *extra, outcome, *levels] if c not in df.columns]
    if absent:
        raise DataError(
            f"column(s) {absent} not in the data; available: {list(df.columns)}. "
            "Join extra variables with jeugdlib.multilevel.add_wijk_variables first."
        )
    y = parse_numeric(df[outcome], column=outcome, source="outcome")
    fit_mask = y.notna().to_numpy()
    rg, gm = levels
    if df.loc[fit_mask, rg].nunique() < 2 or df.loc[fit_mask, gm].nunique() < 2:
        raise DataError(
            f"the data has {df.loc[fit_mask, rg].nunique()} region(s) and {df.loc[fit_mask, gm].nunique()} "
            "gemeente(n): a model within one gemeente or region has no gemeente/region level. Pass the national "
            "data and restrict the extension with scope=<gemeentecode> (see compare_models)."
        )


def _llf_at(model: ScpModel, other: ScpModel) -> float:
    """``model``'s profile log-likelihood at ``other``'s variance components (same random-effect structure)."""
    mod = model.result.model
    return float(mod.loglike(relative_params(other.result), profile_fe=True)) + model.llf_jacobian


def _nested_fits(
    work: pd.DataFrame,
    base: ScpModel,
    ext_predictors: list[str],
    outcome: str,
    levels: tuple[str, str],
    weights: str | None,
) -> tuple[ScpModel, ScpModel]:
    """ML fits of a nested pair with ``ext.llf >= base.llf`` guaranteed (or :class:`NestedFitError`).

    The extended model starts at the base model's variance components, where its profile
    log-likelihood is at least the base maximum (its GLS fit has more columns), and is not
    accepted below ``base.llf``. The other way round: when the base model gains at the
    extended model's variance components, the base fit is not its maximum, and it is refitted
    from there (and the extended fit again from the better base fit).
    """

    def fit_ext(start: ScpModel, thorough: bool = False) -> ScpModel:
        return fit_scp_model(
            work,
            outcome=outcome,
            predictors=ext_predictors,
            levels=levels,
            weights=weights,
            reml=False,
            start=start,
            min_llf=start.llf,
            thorough=thorough,
        )

    ext = fit_ext(base)
    if _llf_at(base, ext) > base.llf + GAIN_TOL:
        base = fit_scp_model(
            work,
            outcome=outcome,
            predictors=base.predictors,
            levels=levels,
            weights=weights,
            reml=False,
            start=ext,
        )
        if ext.llf < base.llf:
            ext = fit_ext(base)
    if ext.llf < base.llf - LLF_TOL:
        ext = fit_ext(base, thorough=True)
    if ext.llf < base.llf - LLF_TOL:
        raise NestedFitError(
            f"the extended model's maximum ({ext.llf:.6f}) stays below the base model's ({base.llf:.6f}) after "
            "refits from each other's solution with every optimizer; report a bug with the data."
        )
    return base, ext


def _compare(
    df: pd.DataFrame,
    base_predictors: list[str],
    extra: list[str],
    *,
    outcome: str,
    levels: tuple[str, str],
    extra_missing: str,
    scope_mask: np.ndarray | None,
    scope_codes: list[str] | None,
    random_slope: str | None,
    slope_correlated: bool,
    weights: str | None,
    level: float,
    ci_level: float,
    source: str,
    with_flags: bool = True,
    quiet: bool = False,
    base_cache: dict[bytes, ScpModel] | None = None,
) -> ModelComparison:
    """The one body of :func:`compare_models` and :func:`compare_by_region` (inputs already checked).

    ``with_flags=False`` skips the flag tables (four predictions; :func:`compare_by_region`
    does not report them), ``quiet`` silences :class:`JeugdlibWarning` of the fits, and
    ``base_cache`` reuses base fits on identical rows across calls.
    """
    y = parse_numeric(df[outcome], column=outcome, source="outcome")
    prepared, fit_mask, imputed = _prepare_extras(
        df, extra, y.notna().to_numpy(), levels, extra_missing, scope_mask, source
    )
    work = df.copy()
    work[outcome] = y.where(fit_mask)
    for c in extra:
        work[c] = prepared[c].to_numpy()
    notes = [f"ML fits (reml=False) on {int(fit_mask.sum())} wijken with an observed {outcome!r}."]
    if extra_missing == "impute" and any(imputed.values()):
        notes.append(f"missing extra values imputed (gemeente → region → overall mean): {imputed}")
    if scope_codes is not None:
        notes.append(f"extra variables centred within scope {scope_codes} and 0 elsewhere.")

    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", JeugdlibWarning)
        key = fit_mask.tobytes()
        base = None if base_cache is None else base_cache.get(key)
        if base is None:
            base = fit_scp_model(
                work, outcome=outcome, predictors=base_predictors, levels=levels, weights=weights, reml=False
            )
            if base_cache is not None:
                base_cache[key] = base
        _collinearity(base.design.X.to_numpy()[fit_mask], prepared[fit_mask], source)
        base, ext = _nested_fits(work, base, [*base_predictors, *extra], outcome, levels, weights)
        if base_cache is not None:
            base_cache[key] = base
    dropped = [c for c in extra if c in ext.design.dropped]
    if dropped:
        raise DataError(f"extra variable(s) {dropped} were dropped by the fit (constant or empty); remove them.")
    if not np.array_equal(base.fit_mask, ext.fit_mask):  # defensive: same rows in both fits
        raise DataError("the base and extended models were fitted on different wijken; report a bug.")
    if not (base.converged and ext.converged):
        notes.append("a fit's maximum could not be verified; see the models' fit_record().")

    n = int(fit_mask.sum())
    test = lr_test(base.llf, ext.llf, len(extra), name="LR: + " + ", ".join(extra), terms=extra)
    fit_stats = pd.DataFrame(
        [
            {
                "model": name,
                "n_wijken": n,
                "n_params": m.n_params,
                "llf": m.llf,
                "deviance": -2 * m.llf,
                "aic": m.aic,
                "bic": m.bic,
                "converged": m.converged,
            }
            for name, m in (("base", base), ("extended", ext))
        ]
    )

    vb, ve = base.variance_components, ext.variance_components
    comp = ["jeugdregio", "gemeente", "wijk"]
    var = pd.DataFrame(
        {
            "component": [*comp, "total"],
            "base": [vb[c] for c in comp] + [sum(vb.values())],
            "extended": [ve[c] for c in comp] + [sum(ve.values())],
        }
    )
    var["change"] = var.extended - var.base
    var["proportional_reduction"] = np.where(
        var.base > 0, (var.base - var.extended) / var.base.where(var.base > 0), np.nan
    )

    flags = pd.DataFrame()
    if with_flags:
        fb = base.expected(level=level).flag.to_numpy()
        fe = ext.expected(level=level).flag.to_numpy()
        flags = _flag_table(fb, fe, fit_mask, "all")
        if scope_mask is not None:
            flags = pd.concat([flags, _flag_table(fb, fe, fit_mask & scope_mask, "scope")], ignore_index=True)

    slope = None
    if random_slope is not None:
        slope = random_slope_test(ext, random_slope, correlated=slope_correlated)
    return ModelComparison(
        base=base,
        extended=ext,
        base_predictors=base_predictors,
        extra_predictors=extra,
        test=test,
        fit_stats=fit_stats,
        variance=var,
        flags=flags,
        extra_missing=extra_missing,
        scope=scope_codes,
        imputed=imputed,
        n_obs=n,
        n_scope=None if scope_mask is None else int((fit_mask & scope_mask).sum()),
        ci_level=ci_level,
        slope_test=slope,
        notes=notes,
        extra_fixed=_extra_fixed_effects(ext, extra, imputed),
    )


def compare_models(
    df: pd.DataFrame | None = None,
    base_predictors: Sequence[str] = SCP_DETERMINANTS,
    extra_predictors: Sequence[str] = (),
    *,
    outcome: str = "perc_jhzv",
    levels: tuple[str, str] = _LEVELS,
    extra_missing: Literal["impute", "drop"] = "impute",
    scope: str | Sequence[str] | pd.Series | np.ndarray | None = None,
    random_slope: str | None = None,
    slope_correlated: bool = True,
    weights: str | None = None,
    level: float = 0.95,
    ci_level: float | None = None,
    source: str = "extra variables",
) -> ModelComparison:
    """Test whether extra wijk variables improve the SCP model.

    Both models are fitted by maximum likelihood (``reml=False``; REML
    likelihoods of models with different fixed effects are not comparable) on
    exactly the same wijken: those with an observed outcome (and, with
    ``extra_missing="drop"``, all extra variables observed).

    Parameters
    ----------
    df:
        Wijk data with the extra columns (e.g. from :func:`add_wijk_variables`;
        default: the SCP 2017 file).
    base_predictors, extra_predictors:
        The nested model's predictors and the variables added to it (disjoint).
    outcome, levels, weights:
        As :func:`jeugdlib.scp.fit_scp_model`.
    extra_missing:
        ``"impute"`` (default): a missing extra value is imputed like the SCP
        predictors — gemeente mean, else region mean, else national mean of
        the fitted wijken — so both fits use the same wijken and the base
        model is unchanged. ``"drop"``: both models are fitted only on wijken
        where every extra variable is observed.
    scope:
        Gemeente or region code(s) or names, or a boolean mask: test the extension only
        within these wijken. The extra variables are centred on their mean in
        the scope and set to 0 outside it, i.e. they are interacted with a
        scope indicator; the national three-level model supplies the levels.
        This is how a variable available for one gemeente only (Amsterdam's
        KWB 2017 extract) is tested: a model of one gemeente alone has no
        gemeente or region level.
    random_slope:
        A predictor of the extended model whose coefficient may vary by
        jeugdregio; tested with :func:`random_slope_test` (mixture p-value).
    level:
        Prediction-interval coverage for the ``higher``/``lower`` flags and confidence
        level of :attr:`ModelComparison.coefficients` (``tidy(level=...)`` takes any level).
    ci_level:
        Deprecated (jeugdlib 0.1): use ``level``. When given it still sets only the level
        of :attr:`ModelComparison.coefficients`, as it did, with a :class:`DeprecationWarning`.
    source:
        Name of the extra data for messages.

    Returns
    -------
    ModelComparison

    Raises
    ------
    DataError
        Overlapping predictor lists, missing or non-numeric columns (naming
        column and rows), an extra variable that is constant, entirely
        missing, or a linear combination of the others, or data of a single
        gemeente/region. A nearly collinear extra variable (R² > 0.95) gives a
        :class:`JeugdlibWarning`.
    """
    if ci_level is None:
        ci_level = level
    else:
        warnings.warn(
            "compare_models: ci_level= is deprecated since jeugdlib 0.2; use level= (prediction "
            "intervals of the flags and coefficient intervals) or result.tidy(level=...)",
            DeprecationWarning,
            stacklevel=2,
        )
    if df is None:
        df = load_scp_2017()
    df = df.reset_index(drop=True)
    base_predictors, extra = list(base_predictors), list(extra_predictors)
    _check_inputs(df, base_predictors, extra, outcome, levels)
    scope_mask, scope_codes = _scope_mask(df, scope, levels)
    return _compare(
        df,
        base_predictors,
        extra,
        outcome=outcome,
        levels=levels,
        extra_missing=extra_missing,
        scope_mask=scope_mask,
        scope_codes=scope_codes,
        random_slope=random_slope,
        slope_correlated=slope_correlated,
        weights=weights,
        level=level,
        ci_level=ci_level,
        source=source,
    )
