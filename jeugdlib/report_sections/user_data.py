"""Report sections built from user data: local wijk data, the policy table, trajectories and claims."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jeugdlib import formatting as F
from jeugdlib import publication as P
from jeugdlib.data import find_region, load_gemeenten
from jeugdlib.errors import DataError
from jeugdlib.publication import Publication, TableSpec

if TYPE_CHECKING:
    from jeugdlib.reports import NationalModels

from jeugdlib.report_sections._common import _absent, _pub, _section, shown


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
    sections = [
        local_data_section(region, models, local_data_path, pub=pub)
        if local_data_path
        else _absent(
            "Sociale cohesie, veiligheid en voorzieningen",
            "geen lokaal wijkbestand opgegeven. Gemeenten met een wijkmonitor of de Veiligheidsmonitor kunnen een "
            "bestand met `wijkcode`, `jaar` en bijvoorbeeld `sociale_cohesie`, `veiligheid_ervaren` en "
            "`tevredenheid_voorzieningen` meegeven (`jeugdlib report --local-data BESTAND`); het model toetst dan of "
            "deze kenmerken het verwachte gebruik beter verklaren.",
        )
    ]
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


#: Dutch headers for the policy table's usual columns (others: :func:`policy_label`).
POLICY_LABELS = {
    "jaar_wijkteam": "Wijkteam geeft zelf hulp sinds",
    "jaar_poh": "POH-jeugd gefinancierd sinds",
    "adoptiejaar": "Beleid sinds",
    "intensiteit_wijkteam": "Intensiteit wijkteam",
}


def policy_label(name: str) -> str:
    """The Dutch header of a policy column: ``jaar_wijkteam`` → ``"Wijkteam geeft zelf hulp sinds"``.

    >>> policy_label("jaar_poh"), policy_label("jaar_jeugdarts"), policy_label("intensiteit_poh")
    ('POH-jeugd gefinancierd sinds', 'Beleid sinds (jeugdarts)', 'Intensiteit poh')
    """
    if name in POLICY_LABELS:
        return POLICY_LABELS[name]
    if name.startswith("jaar_"):
        return f"Beleid sinds ({name.removeprefix('jaar_').replace('_', ' ')})"
    return F.label(name)


def policy_description(name: str) -> str:
    """The policy of an adoption column in words, for a sentence.

    >>> policy_description("jaar_wijkteam"), policy_description("jaar_jeugdarts")
    ('wijkteams die zelf hulp geven', 'beleid jeugdarts')
    """
    known = {"jaar_wijkteam": "wijkteams die zelf hulp geven", "jaar_poh": "een gefinancierde POH-jeugd"}
    return known.get(name, f"beleid {name.removeprefix('jaar_').replace('_', ' ')}")


def _listed_sentence(listed: int, total: int) -> str:
    """How many of the region's gemeenten the policy table lists, plural-aware.

    >>> _listed_sentence(3, 10)
    '3 van de 10 gemeenten in de regio staan in de beleidstabel. '
    >>> _listed_sentence(1, 10)
    '1 van de 10 gemeenten in de regio staat in de beleidstabel. '
    >>> _listed_sentence(0, 1)
    'De enige gemeente in de regio staat niet in de beleidstabel. '
    """
    if total == 1:
        return f"De enige gemeente in de regio staat {'' if listed else 'niet '}in de beleidstabel. "
    verb = "staat" if listed == 1 else "staan"
    return (
        f"{F.count(listed)} van de {F.plural(total, 'gemeente', 'gemeenten')} in de regio {verb} in de beleidstabel. "
    )


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
    names = {c: policy_label(str(c)) for c in [*adoption, *intensity]}
    tab = regional.drop(columns=["jeugdregio_code", "jz_jongeren", "jeugd_0_24_proxy"]).rename(
        columns={
            "gemeentecode": "Gemeentecode",
            "gemeentenaam": "Gemeente",
            "perc_jeugdhulp_in_natura": "Jeugdhulp in natura 2022 (%)",
            "perc_jeugdhulp_met_verblijf": "Waarvan met verblijf (%)",
            **names,
        }
    )
    spec = TableSpec(
        "beleid_regio",
        (
            P.code("Gemeentecode"),
            P.label("Gemeente"),
            *(P.year(names[c]) for c in adoption),
            *(_stat(names[c], 3) for c in intensity),
            P.statistic("Jeugdhulp in natura 2022 (%)"),
            P.statistic("Waarvan met verblijf (%)"),
        ),
        key="Gemeentecode",
    )
    first = pub.publish(tab, spec)
    shown(first, {names[c]: "share" for c in intensity})
    published = [first]
    policy_cols = [*adoption, *intensity]
    listed = int(regional[policy_cols].notna().any(axis=1).sum())
    text = _listed_sentence(listed, len(regional))
    if adoption:
        text += (
            f"In de kolom{'men' if len(adoption) > 1 else ''} met een jaar staat het eerste jaar van het beleid; "
            "'geen' betekent dat de gemeente het beleid niet had (leeg of 0 in de beleidstabel), '–' dat de gemeente "
            "niet in de beleidstabel staat. "
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
        second = pub.publish(nat, nat_spec)
        published.append(second)
        with_policy = second.table.loc[second.table["Groep gemeenten (landelijk)"] == "met beleid", "Gemeenten"]
        n_with = with_policy.iloc[0] if len(with_policy) else 0
        text += (
            f"Landelijk (2022) telt de groep met beleid ({policy_description(str(c))}) "
            f"{F.plural(n_with, 'gemeente', 'gemeenten')}; de tweede tabel zet hun gebruik naast dat van de andere "
            "gemeenten. Dat is een momentopname, geen effect van het beleid. "
        )
    try:
        cbs.jeugdzorg_gemeenten(range(2015, 2023))
        text += (
            "De CBS-reeks per gemeente staat in de cache; notebook 03 schat daarmee het effect met een "
            "verschil-in-verschillen-analyse."
        )
    except (OfflineError, DataError):
        text += (
            "Voor een verschil-in-verschillen-analyse is de CBS-reeks per gemeente nodig "
            "(`jeugdlib data fetch 84134NED` en `jeugdlib data fetch 85099NED` op een machine met internet); "
            "notebook 03 laat de analyse zien."
        )
    section = _section("Wijkteams en POH-jeugd", text, *published)
    section["tables"][0] = _adoption_years_shown(section["tables"][0], [names[c] for c in adoption])
    return section


def _adoption_years_shown(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A display copy of the policy table: adoption year 0 ("never") as ``geen``, missing as ``–``.

    >>> t = _adoption_years_shown(pd.DataFrame({"Sinds": pd.array([2016, 0, None], dtype="Int64")}), ["Sinds"])
    >>> list(t["Sinds"])
    ['2016', 'geen', '–']
    """
    out = table.copy()
    for c in columns:
        out[c] = ["geen" if not F.is_missing(v) and int(v) == 0 else F.year(v) for v in table[c].astype(object)]
    return shown(out, dict.fromkeys(columns, "text"))


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
                "× kosten per zorgmaand (logaritmische decompositie, LMDI, op de afgeronde aantallen cliënten; "
                "de delen tellen exact op tot de totale verandering)."
            )
    for t in published:  # whole days; LMDI shares of the total change are fractions
        shown(t, {"Aandeel van de verandering": "share"}, {"Mediane duur (dagen)": 0})
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
    published = _local_tables(result, pub)
    lr = published[1].table.iloc[0]
    fit = published[0].table
    n_wijken = fit["Wijken"].dropna()
    n_fit = F.plural(n_wijken.iloc[0], "wijk", "wijken") if len(n_wijken) else "dezelfde wijken"
    matched, total = join.report.n_matched, join.report.n_extra
    text = (
        f"{F.count(matched)} van de {F.plural(total, 'wijk', 'wijken')} uit het bestand "
        f"{'is' if matched == 1 else 'zijn'} gekoppeld aan de open wijkgegevens. "
        + lr_sentence(lr["LR-toetsingsgrootheid"], lr["Vrijheidsgraden"], lr["p-waarde"], n_fit)
        + " De tabellen geven de fit van beide modellen (maximum likelihood), het effect per kenmerk en de "
        "variantie per niveau met en zonder de lokale kenmerken."
    )
    return _section("Sociale cohesie, veiligheid en voorzieningen", text, *published)


