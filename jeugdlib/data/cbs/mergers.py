"""Gemeente mergers (herindelingen) from the embedded ``gemeente_herindelingen.csv``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from jeugdlib.data import load_mergers
from jeugdlib.errors import DataError

__all__ = ["harmonise_gemeenten", "herindelingen", "successor_map"]


@lru_cache(maxsize=1)
def _herindelingen_cached() -> pd.DataFrame:
    """The merger table read and checked by :func:`jeugdlib.data.load_mergers` (one row per old gemeente)."""
    df = load_mergers()
    if "opmerking" in df.columns:
        df["opmerking"] = df["opmerking"].fillna("")  # an empty note stays "" (as this table always gave it)
    return df


def herindelingen() -> pd.DataFrame:
    """The embedded table of gemeente mergers (1 January 2016 to 1 January 2025).

    Returns
    -------
    pandas.DataFrame
        Columns ``ingangsjaar`` (first boundary year, 1 January, without the old
        gemeente), ``oude_gemeentecode``, ``oude_gemeentenaam``,
        ``nieuwe_gemeentecode``, ``nieuwe_gemeentenaam``, ``bron``,
        ``opmerking`` (partitions: the main successor is listed, the note names
        the others).
    """
    return _herindelingen_cached().copy()


_MERGER_YEARS = (2015, 2025)


def successor_map(from_year: int, to_year: int) -> dict[str, str]:
    """Map gemeente codes of boundary year ``from_year`` to codes of ``to_year``.

    Chains mergers (``GM0005`` Bedum 2018 -> ``GM1966`` Het Hogeland 2019).
    Only codes that change are in the map; a gemeente that was partitioned is
    mapped to its main successor (see ``opmerking`` in :func:`herindelingen`).

    Parameters
    ----------
    from_year, to_year : int
        Boundary years (1 January), ``2015 <= from_year <= to_year <= 2025``.

    Returns
    -------
    dict of str to str

    Raises
    ------
    DataError
        ``from_year > to_year`` (mergers cannot be undone) or years outside the
        range covered by the embedded table.
    """
    lo, hi = _MERGER_YEARS
    if from_year > to_year:
        raise DataError(
            f"successor_map({from_year}, {to_year}): cannot map codes backwards in time; merged "
            "gemeenten cannot be split. Harmonise to the latest boundary year instead."
        )
    if from_year < lo or to_year > hi:
        raise DataError(
            f"successor_map({from_year}, {to_year}): the embedded merger table covers boundary years "
            f"{lo}-{hi} (mergers of 1 January {lo + 1} to 1 January {hi})."
        )
    df = _herindelingen_cached()
    step = df[(df["ingangsjaar"] > from_year) & (df["ingangsjaar"] <= to_year)].sort_values("ingangsjaar")
    mapping: dict[str, str] = {}
    for old, new in zip(step["oude_gemeentecode"], step["nieuwe_gemeentecode"]):
        for k, v in mapping.items():
            if v == old:
                mapping[k] = new
        mapping[old] = new
    return mapping


def _successor_names() -> dict[str, str]:
    df = _herindelingen_cached()
    return dict(zip(df["nieuwe_gemeentecode"], df["nieuwe_gemeentenaam"]))


def harmonise_gemeenten(
    df: pd.DataFrame,
    code_col: str = "gemeentecode",
    year_col: str = "jaar",
    boundary_year: int = 2022,
    sum_cols: Sequence[str] | None = None,
    *,
    by: Sequence[str] = (),
    name_col: str | None = "gemeentenaam",
) -> pd.DataFrame:
    """Bring gemeente rows of several years to the boundaries of one year.

    Each row of year ``y`` with code ``c`` is relabelled with
    ``successor_map(y, boundary_year)``; rows that end up with the same code,
    year and ``by`` keys are summed.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per gemeente (per year, per ``by`` keys).
    code_col, year_col : str
        Columns with the ``GM`` code and the boundary year of that code.
    boundary_year : int
        Target boundary year.
    sum_cols : sequence of str, optional
        Count columns to add up; default all numeric columns except ``year_col``.
        Only counts can be summed: recompute shares and rates afterwards.
    by : sequence of str
        Extra grouping keys (e.g. ``("vorm",)``).
    name_col : str or None
        Name column; merged rows get the successor's name.

    Returns
    -------
    pandas.DataFrame
        The grouped frame with two added columns: ``n_bronnen`` (number of
        source gemeenten summed) and ``onvolledig`` (True where at least one but
        not all components of a sum column were missing, i.e. suppressed: the
        sum is an undercount). Boolean columns not in ``sum_cols`` are combined
        with *any*, other columns keep the first value. Sums of CBS counts that
        were rounded (to multiples of 5) are approximate.

    Raises
    ------
    DataError
        Missing columns, or rows of a year after ``boundary_year`` whose code
        does not exist in ``boundary_year`` (cannot be split back).
    """
    missing = [c for c in (code_col, year_col, *by) if c not in df.columns]
    if missing:
        raise DataError(f"harmonise_gemeenten: input lacks column(s) {missing}.")
    if sum_cols is None:
        sum_cols = [
            c
            for c in df.columns
            if c not in (year_col, *by)
            and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])
        ]
    else:
        bad = [c for c in sum_cols if c not in df.columns]
        if bad:
            raise DataError(f"harmonise_gemeenten: sum_cols {bad} are not in the input.")
    sum_cols = list(sum_cols)
    out = df.copy()
    codes = out[code_col].astype(str).str.strip()
    years = out[year_col].astype(int)
    new_codes = codes.copy()
    later = years > boundary_year
    if later.any():
        future = successor_map(boundary_year, min(int(years.max()), _MERGER_YEARS[1]))
        merged_later = set(future.values())
        bad_rows = out.index[later & codes.isin(merged_later)]
        if len(bad_rows):
            raise DataError(
                f"harmonise_gemeenten: rows {list(bad_rows[:10])} are of years after {boundary_year} with "
                f"gemeenten formed by later mergers ({sorted(set(codes[bad_rows]))}); they cannot be split "
                f"back to {boundary_year} boundaries. Use boundary_year={int(years.max())}."
            )
    for y in sorted(years[~later].unique()):
        m = successor_map(int(y), boundary_year)
        sel = years == y
        new_codes[sel] = codes[sel].map(lambda c, m=m: m.get(c, c))
    out[code_col] = new_codes
    if name_col is not None and name_col in out.columns:
        names = _successor_names()
        changed = new_codes != codes
        out.loc[changed, name_col] = new_codes[changed].map(names)

    keys = [code_col, year_col, *by]
    g = out.groupby(keys, sort=True, dropna=False)
    agg: dict[str, Any] = {}
    for c in out.columns:
        if c in keys:
            continue
        if c in sum_cols:
            agg[c] = lambda s: s.sum(min_count=1)
        elif pd.api.types.is_bool_dtype(out[c]):
            agg[c] = "any"
        else:
            agg[c] = "first"
    res = g.agg(agg) if agg else g.size().to_frame("_n").drop(columns="_n")
    res["n_bronnen"] = g.size()
    if sum_cols:
        n_missing = g[sum_cols].agg(lambda s: s.isna().sum())
        n_total = g.size()
        partial = n_missing.gt(0) & n_missing.lt(n_total, axis=0)
        res["onvolledig"] = partial.any(axis=1)
    else:
        res["onvolledig"] = False
    res = res.reset_index()
    return res[[*keys, *[c for c in res.columns if c not in keys]]]
