"""iJw code lists and the column schema of the trajectory and claims tables."""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "CLAIM_COLUMNS",
    "CODE_COLUMNS",
    "DAYS_PER_MONTH",
    "TRAJECTORY_COLUMNS",
    "code_labels",
    "codelists",
]

#: Columns of the trajectory table (modelled on JW301/JW305/JW307/JW315).
TRAJECTORY_COLUMNS: tuple[str, ...] = (
    "client_id",
    "gemeentecode",
    "aanbieder",
    "toewijzingnummer",
    "productcategorie",
    "productcode",
    "begindatum",
    "einddatum",
    "reden_beeindiging",
    "reden_wijziging",
    "verwijzer",
)

#: Trajectory columns that may be absent from an input file (filled with missing values).
OPTIONAL_TRAJECTORY_COLUMNS: tuple[str, ...] = ("reden_beeindiging", "reden_wijziging", "verwijzer")

#: Columns of the claims table (modelled on JW323 declaratie).
CLAIM_COLUMNS: tuple[str, ...] = (
    "toewijzingnummer",
    "periode_start",
    "periode_eind",
    "volume",
    "eenheid",
    "tarief",
    "bedrag",
)

#: Code-list columns and the name of their code list in ``ijw_codelijsten.csv``.
CODE_COLUMNS: dict[str, str] = {
    "productcategorie": "productcategorie",
    "reden_beeindiging": "reden_beeindiging",
    "reden_wijziging": "reden_wijziging",
    "verwijzer": "verwijzer",
    "eenheid": "eenheid",
}

#: Average length of a month in days (365.25 / 12), used for care-months and buckets.
DAYS_PER_MONTH: float = 365.25 / 12

#: RedenWijziging (JZ002) code for "herbeoordeling: verlenging toewijzing".
VERLENGING: str = "04"
#: RedenBeeindiging (JZ588) code for "levering is volgens plan beëindigd".
VOLGENS_PLAN: str = "31"


@lru_cache(maxsize=1)
def _read_codelists() -> pd.DataFrame:
    path = resources.files("jeugdlib") / "data" / "embedded" / "ijw_codelijsten.csv"
    with resources.as_file(path) as p:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["intensiteit"] = pd.to_numeric(df["intensiteit"].replace("", None), errors="coerce")
    df["vorm"] = df["vorm"].replace("", None)
    return df


def codelists() -> pd.DataFrame:
    """Return the embedded iJw code lists.

    Returns
    -------
    DataFrame
        Columns ``codelijst`` (``productcategorie``, ``reden_beeindiging``,
        ``reden_wijziging``, ``verwijzer``, ``eenheid``), ``lijstcode`` (the
        iStandaarden list: JZ020, JZ588, JZ002, COD327, WJ756), ``code``,
        ``omschrijving`` (Dutch label, iJw release 3.2), and for product
        categories ``vorm`` (form of help: zonder/met verblijf,
        jeugdbescherming, ...) and ``intensiteit`` (an ordinal 1 = lightest to
        5 = heaviest). ``vorm`` and ``intensiteit`` are jeugdlib conventions
        used for scale-down rates, not part of the iStandaarden.
    """
    return _read_codelists().copy()


@cache
def _codes(codelijst: str) -> tuple[str, ...]:
    df = _read_codelists()
    return tuple(df.loc[df["codelijst"] == codelijst, "code"])


def code_labels(codelijst: str) -> dict[str, str]:
    """Return ``{code: Dutch label}`` for one code list (e.g. ``"productcategorie"``)."""
    df = _read_codelists()
    sub = df[df["codelijst"] == codelijst]
    if sub.empty:
        raise KeyError(f"unknown code list {codelijst!r}; choose from {sorted(df['codelijst'].unique())}")
    return dict(zip(sub["code"], sub["omschrijving"], strict=True))


def intensity() -> dict[str, float]:
    """Return ``{productcategorie: intensity}`` (missing intensity omitted)."""
    df = _read_codelists()
    sub = df[(df["codelijst"] == "productcategorie") & df["intensiteit"].notna()]
    return dict(zip(sub["code"], sub["intensiteit"].astype(float), strict=True))
