"""The sections of a regional report: tables computed, protected and published.

:mod:`jeugdlib.reports` renders the report notebook; the notebook calls the
functions here (re-exported by :mod:`jeugdlib.reports`). Every table a reader
sees goes through :func:`publish_table`, which applies
:func:`jeugdlib.disclosure.protect_table` and verifies the result with
:func:`jeugdlib.disclosure.check_protected`. Sections built from user data
(local wijk data, policy table, trajectories and claims) are in
:func:`optional_sections`; an absent input gives a section saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jeugdlib.data import find_region, load_gemeenten, load_scp_2017, load_wijken
from jeugdlib.disclosure import check_protected, protect_table
from jeugdlib.errors import DataError

if TYPE_CHECKING:
    from jeugdlib.reports import NationalModels

__all__ = [
    "COUNT_PREFIX",
    "INTEGER_COLUMNS",
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

#: Every count column in a report starts with this word (disclosure checks and tests rely on it).
COUNT_PREFIX = "Aantal"
#: Non-count columns shown without decimals.
INTEGER_COLUMNS = {"Wijken", "Gemeenten", "Jaar"}


# --------------------------------------------------------------------------- publishing
def publish_table(
    df: pd.DataFrame,
    *,
    count_cols: Sequence[str] = (),
    rate_cols: dict[str, str | Sequence[str]] | None = None,
    total_row: Any = None,
    total_col: str | None = None,
    groups: str | None = None,
    column_totals: bool = True,
    name: str | None = None,
    tables_dir: str | Path | None = None,
    decimals: int = 1,
) -> pd.DataFrame:
    """Protect a table for publication, verify it, optionally save it as CSV.

    Count columns must start with ``"Aantal"`` (so published reports can be
    audited mechanically). Returns the protected table; display it with
    :func:`to_html`.
    """
    count_cols = [*count_cols, *([total_col] if total_col and total_col not in count_cols else [])]
    bad = [c for c in count_cols if not str(c).startswith(COUNT_PREFIX)]
    if bad:
        raise ValueError(f"count columns must start with {COUNT_PREFIX!r}: {bad}")
    out = (
        protect_table(
            df,
            list(count_cols),
            rate_cols=rate_cols,
            total_row=total_row,
            total_col=total_col,
            groups=groups,
            column_totals=column_totals,
            source=name or "report table",
        ).table
        if count_cols
        else df.copy()
    )
    if count_cols:
        check_protected(out, list(count_cols), column_totals=False, total_col=total_col, source=name or "report table")
    num = out.select_dtypes("number").columns
    out[num] = out[num].round(decimals)
    if tables_dir is not None and name:
        d = Path(tables_dir)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{name}.csv.tmp"
        out.to_csv(tmp, index=out.index.name is not None or not isinstance(out.index, pd.RangeIndex))
        tmp.replace(d / f"{name}.csv")
    return out


def nl(value: float, decimals: int = 1) -> str:
    """A number in Dutch notation for report text: ``9.84`` → ``"9,8"``; NaN → ``"–"``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def to_html(df: pd.DataFrame, *, decimals: int = 1, index: bool = False) -> str:
    """HTML for a published table: suppressed cells shown as '–', counts without decimals."""
    fmt = {}
    for c in df.columns:
        if str(c).startswith(COUNT_PREFIX):
            fmt[c] = lambda v: "–" if pd.isna(v) else f"{int(v):,}".replace(",", ".")
        elif pd.api.types.is_float_dtype(df[c]) and ((df[c].dropna() % 1) == 0).all() and str(c) in INTEGER_COLUMNS:
            fmt[c] = lambda v: "–" if pd.isna(v) else f"{int(v)}"
        elif pd.api.types.is_float_dtype(df[c]):
            fmt[c] = lambda v, d=decimals: "–" if pd.isna(v) else f"{v:.{d}f}".replace(".", ",")
    return df.to_html(index=index, formatters=fmt, na_rep="–", classes="jeugdlib-tabel", border=0, escape=True)


