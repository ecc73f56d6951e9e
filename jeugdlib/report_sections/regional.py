"""Report sections built from the embedded national data and the national models."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jeugdlib import publication as P
from jeugdlib.data import find_region, load_gemeenten, load_scp_2017, load_wijken
from jeugdlib.errors import DataError
from jeugdlib.publication import Publication, TableSpec

if TYPE_CHECKING:
    from jeugdlib.reports import NationalModels

from jeugdlib.report_sections._common import FLAG_NL, _absent, _pub, _section, nl


# --------------------------------------------------------------------------- sections
def region_overview(
    region: str, year: int = 2022, *, pub: Publication | None = None, tables_dir: str | Path | None = None
) -> dict[str, Any]:
    """Gemeenten of the region with wijken, youths (0–24 proxy) and youth-care use, published.

    The region's share in the text comes from the published (rounded) totals; the national
    share is a national statistic over all gemeenten.
    """
    pub = _pub(pub, tables_dir)
    reg = find_region(region, year)
    g = load_gemeenten(year)
    w = load_wijken(year)
    g = g[g.jeugdregio_code == reg.jeugdregio_code]
    n_wijken = w[w.jeugdregio_code == reg.jeugdregio_code].groupby("gemeentecode").size()
    tab = pd.DataFrame(
        {
            "Gemeentecode": g.gemeentecode.to_numpy(),
            "Gemeente": g.gemeentenaam.to_numpy(),
            "Wijken": g.gemeentecode.map(n_wijken).fillna(0).astype(int).to_numpy(),
            "Aantal inwoners 0–24 jaar": g.jeugd_0_24_proxy.to_numpy(),
            "Aantal jongeren met jeugdzorg": g.jz_jongeren.to_numpy(),
        }
    )
    tab = tab.sort_values("Gemeente", ignore_index=True)
    total = tab[["Wijken", "Aantal inwoners 0–24 jaar", "Aantal jongeren met jeugdzorg"]].sum(min_count=1)
    tab.loc[len(tab)] = {"Gemeentecode": str(reg.jeugdregio_code), "Gemeente": "Totaal regio", **total.to_dict()}
    tab["% jeugdzorg (van 0–24 jaar)"] = np.nan
    spec = TableSpec(
        "overzicht",
        (
            P.code("Gemeentecode"),
            P.label("Gemeente"),
            P.units("Wijken"),
            P.count("Aantal inwoners 0–24 jaar", f"inwoners 0-24 {year}"),
            P.count("Aantal jongeren met jeugdzorg", f"jongeren met jeugdzorg {year}"),
            P.rate("% jeugdzorg (van 0–24 jaar)", "Aantal jongeren met jeugdzorg", "Aantal inwoners 0–24 jaar"),
        ),
        key="Gemeentecode",
        total_row=str(reg.jeugdregio_code),
    )
    published = pub.publish(tab, spec)
    nat_all = load_gemeenten(year)
    national = 100 * nat_all.jz_jongeren.sum() / nat_all.jeugd_0_24_proxy.sum()
    region_share = published.table["% jeugdzorg (van 0–24 jaar)"].iloc[-1]
    return {
        "region": reg,
        "year": year,
        "table": published.table,
        "notes": published.notes,
        "total_row": len(tab) - 1,
        "national_share": float(national),
        "n_gemeenten": int(len(g)),
        "n_wijken": int(n_wijken.sum()),
        "region_share": float(region_share) if pd.notna(region_share) else float("nan"),
    }


def region_open_model(
    models: NationalModels,
    region: str,
    *,
    pub: Publication | None = None,
    tables_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Open-data model per wijk of the region: observed, expected, difference with its 95% interval, category.

    The category is graded (:data:`jeugdlib.report_sections.story.CATEGORIES`): outside the 95%
    prediction interval, outside the 80% interval, a difference of at least 1.5 percentage point
    (the Haaglanden study's scale), or within expectation. A wijk whose youth-care count is hidden
    shows no observed value, difference, difference interval or category (each would be a statement
    about the hidden count); its expected value and the interval around it, from the wijk's
    characteristics only, are shown. Gemeente names are the 2022 names of :func:`load_gemeenten`.

    Returns a dict with ``region``, ``table`` (published), ``notes``, ``outcome``, ``n_observed``,
    ``counts`` (:func:`~jeugdlib.report_sections.story.deviation_counts`) and ``interval_width``
    (mean width of the 95% interval, percentage points).
    """
    from jeugdlib.report_sections import story as S
    from jeugdlib.scp import OPEN_OUTCOME, open_data_frame

    pub = _pub(pub, tables_dir)
    reg = find_region(region, models.year)
    data, _ = open_data_frame(models.year)
    sub = data[data.jeugdregio_code == reg.jeugdregio_code]
    exp = models.open_model.expected(sub)
    exp80 = models.open_model.expected(sub, level=0.80)
    names = _gemeente_names(models.year)
    w = data.set_index("wijkcode")
    exp = exp.merge(w[["wijknaam", "jz_jongeren"]], left_on="wijkcode", right_index=True, how="left")
    category = S.deviation_category(
        exp.observed, (exp.pi_low, exp.pi_high), (exp80.pi_low.to_numpy(), exp80.pi_high.to_numpy()), exp.expected
    )
    tab = pd.DataFrame(
        {
            "wijkcode": exp.wijkcode,
            "Wijk": exp.wijknaam,
            "Gemeente": exp.gemeentecode.map(names),
            S.COL_COUNT: exp.jz_jongeren,
            S.COL_OBS: exp.observed,
            S.COL_EXP: exp.expected,
            S.COL_PI_LOW: exp.pi_low,
            S.COL_PI_HIGH: exp.pi_high,
            S.COL_DIFF: exp.difference,
            S.COL_DIFF_LOW: exp.observed - exp.pi_high,
            S.COL_DIFF_HIGH: exp.observed - exp.pi_low,
            S.COL_CAT: category,
        }
    ).sort_values(["Gemeente", "Wijk"], ignore_index=True)
    n = S.COL_COUNT
    spec = TableSpec(
        "wijken_open_model",
        (
            P.code("wijkcode"),
            P.label("Wijk"),
            P.label("Gemeente"),
            P.count(n, f"jongeren met jeugdzorg {models.year}"),
            P.statistic(S.COL_OBS, n),
            P.statistic(S.COL_EXP),
            P.statistic(S.COL_PI_LOW),
            P.statistic(S.COL_PI_HIGH),
            P.statistic(S.COL_DIFF, n),
            P.statistic(S.COL_DIFF_LOW, n),
            P.statistic(S.COL_DIFF_HIGH, n),
            P.label(S.COL_CAT, n),
        ),
        key="wijkcode",
        groups="Gemeente",
        column_totals=True,
        note="Verwacht: SCP-model op open CBS-wijkdata; 95%-interval: voorspellingsinterval van het waargenomen "
        "percentage. Afgeschermde wijken: alleen het verwachte gebruik.",
    )
    published = pub.publish(tab, spec)
    protected = published.table
    return {
        "region": reg,
        "table": protected,
        "notes": published.notes,
        "outcome": OPEN_OUTCOME,
        "year": models.year,
        "n_observed": int(protected[S.COL_OBS].notna().sum()),
        "counts": S.deviation_counts(protected),
        "interval_width": S.interval_width(protected),
    }


