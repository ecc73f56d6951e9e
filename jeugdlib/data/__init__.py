"""Embedded real data and loaders.

Every loader returns a fresh copy of a validated :class:`pandas.DataFrame`
built from the real published files in ``jeugdlib/data/embedded`` (provenance,
licences and quirks: ``data/README.md``). Codes always carry their boundary
year: SCP 2017 wijken use 2017 boundaries; ``load_wijken(2021)`` uses 2021 wijk
codes with the jeugdregio of the 2022 successor gemeente.
"""

from __future__ import annotations

import difflib
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from jeugdlib.data.validation import read_table, to_numeric_nl, validate_table
from jeugdlib.errors import DataError, RegionNotFoundError

if TYPE_CHECKING:  # geopandas is imported lazily: it is slow to import
    import geopandas as gpd

__all__ = [
    "DATASETS",
    "EMBEDDED_DIR",
    "SCP_DETERMINANT_COLUMNS",
    "Dataset",
    "embedded_path",
    "find_region",
    "load_geometries",
    "load_gemeenten",
    "load_kwb_amsterdam_2017",
    "load_mpdta",
    "load_scp_2017",
    "load_wijken",
    "read_table",
    "regions",
    "validate_table",
]

EMBEDDED_DIR = Path(__file__).resolve().parent / "embedded"

#: The 27 SCP determinants in the order of the SCP file.
SCP_DETERMINANT_COLUMNS: tuple[str, ...] = (
    "perc_sbo_g", "perc_vso_g", "perc_praktijk_g", "perc_hhmk", "perc_jong04", "perc_1ouder",
    "perc_tienmam", "perc_hhmkhgink", "perc_kind_sch5", "perc_ouderpsy", "perc_hhverd",
    "perc_hhbijs", "perc_hhwan", "groenedruk", "grijzedruk", "perc_ao", "perc_laagopl",
    "gem_gestink", "polchrplus", "perc_nwmig", "perc_antsur", "perc_1gez", "huur_corp",
    "woonwaarde", "afstandhuisarts", "samenw", "kleinewijk",
)

#: SCP determinants that are percentages (checked to lie within 0–100).
_SCP_SHARES = tuple(c for c in SCP_DETERMINANT_COLUMNS if c.startswith("perc_")) + (
    "perc_jhzv", "perc_przv", "polchrplus", "huur_corp", "perc_1gez",
)


@dataclass(frozen=True)
class Dataset:
    """An embedded dataset and its provenance."""

    name: str
    file: str
    description: str
    source: str
    licence: str

    @property
    def path(self) -> Path:
        return EMBEDDED_DIR / self.file