# --------------------------------------------------------------------------- sections
def region_overview(region: str, year: int = 2022) -> dict[str, Any]:
    """Gemeenten of the region with wijken, youths (0–24 proxy) and youth-care use vs the nation."""
    reg = find_region(region, year)
    g = load_gemeenten(year)
    w = load_wijken(year)
    g = g[g.jeugdregio_code == reg.jeugdregio_code]
    n_wijken = w[w.jeugdregio_code == reg.jeugdregio_code].groupby("gemeentecode").size()
    tab = pd.DataFrame(
        {
            "Gemeente": g.gemeentenaam.to_numpy(),
            "Wijken": g.gemeentecode.map(n_wijken).fillna(0).astype(int).to_numpy(),
            "Aantal inwoners 0–24 jaar": g.jeugd_0_24_proxy.to_numpy(),
            "Aantal jongeren met jeugdzorg": g.jz_jongeren.to_numpy(),
        }
    )
    tab = tab.sort_values("Gemeente", ignore_index=True)
    total = tab[["Wijken", "Aantal inwoners 0–24 jaar", "Aantal jongeren met jeugdzorg"]].sum(min_count=1)
    tab.loc[len(tab)] = {"Gemeente": "Totaal regio", **total.to_dict()}
    tab["% jeugdzorg (van 0–24 jaar)"] = 100 * tab["Aantal jongeren met jeugdzorg"] / tab["Aantal inwoners 0–24 jaar"]
    nat_all = load_gemeenten(year)
    national = 100 * nat_all.jz_jongeren.sum() / nat_all.jeugd_0_24_proxy.sum()
    return {
        "region": reg,
        "table": tab,
        "total_row": len(tab) - 1,
        "national_share": float(national),
        "n_gemeenten": int(len(g)),
        "n_wijken": int(n_wijken.sum()),
        "region_share": float(tab["% jeugdzorg (van 0–24 jaar)"].iloc[-1]),
    }


def region_open_model(models: NationalModels, region: str) -> dict[str, Any]:
    """Open-data model per wijk of the region: table, map frame and flags (protected)."""
    from jeugdlib.scp import OPEN_OUTCOME, open_data_frame

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
            "Uitkomst": exp.flag.map({"higher": "hoger", "lower": "lager", "as_expected": "zoals verwacht"}),
        }
    )
    protected = publish_table(
        tab,
        count_cols=["Aantal jongeren met jeugdzorg"],
        groups="Gemeente",
        rate_cols={
            "Waargenomen (%)": "Aantal jongeren met jeugdzorg",
            "Verschil (procentpunt)": "Aantal jongeren met jeugdzorg",
        },
    )
    protected.loc[protected["Aantal jongeren met jeugdzorg"].isna(), "Uitkomst"] = None
    return {
        "region": reg,
        "table": protected,
        "outcome": OPEN_OUTCOME,
        "n_observed": int(protected["Waargenomen (%)"].notna().sum()),
        "flag_counts": protected["Uitkomst"].value_counts().to_dict(),
    }


def region_map_frame(open_section: dict[str, Any]):
    """GeoDataFrame of the region's 2022 wijken with the protected observed/expected/difference."""
    from jeugdlib.data import load_geometries

    code = open_section["region"].jeugdregio_code
    geo = load_geometries("wijk", 2022)
    wijken = load_wijken(2022)
    codes = set(wijken.loc[wijken.jeugdregio_code == code, "gemeentecode"])
    geo = geo[geo.gemeentecode.isin(codes)]
    tab = open_section["table"].set_index("wijkcode")
    cols = {"Waargenomen (%)": "waargenomen", "Verwacht (%)": "verwacht", "Verschil (procentpunt)": "verschil"}
    return geo.merge(tab[list(cols)].rename(columns=cols), left_on="wijkcode", right_index=True, how="left")


