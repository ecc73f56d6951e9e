"""Random slopes by jeugdregio, tested with the boundary-corrected (mixture) LR test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLMParams, VCSpec

from jeugdlib.errors import DataError
from jeugdlib.multilevel.lrtest import LLF_TOL, LRTest, NestedFitError, lr_test
from jeugdlib.scp import OPTIMIZERS, ScpModel
from jeugdlib.scp._maximum import FitAttempt, fit_verified, relative_params

__all__ = ["SlopeTest", "random_slope_test"]


@dataclass
class SlopeTest:
    """A random slope by jeugdregio and its boundary-corrected LR test.

    ``test`` is an :class:`LRTest` (a :class:`~jeugdlib.results.TestResult`) with
    ``distribution="chi2-mixture"``: ``0.5 chi2(df - 1) + 0.5 chi2(df)``.
    """

    predictor: str
    correlated: bool
    test: LRTest
    slope_variance: float
    intercept_slope_cov: float
    region_slopes: pd.DataFrame
    result: object
    converged: bool
    fit_attempts: list[FitAttempt] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: statistic, mixture, p-value, slope SD (per SD of the predictor)."""
        return pd.DataFrame(
            [
                {
                    "predictor": self.predictor,
                    "correlated": self.correlated,
                    "lr_statistic": self.test.statistic,
                    "df": self.test.df,
                    "distribution": self.test.distribution,
                    "mixture": self.test.reference,
                    "p_value": self.test.p_value,
                    "p_value_naive_chi2": float(stats.chi2.sf(self.test.statistic, 2 if self.correlated else 1)),
                    "slope_sd": float(np.sqrt(max(self.slope_variance, 0.0))),
                    "converged": self.converged,
                }
            ]
        )

    def summary(self) -> str:
        """The test in one line and the region slopes as text."""
        with pd.option_context("display.width", 120):
            slopes = self.region_slopes.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        return f"random slope of {self.predictor} by jeugdregio: {self.test!r}\n{slopes}"

    def plot(self, *, per_unit: bool = True, title: str | None = None):
        """Caterpillar plot of the region slopes (:func:`jeugdlib.plots.multilevel.plot_region_slopes`)."""
        from jeugdlib.plots.multilevel import plot_region_slopes

        return plot_region_slopes(self, per_unit=per_unit, title=title)


def random_slope_test(
    model: ScpModel, predictor: str, *, correlated: bool = True, optimizers: Sequence[str] = OPTIMIZERS
) -> SlopeTest:
    """Let ``predictor``'s coefficient vary by jeugdregio and test it.

    The random-intercept model ``model`` (fitted by ML, ``reml=False``) is
    refitted with a random slope of the (standardised) predictor per region,
    on the same wijken and design. The LR statistic is referred to a 50:50
    mixture — ``chi2(1)``/``chi2(2)`` for a slope correlated with the region
    intercept (``correlated=True``: slope variance and covariance added),
    ``chi2(0)``/``chi2(1)`` for an independent slope — because the slope
    variance is tested at its boundary, zero; the naive ``chi2`` p-value would
    be conservative (too large).

    Returns
    -------
    SlopeTest
        With ``region_slopes``: per region the slope per SD and per unit of
        the predictor (fixed slope + region deviation, the BLUP).
    """
    if model.reml:
        raise DataError("random_slope_test needs an ML fit: refit with fit_scp_model(..., reml=False).")
    names = ["const", *model.design.X.columns]
    if predictor not in names[1:]:
        raise DataError(f"random slope predictor {predictor!r} is not in the model; predictors: {names[1:]}.")
    j = names.index(predictor)
    mod = model.result.model
    x = mod.exog[:, j]  # already ordered by region and scaled by sqrt(weight)
    if correlated:
        new = sm.MixedLM(
            mod.endog, mod.exog, groups=mod.groups, exog_re=np.column_stack([mod.exog_re[:, 0], x]), exog_vc=mod.exog_vc
        )
    else:
        vc = mod.exog_vc
        mats, cols = [], []
        for g in mod.group_labels:
            rows = mod.row_indices[g]
            mats.append(x[rows][:, None])
            cols.append(["slope"])
        spec = VCSpec([*vc.names, "slope"], [*vc.colnames, cols], [*vc.mats, mats])
        new = sm.MixedLM(mod.endog, mod.exog, groups=mod.groups, exog_re=mod.exog_re, exog_vc=spec)
    # Start at the null model's solution with a small slope variance (at exactly zero the
    # square-root parameterisation has a zero gradient in it and the covariance is singular),
    # then with a sizeable one. The null model is the alternative with slope variance 0, so
    # the alternative's maximum is at least the null's: a fit below it is not accepted
    # (fit_verified escalates), and if every optimizer from every start stays below,
    # NestedFitError is raised.
    null = relative_params(model.result)
    c = float(null.cov_re[0, 0])
    starts = []
    for name, v in (("null model", 1e-4 * max(c, 1e-2)), ("null + slope", 0.1 * max(c, 1e-2))):
        if correlated:
            starts.append((name, MixedLMParams.from_components(cov_re=np.diag([c, v]), vcomp=null.vcomp.copy())))
        else:
            starts.append((name, MixedLMParams.from_components(cov_re=null.cov_re, vcomp=np.append(null.vcomp, v))))
    floor = float(model.result.llf)
    vf = fit_verified(new, False, starts, optimizers, floor=floor)
    if vf.result.llf < floor - LLF_TOL:
        raise NestedFitError(
            f"the random-slope model of {predictor!r} stays below the null model's log-likelihood "
            f"({vf.result.llf:.6f} < {floor:.6f}) with every optimizer and start; report a bug with the data."
        )
    res, converged = vf.result, vf.verified
    k_extra = 2 if correlated else 1
    test = lr_test(
        model.llf,
        float(res.llf) + model.llf_jacobian,
        k_extra,
        mixture=(1, 2) if correlated else (0, 1),
        name=f"random slope of {predictor} by jeugdregio",
        terms=[predictor],
    )
    if correlated:
        cov = np.asarray(res.cov_re)
        slope_var, cov_is = float(cov[1, 1]), float(cov[0, 1])
    else:
        slope_var = float(np.asarray(res.vcomp)[list(new.exog_vc.names).index("slope")])
        cov_is = 0.0
    fixed = float(np.asarray(res.fe_params)[j])
    sd_raw = float(model.design.raw_sds[predictor])
    rows = []
    for g, eff in res.random_effects.items():
        vals = pd.Series(eff)
        dev = float(vals.iloc[1]) if correlated else float(vals[[i for i in vals.index if "slope" in str(i)]].iloc[0])
        rows.append(
            {
                "jeugdregio_code": g,
                "slope_per_sd": fixed + dev,
                "deviation": dev,
                "slope_per_unit": (fixed + dev) / sd_raw,
            }
        )
    slopes = pd.DataFrame(rows).sort_values("slope_per_sd", ignore_index=True)
    if "jeugdregio_naam" in model.data.columns:
        names_map = model.data.drop_duplicates(model.levels[0]).set_index(model.levels[0])["jeugdregio_naam"]
        slopes.insert(1, "jeugdregio_naam", slopes.jeugdregio_code.map(names_map))
    return SlopeTest(
        predictor=predictor,
        correlated=correlated,
        test=test,
        slope_variance=slope_var,
        intercept_slope_cov=cov_is,
        region_slopes=slopes,
        result=res,
        converged=converged,
        fit_attempts=list(vf.attempts),
    )