def _gemeente_names(year: int = 2022) -> dict[str, str]:
    """Gemeentecode → name, from one source for every section with data of ``year`` (:func:`load_gemeenten`)."""
    g = load_gemeenten(year)
    return dict(zip(g.gemeentecode, g.gemeentenaam, strict=True))


#: Status of a wijk on the map: its count published, hidden, or not in the wijk table at all.
MAP_STATUS = ("gepubliceerd", "afgeschermd", "geen gegevens")


def region_map_frame(open_section: dict[str, Any]):
    """GeoDataFrame of the region's 2022 wijken for the maps: the published values and a status per wijk.

    Columns ``wijkcode, wijknaam, gemeentenaam, waargenomen, verwacht, verschil, pi_laag, pi_hoog,
    categorie, status, geometry``. ``status`` is ``"gepubliceerd"`` (observed value shown),
    ``"afgeschermd"`` (in the wijk table, count hidden) or ``"geen gegevens"`` (a wijk with a
    polygon but not in the wijk table, e.g. fewer than 100 inhabitants, or a gemeente drawn as one
    shape because its wijk polygons are missing). Every value comes from the published table; names
    of wijken outside it from the geometry, gemeente names from :func:`load_gemeenten` (2022). The
    geometry's Dutch note on missing or extra wijken is in ``frame.attrs["note"]`` (``""`` if none).
    """
    from jeugdlib.report_sections import story as S

    code = open_section["region"].jeugdregio_code
    geo, note = _region_geometries(code)
    wijken = load_wijken(2022)
    wijken = wijken[wijken.jeugdregio_code == code]
    tab = open_section["table"].set_index("wijkcode")
    cols = {
        S.COL_OBS: "waargenomen",
        S.COL_EXP: "verwacht",
        S.COL_DIFF: "verschil",
        S.COL_DIFF_LOW: "pi_laag",  # the map shows the 95% interval of the difference
        S.COL_DIFF_HIGH: "pi_hoog",
        S.COL_CAT: "categorie",
    }
    out = geo[["wijkcode", "gemeentecode", "geometry"]].merge(
        tab[list(cols)].rename(columns=cols), left_on="wijkcode", right_index=True, how="left"
    )
    wijknaam = dict(zip(geo.wijkcode, geo.wijknaam, strict=True))
    wijknaam.update(zip(wijken.wijkcode, wijken.wijknaam, strict=True))
    wijknaam.update(zip(tab.index, tab["Wijk"], strict=True))
    out["wijknaam"] = out.wijkcode.map(wijknaam)
    out["gemeentenaam"] = out.gemeentecode.map(_gemeente_names(2022))
    in_table = out.wijkcode.isin(tab.index)
    out["status"] = np.where(
        out["waargenomen"].notna(), MAP_STATUS[0], np.where(in_table, MAP_STATUS[1], MAP_STATUS[2])
    )
    out["categorie"] = out["categorie"].astype(object).where(out["categorie"].notna(), None)
    order = ["wijkcode", "wijknaam", "gemeentenaam", *cols.values(), "status", "geometry"]
    out = out[order].reset_index(drop=True)
    out.attrs["note"] = note
    return out


