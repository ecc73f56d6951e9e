"""How many wijken of a region lie substantially above or below the model's expectation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jeugdlib.data import find_region
from jeugdlib.disclosure import protect
from jeugdlib.errors import DataError
from jeugdlib.scp import ScpModel

__all__ = ["DeviationShare", "deviation_share"]


@dataclass
class DeviationShare:
    """Wijken of one region substantially above or below expectation.

    Attributes
    ----------
    summary:
        One row per definition: ``definition, description, n_observed,
        n_higher, n_lower, n_deviating`` and the matching shares (of wijken
        with an observed outcome), and ``gemeenten``: the gemeenten with at
        least one deviating wijk ("; "-separated).
    by_gemeente:
        Per gemeente and definition: ``n_observed, n_higher, n_lower,
        n_deviating``.
    wijken:
        The region's wijken with observed, expected, interval bounds and one
        boolean-like flag column (``higher``/``lower``/``as_expected``) per
        definition.
    n_unobserved:
        Wijken whose outcome is suppressed (not counted in any denominator).
    protected:
        Whether the counts went through :func:`jeugdlib.disclosure.protect`.
    definitions:
        Definition key (``pi95``, ``abs2pp``, ...) -> its description.
    """

    region_code: str
    region_name: str
    summary: pd.DataFrame
    by_gemeente: pd.DataFrame
    wijken: pd.DataFrame
    n_unobserved: int
    protected: bool
    definitions: dict[str, str] = field(default_factory=dict)

    @property
    def gemeenten(self) -> dict[str, list[str]]:
        """Per definition, the gemeenten (names, else codes) with at least one deviating wijk."""
        return {r.definition: [g for g in str(r.gemeenten).split("; ") if g] for r in self.summary.itertuples()}

    def describe(self) -> str:
        """Dutch report text: the share per definition and SCP's caveat.

        Uses the (possibly protected) summary, so suppressed counts are not
        revealed.
        """
        parts = []
        for r in self.summary.itertuples():
            share = "onderdrukt (te klein aantal)" if pd.isna(r.share_deviating) else f"{r.share_deviating:.0%}"
            parts.append(f"{share} bij de definitie '{r.description}'")
        return (
            f"In {self.region_name} ({self.region_code}) wijkt het waargenomen gebruik in "
            + "; ".join(parts)
            + f" af van het verwachte gebruik (wijken met een waargenomen aandeel; "
            f"{self.n_unobserved} wijken zonder gepubliceerd aandeel tellen niet mee). Een verschil is geen "
            "oordeel over goed of slecht beleid: de wijk heeft kenmerken die het model niet kent, en dat is "
            "aanleiding om met lokale partners beter te kijken."
        )

    def plot(self, definition: str | None = None, *, title: str | None = None):
        """Observed versus expected per wijk (:func:`jeugdlib.plots.multilevel.plot_deviations`)."""
        from jeugdlib.plots.multilevel import plot_deviations

        return plot_deviations(self, definition, title=title)


def deviation_share(
    model: ScpModel,
    region: str,
    *,
    year: int = 2017,
    intervals: Sequence[float] = (0.95, 0.80),
    thresholds: Sequence[float] = (1.0, 2.0),
    for_report: bool = False,
) -> DeviationShare:
    """Share of a region's wijken substantially above or below expectation.

    Definitions (each reported separately; a wijk counts when its outcome is
    observed):

    * ``pi{L}``: the observed share lies outside the model's ``L`` prediction
      interval for that wijk (:meth:`ScpModel.expected`: fixed-part,
      region/gemeente effect and wijk residual uncertainty);
    * ``abs{T}pp``: ``|observed − expected| >= T`` percentage points (on the
      share scale), irrespective of the interval.

    The Haaglanden study's "almost 40% of wijken substantially higher or lower"
    did not publish its definition; compare several. A difference is no
    verdict on policy.

    Parameters
    ----------
    model:
        A fitted SCP model (REML or ML).
    region:
        Jeugdregio code or name (``"JZ24"``, ``"Haaglanden"``), looked up with
        :func:`jeugdlib.data.find_region` in ``year``'s boundaries.
    intervals, thresholds:
        Prediction-interval levels and absolute thresholds (pp).
    for_report:
        Pass the counts through :func:`jeugdlib.disclosure.protect` (counts
        below 10 suppressed, the rest rounded to 5, shares of suppressed counts
        hidden). These are counts of *wijken*, not of persons, so raw counts are
        returned by default; use ``for_report=True`` for anything printed in a
        report, which keeps the API consistent with the rest of jeugdlib.
    """
    info = find_region(region, year)
    code, name = str(info.jeugdregio_code), str(info.jeugdregio_naam)
    rg, gm = model.levels
    in_region = (model.data[rg] == code).to_numpy()
    if not in_region.any():
        raise DataError(
            f"region {name} ({code}) has no wijken in the model's data; is the data of the {year} boundaries?"
        )
    base_cols = None
    defs: list[tuple[str, str, np.ndarray]] = []
    for lev in intervals:
        e = model.expected(level=lev)[in_region].reset_index(drop=True)
        if base_cols is None:
            base_cols = e[["wijkcode", "gemeentecode", "observed", "expected", "difference"]].copy()
        base_cols[f"pi_low_{int(round(lev * 100))}"] = e.pi_low
        base_cols[f"pi_high_{int(round(lev * 100))}"] = e.pi_high
        defs.append(
            (f"pi{int(round(lev * 100))}", f"observed outside the {lev:.0%} prediction interval", e.flag.to_numpy())
        )
    if base_cols is None:
        e = model.expected()[in_region].reset_index(drop=True)
        base_cols = e[["wijkcode", "gemeentecode", "observed", "expected", "difference"]].copy()
    diff = base_cols.difference.to_numpy()
    observed = ~np.isnan(base_cols.observed.to_numpy())
    for t in thresholds:
        flag = np.where(~observed, None, np.where(diff >= t, "higher", np.where(diff <= -t, "lower", "as_expected")))
        defs.append((f"abs{t:g}pp", f"|observed - expected| >= {t:g} percentage points", flag))
    wijken = base_cols
    if "gemeentenaam" in model.data.columns:
        names = model.data[in_region].set_index("wijkcode")["gemeentenaam"]
        wijken.insert(2, "gemeentenaam", wijken.wijkcode.map(names))
    summary_rows, gem_rows = [], []
    for key, desc, flag in defs:
        wijken[key] = flag
        f = flag[observed]
        nh, nl = int((f == "higher").sum()), int((f == "lower").sum())
        n = int(observed.sum())
        summary_rows.append(
            {
                "definition": key,
                "description": desc,
                "n_observed": n,
                "n_higher": nh,
                "n_lower": nl,
                "n_deviating": nh + nl,
                "share_higher": nh / n if n else np.nan,
                "share_lower": nl / n if n else np.nan,
                "share_deviating": (nh + nl) / n if n else np.nan,
            }
        )
        tmp = wijken[observed].assign(_f=f)
        by = ["gemeentecode", "gemeentenaam"] if "gemeentenaam" in tmp else ["gemeentecode"]
        involved = tmp.loc[np.isin(tmp._f, ["higher", "lower"]), by[-1]]
        summary_rows[-1]["gemeenten"] = "; ".join(sorted(involved.dropna().unique()))
        for keys, g in tmp.groupby(by, sort=True):
            keys = keys if isinstance(keys, tuple) else (keys,)
            row = dict(zip(by, keys, strict=True))
            gh, gl = int((g._f == "higher").sum()), int((g._f == "lower").sum())
            row.update(definition=key, n_observed=len(g), n_higher=gh, n_lower=gl, n_deviating=gh + gl)
            gem_rows.append(row)
    summary = pd.DataFrame(summary_rows)
    by_gem = pd.DataFrame(gem_rows)
    if for_report:
        summary = protect(
            summary,
            ["n_observed", "n_higher", "n_lower", "n_deviating"],
            rate_cols={"share_higher": "n_higher", "share_lower": "n_lower", "share_deviating": "n_deviating"},
            column_totals=False,
            source=f"deviation_share {code}",
        )
        for s, c in (("share_higher", "n_higher"), ("share_lower", "n_lower"), ("share_deviating", "n_deviating")):
            summary[s] = (summary[c] / summary["n_observed"]).where(summary[s].notna())
        parts = []
        for key, g in by_gem.groupby("definition", sort=False):
            parts.append(
                protect(
                    g.reset_index(drop=True),
                    ["n_observed", "n_higher", "n_lower", "n_deviating"],
                    source=f"deviation_share {code} {key}",
                )
            )
        by_gem = pd.concat(parts, ignore_index=True)
        wijken = wijken.drop(columns=[k for k, _, _ in defs])  # per-wijk flags reveal the counts
    return DeviationShare(
        region_code=code,
        region_name=name,
        summary=summary,
        by_gemeente=by_gem,
        wijken=wijken,
        n_unobserved=int((~observed).sum()),
        protected=for_report,
        definitions={k: d for k, d, _ in defs},
    )
