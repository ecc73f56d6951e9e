"""Durations, extensions, care paths and flows of youth-care trajectories.

All functions accept the assignment-level table (from :func:`load_trajectories`
or :func:`simulate_trajectories`) or an episode table from :func:`episodes`,
and return raw (unprotected) counts: pass counts through
:func:`jeugdlib.disclosure.protect` before publishing them.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.exceptions import StatError
from lifelines.utils import restricted_mean_survival_time

from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.trajectories._codes import DAYS_PER_MONTH, intensity
from jeugdlib.trajectories._episodes import DEFAULT_MAX_GAP_DAYS, day_numbers, episodes

__all__ = [
    "BUCKETS",
    "CarePathsResult",
    "DurationResult",
    "ExtensionsResult",
    "care_paths",
    "durations",
    "extensions",
    "flows",
]

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

DateLike = str | dt.date | pd.Timestamp


# --------------------------------------------------------------------------- durations


@dataclass
class DurationResult:
    """Result of :func:`durations`.

    Attributes
    ----------
    summary:
        Per group: ``n_trajectories``, ``n_completed``, ``n_running``,
        ``median_days`` (Kaplan–Meier; NaN when the curve does not reach 0.5),
        ``median_ci_lower``/``median_ci_upper`` (95%), ``rmst_days``
        (restricted mean duration up to ``tau_days``; NaN when follow-up is
        shorter and the curve has not reached 0), ``mean_days_completed``
        (plain mean over completed trajectories, the CBS figure).
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
    """

    summary: pd.DataFrame
    buckets: pd.DataFrame
    trend: pd.DataFrame
    survival: pd.DataFrame
    tau_days: float
    as_of: pd.Timestamp
    observed_from: pd.Timestamp | None


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
            JeugdlibWarning, stacklevel=3)
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
        raise DataError(f"durations: group column(s) {missing} not found; available {list(ep.columns)}.")
    return dict(ep.groupby(cols if len(cols) > 1 else cols[0], observed=True, sort=True).indices)


def _observed_from(ep: pd.DataFrame, observed_from: DateLike | None) -> pd.Timestamp | None:
    if observed_from is not None:
        return pd.Timestamp(observed_from).normalize()
    if "observed_from" in ep.attrs:
        return pd.Timestamp(ep.attrs["observed_from"]).normalize()
    return None


def durations(
    df: pd.DataFrame,
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
    df:
        Trajectory table (or an episode table).
    by:
        Column(s) to group by, e.g. ``"productcategorie"``, ``"aanbieder"``.
    as_of:
        Censoring date (default ``attrs['as_of']`` or the latest date).
    observed_from:
        First date of the extract when it holds only trajectories active on
        or after it (default ``attrs['observed_from']`` if set). Trajectories
        that began earlier enter the risk set at that date (left truncation),
        which removes the over-representation of long trajectories.
    tau_days:
        Horizon of the restricted mean duration (default 4 years).
    max_gap_days:
        Passed to :func:`episodes`.

    Returns
    -------
    DurationResult
    """
    ep = episodes(df, max_gap_days=max_gap_days, as_of=as_of)
    ref = pd.Timestamp(ep.attrs["as_of"])
    obs = _observed_from(ep, observed_from)
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
    groups = _group_indices(ep, by)
    for key, idx in groups.items():
        gd, gev = d[idx], ev[idx]
        gentry = entry[idx] if entry is not None else None
        kmf = _fit_km_safe(gd, gev, gentry)
        if kmf is None:
            continue
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
        summary=summary,
        buckets=buckets,
        trend=trend,
        survival=survival,
        tau_days=float(tau_days),
        as_of=ref,
        observed_from=obs,
    )


# --------------------------------------------------------------------------- extensions


@dataclass
class ExtensionsResult:
    """Result of :func:`extensions`.

    Attributes
    ----------
    per_trajectory:
        One row per trajectory with ``n_toewijzingen`` and ``n_verlengingen``.
    summary:
        Per product category plus a ``"totaal"`` row: ``n_trajectories``,
        ``n_extended`` (>= 1 extension), ``n_extended_2plus`` (>= 2),
        ``mean_extensions``, ``share_extended``, ``share_extended_2plus``.
    distribution:
        Number of trajectories by number of extensions (0, 1, 2, 3, ``"4+"``).
    """

    per_trajectory: pd.DataFrame
    summary: pd.DataFrame
    distribution: pd.DataFrame


