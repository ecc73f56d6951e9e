"""Embedded real data and loaders.

Every loader returns a fresh copy of a validated :class:`pandas.DataFrame`
built from the real published files in ``jeugdlib/data/embedded`` (provenance,
licences and quirks: ``data/README.md``). The files are read and checked by the
input layer :mod:`jeugdlib.io` against the schemas of
:mod:`jeugdlib.data.schemas`, exactly as user files are. Codes always carry
their boundary year: SCP 2017 wijken use 2017 boundaries; ``load_wijken(2021)``
uses 2021 wijk codes with the jeugdregio of the 2022 successor gemeente. The
boundary year of each file is :attr:`Dataset.boundary_year`; the wijk loaders
(:func:`load_scp_2017`, :func:`load_wijken`, :func:`load_kwb_amsterdam_2017`)
also carry it in an integer column ``indelingsjaar`` (the boundary year of the
codes in that row), which survives pandas operations and is read by
:mod:`jeugdlib.multilevel`.
"""

from __future__ import annotations

import difflib
import functools

import numpy as np
import pandas as pd

from jeugdlib.data._datasets import DATASETS, EMBEDDED_DIR, Dataset, copying, embedded_path
from jeugdlib.data.elan import ELAN_BRON, load_elan_haaglanden
from jeugdlib.data.geometry import load_geometries
from jeugdlib.data.leefbaarometer import LeefbaarometerCoverage, leefbaarometer_coverage, load_leefbaarometer
from jeugdlib.data.schemas import (
    AMSTERDAM_KWB_2017_SCHEMA,
    GEMEENTE_JEUGDREGIO_SCHEMA,
    INDICATOREN_2022_SCHEMA,
    KWB_COLUMNS,
    MERGERS_SCHEMA,
    MPDTA_SCHEMA,
    SCP_2017_SCHEMA,
    SCP_DETERMINANT_COLUMNS,
    kwb_schema,
)
from jeugdlib.data.validation import read_table, validate_table
from jeugdlib.errors import DataError, RegionNotFoundError
from jeugdlib.io import Schema, SourceLabel
from jeugdlib.io import read_table as _read

__all__ = [
    "DATASETS",
    "ELAN_BRON",
    "EMBEDDED_DIR",
    "JZ_COUNT_COLUMNS",
    "KWB_COLUMNS",
    "SCP_DETERMINANT_COLUMNS",
    "Dataset",
    "LeefbaarometerCoverage",
    "embedded_path",
    "find_region",
    "leefbaarometer_coverage",
    "load_geometries",
    "load_gemeenten",
    "load_elan_haaglanden",
    "load_kwb_amsterdam_2017",
    "load_leefbaarometer",
    "load_mergers",
    "load_mpdta",
    "load_scp_2017",
    "load_wijken",
    "read_table",
    "regions",
    "validate_table",
]


def to_numeric_nl(values: pd.Series, *, column: str = "?", source: str = "table") -> pd.Series:
    """Deprecated (jeugdlib 0.1): use :func:`jeugdlib.io.parse_numeric`.

    The same parser (decimal comma, strict; ``inf``/``nan`` strings and columns mixing
    ``12,5`` with ``13.5`` are refused with a :class:`DataError`).
    """
    import warnings

    from jeugdlib.data.validation import to_numeric_nl as _to_numeric_nl

    warnings.warn(
        "jeugdlib.data.to_numeric_nl is deprecated since jeugdlib 0.2; use "
        "jeugdlib.io.parse_numeric(values, column=..., source=...)",
        DeprecationWarning,
        stacklevel=2,
    )
    return _to_numeric_nl(values, column=column, source=source)


def _validated(name: str, schema: Schema, df: pd.DataFrame | None = None, label: str | None = None) -> pd.DataFrame:
    """Read embedded dataset ``name`` (or check ``df`` from it) against ``schema``, columns in file order."""
    if df is None:
        df, label = _read(embedded_path(name), source=DATASETS[name].file, decimal=DATASETS[name].decimal)
    label = label or DATASETS[name].file
    out = schema.validate(df, label)
    return out[schema.canonical_names(df.columns, label)]


