"""Trajectory results as published tables: Dutch headers, every column classified, relations declared.

Each function takes an analysis result and a :class:`~jeugdlib.publication.Publication` and returns
the :class:`~jeugdlib.publication.PublishedTable`. The report (:mod:`jeugdlib.report_sections`) and
notebook 04 use the same functions, so a table looks the same and is protected the same way in both.

The relations declared here are the ones a reader can use to undo suppression:

* completed + running = all trajectories (per product category, per start year);
* the total row of a breakdown equals the sum of its rows, and the number of trajectories is one
  quantity in the register: the total of the duration table and of the provider table is the
  same cell;
* the flow identity ``stock_end(t) = stock_start(t) + inflow(t) − outflow(t)`` and
  ``stock_start(t) = stock_end(t − 1)``;
* percentages are recomputed from the published, rounded counts (``rate`` columns).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from jeugdlib import publication as P
from jeugdlib.publication import Publication, PublishedTable, TableSpec

__all__ = [
    "buckets_table",
    "common_paths_table",
    "cost_tables",
    "durations_table",
    "extensions_table",
    "flows_table",
    "median_table",
    "provider_table",
    "scale_down_rates",
    "scale_down_table",
    "share_interval_table",
    "transitions_table",
    "trend_table",
]

TOTAL = "Totaal"


def _q(quantity: str, scope: str) -> str:
    """The register name of a quantity within a scope (a region code): tables of other scopes never share cells."""
    return f"{quantity} {scope}".strip()


def _label(code: object, labels: Mapping[str, str] | None) -> str:
    c = str(code)
    return f"{c} {labels.get(c, '')}".strip() if labels else c


def durations_table(
    result,
    pub: Publication,
    *,
    total=None,
    labels: Mapping[str, str] | None = None,
    name: str = "trajecten_duur",
    scope: str = "",
) -> PublishedTable:
    """Duration per product category (Kaplan–Meier median, RMST, mean of completed).

    Parameters
    ----------
    result:
        :func:`jeugdlib.trajectories.durations` by ``productcategorie``.
    total:
        The same without ``by`` (all trajectories): adds a total row, the sum of the categories.
    labels:
        Code → label for the categories.
    scope:
        Suffix of the register quantities (e.g. a region code), so tables of different scopes
        never share cells.
    """
    t = result.table.reset_index()
    first = t.columns[0]
    frame = pd.DataFrame(
        {
            "sleutel": "productcategorie " + t[first].astype(str),
            "Productcategorie": [_label(c, labels) for c in t[first]],
            "Aantal trajecten": t["n_trajectories"].to_numpy(dtype=float),
            "Aantal beëindigd": t["n_completed"].to_numpy(dtype=float),
            "Aantal lopend": t["n_running"].to_numpy(dtype=float),
            "Mediane duur (dagen)": t["median_days"].to_numpy(dtype=float),
            "Gemiddelde duur beëindigd (dagen)": t["mean_days_completed"].to_numpy(dtype=float),
        }
    )
    if total is not None:
        a = total.table.iloc[0]
        frame.loc[len(frame)] = {
            "sleutel": TOTAL,
            "Productcategorie": TOTAL,
            "Aantal trajecten": float(a["n_trajectories"]),
            "Aantal beëindigd": float(a["n_completed"]),
            "Aantal lopend": float(a["n_running"]),
            "Mediane duur (dagen)": float(a["median_days"]),
            "Gemiddelde duur beëindigd (dagen)": float(a["mean_days_completed"]),
        }
    spec = TableSpec(
        name,
        (
            P.label("Productcategorie"),
            P.count("Aantal trajecten", _q("trajecten", scope)),
            P.count("Aantal beëindigd", _q("beëindigde trajecten", scope)),
            P.count("Aantal lopend", _q("lopende trajecten", scope)),
            P.derived("Mediane duur (dagen)", "Aantal trajecten"),
            P.derived("Gemiddelde duur beëindigd (dagen)", "Aantal beëindigd"),
        ),
        key="sleutel",
        total_row=TOTAL if total is not None else None,
        identities=tuple(
            {(k, "Aantal trajecten"): 1.0, (k, "Aantal beëindigd"): -1.0, (k, "Aantal lopend"): -1.0}
            for k in frame["sleutel"]
        ),
    )
    return pub.publish(frame, spec)


def buckets_table(result, pub: Publication, *, name: str = "duurklassen", scope: str = "") -> PublishedTable:
    """Completed trajectories per duration class (CBS/BMC classes), with the Kaplan–Meier share.

    The Kaplan–Meier share (which counts running trajectories too) is hidden with the class's
    count: without censoring it is that count over the total. The share of completed trajectories
    is left out, since it would be a rate on unrounded counts.
    """
    b = result.buckets.reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "Duurklasse": b["bucket"].astype(str),
            "Aantal beëindigd": b["n_completed"].to_numpy(dtype=float),
            "Aandeel volgens Kaplan–Meier (%)": 100 * b["km_share"].to_numpy(dtype=float),
        }
    )
    frame.loc[len(frame)] = {
        "Duurklasse": TOTAL,
        "Aantal beëindigd": float(b["n_completed"].sum()),
        "Aandeel volgens Kaplan–Meier (%)": 100.0,
    }
    spec = TableSpec(
        name,
        (
            P.label("Duurklasse"),
            P.count("Aantal beëindigd", _q("beëindigde trajecten per duurklasse", scope)),
            P.statistic("Aandeel volgens Kaplan–Meier (%)", "Aantal beëindigd"),
        ),
        key="Duurklasse",
        total_row=TOTAL,
    )
    return pub.publish(frame, spec)


def trend_table(result, pub: Publication, *, name: str = "duur_trend", scope: str = "") -> PublishedTable:
    """Duration by start year (median and restricted means), for trends."""
    t = result.trend.reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "Startjaar": t["start_year"].astype(int).astype(str),
            "Aantal trajecten": t["n_trajectories"].to_numpy(dtype=float),
            "Aantal beëindigd": t["n_completed"].to_numpy(dtype=float),
            "Mediane duur (dagen)": t["median_days"].to_numpy(dtype=float),
            "Beperkte gemiddelde duur 1 jaar (dagen)": t["rmst_1y_days"].to_numpy(dtype=float),
            "Beperkte gemiddelde duur 4 jaar (dagen)": t["rmst_days"].to_numpy(dtype=float),
        }
    )
    spec = TableSpec(
        name,
        (
            P.year("Startjaar"),
            P.count("Aantal trajecten", _q("trajecten per startjaar", scope)),
            P.count("Aantal beëindigd", _q("beëindigde trajecten per startjaar", scope)),
            P.derived("Mediane duur (dagen)", "Aantal trajecten"),
            P.derived("Beperkte gemiddelde duur 1 jaar (dagen)", "Aantal trajecten"),
            P.derived("Beperkte gemiddelde duur 4 jaar (dagen)", "Aantal trajecten"),
        ),
        key="Startjaar",
    )
    return pub.publish(frame, spec)


def extensions_table(
    result,
    pub: Publication,
    *,
    labels: Mapping[str, str] | None = None,
    name: str = "verlengingen",
    scope: str = "",
) -> PublishedTable:
    """Extended trajectories per product category with shares from the published counts."""
    t = result.table.reset_index()
    first = t.columns[0]
    keys = t[first].astype(str)
    frame = pd.DataFrame(
        {
            "sleutel": np.where(keys.str.lower() == "totaal", TOTAL, "productcategorie " + keys),
            "Productcategorie": [TOTAL if str(c).lower() == "totaal" else _label(c, labels) for c in t[first]],
            "Aantal trajecten": t["n_trajectories"].to_numpy(dtype=float),
            "Aantal verlengd": t["n_extended"].to_numpy(dtype=float),
            "Aantal 2x of vaker verlengd": t["n_extended_2plus"].to_numpy(dtype=float),
            "% verlengd": np.nan,
            "% 2x of vaker verlengd": np.nan,
        }
    )
    has_total = bool((frame["sleutel"] == TOTAL).any())
    spec = TableSpec(
        name,
        (
            P.label("Productcategorie"),
            P.count("Aantal trajecten", _q("trajecten", scope)),
            P.count("Aantal verlengd", _q("verlengde trajecten", scope)),
            P.count("Aantal 2x of vaker verlengd", _q("2x verlengde trajecten", scope)),
            P.rate("% verlengd", "Aantal verlengd", "Aantal trajecten"),
            P.rate("% 2x of vaker verlengd", "Aantal 2x of vaker verlengd", "Aantal trajecten"),
        ),
        key="sleutel",
        total_row=TOTAL if has_total else None,
    )
    return pub.publish(frame, spec)


def flows_table(flows: pd.DataFrame, pub: Publication, *, name: str = "stromen", scope: str = "") -> PublishedTable:
    """Inflow, outflow and running trajectories per period, with the stock identity declared.

    ``flows`` is :func:`jeugdlib.trajectories.flows` without ``by``.
    """
    f = flows.reset_index()
    period = f.columns[0]
    frame = pd.DataFrame(
        {
            "Periode": f[period].astype(str),
            "Aantal lopend begin": f["stock_start"].to_numpy(dtype=float),
            "Aantal instroom": f["inflow"].to_numpy(dtype=float),
            "Aantal uitstroom": f["outflow"].to_numpy(dtype=float),
            "Aantal lopend eind": f["stock_end"].to_numpy(dtype=float),
            "Gemiddelde duur uitstroom (dagen)": f["mean_duration_completed_days"].to_numpy(dtype=float),
        }
    )
    keys = frame["Periode"].tolist()
    identities = [
        {
            (k, "Aantal lopend eind"): 1.0,
            (k, "Aantal lopend begin"): -1.0,
            (k, "Aantal instroom"): -1.0,
            (k, "Aantal uitstroom"): 1.0,
        }
        for k in keys
    ]
    identities += [
        {(k, "Aantal lopend begin"): 1.0, (prev, "Aantal lopend eind"): -1.0}
        for prev, k in zip(keys[:-1], keys[1:], strict=True)
    ]
    spec = TableSpec(
        name,
        (
            P.label("Periode"),
            P.count("Aantal lopend begin", _q("lopend begin", scope)),
            P.count("Aantal instroom", _q("instroom", scope)),
            P.count("Aantal uitstroom", _q("uitstroom", scope)),
            P.count("Aantal lopend eind", _q("lopend eind", scope)),
            P.derived("Gemiddelde duur uitstroom (dagen)", "Aantal uitstroom"),
        ),
        key="Periode",
        identities=tuple(identities),
    )
    return pub.publish(frame, spec)


def provider_table(
    indicators: pd.DataFrame, pub: Publication, *, name: str = "aanbieders", scope: str = ""
) -> PublishedTable:
    """ "Tellen en vertellen" per aanbieder; percentages from the published counts.

    ``indicators`` is :func:`jeugdlib.trajectories.provider_indicators` with ``protected=False``
    (exact counts, with its total row): the boundary protects them.
    """
    prov = indicators.reset_index()
    names = prov[prov.columns[0]].astype(str)
    frame = pd.DataFrame(
        {
            "sleutel": np.where(names == TOTAL, TOTAL, "aanbieder " + names),
            "Aanbieder": names,
            "Aantal cliënten": prov["n_clients"].to_numpy(dtype=float),
            "Aantal trajecten": prov["n_trajectories"].to_numpy(dtype=float),
            "Aantal verlengd": prov["n_extended"].to_numpy(dtype=float),
            "Aantal beëindigd": prov["n_completed"].to_numpy(dtype=float),
            "Aantal volgens plan beëindigd": prov["n_ended_to_plan"].to_numpy(dtype=float),
            "Mediane duur (dagen)": prov["median_duration_days"].to_numpy(dtype=float),
            "% verlengd": np.nan,
            "% volgens plan beëindigd": np.nan,
        }
    )
    has_total = bool((frame["sleutel"] == TOTAL).any())
    spec = TableSpec(
        name,
        (
            P.label("Aanbieder"),
            P.count("Aantal cliënten", _q("cliënten", scope)),
            P.count("Aantal trajecten", _q("trajecten", scope)),
            P.count("Aantal verlengd", _q("verlengde trajecten", scope)),
            P.count("Aantal beëindigd", _q("beëindigde trajecten", scope)),
            P.count("Aantal volgens plan beëindigd", _q("volgens plan beëindigd", scope)),
            P.derived("Mediane duur (dagen)", "Aantal trajecten"),
            P.rate("% verlengd", "Aantal verlengd", "Aantal trajecten"),
            P.rate("% volgens plan beëindigd", "Aantal volgens plan beëindigd", "Aantal beëindigd"),
        ),
        key="sleutel",
        total_row=TOTAL if has_total else None,
        not_additive=("Aantal cliënten",),  # a client can be at several providers
    )
    return pub.publish(frame, spec)


def median_table(
    result,
    pub: Publication,
    *,
    labels: Mapping[str, str] | None = None,
    name: str = "mediane_duur",
    scope: str = "",
) -> PublishedTable:
    """Kaplan–Meier median duration with its 95% interval per group (hidden with the group's count)."""
    t = result.tidy().reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "sleutel": "productcategorie " + t["group"].astype(str),
            "Productcategorie": [_label(c, labels) for c in t["group"]],
            "Aantal trajecten": t["n_obs"].to_numpy(dtype=float),
            "Mediane duur (dagen)": t["estimate"].to_numpy(dtype=float),
            "95%-interval: onder": t["ci_low"].to_numpy(dtype=float),
            "95%-interval: boven": t["ci_high"].to_numpy(dtype=float),
        }
    )
    spec = TableSpec(
        name,
        (
            P.label("Productcategorie"),
            P.count("Aantal trajecten", _q("trajecten", scope)),
            P.derived("Mediane duur (dagen)", "Aantal trajecten"),
            P.derived("95%-interval: onder", "Aantal trajecten"),
            P.derived("95%-interval: boven", "Aantal trajecten"),
        ),
        key="sleutel",
    )
    return pub.publish(frame, spec)


