"""Durations of youth-care trajectories: Kaplan–Meier with right-censoring (lifelines).

Counts are raw (unprotected): pass them through :func:`jeugdlib.disclosure.protect`
before publishing them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.exceptions import StatError
from lifelines.utils import median_survival_times, restricted_mean_survival_time

from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import mask_headers, mask_value
from jeugdlib.results import Result, TestResult, tidy_frame
from jeugdlib.trajectories._codes import DAYS_PER_MONTH
from jeugdlib.trajectories._data import DateLike, LoadedTable, window
from jeugdlib.trajectories._episodes import DEFAULT_MAX_GAP_DAYS, day_numbers, default_as_of, episodes
from jeugdlib.trajectories._results import SummaryAlias
from jeugdlib.trajectories._simulate import SimulatedTrajectories

__all__ = ["BUCKETS", "DurationResult", "durations"]

#: CBS/BMC duration buckets: (label, lower month, upper month); a duration d in
#: days falls in a bucket when lower * 365.25/12 <= d < upper * 365.25/12.
BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("0-3 mnd", 0, 3),
    ("3-6 mnd", 3, 6),
    ("6-12 mnd", 6, 12),
    ("1-2 jaar", 12, 24),
    ("2-3 jaar", 24, 36),
    ("3-4 jaar", 36, 48),
    ("> 4 jaar", 48, np.inf),
)


# --------------------------------------------------------------------------- durations


@dataclass
class DurationResult(Result):
    """Result of :func:`durations` (result protocol: ``tidy()``, ``summary()``, ``plot()``).

    Attributes
    ----------
    table:
        Per group: ``n_trajectories``, ``n_completed``, ``n_running``,
        ``median_days`` (Kaplan–Meier; NaN when the curve does not reach 0.5),
        ``median_ci_lower``/``median_ci_upper`` (95%), ``rmst_days``
        (restricted mean duration up to ``tau_days``; NaN when follow-up is
        shorter and the curve has not reached 0), ``mean_days_completed``
        (plain mean over completed trajectories, the CBS figure).
        (Formerly ``summary``; ``result.summary.<...>`` still reaches it, deprecated.)
    buckets:
        Per group and bucket: ``n_completed`` and ``share_completed`` (of
        completed trajectories), and ``km_share``, the Kaplan–Meier probability
        that a trajectory's duration falls in the bucket (uses the running
        ones too).
    trend:
        Per group and start year: ``n_trajectories``, ``n_completed``,
        ``median_days``, ``rmst_days`` and ``rmst_1y_days`` (restricted mean
        up to one year, estimable for recent cohorts too). Start years before ``observed_from``
        are left out (only their long trajectories are in the extract). Later
        cohorts have had less time to end: their medians rest on censoring.
    survival:
        Long table ``group``, ``days``, ``survival`` on a weekly grid up to
        ``tau_days``, for plotting.
    fitters:
        The lifelines :class:`~lifelines.KaplanMeierFitter` per group (95% bands).
    """

    result_name: ClassVar[str] = "Kaplan–Meier median duration (days)"

    table: pd.DataFrame
    buckets: pd.DataFrame
    trend: pd.DataFrame
    survival: pd.DataFrame
    tau_days: float
    as_of: pd.Timestamp
    observed_from: pd.Timestamp | None
    fitters: dict[Any, KaplanMeierFitter] = field(default_factory=dict, repr=False)
    #: per group: (duration, event, entry or None, start year) of the cohorts in :attr:`trend`
    _cohorts: dict[Any, tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]] = field(
        default_factory=dict, repr=False
    )

    @property
    def summary(self) -> SummaryAlias:  # type: ignore[override]
        """``summary()``: printable text. (Attribute access reaches :attr:`table`, deprecated.)"""
        return SummaryAlias(self)

    def summary_text(self, level: float = 0.95) -> str:
        """The median duration per group with its interval, as text."""
        return Result.summary(self, level=level)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Median duration per group: one row per group, ``term = "median_days"``.

        ``estimate`` is the Kaplan–Meier median (lifelines), ``ci_low``/``ci_high`` the
        ``level`` interval lifelines derives from the confidence band of the survival
        curve (the times at which the band's limits cross 0.5). lifelines gives no
        standard error for the median, so ``std_error``, ``statistic`` and ``p_value``
        are NaN (there is no null hypothesis here). A median or limit that is not
        reached during follow-up is NaN. Extra columns: ``n_obs`` (trajectories),
        ``group``.
        """
        groups = list(self.table.index)
        est, lo, hi = [], [], []
        for g in groups:
            kmf = self.fitters[g]
            if not np.isclose(kmf.alpha, 1.0 - level):
                kmf = KaplanMeierFitter(alpha=1.0 - level).fit(
                    kmf.durations, kmf.event_observed, entry=kmf.entry, weights=kmf.weights
                )
            ci = median_survival_times(kmf.confidence_interval_)
            est.append(_median(kmf))
            lo.append(_finite(ci.iloc[0, 0]))
            hi.append(_finite(ci.iloc[0, 1]))
        nan = np.full(len(groups), np.nan)
        return tidy_frame(
            ["median_days"] * len(groups),
            est,
            nan,
            level=level,
            statistic=nan,
            p_value=nan,
            ci_low=lo,
            ci_high=hi,
            extra={"n_obs": self.table["n_trajectories"].to_numpy(), "group": groups},
        )

    def trend_test(self, group: Any = None) -> TestResult:
        """Do durations change with the start year? Wald test of a Cox model (lifelines).

        The hazard of ending care is modelled as ``h0(t) · HR^(start_year - first year)``
        (Cox proportional hazards, Efron ties, the same left truncation as the
        Kaplan–Meier curves; the cohorts of :attr:`trend`). ``HR < 1`` means trajectories
        of later cohorts end more slowly, i.e. last longer. One row per trajectory (not
        aggregated with weights: Efron's tie correction would change the statistic).

        Parameters
        ----------
        group:
            The group to test (default: the only group, e.g. ``"totaal"``).

        Returns
        -------
        TestResult
            ``statistic`` = z² of the start-year coefficient, ``df`` = 1, ``distribution``
            ``"chi2"``; the hazard ratio per year is in ``name``.
        """
        from lifelines import CoxPHFitter

        if group is None:
            if len(self._cohorts) != 1:
                raise ValueError(f"trend_test: choose a group, one of {mask_headers(self._cohorts)}")
            group = next(iter(self._cohorts))
        if group not in self._cohorts:
            raise DataError(f"trend_test: no group {mask_value(group)}; choose one of {mask_headers(self._cohorts)}.")
        d, ev, entry, year = self._cohorts[group]
        if len(np.unique(year)) < 2:
            raise DataError(f"trend_test: group {mask_value(group)} has fewer than two start years; no trend to test.")
        cols = {"d": d, "e": ev, "year": year - year.min()}
        if entry is not None:
            cols["entry"] = entry
        cph = CoxPHFitter().fit(pd.DataFrame(cols), "d", "e", entry_col="entry" if entry is not None else None)
        row = cph.summary.loc["year"]
        return TestResult(
            name=f"trend in duration by start year ({group}; Cox PH, HR per year = {row['exp(coef)']:.3f})",
            statistic=float(row["z"]) ** 2,
            df=1.0,
            p_value=float(row["p"]),
            distribution="chi2",
            terms=["start_year"],
        )

    def plot(self, groups: Sequence[object] | None = None, **kwargs: Any):
        """Kaplan–Meier curves (:func:`jeugdlib.plots.trajectories.plot_survival`)."""
        from jeugdlib.plots.trajectories import plot_survival

        return plot_survival(self, groups=groups, **kwargs)


