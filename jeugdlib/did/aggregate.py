"""Aggregations of group-time ATTs as pure functions (R ``did::aggte``).

Each function takes an :class:`~jeugdlib.did.AttResult` and returns an
:class:`Aggregate`; ``AttResult.aggregate(kind)`` is a thin convenience calling
:func:`aggregate`. Weights are cohort shares; where the weights are estimated, their
influence function (R ``did``'s ``wif``) is added to the aggregate's influence function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from jeugdlib.did.inference import multiplier_bootstrap
from jeugdlib.did.options import deprecated_alpha
from jeugdlib.errors import DataError
from jeugdlib.results import Result, critical_value, tidy_frame

if TYPE_CHECKING:
    from jeugdlib.did.callaway_santanna import AttResult

__all__ = [
    "Aggregate",
    "aggregate",
    "aggregate_calendar",
    "aggregate_dynamic",
    "aggregate_group",
    "aggregate_simple",
    "cohort_shares",
]

_KEY = {"group": "group", "dynamic": "event_time", "calendar": "time"}


@dataclass
class Aggregate(Result):
    """An aggregation of group-time ATTs.

    Attributes
    ----------
    kind:
        ``simple``, ``group``, ``dynamic`` or ``calendar``.
    overall:
        Series ``estimate, std_error, ci_low, ci_high`` for the overall summary
        (pointwise interval).
    by:
        Per group / event time / calendar period (``None`` for ``simple``) with columns
        ``<key>, estimate, std_error, ci_low, ci_high``; uniform bands when bootstrapped.
    uniform:
        Whether the bands in ``by`` are simultaneous (multiplier bootstrap).
    crit_value:
        Critical value used for ``by``.
    level:
        Confidence level.
    vcov:
        Analytic covariance of the ``by`` estimates.
    """

    result_name: ClassVar[str] = "ATT aggregation"

    kind: str
    overall: pd.Series
    by: pd.DataFrame | None
    uniform: bool
    crit_value: float
    level: float
    vcov: np.ndarray | None = None
    influence: np.ndarray | None = field(default=None, repr=False)
    overall_influence: np.ndarray | None = field(default=None, repr=False)
    source: Any = field(default=None, repr=False)

    @property
    def alpha(self) -> float:
        """Deprecated: ``1 - level``."""
        return deprecated_alpha(self)

    def to_frame(self) -> pd.DataFrame:
        """``by`` with an extra final row for the overall summary (key ``"overall"``)."""
        row = pd.DataFrame([self.overall])
        if self.by is None:
            return row.assign(term="overall")[["term", "estimate", "std_error", "ci_low", "ci_high"]]
        key = self.by.columns[0]
        by = self.by.astype({key: object})
        return pd.concat([by, row.assign(**{key: "overall"})], ignore_index=True)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Per-key rows (``term`` ``"<key>=<value>"``) and ``"overall"``.

        ``ci_low``/``ci_high`` are pointwise (``estimate ± z·std_error``), consistent with
        the pointwise ``p_value``. When the per-key bands are uniform (bootstrap), the
        simultaneous band of ``by`` follows in ``ci_low_uniform``, ``ci_high_uniform`` with
        its critical value ``crit_uniform`` (NaN on the ``overall`` row).

        Extra columns: ``event_time`` (dynamic) or ``group`` (group) or ``time`` (calendar),
        and ``estimator = "cs"``.
        """
        overall = self.overall
        by, crit = self.by, self.crit_value
        if not np.isclose(level, self.level) and self.source is not None:
            redo = aggregate_influence(self.source, self, level)
            overall, by, crit = redo
        dof = getattr(self.source, "df", None)
        ov = tidy_frame(
            "overall",
            float(overall["estimate"]),
            float(overall["std_error"]),
            level=level,
            df=dof,
            extra={"estimator": "cs"},
        )
        if by is None:
            return ov
        key = by.columns[0]
        est, se = by["estimate"].to_numpy(float), by["std_error"].to_numpy(float)
        extra: dict[str, Any] = {key: by[key].to_numpy(), "estimator": "cs"}
        uniform = crit if self.uniform else None
        rows = tidy_frame(
            [f"{key}={int(k)}" for k in by[key]], est, se, level=level, df=dof, uniform_crit=uniform, extra=extra
        )
        return pd.concat([rows, ov.assign(**{key: np.nan})], ignore_index=True)

    def plot(self, **kwargs: Any):
        """Dynamic aggregation: event-study figure (:func:`jeugdlib.plots.did.event_study_plot`)."""
        if self.kind != "dynamic" or self.by is None:
            raise NotImplementedError(f"no standard figure for the {self.kind!r} aggregation")
        from jeugdlib.plots.did import event_study_plot

        return event_study_plot({"cs": self.by}, **kwargs)

    def __repr__(self) -> str:
        o = self.overall
        band = "uniform" if self.uniform else "pointwise"
        head = (
            f"Aggregate({self.kind}: estimate={o['estimate']:.4f}, std_error={o['std_error']:.4f}, "
            f"CI=[{o['ci_low']:.4f}, {o['ci_high']:.4f}]; by-bands {band})"
        )
        return head if self.by is None else head + "\n" + self.by.to_string(index=False)


