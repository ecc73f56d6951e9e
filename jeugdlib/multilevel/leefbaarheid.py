"""Leefbaarometer dimensions in the open-data SCP model: the Haaglanden study's themes, for every wijk.

The Kennisnetwerk Jeugd Haaglanden (KJH) and SCP found that expected youth-care use is estimated
better when (perceived) social cohesion and safety are added, and that facilities and the physical
layout of the wijk matter. The Leefbaarometer 3.0 (BZK, 2024 scores) measures these themes for every
buurt of the Netherlands (:func:`jeugdlib.data.load_leefbaarometer`, a plain buurt mean per wijk).

:func:`leefbaarometer_tests` adds the dimensions to the 2022 open-data model, in sets (cohesion and
safety; all five; each alone), with :func:`jeugdlib.multilevel.compare_models`: an LR test on ML fits of
both models on the same wijken, the variance explained per level and the change in the share of
deviating wijken. :func:`leefbaarometer_by_region` runs the test within each jeugdregio (Holm-adjusted),
as the Haaglanden study did for one region.

**Caveat.** Leefbaarometer scores are *model-based*: BZK predicts them from register variables
(housing, income, population composition, facilities, crime) that overlap SCP's determinants (income,
migration background, single parents). What they add to the SCP model is therefore less than what a
survey of *perceived* cohesion and safety (the KJH measures) could add; a null result here does not
refute the KJH finding. :func:`national_text` says so in the sentences a report uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from jeugdlib.multilevel.by_region import RegionComparison, compare_by_region
from jeugdlib.multilevel.comparison import ModelComparison, compare_models
from jeugdlib.multilevel.joins import join_wijk_variables
from jeugdlib.results import Result, tidy_frame

__all__ = [
    "DIMENSIONS",
    "LeefbaarheidTests",
    "SETS",
    "leefbaarometer_by_region",
    "leefbaarometer_frame",
    "leefbaarometer_tests",
    "national_text",
    "region_text",
]

#: The five Leefbaarometer dimensions and their Dutch names.
DIMENSIONS: dict[str, str] = {
    "lbm_won": "woningvoorraad",
    "lbm_fys": "fysieke omgeving",
    "lbm_vrz": "voorzieningen",
    "lbm_soc": "sociale samenhang",
    "lbm_onv": "overlast en onveiligheid",
}

#: The sets tested: (a) cohesion and safety, (b) all five, (c) each alone.
SETS: dict[str, tuple[str, ...]] = {
    "sociale samenhang + onveiligheid": ("lbm_soc", "lbm_onv"),
    "alle vijf": tuple(DIMENSIONS),
    **{f"alleen {name}": (col,) for col, name in DIMENSIONS.items()},
}


def leefbaarometer_frame(year: int = 2022) -> tuple[pd.DataFrame, list[str]]:
    """The open-data model's wijken with the Leefbaarometer dimensions joined (wijken without scores dropped).

    Returns
    -------
    (DataFrame, list of str)
        The data (as :func:`jeugdlib.scp.open_data_frame`, plus ``lbm_*``) and the base predictors.
    """
    import warnings

    from jeugdlib.data import load_leefbaarometer
    from jeugdlib.errors import JeugdlibWarning
    from jeugdlib.scp import open_data_frame

    data, preds = open_data_frame(year)
    lbm = load_leefbaarometer("wijk", year)
    cols = list(DIMENSIONS)
    with warnings.catch_warnings():
        # codes of wijken that the open model leaves out (too few inhabitants) are expected here
        warnings.simplefilter("ignore", JeugdlibWarning)
        joined = join_wijk_variables(
            data, lbm[["wijkcode", *cols]], columns=cols, boundary_year=year, data_boundary_year=year
        ).data
    return joined[joined[cols].notna().all(axis=1)].reset_index(drop=True), list(preds)


@dataclass
class LeefbaarheidTests(Result):
    """Result of :func:`leefbaarometer_tests`.

    Attributes
    ----------
    table:
        One row per set: ``set``, ``variables``, ``n_wijken``, ``lr_statistic``, ``df``, ``p_value``,
        ``reduction_jeugdregio``, ``reduction_gemeente``, ``reduction_wijk`` (share of that level's
        variance the set explains; negative = grew), ``deviating_base``, ``deviating_extended``
        (share of wijken outside the 95% prediction interval) and ``deviating_change``.
    comparisons:
        Set name → its :class:`~jeugdlib.multilevel.ModelComparison`.
    year:
        Boundary year of the open data.
    """

    result_name: ClassVar[str] = "Leefbaarometer dimensions in the open-data model"

    table: pd.DataFrame
    comparisons: dict[str, ModelComparison] = field(repr=False)
    year: int = 2022

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """The coefficients of every set (standard tidy columns, per SD of the predictor) with ``set``."""
        frames = []
        for name, cmp in self.comparisons.items():
            frames.append(cmp.tidy(level=level).assign(set=name))
        if not frames:
            return tidy_frame([], [], [], level=level).assign(set=[])
        return pd.concat(frames, ignore_index=True)

    def test(self, name: str):
        """The LR test of one set (a :class:`~jeugdlib.multilevel.LRTest`)."""
        return self.comparisons[name].test


def leefbaarometer_tests(year: int = 2022, sets: Mapping[str, Sequence[str]] | None = None) -> LeefbaarheidTests:
    """Add Leefbaarometer dimensions to the open-data model, set by set (LR test, variance, deviating wijken).

    Parameters
    ----------
    year:
        Boundary year of the open CBS data (2021 or 2022).
    sets:
        ``{name: columns}``; default :data:`SETS` (cohesion + safety, all five, each alone).
    """
    from jeugdlib.scp import OPEN_OUTCOME

    data, preds = leefbaarometer_frame(year)
    sets = dict(SETS if sets is None else sets)
    rows, comparisons = [], {}
    for name, cols in sets.items():
        cmp = compare_models(data, base_predictors=preds, extra_predictors=list(cols), outcome=OPEN_OUTCOME)
        comparisons[name] = cmp
        var = cmp.variance.set_index("component")["proportional_reduction"]
        flags = cmp.flags[(cmp.flags["scope"] == "all") & (cmp.flags["flag"] == "higher_or_lower")].iloc[0]
        rows.append(
            {
                "set": name,
                "variables": ", ".join(cols),
                "n_wijken": int(cmp.n_obs),
                "lr_statistic": float(cmp.test.statistic),
                "df": int(cmp.test.df),
                "p_value": float(cmp.test.p_value),
                "reduction_jeugdregio": float(var["jeugdregio"]),
                "reduction_gemeente": float(var["gemeente"]),
                "reduction_wijk": float(var["wijk"]),
                "deviating_base": float(flags["share_base"]),
                "deviating_extended": float(flags["share_extended"]),
                "deviating_change": float(flags["change"]),
            }
        )
    return LeefbaarheidTests(table=pd.DataFrame(rows), comparisons=comparisons, year=year)


def leefbaarometer_by_region(
    year: int = 2022, variables: Sequence[str] = ("lbm_soc", "lbm_onv"), regions: Sequence[str] | None = None
) -> RegionComparison:
    """The test of ``variables`` within each jeugdregio (Holm-adjusted p-values across regions)."""
    from jeugdlib.scp import OPEN_OUTCOME

    data, preds = leefbaarometer_frame(year)
    return compare_by_region(
        data, base_predictors=preds, extra_predictors=list(variables), outcome=OPEN_OUTCOME, regions=regions
    )


def _nl(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "onbekend"
    if p < 0.001:
        return "p < 0,001"
    return f"p = {p:.3f}".replace(".", ",")


def national_text(result: LeefbaarheidTests) -> str:
    """Dutch sentences on what the national test found, with the caveat (every number from ``result``)."""
    t = result.table.set_index("set")
    parts = []
    for name in ("sociale samenhang + onveiligheid", "alle vijf"):
        if name not in t.index:
            continue
        r = t.loc[name]
        verdict = "verbetert het model significant" if r.p_value < 0.05 else "verbetert het model niet significant"
        n = f"{int(r.n_wijken):,}".replace(",", ".")
        parts.append(
            f"{name.capitalize()} {verdict} (LR = {_nl(r.lr_statistic, 1)}, df = {int(r.df)}, {_p(r.p_value)}; "
            f"{n} wijken)"
        )
    single = t[t.index.str.startswith("alleen ")]
    if len(single):
        sig = [n.removeprefix("alleen ") for n, r in single.iterrows() if r.p_value < 0.05]
        parts.append(
            "Afzonderlijk dragen "
            + (" en ".join(sig) if sig else "geen van de vijf dimensies")
            + " significant bij (5%, zonder correctie voor meervoudig toetsen)"
        )
    text = ". ".join(parts) + "." if parts else ""
    return (
        text + " Let op: de Leefbaarometer is een modelschatting uit registergegevens (inkomen, herkomst, "
        "woningen) die deels dezelfde zijn als de SCP-kenmerken; de KJH-studie mat ervaren sociale cohesie "
        "en veiligheid met een enquête. Een kleine bijdrage hier weerlegt die bevinding dus niet."
    ).strip()


def region_text(table: pd.DataFrame, *, difference: str = "Verschil (procentpunt)", min_wijken: int = 10) -> str:
    """Dutch sentences on what the region's wijken show: rank correlation of cohesion and safety with the deviation.

    Parameters
    ----------
    table:
        The region's wijken with ``lbm_soc``/``lbm_onv`` (or their Dutch column names
        ``Sociale samenhang``/``Overlast en onveiligheid``) and the published ``difference``
        (observed − expected, hidden wijken ``NaN``).
    min_wijken:
        Below this many wijken with both a score and a published difference, no correlation is given.

    Notes
    -----
    Spearman's rank correlation, descriptive (no test: the national model comparison is the test).
    In the Leefbaarometer a *higher* score is *better* (more cohesion, less nuisance and crime).
    """
    names = {"lbm_soc": "Sociale samenhang", "lbm_onv": "Overlast en onveiligheid"}
    cols = {k: (k if k in table.columns else v) for k, v in names.items()}
    parts = []
    for key, col in cols.items():
        d = table[[col, difference]].apply(pd.to_numeric, errors="coerce").dropna()
        label = DIMENSIONS[key]
        if len(d) < min_wijken:
            parts.append(f"Voor {label} zijn te weinig wijken met gepubliceerde cijfers ({len(d)}) om iets te zeggen")
            continue
        rho = float(d[col].rank().corr(d[difference].rank()))
        if not np.isfinite(rho) or abs(rho) < 0.3:
            parts.append(f"Tussen {label} en het verschil met het verwachte gebruik is in deze regio geen duidelijke "
                         f"samenhang (rangcorrelatie {_nl(rho, 2)}, {len(d)} wijken)")  # fmt: skip
        else:
            richting = "hoger" if rho > 0 else "lager"
            parts.append(
                f"Wijken met een betere score op {label} hebben in deze regio vaker een {richting} gebruik dan "
                f"verwacht (rangcorrelatie {_nl(rho, 2)}, {len(d)} wijken; een samenhang, geen oorzaak)"
            )
    return ". ".join(parts) + "."
