"""Report sections built from user data: local wijk data, the policy table, trajectories and claims."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jeugdlib import publication as P
from jeugdlib.data import find_region, load_gemeenten
from jeugdlib.errors import DataError
from jeugdlib.publication import Publication, TableSpec

if TYPE_CHECKING:
    from jeugdlib.reports import NationalModels

from jeugdlib.report_sections._common import _absent, _pub, _section, nl
from jeugdlib.report_sections.regional import deviation_section


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
    return _section("Wijkteams en POH-jeugd", text, *published)


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
        cost = None
        if end > base:
            try:  # claims of other regions' trajectories are left out
                cost = tr.cost_decomposition(traj, claims, base, end, unmatched="ignore")
            except (DataError, ValueError):
                # the reason is not published: a message can hold exact (small) counts of clients
                cost = None
        if cost is None:
            text += (
                " Een kostendecompositie is met deze declaraties niet mogelijk (te weinig jaren, of een jaar zonder "
                "cliënten of kosten); draai `jeugdlib.trajectories.cost_decomposition` zelf voor de reden."
            )
        else:
            published.extend(tables.cost_tables(cost, pub, name="kosten", scope=scope))
            text += (
                f" De kostenontwikkeling {base}–{end} is gesplitst in aantal cliënten × zorgmaanden per cliënt "
                "× kosten per zorgmaand (LMDI op de afgeronde aantallen cliënten; de delen tellen exact op tot de "
                "totale verandering)."
            )
    return _section(title, text, *published)


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
    return _section("Sociale cohesie, veiligheid en voorzieningen", text, *published)


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
