"""Leefbaarometer 3.0 (meting 2024, Ministerie van BZK): liveability per wijk or gemeente.

The Leefbaarometer publishes, for every CBS buurt of the 2024 boundaries with enough
addresses and for every gemeente, a score ``afw`` (deviation of the total score from the
Dutch mean) and five dimension scores: ``won`` (woningvoorraad), ``fys`` (fysieke omgeving),
``vrz`` (voorzieningen), ``soc`` (sociale samenhang) and ``onv`` (overlast en onveiligheid).
Higher is better on every dimension. The scores are model-based on register data, not survey
answers: they overlap SCP determinants such as income and migration background.

Aggregation
-----------
Wijk scores are the **plain (unweighted) mean of the published buurt scores** of the wijk:
the Leefbaarometer publishes no address or inhabitant counts per buurt, so no weighting is
possible; ``n_buurten`` says how many buurten each mean has. A buurt ``BU{gggg}{ww}{bb}`` belongs
to wijk ``WK{gggg}{ww}`` of 2024. Gemeente scores are the Leefbaarometer's own gemeente scores
(computed by BZK from all addresses), not a mean of buurten.

Mapping to another boundary year
--------------------------------
2024 wijken are given the code of a wijk of the requested year only when the gemeente was
not merged in between (:func:`jeugdlib.data.cbs.successor_map`) and the same wijk code exists
in that year; nothing else is guessed. Wijken of merged gemeenten (Weesp, Brielle,
Hellevoetsluis, Westvoorne for 2022) and wijken of gemeenten that renumbered their wijken
(Amsterdam uses letter codes such as ``WK0363AA`` in 2024) stay unmapped and are listed with
their reason by :func:`leefbaarometer_coverage`. A kept code may still cover a slightly
redrawn area; ``indeling_gemeente_gewijzigd`` marks gemeenten whose set of wijk codes changed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jeugdlib.data._datasets import DATASETS, copying, embedded_path
from jeugdlib.data.schemas import LEEFBAAROMETER_BUURT_SCHEMA, LEEFBAAROMETER_GEMEENTE_SCHEMA
from jeugdlib.errors import DataError
from jeugdlib.io import read_table

__all__ = [
    "LBM_DIMENSIONS",
    "LBM_JAAR",
    "LBM_SOURCE",
    "LeefbaarometerCoverage",
    "leefbaarometer_coverage",
    "load_leefbaarometer",
]

#: The year of the Leefbaarometer scores (and of the buurt boundaries they are published on).
LBM_JAAR = 2024
#: Score columns: the five dimensions and the total deviation ``afw``, prefixed ``lbm_`` in the output.
LBM_DIMENSIONS: tuple[str, ...] = ("won", "fys", "vrz", "soc", "onv", "afw")
#: Citation of the data.
LBM_SOURCE = "Leefbaarometer 3.0, meting 2024 (Ministerie van BZK), open data CC0"

_YEARS = (2017, 2021, 2022, 2024)
_BUURT_RE = re.compile(r"^BU\d{4}[0-9A-Z]{4}$")  # CBS allows letters in wijk/buurt digits (Amsterdam: BU0363AA01)
_SCORES = [f"lbm_{d}" for d in LBM_DIMENSIONS]

#: Reasons a wijk or gemeente has no score (``reden`` in :class:`LeefbaarometerCoverage`).
REDENEN: dict[str, str] = {
    "gemeente_heringedeeld": "de gemeente is na het gevraagde indelingsjaar heringedeeld; de wijkcodes van "
    "2024 horen bij de nieuwe gemeente en er is geen wijk-op-wijk-tabel",
    "wijkindeling_gewijzigd": "de gemeente heeft haar wijken tussen het gevraagde jaar en 2024 hercodeerd of "
    "opnieuw ingedeeld; deze code bestaat niet (meer) met Leefbaarometer-buurten",
    "geen_gepubliceerde_buurt": "geen buurt van deze wijk is gepubliceerd (de Leefbaarometer laat buurten met "
    "te weinig adressen weg)",
    "geen_gemeentescore": "de Leefbaarometer publiceert voor deze gemeente geen score",
}


def _check(level: str, year: int) -> None:
    if level not in ("wijk", "gemeente"):
        raise DataError(f"load_leefbaarometer(level={level!r}): use 'wijk' or 'gemeente'.")
    if isinstance(year, bool) or not isinstance(year, int | np.integer) or int(year) not in _YEARS:
        raise DataError(
            f"load_leefbaarometer(year={year!r}): boundary years with a reference list are {list(_YEARS)} "
            "(2024 = the Leefbaarometer's own boundaries)."
        )


@functools.lru_cache(maxsize=1)  # internal, never modified (groupby builds new frames): no copies
def _buurten() -> pd.DataFrame:
    """The embedded buurt scores, validated: ``buurtcode``, ``wijkcode_2024``, ``gemeentecode_2024``, scores."""
    ds = DATASETS["leefbaarometer_buurten_2024"]
    raw, label = read_table(embedded_path(ds.name), source=ds.file, decimal=ds.decimal)
    df = LEEFBAAROMETER_BUURT_SCHEMA.validate(raw, label)
    bad = ~df["buurtcode"].astype(str).str.match(_BUURT_RE)
    if bad.any():
        rows = list(df.index[bad][:5] + 2)
        raise DataError(
            f"{label}: column 'buurtcode' has values that are not CBS buurt codes (BU + 8 digits or capitals) "
            f"at file rows {rows}; the embedded file is damaged: rebuild it with scripts/extract_leefbaarometer.py.",
            source=str(label),
            column="buurtcode",
        )
    df["wijkcode_2024"] = "WK" + df["buurtcode"].str[2:8]
    df["gemeentecode_2024"] = "GM" + df["buurtcode"].str[2:6]
    return df


@functools.lru_cache(maxsize=1)
def _wijken_2024() -> pd.DataFrame:
    """Plain buurt means per 2024 wijk (see the module notes), one row per wijk code."""
    b = _buurten()
    agg = b.groupby("wijkcode_2024", sort=True)[list(LBM_DIMENSIONS)].mean()
    agg.columns = _SCORES
    agg["n_buurten"] = b.groupby("wijkcode_2024", sort=True).size().astype("int64")
    agg["gemeentecode_2024"] = agg.index.str[2:6].map(lambda s: "GM" + s)
    return agg.reset_index()


@functools.lru_cache(maxsize=1)
def _gemeenten_2024() -> pd.DataFrame:
    ds = DATASETS["leefbaarometer_gemeenten_2024"]
    raw, label = read_table(embedded_path(ds.name), source=ds.file, decimal=ds.decimal)
    df = LEEFBAAROMETER_GEMEENTE_SCHEMA.validate(raw, label)
    df = df.rename(columns={d: f"lbm_{d}" for d in LBM_DIMENSIONS})
    n = _buurten().groupby("gemeentecode_2024").size()
    df["n_buurten"] = df["gemeentecode"].map(n).fillna(0).astype("int64")
    return df[["gemeentecode", "gemeentenaam", *_SCORES, "n_buurten"]]


def _reference(level: str, year: int) -> pd.DataFrame:
    """Codes of ``year``'s wijken (``wijkcode, gemeentecode``) or gemeenten (``gemeentecode``)."""
    from jeugdlib.data import _gemeente_jeugdregio, load_gemeenten, load_scp_2017, load_wijken

    if level == "wijk":
        if year == 2024:
            return (
                _wijken_2024()[["wijkcode_2024"]]
                .rename(columns={"wijkcode_2024": "wijkcode"})
                .assign(gemeentecode=lambda d: "GM" + d["wijkcode"].str[2:6])
            )
        w = load_scp_2017() if year == 2017 else load_wijken(year)
        return w[["wijkcode", "gemeentecode"]]
    if year == 2024:
        return _gemeenten_2024()[["gemeentecode"]]
    g = load_gemeenten(2021) if year == 2021 else _gemeente_jeugdregio(year)
    return g[["gemeentecode"]]


