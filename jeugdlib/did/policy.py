"""The user-supplied gemeente policy table (adoption years and intensities), on :mod:`jeugdlib.io`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io import Column, Schema, canonical_name, header_key, mask_headers, mask_value, read_table, rows_text

__all__ = ["POLICY_SCHEMA", "canonical_name", "load_policy_table", "policy_schema"]

#: Plausible adoption years (0 or empty = never).
YEAR_RANGE = (1990, 2100)


def _is_adoption(name: str) -> bool:
    n = canonical_name(name)
    return n.startswith("jaar_") or header_key(n) == "adoptiejaar"


def _is_intensity(name: str) -> bool:
    return header_key(name).startswith("intensiteit")


def policy_schema(adoption_cols: Sequence[str], intensity_cols: Sequence[str]) -> Schema:
    """The policy-table schema for the given adoption-year and intensity columns.

    ``gemeentecode`` (key, CBS gemeente code), each adoption column a whole number (a year
    in :data:`YEAR_RANGE`, or 0/empty for never, checked by :func:`load_policy_table`)
    and each intensity column a share between 0 and 1.
    """
    cols = [
        Column(
            "gemeentecode",
            "code:gemeente",
            description="CBS gemeente code: GM + 4 digits (363, gm363 and ' GM 0363 ' are accepted).",
        )
    ]
    cols += [Column(c, "int", description="First year of the policy; empty or 0 = never.") for c in adoption_cols]
    cols += [
        Column(c, "float", min=0, max=1, description="Share between 0 and 1 (e.g. children helped by the wijkteam).")
        for c in intensity_cols
    ]
    return Schema(
        "policy table",
        cols,
        key="gemeentecode",
        description="One row per gemeente: adoption year(s) of a policy and/or its intensity.",
    )


#: The usual policy table (CPB wijkteams / POH-jeugd); ``describe()`` documents it.
POLICY_SCHEMA = policy_schema(["jaar_wijkteam", "jaar_poh"], ["intensiteit_wijkteam"])


def load_policy_table(
    path_or_df: str | Path | pd.DataFrame,
    *,
    adoption_cols: Sequence[str] | None = None,
    intensity_cols: Sequence[str] | None = None,
    boundary_year: int | None = None,
    sheet_name: str | int = 0,
    year_range: tuple[int, int] = YEAR_RANGE,
) -> pd.DataFrame:
    """Read and validate a user-supplied gemeente policy table.

    The table has one row per gemeente with ``gemeentecode`` (``GM`` + 4 digits; plain
    numbers such as ``363`` are accepted and padded to ``GM0363``) and at least one
    adoption-year column (e.g. ``jaar_wijkteam``, ``jaar_poh``: the first year of the
    policy, empty or 0 = never) and/or intensity column (e.g. ``intensiteit_wijkteam``: a
    share between 0 and 1). Files are read by :func:`jeugdlib.io.read_table` (CSV with
    ``,`` or ``;``, with or without BOM, decimal comma or point; Excel; ODS; parquet) and
    checked against :func:`policy_schema` (see ``POLICY_SCHEMA.describe()``).

    Parameters
    ----------
    path_or_df:
        CSV, Excel (``.xlsx``/``.xls``), ``.ods`` or ``.parquet`` file, or a DataFrame.
    adoption_cols, intensity_cols:
        Column names; default: columns starting with ``jaar_`` or named ``adoptiejaar``,
        and columns starting with ``intensiteit``. Headers are compared ignoring case,
        spaces and underscores (``Jaar Wijkteam`` is ``jaar_wijkteam``) and renamed to
        that canonical spelling (see :func:`canonical_name`); the column order of the
        file is kept.
    boundary_year:
        Municipal boundary year of the codes (added as a column ``indelingsjaar``).
    sheet_name:
        Excel/ODS sheet.
    year_range:
        Plausible adoption years.

    Returns
    -------
    DataFrame
        Validated copy: codes normalised, adoption years as nullable integers with 0 for
        never, intensities as float.

    Raises
    ------
    DataError
        Naming the file, column and rows (file lines for files): missing
        ``gemeentecode``, malformed or duplicate codes, non-integer or implausible years,
        intensities outside [0, 1], no policy column at all.
    """
    label = "policy table (DataFrame)" if isinstance(path_or_df, pd.DataFrame) else None
    raw, source = read_table(path_or_df, sheet_name=sheet_name, source=label)
    headers = [str(c) for c in raw.columns]
    # policy columns are found and named by their normalised header ('Jaar Wijkteam' is jaar_wijkteam);
    # a header given in adoption_cols/intensity_cols matches in any spelling too
    if adoption_cols is None:
        adoption_cols = [c for c in headers if _is_adoption(c)]
    if intensity_cols is None:
        intensity_cols = [c for c in headers if _is_intensity(c)]
    adoption_cols = list(dict.fromkeys(canonical_name(c) for c in adoption_cols))
    intensity_cols = list(dict.fromkeys(canonical_name(c) for c in intensity_cols))
    if not adoption_cols and not intensity_cols:
        raise DataError(
            f"{source}: geen kolom met een beleidsjaar (jaar_wijkteam, jaar_poh, jaar_…, adoptiejaar) of een "
            f"intensiteit (intensiteit_…) gevonden tussen {mask_headers(headers)}; voeg er een toe (het eerste jaar "
            "van het beleid; leeg of 0 = nooit), of geef in Python adoption_cols/intensity_cols mee.",
            source=str(source),
        )
    schema = policy_schema(adoption_cols, intensity_cols)
    raw = schema.rename(raw, source)  # canonical names, the user's column order
    out = schema.validate(raw, source)[list(raw.columns)]
    lo, hi = year_range
    for c in adoption_cols:
        years = out[c]
        bad = (years.notna() & (years != 0) & ((years < lo) | (years > hi))).to_numpy(dtype=bool)
        if bad.any():
            raise DataError(
                f"{source}: adoption-year column {c!r} has invalid values at {rows_text(out.index[bad], source)} "
                f"(e.g. {mask_value(raw[c][bad].iloc[0])}); use a year between {lo} and {hi}, or leave empty / 0 "
                "for never.",
                source=str(source),
                column=c,
            )
        out[c] = years.fillna(0).astype("Int64")
    for c in intensity_cols:
        out[c] = out[c].astype(float)
    out["gemeentecode"] = out["gemeentecode"].astype(str)
    if boundary_year is not None:
        out["indelingsjaar"] = int(boundary_year)
    return out
