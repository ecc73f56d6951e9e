"""Local wijk data on cohesion, safety and facilities: the declared schema and its loader.

Reading and checking go through the input layer :mod:`jeugdlib.io`: the file is
read by :func:`jeugdlib.io.read_table` (a Dutch Excel "CSV UTF-8" with ``;``,
decimal comma and BOM included) and checked by the declared
:data:`LOCAL_WIJK_SCHEMA`, extended per file with the extra variables it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io import Column, Schema, canonical_name, header_key, read_table

__all__ = ["LOCAL_WIJK_SCHEMA", "canonical_name", "is_share_column", "load_local_wijk_data", "local_wijk_schema"]

#: Schema of local wijk data on cohesion, safety and facilities as municipalities
#: publish it (wijkmonitor, Veiligheidsmonitor, Leefbaarometer exports).
#: One row per wijk (per year); codes are CBS wijk codes of the boundary year
#: ``indelingsjaar`` (default: ``jaar``). At least one variable column is needed.
#: Other numeric columns are kept as extra variables (``perc_*`` columns are
#: checked to lie within 0–100). The values must come from a real source:
#: jeugdlib never ships or invents cohesion or safety values.
LOCAL_WIJK_SCHEMA = Schema(
    "local wijk data",
    [
        Column("wijkcode", "code:wijk", description="CBS wijk code WK + 6 digits, boundaries of `indelingsjaar`"),
        Column(
            "jaar",
            "int",
            min=1990,
            max=2100,
            nullable=False,
            description="measurement year (e.g. 2017; Veiligheidsmonitor: survey year)",
        ),
        Column(
            "indelingsjaar",
            "int",
            required=False,
            min=1990,
            max=2100,
            description="boundary year of the wijk codes when it differs from `jaar`",
        ),
        Column("wijknaam", "str", required=False, description="wijk name (for messages and tables only)"),
        Column(
            "sociale_cohesie",
            "float",
            required=False,
            min=0,
            max=10,
            description="social cohesion scale score 0–10 (Veiligheidsmonitor 'schaalscore sociale cohesie')",
        ),
        Column(
            "veiligheid_ervaren",
            "float",
            required=False,
            min=0,
            max=10,
            description="perceived safety in the own buurt, report mark 0–10 (higher = safer)",
        ),
        Column(
            "tevredenheid_voorzieningen",
            "float",
            required=False,
            min=0,
            max=10,
            description="satisfaction with facilities (play areas, shops, youth facilities), mark 0–10",
        ),
        Column(
            "n_respondenten",
            "count",
            required=False,
            description="number of survey respondents behind the wijk's scores",
        ),
    ],
    key=("wijkcode", "jaar"),
    description="one row per wijk and year; other numeric columns are extra variables (perc_*: 0–100)",
)

_SCORE_COLUMNS = ("sociale_cohesie", "veiligheid_ervaren", "tevredenheid_voorzieningen")
#: Descriptive columns that are never variables (kept as text).
_TEXT_COLUMNS = ("wijknaam", "gemeentecode", "gemeentenaam", "buurtcode", "buurtnaam", "bron")
_YEARS = ("jaar", "indelingsjaar")


def local_wijk_schema() -> pd.DataFrame:
    """:data:`LOCAL_WIJK_SCHEMA` as a table (for documentation and notebooks)."""
    return LOCAL_WIJK_SCHEMA.describe()


def is_share_column(name: object) -> bool:
    """``perc_*`` (in any spelling: ``Perc Huurwoningen``, ``PERC_huur``): a percentage 0–100."""
    return canonical_name(name).startswith("perc_")


def _file_schema(columns: Iterable[str]) -> Schema:
    """The declared schema plus one optional numeric column per extra variable in the file."""
    declared = {header_key(n) for c in LOCAL_WIJK_SCHEMA.columns for n in (c.name, *c.aliases)}
    text = {header_key(c) for c in _TEXT_COLUMNS}
    skip = declared | text
    extra = [c for c in columns if header_key(c) not in skip]
    cols = [
        Column(c, "share" if is_share_column(c) else "float", required=False, description="extra variable")
        for c in extra
    ]
    return Schema(
        LOCAL_WIJK_SCHEMA.name,
        [*LOCAL_WIJK_SCHEMA.columns, *cols],
        key=LOCAL_WIJK_SCHEMA.key,
        description=LOCAL_WIJK_SCHEMA.description,
    )


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
        CSV (``,`` or ``;``; decimal comma and a BOM accepted, as in a Dutch
        Excel "CSV UTF-8" export), Excel/ODS or parquet file, or a DataFrame.
    jaar:
        Year to keep when the file holds several years (required then).
    sheet_name:
        Sheet of an Excel/ODS file.

    Returns
    -------
    DataFrame
        One row per wijk, the file's columns in its order: ``wijkcode`` (normalised,
        e.g. ``wk50311`` -> ``WK050311``), ``jaar`` (int), the score columns and any
        other numeric variables as float, text columns as text. The boundary year
        of the codes is ``indelingsjaar`` when present, else ``jaar``:
        :func:`add_wijk_variables` reads it from these columns (no ``DataFrame.attrs``).

    Raises
    ------
    DataError
        Missing ``wijkcode``/``jaar``, no variable column, malformed or
        duplicated codes, non-numeric values or scores outside 0–10, naming
        the file, column and rows (file lines for a file).
    """
    raw, source = read_table(path, sheet_name=sheet_name)
    raw = raw.set_axis([canonical_name(c) for c in raw.columns], axis=1)
    schema = _file_schema(raw.columns)
    present = list(schema.rename(raw, source).columns)
    df = schema.validate(raw, source)[present]  # absent optional columns are not added
    not_variables = {*_TEXT_COLUMNS, *_YEARS, "wijkcode"}
    variables = [c for c in present if c not in not_variables]
    if not variables:
        raise DataError(
            f"{source}: no variable columns besides codes and names; expected e.g. {list(_SCORE_COLUMNS)}.",
            source=source,
        )
    years = sorted(int(y) for y in df["jaar"].unique())
    if jaar is None and len(years) > 1:
        raise DataError(
            f"{source}: the file holds several years {years}; pass jaar=... to pick one "
            "(a model uses the wijk characteristics of one year).",
            source=source,
            column="jaar",
        )
    if jaar is not None:
        if jaar not in years:
            raise DataError(f"{source}: no rows for jaar={jaar}; years in the file: {years}.", source=source)
        df = df[df["jaar"] == jaar]
    df = df.copy()
    all_empty = [c for c, empty in df[variables].isna().all().items() if empty]
    if all_empty:
        raise DataError(f"{source}: column(s) {all_empty} are entirely empty; remove them or fill them.", source=source)
    if "indelingsjaar" in df.columns:
        by = sorted({int(v) for v in df["indelingsjaar"].dropna()})
        if len(by) != 1:
            raise DataError(
                f"{source}: column 'indelingsjaar' must hold one boundary year, found {by}.",
                source=source,
                column="indelingsjaar",
            )
        df["indelingsjaar"] = df["indelingsjaar"].astype(float)
    df["jaar"] = df["jaar"].astype(int)
    # documented: variables as float (counts such as n_respondenten too); one block, not one column at a time
    df = pd.concat([df.drop(columns=variables), df[variables].astype(float)], axis=1)[present]
    return df.reset_index(drop=True)
