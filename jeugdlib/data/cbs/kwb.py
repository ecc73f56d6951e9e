"""Kerncijfers wijken en buurten (KWB, 2017-2025) with stable, readable column names."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from jeugdlib.data.cbs._client import _default_client, _fetch_or_full, fetch_meta
from jeugdlib.data.cbs._meta import _clean_code, _Column, _require_props, _resolve, _table_provisional, _to_number
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import normalise_code

__all__ = ["KWB_COLUMNS", "KWB_TABLES", "kwb"]

#: Yearly "Kerncijfers wijken en buurten" tables.
KWB_TABLES: dict[int, str] = {
    2017: "83765NED",
    2018: "84286NED",
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}


#: Harmonised KWB columns: readable name -> keys/titles searched in each table.
KWB_COLUMNS: dict[str, _Column] = {
    "inwoners": _Column(("AantalInwoners",), ("aantal inwoners",), "Number of inhabitants"),
    "mannen": _Column(("Mannen",), ("mannen",), "Men"),
    "vrouwen": _Column(("Vrouwen",), ("vrouwen",), "Women"),
    "inw_0_14": _Column(("k_0Tot15Jaar",), ("0 tot 15 jaar",), "Inhabitants aged 0-14"),
    "inw_15_24": _Column(("k_15Tot25Jaar",), ("15 tot 25 jaar",), "Inhabitants aged 15-24"),
    "inw_25_44": _Column(("k_25Tot45Jaar",), ("25 tot 45 jaar",), "Inhabitants aged 25-44"),
    "inw_45_64": _Column(("k_45Tot65Jaar",), ("45 tot 65 jaar",), "Inhabitants aged 45-64"),
    "inw_65_plus": _Column(("k_65JaarOfOuder",), ("65 jaar of ouder",), "Inhabitants aged 65+"),
    "gescheiden": _Column(("Gescheiden",), ("gescheiden",), "Divorced inhabitants"),
    "huishoudens": _Column(("HuishoudensTotaal",), ("huishoudens totaal",), "Private households"),
    "eenpersoonshuishoudens": _Column(
        ("Eenpersoonshuishoudens",), ("eenpersoonshuishoudens",), "One-person households"
    ),
    "huishoudens_met_kinderen": _Column(
        ("HuishoudensMetKinderen",), ("huishoudens met kinderen",), "Households with children"
    ),
    "gem_huishoudensgrootte": _Column(
        ("GemiddeldeHuishoudensgrootte",), ("gemiddelde huishoudensgrootte",), "Mean household size"
    ),
    "woningvoorraad": _Column(("Woningvoorraad",), ("woningvoorraad",), "Dwellings"),
    "woz_waarde": _Column(
        ("GemiddeldeWOZWaardeVanWoningen", "GemiddeldeWoningwaarde"),
        ("gemiddelde woz waarde van woningen", "gemiddelde woningwaarde"),
        "Mean WOZ value of dwellings (x 1000 euro)",
    ),
    "perc_koopwoningen": _Column(("Koopwoningen",), ("koopwoningen",), "Owner-occupied dwellings (%)"),
    "perc_huurwoningen": _Column(("HuurwoningenTotaal",), ("huurwoningen totaal",), "Rented dwellings (%)"),
    "perc_corporatiewoningen": _Column(
        ("InBezitWoningcorporatie",), ("in bezit woningcorporatie",), "Dwellings owned by housing corporations (%)"
    ),
    "bijstand": _Column(
        ("PersonenPerSoortUitkeringBijstand",),
        ("personen per soort uitkering bijstand", "bijstand"),
        "Persons receiving social assistance (bijstand)",
    ),
    "afstand_huisarts": _Column(
        ("AfstandTotHuisartsenpraktijk",), ("afstand tot huisartsenpraktijk",), "Distance to GP practice (km)"
    ),
    "bevolkingsdichtheid": _Column(("Bevolkingsdichtheid",), ("bevolkingsdichtheid",), "Inhabitants per km2"),
    "stedelijkheid": _Column(("MateVanStedelijkheid",), ("mate van stedelijkheid",), "Urbanity class 1-5"),
    "jongeren_met_jeugdzorg": _Column(
        ("JongerenMetJeugdzorgInNatura",),
        ("jongeren met jeugdzorg in natura",),
        "Young people (0-22) with jeugdzorg in natura (count; CBS rounds wijk counts to 5, suppresses < 10)",
    ),
    "perc_jongeren_met_jeugdzorg": _Column(
        ("PercentageJongerenMetJeugdzorg",),
        ("percentage jongeren met jeugdzorg",),
        "Young people with jeugdzorg in natura as % of all 0-22 year olds (one decimal)",
    ),
    "indelingswijziging": _Column(
        ("IndelingswijzigingWijkenEnBuurten", "IndelingswijzigingGemeenteWijkBuurt"),
        ("indelingswijziging wijken en buurten", "indelingswijziging gemeente wijk buurt"),
        "CBS code for a change of the region since the previous table (1 = unchanged; '.' for gemeenten "
        "before 2022). The key was renamed in the 2022 table.",
    ),
}

_KWB_ID_COLUMNS: dict[str, _Column] = {
    "gemeentenaam": _Column(("Gemeentenaam",), ("gemeentenaam",), "Gemeente name"),
    "soort_regio": _Column(("SoortRegio",), ("soort regio",), "Region type"),
    "codering": _Column(("Codering",), ("codering",), "Region code"),
}

_KWB_DEFAULT = (
    "inwoners",
    "inw_0_14",
    "inw_15_24",
    "gescheiden",
    "huishoudens",
    "huishoudens_met_kinderen",
    "woz_waarde",
    "perc_corporatiewoningen",
    "bijstand",
    "afstand_huisarts",
)


def _decimals(props: pd.DataFrame, key: str) -> int:
    """The ``Decimals`` of ``key`` in a table's DataProperties (0 when absent or empty)."""
    if "Decimals" not in props.columns:
        return 0
    hit = pd.to_numeric(props.loc[props["Key"].astype(str) == key, "Decimals"], errors="coerce").dropna()
    return max(int(hit.iloc[0]), 0) if len(hit) else 0


