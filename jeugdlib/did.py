"""Difference-in-differences with staggered adoption (CPB wijkteams / POH-jeugd).

The CPB study *Wijkteams en praktijkondersteuners in de jeugdzorg* (2020)
compares the growth of second-line youth care between groups of gemeenten
before and after the 2015 decentralisation: a difference-in-differences
question with staggered adoption. This module provides

* :func:`staggered_att` — the Callaway & Sant'Anna (2021) group-time ATT with
  never-treated or not-yet-treated controls, influence-function standard
  errors, a multiplier bootstrap with uniform (simultaneous) bands and the
  ``simple``/``group``/``dynamic``/``calendar`` aggregations of R's ``did``;
* :func:`event_study` and :func:`twfe` — regression estimators on pyfixest
  (TWFE, Sun & Abraham interaction-weighted, Gardner's two-stage ``did2s``),
  standard errors clustered by gemeente and wild cluster bootstrap p-values
  when clusters are few; :func:`compare_estimators` puts them side by side;
* :func:`relative_magnitudes` — a Rambachan & Roth style sensitivity of the
  post-period average to parallel-trend violations;
* :func:`intensity_did` and :func:`growth_by_group` — CPB's "much versus
  little wijkteam help" growth comparisons with bootstrap intervals;
* :func:`simulate_cpb_panel` — a SYNTHETIC gemeente panel calibrated to CPB's
  published figures with known true effects; :func:`load_policy_table` — a
  validated user-supplied policy table; :func:`load_mpdta` — the R ``did``
  package's example data used as the reference check.

Implementation note (why Callaway–Sant'Anna is implemented here). The
``differences`` package (0.3) reproduces R ``did`` on mpdta and is used for the
covariate-adjusted estimators (``method="dr"|"reg"|"ipw"`` with covariates).
Without covariates every CS estimator reduces to the unconditional 2x2
difference of mean changes, which is implemented directly in numpy: it is
transparent, needs no private API, and it exposes the per-unit influence
functions that the aggregations, the uniform bootstrap bands, the pre-trend
Wald test and the sensitivity analysis are built on. With covariates the
per-cell influence functions are read from ``differences``' fitted object so
that every downstream step is shared by both engines.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

from jeugdlib.errors import DataError, JeugdlibWarning, StaggeredTimingWarning

__all__ = [
    "Aggregate",
    "AttResult",
    "EventStudyResult",
    "GrowthResult",
    "IntensityResult",
    "TwfeResult",
    "WaldTest",
    "compare_estimators",
    "event_study",
    "growth_by_group",
    "intensity_did",
    "load_mpdta",
    "load_policy_table",
    "relative_magnitudes",
    "simulate_cpb_panel",
    "staggered_att",
    "true_att",
    "twfe",
]

_Z = stats.norm.ppf
_IQR_NORMAL = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))


# --------------------------------------------------------------------------------------
# Input validation shared by the estimators
# --------------------------------------------------------------------------------------


def _rows(index: Iterable[Any], limit: int = 10) -> str:
    items = list(index)
    head = ", ".join(repr(i) for i in items[:limit])
    more = f" (and {len(items) - limit} more)" if len(items) > limit else ""
    return f"[{head}]{more}"


def _require_columns(df: pd.DataFrame, cols: Sequence[str], source: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame, got {type(df).__name__}.")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(
            f"{source}: column(s) {missing} not found; available columns: {list(df.columns)}. "
            "Pass the right column names."
        )


def _numeric(df: pd.DataFrame, col: str, source: str, what: str) -> pd.Series:
    """Return ``df[col]`` as float, raising :class:`DataError` naming non-numeric rows."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    conv = pd.to_numeric(s, errors="coerce")
    bad = conv.isna() & s.notna()
    if bad.any():
        raise DataError(
            f"{source}: {what} column {col!r} has non-numeric values at rows "
            f"{_rows(df.index[bad])} (e.g. {s[bad].iloc[0]!r}); convert it to numbers "
            "(decimal point, no thousands separators or text) first."
        )
    return conv.astype(float)


def _check_duplicates(df: pd.DataFrame, unit: str, time: str, source: str) -> None:
    dup = df.duplicated([unit, time], keep=False)
    if dup.any():
        pairs = df.loc[dup, [unit, time]].drop_duplicates().head(5).itertuples(index=False)
        raise DataError(
            f"{source}: duplicate ({unit!r}, {time!r}) rows at rows {_rows(df.index[dup])}, "
            f"e.g. {[tuple(p) for p in pairs]}; keep one row per unit and period "
            "(aggregate or deduplicate first)."
        )


def _unit_cohort(df: pd.DataFrame, unit: str, cohort: str, source: str) -> pd.Series:
    """One first-treatment period per unit (``inf`` = never treated)."""
    g = _numeric(df, cohort, source, "cohort")
    g = g.where(~(g.isna() | (g == 0)), np.inf)
    if (g < 0).any():
        raise DataError(
            f"{source}: cohort column {cohort!r} has negative values at rows "
            f"{_rows(df.index[g < 0])}; use the first treated period, or 0/NaN for never treated."
        )
    nun = g.groupby(df[unit]).nunique()
    varying = nun.index[nun > 1]
    if len(varying):
        raise DataError(
            f"{source}: cohort column {cohort!r} varies within unit(s) {_rows(varying)} "
            f"(rows {_rows(df.index[df[unit].isin(varying)])}); the cohort is the first "
            "treated period and must be constant within a unit. Recompute it as the first "
            "period in which the unit is treated."
        )
    return g.groupby(df[unit]).first()


def _prepare_panel(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    extra: Sequence[str],
    source: str,
) -> pd.DataFrame:
    cols = [outcome, unit, time, *extra]
    _require_columns(df, cols, source)
    out = df[list(dict.fromkeys(cols))].copy()
    out[outcome] = _numeric(out, outcome, source, "outcome")
    out[time] = _numeric(out, time, source, "time")
    if out[time].isna().any():
        raise DataError(
            f"{source}: time column {time!r} is missing at rows {_rows(out.index[out[time].isna()])}."
        )
    if out[unit].isna().any():
        raise DataError(
            f"{source}: unit column {unit!r} is missing at rows {_rows(out.index[out[unit].isna()])}."
        )
    _check_duplicates(out, unit, time, source)
    return out


# --------------------------------------------------------------------------------------
# Small result types
# --------------------------------------------------------------------------------------


@dataclass
class WaldTest:
    """Joint Wald test that a set of coefficients is zero (chi-square form)."""

    statistic: float
    df: int
    p_value: float
    terms: list[Any]

    def __repr__(self) -> str:
        return f"WaldTest(chi2={self.statistic:.3f}, df={self.df}, p={self.p_value:.4f})"


def _wald(theta: np.ndarray, vcov: np.ndarray, terms: list[Any]) -> WaldTest:
    theta = np.asarray(theta, float)
    if theta.size == 0:
        return WaldTest(np.nan, 0, np.nan, [])
    vinv = np.linalg.pinv(vcov)
    rank = int(np.linalg.matrix_rank(vcov))
    stat = float(theta @ vinv @ theta)
    return WaldTest(stat, rank, float(stats.chi2.sf(stat, rank)) if rank else np.nan, terms)


@dataclass
class Aggregate:
    """An aggregation of group-time ATTs (see :meth:`AttResult.aggregate`).

    Attributes
    ----------
    kind:
        ``simple``, ``group``, ``dynamic`` or ``calendar``.
    overall:
        Series with ``att, se, ci_low, ci_high`` for the overall summary.
    by:
        Per group / event time / calendar period (``None`` for ``simple``) with
        columns ``<key>, att, se, ci_low, ci_high``; uniform bands when bootstrapped.
    uniform:
        Whether the bands in ``by`` are simultaneous (multiplier bootstrap).
    crit_value:
        Critical value used for ``by``.
    """

    kind: str
    overall: pd.Series
    by: pd.DataFrame | None
    uniform: bool
    crit_value: float
    alpha: float
    vcov: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        """``by`` with an extra final row for the overall summary (key ``"overall"``)."""
        row = pd.DataFrame([self.overall])
        if self.by is None:
            return row.assign(term="overall")[["term", "att", "se", "ci_low", "ci_high"]]
        key = self.by.columns[0]
        by = self.by.astype({key: object})
        return pd.concat([by, row.assign(**{key: "overall"})], ignore_index=True)

    def __repr__(self) -> str:
        o = self.overall
        band = "uniform" if self.uniform else "pointwise"
        head = (
            f"Aggregate({self.kind}: att={o['att']:.4f}, se={o['se']:.4f}, "
            f"CI=[{o['ci_low']:.4f}, {o['ci_high']:.4f}]; by-bands {band})"
        )
        return head if self.by is None else head + "\n" + self.by.to_string(index=False)


# --------------------------------------------------------------------------------------
# Multiplier bootstrap on influence functions
# --------------------------------------------------------------------------------------


def _cluster_sums(inf: np.ndarray, codes: np.ndarray) -> np.ndarray:
    n_c = int(codes.max()) + 1
    out = np.zeros((n_c, inf.shape[1]))
    np.add.at(out, codes, inf)
    return out


