"""A long wijk x year panel of the KWB tables that marks every boundary change."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from jeugdlib.data.cbs.kwb import _KWB_DEFAULT, KWB_COLUMNS, KWB_TABLES, kwb
from jeugdlib.errors import DataError
from jeugdlib.io import normalise_code

__all__ = ["wijk_panel"]


def _check_years(years: Sequence[int]) -> list[int]:
    ys = sorted({int(y) for y in years})
    if not ys:
        raise DataError("wijk_panel(years=[]): give at least one year, e.g. range(2018, 2025).")
    unknown = [y for y in ys if y not in KWB_TABLES]
    if unknown:
        raise DataError(
            f"wijk_panel: no KWB table for {unknown}; supported years are {min(KWB_TABLES)}-{max(KWB_TABLES)}."
        )
    gaps = [y for y in range(ys[0], ys[-1] + 1) if y not in ys]
    if gaps:
        raise DataError(
            f"wijk_panel: years {ys} skip {gaps}. A boundary change is recorded against the previous year's "
            "table, so a skipped year could hide one; ask for consecutive years and select afterwards."
        )
    return ys


def wijk_panel(
    years: Sequence[int],
    columns: Sequence[str] | None = None,
    *,
    gemeenten: Sequence[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Wijk rows of several KWB years in long form, each flagged for a boundary change since the year before.

    Each year's rows come from :func:`jeugdlib.data.cbs.kwb` (codes of that year's boundaries).
    A wijk row of year ``t`` is marked ``grens_gewijzigd`` when its code did not exist in
    ``t - 1`` or when CBS's own field *indelingswijziging* of the ``t`` table says the region
    changed since the previous table (any code other than 1; CBS uses 2 and 3 for recoded and
    redrawn regions; the key was renamed in 2022, both names are read). Almere, for instance,
    redrew its 6 wijken into 71 in 2022, and CBS marks 5 of the 6 old wijken as changed in 2020
    and all 6 in 2021.

    Trends must stay within one ``reeks`` (series): the wijk code plus the first year of an
    unbroken run without boundary changes, e.g. ``panel.groupby("reeks")["inwoners"].diff()``.
    A wijk that disappears has no row in the later year; its last run simply ends.

    Parameters
    ----------
    years : sequence of int
        Consecutive KWB years (2017-2025), e.g. ``range(2018, 2025)``.
    columns : sequence of str, optional
        Harmonised names of :data:`jeugdlib.data.cbs.KWB_COLUMNS` (default as :func:`kwb`).
        ``indelingswijziging`` is always added.
    gemeenten : sequence of str, optional
        Keep the wijken of these gemeente codes (``GM0034``) only; default all.
    cache_dir, client
        As in :func:`jeugdlib.data.cbs.fetch`.

    Returns
    -------
    pandas.DataFrame
        One row per wijk and year, sorted by ``wijkcode, jaar``: ``wijkcode, gemeentecode, naam,
        jaar``, the columns, ``indelingswijziging`` (CBS's code, float), ``voorlopig``,
        ``nieuwe_code`` and ``grens_gewijzigd`` (nullable booleans, missing in the first panel
        year: nothing to compare with) and ``reeks``.

    Raises
    ------
    DataError
        Unknown or non-consecutive years, unknown columns or gemeente codes in the wrong form.
    """
    ys = _check_years(years)
    cols = list(_KWB_DEFAULT if columns is None else columns)
    unknown = [c for c in cols if c not in KWB_COLUMNS]
    if unknown:
        raise DataError(f"wijk_panel: unknown KWB column name(s) {unknown}; choose from {', '.join(KWB_COLUMNS)}.")
    wanted = [*dict.fromkeys([*cols, "indelingswijziging"])]
    keep = None
    if gemeenten is not None:
        codes = normalise_code(
            pd.Series(list(gemeenten), dtype=object), "gemeente", column="gemeenten", source="wijk_panel"
        )
        keep = set(codes)
    frames = []
    for y in ys:
        f = kwb(y, "wijk", columns=wanted, cache_dir=cache_dir, client=client)
        if keep is not None:
            f = f[f["gemeentecode"].isin(keep)]
        frames.append(f)
    panel = pd.concat(frames, ignore_index=True).sort_values(["wijkcode", "jaar"], ignore_index=True)
    prev_codes = {y: set(f["wijkcode"]) for y, f in zip(ys, frames, strict=True)}
    first = panel["jaar"] == ys[0]
    existed = np.array(
        [code in prev_codes.get(y - 1, set()) for code, y in zip(panel["wijkcode"], panel["jaar"], strict=True)]
    )
    ind = panel["indelingswijziging"]
    redrawn = (ind.notna() & (ind != 1)).to_numpy()
    panel["nieuwe_code"] = pd.array(~existed, dtype="boolean")
    panel["grens_gewijzigd"] = pd.array(~existed | redrawn, dtype="boolean")
    panel.loc[first, ["nieuwe_code", "grens_gewijzigd"]] = pd.NA
    # a run starts at a wijk's first row and at every change; its name is the code and that year
    start = (panel["grens_gewijzigd"].fillna(True)).to_numpy() | ~existed
    start_year = pd.Series(np.where(start, panel["jaar"], np.nan), index=panel.index)
    start_year = start_year.groupby(panel["wijkcode"]).ffill().astype(int)
    panel["reeks"] = panel["wijkcode"] + ":" + start_year.astype(str)
    lead = ["wijkcode", "gemeentecode", "naam", "jaar", *cols, "indelingswijziging", "voorlopig"]
    return panel[[*dict.fromkeys(lead), "nieuwe_code", "grens_gewijzigd", "reeks"]]
