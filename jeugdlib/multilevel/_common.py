"""Constants and helpers shared by the modules of :mod:`jeugdlib.multilevel`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io import parse_numeric

#: The model's grouping levels, outermost first.
_LEVELS = ("jeugdregio_code", "gemeentecode")
#: Columns that carry the boundary year of the codes in a user table (first found wins).
_YEAR_COLUMNS = ("boundary_year", "indelingsjaar", "jaar")
#: The column that carries the boundary year of the codes in wijk data (the loaders of :mod:`jeugdlib.data`).
_DATA_YEAR_COLUMNS = ("indelingsjaar",)
#: Descriptive columns never joined as variables by default.
_ID_COLUMNS = {
    "wijkcode",
    "wijknaam",
    "gemeentecode",
    "gemeentenaam",
    "jeugdregio_code",
    "jeugdregio_naam",
    "buurtcode",
    "buurtnaam",
    "bron",
    *_YEAR_COLUMNS,
}


def _boundary_year_of(df: pd.DataFrame, source: str, columns: Sequence[str] = _YEAR_COLUMNS) -> int | None:
    """The one boundary year held by the first of ``columns`` present in ``df`` (None: no column, or empty).

    Several years in that column raise :class:`DataError`: codes of one table must share one boundary year.
    """
    for col in columns:
        if col in df.columns:
            vals = sorted({int(v) for v in parse_numeric(df[col], column=col, source=source).dropna()})
            if len(vals) > 1:
                raise DataError(
                    f"{source}: column {col!r} holds several years {vals}; the wijk codes of one table "
                    "must be of one boundary year. Select one year first."
                )
            if len(vals) == 1:
                return int(vals[0])
    return None
