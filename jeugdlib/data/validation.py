"""Compatibility layer over :mod:`jeugdlib.io` for the older validation helpers.

:func:`read_table`, :func:`to_numeric_nl`, :func:`validate_table`,
:func:`format_items` and :data:`CODE_PATTERNS` keep their signatures for
existing callers; all reading, parsing and checking is done by
:mod:`jeugdlib.io` (one reader, one numeric parser, one code normaliser, one
schema type). New code should declare a :class:`jeugdlib.io.Schema` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io import Column, Schema, SourceLabel, format_rows, header_key, mask_headers, mask_value, parse_numeric
from jeugdlib.io import read_table as _read_table

__all__ = [
    "CODE_PATTERNS",
    "format_items",
    "read_table",
    "to_numeric_nl",
    "validate_table",
]

#: Regular expressions of the normalised CBS region codes (normalisation: :func:`jeugdlib.io.normalise_code`).
CODE_PATTERNS: dict[str, str] = {
    "wijkcode": r"WK\d{6}",
    "gemeentecode": r"GM\d{4}",
    "jeugdregio_code": r"JZ\d{2}",
}

_CODE_KINDS = {"wijkcode": "code:wijk", "gemeentecode": "code:gemeente", "jeugdregio_code": "code:jeugdregio"}


def format_items(index: Iterable, limit: int = 8) -> str:
    """``[a, b, c and 5 more]``: the offending rows or codes of an error message."""
    return format_rows(index, limit)


def read_table(path: str | Path | pd.DataFrame, *, sheet_name: str | int = 0) -> tuple[pd.DataFrame, str]:
    """Read a CSV (``,`` or ``;`` separated), Excel, ODS or parquet file (see :func:`jeugdlib.io.read_table`).

    Returns the frame and a source label for error messages. A DataFrame is
    passed through (copied, labelled ``"<DataFrame>"``). Cells are read as strings.
    The label is a plain ``str``, so messages name rows by index label (0 = first
    data row) as they always did; :func:`jeugdlib.io.read_table` labels name file lines.
    """
    df, label = _read_table(path, sheet_name=sheet_name)
    # rows named by index label (no file lines), but the file's number notation travels with the label
    return df, SourceLabel(str(label), None, dutch=getattr(label, "dutch", False))


def to_numeric_nl(values: pd.Series, *, column: str = "?", source: str = "table") -> pd.Series:
    """Convert a column to float, accepting a Dutch decimal comma (see :func:`jeugdlib.io.parse_numeric`).

    ``"12,5"`` → 12.5 and ``"1.234,5"`` → 1234.5; ``"."``, ``""``, ``"-"`` and
    ``"x"`` (CBS: unknown or secret) → NaN. Anything else non-numeric, and
    ``inf``/``nan`` strings, raise :class:`DataError`.
    """
    return parse_numeric(values, column=column, source=source)


def _normalise_headers(df: pd.DataFrame, names: Sequence[str], source: str) -> pd.DataFrame:
    """Rename headers that match a declared name ignoring case, spaces and underscores to that name.

    ``Gemeente Code`` is ``gemeentecode``, as in every other loader; two headers for one name are refused.
    """
    by_key = {header_key(n): n for n in names}
    new = [by_key.get(header_key(c), c) for c in df.columns]
    seen: dict[object, object] = {}
    for old, n in zip(df.columns, new):
        if n in seen and n in names:
            raise DataError(
                f"{source}: columns {mask_value(str(seen[n]))} and {mask_value(str(old))} are the same column "
                f"{n!r} (names are compared ignoring case, spaces and underscores). Keep one of them.",
                source=source,
                column=str(n),
            )
        seen[n] = old
    return df if new == list(df.columns) else df.set_axis(new, axis=1)


def validate_table(
    df: pd.DataFrame,
    *,
    key: str | None = None,
    required: Sequence[str] = (),
    numeric: Sequence[str] = (),
    shares: Sequence[str] = (),
    codes: Sequence[str] | None = None,
    source: str = "table",
) -> pd.DataFrame:
    """Check a table and return a cleaned copy (columns in their original order).

    Parameters
    ----------
    key:
        Column that must be unique and non-empty (``wijkcode`` or ``gemeentecode``).
    required:
        Columns that must be present.
    numeric:
        Columns converted to float (decimal comma accepted); non-numeric raises.
    shares:
        Percentage columns (also numeric) that must lie within 0–100.
    codes:
        Code columns normalised and checked (:data:`CODE_PATTERNS`); by
        default every present column named in it.
    source:
        File name or table name used in messages.

    Headers are matched to the names given ignoring case, spaces and underscores
    (``Gemeente Code`` is ``gemeentecode``) and renamed to those names, as every
    loader of jeugdlib does.
    """
    needed = list(dict.fromkeys([*([key] if key else []), *required, *numeric, *shares]))
    df = _normalise_headers(df, [*needed, *(codes if codes is not None else CODE_PATTERNS)], source)
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise DataError(
            f"{source}: required column(s) {missing} missing. Present columns: {mask_headers(df.columns)}. "
            "Rename the columns in the file or pass the right names.",
            source=source,
            column=missing[0],
        )
    code_cols = [c for c in (codes if codes is not None else CODE_PATTERNS) if c in df.columns]
    columns: dict[str, Column] = {}
    for col in code_cols:
        columns[col] = Column(col, _CODE_KINDS[col])
    if key and key not in columns:
        columns[key] = Column(key, "str")
    for col in numeric:
        columns.setdefault(col, Column(col, "float"))
    for col in shares:
        columns[col] = Column(col, "share")
    schema = Schema(source, list(columns.values()), key=key, min_rows=0)
    # exact names only (the old contract): other columns pass through untouched
    declared = df[[c for c in df.columns if c in columns]]
    checked = schema.validate(declared, source)
    out = df.copy()
    for col in columns:
        out[col] = checked[col]
    return out