def _region_geometries(code: str):
    """The region's 2022 wijk polygons (:func:`jeugdlib.data.geometry.region_wijk_geometries`) and its Dutch note."""
    from jeugdlib.data.geometry import region_wijk_geometries

    rg = region_wijk_geometries(code, 2022)
    return rg.frame, rg.note


def region_scp_2017(
    models: NationalModels,
    region: str,
    *,
    pub: Publication | None = None,
    tables_dir: str | Path | None = None,
) -> dict[str, Any]:
    """SCP 2017 results for the region's wijken: SCP's published values next to jeugdlib's reproduction.

    All figures are published statistics of SCP (shares and residuals per wijk) or model
    estimates; the table holds no count of persons.
    """
    pub = _pub(pub, tables_dir)
    reg = find_region(region, 2017)
    scp = load_scp_2017()
    exp = models.scp_2017.expected()
    m = exp.merge(scp[["wijkcode", "wijknaam", "gemeentenaam", "perc_przv", "residu"]], on="wijkcode")
    m = m[m.jeugdregio_code == reg.jeugdregio_code]
    scp = scp.assign(gemeentenaam=scp_gemeente_names(scp.gemeentecode, scp.gemeentenaam))
    m = m.assign(gemeentenaam=scp_gemeente_names(m.gemeentecode, m.gemeentenaam))
    tab = pd.DataFrame(
        {
            "wijkcode": m.wijkcode,
            "Wijk": m.wijknaam,
            "Gemeente": m.gemeentenaam,
            "Waargenomen 2017 (%)": m.observed,
            "Verwacht volgens SCP (%)": m.perc_przv,
            "Verschil volgens SCP": m.residu,
            "Verwacht jeugdlib (%)": m.expected,
            "Uitkomst": m.flag.map(FLAG_NL),
        }
    ).sort_values(["Gemeente", "Wijk"], ignore_index=True)
    spec = TableSpec(
        "scp_2017",
        (
            P.code("wijkcode"),
            P.label("Wijk"),
            P.label("Gemeente"),
            P.statistic("Waargenomen 2017 (%)"),
            P.statistic("Verwacht volgens SCP (%)"),
            P.statistic("Verschil volgens SCP"),
            P.statistic("Verwacht jeugdlib (%)"),
            P.label("Uitkomst"),
        ),
        key="wijkcode",
    )
    table = pub.publish(tab, spec)
    gem_eff = models.scp_2017.gemeente_effects
    gems = scp[scp.jeugdregio_code == reg.jeugdregio_code].drop_duplicates("gemeentecode")
    eff = pd.DataFrame(
        {
            "Gemeentecode": gems.gemeentecode.to_numpy(),
            "Gemeente": gems.gemeentenaam.to_numpy(),
            "Gemeente-effect (procentpunt)": gems.gemeentecode.map(gem_eff).to_numpy(),
        }
    ).sort_values("Gemeente-effect (procentpunt)", ignore_index=True)
    effects = pub.publish(
        eff,
        TableSpec(
            "scp_2017_gemeente_effecten",
            (P.code("Gemeentecode"), P.label("Gemeente"), P.statistic("Gemeente-effect (procentpunt)")),
            key="Gemeentecode",
        ),
    )
    return {
        "region": reg,
        "table": table.table,
        "gemeente_effects": effects.table,
        "region_effect": float(models.scp_2017.region_effects.get(reg.jeugdregio_code, np.nan)),
        "n_wijken": len(tab),
        "n_observed": int(table.table["Waargenomen 2017 (%)"].notna().sum()),
        "flag_counts": table.table["Uitkomst"].value_counts().to_dict(),
        "gemeente_codes": gems.gemeentecode.tolist(),
        "gemeente_names": dict(zip(gems.gemeentecode, gems.gemeentenaam, strict=True)),
    }