# ------------------------------------------------------------------------------ building blocks
def cohort_shares(unit_cohort: np.ndarray) -> dict[float, float]:
    """Share of units in each treated cohort (``inf`` = never treated is left out)."""
    g = unit_cohort
    return {float(k): float(np.mean(g == k)) for k in np.unique(g[np.isfinite(g)])}


def weight_influence(unit_cohort: np.ndarray, groups: np.ndarray, pg_all: dict[float, float]) -> np.ndarray:
    """Influence of estimating the cohort-share weights of ``groups`` (R did's ``wif``)."""
    pg = np.array([pg_all[g] for g in groups])
    ind = np.stack([(unit_cohort == g).astype(float) for g in groups], axis=1)
    s = pg.sum()
    return (ind - pg) / s - np.outer((ind - pg).sum(axis=1), pg) / s**2


def _combine(res: AttResult, cells: np.ndarray, weights: np.ndarray, wif: bool) -> tuple[float, np.ndarray]:
    att = res.att_gt["estimate"].to_numpy()[cells]
    inf = res.influence[:, cells] @ weights
    if wif:
        groups = res.att_gt["group"].to_numpy()[cells]
        inf = inf + weight_influence(res.unit_cohort, groups, cohort_shares(res.unit_cohort)) @ att
    return float(att @ weights), inf


def _weights_pg(res: AttResult, cells: np.ndarray) -> np.ndarray:
    pg_all = cohort_shares(res.unit_cohort)
    pg = np.array([pg_all[g] for g in res.att_gt["group"].to_numpy()[cells]])
    return pg / pg.sum()


def _nan_if_zero(se: np.ndarray, inf: np.ndarray) -> np.ndarray:
    """NaN SE where the influence function is identically zero (reference cells, universal base)."""
    return np.where(np.all(inf == 0, axis=0), np.nan, se)


def _single(res: AttResult, est: float, inf: np.ndarray, level: float) -> pd.Series:
    se, _, _ = multiplier_bootstrap(
        inf[:, None], res.cluster_codes, res.bootstrap_draws(), level, uniform=False, df=res.df
    )
    z = critical_value(level, res.df)
    return pd.Series({"estimate": est, "std_error": se[0], "ci_low": est - z * se[0], "ci_high": est + z * se[0]})


def _require_cells(keys: list, kind: str) -> None:
    if not keys:
        raise DataError(
            f"staggered_att: no group-time cells for aggregate({kind!r}) in the requested "
            "event-time range; widen min_e/max_e or check the cohorts."
        )