def share_interval_table(
    published: PublishedTable,
    pub: Publication,
    *,
    count: str,
    total: str,
    label: str,
    name: str,
    level: float = 0.95,
) -> PublishedTable:
    """Wilson interval of a share, computed from the **published** counts of another table.

    An interval computed on the exact counts could be inverted to those counts; from the
    published (rounded) counts it reveals nothing they do not.
    """
    from statsmodels.stats.proportion import proportion_confint

    t = published.table
    x = pd.to_numeric(t[count], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(t[total], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    lo = np.full(len(t), np.nan)
    hi = np.full(len(t), np.nan)
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(x[ok], n[ok], alpha=1 - level, method="wilson")
    pct = f"{int(round(100 * level))}%"
    frame = pd.DataFrame(
        {
            label: t[label].to_numpy(),
            "Aandeel (%)": np.where(ok, 100 * x / np.where(ok, n, 1), np.nan),
            f"{pct}-interval: onder (%)": 100 * lo,
            f"{pct}-interval: boven (%)": 100 * hi,
        }
    )
    spec = TableSpec(
        name,
        (
            P.label(label),
            P.statistic("Aandeel (%)"),
            P.statistic(f"{pct}-interval: onder (%)"),
            P.statistic(f"{pct}-interval: boven (%)"),
        ),
    )
    return pub.publish(frame, spec)


def transitions_table(
    transitions: pd.DataFrame,
    pub: Publication,
    *,
    labels: Mapping[str, str] | None = None,
    name: str = "overgangen",
    scope: str = "",
) -> PublishedTable:
    """Counts from product category (rows) to what came next (columns).

    Each row's total (``Aantal trajecten``) is in the table, so secondary suppression protects every
    row. The totals per next step are not published anywhere; a caller that publishes them must
    declare them (``column_totals``) so the audit sees them.
    """
    t = transitions.copy()
    cols = [str(c) for c in t.columns]
    frame = pd.DataFrame(
        {
            "sleutel": ["van " + str(i) for i in t.index],
            "Van productcategorie": [_label(i, labels) for i in t.index],
            **{f"Aantal naar {c}": t[c0].to_numpy(dtype=float) for c, c0 in zip(cols, t.columns, strict=True)},
        }
    )
    count_cols = [f"Aantal naar {c}" for c in cols]
    frame["Aantal trajecten"] = frame[count_cols].sum(axis=1)
    spec = TableSpec(
        name,
        (
            P.label("Van productcategorie"),
            *(P.count(c, f"overgangen {c} {scope}".strip()) for c in count_cols),
            P.count("Aantal trajecten", _q("overgangen totaal", scope)),
        ),
        key="sleutel",
        total_col="Aantal trajecten",
    )
    return pub.publish(frame, spec)


def common_paths_table(paths: pd.DataFrame, pub: Publication, *, name: str = "zorgpaden", scope: str = ""):
    """The most common care paths (clients per path)."""
    p = paths.reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "Zorgpad": p["path"].astype(str),
            "Aantal cliënten": p["n_clients"].to_numpy(dtype=float),
        }
    )
    spec = TableSpec(
        name,
        (P.label("Zorgpad"), P.count("Aantal cliënten", _q("cliënten per zorgpad", scope))),
        key="Zorgpad",
        column_totals=True,
    )
    return pub.publish(frame, spec)