def lr_sentence(statistic: float, df: float, p: float, wijken: str = "dezelfde wijken", alpha: float = 0.05) -> str:
    """The likelihood-ratio test of the local-data section in one Dutch sentence, its numbers shown.

    >>> lr_sentence(1.79, 2, 0.409, "2.836 wijken")  # doctest: +NORMALIZE_WHITESPACE
    'De likelihood-ratiotoets vergelijkt hoe goed het model met en zonder de lokale kenmerken het gebruik in
    2.836 wijken beschrijft: LR = 1,79 bij 2 vrijheidsgraden, p = 0,41; de lokale kenmerken verklaren het
    gebruik dus niet aantoonbaar beter dan de open wijkkenmerken alleen.'
    """
    if F.is_missing(statistic) or F.is_missing(p):
        return "De likelihood-ratiotoets kon niet worden berekend."
    verdict = (
        "verklaren het gebruik dus beter dan de open wijkkenmerken alleen"
        if float(p) < alpha
        else "verklaren het gebruik dus niet aantoonbaar beter dan de open wijkkenmerken alleen"
    )
    k = F.count(df)
    return (
        "De likelihood-ratiotoets vergelijkt hoe goed het model met en zonder de lokale kenmerken het gebruik in "
        f"{wijken} beschrijft: LR = {F.number(statistic, 2)} bij {k} "
        f"{'vrijheidsgraad' if k == '1' else 'vrijheidsgraden'}, {F.p_value(p)}; de lokale kenmerken {verdict}."
    )