def scp_gemeente_names(codes: pd.Series, names_2017: pd.Series) -> pd.Series:
    """Gemeente names for the SCP 2017 section: the 2022 name where the gemeente still exists (one name per
    gemeente across the report), else the 2017 name without StatLine's suffix (``"Rijswijk (ZH.)"`` → ``"Rijswijk"``).
    """
    names_2022 = _gemeente_names(2022)
    plain = names_2017.astype(str).str.replace(r"\s*\((gemeente|L\.|O\.|ZH\.|Z\.|NH\.)\)$", "", regex=True)
    return codes.map(names_2022).fillna(plain)


def region_indicators(
    region: str, *, pub: Publication | None = None, tables_dir: str | Path | None = None
) -> dict[str, Any]:
    """CBS 85098NED indicators 2022* (published percentages) for the region's gemeenten and CBS's Nederland row."""
    pub = _pub(pub, tables_dir)
    reg = find_region(region, 2022)
    g = load_gemeenten(2022)
    cols = {
        "perc_jeugdhulp_in_natura": "Jeugdhulp in natura (%)",
        "perc_jeugdhulp_met_verblijf": "Waarvan met verblijf (%)",
        "perc_jeugdbescherming": "Jeugdbescherming (%)",
        "perc_jeugdreclassering": "Jeugdreclassering (%)",
    }
    sub = g[g.jeugdregio_code == reg.jeugdregio_code]
    tab = sub[["gemeentecode", "gemeentenaam", *cols]].rename(
        columns={"gemeentecode": "Gemeentecode", "gemeentenaam": "Gemeente", **cols}
    )
    tab = tab.sort_values("Gemeente", ignore_index=True)
    nat_row = cbs_national_indicators()
    nat = {v: nat_row[k] for k, v in cols.items()}
    tab.loc[len(tab)] = {"Gemeentecode": "NL00", "Gemeente": "Nederland (CBS)", **nat}
    spec = TableSpec(
        "indicatoren_2022",
        (P.code("Gemeentecode"), P.label("Gemeente"), *(P.statistic(v) for v in cols.values())),
        key="Gemeentecode",
    )
    published = pub.publish(tab, spec)
    return {"region": reg, "table": published.table}


def region_measures(overview: dict[str, Any], year: int = 2022) -> tuple[Any, ...]:
    """The measures of use a region's report shows (:func:`story.report_measures`), for "Welke cijfers?".

    A region whose gemeenten ELAN covers (Haaglanden) gets ELAN's share of all inhabitants as a
    fourth measure: its report shows that series in §5.
    """
    from jeugdlib.report_sections import story as S

    measures = S.report_measures(
        year, overview["national_share"], cbs_national_indicators()["perc_jeugdhulp_in_natura"]
    )
    if not elan_trend(overview["table"]["Gemeentecode"]).empty:
        measures = (*measures, S.elan_measure())
    return measures