def extensions(
    df: pd.DataFrame,
    *,
    by: str = "productcategorie",
    max_gap_days: int = DEFAULT_MAX_GAP_DAYS,
    as_of: DateLike | None = None,
    completed_only: bool = False,
) -> ExtensionsResult:
    """Count extensions (*verlengingen*) per trajectory.

    An extension is a successive assignment of the same client, aanbieder and
    product category that starts within ``max_gap_days`` of the previous one
    ending, or a first assignment carrying ``reden_wijziging`` 04
    (*herbeoordeling: verlenging toewijzing*, an extension in place). A chain
    of one assignment extended in place counts as one extension (the message
    does not tell how often it was extended).

    Parameters
    ----------
    df:
        Trajectory table.
    by:
        Grouping column of the summary (default ``productcategorie``).
    max_gap_days, as_of:
        Passed to :func:`episodes`.
    completed_only:
        Count completed trajectories only (running ones may still be extended).

    Returns
    -------
    ExtensionsResult
    """
    ep = episodes(df, max_gap_days=max_gap_days, as_of=as_of)
    if completed_only:
        ep = ep.loc[~ep["lopend"]]
    n_ext = ep["n_verlengingen"].to_numpy()
    frame = pd.DataFrame(
        {
            "group": ep[by].astype(object).to_numpy(),
            "n": 1,
            "ext1": (n_ext >= 1).astype(np.int64),
            "ext2": (n_ext >= 2).astype(np.int64),
            "n_ext": n_ext,
        }
    )
    g = frame.groupby("group", sort=True).sum()
    g.loc["totaal"] = frame[["n", "ext1", "ext2", "n_ext"]].sum()
    summary = pd.DataFrame(
        {
            "n_trajectories": g["n"].astype(np.int64),
            "n_extended": g["ext1"].astype(np.int64),
            "n_extended_2plus": g["ext2"].astype(np.int64),
            "mean_extensions": g["n_ext"] / g["n"],
            "share_extended": g["ext1"] / g["n"],
            "share_extended_2plus": g["ext2"] / g["n"],
        }
    )
    summary.index.name = by
    capped = np.minimum(n_ext, 4)
    cnt = np.bincount(capped, minlength=5)
    distribution = pd.DataFrame(
        {"n_extensions": ["0", "1", "2", "3", "4+"], "n_trajectories": cnt[:5]}
    ).set_index("n_extensions")
    cols = [
        "client_id", "aanbieder", "productcategorie", "toewijzingnummer", "begindatum", "einddatum",
        "lopend", "n_toewijzingen", "n_verlengingen",
    ]  # fmt: skip
    return ExtensionsResult(per_trajectory=ep[cols], summary=summary, distribution=distribution)


# --------------------------------------------------------------------------- care paths


@dataclass
class CarePathsResult:
    """Result of :func:`care_paths`.

    Attributes
    ----------
    transitions:
        Counts from product category (rows) to the category of the client's
        next trajectory (columns), plus ``"uit zorg"`` (completed, no next
        trajectory within ``out_of_care_days`` and at least that long ago),
        ``"lopend"`` (still running, no next yet) and ``"onbekend"`` (ended
        recently, no next yet).
    share_sequential:
        Share of clients with two or more trajectories.
    n_clients:
        Number of clients.
    common_paths:
        ``path`` (categories joined by ``" → "``), ``n_clients``, ``share``.
    time_to_next:
        Per category: ``n`` (completed trajectories followed by another),
        ``share_overlapping`` (next began before this one ended), and the
        median / quartiles of the days without care before the next.
    scale_down:
        Per category (and ``"totaal"``), outcomes of completed trajectories:
        ``n_lighter``, ``n_same``, ``n_heavier``, ``n_other`` (next has no
        intensity, e.g. jeugdbescherming), ``n_out_of_care``, ``n_unknown``,
        and ``rate_lighter``, ``rate_out_of_care``, ``scale_down_rate``
        (lighter or out of care), all over the classified outcomes.
    """

    transitions: pd.DataFrame
    share_sequential: float
    n_clients: int
    common_paths: pd.DataFrame
    time_to_next: pd.DataFrame
    scale_down: pd.DataFrame


