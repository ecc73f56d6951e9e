"""Joining user-supplied wijk variables to wijk data: validated, reported, without row loss."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import Column, SourceLabel, format_rows, mask_headers, normalise_code, read_table
from jeugdlib.multilevel._common import _DATA_YEAR_COLUMNS, _ID_COLUMNS, _boundary_year_of

__all__ = ["JoinReport", "WijkJoin", "add_wijk_variables", "join_wijk_variables"]


def _items(values: Iterable, limit: int = 8) -> str:
    """``[a, b, c and 5 more]``: the codes or rows of a join message or report (at most 8 by default)."""
    return format_rows(values, limit)


@dataclass
class JoinReport:
    """What :func:`join_wijk_variables` / :func:`add_wijk_variables` matched: codes, rates, boundary years."""

    source: str
    on: str
    columns: list[str]
    n_rows: int
    n_extra: int
    n_matched: int
    unmatched_extra: list[str]
    unmatched_rows_in_covered_gemeenten: list[str]
    extra_boundary_year: int | None
    data_boundary_year: int | None
    missing_values: dict[str, int] = field(default_factory=dict)

    @property
    def match_rate(self) -> float:
        """Share of the extra table's codes found in the data."""
        return self.n_matched / self.n_extra if self.n_extra else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The report as a two-column table (``item, value``)."""
        items = {
            "source": self.source,
            "rows in data": self.n_rows,
            "codes in extra table": self.n_extra,
            "matched codes": self.n_matched,
            "match rate": round(self.match_rate, 4),
            "extra codes not in data": _items(self.unmatched_extra),
            "data rows of covered gemeenten without a match": _items(self.unmatched_rows_in_covered_gemeenten),
            "boundary year extra / data": f"{self.extra_boundary_year} / {self.data_boundary_year}",
            **{f"missing values in {k}": v for k, v in self.missing_values.items()},
        }
        return pd.DataFrame({"item": list(items), "value": [str(v) for v in items.values()]})


#: Join columns that hold CBS region codes, and their kind for :func:`jeugdlib.io.normalise_code`.
_CODE_KINDS = {"wijkcode": "wijk", "gemeentecode": "gemeente", "jeugdregio_code": "jeugdregio", "buurtcode": "buurt"}


def _codes(values: pd.Series, on: str, source: str) -> pd.Series:
    """Join keys: CBS codes normalised by the input layer (``wk36300`` -> ``WK036300``), others stripped."""
    if on in _CODE_KINDS:
        return normalise_code(values, _CODE_KINDS[on], column=on, source=source)  # type: ignore[arg-type]
    return values.astype("string").str.strip().str.upper()


@dataclass
class WijkJoin:
    """Result of :func:`join_wijk_variables`: the joined data and what was matched.

    Attributes
    ----------
    data:
        The wijk data with the added columns (every row kept, in order).
    report:
        Match counts, unmatched codes and boundary years.
    """

    data: pd.DataFrame
    report: JoinReport


def join_wijk_variables(
    df: pd.DataFrame,
    extra: str | Path | pd.DataFrame,
    on: str = "wijkcode",
    columns: Sequence[str] | None = None,
    *,
    boundary_year: int | None = None,
    data_boundary_year: int | None = None,
    min_match: float = 0.8,
    allow_year_mismatch: bool = False,
    source: str | None = None,
) -> WijkJoin:
    """Join user-supplied wijk variables to wijk data, validated and without row loss.

    Parameters
    ----------
    df:
        Wijk data (e.g. :func:`jeugdlib.data.load_scp_2017`).
    extra:
        Table of wijk variables: CSV/Excel/parquet path or DataFrame.
    on:
        Code column present in both (default ``wijkcode``).
    columns:
        Variables to add (default: every column of ``extra`` except codes,
        names and year columns). They are converted to numbers (decimal comma
        accepted); a non-numeric value raises :class:`DataError`. Headers of
        ``extra`` (and these names) are used in their canonical spelling, as
        :func:`~jeugdlib.multilevel.load_local_wijk_data` names them
        (``Perc Huurwoningen`` is ``perc_huurwoningen``), and ``perc_*``
        columns must lie within 0–100.
    boundary_year:
        Boundary year of the extra table's codes, if it has no
        ``boundary_year``/``indelingsjaar``/``jaar`` column (the loaders of
        :mod:`jeugdlib.data` give their frames an ``indelingsjaar`` column).
    data_boundary_year:
        Boundary year of the data's codes; default the one value of the data's
        ``indelingsjaar`` column, which the loaders of :mod:`jeugdlib.data`
        add (several values raise :class:`DataError`; no column: not checked).
    min_match:
        If fewer than this share of the extra table's codes, or of the data's
        wijken in the gemeenten the extra table covers, are matched, a
        :class:`JeugdlibWarning` names the unmatched codes (codes of another
        boundary year are the usual cause). No match at all raises.
    allow_year_mismatch:
        Turn a differing boundary year from an error into a warning.
    source:
        Name of the extra table in messages (default: its file name).

    Returns
    -------
    WijkJoin
        ``data``: ``df`` with the added columns (left join: every row of ``df``
        is kept, in order; unmatched rows get NaN; the data's ``attrs``, such
        as ``synthetic``, are kept); ``report``: a :class:`JoinReport` with
        match counts.

    Raises
    ------
    DataError
        Missing ``on`` column, malformed or duplicated codes in ``extra``
        (listing codes and rows), a column name that already exists in ``df``,
        non-numeric values, a boundary year differing from the data's, or no
        matching code.
    """
    return _join(
        df,
        extra,
        on,
        columns,
        boundary_year=boundary_year,
        data_boundary_year=data_boundary_year,
        min_match=min_match,
        allow_year_mismatch=allow_year_mismatch,
        source=source,
        stacklevel=3,
    )


def add_wijk_variables(
    df: pd.DataFrame,
    extra: str | Path | pd.DataFrame,
    on: str = "wijkcode",
    columns: Sequence[str] | None = None,
    *,
    boundary_year: int | None = None,
    data_boundary_year: int | None = None,
    min_match: float = 0.8,
    allow_year_mismatch: bool = False,
    source: str | None = None,
) -> pd.DataFrame:
    """Join user-supplied wijk variables to wijk data: :func:`join_wijk_variables` returning the frame.

    The parameters, checks, warnings and errors (:class:`DataError`) are those of
    :func:`join_wijk_variables`; this returns its ``data`` only (``df`` with the
    added columns, every row kept, in order). For the :class:`JoinReport` (match
    counts, unmatched codes, boundary years) call :func:`join_wijk_variables`.
    """
    joined = _join(
        df,
        extra,
        on,
        columns,
        boundary_year=boundary_year,
        data_boundary_year=data_boundary_year,
        min_match=min_match,
        allow_year_mismatch=allow_year_mismatch,
        source=source,
        stacklevel=3,
    )
    return joined.data


def _join(
    df: pd.DataFrame,
    extra: str | Path | pd.DataFrame,
    on: str = "wijkcode",
    columns: Sequence[str] | None = None,
    *,
    boundary_year: int | None = None,
    data_boundary_year: int | None = None,
    min_match: float = 0.8,
    allow_year_mismatch: bool = False,
    source: str | None = None,
    stacklevel: int,
) -> WijkJoin:
    from jeugdlib.io import canonical_name
    from jeugdlib.multilevel.local import is_share_column

    table, label = read_table(extra)
    # messages name rows by index label (0 = first data row), as they always did; the file's number
    # notation (Dutch or not) travels with the label
    source = SourceLabel(str(label) if source is None else source, None, dutch=getattr(label, "dutch", False))
    # headers in their canonical spelling, as load_local_wijk_data names them ('Perc Huurwoningen' is
    # perc_huurwoningen): the spelling never decides whether a column is checked
    table = table.set_axis([canonical_name(c) for c in table.columns], axis=1)
    if columns is not None:
        columns = [canonical_name(c) for c in columns]
    for frame, name in ((df, "data"), (table, source)):
        if on not in frame.columns:
            raise DataError(
                f"{name}: join column {on!r} missing; present: {mask_headers(frame.columns)}. "
                f"Rename the code column to {on!r} or pass on=..."
            )
    table = table.copy()
    table[on] = _codes(table[on], on, source)
    empty = table[on].isna()
    if empty.any():
        raise DataError(
            f"{source}: column {on!r} is empty at rows {_items(table.index[empty])}; every row needs a code."
        )
    dup = table[on].duplicated(keep=False)
    if dup.any():
        codes = sorted(table.loc[dup, on].unique())
        raise DataError(
            f"{source}: duplicate codes in {on!r}: {_items(codes)} at rows {_items(table.index[dup])}. "
            "A join needs one row per wijk: keep one year (jaar) or aggregate the duplicates first."
        )
    if columns is None:
        columns = [c for c in table.columns if c != on and c not in _ID_COLUMNS]
        if not columns:
            raise DataError(f"{source}: no variable columns to join besides codes, names and years.")
    columns = list(columns)
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise DataError(f"{source}: column(s) {absent} not found; present: {mask_headers(table.columns)}.")
    clash = [c for c in columns if c in df.columns]
    if clash:
        raise DataError(
            f"{source}: column(s) {clash} already exist in the data; rename them in the extra table "
            "(e.g. with a suffix _lokaal) so no variable is silently overwritten."
        )
    for c in columns:  # perc_* columns are percentages 0-100, as in load_local_wijk_data
        table[c] = Column(c, "share" if is_share_column(c) else "float").convert(table[c], source)

    # boundary year
    extra_year = boundary_year if boundary_year is not None else _boundary_year_of(table, source)
    if data_boundary_year is not None:
        data_year = data_boundary_year
    else:  # the loaders of jeugdlib.data carry it in the column indelingsjaar
        data_year = _boundary_year_of(df, "data", _DATA_YEAR_COLUMNS)
    data_codes = _codes(df[on], on, "data")
    matched_mask = table[on].isin(set(data_codes.dropna()))
    unmatched_extra = sorted(table.loc[~matched_mask, on])
    if extra_year is not None and data_year is not None and int(extra_year) != int(data_year):
        msg = (
            f"{source}: codes are of boundary year {extra_year} but the data uses {data_year} boundaries "
            f"({int(matched_mask.sum())} of {len(table)} codes match; unmatched {_items(unmatched_extra)}). "
            "Wijk codes and boundaries change between years: use the extra variables for the data's boundary "
            f"year or convert the codes to {data_year} boundaries first."
        )
        if not allow_year_mismatch:
            raise DataError(msg + " Pass allow_year_mismatch=True to join anyway.")
        warnings.warn(msg, JeugdlibWarning, stacklevel=stacklevel)
    if not matched_mask.any():
        raise DataError(
            f"{source}: none of the {len(table)} codes in {on!r} occur in the data (e.g. "
            f"{_items(unmatched_extra, 5)}); are they of another boundary year "
            f"(data: {data_year}) or another level (wijk vs buurt)?"
        )

    covered_rows: list[str] = []
    rate_data = 1.0
    if on == "wijkcode":
        gm_extra = set(table[on].str[2:6])
        in_covered = data_codes.str[2:6].isin(gm_extra).fillna(False).to_numpy()
        covered = data_codes[in_covered]
        unmatched_cov = covered[~covered.isin(set(table[on]))]
        covered_rows = sorted(unmatched_cov.dropna().tolist())
        rate_data = 1 - len(unmatched_cov) / len(covered) if len(covered) else 1.0
    rate_extra = float(matched_mask.mean())
    if min(rate_extra, rate_data) < min_match:
        warnings.warn(
            f"{source}: low match rate — {rate_extra:.0%} of the extra table's codes found in the data "
            f"(unmatched {_items(unmatched_extra)}), {rate_data:.0%} of the data's wijken in the covered "
            f"gemeenten matched (unmatched {_items(covered_rows)}). Codes of another boundary year "
            f"(data: {data_year}) are the usual cause.",
            JeugdlibWarning,
            stacklevel=stacklevel,
        )
    elif unmatched_extra:
        warnings.warn(
            f"{source}: {len(unmatched_extra)} of {len(table)} codes not found in the data and not "
            f"joined: {_items(unmatched_extra)}.",
            JeugdlibWarning,
            stacklevel=stacklevel,
        )

    right = table[[on, *columns]].rename(columns={on: "__key"})
    left = df.copy()
    left["__key"] = data_codes.to_numpy()
    out = left.merge(right, on="__key", how="left", validate="many_to_one", sort=False).drop(columns="__key")
    if len(out) != len(df):  # defensive: a left join on a unique key cannot change the row count
        raise DataError(f"{source}: the join changed the number of rows ({len(df)} → {len(out)}); report a bug.")
    out.index = df.index
    out.attrs = dict(df.attrs)  # keep the data's own pandas labels (e.g. synthetic=True)
    report = JoinReport(
        source=source,
        on=on,
        columns=columns,
        n_rows=len(df),
        n_extra=len(table),
        n_matched=int(matched_mask.sum()),
        unmatched_extra=unmatched_extra,
        unmatched_rows_in_covered_gemeenten=covered_rows,
        extra_boundary_year=int(extra_year) if extra_year is not None else None,
        data_boundary_year=int(data_year) if data_year is not None else None,
        missing_values={c: int(out[c].isna().sum()) for c in columns},
    )
    return WijkJoin(data=out, report=report)