def region_scp_2017(models: NationalModels, region: str) -> dict[str, Any]:
    """SCP 2017 results for the region's wijken: published values next to jeugdlib's reproduction."""
    reg = find_region(region, 2017)
    scp = load_scp_2017()
    exp = models.scp_2017.expected()
    m = exp.merge(scp[["wijkcode", "wijknaam", "gemeentenaam", "perc_przv", "residu"]], on="wijkcode")
    m = m[m.jeugdregio_code == reg.jeugdregio_code]
    tab = pd.DataFrame(
        {
            "Wijk": m.wijknaam,
            "Gemeente": m.gemeentenaam,
            "Waargenomen 2017 (%)": m.observed,
            "Verwacht volgens SCP (%)": m.perc_przv,
            "Verschil volgens SCP": m.residu,
            "Verwacht jeugdlib (%)": m.expected,
            "Uitkomst": m.flag.map({"higher": "hoger", "lower": "lager", "as_expected": "zoals verwacht"}),
        }
    ).sort_values(["Gemeente", "Wijk"], ignore_index=True)
    gem_eff = models.scp_2017.gemeente_effects
    gems = scp[scp.jeugdregio_code == reg.jeugdregio_code].drop_duplicates("gemeentecode")
    eff = pd.DataFrame(
        {
            "Gemeente": gems.gemeentenaam.to_numpy(),
            "Gemeente-effect (procentpunt)": gems.gemeentecode.map(gem_eff).to_numpy(),
        }
    ).sort_values("Gemeente-effect (procentpunt)", ignore_index=True)
    return {
        "region": reg,
        "table": publish_table(tab),
        "gemeente_effects": publish_table(eff, decimals=2),
        "region_effect": float(models.scp_2017.region_effects.get(reg.jeugdregio_code, np.nan)),
        "n_wijken": len(tab),
        "flag_counts": tab["Uitkomst"].value_counts().to_dict(),
        "gemeente_codes": gems.gemeentecode.tolist(),
        "gemeente_names": dict(zip(gems.gemeentecode, gems.gemeentenaam, strict=True)),
    }


def region_indicators(region: str) -> dict[str, Any]:
    """CBS 85098NED indicators 2022* for the region's gemeenten next to the national figures."""
    reg = find_region(region, 2022)
    g = load_gemeenten(2022)
    cols = {
        "perc_jeugdhulp_in_natura": "Jeugdhulp in natura (%)",
        "perc_jeugdhulp_met_verblijf": "Waarvan met verblijf (%)",
        "perc_jeugdbescherming": "Jeugdbescherming (%)",
        "perc_jeugdreclassering": "Jeugdreclassering (%)",
    }
    sub = g[g.jeugdregio_code == reg.jeugdregio_code]
    tab = sub[["gemeentenaam", *cols]].rename(columns={"gemeentenaam": "Gemeente", **cols})
    tab = tab.sort_values("Gemeente", ignore_index=True)
    weights = g.jeugd_0_24_proxy
    nat = {v: float(np.average(g[k].dropna(), weights=weights[g[k].notna()])) for k, v in cols.items()}
    tab.loc[len(tab)] = {"Gemeente": "Nederland (gewogen gemiddelde)", **nat}
    return {"region": reg, "table": publish_table(tab)}


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
) -> list[dict[str, Any]]:
    """The report's sections that depend on user data; an absent input gives a section saying so.

    Each section is ``{"title", "text", "tables": [protected DataFrames], "figures": [Figure]}``.
    """
    sections = [deviation_section(region, models, tables_dir=tables_dir)]
    sections.append(
        local_data_section(region, models, local_data_path, tables_dir=tables_dir)
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
        policy_section(region, policy_path, tables_dir=tables_dir)
        if policy_path
        else _absent(
            "Wijkteams en POH-jeugd",
            "geen beleidstabel opgegeven (`gemeentecode` met het jaar waarin wijkteams zelf hulp gingen geven of een "
            "POH-jeugd werd gefinancierd; `jeugdlib report --policy BESTAND`).",
        )
    )
    sections.append(
        trajectory_section(region, trajectories_path, claims_path, tables_dir=tables_dir)
        if trajectories_path
        else _absent(
            "Trajecten en kosten",
            "geen trajectgegevens opgegeven (iJw-berichten: toewijzingen en declaraties; "
            "`jeugdlib report --trajectories BESTAND --claims BESTAND`).",
        )
    )
    return sections