def care_paths(
    df: pd.DataFrame,
    *,
    max_gap_days: int = DEFAULT_MAX_GAP_DAYS,
    as_of: DateLike | None = None,
    out_of_care_days: int = 365,
    max_len: int = 6,
    top: int = 10,
) -> CarePathsResult:
    """Care paths: the sequence of trajectories per client.

    Trajectories (chains of assignments, see :func:`episodes`) of a client are
    ordered by ``begindatum``. The *next* trajectory of a trajectory is the
    client's following one in that order (it may overlap when care runs in
    parallel).

    Parameters
    ----------
    df:
        Trajectory table.
    max_gap_days, as_of:
        Passed to :func:`episodes`.
    out_of_care_days:
        A completed trajectory without a next one counts as "out of care"
        when it ended at least this many days before ``as_of``; otherwise the
        outcome is unknown.
    max_len:
        Paths longer than this are truncated (shown ending in ``"…"``).
    top:
        Number of most common paths to return.

    Returns
    -------
    CarePathsResult
    """
    ep = episodes(df, max_gap_days=max_gap_days, as_of=as_of)
    ref_day = (pd.Timestamp(ep.attrs["as_of"]) - pd.Timestamp("1970-01-01")).days
    n = len(ep)
    if n == 0:
        raise DataError("care_paths: the trajectory table is empty.")
    client = pd.factorize(ep["client_id"])[0].astype(np.int64)
    catc, cat_uniques = pd.factorize(ep["productcategorie"].astype(object), sort=True)
    cat_uniques = np.asarray(cat_uniques, dtype=object)
    k = len(cat_uniques)
    b = day_numbers(ep["begindatum"])
    e = day_numbers(ep["einddatum"])
    running = ep["lopend"].to_numpy(dtype=bool)
    order = np.lexsort((np.where(running, 2**30, e), b, client))
    cs, ks, bs, es, rs = client[order], catc[order], b[order], e[order], running[order]
    has_next = np.zeros(n, dtype=bool)
    has_next[:-1] = cs[1:] == cs[:-1]
    nxt = np.r_[ks[1:], -1]
    nxt_b = np.r_[bs[1:], 0]
    n_clients = int(client.max() + 1)
    per_client = np.bincount(cs, minlength=n_clients)
    share_seq = float((per_client >= 2).mean())
    # transitions
    dest = np.where(has_next, nxt, -1)
    out_ok = ~has_next & ~rs & (es + out_of_care_days <= ref_day)
    dest = np.where(~has_next & rs, k + 1, dest)  # lopend
    dest = np.where(out_ok, k, dest)  # uit zorg
    dest = np.where(~has_next & ~rs & ~out_ok, k + 2, dest)  # onbekend
    mat = np.bincount(ks * (k + 3) + dest, minlength=k * (k + 3)).reshape(k, k + 3)
    names = [str(c) for c in cat_uniques]
    transitions = pd.DataFrame(mat, index=pd.Index(names, name="van"), columns=[*names, "uit zorg", "lopend", "onbekend"])
    transitions.columns.name = "naar"
    # common paths, encoded as integers (5 bits per step)
    starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    base = 32 if k < 31 else 64
    # paths are packed into float64 integers (exact below 2**53): refuse what would not fit
    if k >= base - 1 or max_len * np.log2(base) + 1 > 52:
        raise ValueError(f"care_paths: max_len={max_len} with {k} categories does not fit the path encoding; "
                         f"use max_len <= {int(51 // np.log2(base))} and fewer than 63 categories.")
    in_path = pos < max_len
    weights = (ks[in_path] + 1).astype(np.float64) * np.power(float(base), pos[in_path])
    code = np.bincount(cs[in_path], weights=weights, minlength=n_clients).astype(np.int64)
    trunc = per_client > max_len
    code = code * 2 + trunc
    uniq, cnt = np.unique(code, return_counts=True)
    top_idx = np.argsort(-cnt, kind="stable")[:top]
    paths = []
    for u, c in zip(uniq[top_idx], cnt[top_idx], strict=True):
        t, v, steps = u % 2, u // 2, []
        while v:
            steps.append(names[v % base - 1])
            v //= base
        paths.append({"path": " → ".join(steps) + (" → …" if t else ""), "n_clients": int(c), "share": c / n_clients})
    common = pd.DataFrame(paths)
    # time to next
    done_next = has_next & ~rs
    gap = nxt_b - es - 1
    ttn_rows = []
    for j in [*range(k), -1]:
        sel = done_next & ((ks == j) if j >= 0 else True)
        g = gap[sel]
        pos_g = g[g >= 0]
        ttn_rows.append(
            {
                "productcategorie": names[j] if j >= 0 else "totaal",
                "n": int(sel.sum()),
                "share_overlapping": float((g < 0).mean()) if g.size else np.nan,
                "median_days": float(np.median(pos_g)) if pos_g.size else np.nan,
                "q25_days": float(np.quantile(pos_g, 0.25)) if pos_g.size else np.nan,
                "q75_days": float(np.quantile(pos_g, 0.75)) if pos_g.size else np.nan,
            }
        )
    time_to_next = pd.DataFrame(ttn_rows).set_index("productcategorie")
    # scale-down
    inten_map = intensity()
    inten = np.array([inten_map.get(c, np.nan) for c in names] + [np.nan])
    done = ~rs
    cur_i = inten[ks]
    nxt_i = inten[np.where(has_next, nxt, k)]
    outcome = np.full(n, -1)
    nxt_known = has_next & ~np.isnan(nxt_i) & ~np.isnan(cur_i)
    outcome[has_next & ~nxt_known] = 3  # other
    outcome[nxt_known & (nxt_i < cur_i)] = 0
    outcome[nxt_known & (nxt_i == cur_i)] = 1
    outcome[nxt_known & (nxt_i > cur_i)] = 2
    outcome[~has_next & out_ok] = 4
    outcome[~has_next & ~out_ok] = 5
    sel = done
    mat2 = np.bincount(ks[sel] * 6 + outcome[sel], minlength=k * 6).reshape(k, 6)
    sd = pd.DataFrame(
        mat2,
        index=pd.Index(names, name="productcategorie"),
        columns=["n_lighter", "n_same", "n_heavier", "n_other", "n_out_of_care", "n_unknown"],
    )
    sd.loc["totaal"] = sd.sum()
    classified = sd[["n_lighter", "n_same", "n_heavier", "n_other", "n_out_of_care"]].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd["rate_lighter"] = sd["n_lighter"] / classified
        sd["rate_out_of_care"] = sd["n_out_of_care"] / classified
        sd["scale_down_rate"] = (sd["n_lighter"] + sd["n_out_of_care"]) / classified
    return CarePathsResult(
        transitions=transitions,
        share_sequential=share_seq,
        n_clients=n_clients,
        common_paths=common,
        time_to_next=time_to_next,
        scale_down=sd,
    )


