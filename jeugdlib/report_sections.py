"""The sections of a regional report: tables computed, protected and published.

:mod:`jeugdlib.reports` renders the report notebook; the notebook calls the
functions here (re-exported by :mod:`jeugdlib.reports`). Every table a reader
sees goes through the report's :class:`~jeugdlib.publication.Publication` (the
publication boundary): each section declares every column's kind and the table's
additive relations in a :class:`~jeugdlib.publication.TableSpec`; the boundary
suppresses, rounds, recomputes rates from the rounded counts, audits the table
together with everything published before, and writes ``tabellen/``. A section
called without ``pub`` uses a private register. Sections built from user data
(local wijk data, policy table, trajectories and claims) are in
:func:`optional_sections`; an absent input gives a section saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

__all__ = [
    "COUNT_PREFIX",
    "INTEGER_COLUMNS",
    "Publication",
    "deviation_section",
    "local_data_section",
    "nl",
    "optional_sections",
    "policy_section",
    "publish_table",
    "region_indicators",
    "region_map_frame",
    "region_open_model",
    "region_overview",
    "region_scp_2017",
    "to_html",
    "trajectory_section",
    "validate_user_inputs",
]

#: Every count-of-persons column in a report starts with this word (tests audit published reports by it).
COUNT_PREFIX = "Aantal"
#: Non-count columns shown without decimals (numbers of wijken or gemeenten: never start with "Aantal").
INTEGER_COLUMNS = {"Wijken", "Gemeenten", "Jaar", "Wijken met waarneming", "Wijken hoger", "Wijken lager",
                   "Wijken afwijkend"}  # fmt: skip

FLAG_NL = {"higher": "hoger", "lower": "lager", "as_expected": "zoals verwacht"}


def _pub(pub: Publication | None, tables_dir: str | Path | None) -> Publication:
    """The report's publication register, or a private one (a section called on its own)."""
    return pub if pub is not None else Publication(tables_dir)


def publish_table(
    df: pd.DataFrame,
    *,
    count_cols: Sequence[str] = (),
    rate_cols: Mapping[str, str | Sequence[str]] | None = None,
    kinds: Mapping[str, str] | None = None,
    total_row: Any = None,
    total_col: str | None = None,
    groups: str | None = None,
    column_totals: bool = False,
    name: str | None = None,
    tables_dir: str | Path | None = None,
    pub: Publication | None = None,
) -> pd.DataFrame:
    """Publish one table through a :class:`~jeugdlib.publication.Publication` (compatibility wrapper).

    ``count_cols`` are counts of persons, ``rate_cols`` ``{column: basis counts}`` are hidden with
    their counts, and every other column must be classified in ``kinds`` (``{column: kind}``, see
    :class:`jeugdlib.publication.Kind`): an unclassified column is refused, not published.
    ``total_row`` is a row label. Prefer :meth:`Publication.publish` with a :class:`TableSpec`.
    """
    kinds = dict(kinds or {})
    rate_cols = dict(rate_cols or {})
    cols: list[P.Column] = []
    for c in df.columns:
        if c in count_cols or c == total_col:
            cols.append(P.count(str(c)))
        elif c in rate_cols:
            basis = rate_cols[c]
            cols.append(P.derived(str(c), *([basis] if isinstance(basis, str) else basis)))
        elif c in kinds:
            cols.append(P.Column(str(c), P.Kind(kinds[c])))
    unclassified = [str(c) for c in df.columns if c not in {x.name for x in cols}]
    if unclassified:
        raise DataError(
            f"table {name or 'report table'!r}: column(s) {unclassified} are not classified; pass kinds= "
            "(code, label, year, count, units, rate, derived, statistic, money) so the publication boundary "
            "knows how to treat them."
        )
    frame = df.reset_index(drop=True)
    spec = TableSpec(
        name or "tabel",
        tuple(cols),
        total_row=int(df.index.get_loc(total_row)) if total_row is not None else None,
        total_col=total_col,
        groups=groups,
        column_totals=column_totals,
    )
    target = pub if pub is not None else Publication(tables_dir if name else None)
    return target.publish(frame, spec).table


