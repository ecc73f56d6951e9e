"""The catalogue of embedded datasets (provenance) and the loader cache."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from jeugdlib.errors import DataError

__all__ = ["DATASETS", "EMBEDDED_DIR", "Dataset", "copying", "embedded_path"]

EMBEDDED_DIR = Path(__file__).resolve().parent / "embedded"


@dataclass(frozen=True)
class Dataset:
    """An embedded dataset and its provenance.

    ``boundary_year`` is the municipal boundary year of the codes in the file
    (``None`` when the file holds several years or no codes).
    """

    name: str
    file: str
    description: str
    source: str
    licence: str
    boundary_year: int | None = None
    #: Decimal separator of the file's numbers (``","`` for a StatLine export in Dutch notation).
    decimal: str = "."

    @property
    def path(self) -> Path:
        return EMBEDDED_DIR / self.file


_CBS = "CC BY 4.0 — Bron: CBS"
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "scp_2017",
            "scp_jeugdhulp_in_de_wijk_2017.csv",
            "SCP wijkbestand 2017: observed and expected jeugdhulp zonder verblijf and 27 determinants, 2,918 wijken",
            "SCP, Jeugdhulp in de wijk (SCP-publicatie 2020-1), wijkbestand 2017",
            "Published by SCP; cite as 'Bron: SCP, Jeugdhulp in de wijk (2020), wijkbestand 2017'",
            2017,
        ),
        Dataset(
            "scp_2017_ods",
            "scp_jeugdhulp_in_de_wijk_2017.ods",
            "The SCP file as published (sheets beschrijving, bronnen, wijk, gebruik, determinanten)",
            "SCP 2020 (via public repository semkjaer/capybara1.0 @ 1170206)",
            "As scp_2017",
        ),
        Dataset(
            "scp_bronnen",
            "scp_determinanten_bronnen.csv",
            "Definitions and sources of the SCP variables (extracted from the 'bronnen' sheet)",
            "SCP 2020; extracted by scripts/extract_scp_bronnen.py",
            "As scp_2017",
        ),
        Dataset(
            "kwb_jeugdzorg_2021_2022",
            "cbs_kwb_jeugdzorg_wijken_gemeenten_2021_2022.csv",
            "CBS Kerncijfers wijken en buurten joined with Jeugdzorg; wijken, wijk and gemeente rows 2021 and 2022",
            "CBS 85039NED/85318NED (KWB) and 85075NED/85335NED (jeugdzorg; wijken)",
            _CBS,
        ),
        Dataset(
            "jeugdzorg_indicatoren_2022",
            "cbs_85098NED_indicatoren_jeugdzorg_gemeenten_2022.csv",
            "Youth-care indicators per gemeente 2022* (provisional): % with jeugdhulp, verblijf, jeugdbescherming",
            "CBS 85098NED",
            _CBS,
            decimal=",",
        ),
        Dataset(
            "jeugdzorg_gemeenten_2022",
            "cbs_85335NED_jeugdzorg_gemeenten_2022.csv",
            "Jeugdzorg; wijken 2022, gemeente rows: youths by age, household type, referrer",
            "CBS 85335NED",
            _CBS,
        ),
        Dataset(
            "kwb_2017_amsterdam",
            "cbs_83765NED_kwb_2017_amsterdam.csv",
            "Full KWB 2017 for Amsterdam (wijken, buurten): crime, distances, divorced, bijstand, WOZ",
            "CBS 83765NED (via public repository elakyc15/Group-7)",
            _CBS,
            2017,
        ),
        Dataset(
            "gemeente_jeugdregio_2017",
            "gemeente_jeugdregio_2017.csv",
            "Gemeente → jeugdzorgregio, 388 gemeenten (2017 boundaries)",
            "Derived from CBS/PDOK jeugdregio boundaries (cartomap/nl) by point-in-polygon",
            _CBS,
            2017,
        ),
        Dataset(
            "gemeente_jeugdregio_2022",
            "gemeente_jeugdregio_2022.csv",
            "Gemeente → jeugdzorgregio, 345 gemeenten (2022 boundaries)",
            "Derived from CBS/PDOK jeugdregio boundaries (cartomap/nl) by largest area share",
            _CBS,
            2022,
        ),
        Dataset(
            "gemeente_herindelingen",
            "gemeente_herindelingen.csv",
            "Municipal mergers (old code → successor code, year in force)",
            "CBS, Gemeentelijke indelingen per jaar",
            _CBS,
        ),
        Dataset(
            "wijken_2022_geo",
            "geo/wijken_2022.geojson",
            "Wijk polygons 2022 (WGS84, simplified); Goeree-Overflakkee (GM1924) missing",
            "CBS wijk- en buurtkaart 2022",
            _CBS,
        ),
        Dataset(
            "gemeenten_2022_geo",
            "geo/gemeenten_2022.geojson",
            "Gemeente polygons 2022 (WGS84)",
            "CBS/PDOK gebiedsindelingen",
            _CBS,
        ),
        Dataset(
            "jeugdregio_2017_geo",
            "geo/jeugdregio_2017.topojson",
            "Jeugdregio polygons 2017 (generalised)",
            "CBS/PDOK gebiedsindelingen",
            _CBS,
        ),
        Dataset(
            "jeugdregio_2022_geo",
            "geo/jeugdregio_2022.topojson",
            "Jeugdregio polygons 2022 (generalised)",
            "CBS/PDOK gebiedsindelingen",
            _CBS,
        ),
        Dataset(
            "leefbaarometer_buurten_2024",
            "leefbaarometer3_2024_buurten.csv",
            "Leefbaarometer 3.0, meting 2024: score (afw) and five dimension scores (won, fys, vrz, soc, onv) "
            "per published CBS buurt, 12,147 buurten; columns reduced by scripts/extract_leefbaarometer.py",
            "Ministerie van BZK, Leefbaarometer 3.0, WFS layer lbm3:buurtscore24 (via public repository "
            "42answers/thuisscan @ 479ac9c, geometry dropped)",
            "CC0 (Leefbaarometer open data) — cite as 'Bron: Leefbaarometer 3.0 (BZK), meting 2024'",
            2024,
        ),
        Dataset(
            "leefbaarometer_gemeenten_2024",
            "leefbaarometer3_2024_gemeenten.csv",
            "Leefbaarometer 3.0, meting 2024: score and dimension scores per gemeente, 342 gemeenten",
            "Ministerie van BZK, Leefbaarometer 3.0, WFS layer lbm3:gemeentescore24 (via public repository "
            "42answers/thuisscan @ 479ac9c)",
            "CC0 (Leefbaarometer open data) — cite as 'Bron: Leefbaarometer 3.0 (BZK), meting 2024'",
            2024,
        ),
        Dataset(
            "elan_jeugdhulp_gemeenten",
            "elan_jeugdhulp_gemeenten_2015_2022.csv",
            "ELAN/LUMC wijkprofielen: persons with jeugdhulp per gemeente per year 2015-2022, 22 gemeenten in "
            "Haaglanden, Holland Rijnland and Alphen aan den Rijn (with inhabitants and share aged 0-20)",
            "ELAN/LUMC op basis van CBS-microdata: computed by the ELAN team (LUMC / Health Campus Den Haag) in "
            "CBS Remote Access (JGDHULPBUS, GBA); public repository elan-dcc/wijkprofielen @ aeba9c9, "
            "data/df_count_gem_ver_6.csv (rows 2015-2022, columns reduced by scripts/extract_elan.py)",
            "MIT (elan-dcc/wijkprofielen; elan_wijkprofielen_LICENSE.txt) — cite as 'ELAN/LUMC op basis van "
            "CBS-microdata'",
            2022,
        ),
        Dataset(
            "elan_jeugdhulp_wijken",
            "elan_jeugdhulp_wijken_2015_2022.csv",
            "ELAN/LUMC wijkprofielen: share of all residents with jeugdhulp per wijk per year 2015-2022, 70 wijken "
            "of Den Haag, Leidschendam-Voorburg, Rijswijk and Wassenaar",
            "ELAN/LUMC op basis van CBS-microdata; public repository elan-dcc/wijkprofielen @ 44d1331, "
            "data/df_count_ver_3.csv (rows 2015-2022, columns reduced by scripts/extract_elan.py)",
            "MIT (elan-dcc/wijkprofielen; elan_wijkprofielen_LICENSE.txt) — cite as 'ELAN/LUMC op basis van "
            "CBS-microdata'",
            2022,
        ),
        Dataset(
            "mpdta",
            "external/mpdta.csv",
            "R 'did' package example panel (US counties 2003–2007, teen employment): reference for DiD tests",
            "Callaway & Sant'Anna (2021), R package did (via d2cml-ai/csdid)",
            "GPL-2 (R package data)",
        ),
    ]
}


def embedded_path(name: str) -> Path:
    """Path of an embedded dataset by its name in :data:`DATASETS`."""
    try:
        return DATASETS[name].path
    except KeyError:
        raise DataError(f"unknown embedded dataset {name!r}; choose from {sorted(DATASETS)}") from None


def copying(func):
    """Cache a loader and hand out copies, so callers can never mutate the cache."""
    cached = functools.lru_cache(maxsize=None)(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        result = cached(*args, **kwargs)
        return result.copy()

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper
