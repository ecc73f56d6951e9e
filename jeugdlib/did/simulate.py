"""A SYNTHETIC gemeente panel calibrated to CPB's wijkteam/POH-jeugd figures, with known effects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError

__all__ = ["CPB_TARGETS", "TRUE_EFFECT_PREFIX", "simulate_cpb_panel", "true_att"]

#: Calibration targets of :func:`simulate_cpb_panel` (CPB 2020, see domain notes).
CPB_TARGETS = {
    "growth_second_line_2013_2018_pct": 7.0,
    "share_helping_wijkteams": 0.64,
    "share_poh_funding": 0.54,
    "growth_met_verblijf_much_help_pct": 11.0,
    "growth_met_verblijf_little_help_pct": 25.0,
}

#: The true effect of every gemeente-year on ``<outcome>`` is in column ``TRUE_EFFECT_PREFIX + outcome``.
TRUE_EFFECT_PREFIX = "true_effect_"
_TRUE_OUTCOMES = ("ln_met_verblijf", "ln_zonder_verblijf")


def simulate_cpb_panel(
    n_gemeenten: int = 350,
    years: Sequence[int] = tuple(range(2011, 2021)),
    seed: int | None = 0,
    *,
    effect_scale: float = 1.0,
    noise: float = 0.03,
) -> pd.DataFrame:
    """SYNTHETIC gemeente panel calibrated to CPB's wijkteam/POH figures.

    **SYNTHETIC DATA** — not real gemeenten: codes are ``GM9000`` upwards (no such real
    codes), every row has ``synthetic=True`` and ``attrs["synthetic"]`` is ``True``. Use it
    to learn and test the DiD workflow only.

    Design (calibrated to CPB 2020, targets in :data:`CPB_TARGETS`):

    * helping wijkteams adopted in 2015 (30% of gemeenten), 2016 (17%), 2017 (10%), 2018
      (7%): 64% by 2018; 36% never (``jaar_wijkteam = 0``);
    * POH-jeugd funding in 54% of gemeenten (``jaar_poh``), staggered 2015-2018, with
      **no** true effect (CPB found no difference);
    * ``intensiteit_wijkteam``: share of children helped by the wijkteam (0-0.03 without
      a helping wijkteam, 0.02-0.16 with one);
    * counterfactual growth 2013->2018: met verblijf about +25%, zonder verblijf about
      +7%; second-line total is the sum;
    * the true effect of a helping wijkteam on ``ln_met_verblijf`` grows with exposure
      ``e = t - g``: ``-effect_scale * 1.0 * intensity * min(e + 1, 4) / 4`` (larger for
      early adopters, who are more intense on average), giving about +11% growth with much
      versus +25% with little/no wijkteam help; the effect on ``ln_zonder_verblijf`` is a
      quarter of that. Effects are heterogeneous and dynamic, which is what biases static
      TWFE.

    Parameters
    ----------
    n_gemeenten:
        Number of synthetic gemeenten (at most 1000).
    years:
        Consecutive years; must start before 2015 to have pre-periods.
    seed:
        Random seed.
    effect_scale:
        Multiplies the true effects (0 = no effect anywhere).
    noise:
        Standard deviation of the idiosyncratic log noise.

    Returns
    -------
    DataFrame
        One row per gemeente-year: ``gemeentecode, jaar, n_jeugdigen, jeugdhulp_totaal,
        jeugdhulp_zonder_verblijf, jeugdhulp_met_verblijf`` (counts of children), ``ln_``
        versions of the three outcomes, ``jaar_wijkteam`` (cohort, 0 = never),
        ``wijkteam_helpt`` (treated in that year), ``intensiteit_wijkteam``, ``jaar_poh``,
        ``poh_jeugd``, ``synthetic``, and the true effects ``true_effect_ln_met_verblijf``
        and ``true_effect_ln_zonder_verblijf`` (read them with :func:`true_att`; they are
        columns so that they survive filtering, merging and copying).
    """
    if not 2 <= n_gemeenten <= 1000:
        raise ValueError("n_gemeenten must be between 2 and 1000")
    years = np.asarray(list(years), int)
    if years.size < 3 or np.any(np.diff(years) != 1) or years[0] >= 2015:
        raise ValueError("years must be >= 3 consecutive years starting before 2015")
    rng = np.random.default_rng(seed)
    n = n_gemeenten
    codes = np.array([f"GM{9000 + i:04d}" for i in range(n)])
    pop = np.exp(rng.normal(np.log(9000), 0.7, n)).clip(2500, 120_000).round()
    cohort = rng.choice([2015, 2016, 2017, 2018, 0], size=n, p=[0.30, 0.17, 0.10, 0.07, 0.36])
    helping = cohort > 0
    # early adopters help more children on average: heterogeneity across cohorts
    base_int = np.where(helping, rng.uniform(0.02, 0.16, n), rng.uniform(0.0, 0.03, n))
    base_int = np.where(cohort == 2015, base_int * 1.15, base_int).clip(0, 0.2)
    poh = rng.random(n) < 0.54
    jaar_poh = np.where(poh, rng.choice([2015, 2016, 2017, 2018], size=n), 0)

    # baseline rates per child (2013) and unit-specific trends
    rate_met = np.exp(rng.normal(np.log(0.011), 0.2, n))
    rate_zonder = np.exp(rng.normal(np.log(0.088), 0.15, n))
    trend_met = np.log(1.25) / 5 + rng.normal(0, 0.004, n)
    trend_zonder = np.log(1.07) / 5 + rng.normal(0, 0.003, n)
    year_shock = rng.normal(0, 0.004, years.size)

    t = years[None, :] - 2013
    e = years[None, :] - np.where(helping, cohort, 10_000)[:, None]
    exposure = np.where(e >= 0, np.minimum(e + 1, 4) / 4, 0.0)
    tau_met = -effect_scale * 1.0 * base_int[:, None] * exposure
    tau_zonder = 0.25 * tau_met
    ln_met = (
        np.log(rate_met * pop)[:, None]
        + trend_met[:, None] * t
        + year_shock
        + tau_met
        + rng.normal(0, noise, (n, years.size))
    )
    ln_zonder = (
        np.log(rate_zonder * pop)[:, None]
        + trend_zonder[:, None] * t
        + 0.6 * year_shock
        + tau_zonder
        + rng.normal(0, noise, (n, years.size))
    )
    met = np.round(np.exp(ln_met)).astype(int)
    zonder = np.round(np.exp(ln_zonder)).astype(int)
    out = pd.DataFrame(
        {
            "gemeentecode": np.repeat(codes, years.size),
            "jaar": np.tile(years, n),
            "n_jeugdigen": np.repeat(pop.astype(int), years.size),
            "jeugdhulp_totaal": (met + zonder).ravel(),
            "jeugdhulp_zonder_verblijf": zonder.ravel(),
            "jeugdhulp_met_verblijf": met.ravel(),
            "jaar_wijkteam": np.repeat(cohort, years.size),
            "intensiteit_wijkteam": np.repeat(base_int.round(4), years.size),
            "jaar_poh": np.repeat(jaar_poh, years.size),
        }
    )
    out["ln_totaal"] = np.log(out["jeugdhulp_totaal"])
    out["ln_zonder_verblijf"] = np.log(out["jeugdhulp_zonder_verblijf"])
    out["ln_met_verblijf"] = np.log(out["jeugdhulp_met_verblijf"])
    out["wijkteam_helpt"] = ((out["jaar_wijkteam"] > 0) & (out["jaar"] >= out["jaar_wijkteam"])).astype(int)
    out["poh_jeugd"] = ((out["jaar_poh"] > 0) & (out["jaar"] >= out["jaar_poh"])).astype(int)
    out["synthetic"] = True
    out[TRUE_EFFECT_PREFIX + "ln_met_verblijf"] = tau_met.ravel()
    out[TRUE_EFFECT_PREFIX + "ln_zonder_verblijf"] = tau_zonder.ravel()
    out.attrs["synthetic"] = True  # pandas users look for this flag; the rows carry it too
    return out


def true_att(
    panel: pd.DataFrame,
    outcome: str = "ln_met_verblijf",
    kind: Literal["gt", "simple", "dynamic"] = "gt",
) -> pd.DataFrame | float:
    """True effects of a :func:`simulate_cpb_panel` panel.

    Parameters
    ----------
    panel:
        Output of :func:`simulate_cpb_panel` (uses its ``true_effect_<outcome>`` column).
    outcome:
        ``ln_met_verblijf`` or ``ln_zonder_verblijf``.
    kind:
        ``gt`` (table ``group, time, att``: the mean effect over the cohort's gemeenten,
        every period but the first), ``simple`` (cohort-size weighted post-period
        average, the estimand of ``aggregate("simple")``) or ``dynamic`` (``event_time,
        att`` with cohort-size weights).
    """
    col = TRUE_EFFECT_PREFIX + outcome
    if outcome not in _TRUE_OUTCOMES or col not in panel.columns:
        raise DataError(
            f"true_att: panel has no column {col!r}; use simulate_cpb_panel output and an outcome in {_TRUE_OUTCOMES}."
        )
    treated = panel[(panel["jaar_wijkteam"] > 0) & (panel["jaar"] > panel["jaar"].min())]
    gt = (
        treated.groupby(["jaar_wijkteam", "jaar"])[col]
        .mean()
        .rename("att")
        .reset_index()
        .rename(columns={"jaar_wijkteam": "group", "jaar": "time"})
        .astype({"group": int, "time": int})
    )
    if kind == "gt":
        return gt
    sizes = panel.groupby("gemeentecode")["jaar_wijkteam"].first().value_counts()
    w = gt["group"].map(sizes).astype(float)
    if kind == "simple":
        post = gt["time"] >= gt["group"]
        return float(np.average(gt.loc[post, "att"], weights=w[post]))
    if kind == "dynamic":
        gt = gt.assign(event_time=gt["time"] - gt["group"], w=w)
        return (
            gt.groupby("event_time")
            .apply(lambda d: np.average(d["att"], weights=d["w"]), include_groups=False)
            .rename("att")
            .reset_index()
        )
    raise ValueError("kind must be gt, simple or dynamic")
