"""The story of a regional report: which figures it uses, how far wijken deviate, and a summary.

Every function here is pure: it takes published tables (the output of the publication boundary,
:mod:`jeugdlib.publication`) or plain numbers and returns Dutch text or a small frame. Nothing here
sees an unpublished count: totals are read from the report's register (:meth:`Publication.count`),
deviations from the published wijk table of :func:`jeugdlib.report_sections.regional.region_open_model`
(hidden wijken have no observed value, difference or category there).

* :func:`report_measures`, :func:`measures_box` — the opening box "Welke cijfers?";
* :func:`reconcile_totals`, :func:`reconcile_text` — a gemeente's total next to the sum of its
  published wijken, with the reason they differ;
* :func:`deviation_category`, :func:`interval_width`, :func:`interval_width_text`,
  :func:`deviation_counts`, :func:`wijken_to_watch`, :func:`deviation_display` — the deviation section;
* :func:`executive_summary` — five sentences for a wethouder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jeugdlib import formatting as F

if TYPE_CHECKING:
    from jeugdlib.publication import Publication

#: The graded deviation categories, most to least certain (the Haaglanden study used 1.5 pp).
CATEGORIES: tuple[str, ...] = (
    "buiten het 95%-interval",
    "buiten het 80%-interval",
    "verschil ≥ 1,5 procentpunt",
    "binnen de verwachting",
)
#: The Haaglanden study's threshold for a "substantial" difference, in percentage points.
HAAGLANDEN_THRESHOLD = 1.5
#: SCP's published national share of youths with jeugdhulp zonder verblijf, 2017 (SCP 2020-1, p. 3).
SCP_2017_NATIONAL = 8.5

#: Column names of the published wijk table (:func:`~jeugdlib.report_sections.regional.region_open_model`).
COL_COUNT = "Aantal jongeren met jeugdzorg"
COL_OBS = "Waargenomen (%)"
COL_EXP = "Verwacht (%)"
COL_PI_LOW = "Verwacht 95%-interval laag (%)"
COL_PI_HIGH = "Verwacht 95%-interval hoog (%)"
COL_DIFF = "Verschil (procentpunt)"
COL_DIFF_LOW = "Verschil 95%-interval laag"
COL_DIFF_HIGH = "Verschil 95%-interval hoog"
COL_CAT = "Categorie"

CAVEAT = (
    "Een afwijking is geen oordeel over goed of slecht beleid. Het model kent alleen de kenmerken uit de "
    "open CBS-wijkdata; een wijk die afwijkt heeft kenmerken die het model niet kent (zoals sociale samenhang, "
    "veiligheid, voorzieningen of het aanbod van hulp). Het is een reden om met lokale partners beter te kijken."
)


# --------------------------------------------------------------------------- "Welke cijfers?"
@dataclass(frozen=True)
class Measure:
    """One measure of youth-care use that appears in the report."""

    section: str  #: where it appears ("§1 en §2")
    name: str  #: short Dutch name
    numerator: str  #: who is counted
    denominator: str  #: divided by
    year: str  #: year (with * for provisional)
    source: str  #: publisher and table
    national: float  #: the national figure, in percent
    national_source: str  #: where the national figure comes from


def report_measures(year: int, national_0_24: float, cbs_national: float) -> tuple[Measure, ...]:
    """The three measures of use in a regional report, with their national figures.

    ``national_0_24`` is the national share of §1 (all gemeenten' youths with jeugdzorg over
    their 0–24 population); ``cbs_national`` is CBS's own national figure of 85098NED.
    """
    return (
        Measure(
            "§1 en §2",
            "jeugdzorg in natura per inwoner van 0–24 jaar",
            "jongeren (tot 23 jaar) met jeugdzorg in natura: jeugdhulp, jeugdbescherming of jeugdreclassering",
            "alle inwoners van 0–24 jaar (CBS publiceert per wijk geen aantal 0–22-jarigen; deze noemer is "
            "een benadering en maakt het percentage lager)",
            str(year),
            "CBS, Jeugdzorg; wijken (85335NED) en Kerncijfers wijken en buurten",
            national_0_24,
            "alle gemeenten samen, zelfde definitie",
        ),
        Measure(
            "§4",
            "jeugdhulp in natura (CBS-indicator)",
            "jongeren met jeugdhulp in natura (zonder jeugdbescherming en jeugdreclassering)",
            "de eigen leeftijdsgroep van het CBS (zie de toelichting bij 85098NED), niet alle 0–24-jarigen",
            f"{year}* (voorlopig)",
            "CBS, Indicatoren jeugdzorg in natura; gemeenten (85098NED)",
            cbs_national,
            "CBS, Nederland",
        ),
        Measure(
            "§3",
            "jeugdhulp zonder verblijf (SCP)",
            "jongeren met jeugdhulp zonder verblijf (ambulante hulp)",
            "de jongeren in de wijk, zoals het SCP die uit CBS-microdata telde",
            "2017",
            "SCP, Jeugdhulp in de wijk (2020), wijkbestand 2017",
            SCP_2017_NATIONAL,
            "SCP (2020), landelijk",
        ),
    )


def elan_measure() -> Measure:
    """The fourth measure of a Haaglanden report: ELAN's share of *all* inhabitants with jeugdhulp (§5)."""
    return Measure(
        "§5",
        "jeugdhulp per inwoner (ELAN, Haaglanden)",
        "inwoners met jeugdhulp",
        "alle inwoners van de gemeente, van elke leeftijd (daarom veel lager dan de andere maten)",
        "2015–2022",
        "ELAN/LUMC, wijkprofielen op basis van CBS-microdata",
        float("nan"),
        "geen landelijk cijfer: ELAN beschrijft alleen Haaglanden",
    )