def _boundary_year(name: str) -> np.int64:
    """The boundary year of embedded dataset ``name``, for its ``indelingsjaar`` column."""
    year = DATASETS[name].boundary_year
    if year is None:  # pragma: no cover - a catalogue entry of one boundary year always declares it
        raise DataError(f"{DATASETS[name].file}: no boundary year declared in the dataset catalogue.")
    return np.int64(year)


def _plain_ints(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Whole-number columns without missing values as ``int64`` (as pandas' CSV reader gives them)."""
    for c in cols:
        if df[c].notna().all():
            df[c] = df[c].astype("int64")
    return df


# --------------------------------------------------------------------------- regions
@copying
def _gemeente_jeugdregio(year: int) -> pd.DataFrame:
    boundary = 2017 if year == 2017 else 2022
    df = _validated(f"gemeente_jeugdregio_{boundary}", GEMEENTE_JEUGDREGIO_SCHEMA)
    return df[["gemeentecode", "gemeentenaam", "jeugdregio_code", "jeugdregio_naam"]]


@copying
def load_mergers() -> pd.DataFrame:
    """The embedded table of gemeente mergers (``gemeente_herindelingen.csv``), validated.

    Columns ``ingangsjaar`` (first boundary year without the old gemeente),
    ``oude_gemeentecode``, ``oude_gemeentenaam``, ``nieuwe_gemeentecode``,
    ``nieuwe_gemeentenaam``, ``bron``, ``opmerking``; one row per dissolved
    gemeente (:data:`jeugdlib.data.schemas.MERGERS_SCHEMA`).
    """
    return _plain_ints(_validated("gemeente_herindelingen", MERGERS_SCHEMA), ["ingangsjaar"])


_REGION_YEARS = (2017, 2021, 2022)


def _check_region_year(year: int) -> None:
    if year not in _REGION_YEARS:
        raise DataError(
            f"no jeugdregio table for {year}; embedded boundary years are {list(_REGION_YEARS)} "
            "(2021 uses the 2022 regions through the merger table)."
        )


def regions(year: int = 2022) -> pd.DataFrame:
    """The 42 jeugdzorgregio's with their number of gemeenten.

    Columns ``jeugdregio_code, jeugdregio_naam, n_gemeenten``, sorted by code.
    """
    _check_region_year(year)
    g = _gemeente_jeugdregio(year)
    out = (
        g.groupby(["jeugdregio_code", "jeugdregio_naam"], as_index=False)
        .agg(n_gemeenten=("gemeentecode", "size"))
        .sort_values("jeugdregio_code", ignore_index=True)
    )
    return out


def _norm(s: str) -> str:
    return " ".join(str(s).lower().replace("-", " ").replace("(", " ").replace(")", " ").split())


def find_region(name_or_code: str, year: int = 2022) -> pd.Series:
    """Look up one jeugdregio by code (``JZ24``) or name in any case (``haaglanden``).

    Matches, in order: the code; the full name; a name whose first part (before
    a bracket) equals the query; a unique name containing the query. Returns the
    row of :func:`regions`. An unknown or ambiguous query raises
    :class:`~jeugdlib.errors.RegionNotFoundError` listing the closest names.
    """
    table = regions(year)
    q = str(name_or_code).strip()
    if not q:
        raise RegionNotFoundError("empty region name; give a code such as JZ24 or a name such as Haaglanden")
    by_code = table[table.jeugdregio_code.str.upper() == q.upper()]
    if len(by_code) == 1:
        return by_code.iloc[0]
    names = table.jeugdregio_naam.map(_norm)
    nq = _norm(q)
    for mask in (
        names == nq,
        names.str.split(" ").str[0].eq(nq) | table.jeugdregio_naam.str.split("(").str[0].map(_norm).eq(nq),
        names.str.contains(nq, regex=False),
    ):
        hit = table[mask]
        if len(hit) == 1:
            return hit.iloc[0]
        if len(hit) > 1:
            opts = [f"{r.jeugdregio_naam} ({r.jeugdregio_code})" for r in hit.itertuples()]
            raise RegionNotFoundError(f"region {q!r} is ambiguous in {year}: {opts}. Use the code.", opts)
    labels = {f"{r.jeugdregio_naam} ({r.jeugdregio_code})": _norm(r.jeugdregio_naam) for r in table.itertuples()}
    close = difflib.get_close_matches(nq, list(labels.values()), n=5, cutoff=0.4)
    by_norm = {v: k for k, v in labels.items()}
    suggestions = [by_norm[c] for c in close] or list(labels)[:5]
    raise RegionNotFoundError(
        f"unknown jeugdregio {q!r} for {year}. Closest: {', '.join(suggestions)}. "
        "Run `jeugdlib data regions` for the full list.",
        suggestions,
    )


# --------------------------------------------------------------------------- SCP 2017
@copying
def load_scp_2017() -> pd.DataFrame:
    """The SCP wijkbestand 2017: one row per wijk (2,918 wijken, 2017 boundaries).

    Columns: ``wijkcode, wijknaam, gemeentecode, gemeentenaam, jeugdregio_code,
    jeugdregio_naam, indelingsjaar`` (2017, the boundary year of the codes),
    ``perc_jhzv`` (observed share of youths with jeugdhulp zonder verblijf;
    NaN for the 286 wijken CBS suppressed), ``perc_przv`` (SCP's
    expected share), ``residu`` (observed − expected) and the 27 determinants
    of :data:`SCP_DETERMINANT_COLUMNS` (NaN where the public file suppresses them).
    """
    src = DATASETS["scp_2017"].file
    df = _validated("scp_2017", SCP_2017_SCHEMA)
    reg = _gemeente_jeugdregio(2017)[["gemeentecode", "jeugdregio_code", "jeugdregio_naam"]]
    df = df.merge(reg, on="gemeentecode", how="left", validate="many_to_one")
    if df.jeugdregio_code.isna().any():
        missing = sorted(df.loc[df.jeugdregio_code.isna(), "gemeentecode"].unique())
        raise DataError(f"{src}: gemeenten {missing} have no jeugdregio in gemeente_jeugdregio_2017.csv.")
    cols = [
        "wijkcode",
        "wijknaam",
        "gemeentecode",
        "gemeentenaam",
        "jeugdregio_code",
        "jeugdregio_naam",
        "indelingsjaar",
        "perc_jhzv",
        "perc_przv",
        "residu",
        *SCP_DETERMINANT_COLUMNS,
    ]
    df["indelingsjaar"] = _boundary_year("scp_2017")
    return df[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- KWB + jeugdzorg per wijk
#: Youth-care count columns (for disclosure control).
JZ_COUNT_COLUMNS: tuple[str, ...] = tuple(v for v in KWB_COLUMNS.values() if v.startswith("jz_"))
_ONLY_2021 = (
    "bijstand",
    "gem_inkomen_per_inwoner_x1000",
    "afstand_huisarts",
    "afstand_supermarkt",
    "afstand_kinderdagverblijf",
    "afstand_school",
)


@functools.lru_cache(maxsize=1)  # internal and never modified (rows are selected into new frames): no copies
def _kwb_raw() -> pd.DataFrame:
    """The KWB + jeugdzorg file as text; each loader validates its rows (wijk or gemeente) by its schema."""
    ds = DATASETS["kwb_jeugdzorg_2021_2022"]
    raw, _ = _read(embedded_path(ds.name), source=ds.file, decimal=ds.decimal)
    return raw


def _kwb_rows(level: str, year: int) -> pd.DataFrame:
    name = "kwb_jeugdzorg_2021_2022"
    raw = _kwb_raw()
    if not {"recs", "year"} <= set(raw.columns):
        raise DataError(f"{DATASETS[name].file}: columns 'recs' and 'year' are missing; the embedded file is damaged.")
    rows = raw[(raw["recs"] == ("Wijk" if level == "wijk" else "Gemeente")) & (raw["year"] == str(year))]
    label = SourceLabel(f"{DATASETS[name].file} ({year})", 2)
    label.decimal = DATASETS[name].decimal
    df = _validated(name, kwb_schema(level), rows, label)
    return _plain_ints(df, ["jaar"])


def _successor_map_2021_2022() -> dict[str, str]:
    # the one merger helper (with chaining); imported here because jeugdlib.data.cbs builds on this module
    from jeugdlib.data.cbs import successor_map

    return successor_map(2021, 2022)


def _add_derived(df: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = df["inw_0_14"] + df["inw_15_24"]
        df["jeugd_0_24_proxy"] = denom
        df["perc_jz_van_0_24_proxy"] = 100 * df["jz_jongeren"] / denom.where(denom > 0)
        df["perc_jz_verwijzer_gemeente_van_trajecten"] = (
            100 * df["jz_verwijzer_gemeente"] / df["jz_trajecten"].where(df["jz_trajecten"] > 0)
        )
        inw = df["inwoners"].where(df["inwoners"] > 0)
        hh = df["huishoudens"].where(df["huishoudens"] > 0)
        working = (df["inw_15_24"] + df["inw_25_44"] + df["inw_45_64"]).where(lambda s: s > 0)
        df["perc_hh_met_kinderen"] = 100 * df["huishoudens_met_kinderen"] / hh
        df["perc_nietwesters"] = 100 * df["migratie_nietwesters"] / inw
        df["perc_antillen_suriname"] = 100 * (df["migratie_antillen_aruba"] + df["migratie_suriname"]) / inw
        df["perc_gescheiden"] = 100 * df["gescheiden"] / inw
        df["perc_bijstand"] = 100 * df["bijstand"] / inw
        df["perc_ao_uitkering"] = 100 * df["ao_uitkering"] / inw
        df["groene_druk_proxy"] = 100 * df["inw_0_14"] / working
        df["grijze_druk_proxy"] = 100 * df["inw_65_plus"] / working
        df["kleinewijk"] = (df["inwoners"] < 1000).astype(float)
    return df


@copying
def load_wijken(year: int) -> pd.DataFrame:
    """CBS wijk rows of ``year`` (2021 or 2022) with KWB variables and youth-care counts.

    Columns: ``wijkcode, wijknaam, gemeentecode, gemeentenaam, jeugdregio_code,
    jeugdregio_naam, jaar, indelingsjaar`` (``year``: the boundary year of the
    codes), the KWB variables under the readable names of
    :data:`KWB_COLUMNS`, the youth-care counts (``jz_*``; rounded to 5 and
    suppressed below 10 by CBS), and derived shares:

    ``perc_jz_van_0_24_proxy``
        Youths with jeugdzorg in natura as % of the 0–24 population
        (``inw_0_14 + inw_15_24``). The KWB file has no 0–22 population, so the
        denominator is a *proxy*: it includes 23–24 year olds and the
        numerator's age range (0–22) is narrower. Shares are therefore
        somewhat lower than CBS's own percentages.
    ``perc_hh_met_kinderen, perc_nietwesters, perc_antillen_suriname,
    perc_gescheiden, perc_bijstand, perc_ao_uitkering, groene_druk_proxy,
    grijze_druk_proxy, kleinewijk``
        Open stand-ins for SCP determinants (see :mod:`jeugdlib.scp`).

    Bijstand, income and distances are only filled for 2021 in this file.
    2021 wijken of gemeenten that merged on 1 January 2022 keep their 2021
    gemeentecode; their jeugdregio is that of the 2022 successor
    (``gemeentecode_2022`` column; table ``gemeente_herindelingen.csv``).
    """
    if year not in (2021, 2022):
        raise DataError(
            f"embedded wijk data exists for 2021 and 2022, not {year}; "
            "use jeugdlib.data.cbs.kwb(year) for other years (live, cached)."
        )
    src = DATASETS["kwb_jeugdzorg_2021_2022"].file
    df = _kwb_rows("wijk", year)
    df["gemeentecode"] = "GM" + df["wijkcode"].str[2:6]
    succ = _successor_map_2021_2022() if year == 2021 else {}
    df["gemeentecode_2022"] = df["gemeentecode"].map(lambda c: succ.get(c, c))
    reg = _gemeente_jeugdregio(2022)
    names = dict(zip(reg.gemeentecode, reg.gemeentenaam, strict=True))
    if year == 2022:  # fix the CBS quirk 'Nuenen. Gerwen en Nederwetten' by taking the reference name
        df["gemeentenaam"] = df["gemeentecode"].map(names).fillna(df["gemeentenaam"])
    df = df.merge(
        reg[["gemeentecode", "jeugdregio_code", "jeugdregio_naam"]].rename(
            columns={"gemeentecode": "gemeentecode_2022"}
        ),
        on="gemeentecode_2022",
        how="left",
        validate="many_to_one",
    )
    if df.jeugdregio_code.isna().any():
        missing = sorted(df.loc[df.jeugdregio_code.isna(), "gemeentecode"].unique())
        raise DataError(
            f"{src} ({year}): gemeenten {missing} have no jeugdregio; "
            "add them to gemeente_herindelingen.csv or gemeente_jeugdregio_2022.csv."
        )
    if year == 2022:
        for c in _ONLY_2021:
            df[c] = np.nan  # present in the file as empty: make that explicit
    df = _add_derived(df)
    lead = [
        "wijkcode",
        "wijknaam",
        "gemeentecode",
        "gemeentenaam",
        "gemeentecode_2022",
        "jeugdregio_code",
        "jeugdregio_naam",
        "jaar",
        "indelingsjaar",
    ]
    df["indelingsjaar"] = np.int64(year)  # the file holds the codes of its own year
    return df[lead + [c for c in df.columns if c not in lead and c != "recs"]].reset_index(drop=True)


# --------------------------------------------------------------------------- gemeenten
def _indicatoren_2022() -> pd.DataFrame:
    df = _validated("jeugdzorg_indicatoren_2022", INDICATOREN_2022_SCHEMA)
    df["voorlopig"] = df["periode"].str.contains("*", regex=False)
    # StatLine disambiguates names with a suffix: 'Beek (L.)', "'s-Gravenhage (gemeente)"
    df["naam_norm"] = df["gemeentenaam_statline"].str.replace(
        r"\s*\((gemeente|L\.|O\.|ZH\.|Z\.|NH\.)\)$", "", regex=True
    )
    return df


@copying
def load_gemeenten(year: int) -> pd.DataFrame:
    """Gemeente rows for 2017, 2021 or 2022, with their jeugdregio.

    * 2017: the 388 gemeenten of the SCP file with wijk counts and the mean
      observed/expected share over their wijken.
    * 2021, 2022: KWB gemeente rows (readable names as :func:`load_wijken`) and
      youth-care counts; for 2022 also the CBS 85098NED indicators
      (``perc_jeugdhulp_in_natura`` etc., provisional 2022*), matched by name
      to the 2022 gemeente codes (old gemeenten listed by StatLine without
      data are dropped).
    """
    if year == 2017:
        scp = load_scp_2017()
        agg = scp.groupby(["gemeentecode", "gemeentenaam", "jeugdregio_code", "jeugdregio_naam"], as_index=False).agg(
            n_wijken=("wijkcode", "size"),
            perc_jhzv_gemiddeld=("perc_jhzv", "mean"),
            perc_przv_gemiddeld=("perc_przv", "mean"),
        )
        return agg
    if year not in (2021, 2022):
        raise DataError(f"embedded gemeente data exists for 2017, 2021 and 2022, not {year}.")
    df = _kwb_rows("gemeente", year)
    succ = _successor_map_2021_2022() if year == 2021 else {}
    df["gemeentecode_2022"] = df["gemeentecode"].map(lambda c: succ.get(c, c))
    reg = _gemeente_jeugdregio(2022)
    df = df.drop(columns=["regio", "recs"]).merge(
        reg[["gemeentecode", "jeugdregio_code", "jeugdregio_naam"]].rename(
            columns={"gemeentecode": "gemeentecode_2022"}
        ),
        on="gemeentecode_2022",
        how="left",
        validate="many_to_one",
    )
    if year == 2022:
        df["gemeentenaam"] = df["gemeentecode"].map(dict(zip(reg.gemeentecode, reg.gemeentenaam, strict=True)))
        ind = _indicatoren_2022()
        ref = reg.assign(naam_norm=reg.gemeentenaam.str.replace(r"\s*\((L\.|O\.|ZH\.|Z\.|NH\.)\)$", "", regex=True))
        ind = ind.merge(ref[["gemeentecode", "naam_norm"]], on="naam_norm", how="inner")
        ind = ind.drop_duplicates("gemeentecode")
        df = df.merge(
            ind.drop(columns=["naam_norm", "gemeentenaam_statline", "periode"]),
            on="gemeentecode",
            how="left",
            validate="one_to_one",
        )
    df = _add_derived(df)
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- other embedded tables
@copying
def load_mpdta() -> pd.DataFrame:
    """The R ``did`` package's ``mpdta`` example (real data, not synthetic).

    County teen employment 2003-2007 (Callaway & Sant'Anna 2021): ``year,
    countyreal, lpop, lemp, first.treat, treat``; 500 counties, one row per
    county and year. The reference data of the DiD estimators.
    """
    df = _validated("mpdta", MPDTA_SCHEMA)
    return _plain_ints(df, ["year", "countyreal", "first.treat", "treat"])


#: StatLine labels of the Amsterdam KWB 2017 export → readable names (kept for callers of the old name).


@copying
def load_kwb_amsterdam_2017() -> pd.DataFrame:
    """KWB 2017 wijk rows of Amsterdam (GM0363), 2017 boundaries, readable names.

    Adds ``wijkcode``, ``perc_gescheiden``, ``criminaliteit_per_1000`` (sum of
    theft, vandalism and violence per 1,000 inhabitants: a safety proxy) and
    ``indelingsjaar`` (2017, the boundary year of the codes).
    """
    name = "kwb_2017_amsterdam"
    schema = AMSTERDAM_KWB_2017_SCHEMA
    raw, label = _read(embedded_path(name), source=DATASETS[name].file, decimal=DATASETS[name].decimal)
    named = schema.rename(raw, label)
    if "wijkcode" not in named.columns:
        raise DataError(f"{label}: column 'Regioaanduiding.Codering..code.' missing; the StatLine export changed.")
    wijk = named["wijkcode"].fillna("").str.strip().str.startswith("WK").to_numpy(dtype=bool)
    df = schema.validate(raw[wijk], label)[list(schema.names)]
    df["gemeentecode"] = "GM" + df["wijkcode"].str[2:6]
    df["perc_gescheiden"] = 100 * df["gescheiden"] / df["inwoners"].where(df["inwoners"] > 0)
    df["criminaliteit_per_1000"] = df[["diefstal_per_1000", "vernieling_per_1000", "geweld_per_1000"]].sum(
        axis=1, min_count=3
    )
    df["indelingsjaar"] = _boundary_year(name)  # read by jeugdlib.multilevel joins
    return df.drop(columns=["soort_regio"]).reset_index(drop=True)