def _finish(
    res: AttResult,
    kind: str,
    keys: list,
    att_mat: np.ndarray,
    inf_mat: np.ndarray,
    overall_att: float,
    overall_inf: np.ndarray,
    level: float,
) -> Aggregate:
    se, crit, vcov = multiplier_bootstrap(inf_mat, res.cluster_codes, res.bootstrap_draws(), level, res.uniform, res.df)
    se = _nan_if_zero(se, inf_mat)
    key = _KEY[kind]
    by = pd.DataFrame(
        {
            key: np.asarray(keys).astype(int),
            "estimate": att_mat,
            "std_error": se,
            "ci_low": att_mat - crit * se,
            "ci_high": att_mat + crit * se,
        }
    )
    return Aggregate(
        kind,
        _single(res, overall_att, overall_inf, level),
        by,
        res.n_boot > 0 and res.uniform,
        crit,
        level,
        vcov,
        influence=inf_mat,
        overall_influence=overall_inf,
        source=res,
    )


def aggregate_influence(res: AttResult, agg: Aggregate, level: float) -> tuple[pd.Series, pd.DataFrame | None, float]:
    """Overall row, per-key table and critical value of ``agg`` at another ``level``."""
    overall = _single(res, float(agg.overall["estimate"]), agg.overall_influence, level)
    if agg.by is None:
        return overall, None, critical_value(level, res.df)
    se, crit, _ = multiplier_bootstrap(
        agg.influence, res.cluster_codes, res.bootstrap_draws(), level, res.uniform, res.df
    )
    se = _nan_if_zero(se, agg.influence)
    by = agg.by.copy()
    by["std_error"] = se
    by["ci_low"] = by["estimate"] - crit * se
    by["ci_high"] = by["estimate"] + crit * se
    return overall, by, crit


# ------------------------------------------------------------------------------ aggregations
def aggregate_simple(res: AttResult, *, max_e: float = np.inf, level: float | None = None) -> Aggregate:
    """Post-treatment cells weighted by cohort size (R ``aggte(type = "simple")``)."""
    level = res.level if level is None else level
    g, t = res.att_gt["group"].to_numpy(), res.att_gt["time"].to_numpy()
    cells = np.flatnonzero((g <= t) & (t - g <= max_e))
    if cells.size == 0:
        raise DataError("staggered_att: no post-treatment cells to aggregate.")
    att, inf = _combine(res, cells, _weights_pg(res, cells), wif=True)
    agg = Aggregate("simple", _single(res, att, inf, level), None, False, critical_value(level, res.df), level)
    agg.overall_influence, agg.source = inf, res
    return agg


def aggregate_group(res: AttResult, *, max_e: float = np.inf, level: float | None = None) -> Aggregate:
    """Average per cohort; overall weighted by cohort size (R ``aggte(type = "group")``)."""
    level = res.level if level is None else level
    g, t = res.att_gt["group"].to_numpy(), res.att_gt["time"].to_numpy()
    keys, atts, infs = [], [], []
    for gg in np.unique(g):
        cells = np.flatnonzero((g == gg) & (g <= t) & (t - g <= max_e))
        if cells.size == 0:
            continue
        a, i = _combine(res, cells, np.full(cells.size, 1 / cells.size), wif=False)
        keys.append(gg)
        atts.append(a)
        infs.append(i)
    _require_cells(keys, "group")
    pg_all = cohort_shares(res.unit_cohort)
    w = np.array([pg_all[k] for k in keys])
    w = w / w.sum()
    att_mat, inf_mat = np.array(atts), np.stack(infs, axis=1)
    # weight-estimation influence over the groups (R's selective.wif)
    wif = weight_influence(res.unit_cohort, np.asarray(keys), pg_all)
    return _finish(res, "group", keys, att_mat, inf_mat, float(att_mat @ w), inf_mat @ w + wif @ att_mat, level)