_COUNT_WORDS = {1: "één", 2: "twee", 3: "drie", 4: "vier", 5: "vijf"}


def measures_box(measures: Sequence[Measure]) -> str:
    """The opening box "Welke cijfers?" as Markdown: each measure, its national figure, and why they differ."""
    k = len(measures)
    lines = [
        f"**Welke cijfers?** Dit rapport gebruikt {_COUNT_WORDS.get(k, F.count(k))} "
        f"{'maat' if k == 1 else 'maten'} voor het gebruik van jeugdzorg. Ze tellen niet "
        "dezelfde jongeren, niet dezelfde vorm van zorg en niet hetzelfde jaar, dus hun percentages verschillen:",
        "",
    ]
    for m in measures:
        lines.append(
            f"- **{m.section}: {m.name}** — {m.numerator}, gedeeld door {m.denominator}; {m.year}. "
            f"Bron: {m.source}. "
            + (f"Landelijk: **{F.percent(m.national)}** ({m.national_source})." if not np.isnan(m.national)
               else f"Landelijk: {m.national_source}.")
        )  # fmt: skip
    nums = ", ".join(F.percent(m.national) for m in measures if not np.isnan(m.national))
    lines += [
        "",
        f"De landelijke cijfers ({nums}) verschillen dus door de definitie, niet door een fout. Vergelijk een "
        "gemeente of wijk alleen met een landelijk cijfer van dezelfde maat.",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- totals that disagree
def reconcile_totals(
    pub: Publication,
    gemeenten: pd.DataFrame,
    wijken: pd.DataFrame,
    quantity: str,
) -> pd.DataFrame:
    """Per gemeente: its published total next to the sum of its published wijken, and why they differ.

    Parameters
    ----------
    pub:
        The report's register; every count is read through :meth:`Publication.count` (published
        values only, ``None`` where hidden).
    gemeenten:
        ``gemeentecode, Gemeente, Wijken`` (the number of the gemeente's wijken in the CBS data).
    wijken:
        ``wijkcode, Gemeente`` of the wijken in the published wijk table.
    quantity:
        The register quantity of both tables (e.g. ``"jongeren met jeugdzorg 2022"``).

    Returns
    -------
    DataFrame ``gemeentecode, Gemeente, Gemeentetotaal, Som gepubliceerde wijken, Verschil,
    Wijken, Wijken in wijktabel, Wijken afgeschermd, Verklaring`` (totals ``NaN`` where hidden).
    """
    rows = []
    for code, name, n_all in gemeenten[["gemeentecode", "Gemeente", "Wijken"]].itertuples(index=False):
        codes = wijken.loc[wijken["Gemeente"] == name, "wijkcode"]
        vals = [pub.count(quantity, c) for c in codes]
        shown = [v for v in vals if v is not None]
        total = pub.count(quantity, code)
        n_table, n_hidden = len(vals), len(vals) - len(shown)
        wsum = float(sum(shown)) if shown else np.nan
        total_f = float(total) if total is not None else np.nan
        rows.append(
            {
                "gemeentecode": code,
                "Gemeente": name,
                "Gemeentetotaal": total_f,
                "Som gepubliceerde wijken": wsum,
                "Verschil": total_f - wsum,
                "Wijken": int(n_all),
                "Wijken in wijktabel": n_table,
                "Wijken afgeschermd": n_hidden,
                "Verklaring": _reason(total_f, wsum, int(n_all), n_table, n_hidden),
            }
        )
    return pd.DataFrame(rows)


def _reason(total: float, wsum: float, n_all: int, n_table: int, n_hidden: int) -> str:
    """Short Dutch reason why a gemeente's total differs from the sum of its published wijken.

    The general reason (CBS counts youths it cannot place in a wijk only in the gemeente total) is
    given once, by :func:`reconcile_text`; this names what is particular to the gemeente.
    """
    if np.isnan(total):
        return "Het gemeentetotaal is afgeschermd."
    if np.isnan(wsum):
        return "Geen van de wijken heeft een gepubliceerd aantal."
    if total == wsum:
        return "Gelijk."
    parts = []
    if n_hidden:
        parts.append(f"{F.plural(n_hidden, 'afgeschermde wijk', 'afgeschermde wijken')} niet in de som")
    if n_all > n_table:
        parts.append(f"{F.plural(n_all - n_table, 'wijk', 'wijken')} onder 100 inwoners niet in de wijktabel")
    parts.append("verder: jongeren zonder wijk en afronding (zie boven)")
    return "; ".join(parts)[0].upper() + "; ".join(parts)[1:] + "."


def wijk_coverage(gemeente_totals: pd.Series, wijk_counts: pd.Series, wijk_gemeente: pd.Series) -> float:
    """Median over gemeenten of (sum of the gemeente's wijk counts) / (gemeente total), from public CBS data.

    Parameters are CBS's own published counts: ``gemeente_totals`` indexed by gemeentecode,
    ``wijk_counts`` per wijk with ``wijk_gemeente`` its gemeentecode. Gemeenten without a total or
    without any wijk count are left out. In the CBS data of 2022 this is about 0,90: the gemeente
    totals hold about a tenth more youths than their wijken together.
    """
    wsum = pd.to_numeric(wijk_counts, errors="coerce").groupby(wijk_gemeente.to_numpy()).sum(min_count=1)
    tot = pd.to_numeric(gemeente_totals, errors="coerce")
    ratio = (wsum / tot.reindex(wsum.index)).replace([np.inf, -np.inf], np.nan).dropna()
    return float(ratio.median()) if len(ratio) else float("nan")


def reconcile_display(rec: pd.DataFrame) -> pd.DataFrame:
    """:func:`reconcile_totals` (as published) as Dutch text for the report: counts with thousands separators."""
    return pd.DataFrame(
        {
            "Gemeente": rec["Gemeente"].astype(str),
            "Gemeentetotaal (§1)": [F.count(v) for v in rec["Gemeentetotaal"]],
            "Som gepubliceerde wijken (§2)": [F.count(v) for v in rec["Som gepubliceerde wijken"]],
            "Verschil": [F.count(v) for v in rec["Verschil"]],
            "Wijken (in wijktabel, afgeschermd)": [
                f"{F.count(a)} ({F.count(b)}, {F.count(c)})"
                for a, b, c in zip(rec["Wijken"], rec["Wijken in wijktabel"], rec["Wijken afgeschermd"], strict=True)
            ],
            "Verklaring": [F.MISSING if F.is_missing(v) else str(v) for v in rec["Verklaring"]],
        }
    ).reset_index(drop=True)


def reconcile_text(rec: pd.DataFrame, national_coverage: float | None = None) -> str:
    """Dutch sentences on :func:`reconcile_totals`: how far the sums fall short, why, and one worked example.

    ``national_coverage`` (:func:`wijk_coverage` over all gemeenten) puts the region's gaps in proportion.
    """
    known = rec.dropna(subset=["Gemeentetotaal", "Som gepubliceerde wijken"])
    if known.empty:
        return "Voor geen enkele gemeente zijn zowel het totaal als de wijkaantallen gepubliceerd."
    differ = known[known["Verschil"] != 0]
    n, k = len(known), len(differ)
    if k == n:
        where = f"in {'de enige gemeente' if n == 1 else f'alle {n} gemeenten'} verschillen ze"
    else:
        where = f"in {F.plural(k, 'gemeente', 'gemeenten')} van de {n} verschillen ze"
    text = (
        "Het aantal jongeren van een gemeente in §1 is niet altijd de som van haar wijken in de wijktabel (§2): "
        f"{where}. Het CBS telt jongeren van wie het de wijk niet kent (bijvoorbeeld zonder bekend woonadres in "
        "de gemeente) alleen in het gemeentetotaal, en rondt wijkcijfers en gemeentetotaal elk apart af op 5."
    )
    if national_coverage is not None and not np.isnan(national_coverage):
        text += (
            f" Landelijk is de som van de wijken {F.percent(100 * national_coverage, 0)} van het gemeentetotaal "
            "(mediaan over alle gemeenten): een verschil van ongeveer een tiende is dus gewoon. Daarnaast tellen "
            "afgeschermde wijken en wijken met minder dan 100 inwoners niet mee in de som."
        )
    if k:
        # the clearest example: every wijk published and in the table, fewest wijken (the difference is CBS's own)
        ex = (
            differ.assign(_other=differ["Wijken afgeschermd"] + differ["Wijken"] - differ["Wijken in wijktabel"])
            .sort_values(["_other", "Wijken in wijktabel", "Verschil"], ascending=[True, True, False])
            .iloc[0]
        )
        nw = int(ex["Wijken in wijktabel"])
        parts = "haar enige wijk" if nw == 1 else f"haar {F.count(nw)} gepubliceerde wijken samen"
        text += (
            f" Voorbeeld: {ex['Gemeente']} telt {F.count(ex['Gemeentetotaal'])} jongeren met jeugdzorg, {parts} "
            f"{F.count(ex['Som gepubliceerde wijken'])}."
        )
    return text


# --------------------------------------------------------------------------- deviations
def deviation_category(
    observed: Any,
    pi95: tuple[Any, Any],
    pi80: tuple[Any, Any],
    expected: Any,
    threshold: float = HAAGLANDEN_THRESHOLD,
) -> np.ndarray:
    """The graded category of each wijk (:data:`CATEGORIES`); ``None`` where nothing is observed.

    A wijk is in the first category it meets: observed outside the 95% prediction interval,
    outside the 80% interval, ``|observed − expected| ≥ threshold``, else within expectation.
    The threshold is applied to the difference as the report shows it (published with three
    decimals, shown with one, halves away from zero), so a wijk shown with "+1,5" is never
    "binnen de verwachting".
    """
    obs = np.asarray(observed, dtype=float)
    lo95, hi95 = (np.asarray(x, dtype=float) for x in pi95)
    lo80, hi80 = (np.asarray(x, dtype=float) for x in pi80)
    diff = obs - np.asarray(expected, dtype=float)
    # |difference| as the reader sees it: published with 3 decimals, shown with 1
    shown = np.abs(np.array([F.rounded(F.rounded(d, 3), 1) for d in diff], dtype=float))
    with np.errstate(invalid="ignore"):
        conds = [(obs < lo95) | (obs > hi95), (obs < lo80) | (obs > hi80), shown >= threshold - 1e-9]
    out = np.select(conds, list(CATEGORIES[:3]), default=CATEGORIES[3]).astype(object)
    out[np.isnan(obs)] = None
    return out


def interval_width(table: pd.DataFrame) -> float:
    """Mean width (percentage points) of the 95% prediction interval over the wijken of ``table``.

    The interval comes from the wijk's characteristics only (no count), so every wijk counts.
    """
    w = pd.to_numeric(table[COL_PI_HIGH], errors="coerce") - pd.to_numeric(table[COL_PI_LOW], errors="coerce")
    w = w.dropna()
    return float(w.mean()) if len(w) else float("nan")


def interval_width_text(width: float) -> str:
    """The interval width in words, with what it means for a single wijk."""
    if np.isnan(width):
        return "Voor deze wijken is geen voorspellingsinterval te berekenen."
    half = width / 2
    return (
        f"Het 95%-interval is gemiddeld {F.number(width)} procentpunt breed: een wijk moet dus ruim "
        f"{F.number(half)} procentpunt boven of onder de verwachting liggen voordat we vrij zeker weten dat het "
        "verschil niet op toeval berust; kleinere verschillen kunnen echt zijn, maar het model kan ze niet "
        "onderscheiden van toeval."
    )


def deviation_counts(table: pd.DataFrame, threshold: float = HAAGLANDEN_THRESHOLD) -> dict[str, int]:
    """Counts of published wijken: ``gepubliceerd, afgeschermd, hoger_95, lager_95, buiten_80, drempel``
    and one entry per category.

    ``buiten_80`` counts wijken outside the 80% interval (including those outside 95%); ``drempel``
    wijken with ``|difference| ≥ threshold`` whatever their category.
    """
    obs = table[COL_OBS].notna()
    pub = table[obs]
    diff = pd.to_numeric(pub[COL_DIFF], errors="coerce")
    cat = pub[COL_CAT]
    out = {
        "gepubliceerd": int(obs.sum()),
        "afgeschermd": int((~obs).sum()),
        "hoger_95": int(((cat == CATEGORIES[0]) & (diff > 0)).sum()),
        "lager_95": int(((cat == CATEGORIES[0]) & (diff < 0)).sum()),
        "buiten_80": int(cat.isin(CATEGORIES[:2]).sum()),
        "drempel": int((diff.abs() >= threshold - 1e-9).sum()),
    }
    out.update({c: int((cat == c).sum()) for c in CATEGORIES})
    return out


def _score(table: pd.DataFrame) -> pd.Series:
    """|difference| relative to the distance from expected to the interval bound on its side."""
    diff = pd.to_numeric(table[COL_DIFF], errors="coerce")
    exp = pd.to_numeric(table[COL_EXP], errors="coerce")
    side = np.where(diff >= 0, table[COL_PI_HIGH] - exp, exp - table[COL_PI_LOW])
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.Series(np.abs(diff.to_numpy()) / side, index=table.index)


def wijken_to_watch(table: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` published wijken whose difference is largest relative to their interval, largest first.

    Column ``Afstand (interval)``: the difference as a multiple of the distance from the expected
    value to the 95% bound on its side (above 1: outside the interval).
    """
    pub = table[table[COL_OBS].notna()].copy()
    pub["Afstand (interval)"] = _score(pub)
    pub = pub.dropna(subset=["Afstand (interval)"])
    return pub.sort_values("Afstand (interval)", ascending=False, kind="stable").head(n).reset_index(drop=True)


def _interval(lo: Any, hi: Any) -> str:
    if F.is_missing(lo) or F.is_missing(hi):
        return F.MISSING
    return f"{F.number(lo, sign=True)} tot {F.number(hi, sign=True)}"


def deviation_display(table: pd.DataFrame) -> pd.DataFrame:
    """The published wijk table as Dutch text for the report: one column for the difference and its interval."""
    return pd.DataFrame(
        {
            "Wijk": table["Wijk"],
            "Gemeente": table["Gemeente"],
            "Waargenomen": [F.percent(v) for v in table[COL_OBS]],
            "Verwacht (95%-interval)": [
                F.MISSING if F.is_missing(e) else f"{F.percent(e)} ({F.number(lo)} tot {F.number(hi)})"
                for e, lo, hi in zip(table[COL_EXP], table[COL_PI_LOW], table[COL_PI_HIGH], strict=True)
            ],
            "Verschil in procentpunt (95%-interval)": [
                F.MISSING if F.is_missing(d) else f"{F.number(d, sign=True)} ({_interval(lo, hi)})"
                for d, lo, hi in zip(table[COL_DIFF], table[COL_DIFF_LOW], table[COL_DIFF_HIGH], strict=True)
            ],
            "Categorie": [F.MISSING if F.is_missing(c) else str(c) for c in table[COL_CAT]],
        }
    ).reset_index(drop=True)


def deviation_text(table: pd.DataFrame) -> str:
    """Dutch sentences on the categories of the published wijken (every number from :func:`deviation_counts`)."""
    c = deviation_counts(table)
    n = c["gepubliceerd"]
    if n == 0:
        return "In deze regio zijn alle wijkcijfers afgeschermd; er valt per wijk niets te vergelijken."
    w = [F.plural(c[k], "wijk", "wijken") for k in CATEGORIES]
    text = (
        f"Van de {F.plural(n, 'wijk', 'wijken')} met gepubliceerde cijfers ligt het gebruik in {w[0]} buiten het "
        f"95%-interval en in {w[1]} alleen buiten het 80%-interval; in {w[2]} verschilt het minstens "
        f"{F.number(HAAGLANDEN_THRESHOLD)} procentpunt maar binnen het 80%-interval, en in {w[3]} ligt het binnen "
        "de verwachting."
    )
    if c["afgeschermd"]:
        text += (
            f" Van {F.plural(c['afgeschermd'], 'wijk', 'wijken')} is het aantal jongeren afgeschermd; daarvan "
            "tonen we alleen het verwachte gebruik."
        )
    return text


# --------------------------------------------------------------------------- executive summary
def _compare(a: float, b: float) -> str:
    """'hoger dan' / 'lager dan' / 'gelijk aan', as the reader sees the rounded numbers."""
    ra, rb = F.number(a), F.number(b)
    if ra == rb:
        return "gelijk aan"
    return "hoger dan" if a > b else "lager dan"


def executive_summary(
    region_name: str,
    year: int,
    region_share: float,
    national_share: float,
    table: pd.DataFrame,
    *,
    trend: str | None = None,
) -> list[str]:
    """Five Dutch sentences for a wethouder, every number computed here from the published inputs.

    Parameters
    ----------
    region_name, year:
        The jeugdregio and the data year.
    region_share, national_share:
        Youths with jeugdzorg in natura as % of 0–24-year-olds: the region (from its published
        total) and the nation.
    table:
        The published wijk table of :func:`~jeugdlib.report_sections.regional.region_open_model`.
    trend:
        A sentence on the trend, used instead of the biggest deviation when no wijk is published.
    """
    c = deviation_counts(table)
    n = c["gepubliceerd"]
    if np.isnan(region_share):
        s1 = (
            f"Voor {region_name} als geheel is het aandeel jongeren met jeugdzorg in {year} afgeschermd; landelijk "
            f"kreeg {F.percent(national_share)} van de inwoners van 0–24 jaar jeugdzorg in natura."
        )
    else:
        s1 = (
            f"In {region_name} kreeg in {year} {F.percent(region_share)} van de inwoners van 0–24 jaar jeugdzorg "
            f"in natura; dat is {_compare(region_share, national_share)} het landelijke "
            f"{F.percent(national_share)}."
        )
    if n == 0:
        s2 = "Van geen enkele wijk in de regio is het aantal jongeren met jeugdzorg gepubliceerd."
    else:
        hi, lo = c["hoger_95"], c["lager_95"]
        if hi + lo == 0:
            clear = "ligt het gebruik in geen enkele wijk duidelijk hoger of lager dan het model verwacht"
        else:
            clear = (
                f"ligt het gebruik in {F.plural(hi, 'wijk', 'wijken')} duidelijk hoger en in "
                f"{F.plural(lo, 'wijk', 'wijken')} duidelijk lager dan het model verwacht"
            )
        s2 = (
            f"Van de {F.plural(n, 'wijk', 'wijken')} met gepubliceerde cijfers {clear} (buiten het 95%-interval); "
            f"in {F.plural(c['drempel'], 'wijk', 'wijken')} verschilt het minstens "
            f"{F.number(HAAGLANDEN_THRESHOLD)} procentpunt, de maat van de Haaglandse studie."
        )
    s3 = interval_width_text(interval_width(table))
    top = wijken_to_watch(table, n=1)
    if len(top):
        t = top.iloc[0]
        s4 = (
            f"De grootste afwijking ten opzichte van de onzekerheid heeft {t['Wijk']} ({t['Gemeente']}): "
            f"{F.percent(t[COL_OBS])} waargenomen tegen {F.percent(t[COL_EXP])} verwacht "
            f"({F.points(t[COL_DIFF])})."
        )
    else:
        s4 = trend or "Omdat geen wijk gepubliceerde cijfers heeft, noemen we hier geen afwijkende wijk."
    s5 = (
        "Een afwijking is geen oordeel over beleid: gebruik de lijst 'wijken om naar te kijken' om met het "
        "wijkteam, huisartsen, scholen en andere lokale partners te bespreken wat het model mist, voordat u "
        "conclusies trekt."
    )
    return [s1, s2, s3, s4, s5]


def effects_alt_text(effects: pd.DataFrame, region_name: str) -> str:
    """Alt text for the gemeente-effects figure, from the published effects table.

    ``effects`` has ``Gemeente`` and ``Gemeente-effect (procentpunt)`` (see
    :func:`jeugdlib.report_sections.regional.region_scp_2017`).
    """
    col = "Gemeente-effect (procentpunt)"
    eff = effects.assign(_v=pd.to_numeric(effects[col], errors="coerce")).dropna(subset=["_v"])
    n = F.plural(len(effects), "gemeente", "gemeenten")
    head = f"Gemeente-effecten (SCP-model 2017, met 95%-interval) van {n} in {region_name}"
    if eff.empty:
        return head + "."
    low, high = eff.loc[eff["_v"].idxmin()], eff.loc[eff["_v"].idxmax()]
    if len(eff) == 1:
        return f"{head}: {F.points(float(low['_v']), 2)} ({low['Gemeente']})."
    return (
        f"{head}: van {F.points(float(low['_v']), 2)} ({low['Gemeente']}) tot "
        f"{F.points(float(high['_v']), 2)} ({high['Gemeente']})."
    )


def negative_expected_text(table: pd.DataFrame) -> str:
    """A Dutch sentence when the model expects a negative share for some wijken ("" when none).

    The SCP model is linear in the share, so for a wijk with very favourable characteristics its
    expectation can fall below zero; the sentence names such wijken and says how to read them.
    """
    exp = pd.to_numeric(table[COL_EXP], errors="coerce")
    neg = table.loc[exp < 0]
    if neg.empty:
        return ""
    names = ", ".join(str(w) for w in neg["Wijk"].head(5))
    more = "" if len(neg) <= 5 else f" en {F.plural(len(neg) - 5, 'andere', 'andere')}"
    return (
        f"Voor {F.plural(len(neg), 'wijk', 'wijken')} ({names}{more}) komt het verwachte gebruik onder 0%: het "
        "model is een rechte lijn in het percentage en kan voor wijken met zeer gunstige kenmerken onder nul "
        "uitkomen. Lees dat als: vrijwel geen jeugdzorg verwacht."
    )