def cbs_national_indicators() -> dict[str, float]:
    """CBS's own national row of 85098NED (2022*): ``perc_jeugdhulp_in_natura`` etc., in percent."""
    from jeugdlib.data import _indicatoren_2022  # the embedded StatLine export, Nederland row included

    ind = _indicatoren_2022()
    row = ind[ind["naam_norm"] == "Nederland"]
    if row.empty:
        raise DataError("CBS 85098NED: the embedded export has no row 'Nederland'.")
    cols = [c for c in ind.columns if c.startswith("perc_")]
    return {c: float(row.iloc[0][c]) for c in cols}


def totals_section(overview: dict[str, Any], open_section: dict[str, Any], *, pub: Publication) -> dict[str, Any]:
    """Why a gemeente's total (§1) differs from the sum of its published wijken (§2), per gemeente.

    Every count is read from the report's register (published values only); the table repeats
    published values and their difference, so it is published as statistics and units (no new count).
    """
    from jeugdlib.report_sections import story as S

    quantity = f"jongeren met jeugdzorg {open_section['year']}"
    ov = overview["table"].drop(index=overview["total_row"])
    rec = S.reconcile_totals(pub, ov.rename(columns={"Gemeentecode": "gemeentecode"}), open_section["table"], quantity)
    spec = TableSpec(
        "totalen_gemeente_en_wijken",
        (
            P.code("gemeentecode"),
            P.label("Gemeente"),
            P.Column("Gemeentetotaal", P.Kind.STATISTIC, decimals=0),
            P.Column("Som gepubliceerde wijken", P.Kind.STATISTIC, decimals=0),
            P.Column("Verschil", P.Kind.STATISTIC, decimals=0),
            P.units("Wijken"),
            P.units("Wijken in wijktabel"),
            P.units("Wijken afgeschermd"),
            P.label("Verklaring"),
        ),
        key="gemeentecode",
        note="Jongeren met jeugdzorg: gemeentetotaal (§1) en de som van de gepubliceerde wijken (§2).",
    )
    published = pub.publish(rec, spec)
    g, w = load_gemeenten(open_section["year"]), load_wijken(open_section["year"])
    national = S.wijk_coverage(g.set_index("gemeentecode")["jz_jongeren"], w["jz_jongeren"], w["gemeentecode"])
    return _section("Gemeentetotaal en wijken", S.reconcile_text(rec, national), published)


def deviation_section(
    region: str,
    models: NationalModels,
    *,
    pub: Publication | None = None,
    tables_dir: str | Path | None = None,
) -> dict[str, Any]:
    """How many of the region's wijken deviate substantially from expectation (SCP 2017 model).

    The counts are numbers of wijken, not of persons: they are published as they are, so this
    table agrees with the per-wijk table and the text (hiding a "4" here while the wijk table
    lists the four wijken would protect nothing).
    """
    from jeugdlib import multilevel

    pub = _pub(pub, tables_dir)
    # numbers of wijken, not persons: the unprotected summary (the boundary publishes them as units)
    share = multilevel.deviation_share(models.scp_2017, region, year=2017, thresholds=(1.0, 1.5, 2.0))
    d = share.summary
    labels = {"pi": "buiten het {}%-voorspellingsinterval", "abs": "verschil van minstens {} procentpunt"}

    def dutch(defn: str) -> str:
        if defn.startswith("pi"):
            return labels["pi"].format(defn[2:])
        return labels["abs"].format(nl(float(defn[3:].removesuffix("pp")), 1).replace(",0", ""))

    tab = pd.DataFrame(
        {
            "Definitie": d["definition"].map(dutch),
            "Wijken met waarneming": d["n_observed"],
            "Wijken hoger": d["n_higher"],
            "Wijken lager": d["n_lower"],
            "Wijken afwijkend": d["n_deviating"],
        }
    )
    tab["% afwijkend"] = 100 * tab["Wijken afwijkend"] / tab["Wijken met waarneming"]
    spec = TableSpec(
        "afwijkende_wijken",
        (
            P.label("Definitie"),
            P.units("Wijken met waarneming"),
            P.units("Wijken hoger"),
            P.units("Wijken lager"),
            P.units("Wijken afwijkend"),
            P.statistic("% afwijkend"),
        ),
        key="Definitie",
    )
    published = pub.publish(tab, spec)
    text = (
        "Hoeveel van de wijken wijken duidelijk af van het verwachte gebruik (SCP-model 2017)? Dat hangt af "
        "van de definitie; de studie in Haaglanden vond 'bijna 40%'. Het gaat om aantallen wijken, niet om "
        "aantallen jongeren. Een afwijking is geen oordeel over beleid."
    )
    return _section("Hoeveel wijken wijken af? (2017)", text, published)