@dataclass(frozen=True)
class _Mapped:
    rows: pd.DataFrame
    missing: pd.DataFrame
    unmapped: pd.DataFrame


@functools.lru_cache(maxsize=16)  # internal; callers build new frames from it
def _map(level: str, year: int) -> _Mapped:
    from jeugdlib.data.cbs import successor_map

    merged = successor_map(year, LBM_JAAR) if year < LBM_JAAR else {}
    absorbing = set(merged.values())
    ref = _reference(level, year).drop_duplicates().reset_index(drop=True)
    if level == "gemeente":
        lbm = _gemeenten_2024()
        gone = ref["gemeentecode"].isin(list(merged))
        hit = ref["gemeentecode"].isin(set(lbm["gemeentecode"])) & ~gone
        rows = ref[hit].merge(lbm, on="gemeentecode", how="left", validate="one_to_one")
        rows["gemeentecode_2024"] = rows["gemeentecode"]
        rows["gebied_gewijzigd"] = rows["gemeentecode"].isin(absorbing)
        missing = ref[~hit].assign(reden=np.where(gone[~hit], "gemeente_heringedeeld", "geen_gemeentescore"))
        missing["gemeentecode_2024"] = missing["gemeentecode"].map(lambda c: merged.get(c))
        unmapped = lbm.loc[~lbm["gemeentecode"].isin(set(rows["gemeentecode"])), ["gemeentecode", "n_buurten"]]
        unmapped = unmapped.rename(columns={"gemeentecode": "gemeentecode_2024"}).assign(reden="gemeente_heringedeeld")
        return _Mapped(rows.reset_index(drop=True), missing.reset_index(drop=True), unmapped.reset_index(drop=True))

    lbm = _wijken_2024()
    codes_2024 = lbm.groupby("gemeentecode_2024")["wijkcode_2024"].agg(set)
    codes_year = ref.groupby("gemeentecode")["wijkcode"].agg(set)
    # a gemeente's wijk codes changed when 2024 has codes of it that the requested year lacks
    recoded = {g for g, cs in codes_2024.items() if g not in merged and not cs <= codes_year.get(g, set())}
    gone = ref["gemeentecode"].isin(list(merged))
    hit = ref["wijkcode"].isin(set(lbm["wijkcode_2024"])) & ~gone
    rows = ref[hit].merge(lbm, left_on="wijkcode", right_on="wijkcode_2024", how="left", validate="one_to_one")
    rows["indeling_gemeente_gewijzigd"] = rows["gemeentecode"].isin(recoded | absorbing)
    reden = np.select(
        [gone[~hit].to_numpy(), ref.loc[~hit, "gemeentecode"].isin(recoded).to_numpy()],
        ["gemeente_heringedeeld", "wijkindeling_gewijzigd"],
        "geen_gepubliceerde_buurt",
    )
    missing = ref[~hit].assign(reden=reden)
    used = set(rows["wijkcode_2024"])
    unmapped = lbm.loc[~lbm["wijkcode_2024"].isin(used), ["wijkcode_2024", "gemeentecode_2024", "n_buurten"]]
    new_gemeente = unmapped["gemeentecode_2024"].isin(absorbing) & ~unmapped["gemeentecode_2024"].isin(
        set(ref["gemeentecode"])
    )
    unmapped = unmapped.assign(reden=np.where(new_gemeente, "gemeente_heringedeeld", "wijkindeling_gewijzigd"))
    return _Mapped(rows.reset_index(drop=True), missing.reset_index(drop=True), unmapped.reset_index(drop=True))