def aggregate_dynamic(
    res: AttResult,
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    level: float | None = None,
) -> Aggregate:
    """Event study by ``e = t - g``; overall = mean of ``e >= 0`` (R ``aggte(type = "dynamic")``).

    ``balance_e`` keeps cohorts observed for at least ``balance_e`` periods after
    treatment and event times ``<= balance_e``.
    """
    level = res.level if level is None else level
    g, t = res.att_gt["group"].to_numpy(), res.att_gt["time"].to_numpy()
    e = t - g
    keep = np.ones(len(g), bool)
    if balance_e is not None:
        tmax = float(np.max(res.times))
        keep = (tmax - g >= balance_e) & (e <= balance_e)
    keys, atts, infs = [], [], []
    for ee in np.unique(e[keep]):
        if ee < min_e or ee > max_e:
            continue
        cells = np.flatnonzero((e == ee) & keep)
        a, i = _combine(res, cells, _weights_pg(res, cells), wif=True)
        keys.append(ee)
        atts.append(a)
        infs.append(i)
    _require_cells(keys, "dynamic")
    att_mat, inf_mat = np.array(atts), np.stack(infs, axis=1)
    pos = np.array(keys) >= 0
    if not pos.any():
        raise DataError("staggered_att: no event times >= 0 in the requested range.")
    return _finish(
        res, "dynamic", keys, att_mat, inf_mat, float(att_mat[pos].mean()), inf_mat[:, pos].mean(axis=1), level
    )


def aggregate_calendar(res: AttResult, *, level: float | None = None) -> Aggregate:
    """Per calendar period; overall = their mean (R ``aggte(type = "calendar")``).

    Each period's cohort-share weights are estimated, so their influence function (R's
    ``wif``) is part of the period's influence function, as in ``simple``/``dynamic``.
    """
    level = res.level if level is None else level
    g, t = res.att_gt["group"].to_numpy(), res.att_gt["time"].to_numpy()
    keys, atts, infs = [], [], []
    for tt in np.unique(t[t >= g.min()]):
        cells = np.flatnonzero((t == tt) & (g <= t))
        if cells.size == 0:
            continue
        a, i = _combine(res, cells, _weights_pg(res, cells), wif=True)
        keys.append(tt)
        atts.append(a)
        infs.append(i)
    _require_cells(keys, "calendar")
    att_mat, inf_mat = np.array(atts), np.stack(infs, axis=1)
    return _finish(res, "calendar", keys, att_mat, inf_mat, float(att_mat.mean()), inf_mat.mean(axis=1), level)


def aggregate(
    res: AttResult,
    kind: Literal["simple", "group", "dynamic", "calendar"] = "simple",
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    level: float | None = None,
) -> Aggregate:
    """Aggregate the ATT(g,t) of ``res`` as R ``did::aggte`` does.

    Parameters
    ----------
    res:
        Output of :func:`~jeugdlib.did.staggered_att`.
    kind:
        ``simple`` (post-treatment cells weighted by cohort size), ``group`` (average per
        cohort; overall weighted by cohort size), ``dynamic`` (event study by
        ``event_time = t - g``; overall = mean of ``e >= 0``) or ``calendar`` (per
        calendar period; overall = their mean).
    min_e, max_e:
        Event-time range (``dynamic``; ``max_e`` also trims ``simple``/``group``).
    balance_e:
        ``dynamic`` only: keep cohorts observed for at least ``balance_e`` periods after
        treatment and event times ``<= balance_e``.
    level:
        Confidence level (default: that of ``res``).

    Returns
    -------
    Aggregate
        Overall summary and the per-key table; the per-key bands are uniform when the
        result was bootstrapped (``n_boot > 0``).
    """
    if kind == "simple":
        return aggregate_simple(res, max_e=max_e, level=level)
    if kind == "group":
        return aggregate_group(res, max_e=max_e, level=level)
    if kind == "dynamic":
        return aggregate_dynamic(res, min_e=min_e, max_e=max_e, balance_e=balance_e, level=level)
    if kind == "calendar":
        return aggregate_calendar(res, level=level)
    raise ValueError(f"kind must be simple, group, dynamic or calendar, not {kind!r}")
