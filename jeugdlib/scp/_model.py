"""The fitted SCP model: parameters, expected values per wijk, and the result protocol."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from jeugdlib.errors import DataError
from jeugdlib.io import parse_numeric
from jeugdlib.results import Result, tidy_frame
from jeugdlib.scp._design import (
    _back,
    _back_mean,
    _Design,
    _group_means,
    _regression_impute,
    _transform_safe,
    impute_hierarchical,
)
from jeugdlib.scp._info import Transform, determinant_labels
from jeugdlib.scp._maximum import GAIN_TOL, FitAttempt
from jeugdlib.scp._pev import henderson_system, pev_rows

__all__ = ["ScpModel"]


@dataclass
class ScpModel(Result):
    """A fitted SCP-style three-level model. Create with :func:`jeugdlib.scp.fit_scp_model`.

    Result protocol: :meth:`tidy` (fixed effects), :meth:`summary` (printable text),
    :meth:`plot` (observed against expected use); :meth:`summary_tables` gives the
    pieces of the summary as tables and dicts.
    """

    result_name: ClassVar[str] = "SCP model"

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
    fit_attempts: list[FitAttempt] = field(default_factory=list)
    llf_jacobian: float = 0.0

    # ------------------------------------------------------------- parameters
    @property
    def fe_params(self) -> pd.Series:
        return pd.Series(np.asarray(self.result.fe_params), index=["const", *self.design.X.columns])

    @property
    def variance_components(self) -> dict[str, float]:
        """Variances on the model scale: ``jeugdregio``, ``gemeente``, ``wijk`` (residual)."""
        return {
            "jeugdregio": float(np.asarray(self.result.cov_re)[0, 0]),
            "gemeente": float(np.asarray(self.result.vcomp)[0]),
            "wijk": float(self.result.scale),
        }

    @property
    def llf(self) -> float:
        """Maximised log-likelihood (ML or REML), as lme4's ``logLik``.

        With weights it includes the Jacobian ``1/2 sum(log w_i)`` (weights normalised to
        mean 1) of the rescaled data statsmodels fits, as lme4 does: comparable with lme4
        and independent of the scale of the weights.
        """
        return float(self.result.llf) + self.llf_jacobian

    def fit_record(self) -> pd.DataFrame:
        """What the verified-maximum procedure tried: one row per optimizer run.

        Columns ``optimizer, start, llf, converged`` (statsmodels' flag), ``verified``
        (gradient check passed), ``gradient_norm`` (largest gradient of the profile
        log-likelihood on the relative-variance scale, boundary components satisfying
        the KKT condition left out), ``newton_gain`` (log-likelihood a Newton step would
        still gain; accepted below ``GAIN_TOL`` = 1e-6) and ``kept`` (the fit used).
        ``llf`` includes the weights' Jacobian like :attr:`llf`.
        """
        rows = [a.to_dict() for a in self.fit_attempts]
        out = pd.DataFrame(
            rows,
            columns=["optimizer", "start", "llf", "converged", "verified", "gradient_norm", "newton_gain"],
        )
        out["llf"] = out["llf"] + self.llf_jacobian
        kept = np.zeros(len(out), dtype=bool)
        if len(out):
            diff = np.abs(out["llf"].to_numpy() - self.llf)
            kept[int(np.argmin(np.where(out.optimizer == self.optimizer, diff, np.inf)))] = True
        out["kept"] = kept
        return out

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
        raw = pd.DataFrame({p: parse_numeric(df[p], column=p, source="new data") for p in use}, index=df.index)
        ctx = pd.concat([raw, df[list(self.levels)]], axis=1)
        ref_raw = self._numeric_frame(self.data, use, "fitted data")
        ref = pd.concat([ref_raw, self.data[list(self.levels)]], axis=1)
        imputed = impute_hierarchical(ctx, use, self.levels, reference=pd.concat([ref, ctx]))
        if self.imputation == "regression":
            # re-run the chained imputation on fitted + new rows, keep the new ones
            ref_imp = impute_hierarchical(ref, use, self.levels)
            both_ctx = pd.concat([ref, ctx], ignore_index=True)
            both = _regression_impute(
                pd.concat([ref_raw, raw], ignore_index=True),
                pd.concat([ref_imp, imputed], ignore_index=True),
                _group_means(both_ctx, use, self.levels),
            )
            imputed = both.iloc[len(ref_raw) :].set_axis(raw.index)
        X = (imputed - self.design.raw_means) / self.design.raw_sds
        for ind in self.design.indicators:
            X[ind] = raw[ind.removesuffix("__ontbreekt")].isna().astype(float)
        return df, np.column_stack([np.ones(len(df)), X.to_numpy()])

    @staticmethod
    def _numeric_frame(frame: pd.DataFrame, columns: list[str], source: str) -> pd.DataFrame:
        """``columns`` of ``frame`` through :func:`jeugdlib.io.parse_numeric` (DataError on text)."""
        return pd.DataFrame({c: parse_numeric(frame[c], column=c, source=source) for c in columns}, index=frame.index)

    # ------------------------------------------------------------- expected values
    def expected(
        self, df: pd.DataFrame | None = None, *, level: float = 0.95, fdr: bool = False, alpha: float = 0.05
    ) -> pd.DataFrame:
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
        The interval variance is the exact prediction-error variance of the predicted
        mean ``x'b + z'u`` (fixed part plus the region and gemeente BLUPs), from the
        joint covariance of the GLS estimate and the BLUPs given the variance components
        (Henderson's mixed-model equations, :mod:`jeugdlib.scp._pev`), plus the
        wijk-level residual variance (divided by the weight, if weighted). A gemeente or
        region not in the fit adds its full component variance.
        """
        frame, X = self._x(df)
        rg, gm = self.levels
        eta_fixed = X @ self.result.fe_params
        reg_eff = frame[rg].map(self.region_effects).fillna(0.0).to_numpy()
        gem_eff = frame[gm].map(self.gemeente_effects).fillna(0.0).to_numpy()
        vc = self.variance_components
        system = self.__dict__.get("_henderson")
        if system is None:  # factor the national system once per fitted model, reuse it for any rows
            fit = self.data[self.fit_mask]
            X_fit = self._x(None)[1][self.fit_mask]
            system = henderson_system(
                X_fit,
                self._weights(fit),
                (fit[rg].astype(str).to_numpy(), fit[gm].astype(str).to_numpy()),
                vc,
            )
            self.__dict__["_henderson"] = system
        pev = pev_rows(system, X, (frame[rg].astype(str).to_numpy(), frame[gm].astype(str).to_numpy()))
        w = self._weights(frame)
        resid_var = vc["wijk"] / w
        eta = eta_fixed + reg_eff + gem_eff
        pred_var = pev + resid_var
        z_crit = stats.norm.ppf(0.5 + level / 2)
        sd = np.sqrt(pred_var)
        expected = _back_mean(eta, resid_var, self.transform)
        expected_fixed = _back_mean(eta_fixed, resid_var + vc["jeugdregio"] + vc["gemeente"], self.transform)
        observed = (
            parse_numeric(
                frame[self.outcome], column=self.outcome, source="new data" if df is not None else "fitted data"
            ).to_numpy(dtype=float)
            if self.outcome in frame
            else np.full(len(frame), np.nan)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            obs_eta = _transform_safe(observed, self.transform)
            z = (obs_eta - eta) / sd
        p = 2 * stats.norm.sf(np.abs(z))
        out = pd.DataFrame(
            {
                "wijkcode": frame["wijkcode"].to_numpy() if "wijkcode" in frame else frame.index.to_numpy(),
                "gemeentecode": frame[gm].to_numpy(),
                "jeugdregio_code": frame[rg].to_numpy(),
                "observed": observed,
                "expected": expected,
                "expected_fixed": expected_fixed,
                "region_effect": reg_eff,
                "gemeente_effect": gem_eff,
                "difference": observed - expected,
                "pi_low": _back(eta - z_crit * sd, self.transform),
                "pi_high": _back(eta + z_crit * sd, self.transform),
                "z": z,
                "p_value": p,
            }
        )
        has_obs = ~np.isnan(observed)
        if fdr:
            sig = np.zeros(len(out), dtype=bool)
            if has_obs.any():
                sig[has_obs] = multipletests(p[has_obs], alpha=alpha, method="fdr_bh")[0]
        else:
            sig = has_obs & ((observed > out.pi_high.to_numpy()) | (observed < out.pi_low.to_numpy()))
        flag = np.where(
            ~has_obs, None, np.where(sig & (z > 0), "higher", np.where(sig & (z < 0), "lower", "as_expected"))
        )
        out["flag"] = pd.Series(flag, dtype="object")
        return out

    def _weights(self, frame: pd.DataFrame) -> np.ndarray:
        if self.weights is None:
            return np.ones(len(frame))
        w = parse_numeric(frame[self.weights], column=self.weights, source="new data").to_numpy(dtype=float)
        mean_w = float(np.nanmean(self._fit_weights_raw))
        return np.where(np.isnan(w) | (w <= 0), 1.0, w / mean_w)

    @property
    def _fit_weights_raw(self) -> np.ndarray:
        w = self.data.loc[self.fit_mask, self.weights]
        return parse_numeric(w, column=self.weights, source="fitted data").to_numpy(dtype=float)

    # ------------------------------------------------------------- result protocol
    @property
    def n_obs(self) -> int:
        """Number of wijken in the fit (observed outcome)."""
        return int(self.fit_mask.sum())

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Fixed effects: ``term, estimate, std_error, statistic, p_value, ci_low, ci_high, n_obs``.

        Predictors are standardised before fitting, so ``estimate`` is the change in the
        outcome (model scale) per standard deviation of the predictor. ``statistic`` is the
        Wald z and ``p_value`` and the interval use the standard normal, as statsmodels
        ``MixedLM`` reports them.
        """
        res = self.result
        k = len(res.fe_params)
        return tidy_frame(
            ["const", *self.design.X.columns],
            np.asarray(res.fe_params),
            np.asarray(res.bse)[:k],
            level=level,
            extra={"n_obs": self.n_obs},
        )

    def coefficients(self, level: float = 0.95) -> pd.DataFrame:
        """Fixed effects with labels and rescaled effects (the :meth:`tidy` rows, older column names).

        Columns ``term, label, estimate, se, ci_low, ci_high, z, p_value, estimate_per_unit,
        standardised``: ``estimate_per_unit`` is per unit of the original variable and
        ``standardised`` is in outcome standard deviations.
        """
        t = self.tidy(level=level)
        k = len(t)
        est = t.estimate.to_numpy()
        obs = parse_numeric(self.data.loc[self.fit_mask, self.outcome], column=self.outcome, source="fitted data")
        y = _transform_safe(obs.to_numpy(dtype=float), self.transform)
        sd_y = float(np.std(y))
        sds = self.design.raw_sds.reindex(t.term).to_numpy(dtype=float)
        tab = pd.DataFrame(
            {
                "term": t.term,
                "estimate": est,
                "se": t.std_error,
                "ci_low": t.ci_low,
                "ci_high": t.ci_high,
                "z": t.statistic,
                "p_value": t.p_value,
                "estimate_per_unit": np.where(np.isnan(sds), np.nan, est / sds),
                "standardised": np.where(np.arange(k) == 0, np.nan, est / sd_y),
            }
        )
        tab.insert(1, "label", tab.term.map(determinant_labels()))
        return tab

    def r_squared(self) -> dict[str, float]:
        """Marginal and conditional R² (Nakagawa & Schielzeth 2013) on the model scale."""
        X = np.column_stack([np.ones(self.n_obs), self.design.X[self.fit_mask].to_numpy()])
        var_f = float(np.var(X @ self.result.fe_params))
        vc = self.variance_components
        total = var_f + vc["jeugdregio"] + vc["gemeente"] + vc["wijk"]
        return {"marginal": var_f / total, "conditional": (var_f + vc["jeugdregio"] + vc["gemeente"]) / total}

    def variance_table(self) -> pd.DataFrame:
        """Variance components with their share of the total and the ICCs.

        ICC of the region: correlation of two wijken in one region (other gemeenten);
        ICC of the gemeente: two wijken in the same gemeente (and so the same region).
        """
        vc = self.variance_components
        total = sum(vc.values())
        comp = pd.DataFrame({"component": list(vc), "variance": list(vc.values())})
        comp["share"] = comp.variance / total
        comp["icc"] = [vc["jeugdregio"] / total, (vc["jeugdregio"] + vc["gemeente"]) / total, np.nan]
        return comp

    def counts(self) -> dict[str, int]:
        """Wijken in the fit and in total, gemeenten and regions in the fit."""
        fit = self.data[self.fit_mask]
        return {
            "wijken_fit": self.n_obs,
            "wijken_total": len(self.data),
            "gemeenten": int(fit[self.levels[1]].nunique()),
            "regios": int(fit[self.levels[0]].nunique()),
        }

    def summary_tables(self) -> dict[str, Any]:
        """Coefficients, variance components with ICCs, R², counts and convergence, as tables and dicts.

        This is what ``summary()`` returned before the result protocol; :meth:`summary` prints it.
        """
        return {
            "coefficients": self.coefficients(),
            "variance_components": self.variance_table(),
            "r_squared": self.r_squared(),
            "counts": self.counts(),
            "convergence": {
                "converged": self.converged,
                "optimizer": self.optimizer,
                "messages": list(self.convergence_messages),
                "attempts": self.fit_record(),
                "reml": self.reml,
            },
            "dropped_predictors": list(self.design.dropped),
            "missing_indicators": list(self.design.indicators),
            "transform": self.transform,
            "weights": self.weights,
            "llf": self.llf,
            "aic": self.aic,
            "bic": self.bic,
        }

    def summary(self, level: float = 0.95) -> ScpSummary:
        """Printable summary: fit, counts, fixed effects (:meth:`tidy`), variance components and R².

        The result is a ``str`` (print it, search it). Until jeugdlib 0.1 ``summary()``
        returned the dict that is now :meth:`summary_tables`; ``model.summary()["counts"]``
        and the other keys still work, with a :class:`DeprecationWarning`.
        """
        c = self.counts()
        r2 = self.r_squared()
        lines = [
            f"{self.result_name}: {self.outcome} ~ {len(self.design.X.columns)} predictors "
            f"+ (1 | {self.levels[0]}/{self.levels[1]})",
            f"{'REML' if self.reml else 'ML'} fit, transform={self.transform}, weights={self.weights}, "
            f"optimizer={self.optimizer}, converged={self.converged}",
            f"wijken {c['wijken_fit']} in the fit of {c['wijken_total']}, gemeenten {c['gemeenten']}, "
            f"regions {c['regios']}",
            f"log-likelihood {self.llf:.4f}, AIC {self.aic:.2f}, BIC {self.bic:.2f}; "
            f"R2 marginal {r2['marginal']:.3f}, conditional {r2['conditional']:.3f}",
        ]
        if self.design.dropped:
            lines.append(f"dropped predictors: {', '.join(self.design.dropped)}")
        rec = self.fit_record()
        lines += [
            "",
            f"Maximum {'verified' if self.converged else 'NOT verified'}: gradient of the profile log-likelihood "
            f"and Newton gain (accepted below {GAIN_TOL:g}) at the solution; {len(rec)} optimizer run(s)",
        ]
        if len(rec):
            lines.append(
                rec.to_string(
                    index=False,
                    formatters={
                        "llf": lambda v: f"{v:.6f}",
                        "gradient_norm": lambda v: f"{v:.2g}",
                        "newton_gain": lambda v: f"{v:.2g}",
                    },
                )
            )
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            fixed = self.tidy(level=level).drop(columns="n_obs")
            lines += ["", f"Fixed effects ({round(level * 100):d}% intervals)"]
            lines.append(fixed.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
            lines += ["", "Variance components"]
            lines.append(self.variance_table().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        return ScpSummary("\n".join(lines), self)

    def plot(self, level: float = 0.95, *, fdr: bool = False, **kwargs: Any):
        """Observed against expected use per wijk (:func:`jeugdlib.plots.scp.observed_vs_expected`).

        ``level`` and ``fdr`` are passed to :meth:`expected`; further keyword arguments
        (``title``, ``show_intervals``, ``ax``) to the plot function.
        """
        from jeugdlib.plots.scp import observed_vs_expected

        return observed_vs_expected(self.expected(level=level, fdr=fdr), level=level, **kwargs)

    @property
    def n_params(self) -> int:
        return len(self.result.fe_params) + 3

    @property
    def aic(self) -> float:
        return float(-2 * self.llf + 2 * self.n_params)

    @property
    def bic(self) -> float:
        return float(-2 * self.llf + np.log(self.fit_mask.sum()) * self.n_params)


class ScpSummary(str):
    """The printable text of :meth:`ScpModel.summary`, still indexable as the old dict.

    A ``str`` in every respect, except that ``summary["counts"]`` (a string key, which a
    ``str`` never accepts) returns the table of :meth:`ScpModel.summary_tables` with a
    :class:`DeprecationWarning`; ``keys()``, ``items()``, ``values()`` and ``get()`` do too.
    Remove once no caller uses the dict form.
    """

    _model: ScpModel

    def __new__(cls, text: str, model: ScpModel) -> ScpSummary:
        obj = super().__new__(cls, text)
        obj._model = model
        return obj

    def __repr__(self) -> str:
        return str(self)

    def __reduce__(self) -> tuple[Any, ...]:  # pickles as the plain text
        return (str, (str(self),))

    def _tables(self, what: str) -> dict[str, Any]:
        warnings.warn(
            f"ScpModel.summary(){what} is deprecated since jeugdlib 0.2: summary() returns printable "
            "text; use ScpModel.summary_tables() for the tables",
            DeprecationWarning,
            stacklevel=3,
        )
        return self._model.summary_tables()

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return self._tables(f"[{key!r}]")[key]
        return str.__getitem__(self, key)

    def keys(self) -> Any:
        return self._tables(".keys()").keys()

    def items(self) -> Any:
        return self._tables(".items()").items()

    def values(self) -> Any:
        return self._tables(".values()").values()

    def get(self, key: str, default: Any = None) -> Any:
        return self._tables(f".get({key!r})").get(key, default)