@copying
def load_leefbaarometer(level: str = "wijk", year: int = 2022) -> pd.DataFrame:
    """Leefbaarometer 3.0 scores (meting 2024) per wijk or gemeente of boundary year ``year``.

    Parameters
    ----------
    level : {"wijk", "gemeente"}
        Wijk scores are plain means of the published buurt scores; gemeente scores are the
        Leefbaarometer's own (see the module notes).
    year : {2017, 2021, 2022, 2024}
        Boundary year of the codes returned (2024: the Leefbaarometer's own). Only codes that
        exist unchanged in ``year`` are returned; :func:`leefbaarometer_coverage` lists the rest.

    Returns
    -------
    pandas.DataFrame
        One row per wijk (gemeente) with a score, sorted by code: ``wijkcode`` and
        ``gemeentecode`` (or ``gemeentecode`` and ``gemeentenaam``), ``indelingsjaar`` (``year``),
        ``lbm_won, lbm_fys, lbm_vrz, lbm_soc, lbm_onv, lbm_afw``, ``n_buurten`` (published buurten
        behind the row), ``lbm_jaar`` (2024, the year of the scores), the 2024 code
        (``wijkcode_2024`` / ``gemeentecode_2024``) and ``indeling_gemeente_gewijzigd`` (wijk:
        the gemeente's wijk codes changed since ``year``) or ``gebied_gewijzigd`` (gemeente:
        it absorbed another gemeente since ``year``). Source: :data:`LBM_SOURCE`.
    """
    _check(level, year)
    m = _map(level, int(year)).rows
    code = "wijkcode" if level == "wijk" else "gemeentecode"
    if level == "wijk":
        lead = ["wijkcode", "gemeentecode"]
        tail = ["wijkcode_2024", "indeling_gemeente_gewijzigd"]
    else:
        lead = ["gemeentecode", "gemeentenaam"]
        tail = ["gemeentecode_2024", "gebied_gewijzigd"]
    out = m.assign(indelingsjaar=np.int64(year), lbm_jaar=np.int64(LBM_JAAR))
    out = out[[*lead, "indelingsjaar", *_SCORES, "n_buurten", "lbm_jaar", *tail]]
    return out.sort_values(code, ignore_index=True)