def leefbaarheid_section(
    region: str,
    models: NationalModels,
    open_section: dict[str, Any],
    *,
    pub: Publication | None = None,
    tables_dir: str | Path | None = None,
) -> dict[str, Any]:
    """ "Leefbaarheid en jeugdhulp": the region's wijken on the five Leefbaarometer dimensions next to
    their published deviation from the expected use, with what the national test found.

    ``open_section`` is :func:`region_open_model`'s result: the deviation shown is the published one
    (hidden where the wijk's count is hidden). The Leefbaarometer scores are public model estimates
    (BZK, CC0); the sentences come from :func:`jeugdlib.multilevel.leefbaarheid.national_text` and
    :func:`~jeugdlib.multilevel.leefbaarheid.region_text`.
    """
    from jeugdlib.data import load_leefbaarometer
    from jeugdlib.multilevel import leefbaarheid as L

    pub = _pub(pub, tables_dir)
    title = "Leefbaarheid en jeugdhulp"
    try:
        lbm = load_leefbaarometer("wijk", models.year)
    except DataError as exc:
        return _absent(
            title, f"de Leefbaarometer is niet beschikbaar voor wijkgrenzen {models.year} ({type(exc).__name__})."
        )
    opened = open_section["table"][["wijkcode", "Wijk", "Gemeente", "Verschil (procentpunt)"]]
    dims = {k: v[0].upper() + v[1:] for k, v in L.DIMENSIONS.items()}
    tab = opened.merge(lbm[["wijkcode", *dims]], on="wijkcode", how="left").rename(columns=dims)
    spec = TableSpec(
        "leefbaarheid",
        (
            P.code("wijkcode"),
            P.label("Wijk"),
            P.label("Gemeente"),
            *(P.statistic(v) for v in dims.values()),
            P.statistic("Verschil (procentpunt)"),
        ),
        key="wijkcode",
    )
    published = pub.publish(tab, spec)
    missing_text = _leefbaarometer_missing(models.year, opened["wijkcode"])
    national = getattr(models, "leefbaarheid", None)
    text = (
        "De Leefbaarometer 3.0 (BZK, scores 2024) meet per buurt woningvoorraad, fysieke omgeving, voorzieningen, "
        "sociale samenhang en overlast en onveiligheid: de thema's van de Haaglandse studie (KJH en SCP). Per wijk "
        "tonen we het gewone gemiddelde van de buurtscores (hoger is beter), naast het verschil tussen waargenomen "
        "en verwacht gebruik. "
    )
    if national is not None:
        nat = L.national_text(national)
        text += "Landelijke toets: " + nat[0].lower() + nat[1:] + " "
    text += L.region_text(published.table.rename(columns={v: k for k, v in dims.items()}))
    text += missing_text
    text += " Bron: Leefbaarometer 3.0, ministerie van BZK (CC0)."
    return _section(title, text, published, decimals=3)  # Leefbaarometer scores: small deviations from the mean


def _leefbaarometer_missing(year: int, codes: pd.Series) -> str:
    """Dutch sentence: how many of the region's wijken have no Leefbaarometer score, and why."""
    from jeugdlib.data import leefbaarometer_coverage
    from jeugdlib.data.leefbaarometer import REDENEN

    cov = leefbaarometer_coverage("wijk", year, codes=codes)
    n = int(cov.n_total - cov.n_covered)
    if n == 0:
        return ""
    parts = [f"{v} {'wijk' if v == 1 else 'wijken'}: {REDENEN.get(k, k)}" for k, v in cov.by_reason().items()]
    return (
        f" Voor {n} van de {cov.n_total} wijken is geen score te koppelen, dus ze tellen hierboven niet mee ("
        + "; ".join(parts)
        + ")."
    )


