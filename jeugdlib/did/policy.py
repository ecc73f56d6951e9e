"""The user-supplied gemeente policy table (adoption years and intensities)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from jeugdlib.did._panel import _rows
from jeugdlib.errors import DataError

__all__ = ["load_policy_table"]


_GM_RE = re.compile(r"^GM\d{4}$")


def load_policy_table(
    path_or_df: str | Path | pd.DataFrame,
    *,
    adoption_cols: Sequence[str] | None = None,
    intensity_cols: Sequence[str] | None = None,
    boundary_year: int | None = None,
    sheet_name: str | int = 0,
    year_range: tuple[int, int] = (1990, 2100),
) -> pd.DataFrame:
    """Read and validate a user-supplied gemeente policy table.

    The table has one row per gemeente with ``gemeentecode`` (``GM`` + 4
    digits; plain numbers such as ``363`` are accepted and padded to
    ``GM0363``) and at least one adoption-year column (e.g. ``jaar_wijkteam``,
    ``jaar_poh``: the first year of the policy, empty or 0 = never) and/or
    intensity column (e.g. ``intensiteit_wijkteam``: a share between 0 and 1).

    Parameters
    ----------
    path_or_df:
        CSV (``,`` or ``;``), Excel (``.xlsx``/``.xls``), ``.parquet`` or ``.ods``
        file, or a DataFrame.
    adoption_cols, intensity_cols:
        Column names; default: columns starting with ``jaar_`` or named
        ``adoptiejaar``, and columns starting with ``intensiteit``.
    boundary_year:
        Municipal boundary year of the codes (stored in ``attrs`` and a
        column ``indelingsjaar``).
    sheet_name:
        Excel/ODS sheet.
    year_range:
        Plausible adoption years.

    Returns
    -------
    DataFrame
        Validated copy: codes normalised, adoption years as nullable integers
        with 0 for never, intensities as float.

    Raises
    ------
    DataError
        Naming the file, column and rows: missing ``gemeentecode``, malformed or
        duplicate codes, non-integer or implausible years, intensities outside
        [0, 1], no policy column at all.
    """
    if isinstance(path_or_df, pd.DataFrame):
        raw = path_or_df.copy()
        source = "policy table (DataFrame)"
        row_of = lambda idx: list(idx)  # noqa: E731
    else:
        path = Path(path_or_df)
        source = f"policy table {str(path)!r}"
        if not path.exists():
            raise DataError(f"{source}: file not found; check the path.")
        suffix = path.suffix.lower()
        try:
            if suffix in (".csv", ".txt"):
                raw = pd.read_csv(path, sep=None, engine="python", dtype=str)
            elif suffix in (".xlsx", ".xlsm", ".xls"):
                raw = pd.read_excel(path, sheet_name=sheet_name, dtype=str)
            elif suffix == ".ods":
                raw = pd.read_excel(path, sheet_name=sheet_name, engine="odf", dtype=str)
            elif suffix == ".parquet":
                raw = pd.read_parquet(path)
            else:
                raise DataError(f"{source}: unsupported file type {suffix!r}; use CSV, Excel, ODS or parquet.")
        except DataError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader failure becomes a DataError
            raise DataError(f"{source}: could not be read ({exc}).") from exc
        row_of = lambda idx: [int(i) + 2 for i in idx]  # noqa: E731  (spreadsheet rows, header = 1)
    raw.columns = [str(c).strip() for c in raw.columns]
    where = "rows" if isinstance(path_or_df, pd.DataFrame) else "spreadsheet rows"
    if "gemeentecode" not in raw.columns:
        raise DataError(
            f"{source}: column 'gemeentecode' not found; columns are {list(raw.columns)}. "
            "Name the gemeente code column 'gemeentecode' (GM + 4 digits)."
        )
    out = raw.copy()
    code = out["gemeentecode"].astype("string").str.strip().str.upper()
    digits = code.str.fullmatch(r"\d{1,4}(\.0)?").fillna(False)
    code = code.where(~digits, "GM" + code.str.replace(".0", "", regex=False).str.zfill(4))
    bad = ~code.fillna("").str.match(_GM_RE)
    if bad.any():
        raise DataError(
            f"{source}: column 'gemeentecode' has invalid codes at {where} "
            f"{_rows(row_of(out.index[bad]))} (e.g. {out['gemeentecode'][bad].iloc[0]!r}); "
            "use 'GM' followed by 4 digits, e.g. GM0363."
        )
    out["gemeentecode"] = code.astype(str)
    dup = out["gemeentecode"].duplicated(keep=False)
    if dup.any():
        raise DataError(
            f"{source}: column 'gemeentecode' has duplicates {sorted(out.loc[dup, 'gemeentecode'].unique())[:5]} "
            f"at {where} {_rows(row_of(out.index[dup]))}; keep one row per gemeente."
        )
    if adoption_cols is None:
        adoption_cols = [c for c in out.columns if c.lower().startswith("jaar_") or c.lower() == "adoptiejaar"]
    if intensity_cols is None:
        intensity_cols = [c for c in out.columns if c.lower().startswith("intensiteit")]
    for c in [*adoption_cols, *intensity_cols]:
        if c not in out.columns:
            raise DataError(f"{source}: column {c!r} not found; columns are {list(out.columns)}.")
    if not adoption_cols and not intensity_cols:
        raise DataError(
            f"{source}: no adoption-year column (jaar_*, adoptiejaar) or intensity column "
            f"(intensiteit*) found in {list(out.columns)}; add one or pass adoption_cols/intensity_cols."
        )
    lo, hi = year_range
    for c in adoption_cols:
        s = out[c].astype("string").str.strip()
        s = s.mask(s.str.lower().isin(["", "nan", "na", "n/a", "none", "<na>"]), pd.NA)
        num = pd.to_numeric(s, errors="coerce")
        bad = (num.isna() & s.notna()) | (num.notna() & (num != np.round(num)))
        bad |= num.notna() & (num != 0) & ((num < lo) | (num > hi))
        if bad.any():
            raise DataError(
                f"{source}: adoption-year column {c!r} has invalid values at {where} "
                f"{_rows(row_of(out.index[bad]))} (e.g. {out[c][bad].iloc[0]!r}); use a year "
                f"between {lo} and {hi}, or leave empty / 0 for never."
            )
        out[c] = num.fillna(0).astype("Int64")
    for c in intensity_cols:
        s = out[c].astype("string").str.strip().str.replace(",", ".", regex=False)
        s = s.mask(s.str.lower().isin(["", "nan", "na", "n/a", "none", "<na>"]), pd.NA)
        num = pd.to_numeric(s, errors="coerce")
        bad = (num.isna() & s.notna()) | (num < 0) | (num > 1)
        if bad.any():
            raise DataError(
                f"{source}: intensity column {c!r} has invalid values at {where} "
                f"{_rows(row_of(out.index[bad]))} (e.g. {out[c][bad].iloc[0]!r}); use a share "
                "between 0 and 1 (divide percentages by 100)."
            )
        out[c] = num.astype(float)
    if boundary_year is not None:
        out["indelingsjaar"] = int(boundary_year)
    return out