@dataclass(frozen=True)
class LeefbaarometerCoverage:
    """Which wijken (gemeenten) of a boundary year have a Leefbaarometer score, and why others have none.

    Attributes
    ----------
    level, year
        As passed to :func:`leefbaarometer_coverage`.
    n_total, n_covered
        Codes asked about, and how many of them have a score.
    missing
        One row per code without a score: the code (``wijkcode`` / ``gemeentecode``),
        ``gemeentecode`` (wijk level), ``reden`` (a key of :data:`REDENEN`) and ``toelichting``.
    unmapped
        2024 Leefbaarometer codes that match no code of ``year`` (``wijkcode_2024`` or
        ``gemeentecode_2024``, ``n_buurten``, ``reden``), e.g. the wijken of Voorne aan Zee.
    """

    level: str
    year: int
    n_total: int
    n_covered: int
    missing: pd.DataFrame
    unmapped: pd.DataFrame

    @property
    def share(self) -> float:
        """Share of the codes with a score (0-1)."""
        return self.n_covered / self.n_total if self.n_total else float("nan")

    def by_reason(self) -> pd.Series:
        """Number of missing codes per reason."""
        return self.missing["reden"].value_counts().sort_index()

    def summary(self) -> str:
        """One line: coverage and the reasons of the missing codes."""
        reasons = "; ".join(f"{v} omdat {REDENEN.get(k, k)}" for k, v in self.by_reason().items()) or "geen"
        unit = "wijken" if self.level == "wijk" else "gemeenten"
        share = f"{100 * self.share:.1f}%".replace(".", ",") if self.n_total else "geen codes"
        return (
            f"Leefbaarometer {LBM_JAAR}: {self.n_covered} van {self.n_total} {unit} (indeling {self.year}) "
            f"hebben een score ({share}); zonder score: {reasons}."
        )


def leefbaarometer_coverage(
    level: str = "wijk", year: int = 2022, codes: pd.Series | list[str] | None = None
) -> LeefbaarometerCoverage:
    """How many wijken (gemeenten) of ``year`` :func:`load_leefbaarometer` covers, and why others are missing.

    Parameters
    ----------
    level, year
        As in :func:`load_leefbaarometer`.
    codes : sequence of str, optional
        The codes to check, e.g. the wijken an analysis uses
        (``jeugdlib.scp.open_data_frame(2022)[0]["wijkcode"]``); default all wijken (gemeenten)
        of ``year`` in the embedded data. Codes unknown in ``year`` are refused.

    Returns
    -------
    LeefbaarometerCoverage
    """
    _check(level, year)
    year = int(year)
    code = "wijkcode" if level == "wijk" else "gemeentecode"
    m = _map(level, year)
    ref = _reference(level, year)
    wanted = pd.Series(ref[code] if codes is None else list(codes), dtype=object).drop_duplicates()
    unknown = sorted(set(wanted) - set(ref[code]))
    if unknown:
        raise DataError(
            f"leefbaarometer_coverage: {len(unknown)} code(s) are not {level}en of {year} "
            f"(e.g. {unknown[:5]}); pass codes of the {year} boundaries."
        )
    missing = m.missing[m.missing[code].isin(set(wanted))].copy()
    missing["toelichting"] = missing["reden"].map(REDENEN)
    return LeefbaarometerCoverage(
        level=level,
        year=year,
        n_total=len(wanted),
        n_covered=int(wanted.isin(set(m.rows[code])).sum()),
        missing=missing.sort_values(code, ignore_index=True),
        unmapped=m.unmapped.copy(),
    )