_DECIMAL_MARK = r"[.,][0-9]"


def _scaled_number(raw: pd.Series, decimals: int) -> tuple[pd.Series, str]:
    """Numbers of one column, scaled by ``10**-decimals`` when stored without their decimal point.

    CBS's untyped data write one-decimal values with their point (``"     9.7"``); typed data
    are numbers. A text column whose metadata declares ``decimals > 0`` but whose filled cells
    have no decimal separator at all was stored as whole numbers (``97`` for 9.7, as in
    spreadsheet exports in Dutch notation): it is divided by ``10**decimals``. Returns the
    numbers and, when scaled, a note for the caller's warning (``""`` otherwise).
    """
    values = _to_number(raw)
    if decimals <= 0 or pd.api.types.is_numeric_dtype(raw) or not values.notna().any():
        return values, ""
    text = raw[values.notna()].astype(str)
    if text.str.contains(_DECIMAL_MARK, regex=True).any():
        return values, ""
    step = 10**decimals
    nonzero = values[values.notna() & (values != 0)]
    # whole values stored x10 end in 0; an export that wrote 2.0 as '2' leaves none that do
    note = f"/{step}"
    if len(nonzero) >= 10 and not (nonzero % step == 0).any():
        note += ", no value ends in 0"
    return values / step, note


