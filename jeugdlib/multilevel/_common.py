"""Constants shared by the modules of :mod:`jeugdlib.multilevel`."""

from __future__ import annotations

#: The model's grouping levels, outermost first.
_LEVELS = ("jeugdregio_code", "gemeentecode")
#: Columns that carry the boundary year of the codes in a user table (first found wins).
_YEAR_COLUMNS = ("boundary_year", "indelingsjaar", "jaar")
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
