"""Local wijk data on cohesion, safety and facilities: the schema and its loader."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from jeugdlib.data.validation import format_items, read_table, to_numeric_nl, validate_table
from jeugdlib.errors import DataError

__all__ = ["LOCAL_WIJK_SCHEMA", "SchemaColumn", "load_local_wijk_data", "local_wijk_schema"]


@dataclass(frozen=True)
class SchemaColumn:
    """One column of :data:`LOCAL_WIJK_SCHEMA`."""

    name: str
    required: bool
    kind: Literal["code", "year", "score", "share", "count", "text"]
    description: str
    low: float | None = None
    high: float | None = None


#: Schema of local wijk data on cohesion, safety and facilities as municipalities
#: publish it (wijkmonitor, Veiligheidsmonitor, Leefbaarometer exports).
#: One row per wijk (per year); codes are CBS wijk codes of the boundary year
#: ``indelingsjaar`` (default: ``jaar``). At least one variable column is needed.
#: Other numeric columns are kept as extra variables (``perc_*`` columns are
#: checked to lie within 0–100). The values must come from a real source:
#: jeugdlib never ships or invents cohesion or safety values.
LOCAL_WIJK_SCHEMA: tuple[SchemaColumn, ...] = (
    SchemaColumn("wijkcode", True, "code", "CBS wijk code WK + 6 digits, boundaries of `indelingsjaar`"),
    SchemaColumn("jaar", True, "year", "measurement year (e.g. 2017; Veiligheidsmonitor: survey year)", 1990, 2100),
    SchemaColumn(
        "indelingsjaar", False, "year", "boundary year of the wijk codes when it differs from `jaar`", 1990, 2100
    ),
    SchemaColumn("wijknaam", False, "text", "wijk name (for messages and tables only)"),
    SchemaColumn(
        "sociale_cohesie",
        False,
        "score",
        "social cohesion scale score 0–10 (Veiligheidsmonitor 'schaalscore sociale cohesie')",
        0,
        10,
    ),
    SchemaColumn(
        "veiligheid_ervaren",
        False,
        "score",
        "perceived safety in the own buurt, report mark 0–10 (higher = safer)",
        0,
        10,
    ),
    SchemaColumn(
        "tevredenheid_voorzieningen",
        False,
        "score",
        "satisfaction with facilities (play areas, shops, youth facilities), mark 0–10",
        0,
        10,
    ),
    SchemaColumn("n_respondenten", False, "count", "number of survey respondents behind the wijk's scores", 0, None),
)
_SCORE_COLUMNS = tuple(c.name for c in LOCAL_WIJK_SCHEMA if c.kind == "score")


def local_wijk_schema() -> pd.DataFrame:
    """:data:`LOCAL_WIJK_SCHEMA` as a table (for documentation and notebooks)."""
    return pd.DataFrame([c.__dict__ for c in LOCAL_WIJK_SCHEMA])


def load_local_wijk_data(
    path: str | Path | pd.DataFrame,
    *,
    jaar: int | None = None,
    sheet_name: str | int = 0,
) -> pd.DataFrame:
    """Read and validate local wijk data in the :data:`LOCAL_WIJK_SCHEMA` schema.

    Parameters
    ----------
    path:
        CSV (``,`` or ``;``; decimal comma accepted), Excel/ODS or parquet
        file, or a DataFrame.
    jaar:
        Year to keep when the file holds several years (required then).
    sheet_name:
        Sheet of an Excel/ODS file.

    Returns
    -------
    DataFrame
        One row per wijk: ``wijkcode, jaar``, the score columns and any other
        numeric variables as float. The boundary year of the codes is
        ``indelingsjaar`` when present, else ``jaar``: :func:`add_wijk_variables`
        reads it from these columns (no ``DataFrame.attrs``).

    Raises
    ------
    DataError
        Missing ``wijkcode``/``jaar``, no variable column, malformed or
        duplicated codes, non-numeric values or scores outside 0–10, naming
        the file, column and rows.
    """
    raw, source = read_table(path, sheet_name=sheet_name)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    known = {c.name: c for c in LOCAL_WIJK_SCHEMA}
    missing = [c.name for c in LOCAL_WIJK_SCHEMA if c.required and c.name not in raw.columns]
    if missing:
        raise DataError(
            f"{source}: required column(s) {missing} missing (present: {list(raw.columns)}). The local wijk "
            "schema needs `wijkcode` (CBS code WK + 6 digits) and `jaar`; see jeugdlib.multilevel.LOCAL_WIJK_SCHEMA."
        )
    raw["jaar"] = to_numeric_nl(raw["jaar"], column="jaar", source=source)
    if raw["jaar"].isna().any():
        raise DataError(
            f"{source}: column 'jaar' is empty at rows {format_items(raw.index[raw['jaar'].isna()])}; "
            "give the measurement year of every row."
        )
    years = sorted(int(y) for y in raw["jaar"].unique())
    if jaar is None and len(years) > 1:
        raise DataError(
            f"{source}: the file holds several years {years}; pass jaar=... to pick one "
            "(a model uses the wijk characteristics of one year)."
        )
    if jaar is not None:
        if jaar not in years:
            raise DataError(f"{source}: no rows for jaar={jaar}; years in the file: {years}.")
        raw = raw[raw["jaar"].astype(int) == jaar]
    text = {c.name for c in LOCAL_WIJK_SCHEMA if c.kind in ("text", "code")} | {
        "gemeentecode",
        "gemeentenaam",
        "buurtcode",
        "buurtnaam",
        "bron",
    }
    variables = [c for c in raw.columns if c not in text and c not in ("jaar", "indelingsjaar")]
    if not variables:
        raise DataError(f"{source}: no variable columns besides codes and names; expected e.g. {list(_SCORE_COLUMNS)}.")
    shares = [c for c in variables if c.startswith("perc_")]
    df = validate_table(
        raw,
        key="wijkcode",
        numeric=[c for c in variables if c not in shares],
        shares=shares,
        codes=["wijkcode"],
        source=source,
    )
    for c in variables:
        spec = known.get(c)
        if spec is None or spec.low is None:
            continue
        v = df[c]
        bad = v.notna() & ((v < spec.low) | ((v > spec.high) if spec.high is not None else False))
        if bad.any():
            rng = f"{spec.low:g}–{spec.high:g}" if spec.high is not None else f">= {spec.low:g}"
            raise DataError(
                f"{source}: column {c!r} ({spec.description}) must lie in {rng} but has "
                f"{format_items(v[bad].round(3).tolist())} at rows {format_items(df.index[bad])} "
                f"(wijken {format_items(df.loc[bad, 'wijkcode'])}). Percentages? Store them as a `perc_...` column."
            )
    all_empty = [c for c in variables if df[c].isna().all()]
    if all_empty:
        raise DataError(f"{source}: column(s) {all_empty} are entirely empty; remove them or fill them.")
    if "indelingsjaar" in df.columns:
        df["indelingsjaar"] = to_numeric_nl(df["indelingsjaar"], column="indelingsjaar", source=source)
        by = sorted({int(v) for v in df["indelingsjaar"].dropna()})
        if len(by) != 1:
            raise DataError(f"{source}: column 'indelingsjaar' must hold one boundary year, found {by}.")
    df["jaar"] = df["jaar"].astype(int)
    return df.reset_index(drop=True)
