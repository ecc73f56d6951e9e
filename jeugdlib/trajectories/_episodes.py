"""Linking successive assignments into care trajectories (episodes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.trajectories._chain import RUNNING_DAY, chain_ids, chain_order, new_key_mask
from jeugdlib.trajectories._codes import VERLENGING
from jeugdlib.trajectories._data import DateLike, LoadedTable, synthetic_attrs, window
from jeugdlib.trajectories._simulate import SimulatedTrajectories

__all__ = ["DEFAULT_MAX_GAP_DAYS", "episodes"]

#: Successive assignments at most this many days apart continue the same trajectory.
DEFAULT_MAX_GAP_DAYS: int = 7

_NEEDED = ("client_id", "aanbieder", "productcategorie", "begindatum", "einddatum")
_EPISODE_MARK = "n_verlengingen"


def _check(df: pd.DataFrame, func: str) -> None:
    missing = [c for c in _NEEDED if c not in df.columns]
    if missing:
        raise DataError(
            f"{func}: column(s) {missing} missing; pass a table from load_trajectories or simulate_trajectories."
        )
    if not pd.api.types.is_datetime64_any_dtype(df["begindatum"]) or not pd.api.types.is_datetime64_any_dtype(
        df["einddatum"]
    ):
        raise DataError(
            f"{func}: begindatum/einddatum are not dates (dtype {df['begindatum'].dtype}, "
            f"{df['einddatum'].dtype}); load the table with load_trajectories first."
        )


def default_as_of(df: pd.DataFrame, as_of: DateLike | None) -> pd.Timestamp:
    """Censoring date: ``as_of``; else, for an episode table, the date its running rows were
    censored at; else the latest date in the table."""
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    if _EPISODE_MARK in df.columns and "duur_dagen" in df.columns and bool(df["lopend"].any()):
        # running trajectories last up to and including the censoring date: begin + duration - 1
        run = df.loc[df["lopend"].to_numpy(dtype=bool)]
        last = run["begindatum"] + pd.to_timedelta(run["duur_dagen"] - 1, unit="D")
        return pd.Timestamp(last.max()).normalize()
    dates = [df["begindatum"].max(), df["einddatum"].max()]
    dates = [d for d in dates if pd.notna(d)]
    if not dates:
        raise DataError("the trajectory table is empty; nothing to analyse.")
    return pd.Timestamp(max(dates)).normalize()


def day_numbers(s: pd.Series) -> np.ndarray:
    """Dates as int64 days since 1970-01-01; NaT -> -1."""
    v = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = v.astype(np.int64)
    out[np.isnat(v)] = -1
    return out


def episodes(
    data: pd.DataFrame | LoadedTable | SimulatedTrajectories,
    *,
    max_gap_days: int = DEFAULT_MAX_GAP_DAYS,
    as_of: DateLike | None = None,
) -> pd.DataFrame:
    """Link successive assignments of one client into care trajectories.

    Rows of the same ``client_id``, ``aanbieder`` and ``productcategorie``
    where the next starts at most ``max_gap_days`` days after the previous
    ended (or overlaps it) form one trajectory: a chain of assignments, e.g. an
    assignment and its extensions. Extensions are counted as
    ``(rows in the chain - 1)`` plus one when the first row itself carries
    ``reden_wijziging`` 04 (*herbeoordeling: verlenging*; the assignment was
    extended in place).

    Parameters
    ----------
    data:
        Trajectory table from :func:`read_trajectories` / :func:`load_trajectories`
        or :func:`simulate_trajectories`. A table that already is an episode
        table (has ``n_verlengingen``) is returned unchanged.
    max_gap_days:
        Largest number of days without an assignment that still continues the
        trajectory (default 7).
    as_of:
        Censoring date: rows starting later are ignored and end dates after
        it count as running. Default: the ``as_of`` of a :class:`LoadedTable` or
        :class:`SimulatedTrajectories`, else the latest date in the table (for a plain
        DataFrame with a :class:`jeugdlib.JeugdlibWarning` saying so).

    Returns
    -------
    DataFrame
        One row per trajectory: ``client_id``, ``gemeentecode``,
        ``aanbieder``, ``productcategorie``, ``productcode`` and ``verwijzer``
        (of the first assignment), ``toewijzingnummer`` (first), ``begindatum``,
        ``einddatum`` (``NaT`` = running at ``as_of``), ``reden_beeindiging``
        (of the last assignment), ``n_toewijzingen``, ``n_verlengingen``,
        ``lopend`` (running) and ``duur_dagen`` (days in care, counting both
        the first and the last day; running trajectories up to ``as_of``, so
        the censoring date is ``begindatum + duur_dagen - 1`` of any running row).
    """
    if isinstance(data, pd.DataFrame) and _EPISODE_MARK in data.columns:
        return data  # already an episode table: its window does not matter here
    df, as_of, _ = window(data, as_of, func="episodes")
    if _EPISODE_MARK in df.columns:
        return df
    _check(df, "episodes")
    ref = default_as_of(df, as_of)
    ref_day = np.int64((ref - pd.Timestamp("1970-01-01")).days)
    b_all = day_numbers(df["begindatum"])
    keep = b_all <= ref_day
    src = df if keep.all() else df.loc[keep]
    n = len(src)
    if n == 0:  # nothing to link (the arrays below would be empty): say why instead of failing on them
        raise DataError(
            "the trajectory table has no rows; nothing to analyse."
            if len(df) == 0
            else f"none of the {len(df)} trajectories starts on or before {ref.date()} (as_of); nothing to "
            "analyse. Pass the as_of (peildatum) of the extract, or check begindatum."
        )
    b = b_all[keep]
    e = day_numbers(src["einddatum"])
    running = (e < 0) | (e > ref_day)
    big = RUNNING_DAY
    e_cmp = np.where(running, big, e)
    client = pd.factorize(src["client_id"])[0].astype(np.int64)
    prov = pd.factorize(src["aanbieder"])[0].astype(np.int64)
    cat = pd.factorize(src["productcategorie"])[0].astype(np.int64)
    order = chain_order((client, prov, cat), b, e_cmp)
    bs, es = b[order], e_cmp[order]
    ep_id = chain_ids(new_key_mask(client[order], prov[order], cat[order]), bs, es, max_gap_days=max_gap_days)
    new_ep = np.ones(n, dtype=bool)
    new_ep[1:] = ep_id[1:] != ep_id[:-1]
    starts = np.flatnonzero(new_ep)
    ends_excl = np.r_[starts[1:], n]
    last_rows = ends_excl - 1
    max_e = np.maximum.reduceat(es, starts) if n else es
    n_rows = ends_excl - starts
    first_pos = order[starts]
    if "reden_wijziging" in src.columns:
        rw = src["reden_wijziging"].to_numpy(dtype=object)[first_pos]
        first_ext = (rw == VERLENGING).astype(np.int64)
    else:
        first_ext = np.zeros(len(starts), dtype=np.int64)
    # last-ending row of each episode for reden_beeindiging: rows are sorted by (b, e); take the row
    # with the largest e (ties: the later one)
    by_end = np.lexsort((es, ep_id))
    last_end_pos = order[by_end[last_rows]]
    out = pd.DataFrame(
        {
            "client_id": src["client_id"].to_numpy()[first_pos],
            "gemeentecode": _take_col(src, "gemeentecode", first_pos),
            "aanbieder": _take_col(src, "aanbieder", first_pos),
            "productcategorie": _take_col(src, "productcategorie", first_pos),
            "productcode": _take_col(src, "productcode", first_pos),
            "verwijzer": _take_col(src, "verwijzer", first_pos),
            "toewijzingnummer": _take_col(src, "toewijzingnummer", first_pos),
            "begindatum": bs[starts].astype("datetime64[D]").astype("datetime64[ns]"),
        }
    )
    is_running = max_e >= big
    end = np.where(is_running, 0, max_e).astype("datetime64[D]").astype("datetime64[ns]")
    end[is_running] = np.datetime64("NaT")
    out["einddatum"] = end
    rb = _take_col(src, "reden_beeindiging", last_end_pos)
    rb = rb.copy()
    rb[is_running] = np.nan if isinstance(rb, pd.Categorical) else None
    out["reden_beeindiging"] = rb
    out["n_toewijzingen"] = n_rows
    out["n_verlengingen"] = n_rows - 1 + first_ext
    out["lopend"] = is_running
    out["duur_dagen"] = np.where(is_running, ref_day, max_e) - bs[starts] + 1
    out.attrs = synthetic_attrs(df)
    return out


def _take_col(src: pd.DataFrame, col: str, pos: np.ndarray) -> pd.Categorical | np.ndarray:
    if col not in src.columns:
        return np.full(len(pos), None, dtype=object)
    s = src[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.array.take(pos)
    return s.to_numpy()[pos]
