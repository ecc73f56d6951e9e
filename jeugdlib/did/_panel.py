"""Panel preparation and validation shared by the DiD estimators."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import parse_numeric

__all__: list[str] = []


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
    """``df[col]`` as float through :func:`jeugdlib.io.parse_numeric` (decimal comma accepted, text refused)."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    return parse_numeric(s, column=col, source=f"{source} ({what})").astype(float)


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
        raise DataError(f"{source}: time column {time!r} is missing at rows {_rows(out.index[out[time].isna()])}.")
    if out[unit].isna().any():
        raise DataError(f"{source}: unit column {unit!r} is missing at rows {_rows(out.index[out[unit].isna()])}.")
    _check_duplicates(out, unit, time, source)
    return out


def _balance(
    panel: pd.DataFrame, outcome: str, unit: str, time: str, cols: Sequence[str], how: str, source: str
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    times = np.sort(panel[time].unique())
    complete = panel.dropna(subset=list(cols))
    counts = complete.groupby(unit)[time].nunique()
    all_units = panel[unit].unique()
    n_obs = counts.reindex(all_units).fillna(0).to_numpy()
    bad = list(all_units[n_obs < len(times)])
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
            stacklevel=4,
        )
        notes.append(f"dropped {len(bad)} unit(s) to balance the panel")
        complete = complete[~complete[unit].isin(bad)]
    return complete, notes


@dataclass
class EventFrame:
    """A regression-ready panel (``_y, _unit, _time, _g, _cl, _unit_id``) and what was dropped."""

    data: pd.DataFrame
    n_missing: int


def _event_frame(
    df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, cluster: str | None, source: str
) -> EventFrame:
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
    return EventFrame(out, n_missing)
