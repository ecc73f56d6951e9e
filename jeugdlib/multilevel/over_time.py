"""Did wijken that differed from expectation in 2017 keep differing? SCP 2017 next to the ELAN panel.

SCP published, per wijk, the observed and expected share of youths with jeugdhulp zonder verblijf in
2017 (``residu`` = observed − expected). The ELAN/LUMC wijkprofielen (:func:`jeugdlib.data.
load_elan_haaglanden`) give the share of *all inhabitants* with jeugdhulp per wijk and year 2015–2022 for
four gemeenten around Den Haag. The two measures differ (population, form of care), so this module
compares **positions**, not levels: a wijk's ELAN share relative to its gemeente's share in the same year
(``relatief`` = wijk share / gemeente share; 1 = the gemeente's level). If the 2017 deviations reflect
lasting wijk characteristics, wijken that were higher than expected in 2017 keep a relative share above
that of wijken that were lower, in 2017 and later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DeviationPersistence", "deviation_persistence", "persistence_text"]

#: The Haaglanden study's scale: a difference of at least 1.5 percentage points is "substantial".
THRESHOLD_PP = 1.5


@dataclass
class DeviationPersistence:
    """Result of :func:`deviation_persistence`.

    Attributes
    ----------
    wijken:
        One row per wijk in both sources: ``wijkcode``, ``wijknaam``, ``gemeentecode``, ``residu_2017``
        (SCP), ``groep_2017`` (``hoger``/``lager`` at ±``threshold`` pp, else ``zoals verwacht``) and
        ``relatief_<year>`` for each ELAN year.
    groups:
        Per ``groep_2017``: ``wijken`` and the mean ``relatief_<year>``.
    correlation:
        Per ELAN year: Spearman rank correlation of ``residu_2017`` with ``relatief_<year>``
        (``year``, ``rho``, ``wijken``).
    threshold:
        The deviation threshold in percentage points.
    """

    wijken: pd.DataFrame
    groups: pd.DataFrame
    correlation: pd.DataFrame
    threshold: float = THRESHOLD_PP


def deviation_persistence(
    scp_2017: pd.DataFrame | None = None,
    elan_wijk: pd.DataFrame | None = None,
    elan_gemeente: pd.DataFrame | None = None,
    *,
    threshold: float = THRESHOLD_PP,
) -> DeviationPersistence:
    """SCP's 2017 deviation per wijk next to the wijk's relative ELAN share in every year.

    Parameters
    ----------
    scp_2017:
        SCP wijk file with ``wijkcode`` and ``residu`` (default :func:`jeugdlib.data.load_scp_2017`).
    elan_wijk, elan_gemeente:
        ELAN panels (default :func:`jeugdlib.data.load_elan_haaglanden` at both levels), with
        ``perc_jeugdhulp_inwoners`` per ``wijkcode``/``gemeentecode`` and ``jaar``.
    threshold:
        ``|residu| >= threshold`` is higher / lower than expected.
    """
    from jeugdlib.data import load_elan_haaglanden, load_scp_2017

    scp = load_scp_2017() if scp_2017 is None else scp_2017
    w = load_elan_haaglanden("wijk") if elan_wijk is None else elan_wijk
    g = load_elan_haaglanden("gemeente") if elan_gemeente is None else elan_gemeente
    if "mogelijk_onderdrukt" in w.columns:
        # a share of 0 in a small wijk may be a count suppressed by CBS: unknown, not zero
        w = w.assign(perc_jeugdhulp_inwoners=w["perc_jeugdhulp_inwoners"].where(~w["mogelijk_onderdrukt"].astype(bool)))
    gshare = g.set_index(["gemeentecode", "jaar"])["perc_jeugdhulp_inwoners"]
    w = w.assign(
        relatief=w["perc_jeugdhulp_inwoners"].to_numpy()
        / gshare.reindex(pd.MultiIndex.from_arrays([w["gemeentecode"], w["jaar"]])).to_numpy()
    )
    wide = w.pivot_table(index="wijkcode", columns="jaar", values="relatief")
    years = [int(y) for y in wide.columns]
    wide.columns = [f"relatief_{y}" for y in years]
    names = w.drop_duplicates("wijkcode").set_index("wijkcode")[["wijknaam", "gemeentecode"]]
    s = scp[["wijkcode", "residu"]].dropna().rename(columns={"residu": "residu_2017"})
    out = s.merge(names, left_on="wijkcode", right_index=True).merge(wide, left_on="wijkcode", right_index=True)
    out["groep_2017"] = np.select(
        [out["residu_2017"] >= threshold, out["residu_2017"] <= -threshold], ["hoger", "lager"], "zoals verwacht"
    )
    out = out[["wijkcode", "wijknaam", "gemeentecode", "residu_2017", "groep_2017", *wide.columns]]
    out = out.sort_values(["gemeentecode", "wijkcode"], ignore_index=True)
    rel = list(wide.columns)
    groups = out.groupby("groep_2017")[rel].mean().join(out.groupby("groep_2017").size().rename("wijken")).reset_index()
    groups = groups[["groep_2017", "wijken", *rel]]
    corr = []
    for y, c in zip(years, rel, strict=True):
        d = out[["residu_2017", c]].dropna()
        rho = float(d["residu_2017"].rank().corr(d[c].rank())) if len(d) > 2 else np.nan
        corr.append({"year": y, "rho": rho, "wijken": len(d)})
    return DeviationPersistence(out, groups, pd.DataFrame(corr), threshold)


def persistence_text(result: DeviationPersistence) -> str:
    """Dutch sentences on the persistence (every number from ``result``)."""
    c = result.correlation.dropna()
    if c.empty:
        return "Er zijn te weinig wijken in beide bronnen om iets te zeggen."
    first, last = c.iloc[0], c.iloc[-1]
    g = result.groups.set_index("groep_2017")
    col = f"relatief_{int(last.year)}"
    parts = [
        f"De rangcorrelatie tussen het verschil met het verwachte gebruik in 2017 (SCP) en de relatieve positie "
        f"van de wijk in de ELAN-cijfers is {_nl(first.rho, 2)} in {int(first.year)} en {_nl(last.rho, 2)} in "
        f"{int(last.year)} ({int(last.wijken)} wijken)"
    ]
    if {"hoger", "lager"} <= set(g.index):
        c0 = "relatief_2017" if "relatief_2017" in g.columns else f"relatief_{int(first.year)}"
        y0 = c0.removeprefix("relatief_")
        parts.append(
            f"Wijken die in 2017 minstens {_nl(result.threshold, 1)} procentpunt hoger lagen dan verwacht, hadden "
            f"in {y0} gemiddeld {_nl(g.loc['hoger', c0], 2)} keer het aandeel van hun gemeente en in "
            f"{int(last.year)} {_nl(g.loc['hoger', col], 2)} keer; wijken die lager lagen "
            f"{_nl(g.loc['lager', c0], 2)} en {_nl(g.loc['lager', col], 2)} keer"
        )
    return (
        ". ".join(parts)
        + ". Dit is een vergelijking van posities, geen toets: de bronnen meten verschillende groepen (SCP: "
        "jongeren, jeugdhulp zonder verblijf; ELAN: alle inwoners, alle jeugdhulp)."
    )


def _nl(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")
