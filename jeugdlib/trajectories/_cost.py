"""Cost decomposition (LMDI) and provider indicators ("tellen en vertellen")."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from jeugdlib.disclosure import Rate, protect
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.trajectories._codes import DAYS_PER_MONTH, VOLGENS_PLAN
from jeugdlib.trajectories._data import LoadedTable, table_of, window
from jeugdlib.trajectories._durations import _fit_km, _median
from jeugdlib.trajectories._episodes import DEFAULT_MAX_GAP_DAYS, _check, day_numbers, default_as_of, episodes
from jeugdlib.trajectories._simulate import SimulatedTrajectories

__all__ = ["CostDecomposition", "cost_decomposition", "lmdi", "provider_indicators"]

DateLike = str | dt.date | pd.Timestamp

#: Names of the three factors of cost = clients x care-months/client x cost/care-month.
FACTORS: tuple[str, ...] = ("clients", "care_months_per_client", "cost_per_care_month")


def _logmean(a: float, b: float) -> float:
    """Logarithmic mean L(a, b) = (a - b) / (ln a - ln b), L(a, a) = a."""
    if a <= 0 or b <= 0:
        raise DataError("LMDI needs positive values in both years (clients, care-months and cost).")
    return a if np.isclose(a, b, rtol=1e-12, atol=0) else (a - b) / (np.log(a) - np.log(b))


def lmdi(total_0: float, total_t: float, factors_0: dict[str, float], factors_t: dict[str, float]) -> dict[str, float]:
    """Additive LMDI-I decomposition of ``total_t - total_0``.

    With ``total = prod(factors)`` the effect of factor ``x`` is
    ``L(total_t, total_0) * ln(x_t / x_0)``; the effects sum exactly to the
    change of the total because ``ln(total_t/total_0) = sum ln(x_t/x_0)``.

    Parameters
    ----------
    total_0, total_t:
        The aggregate in the base and end period (must equal the product of
        the factors).
    factors_0, factors_t:
        ``{name: value}`` in the base and end period; all positive.

    Returns
    -------
    dict
        ``{name: effect}`` in the units of the total.

    Raises
    ------
    DataError
        The two periods name different factors, a value is not a positive finite
        number, or a total differs from the product of its factors (relative tolerance
        1e-9): the effects would then not add up to the change of the total.
    """
    if not factors_0 or set(factors_0) != set(factors_t):
        raise DataError(
            f"lmdi: factors_0 and factors_t must name the same factors (got {sorted(factors_0)} and "
            f"{sorted(factors_t)})."
        )
    values = np.array([total_0, total_t, *factors_0.values(), *factors_t.values()], dtype=float)
    if not (np.isfinite(values).all() and (values > 0).all()):
        raise DataError("lmdi: totals and factors must be positive finite numbers (LMDI takes their logarithms).")
    for when, total, factors in (("base", total_0, factors_0), ("end", total_t, factors_t)):
        product = float(np.prod([factors[k] for k in factors_0]))
        if not np.isclose(total, product, rtol=1e-9, atol=0):
            raise DataError(
                f"lmdi: the {when} total {total:.10g} is not the product of its factors "
                f"({' × '.join(factors_0)} = {product:.10g}); the effects would not add up to the change. Pass "
                "totals equal to the product of the factors (e.g. cost = clients × care_months_per_client × "
                "cost_per_care_month)."
            )
    w = _logmean(total_t, total_0)
    return {k: w * float(np.log(factors_t[k] / factors_0[k])) for k in factors_0}


@dataclass
class CostDecomposition:
    """Result of :func:`cost_decomposition`: ``summary()`` and ``plot()``, deliberately no ``tidy()``.

    This is not an estimator result and does not derive from :class:`jeugdlib.results.Result`.
    LMDI is an exact accounting identity on the observed totals (every claim and every
    day of care of the extract, not a sample): the effects add up exactly to the change
    in cost and carry no sampling model, so there is no standard error, test or interval.
    A ``tidy()`` row would be ``estimate`` with NaN in every other standard column, which
    invites reading "NaN" as "uncertainty unknown" and lets the effects be stacked with
    estimates by :func:`jeugdlib.results.etable` as if they were comparable. The exact
    figures are in :attr:`effects` (and :meth:`published` for publication).

    Attributes
    ----------
    yearly:
        Per year: ``clients`` (distinct clients in care), ``care_months``
        (trajectory days in the year / (365.25/12)), ``cost`` (euro, claims
        allocated to the year pro rata by days), ``care_months_per_client``,
        ``cost_per_care_month``, ``cost_per_client``, ``complete`` (year
        ends on or before ``as_of``).
    effects:
        Index ``clients``, ``care_months_per_client``, ``cost_per_care_month``
        and ``total``: ``effect_eur`` (LMDI-I, additive: the three effects sum
        exactly to the total change), ``share_of_change``, ``log_ratio``.
    chained:
        The same decomposition for each pair of consecutive years.
    n_unmatched_claims, unmatched_amount:
        Claim lines (and their amount) whose toewijzingnummer is not in the
        trajectory table; they are left out.
    """

    yearly: pd.DataFrame
    effects: pd.DataFrame
    chained: pd.DataFrame
    base_year: int
    end_year: int
    n_unmatched_claims: int
    unmatched_amount: float
    method: str = "LMDI-I (additive)"

    def summary(self) -> str:
        """The decomposition as printable text (euro, unprotected figures)."""
        eff = self.effects
        lines = [f"Cost decomposition {self.base_year}–{self.end_year} ({self.method}; exact, no sampling error)"]
        for k in [*FACTORS, "total"]:
            share = eff.loc[k, "share_of_change"]
            share_txt = f"{share:7.1%}" if np.isfinite(share) else "    n/a"
            lines.append(f"  {k:<24s} {eff.loc[k, 'effect_eur']:>16,.2f} EUR  {share_txt}")
        if self.n_unmatched_claims:
            lines.append(
                f"  ({self.n_unmatched_claims} unmatched claim lines, EUR {self.unmatched_amount:,.2f}, left out)"
            )
        return "\n".join(lines)

    def plot(self, **kwargs):
        """Waterfall of the effects (:func:`jeugdlib.plots.trajectories.plot_cost_decomposition`)."""
        from jeugdlib.plots.trajectories import plot_cost_decomposition

        return plot_cost_decomposition(self, **kwargs)

    def check_additivity(self) -> float:
        """Return the absolute gap between the sum of effects and the total change."""
        eff = self.effects["effect_eur"]
        return float(abs(eff[list(FACTORS)].sum() - eff["total"]))

    def published(self, threshold: int = 10, base: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The yearly table and the effects, safe to publish.

        Client counts are protected (suppressed below ``threshold``, rounded to
        ``base``), and the per-client ratios are recomputed from the *rounded*
        counts so that ``cost / cost_per_client`` cannot undo the rounding. When
        the clients of the base or end year are suppressed, the ``clients`` and
        ``care_months_per_client`` effects (whose log-ratio would reveal the
        count ratio) are suppressed too.
        """
        yr = protect(
            self.yearly.drop(columns="complete"),
            ["clients"],
            threshold=threshold,
            base=base,
            column_totals=False,
            source="kosten per jaar",
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            yr["care_months_per_client"] = yr["care_months"] / yr["clients"]
            yr["cost_per_client"] = yr["cost"] / yr["clients"]
        r0, r1 = yr.loc[self.base_year], yr.loc[self.end_year]
        if pd.isna(r0["clients"]) or pd.isna(r1["clients"]):
            eff = self.effects.copy()
            eff.loc[["clients", "care_months_per_client"], :] = np.nan
            return yr, eff
        # LMDI on the published (rounded) factors: still exactly additive, reveals no exact count
        f0 = {k: float(r0[k]) for k in FACTORS}
        f1 = {k: float(r1[k]) for k in FACTORS}
        eff = lmdi(float(r0["cost"]), float(r1["cost"]), f0, f1)
        total = float(r1["cost"] - r0["cost"])
        eff["total"] = total
        effects = pd.DataFrame(
            {
                "effect_eur": pd.Series(eff),
                "share_of_change": pd.Series({k: (v / total if total else np.nan) for k, v in eff.items()}),
                "log_ratio": pd.Series(
                    {
                        **{k: float(np.log(f1[k] / f0[k])) for k in FACTORS},
                        "total": float(np.log(r1["cost"] / r0["cost"])),
                    }
                ),
            }
        ).loc[[*FACTORS, "total"]]
        return yr, effects


def _year_day(year: int, month: int = 1, day: int = 1) -> int:
    return (pd.Timestamp(year=year, month=month, day=day) - pd.Timestamp("1970-01-01")).days


def cost_decomposition(
    trajectories: pd.DataFrame | LoadedTable | SimulatedTrajectories,
    claims: pd.DataFrame | LoadedTable,
    base_year: int,
    end_year: int,
    *,
    as_of: DateLike | None = None,
    unmatched: Literal["warn", "ignore"] = "warn",
) -> CostDecomposition:
    """Split the growth of youth-care cost into volume, duration and price.

    ``cost = clients × (care-months / client) × (cost / care-month)``; the
    change from ``base_year`` to ``end_year`` is decomposed with the additive
    log-mean Divisia index (LMDI-I), so the three effects sum exactly to the
    total change. AEF (*Stelsel in groei*, 2020) found that cost rose through
    longer trajectories and higher cost per client rather than more clients:
    that is a large ``care_months_per_client`` effect.

    Parameters
    ----------
    trajectories:
        Trajectory table (assignment level; care-months are trajectory-days,
        so a client in two forms of help at once counts both).
    claims:
        Claims table (DataFrame or :class:`LoadedTable`, e.g. from :func:`read_claims` or
        ``traj, claims = simulate_trajectories(...)``); lines are linked through
        ``toewijzingnummer`` (including numbers merged by the CBS rule) and
        allocated to calendar years pro rata by days.
    base_year, end_year:
        Years compared (``base_year < end_year``).
    as_of:
        Censoring date for running trajectories (default: ``trajectories.as_of`` of a
        :class:`LoadedTable` / :class:`SimulatedTrajectories`, or the latest date, with a
        :class:`jeugdlib.JeugdlibWarning` for a plain DataFrame).
    unmatched:
        ``"warn"`` (default) issues a :class:`jeugdlib.JeugdlibWarning` when
        claim lines do not match a trajectory; ``"ignore"`` is for claims of
        several gemeenten against a one-gemeente trajectory table. Either way
        they are left out and counted in the result.

    Returns
    -------
    CostDecomposition
    """
    if end_year <= base_year:
        raise ValueError("end_year must be after base_year")
    trajectories, as_of, _ = window(trajectories, as_of, func="cost_decomposition")
    claims = table_of(claims)
    _check(trajectories, "cost_decomposition")
    for c in ("toewijzingnummer", "periode_start", "periode_eind", "bedrag"):
        if c not in claims.columns:
            raise DataError(f"cost_decomposition: claims column {c!r} missing; load claims with load_claims.")
    ref = default_as_of(trajectories, as_of)
    ref_day = (ref - pd.Timestamp("1970-01-01")).days
    years = np.arange(base_year, end_year + 1)
    b = day_numbers(trajectories["begindatum"])
    e = day_numbers(trajectories["einddatum"])
    e = np.where((e < 0) | (e > ref_day), ref_day, e)
    client = pd.factorize(trajectories["client_id"])[0]
    # claims linked to the trajectories
    numbers = trajectories["toewijzingnummer"].astype(object)
    if "samengevoegd_uit" in trajectories.columns:
        extra = trajectories["samengevoegd_uit"].dropna()
        if len(extra):
            numbers = pd.concat([numbers, extra.str.split(";").explode()], ignore_index=True)
    linked = claims["toewijzingnummer"].astype(object).isin(pd.Index(numbers.unique()))
    n_unmatched = int((~linked).sum())
    unmatched_amount = float(claims.loc[~linked, "bedrag"].sum())
    if n_unmatched and unmatched == "warn":
        warnings.warn(
            f"cost_decomposition: {n_unmatched} claim line(s) (EUR {unmatched_amount:,.2f}) have a "
            "toewijzingnummer that is not in the trajectory table; they are left out.",
            JeugdlibWarning,
            stacklevel=2,
        )
    cl = claims.loc[linked]
    ps = day_numbers(cl["periode_start"])
    pe = day_numbers(cl["periode_eind"])
    amount = cl["bedrag"].to_numpy(dtype=float)
    span = (pe - ps + 1).astype(float)
    rows = []
    for y in years:
        y0, y1 = _year_day(int(y)), _year_day(int(y) + 1) - 1
        days = np.clip(np.minimum(e, y1) - np.maximum(b, y0) + 1, 0, None)
        in_care = days > 0
        n_clients = int(np.count_nonzero(np.bincount(client[in_care]))) if in_care.any() else 0
        overlap = np.clip(np.minimum(pe, y1) - np.maximum(ps, y0) + 1, 0, None)
        cost = float((amount * overlap / span).sum())
        months = float(days.sum() / DAYS_PER_MONTH)
        rows.append(
            {"year": int(y), "clients": n_clients, "care_months": months, "cost": cost, "complete": y1 <= ref_day}
        )
    yearly = pd.DataFrame(rows).set_index("year")
    with np.errstate(invalid="ignore", divide="ignore"):
        yearly["care_months_per_client"] = yearly["care_months"] / yearly["clients"]
        yearly["cost_per_care_month"] = yearly["cost"] / yearly["care_months"]
        yearly["cost_per_client"] = yearly["cost"] / yearly["clients"]
    yearly = yearly[
        [
            "clients",
            "care_months",
            "cost",
            "care_months_per_client",
            "cost_per_care_month",
            "cost_per_client",
            "complete",
        ]
    ]
    if not yearly.loc[end_year, "complete"]:
        warnings.warn(
            f"cost_decomposition: {end_year} is not complete on {ref.date()}; its figures cover part of the year.",
            JeugdlibWarning,
            stacklevel=2,
        )

    def decompose(y0: int, y1: int) -> dict[str, float]:
        r0, r1 = yearly.loc[y0], yearly.loc[y1]
        for r, y in ((r0, y0), (r1, y1)):
            if not (r["clients"] > 0 and r["care_months"] > 0 and r["cost"] > 0):
                raise DataError(
                    f"cost_decomposition: year {y} has no clients, care-months or cost "
                    f"(clients={r['clients']}, care_months={r['care_months']:.1f}, cost={r['cost']:.2f}); "
                    "choose years covered by both the trajectory and the claims table."
                )
        f0 = {k: float(r0[k]) for k in FACTORS}
        f1 = {k: float(r1[k]) for k in FACTORS}
        eff = lmdi(float(r0["cost"]), float(r1["cost"]), f0, f1)
        eff["total"] = float(r1["cost"] - r0["cost"])
        return eff

    eff = decompose(base_year, end_year)
    total = eff["total"]
    effects = pd.DataFrame(
        {
            "effect_eur": pd.Series(eff),
            "share_of_change": pd.Series({k: (v / total if total else np.nan) for k, v in eff.items()}),
            "log_ratio": pd.Series(
                {
                    **{k: float(np.log(yearly.loc[end_year, k] / yearly.loc[base_year, k])) for k in FACTORS},
                    "total": float(np.log(yearly.loc[end_year, "cost"] / yearly.loc[base_year, "cost"])),
                }
            ),
        }
    ).loc[[*FACTORS, "total"]]
    chained = pd.DataFrame(
        [{"from_year": int(y), "to_year": int(y) + 1, **decompose(int(y), int(y) + 1)} for y in years[:-1]]
    )
    return CostDecomposition(
        yearly=yearly,
        effects=effects,
        chained=chained,
        base_year=base_year,
        end_year=end_year,
        n_unmatched_claims=n_unmatched,
        unmatched_amount=unmatched_amount,
    )


def provider_indicators(
    trajectories: pd.DataFrame | LoadedTable | SimulatedTrajectories,
    *,
    as_of: DateLike | None = None,
    max_gap_days: int = DEFAULT_MAX_GAP_DAYS,
    threshold: int = 10,
    base: int = 5,
    total: bool = True,
    protected: bool = True,
) -> pd.DataFrame:
    """ "Tellen en vertellen": duration and extension figures per aanbieder.

    Parameters
    ----------
    trajectories:
        Trajectory table (or an episode table from :func:`episodes`).
    as_of, max_gap_days:
        Passed to :func:`episodes`.
    threshold, base:
        Disclosure parameters passed to :func:`jeugdlib.disclosure.protect`.
    total:
        Add a ``"Totaal"`` row (all providers).
    protected:
        Protect the counts (default). ``False`` returns the exact figures, for the publication
        boundary (:func:`jeugdlib.trajectories.tables.provider_table`), which protects them together
        with the report's other tables and recomputes the percentages from the rounded counts.

    Returns
    -------
    DataFrame
        Index ``aanbieder``; count columns ``n_clients``, ``n_trajectories``,
        ``n_completed``, ``n_extended``, ``n_ended_to_plan`` (protected:
        counts below ``threshold`` suppressed, the rest rounded to ``base``,
        secondary suppression per column), ``median_duration_days``
        (Kaplan–Meier), ``pct_extended`` (of trajectories) and
        ``pct_ended_to_plan`` (of completed trajectories, reden beëindiging
        31). The percentages are recomputed from the published (rounded)
        counts; medians are suppressed wherever their count is suppressed.
        :func:`jeugdlib.disclosure.protect_table` gives what was suppressed.
    """
    df, as_of, _ = window(trajectories, as_of, func="provider_indicators")
    ep = episodes(df, max_gap_days=max_gap_days, as_of=default_as_of(df, as_of))
    d = ep["duur_dagen"].to_numpy(dtype=np.int64)
    ev = (~ep["lopend"].to_numpy(dtype=bool)).astype(np.int64)
    ext = ep["n_verlengingen"].to_numpy() >= 1
    plan = (ep["reden_beeindiging"].astype(object) == VOLGENS_PLAN).to_numpy() & (ev == 1)
    rows = []
    groups = dict(ep.groupby("aanbieder", observed=True, sort=True).indices)
    if total and any(str(g).strip().lower() == "totaal" for g in groups):
        raise DataError(
            "provider_indicators: a provider is named 'Totaal', the label of the total row; rename that provider "
            "in the trajectory file (e.g. to its AGB code) or pass total=False."
        )
    if total:
        groups["Totaal"] = np.arange(len(ep))
    for name, idx in groups.items():
        n_traj = len(idx)
        n_done = int(ev[idx].sum())
        rows.append(
            {
                "aanbieder": name,
                "n_clients": int(ep["client_id"].iloc[idx].nunique()),
                "n_trajectories": n_traj,
                "n_completed": n_done,
                "median_duration_days": _median(_fit_km(d[idx], ev[idx], None)),
                "n_extended": int(ext[idx].sum()),
                "pct_extended": 100.0 * ext[idx].sum() / n_traj,
                "n_ended_to_plan": int(plan[idx].sum()),
                "pct_ended_to_plan": 100.0 * plan[idx].sum() / n_done if n_done else np.nan,
            }
        )
    table = pd.DataFrame(rows).set_index("aanbieder")
    table.index = table.index.astype(str)
    if not protected:
        return table
    return protect(
        table,
        count_cols=["n_clients", "n_trajectories", "n_completed", "n_extended", "n_ended_to_plan"],
        threshold=threshold,
        base=base,
        rate_cols={"median_duration_days": ["n_trajectories"]},
        # percentages from the published, rounded counts: a rate on exact counts would undo the rounding
        rates={
            "pct_extended": Rate("n_extended", "n_trajectories"),
            "pct_ended_to_plan": Rate("n_ended_to_plan", "n_completed"),
        },
        total_row="Totaal" if total else None,
        distinct_cols=["n_clients"],  # a client seen by two providers is one client in the total: not a sum
        source="provider_indicators",
    )