def deviation_section(region: str, models: NationalModels, *, tables_dir: str | Path | None = None) -> dict[str, Any]:
    """How many of the region's wijken deviate substantially from expectation (SCP 2017 model)."""
    from jeugdlib import multilevel

    share = multilevel.deviation_share(models.scp_2017, region, year=2017, thresholds=(1.0, 1.5, 2.0), for_report=True)
    d = share.summary
    labels = {"pi": "buiten het {}%-voorspellingsinterval", "abs": "verschil van minstens {} procentpunt"}

    def dutch(defn: str) -> str:
        if defn.startswith("pi"):
            return labels["pi"].format(defn[2:])
        return labels["abs"].format(nl(float(defn[3:].removesuffix("pp")), 1).replace(",0", ""))

    tab = pd.DataFrame(
        {
            "Definitie": d["definition"].map(dutch),
            "Aantal wijken met waarneming": d["n_observed"],
            "Aantal hoger": d["n_higher"],
            "Aantal lager": d["n_lower"],
            "Aantal afwijkend": d["n_deviating"],
        }
    )
    # afwijkend = hoger + lager per row: a row relation for secondary suppression
    tab = protect_table(tab, ["Aantal wijken met waarneming"], column_totals=False, source="afwijkende wijken").table
    tab = protect_table(
        tab,
        ["Aantal hoger", "Aantal lager"],
        total_col="Aantal afwijkend",
        column_totals=False,
        source="afwijkende wijken",
    ).table
    # the share from the published (rounded) counts, so it reveals nothing the counts do not
    tab["% afwijkend"] = 100 * tab["Aantal afwijkend"] / tab["Aantal wijken met waarneming"]
    tab = publish_table(
        tab,
        count_cols=["Aantal wijken met waarneming", "Aantal hoger", "Aantal lager", "Aantal afwijkend"],
        column_totals=False,
        name="afwijkende_wijken",
        tables_dir=tables_dir,
    )
    text = (
        "Hoeveel van de wijken wijken duidelijk af van het verwachte gebruik (SCP-model 2017)? Dat hangt af "
        "van de definitie; de studie in Haaglanden vond 'bijna 40%'. Het gaat om aantallen wijken "
        "(afgerond op 5, onder 10 weggelaten). Een afwijking is geen oordeel over beleid."
    )
    return {"title": "Hoeveel wijken wijken af? (2017)", "text": text, "tables": [tab], "figures": []}