# --------------------------------------------------------------------------- formatting
def nl(value: float, decimals: int = 1) -> str:
    """A number in Dutch notation for report text: ``9.84`` → ``"9,8"``; NaN → ``"–"``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def to_html(df: pd.DataFrame, *, decimals: int = 1, index: bool = False) -> str:
    """HTML for a published table: suppressed or missing cells shown as '–', counts without decimals.

    Every cell is formatted here (pandas leaves ``<NA>`` of nullable columns unformatted).
    """

    def cell(v: Any, kind: str, col: str) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return "–"
        if kind == "count":
            return f"{int(v):,}".replace(",", ".")
        if kind == "int":
            return f"{int(v)}"
        if kind == "float":
            return f"{float(v):.{decimals}f}".replace(".", ",")
        return str(v)

    shown = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if str(c).startswith(COUNT_PREFIX) and pd.api.types.is_numeric_dtype(s):
            kind = "count"
        elif pd.api.types.is_integer_dtype(s) or (
            pd.api.types.is_float_dtype(s) and ((s.dropna() % 1) == 0).all() and str(c) in INTEGER_COLUMNS
        ):
            kind = "int"
        elif pd.api.types.is_float_dtype(s):
            kind = "float"
        else:
            kind = "text"
        shown[c] = [cell(v, kind, str(c)) for v in s.astype(object)]
    return shown.to_html(index=index, na_rep="–", classes="jeugdlib-tabel", border=0, escape=True)


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
    """Open-data model per wijk of the region: published table, map frame and flag counts.

    A wijk whose youth-care count is hidden shows no observed value, difference or outcome (each
    would be a statement about the hidden count); its expected value, from the wijk's
    characteristics only, is shown.
    """
    from jeugdlib.scp import OPEN_OUTCOME, open_data_frame

    pub = _pub(pub, tables_dir)
    reg = find_region(region, models.year)
    data, _ = open_data_frame(models.year)
    exp = models.open_model.expected(data[data.jeugdregio_code == reg.jeugdregio_code])
    w = data.set_index("wijkcode")
    exp = exp.merge(
        w[["wijknaam", "gemeentenaam", "jz_jongeren", "jeugd_0_24_proxy"]],
        left_on="wijkcode",
        right_index=True,
        how="left",
    )
    tab = pd.DataFrame(
        {
            "wijkcode": exp.wijkcode,
            "Wijk": exp.wijknaam,
            "Gemeente": exp.gemeentenaam,
            "Aantal jongeren met jeugdzorg": exp.jz_jongeren,
            "Waargenomen (%)": exp.observed,
            "Verwacht (%)": exp.expected,
            "Verschil (procentpunt)": exp.difference,
            "Uitkomst": exp.flag.map(FLAG_NL),
        }
    )
    n = "Aantal jongeren met jeugdzorg"
    spec = TableSpec(
        "wijken_open_model",
        (
            P.code("wijkcode"),
            P.label("Wijk"),
            P.label("Gemeente"),
            P.count(n, f"jongeren met jeugdzorg {models.year}"),
            P.statistic("Waargenomen (%)", n),
            P.statistic("Verwacht (%)"),
            P.statistic("Verschil (procentpunt)", n),
            P.label("Uitkomst", n),
        ),
        key="wijkcode",
        groups="Gemeente",
        column_totals=True,
    )
    published = pub.publish(tab, spec)
    protected = published.table
    return {
        "region": reg,
        "table": protected,
        "notes": published.notes,
        "outcome": OPEN_OUTCOME,
        "n_observed": int(protected["Waargenomen (%)"].notna().sum()),
        "flag_counts": protected["Uitkomst"].value_counts().to_dict(),
    }


def region_map_frame(open_section: dict[str, Any]):
    """GeoDataFrame of the region's 2022 wijken with the published observed/expected/difference."""
    from jeugdlib.data import load_geometries

    code = open_section["region"].jeugdregio_code
    geo = load_geometries("wijk", 2022)
    wijken = load_wijken(2022)
    codes = set(wijken.loc[wijken.jeugdregio_code == code, "gemeentecode"])
    geo = geo[geo.gemeentecode.isin(codes)]
    tab = open_section["table"].set_index("wijkcode")
    cols = {"Waargenomen (%)": "waargenomen", "Verwacht (%)": "verwacht", "Verschil (procentpunt)": "verschil"}
    return geo.merge(tab[list(cols)].rename(columns=cols), left_on="wijkcode", right_index=True, how="left")


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
        "flag_counts": table.table["Uitkomst"].value_counts().to_dict(),
        "gemeente_codes": gems.gemeentecode.tolist(),
        "gemeente_names": dict(zip(gems.gemeentecode, gems.gemeentenaam, strict=True)),
    }