_CBS = "CC BY 4.0 — Bron: CBS"
DATASETS: dict[str, Dataset] = {d.name: d for d in [
    Dataset("scp_2017", "scp_jeugdhulp_in_de_wijk_2017.csv",
            "SCP wijkbestand 2017: observed and expected jeugdhulp zonder verblijf and 27 determinants, 2,918 wijken",
            "SCP, Jeugdhulp in de wijk (SCP-publicatie 2020-1), wijkbestand 2017",
            "Published by SCP; cite as 'Bron: SCP, Jeugdhulp in de wijk (2020), wijkbestand 2017'"),
    Dataset("scp_2017_ods", "scp_jeugdhulp_in_de_wijk_2017.ods",
            "The SCP file as published (sheets beschrijving, bronnen, wijk, gebruik, determinanten)",
            "SCP 2020 (via public repository semkjaer/capybara1.0 @ 1170206)", "As scp_2017"),
    Dataset("scp_bronnen", "scp_determinanten_bronnen.csv",
            "Definitions and sources of the SCP variables (extracted from the 'bronnen' sheet)",
            "SCP 2020; extracted by scripts/extract_scp_bronnen.py", "As scp_2017"),
    Dataset("kwb_jeugdzorg_2021_2022", "cbs_kwb_jeugdzorg_wijken_gemeenten_2021_2022.csv",
            "CBS Kerncijfers wijken en buurten joined with Jeugdzorg; wijken, wijk and gemeente rows 2021 and 2022",
            "CBS 85039NED/85318NED (KWB) and 85075NED/85335NED (jeugdzorg; wijken)", _CBS),
    Dataset("jeugdzorg_indicatoren_2022", "cbs_85098NED_indicatoren_jeugdzorg_gemeenten_2022.csv",
            "Youth-care indicators per gemeente 2022* (provisional): % with jeugdhulp, verblijf, jeugdbescherming",
            "CBS 85098NED", _CBS),
    Dataset("jeugdzorg_gemeenten_2022", "cbs_85335NED_jeugdzorg_gemeenten_2022.csv",
            "Jeugdzorg; wijken 2022, gemeente rows: youths by age, household type, referrer",
            "CBS 85335NED", _CBS),
    Dataset("kwb_2017_amsterdam", "cbs_83765NED_kwb_2017_amsterdam.csv",
            "Full KWB 2017 for Amsterdam (wijken, buurten): crime, distances, divorced, bijstand, WOZ",
            "CBS 83765NED (via public repository elakyc15/Group-7)", _CBS),
    Dataset("gemeente_jeugdregio_2017", "gemeente_jeugdregio_2017.csv",
            "Gemeente → jeugdzorgregio, 388 gemeenten (2017 boundaries)",
            "Derived from CBS/PDOK jeugdregio boundaries (cartomap/nl) by point-in-polygon", _CBS),
    Dataset("gemeente_jeugdregio_2022", "gemeente_jeugdregio_2022.csv",
            "Gemeente → jeugdzorgregio, 345 gemeenten (2022 boundaries)",
            "Derived from CBS/PDOK jeugdregio boundaries (cartomap/nl) by largest area share", _CBS),
    Dataset("gemeente_herindelingen", "gemeente_herindelingen.csv",
            "Municipal mergers (old code → successor code, year in force)",
            "CBS, Gemeentelijke indelingen per jaar", _CBS),
    Dataset("wijken_2022_geo", "geo/wijken_2022.geojson",
            "Wijk polygons 2022 (WGS84, simplified); Goeree-Overflakkee (GM1924) missing",
            "CBS wijk- en buurtkaart 2022", _CBS),
    Dataset("gemeenten_2022_geo", "geo/gemeenten_2022.geojson", "Gemeente polygons 2022 (WGS84)",
            "CBS/PDOK gebiedsindelingen", _CBS),
    Dataset("jeugdregio_2017_geo", "geo/jeugdregio_2017.topojson", "Jeugdregio polygons 2017 (generalised)",
            "CBS/PDOK gebiedsindelingen", _CBS),
    Dataset("jeugdregio_2022_geo", "geo/jeugdregio_2022.topojson", "Jeugdregio polygons 2022 (generalised)",
            "CBS/PDOK gebiedsindelingen", _CBS),
    Dataset("mpdta", "external/mpdta.csv",
            "R 'did' package example panel (US counties 2003–2007, teen employment): reference for DiD tests",
            "Callaway & Sant'Anna (2021), R package did (via d2cml-ai/csdid)", "GPL-2 (R package data)"),
]}


def embedded_path(name: str) -> Path:
    """Path of an embedded dataset by its name in :data:`DATASETS`."""
    try:
        return DATASETS[name].path
    except KeyError:
        raise DataError(f"unknown embedded dataset {name!r}; choose from {sorted(DATASETS)}") from None