def _finite(v: float) -> float:
    v = float(v)
    return v if np.isfinite(v) else np.nan


def _fit_km(d: np.ndarray, ev: np.ndarray, entry: np.ndarray | None) -> KaplanMeierFitter:
    """Kaplan–Meier on (duration, event[, entry]) aggregated to distinct combinations."""
    if entry is None:
        key = d.astype(np.int64) * 2 + ev
        uniq, cnt = np.unique(key, return_counts=True)
        return KaplanMeierFitter().fit(uniq // 2, uniq % 2, weights=cnt)
    frame = np.stack([d.astype(np.int64), ev.astype(np.int64), entry.astype(np.int64)], axis=1)
    uniq, cnt = np.unique(frame, axis=0, return_counts=True)
    return KaplanMeierFitter().fit(uniq[:, 0], uniq[:, 1], entry=uniq[:, 2], weights=cnt)


def _fit_km_safe(d: np.ndarray, ev: np.ndarray, entry: np.ndarray | None) -> KaplanMeierFitter | None:
    """As :func:`_fit_km`; with left truncation that leaves early risk sets empty, fall back to
    the trajectories that were observed from their start (entry 0). ``None`` if nothing is left."""
    if len(d) == 0:
        return None
    try:
        return _fit_km(d, ev, entry)
    except StatError:
        if entry is None:
            raise
        fresh = entry == 0
        warnings.warn(
            "Kaplan–Meier with left truncation failed (empty early risk sets); falling back to the "
            f"{int(fresh.sum())} trajectories observed from their start — a different population.",
            JeugdlibWarning,
            stacklevel=3,
        )
        return _fit_km(d[fresh], ev[fresh], None) if fresh.any() else None


def _median(kmf: KaplanMeierFitter) -> float:
    m = float(kmf.median_survival_time_)
    return m if np.isfinite(m) else np.nan


def _median_ci(kmf: KaplanMeierFitter) -> tuple[float, float]:
    ci = kmf.confidence_interval_survival_function_
    lo_col, hi_col = ci.columns[0], ci.columns[1]
    t = ci.index.to_numpy(dtype=float)

    def first_below(col: str) -> float:
        below = np.flatnonzero(ci[col].to_numpy() <= 0.5)
        return float(t[below[0]]) if below.size else np.nan

    # the lower survival bound reaches 0.5 first -> lower limit of the median
    return first_below(lo_col), first_below(hi_col)


def _rmst(kmf: KaplanMeierFitter, tau: float) -> float:
    """Restricted mean up to ``tau``; NaN when follow-up ends before ``tau`` (the tail is unknown)."""
    if float(kmf.timeline.max()) < tau and float(kmf.survival_function_.iloc[-1, 0]) > 0:
        return np.nan
    return float(restricted_mean_survival_time(kmf, t=tau))


def _group_indices(ep: pd.DataFrame, by: str | Sequence[str] | None) -> dict[object, np.ndarray]:
    if by is None:
        return {"totaal": np.arange(len(ep))}
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in ep.columns]
    if missing:
        raise DataError(
            f"durations: group column(s) {mask_headers(missing)} not found; available {mask_headers(ep.columns)}."
        )
    return dict(ep.groupby(cols if len(cols) > 1 else cols[0], observed=True, sort=True).indices)