def _mammen(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    s5 = np.sqrt(5.0)
    p = (s5 + 1) / (2 * s5)
    lo, hi = (1 - s5) / 2, (1 + s5) / 2
    return np.where(rng.random(shape) < p, lo, hi)


# --------------------------------------------------------------------------------------
# Callaway & Sant'Anna
# --------------------------------------------------------------------------------------


@dataclass
class AttResult:
    """Group-time average treatment effects (Callaway & Sant'Anna 2021).

    Attributes
    ----------
    att_gt:
        One row per (group, time) cell: ``group, time, base_period, event_time,
        post, att, se, ci_low, ci_high, n_treated, n_control``. Bands are uniform
        over all cells when ``n_boot > 0`` (as R ``did``), pointwise otherwise.
    influence:
        ``(n_units, n_cells)`` influence functions (columns in ``att_gt`` order).
    units, unit_cohort:
        Unit ids and their first treatment period (``inf`` = never treated).
    notes:
        What was dropped or assumed (unbalanced units, early-treated units, ...).
    """

    att_gt: pd.DataFrame
    influence: np.ndarray
    units: np.ndarray
    unit_cohort: np.ndarray
    cluster_codes: np.ndarray
    control: str
    method: str
    anticipation: int
    alpha: float
    n_boot: int
    seed: int | None
    engine: str
    times: np.ndarray
    crit_value: float
    notes: list[str] = field(default_factory=list)
    _draws: np.ndarray | None = field(default=None, repr=False)

    # -- inference helpers ------------------------------------------------------------
    @property
    def n_units(self) -> int:
        """Number of units used."""
        return int(self.influence.shape[0])

    def _boot_draws(self) -> np.ndarray:
        if self._draws is None:
            rng = np.random.default_rng(self.seed)
            n_c = int(self.cluster_codes.max()) + 1
            self._draws = _mammen(rng, (self.n_boot, n_c))
        return self._draws

    def _inference(self, inf: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """SEs, uniform critical value and covariance for columns of ``inf``."""
        n = inf.shape[0]
        s = _cluster_sums(inf, self.cluster_codes)
        vcov = s.T @ s / n**2
        se = np.sqrt(np.diag(vcov))
        crit = float(_Z(1 - self.alpha / 2))
        if self.n_boot > 0:
            boot = self._boot_draws() @ s / n
            q = np.quantile(boot, [0.75, 0.25], axis=0, method="inverted_cdf")
            se_b = (q[0] - q[1]) / _IQR_NORMAL
            ok = se_b > np.sqrt(np.finfo(float).eps) * 10
            se = np.where(ok, se_b, se)
            if ok.any():
                tmax = np.max(np.abs(boot[:, ok]) / se_b[ok], axis=1)
                crit = float(np.quantile(tmax, 1 - self.alpha, method="inverted_cdf"))
        return se, crit, vcov

    def _single(self, att: float, inf: np.ndarray) -> pd.Series:
        se, _, _ = self._inference(inf[:, None])
        z = float(_Z(1 - self.alpha / 2))
        return pd.Series(
            {"att": att, "se": se[0], "ci_low": att - z * se[0], "ci_high": att + z * se[0]}
        )

    def _pg(self) -> dict[float, float]:
        g = self.unit_cohort
        return {float(k): float(np.mean(g == k)) for k in np.unique(g[np.isfinite(g)])}

    def _wif(self, cells: np.ndarray) -> np.ndarray:
        """Influence of estimating the cohort-share weights (R did's ``wif``)."""
        tab = self.att_gt
        groups = tab["group"].to_numpy()[cells]
        pg_all = self._pg()
        pg = np.array([pg_all[g] for g in groups])
        ind = np.stack([(self.unit_cohort == g).astype(float) for g in groups], axis=1)
        s = pg.sum()
        if1 = (ind - pg) / s
        if2 = np.outer((ind - pg).sum(axis=1), pg) / s**2
        return if1 - if2

    def _combine(
        self, cells: np.ndarray, weights: np.ndarray, wif: bool
    ) -> tuple[float, np.ndarray]:
        att = self.att_gt["att"].to_numpy()[cells]
        inf = self.influence[:, cells] @ weights
        if wif:
            inf = inf + self._wif(cells) @ att
        return float(att @ weights), inf

    def _weights_pg(self, cells: np.ndarray) -> np.ndarray:
        pg_all = self._pg()
        pg = np.array([pg_all[g] for g in self.att_gt["group"].to_numpy()[cells]])
        return pg / pg.sum()

    # -- public API ---------------------------------------------------------------------
    def aggregate(
        self,
        kind: Literal["simple", "group", "dynamic", "calendar"] = "simple",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> Aggregate:
        """Aggregate the ATT(g,t) as R ``did::aggte`` does.

        Parameters
        ----------
        kind:
            ``simple`` (post-treatment cells weighted by cohort size), ``group``
            (average per cohort; overall weighted by cohort size), ``dynamic``
            (event study by ``event_time = t - g``; overall = mean of ``e >= 0``)
            or ``calendar`` (per calendar period; overall = their mean).
        min_e, max_e:
            Event-time range (``dynamic``; ``max_e`` also trims ``simple``/``group``).
        balance_e:
            ``dynamic`` only: keep cohorts observed for at least ``balance_e``
            periods after treatment and event times ``<= balance_e``.

        Returns
        -------
        Aggregate
            Overall summary and the per-key table; the per-key bands are uniform
            when the result was bootstrapped (``n_boot > 0``).
        """
        tab = self.att_gt
        g = tab["group"].to_numpy()
        t = tab["time"].to_numpy()
        e = t - g
        zpt = float(_Z(1 - self.alpha / 2))
        if kind == "simple":
            cells = np.flatnonzero((g <= t) & (e <= max_e))
            if cells.size == 0:
                raise DataError("staggered_att: no post-treatment cells to aggregate.")
            att, inf = self._combine(cells, self._weights_pg(cells), wif=True)
            return Aggregate("simple", self._single(att, inf), None, False, zpt, self.alpha)

        if kind == "group":
            keys, atts, infs = [], [], []
            for gg in np.unique(g):
                cells = np.flatnonzero((g == gg) & (g <= t) & (e <= max_e))
                if cells.size == 0:
                    continue
                a, i = self._combine(cells, np.full(cells.size, 1 / cells.size), wif=False)
                keys.append(gg)
                atts.append(a)
                infs.append(i)
            key = "group"
            pg_all = self._pg()
            w = np.array([pg_all[k] for k in keys])
            w = w / w.sum()
            _require_cells(keys, kind)
            att_mat = np.array(atts)
            inf_mat = np.stack(infs, axis=1)
            # weight-estimation influence over the groups (R's selective.wif)
            ind = np.stack([(self.unit_cohort == k).astype(float) for k in keys], axis=1)
            pg = np.array([pg_all[k] for k in keys])
            wif = (ind - pg) / pg.sum() - np.outer((ind - pg).sum(axis=1), pg) / pg.sum() ** 2
            overall_att = float(att_mat @ w)
            overall_inf = inf_mat @ w + wif @ att_mat
        elif kind == "dynamic":
            keep = np.ones(len(tab), bool)
            if balance_e is not None:
                tmax = float(np.max(self.times))
                keep = (tmax - g >= balance_e) & (e <= balance_e)
            keys, atts, infs = [], [], []
            for ee in np.unique(e[keep]):
                if ee < min_e or ee > max_e:
                    continue
                cells = np.flatnonzero((e == ee) & keep)
                a, i = self._combine(cells, self._weights_pg(cells), wif=True)
                keys.append(ee)
                atts.append(a)
                infs.append(i)
            key = "event_time"
            _require_cells(keys, kind)
            att_mat = np.array(atts)
            inf_mat = np.stack(infs, axis=1)
            pos = np.array(keys) >= 0
            if not pos.any():
                raise DataError("staggered_att: no event times >= 0 in the requested range.")
            overall_att = float(att_mat[pos].mean())
            overall_inf = inf_mat[:, pos].mean(axis=1)
        elif kind == "calendar":
            keys, atts, infs = [], [], []
            for tt in np.unique(t[t >= g.min()]):
                cells = np.flatnonzero((t == tt) & (g <= t))
                if cells.size == 0:
                    continue
                a, i = self._combine(cells, self._weights_pg(cells), wif=False)
                keys.append(tt)
                atts.append(a)
                infs.append(i)
            key = "time"
            _require_cells(keys, kind)
            att_mat = np.array(atts)
            inf_mat = np.stack(infs, axis=1)
            overall_att = float(att_mat.mean())
            overall_inf = inf_mat.mean(axis=1)
        else:
            raise ValueError(f"kind must be simple, group, dynamic or calendar, not {kind!r}")

        se, crit, vcov = self._inference(inf_mat)
        by = pd.DataFrame(
            {
                key: keys,
                "att": att_mat,
                "se": se,
                "ci_low": att_mat - crit * se,
                "ci_high": att_mat + crit * se,
            }
        )
        if key != "event_time":
            by[key] = by[key].astype(int)
        else:
            by[key] = by[key].astype(int)
        return Aggregate(
            kind,
            self._single(overall_att, overall_inf),
            by,
            self.n_boot > 0,
            crit,
            self.alpha,
            vcov,
        )

    def pretrend_test(self) -> WaldTest:
        """Joint Wald test that all pre-treatment ATT(g,t) are zero (R ``did``'s pre-test).

        With the varying base period each pre-treatment cell is a short (t-1 to t)
        difference, so this tests parallel trends period by period.
        """
        pre = np.flatnonzero(~self.att_gt["post"].to_numpy())
        if pre.size == 0:
            return WaldTest(np.nan, 0, np.nan, [])
        _, _, vcov = self._inference(self.influence[:, pre])
        terms = list(zip(self.att_gt["group"].iloc[pre], self.att_gt["time"].iloc[pre], strict=True))
        return _wald(self.att_gt["att"].to_numpy()[pre], vcov, terms)

    def to_event_study(self, window: tuple[int, int] | None = None) -> EventStudyResult:
        """The dynamic aggregation as an :class:`EventStudyResult` (estimator ``"cs"``)."""
        lo, hi = window if window is not None else (-np.inf, np.inf)
        agg = self.aggregate("dynamic", min_e=lo, max_e=hi)
        by = agg.by
        zpt = float(_Z(1 - self.alpha / 2))
        coefs = pd.DataFrame(
            {
                "event_time": by["event_time"].astype(int),
                "estimate": by["att"],
                "se": by["se"],
                "ci_low": by["ci_low"],
                "ci_high": by["ci_high"],
                "p_value": 2 * stats.norm.sf(np.abs(by["att"] / by["se"])),
                "p_wild": np.nan,
            }
        )
        vcov = pd.DataFrame(agg.vcov, index=coefs["event_time"], columns=coefs["event_time"])
        pre = coefs["event_time"].to_numpy() < 0
        pretrend = _wald(coefs["estimate"].to_numpy()[pre], agg.vcov[np.ix_(pre, pre)],
                         coefs["event_time"][pre].tolist())
        o = agg.overall
        post = pd.Series(
            {
                "estimate": o["att"],
                "se": o["se"],
                "ci_low": o["att"] - zpt * o["se"],
                "ci_high": o["att"] + zpt * o["se"],
                "p_value": float(2 * stats.norm.sf(abs(o["att"] / o["se"]))),
                "p_wild": np.nan,
            }
        )
        return EventStudyResult(
            estimator="cs",
            coefs=coefs,
            post_average=post,
            vcov=vcov,
            pretrend=pretrend,
            n_obs=self.n_units * len(self.times),
            n_clusters=int(self.cluster_codes.max()) + 1,
            n_wild=0,
            alpha=self.alpha,
            uniform=agg.uniform,
            model=self,
            notes=[
                "Callaway-Sant'Anna dynamic aggregation; pre-period estimates are short "
                "(t-1 to t) differences (varying base period), not normalised to e=-1.",
                *self.notes,
            ],
        )

    def __repr__(self) -> str:
        s = self.aggregate("simple").overall
        return (
            f"AttResult({len(self.att_gt)} ATT(g,t) cells, {self.n_units} units, control="
            f"{self.control!r}, method={self.method!r}, engine={self.engine!r}; simple ATT="
            f"{s['att']:.4f} (se {s['se']:.4f}))"
        )


def _balance(
    panel: pd.DataFrame, outcome: str, unit: str, time: str, cols: Sequence[str],
    how: str, source: str
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    times = np.sort(panel[time].unique())
    complete = panel.dropna(subset=list(cols))
    counts = complete.groupby(unit)[time].nunique()
    all_units = panel[unit].unique()
    bad = [u for u in all_units if counts.get(u, 0) < len(times)]
    if bad:
        msg = (
            f"{source}: unbalanced panel: {len(bad)} unit(s) {_rows(bad)} are not observed "
            f"(with non-missing {list(cols)}) in all {len(times)} periods."
        )
        if how == "error":
            raise DataError(msg + " Balance the panel or pass unbalanced='drop'.")
        warnings.warn(
            msg + " They are dropped, as R did does (allow_unbalanced_panel=FALSE).",
            JeugdlibWarning,
            stacklevel=3,
        )
        notes.append(f"dropped {len(bad)} unit(s) to balance the panel")
        complete = complete[~complete[unit].isin(bad)]
    return complete, notes


def staggered_att(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control: Literal["never", "notyet"] = "never",
    covariates: Sequence[str] | None = None,
    method: Literal["dr", "reg", "ipw"] = "dr",
    anticipation: int = 0,
    n_boot: int = 999,
    seed: int | None = None,
    *,
    alpha: float = 0.05,
    cluster: str | None = None,
    unbalanced: Literal["drop", "error"] = "drop",
) -> AttResult:
    """Callaway & Sant'Anna (2021) group-time ATT for staggered adoption.

    Reproduces R ``did::att_gt`` (panel data, ``base_period="varying"``): for
    cohort ``g`` and period ``t`` the ATT is the difference between the mean
    change of cohort ``g`` and of the control units, from the base period to
    ``t``. The base period is ``t - 1`` for pre-treatment cells and the last
    period before ``g - anticipation`` for post-treatment cells.

    Parameters
    ----------
    df:
        Long panel, one row per unit and period.
    outcome, unit, time:
        Column names. ``time`` must be numeric (e.g. a year).
    cohort:
        First treated period of the unit (constant within unit); 0 or NaN means
        never treated. Cohorts after the last observed period count as never
        treated within the sample.
    control:
        ``"never"``: never-treated units; ``"notyet"``: never treated plus units
        not yet treated by ``max(t, base) + anticipation``.
    covariates:
        Time-invariant covariates (their base-period values are used, as R
        ``did``). ``None``: the unconditional estimator (native implementation;
        ``method`` is then irrelevant because dr, reg and ipw coincide).
    method:
        ``"dr"`` (doubly robust, Sant'Anna & Zhao), ``"reg"`` (outcome
        regression) or ``"ipw"`` (standardised inverse probability weighting);
        used with covariates, through the ``differences`` package.
    anticipation:
        Number of periods before ``g`` in which units may already react.
    n_boot:
        Multiplier-bootstrap draws (Mammen weights, clustered by unit or
        ``cluster``) for bootstrap SEs and uniform bands; 0 = analytic SEs and
        pointwise intervals.
    seed:
        Seed for the bootstrap.
    alpha:
        1 - confidence level.
    cluster:
        Optional column at a coarser level than ``unit`` (constant within unit).
    unbalanced:
        ``"drop"`` (default, as R ``did``): units not observed in every period
        (or with a missing outcome) are dropped with a warning; ``"error"``: raise.

    Returns
    -------
    AttResult
        ``att_gt`` table; ``aggregate(kind)``, ``pretrend_test()`` and
        ``to_event_study()`` for summaries.

    Raises
    ------
    DataError
        Missing columns, non-numeric outcome, duplicate unit-period rows, a cohort
        varying within a unit, no never-treated units with ``control="never"``,
        no treated cohort with a pre-period.
    """
    source = "staggered_att"
    if control not in ("never", "notyet"):
        raise ValueError("control must be 'never' or 'notyet'")
    if method not in ("dr", "reg", "ipw"):
        raise ValueError("method must be 'dr', 'reg' or 'ipw'")
    covariates = list(covariates or [])
    extra = [cohort, *covariates] + ([cluster] if cluster else [])
    panel = _prepare_panel(df, outcome, unit, time, extra, source)
    for c in covariates:
        panel[c] = _numeric(panel, c, source, "covariate")
    g_unit = _unit_cohort(panel, unit, cohort, source)
    panel["_g"] = panel[unit].map(g_unit)
    notes: list[str] = []

    panel, bal_notes = _balance(panel, outcome, unit, time, [outcome, *covariates], unbalanced, source)
    notes += bal_notes
    times = np.sort(panel[time].unique())
    if len(times) < 2:
        raise DataError(f"{source}: column {time!r} has fewer than two periods; DiD needs two.")
    t_first, t_last = times[0], times[-1]

    # cohorts after the sample count as never treated
    late = np.isfinite(panel["_g"]) & (panel["_g"] > t_last)
    if late.any():
        notes.append(
            f"{panel.loc[late, unit].nunique()} unit(s) first treated after {t_last:g} "
            "treated as never treated"
        )
        panel.loc[late, "_g"] = np.inf
    # units treated in the first period have no pre-period (R did drops them too)
    early = panel["_g"] <= t_first + anticipation
    if early.any():
        bad_units = panel.loc[early, unit].unique()
        if (~early & np.isfinite(panel["_g"])).sum() == 0:
            raise DataError(
                f"{source}: every treated unit in {cohort!r} is already treated in the first "
                f"period {t_first:g} (plus anticipation {anticipation}); there is no "
                f"pre-treatment period (units {_rows(bad_units)}). Add earlier periods."
            )
        warnings.warn(
            f"{source}: {len(bad_units)} unit(s) {_rows(bad_units)} are treated in the first "
            f"period ({cohort!r} <= {t_first + anticipation:g}) and have no pre-period; "
            "they are dropped, as R did does.",
            JeugdlibWarning,
            stacklevel=2,
        )
        notes.append(f"dropped {len(bad_units)} unit(s) treated in the first period")
        panel = panel[~early]
    if not np.isfinite(panel["_g"]).any():
        raise DataError(f"{source}: no treated units in {cohort!r}; nothing to estimate.")
    if control == "never" and np.isfinite(panel["_g"]).all():
        raise DataError(
            f"{source}: no never-treated units ({cohort!r} 0 or NaN) for control='never'. "
            "Use control='notyet' (not-yet-treated units as controls) or add never-treated units."
        )

    panel = panel.sort_values([unit, time])
    units = panel[unit].drop_duplicates().to_numpy()
    ucoh = panel.groupby(unit, sort=False)["_g"].first().reindex(units).to_numpy(float)
    if cluster:
        cl = panel.groupby(unit, sort=False)[cluster].nunique()
        if (cl > 1).any():
            raise DataError(
                f"{source}: cluster column {cluster!r} varies within unit(s) "
                f"{_rows(cl.index[cl > 1])}; clusters must contain whole units."
            )
        cvals = panel.groupby(unit, sort=False)[cluster].first().reindex(units)
        codes = pd.factorize(cvals)[0]
    else:
        codes = np.arange(len(units))

    if covariates:
        tab, inf = _cs_differences(panel, outcome, unit, time, covariates, control, method,
                                   anticipation, units)
        engine = "differences"
    else:
        y = panel.pivot(index=unit, columns=time, values=outcome).reindex(units)[times].to_numpy()
        tab, inf = _cs_unconditional(y, ucoh, times, control, anticipation)
        engine = "native"
    if tab.empty:
        raise DataError(f"{source}: no estimable (group, time) cells; check cohorts and periods.")

    res = AttResult(
        att_gt=tab,
        influence=inf,
        units=units,
        unit_cohort=ucoh,
        cluster_codes=codes,
        control=control,
        method=method if covariates else "unconditional",
        anticipation=anticipation,
        alpha=alpha,
        n_boot=int(n_boot),
        seed=seed,
        engine=engine,
        times=times,
        crit_value=np.nan,
        notes=notes,
    )
    se, crit, _ = res._inference(inf)
    res.crit_value = crit
    tab["se"] = se
    tab["ci_low"] = tab["att"] - crit * se
    tab["ci_high"] = tab["att"] + crit * se
    return res


def _cs_cells(
    ucoh: np.ndarray, times: np.ndarray, control: str, anticipation: int
) -> list[tuple[float, float, float, np.ndarray, np.ndarray]]:
    """(g, t, base, treated mask, control mask) for every estimable cell."""
    cells = []
    for g in np.unique(ucoh[np.isfinite(ucoh)]):
        pre_times = times[times + anticipation < g]
        if pre_times.size == 0:
            continue
        for j in range(1, len(times)):
            t = times[j]
            post = g <= t
            b = pre_times[-1] if post else times[j - 1]
            treated = ucoh == g
            if control == "never":
                ctrl = ~np.isfinite(ucoh)
            else:
                ctrl = ~np.isfinite(ucoh) | ((ucoh > max(t, b) + anticipation) & (ucoh != g))
            if treated.sum() == 0 or ctrl.sum() == 0:
                continue
            cells.append((g, t, b, treated, ctrl))
    return cells


def _cs_unconditional(
    y: np.ndarray, ucoh: np.ndarray, times: np.ndarray, control: str, anticipation: int
) -> tuple[pd.DataFrame, np.ndarray]:
    n = y.shape[0]
    col = {t: j for j, t in enumerate(times)}
    rows, infs = [], []
    for g, t, b, d, c in _cs_cells(ucoh, times, control, anticipation):
        dy = y[:, col[t]] - y[:, col[b]]
        n_g, n_c = d.sum(), c.sum()
        m_g, m_c = dy[d].mean(), dy[c].mean()
        inf = np.zeros(n)
        inf[d] = n / n_g * (dy[d] - m_g)
        inf[c] -= n / n_c * (dy[c] - m_c)
        rows.append((g, t, b, m_g - m_c, int(n_g), int(n_c)))
        infs.append(inf)
    tab = _cell_table(rows)
    return tab, (np.stack(infs, axis=1) if infs else np.zeros((n, 0)))


def _cell_table(rows: list[tuple]) -> pd.DataFrame:
    tab = pd.DataFrame(rows, columns=["group", "time", "base_period", "att", "n_treated", "n_control"])
    for c in ("group", "time", "base_period"):
        tab[c] = tab[c].astype(int)
    tab.insert(3, "event_time", tab["time"] - tab["group"])
    tab.insert(4, "post", tab["time"] >= tab["group"])
    return tab


def _cs_differences(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    covariates: list[str],
    control: str,
    method: str,
    anticipation: int,
    units: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Covariate-adjusted CS through ``differences.ATTgt`` (influence functions included)."""
    from differences import ATTgt

    safe = {c: f"x{i}" for i, c in enumerate(covariates)}
    data = pd.DataFrame(
        {
            "uid": pd.Categorical(panel[unit], categories=units).codes,
            "period": panel[time].astype(int).to_numpy(),
            "y": panel[outcome].to_numpy(float),
            "first_treat": panel["_g"].replace(np.inf, np.nan).to_numpy(),
            **{safe[c]: panel[c].to_numpy(float) for c in covariates},
        }
    ).set_index(["uid", "period"]).sort_index()
    est = {"dr": "dr", "reg": "reg", "ipw": "std_ipw"}[method]
    model = ATTgt(data=data, cohort_column="first_treat", anticipation=anticipation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            formula="y ~ " + " + ".join(safe.values()),
            est_method=est,
            control_group={"never": "never_treated", "notyet": "not_yet_treated"}[control],
            progress_bar=False,
        )
    try:  # the per-cell influence functions are not part of differences' public API
        ntl = model._result_dict["full_sample"]["ATTgt_ntl"]
    except (AttributeError, KeyError, TypeError) as exc:  # pragma: no cover - version drift
        raise RuntimeError(
            "differences' internal result layout changed; pin differences==0.3 for "
            "covariate-adjusted staggered_att."
        ) from exc
    n = len(units)
    rows, infs = [], []
    ucoh = panel.groupby(unit)["_g"].first()
    for nt in ntl:
        if nt.ATT is None or not np.isfinite(nt.ATT):
            continue
        inf = nt.influence_func
        inf = np.asarray(inf.todense() if sparse.issparse(inf) else inf, float).ravel()
        if inf.size != n:
            raise RuntimeError("differences returned influence functions of unexpected length")
        g = float(nt.cohort)
        d = (ucoh == g).sum()
        rows.append((g, float(nt.time), float(nt.base_period), float(nt.ATT), int(d), int(nt.n_sample) - int(d)))
        # differences scales the influence function so that se = sqrt(sum(inf^2))/n
        infs.append(inf)
    tab = _cell_table(rows)
    return tab, (np.stack(infs, axis=1) if infs else np.zeros((n, 0)))


# --------------------------------------------------------------------------------------
# Regression event studies on pyfixest
# --------------------------------------------------------------------------------------


@dataclass
class EventStudyResult:
    """Event-study coefficients of one estimator.

    Attributes
    ----------
    estimator:
        ``twfe``, ``sunab``, ``did2s`` or ``cs``.
    coefs:
        ``event_time, estimate, se, ci_low, ci_high, p_value, p_wild`` (reference
        period -1 is omitted for the regression estimators).
    post_average:
        Average of the post-period (``e >= 0``) coefficients with SE and CI.
    vcov:
        Covariance of the coefficients (indexed by event time).
    pretrend:
        Joint Wald test that the pre-period coefficients are zero.
    model:
        The underlying pyfixest fit (or :class:`AttResult` for ``cs``).
    """

    estimator: str
    coefs: pd.DataFrame
    post_average: pd.Series
    vcov: pd.DataFrame
    pretrend: WaldTest
    n_obs: int
    n_clusters: int
    n_wild: int
    alpha: float
    uniform: bool = False
    model: Any = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)

    def pretrend_test(self) -> WaldTest:
        """Joint Wald test of the pre-period coefficients (same as ``pretrend``)."""
        return self.pretrend

    def relative_magnitudes(self, mbar: Sequence[float] = (0, 0.5, 1, 1.5, 2)) -> pd.DataFrame:
        """Shortcut for :func:`relative_magnitudes`."""
        return relative_magnitudes(self, mbar)


def _code(e: int) -> str:
    return f"m{-e}" if e < 0 else f"p{e}"


def _demean_twoway(
    arr: np.ndarray, a: np.ndarray, b: np.ndarray, tol: float = 1e-12, max_iter: int = 10_000
) -> np.ndarray:
    """Partial out two sets of fixed effects (alternating projections)."""
    out = np.array(arr, float, copy=True)
    if out.ndim == 1:
        out = out[:, None]
    na, nb = a.max() + 1, b.max() + 1
    ca = np.bincount(a, minlength=na)[:, None]
    cb = np.bincount(b, minlength=nb)[:, None]
    for _ in range(max_iter):
        ma = np.zeros((na, out.shape[1]))
        np.add.at(ma, a, out)
        out -= (ma / ca)[a]
        mb = np.zeros((nb, out.shape[1]))
        np.add.at(mb, b, out)
        step = (mb / cb)[b]
        out -= step
        if np.max(np.abs(step)) < tol:
            break
    return out


def _wild_pvalues(
    x: np.ndarray,
    y: np.ndarray,
    clusters: np.ndarray,
    restrictions: np.ndarray,
    n_draws: int,
    weights: str,
    seed: int | None,
) -> np.ndarray:
    """Wild cluster restricted (WCR-11) bootstrap p-values for ``r'beta = 0``.

    ``x`` and ``y`` have the fixed effects partialled out. Each restriction
    row is tested separately; the bootstrap is written in cluster-level
    sufficient statistics so that 9,999 draws cost a few matrix products.
    """
    n_c = int(clusters.max()) + 1
    rng = np.random.default_rng(seed)
    if weights == "webb":
        vals = np.array([-np.sqrt(1.5), -1, -np.sqrt(0.5), np.sqrt(0.5), 1, np.sqrt(1.5)])
        v = vals[rng.integers(0, 6, size=(n_c, n_draws))]
    elif weights == "rademacher":
        v = rng.choice(np.array([-1.0, 1.0]), size=(n_c, n_draws))
    elif weights == "mammen":
        v = _mammen(rng, (n_c, n_draws))
    else:
        raise ValueError("wild_weights must be 'rademacher', 'webb' or 'mammen'")
    csum = sparse.csr_array(
        (np.ones(len(clusters)), (clusters, np.arange(len(clusters)))), shape=(n_c, len(clusters))
    )
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    s_unres = csum @ (x * resid[:, None])
    out = np.full(len(restrictions), np.nan)
    for h, r in enumerate(np.atleast_2d(restrictions)):
        a = xtx_inv @ r
        denom = r @ a
        if denom <= 0:
            continue
        t0 = (r @ beta) / np.sqrt(np.sum((s_unres @ a) ** 2))
        beta_r = beta - a * (r @ beta) / denom
        u_r = y - x @ beta_r
        s = csum @ (x * u_r[:, None])  # (G, K) cluster scores under the null
        sa = s @ a  # (G,)
        num = sa @ v  # (B,) r'(beta* - beta_r), r'beta_r = 0
        m = csum @ (x * (x @ a)[:, None])  # (G, K): a' X_g' X_g
        delta = xtx_inv @ (s.T @ v)  # (K, B): beta* - beta_r
        score = sa[:, None] * v - m @ delta  # (G, B)
        t_boot = num / np.sqrt(np.sum(score**2, axis=0))
        out[h] = float(np.mean(np.abs(t_boot) >= abs(t0) - 1e-12))
    return out


def _event_frame(
    df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, cluster: str | None, source: str
) -> pd.DataFrame:
    extra = [cohort] + ([cluster] if cluster and cluster != unit else [])
    panel = _prepare_panel(df, outcome, unit, time, extra, source)
    g = _unit_cohort(panel, unit, cohort, source)
    out = pd.DataFrame(
        {
            "_y": panel[outcome].to_numpy(),
            "_unit": pd.factorize(panel[unit])[0],
            "_time": panel[time].to_numpy(),
            "_g": panel[unit].map(g).to_numpy(),
            "_cl": pd.factorize(panel[cluster] if cluster else panel[unit])[0],
            "_unit_id": panel[unit].to_numpy(),
        },
        index=panel.index,
    )
    n_missing = int(out["_y"].isna().sum())
    out = out.dropna(subset=["_y"])
    if out.empty:
        raise DataError(f"{source}: outcome column {outcome!r} is entirely missing.")
    if not np.isfinite(out["_g"]).any():
        raise DataError(f"{source}: no treated units in {cohort!r}.")
    out.attrs["n_missing"] = n_missing
    return out


def event_study(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    window: tuple[int, int] = (-4, 4),
    estimator: Literal["twfe", "sunab", "did2s", "cs"] = "twfe",
    *,
    cluster: str | None = None,
    n_wild: int | None = None,
    wild_weights: Literal["rademacher", "webb", "mammen"] | None = None,
    few_clusters: int = 50,
    alpha: float = 0.05,
    seed: int | None = None,
    n_boot: int = 0,
    control: Literal["never", "notyet"] = "never",
) -> EventStudyResult:
    """Event study of ``outcome`` around the first treated period.

    Parameters
    ----------
    df, outcome, unit, time, cohort:
        Long panel; ``cohort`` is the first treated period (0/NaN never treated).
    window:
        ``(lo, hi)`` event times reported; for ``twfe``/``did2s`` the endpoints
        are binned (``e <= lo`` and ``e >= hi``), reference period ``-1``.
    estimator:
        ``"twfe"`` (dynamic TWFE; biased with heterogeneous effects under
        staggered timing, emits :class:`StaggeredTimingWarning`), ``"sunab"``
        (Sun & Abraham interaction-weighted: cohort x event-time dummies with
        never-treated, or else the last-treated cohort, as control; aggregated
        with cohort-share weights), ``"did2s"`` (Gardner's two-stage estimator,
        pyfixest GMM standard errors) or ``"cs"`` (:func:`staggered_att`,
        dynamic aggregation).
    cluster:
        Cluster column (default ``unit``: gemeente).
    n_wild:
        Wild cluster (restricted, WCR-11) bootstrap draws for p-values of every
        coefficient and the post-period average (``twfe``/``sunab``). ``None``:
        9,999 draws when there are fewer than ``few_clusters`` clusters, none
        otherwise.
    wild_weights:
        ``rademacher``, ``webb`` or ``mammen``; default Webb below 12 clusters,
        Rademacher otherwise.
    alpha, seed:
        Confidence level and seed (bootstrap).
    n_boot, control:
        Passed to :func:`staggered_att` for ``estimator="cs"``.

    Returns
    -------
    EventStudyResult
    """
    source = f"event_study[{estimator}]"
    lo, hi = int(window[0]), int(window[1])
    if not lo < 0 <= hi:
        raise ValueError("window must be (lo, hi) with lo < 0 <= hi")
    if estimator == "cs":
        res = staggered_att(df, outcome, unit, time, cohort, control=control, n_boot=n_boot,
                            seed=seed, alpha=alpha, cluster=cluster)
        return res.to_event_study((lo, hi))
    if estimator not in ("twfe", "sunab", "did2s"):
        raise ValueError("estimator must be 'twfe', 'sunab', 'did2s' or 'cs'")
    import pyfixest as pf

    data = _event_frame(df, outcome, unit, time, cohort, cluster, source)
    notes: list[str] = []
    if data.attrs["n_missing"]:
        notes.append(f"{data.attrs['n_missing']} row(s) with missing outcome dropped")
    treated_g = np.isfinite(data["_g"].to_numpy())
    rel = np.where(treated_g, data["_time"] - np.where(treated_g, data["_g"], 0), np.nan)
    cohorts = np.unique(data.loc[treated_g, "_g"])
    if estimator == "twfe" and len(cohorts) > 1:
        warnings.warn(
            f"{source}: TWFE with staggered timing ({len(cohorts)} adoption periods): with "
            "effects that change over time or differ between cohorts, already-treated units "
            "act as controls and coefficients can get negative weights. Compare with "
            "estimator='sunab', 'did2s' or 'cs' (compare_estimators).",
            StaggeredTimingWarning,
            stacklevel=2,
        )

    rmat: np.ndarray
    if estimator in ("twfe", "did2s"):
        binned = np.clip(rel, lo, hi)
        evs = [e for e in range(lo, hi + 1) if e != -1]
        names = []
        for e in evs:
            name = f"ev_{_code(e)}"
            data[name] = (binned == e).astype(float)
            if data[name].sum() > 0:
                names.append(name)
        ev_of = {f"ev_{_code(e)}": e for e in evs}
        if estimator == "twfe":
            fit = pf.feols(f"_y ~ {' + '.join(names)} | _unit + _time", data=data,
                           vcov={"CRV1": "_cl"})
        else:
            data["_treat"] = (treated_g & (data["_time"] >= np.where(treated_g, data["_g"], np.inf))).astype(int)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = pf.did2s(data, yname="_y", first_stage="~ 0 | _unit + _time",
                               second_stage=f"~ {' + '.join(names)}", treatment="_treat",
                               cluster="_cl")
        coefnames = list(fit.coef().index)
        beta = fit.coef().to_numpy()
        vcov = np.asarray(fit._vcov)
        event_times = [ev_of[c] for c in coefnames]
        rmat = np.eye(len(coefnames))
    else:  # sunab
        g_ctrl = None
        if treated_g.all():
            g_ctrl = float(cohorts.max())
            data = data[data["_time"] < g_ctrl].copy()
            treated_g = data["_g"].to_numpy() != g_ctrl
            rel = np.where(treated_g, data["_time"] - data["_g"], np.nan)
            cohorts = cohorts[cohorts != g_ctrl]
            notes.append(f"no never-treated units: cohort {g_ctrl:g} used as control, "
                         f"periods >= {g_ctrl:g} dropped")
        names, pairs = [], []
        for gg in cohorts:
            mask = treated_g & (data["_g"].to_numpy() == gg)
            for e in np.unique(rel[mask]).astype(int):
                if e == -1:
                    continue
                name = f"sa_{int(gg)}_{_code(e)}"
                data[name] = (mask & (rel == e)).astype(float)
                names.append(name)
                pairs.append((gg, e))
        fit = pf.feols(f"_y ~ {' + '.join(names)} | _unit + _time", data=data, vcov={"CRV1": "_cl"})
        coefnames = list(fit.coef().index)
        beta = fit.coef().to_numpy()
        vcov = np.asarray(fit._vcov)
        pair_of = dict(zip(names, pairs, strict=True))
        n_units_g = data.groupby("_g")["_unit"].nunique()
        event_times, rows = [], []
        for e in range(lo, hi + 1):
            idx = [i for i, c in enumerate(coefnames) if pair_of[c][1] == e]
            if not idx:
                continue
            w = np.array([n_units_g[pair_of[coefnames[i]][0]] for i in idx], float)
            r = np.zeros(len(coefnames))
            r[idx] = w / w.sum()
            rows.append(r)
            event_times.append(e)
        rmat = np.array(rows)

    est = rmat @ beta
    v_ev = rmat @ vcov @ rmat.T
    se = np.sqrt(np.diag(v_ev))
    z = float(_Z(1 - alpha / 2))
    coefs = pd.DataFrame(
        {
            "event_time": np.array(event_times, int),
            "estimate": est,
            "se": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "p_value": 2 * stats.norm.sf(np.abs(est / se)),
            "p_wild": np.nan,
        }
    ).sort_values("event_time", kind="stable")
    order = coefs.index.to_numpy()
    coefs = coefs.reset_index(drop=True)
    rmat = rmat[order]
    v_ev = v_ev[np.ix_(order, order)]
    post = coefs["event_time"].to_numpy() >= 0
    r_post = rmat[post].mean(axis=0)
    pa = float(r_post @ beta)
    pa_se = float(np.sqrt(r_post @ vcov @ r_post))
    post_avg = pd.Series(
        {
            "estimate": pa,
            "se": pa_se,
            "ci_low": pa - z * pa_se,
            "ci_high": pa + z * pa_se,
            "p_value": float(2 * stats.norm.sf(abs(pa / pa_se))),
            "p_wild": np.nan,
        }
    )
    n_clusters = int(data["_cl"].nunique())
    if n_wild is None:
        n_wild = 9_999 if n_clusters < few_clusters else 0
    if n_wild and estimator in ("twfe", "sunab"):
        weights = wild_weights or ("webb" if n_clusters < 12 else "rademacher")
        cols = coefnames
        fe = _demean_twoway(
            np.column_stack([data["_y"].to_numpy(), data[cols].to_numpy()]),
            pd.factorize(data["_unit"])[0],
            pd.factorize(data["_time"])[0],
        )
        cl = pd.factorize(data["_cl"])[0]
        pw = _wild_pvalues(fe[:, 1:], fe[:, 0], cl, np.vstack([rmat, r_post]), int(n_wild),
                           weights, seed)
        coefs["p_wild"] = pw[:-1]
        post_avg["p_wild"] = pw[-1]
        notes.append(f"wild cluster bootstrap (WCR-11, {weights}, {n_wild} draws, {n_clusters} clusters)")
    elif n_wild and estimator == "did2s":
        notes.append("wild cluster bootstrap not available for did2s; GMM cluster SEs reported")
        n_wild = 0
    pre = coefs["event_time"].to_numpy() < 0
    pretrend = _wald(coefs["estimate"].to_numpy()[pre], v_ev[np.ix_(pre, pre)],
                     coefs["event_time"][pre].tolist())
    return EventStudyResult(
        estimator=estimator,
        coefs=coefs,
        post_average=post_avg,
        vcov=pd.DataFrame(v_ev, index=coefs["event_time"], columns=coefs["event_time"]),
        pretrend=pretrend,
        n_obs=int(len(data)),
        n_clusters=n_clusters,
        n_wild=int(n_wild),
        alpha=alpha,
        model=fit,
        notes=notes,
    )


@dataclass
class TwfeResult:
    """Static two-way fixed-effects DiD estimate (``y ~ treated | unit + time``)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    p_wild: float
    n_obs: int
    n_units: int
    n_clusters: int
    adoption_periods: list[float]
    staggered: bool
    model: Any = field(default=None, repr=False)

    def to_series(self) -> pd.Series:
        """The numbers as a Series (for tables)."""
        return pd.Series(
            {k: getattr(self, k) for k in ("estimate", "se", "ci_low", "ci_high", "p_value", "p_wild")}
        )


def twfe(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    *,
    cluster: str | None = None,
    n_wild: int | None = None,
    wild_weights: Literal["rademacher", "webb", "mammen"] | None = None,
    few_clusters: int = 50,
    alpha: float = 0.05,
    seed: int | None = None,
) -> TwfeResult:
    """Static TWFE DiD: ``outcome ~ treated | unit + time``, SEs clustered by unit.

    Parameters
    ----------
    df, outcome, unit, time:
        Long panel.
    treated:
        0/1 (or boolean) treatment indicator per unit-period.
    cluster:
        Cluster column (default ``unit``).
    n_wild, wild_weights, few_clusters:
        Wild cluster bootstrap as in :func:`event_study` (automatic with fewer
        than ``few_clusters`` clusters).
    alpha, seed:
        Confidence level; bootstrap seed.

    Returns
    -------
    TwfeResult

    Warns
    -----
    StaggeredTimingWarning
        When units adopt treatment in more than one period: the TWFE coefficient
        is then a weighted average of 2x2 comparisons, some with negative weights.
    """
    import pyfixest as pf

    source = "twfe"
    extra = [treated] + ([cluster] if cluster and cluster != unit else [])
    panel = _prepare_panel(df, outcome, unit, time, extra, source)
    d = _numeric(panel, treated, source, "treatment")
    if not d.dropna().isin([0.0, 1.0]).all():
        raise DataError(
            f"{source}: treatment column {treated!r} must be 0/1; rows "
            f"{_rows(panel.index[~d.isin([0.0, 1.0]) & d.notna()])} are not."
        )
    data = pd.DataFrame(
        {
            "_y": panel[outcome],
            "_d": d,
            "_unit": pd.factorize(panel[unit])[0],
            "_time": panel[time],
            "_cl": pd.factorize(panel[cluster] if cluster else panel[unit])[0],
        }
    ).dropna()
    first = data[data["_d"] == 1].groupby("_unit")["_time"].min()
    adoption = sorted(first.unique().tolist())
    staggered = len(adoption) > 1
    if staggered:
        warnings.warn(
            f"{source}: treatment {treated!r} starts in {len(adoption)} different periods "
            f"({adoption[:6]}{'...' if len(adoption) > 6 else ''}); TWFE with staggered timing "
            "can put negative weights on some comparisons and is biased when effects vary "
            "over time or between cohorts. Use staggered_att / compare_estimators.",
            StaggeredTimingWarning,
            stacklevel=2,
        )
    fit = pf.feols("_y ~ _d | _unit + _time", data=data, vcov={"CRV1": "_cl"})
    b = float(fit.coef()["_d"])
    s = float(fit.se()["_d"])
    z = float(_Z(1 - alpha / 2))
    n_clusters = int(data["_cl"].nunique())
    if n_wild is None:
        n_wild = 9_999 if n_clusters < few_clusters else 0
    p_wild = np.nan
    if n_wild:
        fe = _demean_twoway(
            data[["_y", "_d"]].to_numpy(), data["_unit"].to_numpy(), pd.factorize(data["_time"])[0]
        )
        weights = wild_weights or ("webb" if n_clusters < 12 else "rademacher")
        p_wild = float(_wild_pvalues(fe[:, 1:], fe[:, 0], data["_cl"].to_numpy(),
                                     np.array([[1.0]]), int(n_wild), weights, seed)[0])
    return TwfeResult(
        estimate=b,
        se=s,
        ci_low=b - z * s,
        ci_high=b + z * s,
        p_value=float(2 * stats.norm.sf(abs(b / s))),
        p_wild=p_wild,
        n_obs=int(len(data)),
        n_units=int(data["_unit"].nunique()),
        n_clusters=n_clusters,
        adoption_periods=adoption,
        staggered=staggered,
        model=fit,
    )


def compare_estimators(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    window: tuple[int, int] = (-4, 4),
    estimators: Sequence[str] = ("twfe", "sunab", "did2s", "cs"),
    *,
    cluster: str | None = None,
    n_wild: int | None = 0,
    n_boot: int = 0,
    seed: int | None = None,
    alpha: float = 0.05,
    static: bool = True,
    return_results: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, EventStudyResult]]:
    """TWFE and the heterogeneity-robust estimators side by side.

    Returns
    -------
    DataFrame
        Long table ``estimator, term, event_time, estimate, se, ci_low, ci_high``
        with ``term`` ``"event"`` (per event time), ``"post_average"`` (mean of
        the ``e >= 0`` effects within ``window``) and, with ``static=True``,
        ``"static"`` for the single-coefficient TWFE (``estimator="twfe_static"``).
        With ``return_results=True`` a tuple ``(table, {estimator: EventStudyResult})``.
    """
    frames, results = [], {}
    cols = ["estimate", "se", "ci_low", "ci_high"]
    for est in estimators:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StaggeredTimingWarning)
            r = event_study(df, outcome, unit, time, cohort, window, est, cluster=cluster,
                            n_wild=n_wild, n_boot=n_boot, seed=seed, alpha=alpha)
        results[est] = r
        ev = r.coefs[["event_time", *cols]].assign(estimator=est, term="event")
        pa = pd.DataFrame([r.post_average[cols]]).assign(estimator=est, term="post_average",
                                                         event_time=np.nan)
        frames += [ev, pa]
    if static:
        d = df.copy()
        g = pd.to_numeric(d[cohort], errors="coerce").fillna(0)
        d["_treated"] = ((g > 0) & (pd.to_numeric(d[time], errors="coerce") >= g)).astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StaggeredTimingWarning)
            s = twfe(d, outcome, unit, time, "_treated", cluster=cluster, n_wild=n_wild, seed=seed,
                     alpha=alpha)
        frames.append(pd.DataFrame([s.to_series()[cols]]).assign(
            estimator="twfe_static", term="static", event_time=np.nan))
    n_staggered = pd.to_numeric(df[cohort], errors="coerce").replace(0, np.nan).nunique()
    if "twfe" in estimators and n_staggered > 1:
        warnings.warn(
            f"compare_estimators: {n_staggered} adoption periods; the TWFE rows can be biased "
            "under heterogeneous effects (negative weights); read them against the robust rows.",
            StaggeredTimingWarning,
            stacklevel=2,
        )
    out = pd.concat(frames, ignore_index=True)[["estimator", "term", "event_time", *cols]]
    return (out, results) if return_results else out


# --------------------------------------------------------------------------------------
# Sensitivity: relative magnitudes (Rambachan & Roth 2023 style)
# --------------------------------------------------------------------------------------


def _require_cells(keys: list, kind: str) -> None:
    if not keys:
        raise DataError(f"staggered_att: no group-time cells for aggregate({kind!r}) in the requested "
                        "event-time range; widen min_e/max_e or check the cohorts.")


def relative_magnitudes(
    result: EventStudyResult | AttResult,
    mbar: Sequence[float] = (0, 0.5, 1, 1.5, 2),
    alpha: float | None = None,
) -> pd.DataFrame:
    """Bounds on the post-period average under bounded parallel-trend violations.

    A plug-in version of Rambachan & Roth's (2023) relative-magnitudes
    restriction Δ^RM(Mbar): each *period-to-period change* of the bias in the
    post period is at most ``Mbar`` times ``M0``, the largest period-to-period
    change seen before treatment. With pre-period coefficients relative to
    period -1 (TWFE, Sun–Abraham, did2s) those changes are the differences of
    consecutive pre coefficients (and the step to the reference 0); the
    Callaway–Sant'Anna pre-period cells (varying base period) are such
    changes already. The bias of the k-th post period (k = 1, 2, …, counted
    from the reference period) is then at most ``k * Mbar * M0``, so the bias
    of the post-period average is at most ``Mbar * M0 * mean(k)``. ``M0`` is
    treated as known (HonestDiD's exact conditional / FLCI inference also
    accounts for its estimation error), so the intervals are somewhat too
    narrow: a sensitivity guide, not HonestDiD.

    Returns
    -------
    DataFrame
        ``mbar, lb, ub, ci_low, ci_high, excludes_zero``;
        ``attrs["breakdown_mbar"]`` is the largest ``Mbar`` for which the CI
        still excludes zero (``0`` when it already includes zero), and
        ``attrs["max_pre"]`` is ``M0``.
    """
    if isinstance(result, AttResult):
        result = result.to_event_study()
    a = result.alpha if alpha is None else alpha
    z = float(_Z(1 - a / 2))
    coefs = result.coefs.sort_values("event_time")
    pre = coefs.loc[coefs["event_time"] < 0, "estimate"].to_numpy(dtype=float)
    if pre.size == 0:
        raise DataError("relative_magnitudes: the event study has no pre-period coefficients.")
    if result.estimator == "cs":
        m0 = float(np.max(np.abs(pre)))
    else:  # levels relative to the omitted period -1: look at consecutive changes
        m0 = float(np.max(np.abs(np.diff(np.r_[pre, 0.0]))))
    post_e = coefs.loc[coefs["event_time"] >= 0, "event_time"].to_numpy(dtype=float)
    k_mean = float(np.mean(post_e + 1)) if post_e.size else 1.0
    theta, se = float(result.post_average["estimate"]), float(result.post_average["se"])
    rows = []
    for m in mbar:
        half = m * m0 * k_mean
        lb, ub = theta - half, theta + half
        lo_ci, hi_ci = lb - z * se, ub + z * se
        rows.append((float(m), lb, ub, lo_ci, hi_ci, bool(lo_ci > 0 or hi_ci < 0)))
    out = pd.DataFrame(rows, columns=["mbar", "lb", "ub", "ci_low", "ci_high", "excludes_zero"])
    excluded = abs(theta) > z * se
    if m0 > 0:
        out.attrs["breakdown_mbar"] = max(0.0, (abs(theta) - z * se) / (m0 * k_mean))
    else:
        out.attrs["breakdown_mbar"] = np.inf if excluded else 0.0
    out.attrs["max_pre"] = m0
    return out


# --------------------------------------------------------------------------------------
# CPB growth comparisons
# --------------------------------------------------------------------------------------


@dataclass
class GrowthResult:
    """Growth per group (see :func:`growth_by_group`)."""

    table: pd.DataFrame
    contrasts: pd.DataFrame
    base_year: int
    end_year: int
    n_boot: int


def _growth_boot(
    base: np.ndarray, end: np.ndarray, labels: np.ndarray, groups: list[Any], n_boot: int,
    rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap growth per group by resampling units within groups: (n_boot, n_groups)."""
    out = np.empty((n_boot, len(groups)))
    for j, g in enumerate(groups):
        m = labels == g
        b, e = base[m], end[m]
        idx = rng.integers(0, m.sum(), size=(n_boot, m.sum()))
        out[:, j] = e[idx].sum(axis=1) / b[idx].sum(axis=1) - 1
    return out


def growth_by_group(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    base_year: int,
    end_year: int,
    *,
    unit: str = "gemeentecode",
    time: str = "jaar",
    n_boot: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
    reference: Any = None,
) -> GrowthResult:
    """Percentage change of ``outcome`` between two years per group of units.

    Growth of a group is ``sum(outcome in end_year) / sum(outcome in base_year) - 1``
    over its units (CPB's "+11% versus +25%" for care met verblijf). Intervals
    are percentile intervals from resampling units within groups.

    Parameters
    ----------
    df:
        Long panel.
    outcome:
        A count (e.g. children with care met verblijf).
    group:
        Column with the group of each unit (constant within unit).
    base_year, end_year:
        Years compared; units must have the outcome in both (others are dropped
        with a warning).
    unit, time:
        Unit and year columns.
    n_boot, seed, alpha:
        Bootstrap settings.
    reference:
        Group the others are contrasted with (default: the first group in sort order).

    Returns
    -------
    GrowthResult
        ``table``: ``group, n_units, base, end, growth_pct, ci_low, ci_high``;
        ``contrasts``: growth difference (percentage points) versus ``reference``.
        ``n_units`` is a count of gemeenten, not of children.
    """
    source = "growth_by_group"
    _require_columns(df, [outcome, group, unit, time], source)
    panel = _prepare_panel(df, outcome, unit, time, [group], source)
    nun = panel.groupby(unit)[group].nunique()
    if (nun > 1).any():
        raise DataError(
            f"{source}: group column {group!r} varies within unit(s) {_rows(nun.index[nun > 1])}; "
            "give every unit one group."
        )
    wide = panel[panel[time].isin([base_year, end_year])].pivot(index=unit, columns=time, values=outcome)
    for yr in (base_year, end_year):
        if yr not in wide.columns:
            raise DataError(f"{source}: year {yr} not found in column {time!r}.")
    wide = wide[[base_year, end_year]]
    miss = wide.index[wide.isna().any(axis=1)]
    if len(miss):
        warnings.warn(
            f"{source}: {len(miss)} unit(s) {_rows(miss)} lack {outcome!r} in {base_year} or "
            f"{end_year} and are left out.",
            JeugdlibWarning,
            stacklevel=2,
        )
        wide = wide.drop(miss)
    labels = panel.groupby(unit)[group].first().reindex(wide.index).to_numpy()
    groups = sorted(pd.unique(labels[pd.notna(labels)]), key=str)
    base, end = wide[base_year].to_numpy(float), wide[end_year].to_numpy(float)
    rng = np.random.default_rng(seed)
    boot = _growth_boot(base, end, labels, groups, n_boot, rng) if n_boot else None
    rows = []
    for j, g in enumerate(groups):
        m = labels == g
        gr = end[m].sum() / base[m].sum() - 1
        lo, hi = (np.quantile(boot[:, j], [alpha / 2, 1 - alpha / 2]) if boot is not None
                  else (np.nan, np.nan))
        rows.append((g, int(m.sum()), base[m].sum(), end[m].sum(), 100 * gr, 100 * lo, 100 * hi))
    table = pd.DataFrame(rows, columns=["group", "n_units", "base", "end", "growth_pct", "ci_low", "ci_high"])
    ref = groups[0] if reference is None else reference
    if ref not in groups:
        raise DataError(f"{source}: reference group {ref!r} not in {groups}.")
    jr = groups.index(ref)
    crow = []
    for j, g in enumerate(groups):
        if j == jr:
            continue
        diff = table["growth_pct"].iloc[j] - table["growth_pct"].iloc[jr]
        if boot is not None:
            d = 100 * (boot[:, j] - boot[:, jr])
            lo, hi = np.quantile(d, [alpha / 2, 1 - alpha / 2])
        else:
            lo = hi = np.nan
        crow.append((g, ref, diff, lo, hi))
    contrasts = pd.DataFrame(crow, columns=["group", "reference", "diff_pp", "ci_low", "ci_high"])
    return GrowthResult(table, contrasts, base_year, end_year, n_boot)


@dataclass
class IntensityResult:
    """Dose-response comparison (see :func:`intensity_did`)."""

    groups: pd.DataFrame
    contrasts: pd.DataFrame
    slope: pd.Series
    post_from: int
    model: Any = field(default=None, repr=False)


def intensity_did(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    intensity: str,
    post_from: int,
    groups: int = 3,
    *,
    log: bool = True,
    n_boot: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
    cluster: str | None = None,
) -> IntensityResult:
    """CPB's "much versus little wijkteam help": DiD by treatment intensity.

    Units are split into ``groups`` quantile groups of ``intensity`` (e.g. the
    share of children helped by the wijkteam). For every unit the change is
    the mean outcome from ``post_from`` on minus the mean before (in logs when
    ``log=True``, so changes read as approximate growth rates). The table
    reports per group the mean change and its growth in percent; the contrasts
    are differences-in-differences versus the lowest group; the ``slope`` is
    the continuous dose-response TWFE coefficient of ``intensity x post`` (per
    unit of intensity) with gemeente-clustered SEs (pyfixest).

    Returns
    -------
    IntensityResult
        ``groups``: ``group, intensity_min, intensity_max, n_units, change,
        growth_pct, ci_low, ci_high`` (growth CI in percent);
        ``contrasts``: ``group, did, se, ci_low, ci_high, p_value`` (change
        difference to the lowest group; bootstrap over units);
        ``slope``: ``estimate, se, ci_low, ci_high, p_value``.
    """
    import pyfixest as pf

    source = "intensity_did"
    panel = _prepare_panel(df, outcome, unit, time, [intensity] + ([cluster] if cluster else []), source)
    panel[intensity] = _numeric(panel, intensity, source, "intensity")
    nun = panel.groupby(unit)[intensity].nunique()
    if (nun > 1).any():
        raise DataError(
            f"{source}: intensity column {intensity!r} varies within unit(s) "
            f"{_rows(nun.index[nun > 1])}; use one (e.g. baseline) intensity per unit."
        )
    y = panel[outcome]
    if log:
        if (y <= 0).any():
            raise DataError(
                f"{source}: outcome {outcome!r} has values <= 0 at rows "
                f"{_rows(panel.index[y <= 0])}; log=True needs positive outcomes (or pass log=False)."
            )
        y = np.log(y)
    panel["_y"] = y
    panel["_post"] = (panel[time] >= post_from).astype(float)
    if panel["_post"].nunique() < 2:
        raise DataError(f"{source}: post_from={post_from} leaves no pre or no post period.")
    per = panel.dropna(subset=["_y"]).groupby([unit, "_post"])["_y"].mean().unstack()
    per = per.dropna()
    change = (per[1.0] - per[0.0])
    inten = panel.groupby(unit)[intensity].first().reindex(change.index)
    ok = inten.notna()
    change, inten = change[ok], inten[ok]
    labels_text = {3: ["low", "middle", "high"], 2: ["low", "high"]}.get(
        groups, [f"Q{i + 1}" for i in range(groups)]
    )
    q = pd.qcut(inten.rank(method="first"), groups, labels=labels_text)
    rng = np.random.default_rng(seed)
    ch = change.to_numpy()
    lab = q.to_numpy()
    z = float(_Z(1 - alpha / 2))
    boots = {}
    rows = []
    for g in labels_text:
        m = lab == g
        c = ch[m]
        if n_boot:
            idx = rng.integers(0, m.sum(), size=(n_boot, m.sum()))
            boots[g] = c[idx].mean(axis=1)
            lo, hi = np.quantile(boots[g], [alpha / 2, 1 - alpha / 2])
        else:
            se = c.std(ddof=1) / np.sqrt(m.sum())
            lo, hi = c.mean() - z * se, c.mean() + z * se
        conv = (lambda v: 100 * (np.exp(v) - 1)) if log else (lambda v: v)
        rows.append((g, inten[m].min(), inten[m].max(), int(m.sum()), c.mean(), conv(c.mean()),
                     conv(lo), conv(hi)))
    gcol = "growth_pct" if log else "change_mean"
    tab = pd.DataFrame(rows, columns=["group", "intensity_min", "intensity_max", "n_units", "change",
                                      gcol, "ci_low", "ci_high"])
    ref = labels_text[0]
    crow = []
    for g in labels_text[1:]:
        d = tab.loc[tab["group"] == g, "change"].iloc[0] - tab.loc[tab["group"] == ref, "change"].iloc[0]
        if n_boot:
            bd = boots[g] - boots[ref]
            se = bd.std(ddof=1)
            lo, hi = np.quantile(bd, [alpha / 2, 1 - alpha / 2])
        else:
            a, b = ch[lab == g], ch[lab == ref]
            se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            lo, hi = d - z * se, d + z * se
        crow.append((g, d, se, lo, hi, float(2 * stats.norm.sf(abs(d / se)))))
    contrasts = pd.DataFrame(crow, columns=["group", "did", "se", "ci_low", "ci_high", "p_value"])
    data = pd.DataFrame({
        "_y": panel["_y"], "_dose": panel[intensity] * panel["_post"],
        "_unit": pd.factorize(panel[unit])[0], "_time": panel[time],
        "_cl": pd.factorize(panel[cluster] if cluster else panel[unit])[0],
    }).dropna()
    fit = pf.feols("_y ~ _dose | _unit + _time", data=data, vcov={"CRV1": "_cl"})
    b, s = float(fit.coef()["_dose"]), float(fit.se()["_dose"])
    slope = pd.Series({"estimate": b, "se": s, "ci_low": b - z * s, "ci_high": b + z * s,
                       "p_value": float(2 * stats.norm.sf(abs(b / s)))})
    return IntensityResult(tab, contrasts, slope, post_from, fit)


# --------------------------------------------------------------------------------------
# Data: mpdta, the synthetic CPB panel and user policy tables
# --------------------------------------------------------------------------------------


def load_mpdta() -> pd.DataFrame:
    """The R ``did`` package's ``mpdta`` example (real data, not synthetic).

    County teen employment 2003-2007 (Callaway & Sant'Anna 2021): ``year,
    countyreal, lpop, lemp, first.treat, treat``; 500 counties. Used as the
    reference check of :func:`staggered_att`.
    """
    path = Path(__file__).parent / "data" / "embedded" / "external" / "mpdta.csv"
    return pd.read_csv(path)


#: Calibration targets of :func:`simulate_cpb_panel` (CPB 2020, see domain notes).
CPB_TARGETS = {
    "growth_second_line_2013_2018_pct": 7.0,
    "share_helping_wijkteams": 0.64,
    "share_poh_funding": 0.54,
    "growth_met_verblijf_much_help_pct": 11.0,
    "growth_met_verblijf_little_help_pct": 25.0,
}


def simulate_cpb_panel(
    n_gemeenten: int = 350,
    years: Sequence[int] = tuple(range(2011, 2021)),
    seed: int | None = 0,
    *,
    effect_scale: float = 1.0,
    noise: float = 0.03,
) -> pd.DataFrame:
    """SYNTHETIC gemeente panel calibrated to CPB's wijkteam/POH figures.

    **SYNTHETIC DATA** — not real gemeenten: codes are ``GM9000`` upwards (no
    such real codes), every row has ``synthetic=True`` and ``attrs["synthetic"]``
    is ``True``. Use it to learn and test the DiD workflow only.

    Design (calibrated to CPB 2020):

    * helping wijkteams adopted in 2015 (30% of gemeenten), 2016 (17%), 2017
      (10%), 2018 (7%): 64% by 2018; 36% never (``jaar_wijkteam = 0``);
    * POH-jeugd funding in 54% of gemeenten (``jaar_poh``), staggered 2015-2018,
      with **no** true effect (CPB found no difference);
    * ``intensiteit_wijkteam``: share of children helped by the wijkteam (0-0.03
      without a helping wijkteam, 0.02-0.16 with one);
    * counterfactual growth 2013->2018: met verblijf about +25%, zonder verblijf
      about +7%; second-line total is the sum;
    * the true effect of a helping wijkteam on ``ln_met_verblijf`` grows with
      exposure ``e = t - g``: ``-effect_scale * 1.0 * intensity * min(e + 1, 4) / 4``
      (larger for early adopters, who are more intense on average), giving about
      +11% growth with much versus +25% with little/no wijkteam help; the effect
      on ``ln_zonder_verblijf`` is a quarter of that. Effects are heterogeneous
      and dynamic, which is what biases static TWFE.

    Parameters
    ----------
    n_gemeenten:
        Number of synthetic gemeenten (at most 1000).
    years:
        Consecutive years; must start before 2015 to have pre-periods.
    seed:
        Random seed.
    effect_scale:
        Multiplies the true effects (0 = no effect anywhere).
    noise:
        Standard deviation of the idiosyncratic log noise.

    Returns
    -------
    DataFrame
        One row per gemeente-year: ``gemeentecode, jaar, n_jeugdigen,
        jeugdhulp_totaal, jeugdhulp_zonder_verblijf, jeugdhulp_met_verblijf``
        (counts of children), ``ln_`` versions of the three outcomes,
        ``jaar_wijkteam`` (cohort, 0 = never), ``wijkteam_helpt`` (treated in that
        year), ``intensiteit_wijkteam``, ``jaar_poh``, ``poh_jeugd``, ``synthetic``.
        ``attrs``: ``synthetic``, ``true_att_gt`` (dict of lists: group, time,
        outcome, att on the ``ln_`` outcomes, averaged over the cohort's
        gemeenten; read it with :func:`true_att`), ``targets``.
    """
    if not 2 <= n_gemeenten <= 1000:
        raise ValueError("n_gemeenten must be between 2 and 1000")
    years = np.asarray(list(years), int)
    if years.size < 3 or np.any(np.diff(years) != 1) or years[0] >= 2015:
        raise ValueError("years must be >= 3 consecutive years starting before 2015")
    rng = np.random.default_rng(seed)
    n = n_gemeenten
    codes = np.array([f"GM{9000 + i:04d}" for i in range(n)])
    pop = np.exp(rng.normal(np.log(9000), 0.7, n)).clip(2500, 120_000).round()
    cohort = rng.choice([2015, 2016, 2017, 2018, 0], size=n, p=[0.30, 0.17, 0.10, 0.07, 0.36])
    helping = cohort > 0
    # early adopters help more children on average: heterogeneity across cohorts
    base_int = np.where(helping, rng.uniform(0.02, 0.16, n), rng.uniform(0.0, 0.03, n))
    base_int = np.where(cohort == 2015, base_int * 1.15, base_int).clip(0, 0.2)
    poh = rng.random(n) < 0.54
    jaar_poh = np.where(poh, rng.choice([2015, 2016, 2017, 2018], size=n), 0)

    # baseline rates per child (2013) and unit-specific trends
    rate_met = np.exp(rng.normal(np.log(0.011), 0.2, n))
    rate_zonder = np.exp(rng.normal(np.log(0.088), 0.15, n))
    trend_met = np.log(1.25) / 5 + rng.normal(0, 0.004, n)
    trend_zonder = np.log(1.07) / 5 + rng.normal(0, 0.003, n)
    year_shock = rng.normal(0, 0.004, years.size)

    t = years[None, :] - 2013
    e = years[None, :] - np.where(helping, cohort, 10_000)[:, None]
    exposure = np.where(e >= 0, np.minimum(e + 1, 4) / 4, 0.0)
    tau_met = -effect_scale * 1.0 * base_int[:, None] * exposure
    tau_zonder = 0.25 * tau_met
    ln_met = (np.log(rate_met * pop)[:, None] + trend_met[:, None] * t + year_shock + tau_met
              + rng.normal(0, noise, (n, years.size)))
    ln_zonder = (np.log(rate_zonder * pop)[:, None] + trend_zonder[:, None] * t + 0.6 * year_shock
                 + tau_zonder + rng.normal(0, noise, (n, years.size)))
    met = np.round(np.exp(ln_met)).astype(int)
    zonder = np.round(np.exp(ln_zonder)).astype(int)
    total = met + zonder
    out = pd.DataFrame(
        {
            "gemeentecode": np.repeat(codes, years.size),
            "jaar": np.tile(years, n),
            "n_jeugdigen": np.repeat(pop.astype(int), years.size),
            "jeugdhulp_totaal": total.ravel(),
            "jeugdhulp_zonder_verblijf": zonder.ravel(),
            "jeugdhulp_met_verblijf": met.ravel(),
            "jaar_wijkteam": np.repeat(cohort, years.size),
            "intensiteit_wijkteam": np.repeat(base_int.round(4), years.size),
            "jaar_poh": np.repeat(jaar_poh, years.size),
        }
    )
    out["ln_totaal"] = np.log(out["jeugdhulp_totaal"])
    out["ln_zonder_verblijf"] = np.log(out["jeugdhulp_zonder_verblijf"])
    out["ln_met_verblijf"] = np.log(out["jeugdhulp_met_verblijf"])
    out["wijkteam_helpt"] = ((out["jaar_wijkteam"] > 0) & (out["jaar"] >= out["jaar_wijkteam"])).astype(int)
    out["poh_jeugd"] = ((out["jaar_poh"] > 0) & (out["jaar"] >= out["jaar_poh"])).astype(int)
    out["synthetic"] = True

    # true ATT(g,t) on the log outcomes: mean effect over the cohort's gemeenten
    rows = []
    for g in (2015, 2016, 2017, 2018):
        m = cohort == g
        if not m.any():
            continue
        for j, yr in enumerate(years):
            if yr == years[0]:
                continue
            rows.append((g, int(yr), "ln_met_verblijf", float(tau_met[m, j].mean())))
            rows.append((g, int(yr), "ln_zonder_verblijf", float(tau_zonder[m, j].mean())))
    out.attrs["synthetic"] = True
    # plain lists (not a DataFrame) so that pandas can compare and copy attrs
    out.attrs["true_att_gt"] = {
        "group": [r[0] for r in rows],
        "time": [r[1] for r in rows],
        "outcome": [r[2] for r in rows],
        "att": [r[3] for r in rows],
    }
    out.attrs["targets"] = dict(CPB_TARGETS)
    out.attrs["description"] = (
        "SYNTHETIC gemeente panel (jeugdlib.did.simulate_cpb_panel); not real data."
    )
    return out


def true_att(panel: pd.DataFrame, outcome: str = "ln_met_verblijf",
             kind: Literal["gt", "simple", "dynamic"] = "gt") -> pd.DataFrame | float:
    """True effects of a :func:`simulate_cpb_panel` panel.

    Parameters
    ----------
    panel:
        Output of :func:`simulate_cpb_panel` (uses ``attrs["true_att_gt"]``).
    outcome:
        ``ln_met_verblijf`` or ``ln_zonder_verblijf``.
    kind:
        ``gt`` (table ``group, time, att``), ``simple`` (cohort-size weighted
        post-period average, the estimand of ``aggregate("simple")``) or
        ``dynamic`` (``event_time, att`` with cohort-size weights).
    """
    if "true_att_gt" not in panel.attrs:
        raise DataError("true_att: panel has no attrs['true_att_gt']; use simulate_cpb_panel output.")
    gt = pd.DataFrame(panel.attrs["true_att_gt"])
    gt = gt[gt["outcome"] == outcome].drop(columns="outcome").reset_index(drop=True)
    if kind == "gt":
        return gt
    sizes = panel.groupby("gemeentecode")["jaar_wijkteam"].first().value_counts()
    w = gt["group"].map(sizes).astype(float)
    if kind == "simple":
        post = gt["time"] >= gt["group"]
        return float(np.average(gt.loc[post, "att"], weights=w[post]))
    if kind == "dynamic":
        gt = gt.assign(event_time=gt["time"] - gt["group"], w=w)
        return (gt.groupby("event_time")
                .apply(lambda d: np.average(d["att"], weights=d["w"]), include_groups=False)
                .rename("att").reset_index())
    raise ValueError("kind must be gt, simple or dynamic")


_GM_RE = re.compile(r"^GM\d{4}$")


def load_policy_table(
    path_or_df: str | Path | pd.DataFrame,
    *,
    adoption_cols: Sequence[str] | None = None,
    intensity_cols: Sequence[str] | None = None,
    boundary_year: int | None = None,
    sheet_name: str | int = 0,
    year_range: tuple[int, int] = (1990, 2100),
) -> pd.DataFrame:
    """Read and validate a user-supplied gemeente policy table.

    The table has one row per gemeente with ``gemeentecode`` (``GM`` + 4
    digits; plain numbers such as ``363`` are accepted and padded to
    ``GM0363``) and at least one adoption-year column (e.g. ``jaar_wijkteam``,
    ``jaar_poh``: the first year of the policy, empty or 0 = never) and/or
    intensity column (e.g. ``intensiteit_wijkteam``: a share between 0 and 1).

    Parameters
    ----------
    path_or_df:
        CSV (``,`` or ``;``), Excel (``.xlsx``/``.xls``), ``.parquet`` or ``.ods``
        file, or a DataFrame.
    adoption_cols, intensity_cols:
        Column names; default: columns starting with ``jaar_`` or named
        ``adoptiejaar``, and columns starting with ``intensiteit``.
    boundary_year:
        Municipal boundary year of the codes (stored in ``attrs`` and a
        column ``indelingsjaar``).
    sheet_name:
        Excel/ODS sheet.
    year_range:
        Plausible adoption years.

    Returns
    -------
    DataFrame
        Validated copy: codes normalised, adoption years as nullable integers
        with 0 for never, intensities as float.

    Raises
    ------
    DataError
        Naming the file, column and rows: missing ``gemeentecode``, malformed or
        duplicate codes, non-integer or implausible years, intensities outside
        [0, 1], no policy column at all.
    """
    if isinstance(path_or_df, pd.DataFrame):
        raw = path_or_df.copy()
        source = "policy table (DataFrame)"
        row_of = lambda idx: list(idx)  # noqa: E731
    else:
        path = Path(path_or_df)
        source = f"policy table {str(path)!r}"
        if not path.exists():
            raise DataError(f"{source}: file not found; check the path.")
        suffix = path.suffix.lower()
        try:
            if suffix in (".csv", ".txt"):
                raw = pd.read_csv(path, sep=None, engine="python", dtype=str)
            elif suffix in (".xlsx", ".xlsm", ".xls"):
                raw = pd.read_excel(path, sheet_name=sheet_name, dtype=str)
            elif suffix == ".ods":
                raw = pd.read_excel(path, sheet_name=sheet_name, engine="odf", dtype=str)
            elif suffix == ".parquet":
                raw = pd.read_parquet(path)
            else:
                raise DataError(f"{source}: unsupported file type {suffix!r}; use CSV, Excel, ODS or parquet.")
        except DataError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader failure becomes a DataError
            raise DataError(f"{source}: could not be read ({exc}).") from exc
        row_of = lambda idx: [int(i) + 2 for i in idx]  # noqa: E731  (spreadsheet rows, header = 1)
    raw.columns = [str(c).strip() for c in raw.columns]
    where = "rows" if isinstance(path_or_df, pd.DataFrame) else "spreadsheet rows"
    if "gemeentecode" not in raw.columns:
        raise DataError(
            f"{source}: column 'gemeentecode' not found; columns are {list(raw.columns)}. "
            "Name the gemeente code column 'gemeentecode' (GM + 4 digits)."
        )
    out = raw.copy()
    code = out["gemeentecode"].astype("string").str.strip().str.upper()
    digits = code.str.fullmatch(r"\d{1,4}(\.0)?").fillna(False)
    code = code.where(~digits, "GM" + code.str.replace(".0", "", regex=False).str.zfill(4))
    bad = ~code.fillna("").str.match(_GM_RE)
    if bad.any():
        raise DataError(
            f"{source}: column 'gemeentecode' has invalid codes at {where} "
            f"{_rows(row_of(out.index[bad]))} (e.g. {out['gemeentecode'][bad].iloc[0]!r}); "
            "use 'GM' followed by 4 digits, e.g. GM0363."
        )
    out["gemeentecode"] = code.astype(str)
    dup = out["gemeentecode"].duplicated(keep=False)
    if dup.any():
        raise DataError(
            f"{source}: column 'gemeentecode' has duplicates {sorted(out.loc[dup, 'gemeentecode'].unique())[:5]} "
            f"at {where} {_rows(row_of(out.index[dup]))}; keep one row per gemeente."
        )
    if adoption_cols is None:
        adoption_cols = [c for c in out.columns if c.lower().startswith("jaar_") or c.lower() == "adoptiejaar"]
    if intensity_cols is None:
        intensity_cols = [c for c in out.columns if c.lower().startswith("intensiteit")]
    for c in [*adoption_cols, *intensity_cols]:
        if c not in out.columns:
            raise DataError(f"{source}: column {c!r} not found; columns are {list(out.columns)}.")
    if not adoption_cols and not intensity_cols:
        raise DataError(
            f"{source}: no adoption-year column (jaar_*, adoptiejaar) or intensity column "
            f"(intensiteit*) found in {list(out.columns)}; add one or pass adoption_cols/intensity_cols."
        )
    lo, hi = year_range
    for c in adoption_cols:
        s = out[c].astype("string").str.strip()
        s = s.mask(s.str.lower().isin(["", "nan", "na", "n/a", "none", "<na>"]), pd.NA)
        num = pd.to_numeric(s, errors="coerce")
        bad = (num.isna() & s.notna()) | (num.notna() & (num != np.round(num)))
        bad |= num.notna() & (num != 0) & ((num < lo) | (num > hi))
        if bad.any():
            raise DataError(
                f"{source}: adoption-year column {c!r} has invalid values at {where} "
                f"{_rows(row_of(out.index[bad]))} (e.g. {out[c][bad].iloc[0]!r}); use a year "
                f"between {lo} and {hi}, or leave empty / 0 for never."
            )
        out[c] = num.fillna(0).astype("Int64")
    for c in intensity_cols:
        s = out[c].astype("string").str.strip().str.replace(",", ".", regex=False)
        s = s.mask(s.str.lower().isin(["", "nan", "na", "n/a", "none", "<na>"]), pd.NA)
        num = pd.to_numeric(s, errors="coerce")
        bad = (num.isna() & s.notna()) | (num < 0) | (num > 1)
        if bad.any():
            raise DataError(
                f"{source}: intensity column {c!r} has invalid values at {where} "
                f"{_rows(row_of(out.index[bad]))} (e.g. {out[c][bad].iloc[0]!r}); use a share "
                "between 0 and 1 (divide percentages by 100)."
            )
        out[c] = num.astype(float)
    if boundary_year is not None:
        out["indelingsjaar"] = int(boundary_year)
    out.attrs["boundary_year"] = boundary_year
    out.attrs["source"] = source
    return out