def _stat(name: str, decimals: int = 6) -> P.Column:
    """A model statistic published with enough decimals for significant digits (an SE of 0,00046)."""
    return P.Column(name, P.Kind.STATISTIC, decimals=decimals)


def _local_tables(result: Any, pub: Publication) -> list[P.PublishedTable]:
    """The published tables of the local-data section: model fit, LR test, coefficients, variances."""
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
    test = result.test
    lr = pd.DataFrame(
        {
            "Toets": ["lokale kenmerken samen (likelihood-ratiotoets)"],
            "LR-toetsingsgrootheid": [float(test.statistic)],
            "Vrijheidsgraden": [float(test.df)],
            "p-waarde": [float(test.p_value)],
        }
    )
    level = f"{F.number(100 * result.ci_level, 0)}%"
    coef = result.tidy(level=result.ci_level)
    coef_tab = pd.DataFrame(
        {
            "Kenmerk": [F.label(str(t)) for t in coef.term],
            "Effect per SD (procentpunt)": coef.estimate,
            "Standaardfout": coef.std_error,
            "p-waarde": coef.p_value,
            f"Ondergrens {level}-interval": coef.ci_low,
            f"Bovengrens {level}-interval": coef.ci_high,
            "Effect per eenheid (procentpunt)": coef.estimate_per_unit,
        }
    )
    var = result.variance.rename(
        columns={
            "component": "Niveau",
            "base": "Variantie zonder",
            "extended": "Variantie met",
            "change": "Verschil",
            "proportional_reduction": "Verklaard deel",
        }
    )
    var["Niveau"] = var["Niveau"].map(
        {"jeugdregio": "jeugdregio", "gemeente": "gemeente", "wijk": "wijk", "total": "totaal"}
    )
    var_cols = ["Variantie zonder", "Variantie met", "Verschil", "Verklaard deel"]
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
            lr,
            TableSpec(
                "lokale_data_lr_toets",
                (P.label("Toets"), _stat("LR-toetsingsgrootheid", 3), _stat("Vrijheidsgraden", 0), _stat("p-waarde")),
                key="Toets",
            ),
        ),  # fmt: skip
        pub.publish(
            coef_tab,
            TableSpec(
                "lokale_data_coefficienten", (P.label("Kenmerk"), *map(_stat, coef_tab.columns[1:])), key="Kenmerk"
            ),
        ),  # fmt: skip
        pub.publish(
            var[["Niveau", *var_cols]],
            TableSpec("lokale_data_variantie", (P.label("Niveau"), *map(_stat, var_cols)), key="Niveau"),
        ),  # fmt: skip
    ]
    shown(published[0], {"Parameters": "units"})
    shown(published[1], {"Vrijheidsgraden": "units"}, {"LR-toetsingsgrootheid": 2})
    # estimates and interval bounds with as many decimals as the SE shows in significant digits
    se = published[2].table["Standaardfout"].dropna()
    dec = max([1, *(F.significant_decimals(v) for v in se if v)])
    est = ["Effect per SD (procentpunt)", f"Ondergrens {level}-interval", f"Bovengrens {level}-interval"]
    shown(published[2], {"Effect per eenheid (procentpunt)": "sig"}, dict.fromkeys(est, dec))
    shown(published[3], {"Verschil": "sig", "Verklaard deel": "share"}, {"Variantie zonder": 2, "Variantie met": 2})
    return published


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