def durations(
    data: pd.DataFrame | LoadedTable | SimulatedTrajectories,
    by: str | Sequence[str] | None = None,
    *,
    as_of: DateLike | None = None,
    observed_from: DateLike | None = None,
    tau_days: float = 4 * 365.25,
    max_gap_days: int = DEFAULT_MAX_GAP_DAYS,
) -> DurationResult:
    """Duration of trajectories with right-censoring (Kaplan–Meier, lifelines).

    A trajectory is a chain of assignments (see :func:`episodes`); its
    duration counts the days from ``begindatum`` up to and including
    ``einddatum``. Running trajectories are right-censored at ``as_of``.

    Parameters
    ----------
    data:
        Trajectory table (or an episode table), a :class:`LoadedTable` from
        :func:`read_trajectories` or :class:`SimulatedTrajectories`.
    by:
        Column(s) to group by, e.g. ``"productcategorie"``, ``"aanbieder"``.
    as_of:
        Censoring date (default: ``data.as_of`` of a :class:`LoadedTable` /
        :class:`SimulatedTrajectories`, else the latest date).
    observed_from:
        First date of the extract when it holds only trajectories active on
        or after it (default: ``data.observed_from`` if set). Trajectories
        that began earlier enter the risk set at that date (left truncation),
        which removes the over-representation of long trajectories.

        A plain DataFrame carries neither: without ``as_of``/``observed_from`` a
        :class:`jeugdlib.JeugdlibWarning` says that the latest date and no left
        truncation are assumed.
    tau_days:
        Horizon of the restricted mean duration (default 4 years).
    max_gap_days:
        Passed to :func:`episodes`.

    Returns
    -------
    DurationResult
    """
    df, as_of, obs = window(
        data,
        as_of,
        observed_from,
        func="durations",
        start_assumption=("no left truncation (every trajectory observed from its start)", "observed_from=<start>"),
    )
    ref = default_as_of(df, as_of)
    ep = episodes(df, max_gap_days=max_gap_days, as_of=ref)
    d = ep["duur_dagen"].to_numpy(dtype=np.int64)
    ev = (~ep["lopend"].to_numpy(dtype=bool)).astype(np.int64)
    b = day_numbers(ep["begindatum"])
    entry = None
    if obs is not None:
        obs_day = (obs - pd.Timestamp("1970-01-01")).days
        entry = np.maximum(obs_day - b, 0)
        # trajectories that ended before the extract start cannot be observed
        valid = d > entry
        if not valid.all():
            ep, d, ev, b, entry = ep.loc[valid], d[valid], ev[valid], b[valid], entry[valid]
        if not entry.any():
            entry = None
    start_year = ep["begindatum"].dt.year.to_numpy()
    edges = np.array([lo for _, lo, _ in BUCKETS] + [np.inf]) * DAYS_PER_MONTH
    labels = [lab for lab, _, _ in BUCKETS]
    int_edges = np.ceil(edges[:-1]).astype(np.int64)  # first integer day of each bucket
    grid = np.arange(0, tau_days + 1, 7.0)
    summ, bucket_rows, trend_rows, surv_rows = [], [], [], []
    fitters: dict[Any, KaplanMeierFitter] = {}
    cohorts: dict[Any, tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]] = {}
    groups = _group_indices(ep, by)
    for key, idx in groups.items():
        gd, gev = d[idx], ev[idx]
        gentry = entry[idx] if entry is not None else None
        kmf = _fit_km_safe(gd, gev, gentry)
        if kmf is None:
            continue
        fitters[key] = kmf
        lo, hi = _median_ci(kmf)
        done = gev == 1
        summ.append(
            {
                "group": key,
                "n_trajectories": len(idx),
                "n_completed": int(done.sum()),
                "n_running": int((~done).sum()),
                "median_days": _median(kmf),
                "median_ci_lower": lo,
                "median_ci_upper": hi,
                "rmst_days": _rmst(kmf, tau_days),
                "mean_days_completed": float(gd[done].mean()) if done.any() else np.nan,
            }
        )
        # S(t) = P(T > t); P(T in bucket) = S(first day - 1) - S(first day of next bucket - 1)
        s_at = kmf.survival_function_at_times(np.maximum(int_edges - 1, 0)).to_numpy()
        s_at[0] = 1.0
        s_next = np.r_[s_at[1:], 0.0]
        km_share = s_at - s_next
        bins = np.searchsorted(edges, gd[done], side="right") - 1
        counts = np.bincount(bins, minlength=len(labels))[: len(labels)]
        total_done = max(int(done.sum()), 1)
        for j, lab in enumerate(labels):
            bucket_rows.append(
                {
                    "group": key,
                    "bucket": lab,
                    "n_completed": int(counts[j]),
                    "share_completed": counts[j] / total_done if done.any() else np.nan,
                    "km_share": float(km_share[j]),
                }
            )
        surv = kmf.survival_function_at_times(grid).to_numpy()
        surv_rows.append(pd.DataFrame({"group": [key] * len(grid), "days": grid, "survival": surv}))
        years = start_year[idx]
        in_trend = years >= obs.year if obs is not None else np.ones(len(years), dtype=bool)
        c_entry = gentry[in_trend] if gentry is not None else None
        cohorts[key] = (gd[in_trend], gev[in_trend], c_entry if c_entry is not None and c_entry.any() else None,
                        years[in_trend])  # fmt: skip
        for y in np.unique(years):
            if obs is not None and y < obs.year:
                continue  # cohorts that began before the extract are incomplete
            sel = years == y
            yk = _fit_km_safe(gd[sel], gev[sel], gentry[sel] if gentry is not None else None)
            if yk is None:
                continue
            trend_rows.append(
                {
                    "group": key,
                    "start_year": int(y),
                    "n_trajectories": int(sel.sum()),
                    "n_completed": int(gev[sel].sum()),
                    "median_days": _median(yk),
                    "rmst_days": _rmst(yk, tau_days),
                    "rmst_1y_days": _rmst(yk, 365.0),
                }
            )
    summary = pd.DataFrame(summ).set_index("group")
    buckets = pd.DataFrame(bucket_rows)
    buckets["bucket"] = pd.Categorical(buckets["bucket"], categories=labels, ordered=True)
    trend = pd.DataFrame(trend_rows)
    survival = pd.concat(surv_rows, ignore_index=True) if surv_rows else pd.DataFrame()
    if by is not None and isinstance(by, str):
        summary.index.name = by
    return DurationResult(
        table=summary,
        buckets=buckets,
        trend=trend,
        survival=survival,
        tau_days=float(tau_days),
        as_of=ref,
        observed_from=obs,
        fitters=fitters,
        _cohorts=cohorts,
    )