def scale_down_table(
    scale_down: pd.DataFrame,
    pub: Publication,
    *,
    labels: Mapping[str, str] | None = None,
    name: str = "afschalen",
    scope: str = "",
) -> PublishedTable:
    """What followed completed trajectories (lighter, same, heavier, other, out of care, unknown).

    The rates are recomputed from the published counts: lighter / classified, out of care /
    classified, (lighter + out of care) / classified, with classified = all but unknown.
    """
    sd = scale_down.copy()
    names = {
        "n_lighter": "Aantal lichter",
        "n_same": "Aantal gelijk",
        "n_heavier": "Aantal zwaarder",
        "n_other": "Aantal anders",
        "n_out_of_care": "Aantal uit zorg",
        "n_unknown": "Aantal onbekend",
    }
    keys = [TOTAL if str(i).lower() == "totaal" else "productcategorie " + str(i) for i in sd.index]
    frame = pd.DataFrame(
        {
            "sleutel": keys,
            "Productcategorie": [
                TOTAL if k == TOTAL else _label(i, labels) for k, i in zip(keys, sd.index, strict=True)
            ],
            **{v: sd[k].to_numpy(dtype=float) for k, v in names.items()},
        }
    )
    counts = list(names.values())
    spec = TableSpec(
        name,
        (P.label("Productcategorie"), *(P.count(c, f"afschalen {c} {scope}".strip()) for c in counts)),
        key="sleutel",
        total_row=TOTAL if TOTAL in keys else None,
    )
    published = pub.publish(frame, spec)
    return published