def region_indicators(
    region: str, *, pub: Publication | None = None, tables_dir: str | Path | None = None
) -> dict[str, Any]:
    """CBS 85098NED indicators 2022* (published percentages) for the region's gemeenten and the nation."""
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
    weights = g.jeugd_0_24_proxy
    nat = {v: float(np.average(g[k].dropna(), weights=weights[g[k].notna()])) for k, v in cols.items()}
    tab.loc[len(tab)] = {"Gemeentecode": "NL00", "Gemeente": "Nederland (gewogen gemiddelde)", **nat}
    spec = TableSpec(
        "indicatoren_2022",
        (P.code("Gemeentecode"), P.label("Gemeente"), *(P.statistic(v) for v in cols.values())),
        key="Gemeentecode",
    )
    published = pub.publish(tab, spec)
    return {"region": reg, "table": published.table}


# --------------------------------------------------------------------------- optional sections
def _absent(title: str, what: str) -> dict[str, Any]:
    return {"title": title, "text": f"Niet opgenomen: {what}", "tables": [], "figures": []}


def optional_sections(
    region: str,
    models: NationalModels,
    *,
    local_data_path: str | None = None,
    policy_path: str | None = None,
    trajectories_path: str | None = None,
    claims_path: str | None = None,
    tables_dir: str | Path | None = None,
    pub: Publication | None = None,
) -> list[dict[str, Any]]:
    """The report's sections that depend on user data; an absent input gives a section saying so.

    Each section is ``{"title", "text", "tables": [published DataFrames], "figures": [Figure]}``;
    notes of the publication boundary (e.g. columns not published) are part of ``text``.
    """
    pub = _pub(pub, tables_dir)
    sections = [deviation_section(region, models, pub=pub)]
    sections.append(
        local_data_section(region, models, local_data_path, pub=pub)
        if local_data_path
        else _absent(
            "Sociale cohesie, veiligheid en voorzieningen",
            "geen lokaal wijkbestand opgegeven. Gemeenten met een wijkmonitor of de Veiligheidsmonitor kunnen een "
            "bestand met `wijkcode`, `jaar` en bijvoorbeeld `sociale_cohesie`, `veiligheid_ervaren` en "
            "`tevredenheid_voorzieningen` meegeven (`jeugdlib report --local-data BESTAND`); het model toetst dan of "
            "deze kenmerken het verwachte gebruik beter verklaren.",
        )
    )
    sections.append(
        policy_section(region, policy_path, pub=pub)
        if policy_path
        else _absent(
            "Wijkteams en POH-jeugd",
            "geen beleidstabel opgegeven (`gemeentecode` met het jaar waarin wijkteams zelf hulp gingen geven of een "
            "POH-jeugd werd gefinancierd; `jeugdlib report --policy BESTAND`).",
        )
    )
    sections.append(
        trajectory_section(region, trajectories_path, claims_path, pub=pub)
        if trajectories_path
        else _absent(
            "Trajecten en kosten",
            "geen trajectgegevens opgegeven (iJw-berichten: toewijzingen en declaraties; "
            "`jeugdlib report --trajectories BESTAND --claims BESTAND`).",
        )
    )
    return sections


def _with_notes(text: str, *tables: P.PublishedTable) -> str:
    notes = [n for t in tables for n in t.notes]
    return text if not notes else text + " " + " ".join(notes)


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
    return {
        "title": "Hoeveel wijken wijken af? (2017)",
        "text": _with_notes(text, published),
        "tables": [published.table],
        "figures": [],
    }