def kwb(
    year: int,
    level: Literal["wijk", "gemeente"] = "wijk",
    *,
    columns: Sequence[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Kerncijfers wijken en buurten of one year with harmonised column names.

    Columns are found through each table's metadata: the DataProperties key
    with its positional suffix stripped (``AantalInwoners_5`` ->
    ``AantalInwoners``) or, failing that, the title. Never by position.

    Parameters
    ----------
    year : int
        2017 to 2025 (see :data:`KWB_TABLES`); the boundary year of the codes.
    level : {"wijk", "gemeente"}
        Region level.
    columns : sequence of str, optional
        Harmonised names from :data:`KWB_COLUMNS`; default
        ``inwoners, inw_0_14, inw_15_24, gescheiden, huishoudens,
        huishoudens_met_kinderen, woz_waarde, perc_corporatiewoningen,
        bijstand, afstand_huisarts``.
    cache_dir, client
        As in :func:`fetch`.

    Returns
    -------
    pandas.DataFrame
        ``wijkcode`` (wijk level only), ``gemeentecode``, ``naam``,
        ``gemeentenaam``, ``jaar``, the requested columns (float, NaN where CBS
        has ``.`` or blank) and ``voorlopig``. For wijk level ``gemeentecode``
        is derived from the wijk code (``WK036301`` -> ``GM0363``).

    Raises
    ------
    DataError
        Unknown year or level, unknown column name, or a column missing from
        the table's metadata.
    OfflineError
        CBS unreachable and nothing cached.
    """
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or int(year) not in KWB_TABLES:
        raise DataError(
            f"No Kerncijfers wijken en buurten table for year {year!r}. Supported years: "
            f"{', '.join(str(y) for y in KWB_TABLES)}."
        )
    if level not in ("wijk", "gemeente"):
        raise DataError(f"kwb(level={level!r}) is not supported; use 'wijk' or 'gemeente'.")
    year = int(year)
    wanted = list(_KWB_DEFAULT if columns is None else columns)
    unknown = [c for c in wanted if c not in KWB_COLUMNS]
    if unknown:
        raise DataError(f"Unknown KWB column name(s) {unknown}. Available harmonised names: {', '.join(KWB_COLUMNS)}.")
    table_id = KWB_TABLES[year]
    client = client if client is not None else _default_client()
    props = _require_props(fetch_meta(table_id, "DataProperties", cache_dir=cache_dir, client=client), table_id)
    infos = fetch_meta(table_id, "TableInfos", cache_dir=cache_dir, client=client)

    geo = props.loc[props["Type"].astype(str) == "GeoDimension", "Key"]
    if geo.empty:
        raise DataError(f"CBS table {table_id}: DataProperties has no GeoDimension (expected 'WijkenEnBuurten').")
    geo_key = str(geo.iloc[0])
    id_keys = {
        name: _resolve(props, spec, name, table_id, ("Topic", "GeoDetail")) for name, spec in _KWB_ID_COLUMNS.items()
    }
    value_keys = {name: _resolve(props, KWB_COLUMNS[name], name, table_id, ("Topic",)) for name in wanted}

    prefix = "WK" if level == "wijk" else "GM"
    select = [geo_key, *id_keys.values(), *value_keys.values()]
    raw, _ = _fetch_or_full(table_id, select, f"startswith({geo_key},'{prefix}')", cache_dir=cache_dir, client=client)
    if raw.empty:
        raw = pd.DataFrame(columns=select, dtype=object)
    missing_cols = [k for k in select if k not in raw.columns]
    if missing_cols:
        raise DataError(
            f"CBS table {table_id}: the data lack column(s) {missing_cols} that its metadata lists; "
            "fetch again with refresh=True."
        )
    # filter locally too: the frame may be the full table (offline fallback after prefetch)
    codes = raw[id_keys["codering"]].map(_clean_code)
    keep = codes.astype(str).str.startswith(prefix)
    raw, codes = raw.loc[keep].reset_index(drop=True), codes.loc[keep].reset_index(drop=True)

    # CBS pads codes with spaces ('WK036301  '): _clean_code strips them and maps the missing symbols;
    # the input layer's normaliser then checks the form (and refuses anything that is not a code)
    src, col = f"CBS table {table_id}", str(id_keys["codering"])
    codes = normalise_code(codes, "wijk" if level == "wijk" else "gemeente", column=col, source=src)
    out = pd.DataFrame(index=raw.index)
    if level == "wijk":
        out["wijkcode"] = codes
        # WK + GGGG + WW: the wijk code starts with the digits of its gemeente code
        out["gemeentecode"] = normalise_code(codes.str[2:6], "gemeente", column=col, source=src)
    else:
        out["gemeentecode"] = codes
    out["naam"] = raw[geo_key].map(_clean_code)
    out["gemeentenaam"] = raw[id_keys["gemeentenaam"]].map(_clean_code)
    out["jaar"] = year
    scaled = []
    for name, key in value_keys.items():
        out[name], how = _scaled_number(raw[key], _decimals(props, key))
        if how:
            scaled.append(f"{key} ({how})")
    if scaled:
        warnings.warn(
            f"CBS table {table_id}: column(s) {', '.join(scaled)} hold whole numbers although the metadata "
            "(DataProperties.Decimals) declares decimals: read as stored without their decimal point "
            "(97 -> 9.7). Where noted, no value ends in 0 although whole values stored that way would: the "
            "export probably also dropped the '.0' of whole values (2.0 written as 2), which then read 10 times "
            "too small. Check such columns against StatLine, or fetch again with refresh=True.",
            JeugdlibWarning,
            stacklevel=2,
        )
    out["voorlopig"] = _table_provisional(infos)
    return out