# --------------------------------------------------------------------------- flows


def _period_bounds(
    freq: Literal["year", "quarter"], first: pd.Timestamp, last: pd.Timestamp
) -> tuple[pd.PeriodIndex, np.ndarray]:
    code = {"year": "Y", "quarter": "Q"}.get(freq)
    if code is None:
        raise ValueError(f"freq must be 'year' or 'quarter', not {freq!r}")
    periods = pd.period_range(first.to_period(code), last.to_period(code), freq=code)
    starts = periods.start_time.normalize()
    bounds = np.r_[
        ((starts - pd.Timestamp("1970-01-01")).days).to_numpy(),
        ((periods[-1].end_time.normalize() + pd.Timedelta(days=1)) - pd.Timestamp("1970-01-01")).days,
    ].astype(np.int64)
    return periods, bounds


def flows(
    df: pd.DataFrame,
    freq: Literal["year", "quarter"] = "year",
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    by: str | None = None,
    as_of: DateLike | None = None,
    max_gap_days: int = DEFAULT_MAX_GAP_DAYS,
) -> pd.DataFrame:
    """Inflow, outflow and stock of trajectories per period.

    ``inflow(t)`` counts trajectories starting in period ``t``,
    ``outflow(t)`` those whose last day of care falls in ``t``, and
    ``stock_end(t)`` those running at the end of ``t`` (started on or before
    its last day, not yet ended). By construction
    ``stock_end(t) = stock_start(t) + inflow(t) - outflow(t)`` and
    ``stock_start(t) = stock_end(t-1)`` hold exactly.

    Parameters
    ----------
    df:
        Trajectory table.
    freq:
        ``"year"`` or ``"quarter"``.
    start, end:
        First and last period (dates inside them). Default: from
        ``attrs['observed_from']`` (or the first start date) to ``as_of``.
    by:
        Optional grouping column (e.g. ``productcategorie``).
    as_of, max_gap_days:
        Passed to :func:`episodes`.

    Returns
    -------
    DataFrame
        Index ``period`` (or ``(by, period)``), columns ``stock_start``,
        ``inflow``, ``outflow``, ``stock_end``, ``mean_duration_completed_days``
        (mean duration of the trajectories that ended in the period) and
        ``complete`` (``False`` for a period extending beyond ``as_of``).
    """
    ep = episodes(df, max_gap_days=max_gap_days, as_of=as_of)
    if ep.empty:
        raise DataError("flows: the trajectory table is empty.")
    ref = pd.Timestamp(ep.attrs["as_of"])
    if start is not None:
        first = pd.Timestamp(start)
    elif "observed_from" in ep.attrs:
        first = pd.Timestamp(ep.attrs["observed_from"])
    else:
        first = ep["begindatum"].min()
    last = pd.Timestamp(end) if end is not None else ref
    periods, bounds = _period_bounds(freq, first, last)
    p = len(periods)
    b = day_numbers(ep["begindatum"])
    e = day_numbers(ep["einddatum"])
    running = ep["lopend"].to_numpy(dtype=bool)
    dur = ep["duur_dagen"].to_numpy(dtype=np.int64)
    if by is None:
        gcode, gnames = np.zeros(len(ep), dtype=np.int64), np.array(["totaal"], dtype=object)
    else:
        if by not in ep.columns:
            raise DataError(f"flows: column {by!r} not found; available {list(ep.columns)}.")
        gcode, gnames = pd.factorize(ep[by].astype(object), sort=True)
        gcode = gcode.astype(np.int64)
    ng = len(gnames)
    in_idx = np.searchsorted(bounds, b, side="right") - 1
    out_idx = np.where(running, -1, np.searchsorted(bounds, e, side="right") - 1)
    in_ok = (in_idx >= 0) & (in_idx < p)
    out_ok = (out_idx >= 0) & (out_idx < p) & ~running
    inflow = np.bincount(gcode[in_ok] * p + in_idx[in_ok], minlength=ng * p).reshape(ng, p)
    outflow = np.bincount(gcode[out_ok] * p + out_idx[out_ok], minlength=ng * p).reshape(ng, p)
    dur_sum = np.bincount(gcode[out_ok] * p + out_idx[out_ok], weights=dur[out_ok], minlength=ng * p).reshape(ng, p)
    opening_mask = (b < bounds[0]) & (running | (e >= bounds[0]))
    opening = np.bincount(gcode[opening_mask], minlength=ng)
    stock_end = opening[:, None] + np.cumsum(inflow - outflow, axis=1)
    stock_start = np.concatenate([opening[:, None], stock_end[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_dur = np.where(outflow > 0, dur_sum / np.maximum(outflow, 1), np.nan)
    ref_day = (ref - pd.Timestamp("1970-01-01")).days
    complete = bounds[1:] - 1 <= ref_day
    labels = periods.astype(str)
    frame = pd.DataFrame(
        {
            "stock_start": stock_start.ravel(),
            "inflow": inflow.ravel(),
            "outflow": outflow.ravel(),
            "stock_end": stock_end.ravel(),
            "mean_duration_completed_days": mean_dur.ravel(),
            "complete": np.tile(complete, ng),
        }
    )
    if by is None:
        frame.index = pd.Index(labels, name="period")
    else:
        frame.index = pd.MultiIndex.from_product([list(gnames), list(labels)], names=[by, "period"])
    frame.attrs["as_of"] = str(ref.date())
    return frame