def policy_section(region: str, path: str, *, tables_dir: str | Path | None = None) -> dict[str, Any]:
    """The region's gemeenten in the user's policy table, next to the national 2022 picture by policy group.

    A growth comparison needs the CBS panel per gemeente (84134NED/85099NED),
    which is used when it is in the local cache; otherwise the section says how
    to fetch it and shows the 2022 cross-section (descriptive, not causal).
    """
    from jeugdlib import did
    from jeugdlib.data import cbs
    from jeugdlib.errors import OfflineError

    reg = find_region(region, 2022)
    policy = did.load_policy_table(path)
    g = load_gemeenten(2022)
    cols = [c for c in policy.columns if c != "gemeentecode"]
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
    ].merge(policy, on="gemeentecode", how="left")
    regional = m[m.jeugdregio_code == reg.jeugdregio_code]
    tab = regional[["gemeentenaam", *cols, "perc_jeugdhulp_in_natura", "perc_jeugdhulp_met_verblijf"]].rename(
        columns={
            "gemeentenaam": "Gemeente",
            "perc_jeugdhulp_in_natura": "Jeugdhulp in natura 2022 (%)",
            "perc_jeugdhulp_met_verblijf": "Waarvan met verblijf (%)",
        }
    )
    tables = [publish_table(tab, name="beleid_regio", tables_dir=tables_dir)]
    adoption = [c for c in cols if pd.api.types.is_integer_dtype(m[c]) or c.startswith(("jaar", "adoptie"))]
    text = (
        f"{int(regional[cols].notna().any(axis=1).sum())} van de {len(regional)} gemeenten in de regio staan in "
        "de beleidstabel. "
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
                    "Gemeenten": ("gemeentecode", "size"),
                    "jeugd": ("jeugd_0_24_proxy", "sum"),
                }
            )
            .reset_index()
        )
        nat["% jeugdzorg (van 0–24 jaar)"] = 100 * nat["Aantal jongeren met jeugdzorg"] / nat["jeugd"]
        nat = nat.drop(columns="jeugd").rename(columns={"groep": "Groep gemeenten (landelijk)"})
        tables.append(
            publish_table(
                nat,
                count_cols=["Aantal jongeren met jeugdzorg"],
                column_totals=False,
                rate_cols={"% jeugdzorg (van 0–24 jaar)": "Aantal jongeren met jeugdzorg"},
                name="beleid_landelijk",
                tables_dir=tables_dir,
            )
        )
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
    return {"title": "Wijkteams en POH-jeugd", "text": text, "tables": tables, "figures": []}