def elan_trend(gemeenten: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of inhabitants with jeugdhulp per gemeente and year (ELAN/LUMC), wide: one row per gemeente.

    Columns ``gemeentecode``, ``Gemeente`` and one per year (percent of all inhabitants), plus
    ``Verandering (procentpunt)`` from the first to the last year with a value.
    """
    from jeugdlib.data import load_elan_haaglanden

    g = load_elan_haaglanden("gemeente")
    if gemeenten is not None:
        g = g[g.gemeentecode.isin(list(gemeenten))]
    wide = g.pivot_table(index=["gemeentecode", "gemeentenaam"], columns="jaar", values="perc_jeugdhulp_inwoners")
    years = [int(c) for c in wide.columns]
    wide.columns = [str(y) for y in years]
    out = wide.reset_index().rename(columns={"gemeentenaam": "Gemeente"})
    vals = out[[str(y) for y in years]]
    first = vals.apply(lambda r: r.dropna().iloc[0] if r.notna().any() else np.nan, axis=1)
    last = vals.apply(lambda r: r.dropna().iloc[-1] if r.notna().any() else np.nan, axis=1)
    out["Verandering (procentpunt)"] = last - first
    return out.sort_values("Gemeente", ignore_index=True)


def elan_trend_text(trend: pd.DataFrame) -> str:
    """Dutch sentence on the trend table of :func:`elan_trend` (every number from the table)."""
    years = [c for c in trend.columns if c.isdigit()]
    ch = pd.to_numeric(trend["Verandering (procentpunt)"], errors="coerce").dropna()
    if ch.empty or not years:
        return "Er zijn geen ELAN-cijfers voor de gemeenten van deze regio."
    up, down = int((ch > 0).sum()), int((ch < 0).sum())
    n = len(ch)
    unit = "gemeente" if n == 1 else "gemeenten"
    if up == n:
        trend = f"steeg het aandeel inwoners met jeugdhulp in alle {n} {unit}" if n > 1 else "steeg het aandeel"
    elif down == n:
        trend = f"daalde het aandeel inwoners met jeugdhulp in alle {n} {unit}" if n > 1 else "daalde het aandeel"
    else:
        trend = f"steeg het aandeel inwoners met jeugdhulp in {up} van de {n} {unit} en daalde het in {down}"
    return (
        f"Tussen {years[0]} en {years[-1]} {trend}; de mediane verandering was {nl(float(ch.median()), 2)} procentpunt."
    )


def elan_trend_section(
    region: str, *, pub: Publication | None = None, tables_dir: str | Path | None = None
) -> dict[str, Any] | None:
    """Haaglanden over time (ELAN/LUMC, 2015–2022) for a region whose gemeenten ELAN covers; else ``None``."""
    from jeugdlib.data import ELAN_BRON

    pub = _pub(pub, tables_dir)
    reg = find_region(region, 2022)
    g = load_gemeenten(2022)
    trend = elan_trend(g.loc[g.jeugdregio_code == reg.jeugdregio_code, "gemeentecode"])
    if trend.empty:
        return None
    years = [c for c in trend.columns if c.isdigit()]
    spec = TableSpec(
        "jeugdhulp_trend_elan",
        (
            P.code("gemeentecode"),
            P.label("Gemeente"),
            *(P.Column(y, P.Kind.STATISTIC, decimals=2) for y in years),
            P.Column("Verandering (procentpunt)", P.Kind.STATISTIC, decimals=2),
        ),
        key="gemeentecode",
    )
    published = pub.publish(trend, spec)
    text = (
        "Het aandeel inwoners (alle leeftijden) dat jeugdhulp kreeg, per gemeente en jaar. "
        + elan_trend_text(published.table)
        + f" Bron: {ELAN_BRON} (Leids Universitair Medisch Centrum, wijkprofielen); door derden berekend uit "
        "microdata van het CBS, hier overgenomen zoals gepubliceerd."
    )
    return _section("Jeugdhulp door de jaren (2015–2022)", text, published)
