"""Statistical disclosure control for tables that leave the library.

Youth-care data concerns children. jeugdlib follows CBS practice for
published counts:

* counts below ``threshold`` (default 10) are suppressed (shown as empty);
* the remaining counts are rounded to multiples of ``base`` (default 5);
* *secondary suppression*: in every additive relation that a reader can see
  (a column whose total is, or might be, published; a row with a total column;
  a table with a total row) a lone suppressed cell could be recovered as
  ``total - sum(other cells)``. Until no relation has exactly one suppressed
  cell, the smallest published cell of such a relation is suppressed as well;
* rates or percentages derived from a suppressed count are suppressed too.

:func:`protect_table` applies these rules and returns the protected table with
a typed :class:`ProtectionReport` of what was suppressed; :func:`protect` is the
same with the historical return type (the table only) used across jeugdlib.
:func:`check_protected` verifies a table (used by the report renderer and the
tests). sdcMicro/tau-argus solve the
optimal secondary-suppression problem; for the small, one- or two-way tables
of a report the greedy rule here is sufficient and keeps jeugdlib free of an
R/Java dependency.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError

__all__ = [
    "DisclosureError",
    "DisclosureInfo",
    "ProtectedTable",
    "ProtectionReport",
    "check_protected",
    "protect",
    "protect_table",
    "round_to_base",
]


class DisclosureError(DataError):
    """A table that was about to be published violates disclosure rules."""


@dataclass
class ProtectionReport:
    """What :func:`protect_table` did to a table.

    Attributes
    ----------
    threshold, base:
        The rules applied: counts below ``threshold`` suppressed, the rest rounded to ``base``.
    count_cols:
        The protected count columns (including ``total_col``).
    primary:
        Observed counts suppressed because they were below ``threshold``.
    secondary:
        Cells suppressed so that no additive relation has a lone hidden cell.
    rates_suppressed:
        Rate cells hidden because a count they derive from is hidden.
    total_col, total_row, column_totals:
        The additive relations that were declared.
    suppressed_cells:
        ``(index label, column)`` of every hidden count cell (primary, secondary and
        counts missing at the source when ``missing_is_suppressed``).
    """

    threshold: int
    base: int
    count_cols: list[str]
    primary: int = 0
    secondary: int = 0
    rates_suppressed: int = 0
    total_col: str | None = None
    total_row: Hashable | None = None
    column_totals: bool = True
    suppressed_cells: list[tuple[Hashable, str]] = field(default_factory=list)

    @property
    def n_suppressed(self) -> int:
        """Number of hidden count cells."""
        return len(self.suppressed_cells)


#: Former name of :class:`ProtectionReport`, kept for existing callers.
DisclosureInfo = ProtectionReport


class ProtectedTable(NamedTuple):
    """Result of :func:`protect_table`: the publishable table and what was done to it.

    Unpacks as ``table, report = protect_table(...)``.
    """

    table: pd.DataFrame
    report: ProtectionReport


def round_to_base(values: pd.Series | np.ndarray, base: int = 5) -> np.ndarray:
    """Round to the nearest multiple of ``base``; halves round up (CBS convention)."""
    arr = np.asarray(values, dtype=float)
    return np.floor(arr / base + 0.5) * base


def _as_float_counts(df: pd.DataFrame, cols: Sequence[str], source: str) -> pd.DataFrame:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(
            f"{source}: count column(s) {missing} not found; available columns: "
            f"{list(df.columns)}. Pass the names of the count columns to protect."
        )
    out = {}
    for c in cols:
        s = pd.to_numeric(df[c], errors="coerce")
        bad = s.isna() & df[c].notna()
        if bad.any():
            raise DataError(
                f"{source}: count column {c!r} has non-numeric values at rows "
                f"{list(df.index[bad][:10])}; counts must be numbers."
            )
        if (s.dropna() < 0).any():
            raise DataError(f"{source}: count column {c!r} has negative counts; counts must be >= 0.")
        out[c] = s.astype(float)
    return pd.DataFrame(out, index=df.index)


def protect(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int = 10,
    base: int = 5,
    *,
    rate_cols: Mapping[str, str | Sequence[str]] | None = None,
    total_col: str | None = None,
    total_row: Hashable | None = None,
    column_totals: bool = True,
    groups: str | None = None,
    missing_is_suppressed: bool = True,
    source: str = "table",
) -> pd.DataFrame:
    """Return a copy of ``df`` that is safe to publish.

    The same as :func:`protect_table` (see there for the parameters), returning only
    the table. For what was suppressed use :func:`protect_table`, whose
    :class:`ProtectionReport` is a typed field (not ``DataFrame.attrs``, which pandas
    drops or copies unpredictably).
    """
    table, report = protect_table(
        df,
        count_cols,
        threshold,
        base,
        rate_cols=rate_cols,
        total_col=total_col,
        total_row=total_row,
        column_totals=column_totals,
        groups=groups,
        missing_is_suppressed=missing_is_suppressed,
        source=source,
    )
    return table


def protect_table(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int = 10,
    base: int = 5,
    *,
    rate_cols: Mapping[str, str | Sequence[str]] | None = None,
    total_col: str | None = None,
    total_row: Hashable | None = None,
    column_totals: bool = True,
    groups: str | None = None,
    missing_is_suppressed: bool = True,
    source: str = "table",
) -> ProtectedTable:
    """Protect ``df`` for publication; return the table and a :class:`ProtectionReport`.

    Parameters
    ----------
    df:
        The table. Counts may be int or float; missing counts stay missing.
    count_cols:
        Columns holding counts of persons (children, clients, trajectories).
    threshold, base:
        Counts ``< threshold`` are suppressed; the rest are rounded to ``base``.
    rate_cols:
        ``{rate column: count column(s) it is computed from}``; a rate is
        suppressed wherever one of its counts is suppressed (or missing).
    total_col:
        A count column that is the row-wise total of the other count columns:
        each row is then an additive relation for secondary suppression.
    total_row:
        Index label of a row holding column totals (it is protected too).
    column_totals:
        Treat every count column as additive over the rows (its total is or
        may be published elsewhere, e.g. a gemeente total under a wijk table).
        Default ``True``: the conservative choice.
    groups:
        Optional column: the column totals are per group (e.g. wijken within
        a gemeente whose total is published), so each group of rows is its own
        additive relation per count column.
    missing_is_suppressed:
        Treat missing counts as cells that exist but were suppressed at the
        source (CBS leaves counts below 10 empty): they take part in secondary
        suppression. Default ``True``.
    source:
        Name used in error messages.

    Returns
    -------
    ProtectedTable
        ``table``: a copy of ``df`` with counts as float, ``NaN`` for suppressed
        cells, rounded to ``base``; ``report``: a :class:`ProtectionReport`.
    """
    if threshold < 1 or base < 1:
        raise ValueError("threshold and base must be positive integers")
    count_cols = list(count_cols)
    if total_col is not None and total_col not in count_cols:
        count_cols.append(total_col)
    if total_row is not None and total_row not in df.index:
        raise DataError(f"{source}: total_row {total_row!r} is not in the index.")
    if df.index.has_duplicates:
        raise DataError(f"{source}: the index has duplicate labels; reset it before protecting.")
    counts = _as_float_counts(df, count_cols, source)
    raw = counts.to_numpy(copy=True)
    observed = ~np.isnan(raw)
    suppressed = observed & (raw < threshold)
    if missing_is_suppressed:
        suppressed |= ~observed
        observed = np.ones_like(observed)
    info = ProtectionReport(
        threshold=threshold,
        base=base,
        count_cols=count_cols,
        primary=int((suppressed & ~np.isnan(raw)).sum()),
        total_col=total_col,
        total_row=total_row,
        column_totals=column_totals,
    )

    # Additive relations: lists of (cell indices, index of the total cell or None).
    n_rows, n_cols = raw.shape
    col_pos = {c: j for j, c in enumerate(count_cols)}
    relations: list[tuple[list[tuple[int, int]], tuple[int, int] | None]] = []
    total_row_pos = int(df.index.get_loc(total_row)) if total_row is not None else None
    if column_totals or total_row is not None:
        if groups is not None and column_totals:
            labels = df[groups].to_numpy()
            row_sets = [[i for i in range(n_rows) if labels[i] == g and i != total_row_pos] for g in pd.unique(labels)]
        else:
            row_sets = [[i for i in range(n_rows) if i != total_row_pos]]
        for j in range(n_cols):
            for rows in row_sets:
                members = [(i, j) for i in rows]
                tot = (total_row_pos, j) if total_row_pos is not None and groups is None else None
                relations.append((members, tot))
            if groups is not None and total_row_pos is not None:
                relations.append(([(i, j) for i in range(n_rows) if i != total_row_pos], (total_row_pos, j)))
    if total_col is not None:
        jt = col_pos[total_col]
        for i in range(n_rows):
            members = [(i, j) for j in range(n_cols) if j != jt]
            relations.append((members, (i, jt)))

    def needs_secondary(members: list[tuple[int, int]], tot: tuple[int, int] | None) -> list:
        """Cells that may be suppressed to protect this relation ([] if it is safe)."""
        cells = [m for m in members if observed[m]]
        shown = [m for m in cells if not suppressed[m]]
        n_hidden = len(cells) - len(shown)
        if tot is None:
            # implicit margin (published elsewhere): a lone hidden cell among others is recoverable
            return shown if n_hidden == 1 and len(cells) > 1 else []
        if not observed[tot]:
            return []
        if suppressed[tot]:
            # a hidden total is recoverable when every member is shown
            return shown if n_hidden == 0 and shown else []
        if n_hidden == 1:
            return shown or [tot]
        return []

    changed = True
    while changed:
        changed = False
        for members, tot in relations:
            candidates = needs_secondary(members, tot)
            if candidates:
                pick = min(candidates, key=lambda m: (raw[m], m))
                suppressed[pick] = True
                info.secondary += 1
                changed = True

    published = np.where(suppressed | ~observed, np.nan, round_to_base(np.nan_to_num(raw), base))
    out = df.copy()
    out.attrs.pop("disclosure", None)  # a report left by jeugdlib < 0.2 no longer describes this table
    for j, c in enumerate(count_cols):
        out[c] = published[:, j]
    info.suppressed_cells = [(df.index[i], count_cols[j]) for i, j in zip(*np.nonzero(suppressed), strict=True)]

    for rate, sources in (rate_cols or {}).items():
        if rate not in out.columns:
            raise DataError(f"{source}: rate column {rate!r} not found.")
        src = [sources] if isinstance(sources, str) else list(sources)
        unknown = [s for s in src if s not in count_cols]
        if unknown:
            raise DataError(f"{source}: rate column {rate!r} refers to {unknown}, which are not count columns.")
        hide = out[src].isna().any(axis=1) & out[rate].notna()
        info.rates_suppressed += int(hide.sum())
        out[rate] = pd.to_numeric(out[rate], errors="coerce").where(~hide)

    return ProtectedTable(out, info)


def check_protected(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int = 10,
    base: int = 5,
    *,
    column_totals: bool = True,
    total_col: str | None = None,
    source: str = "table",
) -> None:
    """Raise :class:`DisclosureError` unless ``df`` obeys the publication rules.

    Checks that every published count is ``>= threshold`` and a multiple of
    ``base`` and, for the additive relations declared, that no relation has
    exactly one suppressed cell next to published ones.
    """
    counts = _as_float_counts(df, count_cols, source)
    values = counts.to_numpy()
    shown = ~np.isnan(values)
    low = shown & (values < threshold)
    if low.any():
        i, j = map(int, np.argwhere(low)[0])
        raise DisclosureError(
            f"{source}: count {values[i, j]:g} in column {count_cols[j]!r} (row {df.index[i]!r}) "
            f"is below {threshold}; pass the table through jeugdlib.disclosure.protect."
        )
    off = shown & (np.mod(values, base) != 0)
    if off.any():
        i, j = map(int, np.argwhere(off)[0])
        raise DisclosureError(
            f"{source}: count {values[i, j]:g} in column {count_cols[j]!r} is not a multiple of "
            f"{base}; pass the table through jeugdlib.disclosure.protect."
        )
    if column_totals and len(df) > 1:
        n_hidden = (~shown).sum(axis=0)
        for j, c in enumerate(count_cols):
            if n_hidden[j] == 1 and c != total_col:
                raise DisclosureError(
                    f"{source}: column {c!r} has exactly one suppressed cell; it can be "
                    "recovered from the column total. Use protect(..., column_totals=True)."
                )
    if total_col is not None:
        others = [j for j, c in enumerate(count_cols) if c != total_col]
        jt = count_cols.index(total_col)
        for i in range(len(df)):
            if shown[i, jt] and (~shown[i, others]).sum() == 1:
                raise DisclosureError(
                    f"{source}: row {df.index[i]!r} has one suppressed cell next to its total "
                    f"{total_col!r}; it can be recovered."
                )
