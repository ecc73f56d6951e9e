"""Extensions, care paths and flows of youth-care trajectories.

All functions accept the assignment-level table (a DataFrame or :class:`LoadedTable`
from :func:`read_trajectories`, or :class:`SimulatedTrajectories`) or an episode table
from :func:`episodes`; a plain DataFrame does not carry the observation window, so
without an explicit ``as_of`` a :class:`jeugdlib.JeugdlibWarning` says what is assumed.
They return raw (unprotected) counts: pass counts through
:func:`jeugdlib.disclosure.protect` before publishing them. Durations are in
:mod:`jeugdlib.trajectories._durations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io import mask_headers, mask_value
from jeugdlib.results import Result, tidy_frame
from jeugdlib.trajectories._codes import intensity
from jeugdlib.trajectories._data import DateLike, LoadedTable, window
from jeugdlib.trajectories._durations import BUCKETS, DurationResult, durations
from jeugdlib.trajectories._episodes import DEFAULT_MAX_GAP_DAYS, day_numbers, default_as_of, episodes
from jeugdlib.trajectories._results import SummaryAlias, wilson_rows
from jeugdlib.trajectories._simulate import SimulatedTrajectories

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

TrajectoryData = pd.DataFrame | LoadedTable | SimulatedTrajectories

# --------------------------------------------------------------------------- extensions


@dataclass
class ExtensionsResult(Result):
    """Result of :func:`extensions` (result protocol: ``tidy()``, ``summary()``).

    Attributes
    ----------
    per_trajectory:
        One row per trajectory with ``n_toewijzingen`` and ``n_verlengingen``.
    table:
        Per product category plus a ``"totaal"`` row: ``n_trajectories``,
        ``n_extended`` (>= 1 extension), ``n_extended_2plus`` (>= 2),
        ``mean_extensions``, ``share_extended``, ``share_extended_2plus``.
        (Formerly ``summary``; ``result.summary.<...>`` still reaches it, deprecated.)
    distribution:
        Number of trajectories by number of extensions (0, 1, 2, 3, ``"4+"``).
    """

    result_name: ClassVar[str] = "extension rates (share of trajectories, Wilson intervals)"

    per_trajectory: pd.DataFrame
    table: pd.DataFrame
    distribution: pd.DataFrame

    @property
    def summary(self) -> SummaryAlias:  # type: ignore[override]
        """``summary()``: printable text. (Attribute access reaches :attr:`table`, deprecated.)"""
        return SummaryAlias(self)

    def summary_text(self, level: float = 0.95) -> str:
        """The extension rates per group with their intervals, as text."""
        return Result.summary(self, level=level)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Extension rates per group: terms ``share_extended`` and ``share_extended_2plus``.

        ``estimate`` is the share of trajectories, ``std_error`` the binomial
        ``sqrt(p (1 - p) / n)`` and ``ci_low``/``ci_high`` the **Wilson score** interval
        (statsmodels ``proportion_confint(method="wilson")``), which stays inside [0, 1]
        for small groups and shares near 0 or 1. ``statistic``/``p_value`` are NaN (no
        null hypothesis). Extra columns: ``n_obs`` (trajectories), ``group`` (including
        ``"totaal"``).
        """
        t = self.table
        n = t["n_trajectories"].to_numpy(dtype=float)
        frames = []
        for term, col in (("share_extended", "n_extended"), ("share_extended_2plus", "n_extended_2plus")):
            p, se, lo, hi = wilson_rows(t[col].to_numpy(dtype=float), n, level)
            nan = np.full(len(t), np.nan)
            frames.append(
                tidy_frame(
                    [term] * len(t),
                    p,
                    se,
                    level=level,
                    statistic=nan,
                    p_value=nan,
                    ci_low=lo,
                    ci_high=hi,
                    extra={"n_obs": t["n_trajectories"].to_numpy(), "group": list(t.index)},
                )
            )
        return pd.concat(frames, ignore_index=True)


def extensions(
    data: TrajectoryData,
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
    data:
        Trajectory table (DataFrame, :class:`LoadedTable` or :class:`SimulatedTrajectories`).
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
    df, as_of, _ = window(data, as_of, func="extensions")
    ep = episodes(df, max_gap_days=max_gap_days, as_of=default_as_of(df, as_of))
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
    distribution = pd.DataFrame({"n_extensions": ["0", "1", "2", "3", "4+"], "n_trajectories": cnt[:5]}).set_index(
        "n_extensions"
    )
    cols = [
        "client_id", "aanbieder", "productcategorie", "toewijzingnummer", "begindatum", "einddatum",
        "lopend", "n_toewijzingen", "n_verlengingen",
    ]  # fmt: skip
    return ExtensionsResult(per_trajectory=ep[cols], table=summary, distribution=distribution)


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
    data: TrajectoryData,
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
    data:
        Trajectory table (DataFrame, :class:`LoadedTable` or :class:`SimulatedTrajectories`).
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
    df, as_of, _ = window(data, as_of, func="care_paths")
    ref = default_as_of(df, as_of)
    ep = episodes(df, max_gap_days=max_gap_days, as_of=ref)
    ref_day = (ref - pd.Timestamp("1970-01-01")).days
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
    transitions = pd.DataFrame(
        mat, index=pd.Index(names, name="van"), columns=[*names, "uit zorg", "lopend", "onbekend"]
    )
    transitions.columns.name = "naar"
    # common paths, encoded as integers (5 bits per step)
    starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    base = 32 if k < 31 else 64
    # paths are packed into float64 integers (exact below 2**53): refuse what would not fit
    if k >= base - 1 or max_len * np.log2(base) + 1 > 52:
        raise ValueError(
            f"care_paths: max_len={max_len} with {k} categories does not fit the path encoding; "
            f"use max_len <= {int(51 // np.log2(base))} and fewer than 63 categories."
        )
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
    data: TrajectoryData,
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
    data:
        Trajectory table (DataFrame, :class:`LoadedTable` or :class:`SimulatedTrajectories`).
    freq:
        ``"year"`` or ``"quarter"``.
    start, end:
        First and last period (dates inside them). Default: from
        ``data.observed_from`` of a :class:`LoadedTable` / :class:`SimulatedTrajectories`
        (or the first start date) to ``as_of``. A plain DataFrame carries neither: without
        ``start``/``as_of`` a :class:`jeugdlib.JeugdlibWarning` says what is assumed.
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
    df, as_of, observed_from = window(
        data,
        as_of,
        func="flows",
        start_assumption=None
        if start is not None
        else ("the first period is that of the earliest begindatum in the table", "start=<start of the extract>"),
    )
    if df.empty:
        raise DataError("flows: the trajectory table is empty.")
    ref = default_as_of(df, as_of)
    ep = episodes(df, max_gap_days=max_gap_days, as_of=ref)
    if ep.empty:
        raise DataError("flows: the trajectory table is empty.")
    if start is not None:
        first = pd.Timestamp(start)
    elif observed_from is not None:
        first = observed_from
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
            raise DataError(f"flows: column {mask_value(by)} not found; available {mask_headers(ep.columns)}.")
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
    return frame