def _policy_columns(policy: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The policy table's declared columns: adoption years and intensities (everything else is not published)."""
    from jeugdlib.did.policy import _is_adoption, _is_intensity

    adoption = [c for c in policy.columns if _is_adoption(str(c))]
    intensity = [c for c in policy.columns if _is_intensity(str(c))]
    return adoption, intensity


def policy_section(
    region: str, path: str, *, pub: Publication | None = None, tables_dir: str | Path | None = None
) -> dict[str, Any]:
    """The region's gemeenten in the user's policy table, next to the national 2022 picture by policy group.

    Only the columns the policy schema declares are published (adoption years, intensities);
    any other column of the user's file is left out, and the section says so.
    A growth comparison needs the CBS panel per gemeente (84134NED/85099NED),
    which is used when it is in the local cache; otherwise the section says how
    to fetch it and shows the 2022 cross-section (descriptive, not causal).
    """
    from jeugdlib import did
    from jeugdlib.data import cbs
    from jeugdlib.errors import OfflineError

    pub = _pub(pub, tables_dir)
    reg = find_region(region, 2022)
    policy = did.load_policy_table(path)
    adoption, intensity = _policy_columns(policy)
    extra = [c for c in policy.columns if c not in ("gemeentecode", "indelingsjaar", *adoption, *intensity)]
    g = load_gemeenten(2022)
    m = g[
        [
            "gemeentecode",
            "gemeentenaam",
            "jeugdregio_code",
            "jz_jongeren",
            "jeugd_0_24_proxy",
            "perc_jeugdhulp_in_natura",
            "perc_jeugdhulp_met_verblijf",
        ]
    ].merge(policy[["gemeentecode", *adoption, *intensity, *extra]], on="gemeentecode", how="left")
    regional = m[m.jeugdregio_code == reg.jeugdregio_code]
    tab = regional.drop(columns=["jeugdregio_code", "jz_jongeren", "jeugd_0_24_proxy"]).rename(
        columns={
            "gemeentecode": "Gemeentecode",
            "gemeentenaam": "Gemeente",
            "perc_jeugdhulp_in_natura": "Jeugdhulp in natura 2022 (%)",
            "perc_jeugdhulp_met_verblijf": "Waarvan met verblijf (%)",
        }
    )
    spec = TableSpec(
        "beleid_regio",
        (
            P.code("Gemeentecode"),
            P.label("Gemeente"),
            *(P.year(c) for c in adoption),
            *(P.statistic(c) for c in intensity),
            P.statistic("Jeugdhulp in natura 2022 (%)"),
            P.statistic("Waarvan met verblijf (%)"),
        ),
        key="Gemeentecode",
    )
    first = pub.publish(tab, spec)
    published = [first]
    policy_cols = [*adoption, *intensity]
    text = (
        f"{int(regional[policy_cols].notna().any(axis=1).sum())} van de {len(regional)} gemeenten in de regio staan "
        "in de beleidstabel. "
    )
    if adoption:
        c = adoption[0]
        grp = np.where(pd.to_numeric(m[c], errors="coerce").fillna(0) > 0, "met beleid", "zonder beleid (of onbekend)")
        nat = (
            m.assign(groep=grp)
            .groupby("groep")
            .agg(
                **{
                    "Aantal jongeren met jeugdzorg": ("jz_jongeren", "sum"),
                    "Aantal inwoners 0–24 jaar": ("jeugd_0_24_proxy", "sum"),
                    "Gemeenten": ("gemeentecode", "size"),
                }
            )
            .reset_index()
            .rename(columns={"groep": "Groep gemeenten (landelijk)"})
        )
        nat["% jeugdzorg (van 0–24 jaar)"] = np.nan
        nat_spec = TableSpec(
            "beleid_landelijk",
            (
                P.label("Groep gemeenten (landelijk)"),
                P.count("Aantal jongeren met jeugdzorg", "jongeren met jeugdzorg 2022 per beleidsgroep"),
                P.count("Aantal inwoners 0–24 jaar", "inwoners 0-24 2022 per beleidsgroep"),
                P.units("Gemeenten"),
                P.rate("% jeugdzorg (van 0–24 jaar)", "Aantal jongeren met jeugdzorg", "Aantal inwoners 0–24 jaar"),
            ),
            key="Groep gemeenten (landelijk)",
        )
        published.append(pub.publish(nat, nat_spec))
        text += (
            "Landelijk (2022) verschilt het gebruik tussen gemeenten met en zonder dit beleid zoals in de tweede "
            "tabel; dat is een momentopname, geen effect. "
        )
    try:
        cbs.jeugdzorg_gemeenten(range(2015, 2023))
        text += "De CBS-reeks per gemeente staat in de cache; notebook 03 schat daarmee het effect (DiD)."
    except (OfflineError, DataError):
        text += (
            "Voor een verschil-in-verschillen-analyse is de CBS-reeks per gemeente nodig "
            "(`jeugdlib data fetch 84134NED` en `jeugdlib data fetch 85099NED` op een machine met internet); "
            "notebook 03 laat de analyse zien."
        )
    return {
        "title": "Wijkteams en POH-jeugd",
        "text": _with_notes(text, *published),
        "tables": [t.table for t in published],
        "figures": [],
    }


def trajectory_section(
    region: str,
    trajectories_path: str,
    claims_path: str | None,
    *,
    pub: Publication | None = None,
    tables_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Durations per product category, provider indicators and (with claims) the cost decomposition.

    Only the trajectories of the region's gemeenten (2022 boundaries) are used, so a file that
    covers several regions (``jeugdlib report --all --trajectories``) publishes each region's own
    rows only; a region without rows in the file gets a section saying so.

    The number of trajectories is one quantity in the publication register: the total row of the
    duration table and of the provider table is the same cell, and both tables add up to it.
    Percentages are recomputed from the published (rounded) counts.
    """
    from jeugdlib import trajectories as tr
    from jeugdlib.trajectories import code_labels, tables

    pub = _pub(pub, tables_dir)
    title = "Trajecten en kosten"
    reg = find_region(region, 2022)
    gemeenten = load_gemeenten(2022).query("jeugdregio_code == @reg.jeugdregio_code").gemeentecode
    loaded = tr.read_trajectories(trajectories_path)
    traj = loaded.subset(loaded.table["gemeentecode"].isin(gemeenten))
    if len(traj) == 0:
        return _absent(title, f"het trajectenbestand bevat geen trajecten van gemeenten in {reg.jeugdregio_naam}.")
    labels = code_labels("productcategorie")
    scope = str(reg.jeugdregio_code)
    published = [
        tables.durations_table(
            tr.durations(traj, by="productcategorie"), pub, total=tr.durations(traj), labels=labels, scope=scope
        ),
        tables.provider_table(tr.provider_indicators(traj, protected=False), pub, scope=scope),
    ]
    text = (
        "Duur met Kaplan–Meier (lopende trajecten tellen mee als gecensureerd). Aanbieders: 'tellen en "
        "vertellen' — duur, verlengingen en beëindiging volgens plan. Percentages zijn berekend op de "
        "gepubliceerde, afgeronde aantallen."
    )
    if claims_path:
        claims = tr.read_claims(claims_path)
        # the cost window from the region's own claims (those of its trajectories), not the whole file's
        t = traj.table
        numbers = t["toewijzingnummer"].astype(object)
        if "samengevoegd_uit" in t.columns:
            numbers = pd.concat([numbers, t["samengevoegd_uit"].dropna().str.split(";").explode()])
        own = claims.table["toewijzingnummer"].astype(object).isin(pd.Index(numbers.unique()))
        years = sorted(pd.to_datetime(claims.table.loc[own, "periode_start"]).dt.year.unique())
        if not years:
            years = sorted(pd.to_datetime(claims.table.periode_start).dt.year.unique())
        # the first and the last full claim year (the last one is often still being claimed)
        base, end = (int(years[1]), int(years[-2])) if len(years) > 3 else (int(years[0]), int(years[-1]))
        try:  # claims of other regions' trajectories are left out
            cost = tr.cost_decomposition(traj, claims, base, end, unmatched="ignore")
        except DataError as exc:
            text += f" Kostendecompositie niet mogelijk: {exc}"
        else:
            published.extend(tables.cost_tables(cost, pub, name="kosten", scope=scope))
            text += (
                f" De kostenontwikkeling {base}–{end} is gesplitst in aantal cliënten × zorgmaanden per cliënt "
                "× kosten per zorgmaand (LMDI op de afgeronde aantallen cliënten; de delen tellen exact op tot de "
                "totale verandering)."
            )
    return {
        "title": title,
        "text": _with_notes(text, *published),
        "tables": [t.table for t in published],
        "figures": [],
    }


def local_data_section(
    region: str,
    models: NationalModels,
    path: str,
    *,
    pub: Publication | None = None,
    tables_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Extension of the open-data model with the user's local wijk variables (cohesion, safety, facilities).

    Only model statistics are published (fit statistics, coefficients, variance components), in
    Dutch; no value of the user's file itself.
    """
    from jeugdlib import multilevel
    from jeugdlib.scp import OPEN_OUTCOME, open_data_frame

    pub = _pub(pub, tables_dir)
    reg = find_region(region, models.year)
    local = multilevel.load_local_wijk_data(path)
    data, preds = open_data_frame(models.year)
    regional_codes = set(data.loc[data.jeugdregio_code == reg.jeugdregio_code, "wijkcode"])
    local = local[local.wijkcode.isin(regional_codes)]
    if local.empty:
        # a batch over all regions with one municipality's file: the other regions skip this section
        return _absent(
            "Sociale cohesie, veiligheid en voorzieningen",
            f"het lokale wijkbestand bevat geen wijken van {reg.jeugdregio_naam} "
            f"(wijkcodes met wijkgrenzen {models.year}).",
        )
    extra_cols = [
        c
        for c in local.columns
        if c not in ("wijkcode", "jaar", "indelingsjaar", "n_respondenten", "gemeentecode", "wijknaam")
        and pd.api.types.is_numeric_dtype(local[c])
    ]
    join = multilevel.join_wijk_variables(
        data, local, columns=extra_cols, boundary_year=models.year, data_boundary_year=models.year
    )
    joined = join.data
    result = multilevel.compare_models(
        joined,
        base_predictors=preds,
        extra_predictors=extra_cols,
        outcome=OPEN_OUTCOME,
        scope=(joined.jeugdregio_code == reg.jeugdregio_code).to_numpy(),
    )
    fit = result.fit_stats.rename(
        columns={
            "model": "Model",
            "n_wijken": "Wijken",
            "n_params": "Parameters",
            "llf": "Log-likelihood",
            "deviance": "Deviantie",
            "aic": "AIC",
            "bic": "BIC",
        }
    )
    fit["Model"] = (
        fit["Model"].map({"base": "zonder lokale kenmerken", "extended": "met lokale kenmerken"}).fillna(fit["Model"])
    )
    coef = result.tidy(level=result.ci_level)
    coef_tab = pd.DataFrame(
        {
            "Kenmerk": coef.term,
            "Effect per SD (procentpunt)": coef.estimate,
            "Standaardfout": coef.std_error,
            "p-waarde": coef.p_value,
            "Ondergrens 95%": coef.ci_low,
            "Bovengrens 95%": coef.ci_high,
            "Effect per eenheid": coef.estimate_per_unit,
        }
    )
    var = result.variance.rename(
        columns={
            "component": "Niveau",
            "base": "Variantie zonder",
            "extended": "Variantie met",
            "change": "Verschil",
            "proportional_reduction": "Verklaard aandeel",
        }
    )
    var["Niveau"] = var["Niveau"].map(
        {"jeugdregio": "jeugdregio", "gemeente": "gemeente", "wijk": "wijk", "total": "totaal"}
    )
    published = [
        pub.publish(
            fit,
            TableSpec(
                "lokale_data_toets",
                (
                    P.label("Model"),
                    P.units("Wijken"),
                    *(P.statistic(c) for c in ["Parameters", "Log-likelihood", "Deviantie", "AIC", "BIC"]),
                ),
                key="Model",
            ),
        ),  # fmt: skip
        pub.publish(
            coef_tab,
            TableSpec(
                "lokale_data_coefficienten",
                (P.label("Kenmerk"), *(P.statistic(c) for c in coef_tab.columns[1:])),
                key="Kenmerk",
            ),
        ),  # fmt: skip
        pub.publish(
            var[["Niveau", "Variantie zonder", "Variantie met", "Verschil", "Verklaard aandeel"]],
            TableSpec(
                "lokale_data_variantie",
                (
                    P.label("Niveau"),
                    *(P.statistic(c) for c in ["Variantie zonder", "Variantie met", "Verschil", "Verklaard aandeel"]),
                ),
                key="Niveau",
            ),
        ),  # fmt: skip
    ]
    test = result.test
    text = (
        f"{join.report.n_matched} van de {join.report.n_extra} wijken uit het bestand gekoppeld. "
        "Het landelijke model is uitgebreid met de lokale kenmerken en getoetst met een likelihood-ratiotoets "
        f"op ML-schattingen van beide modellen op dezelfde {result.n_obs} wijken: "
        f"LR = {nl(test.statistic, 2)}, df = {int(test.df)}, p = {nl(test.p_value, 3)}. "
        "Een kleine p-waarde (onder 0,05) betekent dat de lokale kenmerken het gebruik beter verklaren dan de "
        "open wijkkenmerken alleen."
    )
    return {
        "title": "Sociale cohesie, veiligheid en voorzieningen",
        "text": _with_notes(text, *published),
        "tables": [t.table for t in published],
        "figures": [],
    }


def validate_user_inputs(
    *,
    local_data_path: str | None = None,
    policy_path: str | None = None,
    trajectories_path: str | None = None,
    claims_path: str | None = None,
) -> None:
    """Check every user file before a report is rendered (a bad file → DataError, nothing written)."""
    if local_data_path:
        from jeugdlib import multilevel

        multilevel.load_local_wijk_data(local_data_path)
    if policy_path:
        from jeugdlib import did

        did.load_policy_table(policy_path)
    if trajectories_path:
        from jeugdlib import trajectories

        trajectories.load_trajectories(trajectories_path)
    if claims_path:
        from jeugdlib import trajectories

        trajectories.load_claims(claims_path)