def trajectory_section(
    region: str, trajectories_path: str, claims_path: str | None, *, tables_dir: str | Path | None = None
) -> dict[str, Any]:
    """Durations per product category, provider indicators and (with claims) the cost decomposition.

    Only the trajectories of the region's gemeenten (2022 boundaries) are used, so a file that
    covers several regions (``jeugdlib report --all --trajectories``) publishes each region's own
    rows only; a region without rows in the file gets a section saying so.
    """
    from jeugdlib import trajectories as tr
    from jeugdlib.trajectories import code_labels

    title = "Trajecten en kosten"
    reg = find_region(region, 2022)
    gemeenten = load_gemeenten(2022).query("jeugdregio_code == @reg.jeugdregio_code").gemeentecode
    loaded = tr.read_trajectories(trajectories_path)
    traj = loaded.subset(loaded.table["gemeentecode"].isin(gemeenten))
    if len(traj) == 0:
        return _absent(title, f"het trajectenbestand bevat geen trajecten van gemeenten in {reg.jeugdregio_naam}.")
    labels = code_labels("productcategorie")
    dur = tr.durations(traj, by="productcategorie").table.reset_index()
    dur_tab = pd.DataFrame(
        {
            "Productcategorie": dur.productcategorie.astype(str).map(lambda c: f"{c} {labels.get(str(c), '')}".strip()),
            "Aantal trajecten": dur.n_trajectories,
            "Aantal lopend": dur.n_running,
            "Mediane duur (dagen)": dur.median_days,
            "Gemiddelde duur afgerond (dagen)": dur.mean_days_completed,
        }
    )
    tables = [
        publish_table(
            dur_tab,
            count_cols=["Aantal trajecten", "Aantal lopend"],
            column_totals=False,
            rate_cols={
                "Mediane duur (dagen)": "Aantal trajecten",
                "Gemiddelde duur afgerond (dagen)": "Aantal trajecten",
            },
            name="trajecten_duur",
            tables_dir=tables_dir,
            decimals=0,
        )
    ]
    prov = tr.provider_indicators(traj).reset_index()
    prov_tab = pd.DataFrame(
        {
            "Aanbieder": prov.aanbieder,
            "Aantal cliënten": prov.n_clients,
            "Aantal trajecten": prov.n_trajectories,
            "Mediane duur (dagen)": prov.median_duration_days,
            "% verlengd": prov.pct_extended,
            "% volgens plan beëindigd": prov.pct_ended_to_plan,
        }
    )
    tables.append(
        publish_table(
            prov_tab,
            count_cols=["Aantal cliënten", "Aantal trajecten"],
            column_totals=False,
            rate_cols={
                "Mediane duur (dagen)": "Aantal trajecten",
                "% verlengd": "Aantal trajecten",
                "% volgens plan beëindigd": "Aantal trajecten",
            },
            name="aanbieders",
            tables_dir=tables_dir,
        )
    )
    text = (
        "Duur met Kaplan–Meier (lopende trajecten tellen mee als gecensureerd). Aanbieders: 'tellen en "
        "vertellen' — duur, verlengingen en beëindiging volgens plan."
    )
    if claims_path:
        claims = tr.read_claims(claims_path)
        years = sorted(pd.to_datetime(claims.table.periode_start).dt.year.unique())
        # the first and the last full claim year (the last one is often still being claimed)
        base, end = (int(years[1]), int(years[-2])) if len(years) > 3 else (int(years[0]), int(years[-1]))
        try:  # claims of other regions' trajectories are left out
            cost = tr.cost_decomposition(traj, claims, base, end, unmatched="ignore")
        except DataError as exc:
            text += f" Kostendecompositie niet mogelijk: {exc}"
        else:
            _, published_effects = cost.published()  # LMDI on the rounded client counts
            eff = published_effects.reset_index()
            eff.columns = ["Component", "Effect (euro)", "Aandeel van de verandering", "Log-ratio"]
            eff["Component"] = (
                eff["Component"]
                .map(
                    {
                        "clients": "aantal cliënten",
                        "care_months_per_client": "zorgmaanden per cliënt",
                        "cost_per_care_month": "kosten per zorgmaand",
                        "total": "totaal",
                    }
                )
                .fillna(eff["Component"])
            )
            tables.append(publish_table(eff, name="kosten_decompositie", tables_dir=tables_dir, decimals=2))
            text += (
                f" De kostenontwikkeling {base}–{end} is gesplitst in aantal cliënten × zorgmaanden per cliënt "
                "× kosten per zorgmaand (LMDI; de delen tellen exact op tot de totale verandering)."
            )
    return {"title": title, "text": text, "tables": tables, "figures": []}


def local_data_section(
    region: str, models: NationalModels, path: str, *, tables_dir: str | Path | None = None
) -> dict[str, Any]:
    """Extension of the open-data model with the user's local wijk variables (cohesion, safety, facilities)."""
    from jeugdlib import multilevel
    from jeugdlib.scp import OPEN_OUTCOME, open_data_frame

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
    # fit statistics, the extra coefficients in the standard tidy columns (result protocol), variance components
    coefficients = result.tidy(level=result.ci_level)
    tables = [
        publish_table(t, name=name, tables_dir=tables_dir, decimals=3)
        for t, name in (
            (result.fit_stats, "lokale_data_toets"),
            (coefficients, "lokale_data_coefficienten"),
            (result.variance, "lokale_data_variantie"),
        )
    ]
    test = result.test
    text = (
        f"{join.report.n_matched} van de {join.report.n_extra} wijken uit het bestand gekoppeld. "
        "Het landelijke model is uitgebreid met de lokale kenmerken en getoetst met een likelihood-ratiotoets "
        f"op ML-schattingen van beide modellen op dezelfde {result.n_obs} wijken: "
        f"LR = {nl(test.statistic, 2)}, df = {int(test.df)}, p = {nl(test.p_value, 3)}."
    )
    return {"title": "Sociale cohesie, veiligheid en voorzieningen", "text": text, "tables": tables, "figures": []}


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
