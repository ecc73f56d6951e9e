"""Validation of loaded and user-supplied tables.

Every table that enters jeugdlib — embedded, fetched from CBS or supplied by a
user as CSV, Excel or parquet — passes :func:`validate_table`. Violations raise
:class:`jeugdlib.DataError` naming the source, the column and the offending
rows, and saying what to do. pandera could express the same checks, but its
error reports do not carry that advice and its failure-case tables are hard to
read for policy staff, so the checks are written out here (they are small).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError

__all__ = [
    "CODE_PATTERNS",
    "format_items",
    "read_table",
    "to_numeric_nl",
    "validate_table",
]

#: Regular expressions for CBS region codes.
CODE_PATTERNS: dict[str, str] = {
    "wijkcode": r"WK\d{6}",
    "gemeentecode": r"GM\d{4}",
    "jeugdregio_code": r"JZ\d{2}",
}


def format_items(index: Iterable, limit: int = 8) -> str:
    """``[a, b, c and 5 more]``: the offending rows or codes of an error message."""
    items = list(index)
    shown = ", ".join(map(str, items[:limit]))
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"[{shown}{more}]"


def read_table(path: str | Path | pd.DataFrame, *, sheet_name: str | int = 0) -> tuple[pd.DataFrame, str]:
    """Read a CSV (``,`` or ``;`` separated), Excel or parquet file.

    Returns the frame and a source label for error messages. A DataFrame is
    passed through (labelled ``"<DataFrame>"``). Codes are read as strings.
    """
    if isinstance(path, pd.DataFrame):
        return path.copy(), "<DataFrame>"
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found. Check the path (working directory: {Path.cwd()}).")
    suffix = p.suffix.lower()
    try:
        if suffix in {".csv", ".txt"}:
            with p.open("r", encoding="utf-8-sig", errors="replace") as fh:
                head = fh.readline()
            sep = ";" if head.count(";") > head.count(",") else ","
            df = pd.read_csv(p, sep=sep, dtype=str, encoding="utf-8-sig", keep_default_na=True)
        elif suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
            df = pd.read_excel(p, sheet_name=sheet_name, dtype=str)
        elif suffix in {".parquet", ".pq"}:
            df = pd.read_parquet(p)
        else:
            raise DataError(f"{p}: unsupported file type {suffix!r}; use CSV, Excel (.xlsx/.ods) or parquet.")
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - re-raised with the file name
        raise DataError(f"{p}: could not be read ({exc}). Is it a valid {suffix} file?") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df, str(p)


_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(\.\d{3})*(,\d+)?\s*$|^\s*[-+]?\d+,\d+\s*$")


def to_numeric_nl(values: pd.Series, *, column: str = "?", source: str = "table") -> pd.Series:
    """Convert a column to float, accepting a Dutch decimal comma.

    ``"12,5"`` → 12.5 and ``"1.234,5"`` → 1234.5 (only when the column uses the
    comma as decimal separator); ``"."``, ``""`` and ``"-"`` (CBS: unknown or
    secret) → NaN. Anything else non-numeric raises :class:`DataError`.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    s = values.astype("string").str.strip()
    s = s.mask(s.isin(["", ".", "-", "x", "X", "NA", "nan", "NaN", "None"]))
    has_comma = s.str.contains(",", regex=False).fillna(False)
    if has_comma.any():
        comma_ok = s[has_comma].str.match(_DECIMAL_COMMA).fillna(False)
        if comma_ok.all():
            # decimal comma: dots are thousands separators in this column
            s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out = pd.to_numeric(s, errors="coerce")
    bad = out.isna() & s.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in s[bad].unique()[:5])
        raise DataError(
            f"{source}: column {column!r} must be numeric but has values {examples} at rows "
            f"{format_items(values.index[bad])}. Fix or remove these values (use '.' or empty for unknown)."
        )
    return out.astype(float)


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
    """Check a table and return a cleaned copy.

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
        Code columns to check against :data:`CODE_PATTERNS`; by default every
        present column named in it. Codes are upper-cased and stripped.
    source:
        File name or table name used in messages.
    """
    out = df.copy()
    needed = list(dict.fromkeys([*([key] if key else []), *required, *numeric, *shares]))
    missing = [c for c in needed if c not in out.columns]
    if missing:
        raise DataError(
            f"{source}: required column(s) {missing} missing. Present columns: {list(out.columns)}. "
            "Rename the columns in the file or pass the right names."
        )
    code_cols = [c for c in (codes if codes is not None else CODE_PATTERNS) if c in out.columns]
    for col in code_cols:
        pattern = CODE_PATTERNS[col]
        s = out[col].astype("string").str.strip().str.upper()
        bad = s.notna() & ~s.str.fullmatch(pattern).fillna(False)
        if bad.any():
            examples = ", ".join(repr(v) for v in s[bad].unique()[:5])
            raise DataError(
                f"{source}: column {col!r} has codes not of the form {pattern!r} ({examples}) at rows "
                f"{format_items(out.index[bad])}. Use CBS codes, e.g. WK036300, GM0363, JZ24."
            )
        out[col] = s.astype(object).where(s.notna(), None)
    if key:
        empty = out[key].isna()
        if empty.any():
            raise DataError(f"{source}: key column {key!r} is empty at rows {format_items(out.index[empty])}.")
        dup = out[key].duplicated(keep=False)
        if dup.any():
            codes_dup = sorted(out.loc[dup, key].unique())
            raise DataError(
                f"{source}: key column {key!r} has duplicate codes {format_items(codes_dup)} at rows "
                f"{format_items(out.index[dup])}. Each {key} may appear once; aggregate or remove duplicates."
            )
    for col in dict.fromkeys([*numeric, *shares]):
        out[col] = to_numeric_nl(out[col], column=col, source=source)
    for col in shares:
        v = out[col]
        bad = v.notna() & ((v < 0) | (v > 100))
        if bad.any():
            raise DataError(
                f"{source}: column {col!r} is a percentage but has values outside 0–100 "
                f"({format_items(np.round(v[bad].to_numpy(), 3))}) at rows {format_items(out.index[bad])}. "
                "Check the unit (fraction vs percentage) of this column."
            )
    return out