def scale_down_rates(published: PublishedTable) -> pd.DataFrame:
    """Rates of a published :func:`scale_down_table`, from its published counts (percentages)."""
    t = published.table
    classified = t[["Aantal lichter", "Aantal gelijk", "Aantal zwaarder", "Aantal anders", "Aantal uit zorg"]].sum(
        axis=1, min_count=5
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "Productcategorie": t["Productcategorie"],
                "% lichter": 100 * t["Aantal lichter"] / classified,
                "% uit zorg": 100 * t["Aantal uit zorg"] / classified,
                "% afgeschaald": 100 * (t["Aantal lichter"] + t["Aantal uit zorg"]) / classified,
            }
        )
    return out


def cost_tables(
    cost, pub: Publication, *, name: str = "kosten", scope: str = ""
) -> tuple[PublishedTable, PublishedTable]:
    """The yearly cost table and the LMDI decomposition (on the published, rounded client counts).

    Uses :meth:`CostDecomposition.published`, which recomputes the per-client ratios and the
    decomposition from the rounded counts.
    """
    yr, eff = cost.published(threshold=pub.threshold, base=pub.base)
    y = yr.reset_index()
    year_col = y.columns[0]
    yearly = pd.DataFrame(
        {
            "Jaar": y[year_col].astype(str),
            "Aantal cliënten": y["clients"].to_numpy(dtype=float),
            "Zorgmaanden": y["care_months"].to_numpy(dtype=float),
            "Kosten (euro)": y["cost"].to_numpy(dtype=float),
            "Zorgmaanden per cliënt": y["care_months_per_client"].to_numpy(dtype=float),
            "Kosten per zorgmaand (euro)": y["cost_per_care_month"].to_numpy(dtype=float),
            "Kosten per cliënt (euro)": y["cost_per_client"].to_numpy(dtype=float),
        }
    )
    yearly_spec = TableSpec(
        f"{name}_per_jaar",
        (
            P.year("Jaar"),
            P.count("Aantal cliënten", _q("cliënten met declaraties", scope)),
            P.statistic("Zorgmaanden", "Aantal cliënten"),
            P.money("Kosten (euro)", "Aantal cliënten"),
            P.statistic("Zorgmaanden per cliënt", "Aantal cliënten"),
            P.money("Kosten per zorgmaand (euro)", "Aantal cliënten"),
            P.money("Kosten per cliënt (euro)", "Aantal cliënten"),
        ),
        key="Jaar",
    )
    e = eff.reset_index()
    names = {
        "clients": "aantal cliënten",
        "care_months_per_client": "zorgmaanden per cliënt",
        "cost_per_care_month": "kosten per zorgmaand",
        "total": "totale verandering",
    }
    effects = pd.DataFrame(
        {
            "Component": e[e.columns[0]].map(names).fillna(e[e.columns[0]]).astype(str),
            "Effect (euro)": e["effect_eur"].to_numpy(dtype=float),
            "Aandeel van de verandering": e["share_of_change"].to_numpy(dtype=float),
        }
    )
    eff_spec = TableSpec(
        f"{name}_decompositie",
        (P.label("Component"), P.money("Effect (euro)"), P.statistic("Aandeel van de verandering")),
        key="Component",
    )
    return pub.publish(yearly, yearly_spec), pub.publish(effects, eff_spec)