def _copying(func):
    """Cache a loader and hand out copies, so callers can never mutate the cache."""
    cached = functools.lru_cache(maxsize=None)(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        result = cached(*args, **kwargs)
        return result.copy()

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper


# --------------------------------------------------------------------------- regions
@_copying
def _gemeente_jeugdregio(year: int) -> pd.DataFrame:
    boundary = 2017 if year == 2017 else 2022
    name = f"gemeente_jeugdregio_{boundary}"
    df = pd.read_csv(embedded_path(name), dtype={"gemeentecode": str, "jeugdregio_code": str})
    df = validate_table(df, key="gemeentecode", required=["gemeentenaam", "jeugdregio_code", "jeugdregio_naam"],
                        source=DATASETS[name].file)
    return df[["gemeentecode", "gemeentenaam", "jeugdregio_code", "jeugdregio_naam"]]


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
    out = (g.groupby(["jeugdregio_code", "jeugdregio_naam"], as_index=False)
             .agg(n_gemeenten=("gemeentecode", "size"))
             .sort_values("jeugdregio_code", ignore_index=True))
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
    for mask in (names == nq,
                 names.str.split(" ").str[0].eq(nq) | table.jeugdregio_naam.str.split("(").str[0].map(_norm).eq(nq),
                 names.str.contains(nq, regex=False)):
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
@_copying
def load_scp_2017() -> pd.DataFrame:
    """The SCP wijkbestand 2017: one row per wijk (2,918 wijken, 2017 boundaries).

    Columns: ``wijkcode, wijknaam, gemeentecode, gemeentenaam, jeugdregio_code,
    jeugdregio_naam, perc_jhzv`` (observed share of youths with jeugdhulp zonder
    verblijf; NaN for the 286 wijken CBS suppressed), ``perc_przv`` (SCP's
    expected share), ``residu`` (observed − expected) and the 27 determinants
    of :data:`SCP_DETERMINANT_COLUMNS` (NaN where the public file suppresses them).
    """
    src = DATASETS["scp_2017"].file
    df = pd.read_csv(embedded_path("scp_2017"), dtype={"wijkcode_2017": str, "gemeentecode_2017": str})
    df = df.rename(columns={"wijkcode_2017": "wijkcode", "gemeentecode_2017": "gemeentecode",
                            "gemnaam_2017": "gemeentenaam"})
    df = validate_table(df, key="wijkcode", required=["wijknaam", "gemeentecode", "residu"],
                        numeric=[*SCP_DETERMINANT_COLUMNS, "residu"], shares=_SCP_SHARES, source=src)
    reg = _gemeente_jeugdregio(2017)[["gemeentecode", "jeugdregio_code", "jeugdregio_naam"]]
    df = df.merge(reg, on="gemeentecode", how="left", validate="many_to_one")
    if df.jeugdregio_code.isna().any():
        missing = sorted(df.loc[df.jeugdregio_code.isna(), "gemeentecode"].unique())
        raise DataError(f"{src}: gemeenten {missing} have no jeugdregio in gemeente_jeugdregio_2017.csv.")
    for col in ("samenw", "kleinewijk"):
        df[col] = df[col].astype(float)
    cols = ["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "jeugdregio_code", "jeugdregio_naam",
            "perc_jhzv", "perc_przv", "residu", *SCP_DETERMINANT_COLUMNS]
    out = df[cols].reset_index(drop=True)
    out.attrs["boundary_year"] = 2017
    out.attrs["source"] = DATASETS["scp_2017"].source
    return out


# --------------------------------------------------------------------------- KWB + jeugdzorg per wijk
#: Short KWB/StatLine column names in the embedded file → readable names.
KWB_COLUMNS: dict[str, str] = {
    "a_inw": "inwoners", "a_man": "mannen", "a_vrouw": "vrouwen",
    "a_00_14": "inw_0_14", "a_15_24": "inw_15_24", "a_25_44": "inw_25_44", "a_45_64": "inw_45_64",
    "a_65_oo": "inw_65_plus", "a_ongeh": "ongehuwd", "a_gehuwd": "gehuwd", "a_gesch": "gescheiden",
    "a_verwed": "verweduwd", "a_w_all": "migratie_westers", "a_nw_all": "migratie_nietwesters",
    "a_marok": "migratie_marokko", "a_antaru": "migratie_antillen_aruba", "a_suri": "migratie_suriname",
    "a_tur": "migratie_turkije", "a_ov_nw": "migratie_overig_nietwesters", "a_hh": "huishoudens",
    "a_1p_hh": "eenpersoonshuishoudens", "a_hh_z_k": "huishoudens_zonder_kinderen",
    "a_hh_m_k": "huishoudens_met_kinderen", "g_hhgro": "gem_huishoudensgrootte", "a_woning": "woningen",
    "g_wozbag": "woz_waarde_x1000", "p_koopw": "perc_koopwoningen", "p_huurw": "perc_huurwoningen",
    "p_wcorpw": "perc_corporatiewoningen", "bev_dich": "bevolkingsdichtheid",
    "a_soz_wb": "bijstand", "a_soz_ao": "ao_uitkering", "a_soz_ww": "ww_uitkering", "a_soz_ow": "aow_uitkering",
    "a_wmo_t": "wmo_clienten", "ste_mvs": "stedelijkheid", "ste_oad": "omgevingsadressendichtheid",
    "g_ink_pi": "gem_inkomen_per_inwoner_x1000", "g_afs_hp": "afstand_huisarts",
    "g_afs_gs": "afstand_supermarkt", "g_afs_kv": "afstand_kinderdagverblijf", "g_afs_sc": "afstand_school",
    # CBS Jeugdzorg; wijken (85075NED / 85335NED), counts rounded to 5, < 10 suppressed
    "jz_jongeren_totaal": "jz_jongeren", "k_0Tot4Jaar_2": "jz_0_4", "k_4Tot12Jaar_3": "jz_4_12",
    "k_12Tot18Jaar_4": "jz_12_18", "k_18Tot23Jaar_5": "jz_18_23",
    "ThuiswonendKindInEenouderhuishouden_6": "jz_eenouderhuishouden",
    "ThuiswonendKindBijEenPaar_7": "jz_paarhuishouden", "AnderHuishouden_8": "jz_ander_huishouden",
    "TotaalTrajectenInNatura_9": "jz_trajecten", "GemeentelijkeToegang_10": "jz_verwijzer_gemeente",
    "Huisarts_11": "jz_verwijzer_huisarts", "Jeugdarts_12": "jz_verwijzer_jeugdarts",
    "GecertificeerdeInstelling_13": "jz_verwijzer_gi", "MedischSpecialist_14": "jz_verwijzer_medisch_specialist",
    "RechterOfficierVanJustitie_15": "jz_verwijzer_rechter", "GeenVerwijzer_16": "jz_geen_verwijzer",
    "VerwijzerOnbekend_17": "jz_verwijzer_onbekend",
}
#: Youth-care count columns (for disclosure control).
JZ_COUNT_COLUMNS: tuple[str, ...] = tuple(v for v in KWB_COLUMNS.values() if v.startswith("jz_"))
_ONLY_2021 = ("bijstand", "gem_inkomen_per_inwoner_x1000", "afstand_huisarts", "afstand_supermarkt",
              "afstand_kinderdagverblijf", "afstand_school")


@_copying
def _kwb_raw() -> pd.DataFrame:
    src = DATASETS["kwb_jeugdzorg_2021_2022"].file
    df = pd.read_csv(embedded_path("kwb_jeugdzorg_2021_2022"), dtype={"gwb_code_10": str})
    missing = [c for c in ["gwb_code_10", "regio", "gm_naam", "recs", "year", *KWB_COLUMNS] if c not in df.columns]
    if missing:
        raise DataError(f"{src}: expected columns {missing} are missing; the embedded file is damaged.")
    return df


def _successor_map_2021_2022() -> dict[str, str]:
    try:  # the merger helper lives with the live-CBS code
        from jeugdlib.data.cbs import successor_map
        return successor_map(2021, 2022)
    except ImportError:  # pragma: no cover - fallback while cbs is unavailable
        m = pd.read_csv(embedded_path("gemeente_herindelingen"), dtype=str)
        m = m[m.ingangsjaar.astype(int) == 2022]
        return dict(zip(m.oude_gemeentecode, m.nieuwe_gemeentecode, strict=True))


def _add_derived(df: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = df["inw_0_14"] + df["inw_15_24"]
        df["jeugd_0_24_proxy"] = denom
        df["perc_jz_van_0_24_proxy"] = 100 * df["jz_jongeren"] / denom.where(denom > 0)
        df["perc_jz_verwijzer_gemeente_van_trajecten"] = (
            100 * df["jz_verwijzer_gemeente"] / df["jz_trajecten"].where(df["jz_trajecten"] > 0))
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


@_copying
def load_wijken(year: int) -> pd.DataFrame:
    """CBS wijk rows of ``year`` (2021 or 2022) with KWB variables and youth-care counts.

    Columns: ``wijkcode, wijknaam, gemeentecode, gemeentenaam, jeugdregio_code,
    jeugdregio_naam, jaar``, the KWB variables under the readable names of
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
        raise DataError(f"embedded wijk data exists for 2021 and 2022, not {year}; "
                        "use jeugdlib.data.cbs.kwb(year) for other years (live, cached).")
    src = DATASETS["kwb_jeugdzorg_2021_2022"].file
    raw = _kwb_raw()
    df = raw[(raw.year == year) & (raw.recs == "Wijk")].rename(columns={
        "gwb_code_10": "wijkcode", "regio": "wijknaam", "gm_naam": "gemeentenaam", "year": "jaar", **KWB_COLUMNS})
    df = validate_table(df, key="wijkcode", numeric=list(KWB_COLUMNS.values()), source=f"{src} ({year})")
    df["gemeentecode"] = "GM" + df["wijkcode"].str[2:6]
    succ = _successor_map_2021_2022() if year == 2021 else {}
    df["gemeentecode_2022"] = df["gemeentecode"].map(lambda c: succ.get(c, c))
    reg = _gemeente_jeugdregio(2022)
    names = dict(zip(reg.gemeentecode, reg.gemeentenaam, strict=True))
    if year == 2022:  # fix the CBS quirk 'Nuenen. Gerwen en Nederwetten' by taking the reference name
        df["gemeentenaam"] = df["gemeentecode"].map(names).fillna(df["gemeentenaam"])
    df = df.merge(reg[["gemeentecode", "jeugdregio_code", "jeugdregio_naam"]]
                  .rename(columns={"gemeentecode": "gemeentecode_2022"}),
                  on="gemeentecode_2022", how="left", validate="many_to_one")
    if df.jeugdregio_code.isna().any():
        missing = sorted(df.loc[df.jeugdregio_code.isna(), "gemeentecode"].unique())
        raise DataError(f"{src} ({year}): gemeenten {missing} have no jeugdregio; "
                        "add them to gemeente_herindelingen.csv or gemeente_jeugdregio_2022.csv.")
    if year == 2022:
        for c in _ONLY_2021:
            df[c] = np.nan  # present in the file as empty: make that explicit
    df = _add_derived(df)
    lead = ["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "gemeentecode_2022",
            "jeugdregio_code", "jeugdregio_naam", "jaar"]
    out = df[lead + [c for c in df.columns if c not in lead and c != "recs"]].reset_index(drop=True)
    out.attrs["boundary_year"] = year
    out.attrs["source"] = DATASETS["kwb_jeugdzorg_2021_2022"].source
    return out


# --------------------------------------------------------------------------- gemeenten
def _indicatoren_2022() -> pd.DataFrame:
    src = DATASETS["jeugdzorg_indicatoren_2022"].file
    raw, _ = read_table(embedded_path("jeugdzorg_indicatoren_2022"))
    cols = {
        "Regio's": "gemeentenaam_statline", "Perioden": "periode",
        "Jongeren met jeugdhulp in natura (% (zie toelichting))": "perc_jeugdhulp_in_natura",
        "Jongeren met jeugdh. met verbl. in nat. (% (zie toelichting))": "perc_jeugdhulp_met_verblijf",
        "Jongeren met jeugdbescherming (% (zie toelichting))": "perc_jeugdbescherming",
        "Jeugdbesch. en jeugdh. met verbl. in nat (% (zie toelichting))": "perc_jb_en_verblijf",
        "Jongeren met jeugdreclassering (% (zie toelichting))": "perc_jeugdreclassering",
    }
    missing = [c for c in cols if c not in raw.columns]
    if missing:
        raise DataError(f"{src}: columns {missing} missing; the StatLine export changed.")
    df = raw.rename(columns=cols)[list(cols.values())]
    for c in list(cols.values())[2:]:
        df[c] = to_numeric_nl(df[c], column=c, source=src)
    df["voorlopig"] = df["periode"].str.contains("*", regex=False)
    # StatLine disambiguates names with a suffix: 'Beek (L.)', "'s-Gravenhage (gemeente)"
    df["naam_norm"] = df["gemeentenaam_statline"].str.replace(r"\s*\((gemeente|L\.|O\.|ZH\.|Z\.|NH\.)\)$", "",
                                                              regex=True)
    return df


@_copying
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
            n_wijken=("wijkcode", "size"), perc_jhzv_gemiddeld=("perc_jhzv", "mean"),
            perc_przv_gemiddeld=("perc_przv", "mean"))
        return agg
    if year not in (2021, 2022):
        raise DataError(f"embedded gemeente data exists for 2017, 2021 and 2022, not {year}.")
    src = DATASETS["kwb_jeugdzorg_2021_2022"].file
    raw = _kwb_raw()
    df = raw[(raw.year == year) & (raw.recs == "Gemeente")].rename(columns={
        "gwb_code_10": "gemeentecode", "gm_naam": "gemeentenaam", "year": "jaar", **KWB_COLUMNS})
    df = validate_table(df, key="gemeentecode", numeric=list(KWB_COLUMNS.values()), source=f"{src} ({year})")
    succ = _successor_map_2021_2022() if year == 2021 else {}
    df["gemeentecode_2022"] = df["gemeentecode"].map(lambda c: succ.get(c, c))
    reg = _gemeente_jeugdregio(2022)
    df = df.drop(columns=["regio", "recs"]).merge(
        reg[["gemeentecode", "jeugdregio_code", "jeugdregio_naam"]].rename(columns={"gemeentecode": "gemeentecode_2022"}),
        on="gemeentecode_2022", how="left", validate="many_to_one")
    if year == 2022:
        df["gemeentenaam"] = df["gemeentecode"].map(dict(zip(reg.gemeentecode, reg.gemeentenaam, strict=True)))
        ind = _indicatoren_2022()
        ref = reg.assign(naam_norm=reg.gemeentenaam.str.replace(r"\s*\((L\.|O\.|ZH\.|Z\.|NH\.)\)$", "", regex=True))
        ind = ind.merge(ref[["gemeentecode", "naam_norm"]], on="naam_norm", how="inner")
        ind = ind.drop_duplicates("gemeentecode")
        df = df.merge(ind.drop(columns=["naam_norm", "gemeentenaam_statline", "periode"]),
                      on="gemeentecode", how="left", validate="one_to_one")
    df = _add_derived(df)
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- other embedded tables
@_copying
def load_mpdta() -> pd.DataFrame:
    """The R ``did`` package's ``mpdta`` panel (reference data for DiD estimators)."""
    return pd.read_csv(embedded_path("mpdta"))


#: StatLine labels of the Amsterdam KWB 2017 export → readable names.
_KWB2017_COLUMNS = {
    "Regioaanduiding.Codering..code.": "code",
    "Wijken.en.buurten": "naam",
    "Regioaanduiding.Soort.regio..omschrijving.": "soort_regio",
    "Bevolking.Aantal.inwoners..aantal.": "inwoners",
    "Bevolking.Burgerlijke.staat.Gescheiden..aantal.": "gescheiden",
    "Bevolking.Particuliere.huishoudens.Huishoudens.met.kinderen..aantal.": "huishoudens_met_kinderen",
    "Bevolking.Particuliere.huishoudens.Huishoudens.totaal..aantal.": "huishoudens",
    "Wonen.Gemiddelde.WOZ.waarde.van.woningen..x.1.000.euro.": "woz_waarde_x1000",
    "Sociale.zekerheid.Personen.per.soort.uitkering..Bijstand..aantal.": "bijstand",
    "Nabijheid.voorzieningen.Afstand.tot.huisartsenpraktijk..km.": "afstand_huisarts",
    "Nabijheid.voorzieningen.Afstand.tot.grote.supermarkt..km.": "afstand_supermarkt",
    "Nabijheid.voorzieningen.Afstand.tot.kinderdagverblijf..km.": "afstand_kinderdagverblijf",
    "Nabijheid.voorzieningen.Basisonderwijs.Afstand.tot.school..km.": "afstand_school",
    "Nabijheid.voorzieningen.Basisonderwijs.Scholen.binnen.3.km..aantal.": "scholen_binnen_3km",
    "Criminaliteit.Totaal.diefstal.uit.woning.schuur.e.d...per.1.000.inwoners.": "diefstal_per_1000",
    "Criminaliteit.Vernieling..misdrijf.tegen.openbare.orde..per.1.000.inwoners.": "vernieling_per_1000",
    "Criminaliteit.Gewelds..en.seksuele.misdrijven..per.1.000.inwoners.": "geweld_per_1000",
    "Stedelijkheid.Mate.van.stedelijkheid..code.": "stedelijkheid",
}


@_copying
def load_kwb_amsterdam_2017() -> pd.DataFrame:
    """KWB 2017 wijk rows of Amsterdam (GM0363), 2017 boundaries, readable names.

    Adds ``wijkcode``, ``perc_gescheiden`` and ``criminaliteit_per_1000`` (sum of
    theft, vandalism and violence per 1,000 inhabitants: a safety proxy).
    """
    src = DATASETS["kwb_2017_amsterdam"].file
    raw = pd.read_csv(embedded_path("kwb_2017_amsterdam"), dtype=str)
    missing = [c for c in _KWB2017_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{src}: columns {missing} missing; the StatLine export changed.")
    df = raw[list(_KWB2017_COLUMNS)].rename(columns=_KWB2017_COLUMNS)
    df["code"] = df["code"].str.strip()
    df = df[df["code"].str.startswith("WK")].rename(columns={"code": "wijkcode", "naam": "wijknaam"})
    num = [c for c in _KWB2017_COLUMNS.values() if c not in ("code", "naam", "soort_regio")]
    df = validate_table(df, key="wijkcode", numeric=num, source=src)
    df["gemeentecode"] = "GM" + df["wijkcode"].str[2:6]
    df["perc_gescheiden"] = 100 * df["gescheiden"] / df["inwoners"].where(df["inwoners"] > 0)
    df["criminaliteit_per_1000"] = df[["diefstal_per_1000", "vernieling_per_1000", "geweld_per_1000"]].sum(
        axis=1, min_count=3)
    df = df.drop(columns=["soort_regio"]).reset_index(drop=True)
    df.attrs["boundary_year"] = 2017
    return df


# --------------------------------------------------------------------------- geometries
_GEO = {("wijk", 2022): "wijken_2022_geo", ("gemeente", 2022): "gemeenten_2022_geo",
        ("jeugdregio", 2017): "jeugdregio_2017_geo", ("jeugdregio", 2022): "jeugdregio_2022_geo"}


@functools.lru_cache(maxsize=None)
def _geometries(level: str, year: int) -> gpd.GeoDataFrame:
    import geopandas as gpd

    name = _GEO[(level, year)]
    path = embedded_path(name)
    if path.suffix == ".topojson":
        gdf = _read_topojson(path)
    else:
        gdf = gpd.read_file(path)
    if level == "wijk":
        gdf = gdf.rename(columns={"statcode": "wijkcode", "gm_naam": "gemeentenaam"})
        gdf["gemeentecode"] = "GM" + gdf["wijkcode"].str[2:6]
    elif level == "gemeente":
        gdf = gdf.rename(columns={"statcode": "gemeentecode", "statnaam": "gemeentenaam"})
    else:
        gdf = gdf.rename(columns={"statcode": "jeugdregio_code", "statnaam": "jeugdregio_naam"})
    return gdf


def _read_topojson(path: Path) -> gpd.GeoDataFrame:
    """Decode a TopoJSON file (quantised arcs) into a GeoDataFrame.

    GDAL's TopoJSON driver is not built into every pyogrio wheel, and the
    format is simple, so it is decoded here with shapely.
    """
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, Polygon

    topo = json.loads(path.read_text(encoding="utf-8"))
    tf = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        pts = np.asarray(arc, dtype=float)
        if tf:
            pts = np.cumsum(pts, axis=0) * np.asarray(tf["scale"]) + np.asarray(tf["translate"])
        arcs.append(pts)

    def ring(indices: list[int]) -> np.ndarray:
        parts = []
        for k, i in enumerate(indices):
            seg = arcs[i] if i >= 0 else arcs[~i][::-1]
            parts.append(seg if k == 0 else seg[1:])
        return np.vstack(parts)

    def geom(obj: dict):
        if obj["type"] == "Polygon":
            rings = [ring(r) for r in obj["arcs"]]
            return Polygon(rings[0], rings[1:])
        if obj["type"] == "MultiPolygon":
            polys = [[ring(r) for r in poly] for poly in obj["arcs"]]
            return MultiPolygon([Polygon(p[0], p[1:]) for p in polys])
        return None

    rows = []
    for obj_name, collection in topo["objects"].items():
        for g in collection.get("geometries", []):
            rows.append({**(g.get("properties") or {}), "geometry": geom(g)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def load_geometries(level: Literal["wijk", "gemeente", "jeugdregio"], year: int = 2022) -> gpd.GeoDataFrame:
    """Boundaries as a GeoDataFrame (WGS84): wijk 2022, gemeente 2022, jeugdregio 2017/2022.

    Wijken carry ``wijkcode, gemeentecode, gemeentenaam``; gemeenten
    ``gemeentecode, gemeentenaam``; jeugdregio's the properties of the source
    file. Goeree-Overflakkee (GM1924) is missing from the 2022 wijk map.
    """
    if (level, year) not in _GEO:
        raise DataError(f"no embedded geometries for level={level!r}, year={year}; "
                        f"available: {sorted(_GEO)}")
    return _geometries(level, year).copy()
