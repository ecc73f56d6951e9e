"""SYNTHETIC trajectory and claims data for tests and demonstrations.

Nothing here is estimated from real data: the parameters are round numbers
chosen to give plausible *shapes* (durations per category, extension chains,
sequential care paths, censoring, monthly claims with indexed tariffs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from jeugdlib.trajectories._codes import _codes
from jeugdlib.trajectories._data import LoadedTable, LoadReport

__all__ = ["SCENARIOS", "SimulatedTrajectories", "simulate_trajectories"]

SCENARIOS: dict[str, str] = {
    "baseline": "stable inflow, stable durations; tariffs indexed 3% a year",
    "longer_durations": (
        "stable inflow, durations of trajectories starting after `start` grow 8% a year "
        "(AEF: cost rises through lagging outflow, not inflow); tariffs indexed 3% a year"
    ),
}

_SYNTHETIC_NOTE = (
    "SYNTHETIC data from jeugdlib.trajectories.simulate_trajectories: for tests and demonstrations "
    "only; no real clients, providers or gemeenten."
)

# category parameters: first-trajectory probability, median duration (days), lognormal sigma,
# assignment length (days), probability of a next trajectory, claim unit, tariff (euro/unit, base year),
# units per month
_CATS: dict[str, tuple[float, float, float, int, float, str, float, float]] = {
    "45": (0.46, 150, 0.9, 182, 0.38, "04", 85.0, 6.0),  # ambulant, hours
    "54": (0.14, 210, 0.8, 365, 0.35, "04", 110.0, 5.0),  # jeugd-ggz, hours
    "51": (0.12, 100, 0.6, 182, 0.40, "82", 450.0, 1.0),  # basis-ggz, product per month
    "41": (0.06, 240, 0.7, 182, 0.40, "16", 65.0, 10.0),  # dagbehandeling, dagdelen
    "43": (0.04, 330, 0.8, 365, 0.45, "14", 260.0, 30.44),  # verblijf incl. behandeling, etmaal
    "44": (0.03, 420, 0.8, 365, 0.35, "14", 140.0, 30.44),  # verblijf excl. behandeling, etmaal
    "48": (0.07, 365, 0.6, 365, 0.30, "82", 1400.0, 1.0),  # jeugdbescherming, per month
    "47": (0.02, 270, 0.5, 365, 0.25, "82", 950.0, 1.0),  # jeugdreclassering, per month
    "40": (0.04, 365, 0.9, 365, 0.20, "04", 55.0, 8.0),  # persoonlijke verzorging, hours
    "46": (0.02, 28, 0.5, 28, 0.80, "14", 400.0, 30.44),  # crisis, etmaal
}

# next-category weights (rows: current category)
_NEXT: dict[str, dict[str, float]] = {
    "45": {"45": 30, "54": 20, "51": 10, "41": 12, "43": 6, "44": 6, "48": 6, "46": 5, "40": 5},
    "54": {"45": 35, "54": 20, "41": 15, "43": 10, "51": 10, "46": 10},
    "51": {"54": 40, "45": 45, "41": 10, "40": 5},
    "41": {"45": 45, "54": 20, "43": 20, "44": 15},
    "43": {"44": 30, "45": 40, "41": 10, "43": 10, "46": 10},
    "44": {"45": 50, "44": 20, "43": 15, "48": 15},
    "48": {"45": 30, "44": 30, "43": 20, "48": 20},
    "47": {"45": 50, "48": 30, "47": 20},
    "40": {"45": 60, "40": 40},
    "46": {"43": 40, "45": 40, "44": 20},
}

_END_REASONS = (["31", "32", "33", "34", "35", "36", "38", "39"], [0.58, 0.12, 0.05, 0.12, 0.04, 0.02, 0.05, 0.02])
_REFERRERS = (["01", "02", "03", "05", "06", "04"], [0.42, 0.33, 0.07, 0.10, 0.06, 0.02])


@dataclass(frozen=True)
class SimulatedTrajectories:
    """SYNTHETIC trajectories and claims, with the facts of the simulated extract as typed fields.

    Iterating gives ``(trajectories, claims)`` as :class:`LoadedTable` s, so that
    ``traj, claims = simulate_trajectories(...)`` keeps the observation window:
    ``traj.as_of`` / ``traj.observed_from`` are the simulation's ``end`` / ``start`` and
    ``claims.as_of`` its ``end`` (``claims`` is ``None`` when not requested), and every
    analysis takes them from there, giving the same numbers as passing ``as_of=`` and
    ``observed_from=`` explicitly. ``sim[0]`` / ``sim[1]`` are the same objects (as with
    the former NamedTuple). The plain DataFrames are :attr:`trajectories` and
    :attr:`claims` (``traj.table`` / ``claims.table`` after unpacking); both carry
    ``attrs['synthetic'] = True`` and ``attrs['description']``.

    The :class:`LoadedTable` s are the simulated tables as they are: not validated and
    not merged (about ``overlap_rate`` of the assignments have an overlapping duplicate);
    :func:`read_trajectories` applied to this object validates them and applies the CBS
    merge rule, keeping the window.

    Attributes
    ----------
    trajectories, claims:
        The tables (``claims`` is ``None`` when not requested).
    as_of:
        Censoring date (``end``): running trajectories have an empty ``einddatum``.
    observed_from:
        First date of the extract (``start``): it holds the trajectories active on or after it.
    scenario, seed:
        The simulation settings.
    description:
        The SYNTHETIC label.
    """

    trajectories: pd.DataFrame
    claims: pd.DataFrame | None
    as_of: pd.Timestamp
    observed_from: pd.Timestamp
    scenario: str
    seed: int
    description: str = _SYNTHETIC_NOTE

    @cached_property
    def _loaded(self) -> tuple[LoadedTable, LoadedTable | None]:
        note = (
            f"SYNTHETIC (simulate_trajectories, scenario {self.scenario!r}, seed {self.seed}); not validated "
            "or merged: read_trajectories(sim) applies the checks and the CBS merge rule"
        )

        def wrap(df: pd.DataFrame, kind: Literal["trajectories", "claims"]) -> LoadedTable:
            report = LoadReport(
                source="simulate_trajectories",
                table=kind,
                n_rows_in=len(df),
                n_rows_out=len(df),
                n_running=int(df["einddatum"].isna().sum()) if kind == "trajectories" else 0,
                as_of=self.as_of,
                notes=[note],
            )
            return LoadedTable(
                df, report, as_of=self.as_of, observed_from=self.observed_from if kind == "trajectories" else None
            )

        claims = wrap(self.claims, "claims") if self.claims is not None else None
        return wrap(self.trajectories, "trajectories"), claims

    def __iter__(self) -> Iterator[LoadedTable | None]:
        return iter(self._loaded)

    def __getitem__(self, i: int) -> LoadedTable | None:
        """``sim[0]``: the trajectories, ``sim[1]``: the claims (:class:`LoadedTable` s, as iterating gives)."""
        return self._loaded[i]

    def __len__(self) -> int:
        return 2


def _day(x: str | dt.date | pd.Timestamp) -> int:
    return int((pd.Timestamp(x).normalize() - pd.Timestamp("1970-01-01")).days)


def _to_dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def simulate_trajectories(
    n_clients: int = 10_000,
    start: str | dt.date | pd.Timestamp = "2018-01-01",
    end: str | dt.date | pd.Timestamp = "2023-12-31",
    seed: int = 0,
    scenario: Literal["baseline", "longer_durations"] = "baseline",
    *,
    gemeenten: tuple[str, ...] = ("GM9901", "GM9902", "GM9903"),
    n_providers: int = 40,
    claims: bool = True,
    overlap_rate: float = 0.02,
) -> SimulatedTrajectories:
    """Simulate SYNTHETIC youth-care trajectories and claims (tests and demos only).

    SYNTHETIC: the data are generated from round-number parameters, not from
    real clients; the tables carry ``attrs['synthetic'] = True`` and an
    ``attrs['description']`` saying so (the only attrs jeugdlib writes). Never present
    them as real figures.

    The data look like a municipal extract of iJw messages covering
    ``start``–``end``: all trajectories active on or after ``start``
    (``result.observed_from``), censored at ``end`` (``result.as_of``;
    running trajectories have an empty ``einddatum``). Clients enter care at
    a constant rate from four years before ``start``; each client follows a
    care path of one to five trajectories (product category transitions such
    as basis-ggz → jeugd-ggz, verblijf → ambulant), with lognormal durations
    per category. A trajectory longer than its assignment period is extended
    by new assignments (``reden_wijziging`` 04) that start the day after the
    previous one ends; in 20% of such trajectories the assignment is instead
    extended in place (one row, ``reden_wijziging`` 04). A share
    ``overlap_rate`` of assignments gets an overlapping duplicate assignment
    (same client, provider and category) that the CBS merge rule removes.
    Claims are monthly lines per assignment with units per category
    (hours, dagdelen, etmalen, products) and tariffs indexed 3% a year.

    Parameters
    ----------
    n_clients:
        Number of clients in the extract.
    start, end:
        Extract period; ``end`` is the censoring date.
    seed:
        Random seed (results are reproducible).
    scenario:
        ``"baseline"`` or ``"longer_durations"`` (see :data:`SCENARIOS`).
    gemeenten:
        Gemeentecodes to spread clients over (default: non-existent codes).
    n_providers:
        Number of (synthetic) providers.
    claims:
        Also simulate claims (set ``False`` for very large tables).
    overlap_rate:
        Share of assignments duplicated with an overlapping period.

    Returns
    -------
    SimulatedTrajectories
        Unpacks as ``traj, claims`` (:class:`LoadedTable` s carrying ``as_of`` = ``end`` and,
        for the trajectories, ``observed_from`` = ``start``; ``claims`` is ``None`` when not
        requested); the DataFrames are ``.trajectories`` and ``.claims``. Pass either form
        to the analyses: both give the numbers of the extract's window.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {list(SCENARIOS)}")
    if n_clients < 1:
        raise ValueError("n_clients must be positive")
    rng = np.random.default_rng(seed)
    s_day, e_day = _day(start), _day(end)
    if e_day <= s_day:
        raise ValueError("end must be after start")
    burn = 4 * 365
    cats = list(_CATS)
    kc = len(cats)
    p0 = np.array([_CATS[c][0] for c in cats])
    p0 = p0 / p0.sum()
    med = np.array([_CATS[c][1] for c in cats], dtype=float)
    sig = np.array([_CATS[c][2] for c in cats])
    alen = np.array([_CATS[c][3] for c in cats], dtype=np.int64)
    pnext = np.array([_CATS[c][4] for c in cats])
    trans = np.array([[_NEXT[c].get(d, 0.0) for d in cats] for c in cats])
    trans_cum = np.cumsum(trans / trans.sum(axis=1, keepdims=True), axis=1)
    growth = 0.08 if scenario == "longer_durations" else 0.0

    # --- clients and their care paths (episodes); oversample, keep clients active after start
    m = int(n_clients * 1.8) + 200
    entry = rng.integers(s_day - burn, e_day + 1, size=m)
    ep_client, ep_cat, ep_b, ep_e = [], [], [], []
    alive = np.ones(m, dtype=bool)
    cur_cat = np.searchsorted(np.cumsum(p0), rng.random(m), side="right").clip(0, kc - 1)
    cur_b = entry.astype(np.int64)
    ids = np.arange(m)
    for step in range(5):
        idx = ids[alive]
        c = cur_cat[idx]
        b = cur_b[idx]
        years_in = np.clip((b - s_day) / 365.25, 0, None)
        mult = np.exp(growth * years_in)
        dur = np.exp(np.log(med[c] * mult) + sig[c] * rng.standard_normal(len(idx)))
        dur = np.clip(np.round(dur), 1, 8 * 365).astype(np.int64)
        e = b + dur - 1
        ep_client.append(idx)
        ep_cat.append(c)
        ep_b.append(b)
        ep_e.append(e)
        cont = (rng.random(len(idx)) < pnext[c]) & (step < 4)
        gap = 14 + rng.exponential(75, len(idx)).astype(np.int64)
        nb = e + 1 + gap
        cont &= nb <= e_day
        u = rng.random(len(idx))
        nc = (trans_cum[c] < u[:, None]).sum(axis=1).clip(0, kc - 1)
        alive[:] = False
        alive[idx[cont]] = True
        cur_cat[idx[cont]] = nc[cont]
        cur_b[idx[cont]] = nb[cont]
    client = np.concatenate(ep_client)
    cat = np.concatenate(ep_cat)
    b = np.concatenate(ep_b)
    e = np.concatenate(ep_e)
    active = e >= s_day
    kept_clients = np.unique(client[active])
    rng.shuffle(kept_clients)
    kept_clients = np.sort(kept_clients[:n_clients])
    sel = active & np.isin(client, kept_clients)
    client, cat, b, e = client[sel], cat[sel], b[sel], e[sel]
    n_ep = len(client)
    # renumber clients 0..n-1 and attach attributes
    client = np.searchsorted(kept_clients, client)
    n_cl = len(kept_clients)
    gem = rng.integers(0, len(gemeenten), size=n_cl)
    prov = (cat * 7 + rng.integers(0, 8, size=n_ep)) % n_providers
    ref_p, ref_w = _REFERRERS
    verw = np.where(
        np.isin(cat, [cats.index("48"), cats.index("47")]),
        np.where(rng.random(n_ep) < 0.8, "04", "08"),
        rng.choice(ref_p, size=n_ep, p=ref_w),
    )
    variant = rng.integers(1, 4, size=n_ep)
    running = e > e_day
    end_p, end_w = _END_REASONS
    reason = rng.choice(end_p, size=n_ep, p=end_w)

    # --- assignments: split each episode into periods of the category's assignment length
    obs_e = np.minimum(e, e_day)
    n_assign = np.ceil((obs_e - b + 1) / alen[cat]).astype(np.int64)
    in_place = (n_assign > 1) & (rng.random(n_ep) < 0.2)
    n_assign = np.where(in_place, 1, n_assign)
    rows_ep = np.repeat(np.arange(n_ep), n_assign)
    k = np.arange(len(rows_ep)) - np.repeat(np.cumsum(n_assign) - n_assign, n_assign)
    rb = b[rows_ep] + k * alen[cat[rows_ep]]
    last = k == n_assign[rows_ep] - 1
    re = np.where(last, e[rows_ep], rb + alen[cat[rows_ep]] - 1)
    re_running = last & running[rows_ep]
    rw = np.where(k >= 1, "04", None).astype(object)
    rw[in_place[rows_ep]] = "04"
    admin = (k == 0) & ~in_place[rows_ep] & (rng.random(len(rows_ep)) < 0.03)
    rw[admin] = "14"
    rr = np.where(last & ~re_running, reason[rows_ep], None).astype(object)
    # overlapping duplicates (merged by the CBS rule)
    dup = rng.random(len(rows_ep)) < overlap_rate
    dup &= (np.where(re_running, e_day, re) - rb) > 10
    d_idx = np.flatnonzero(dup)
    d_start = rb[d_idx] + (np.where(re_running[d_idx], e_day, re[d_idx]) - rb[d_idx]) // 3
    rows_all = np.r_[np.arange(len(rows_ep)), d_idx]
    start_all = np.r_[rb, d_start]
    end_all = np.r_[re, re[d_idx]]
    run_all = np.r_[re_running, re_running[d_idx]]
    ep_all = rows_ep[rows_all]
    rw_all = np.r_[rw, np.full(len(d_idx), "03", dtype=object)]
    rr_all = np.r_[rr, rr[d_idx]]
    n_rows = len(rows_all)
    order = np.lexsort((start_all, client[ep_all]))
    cat_codes = np.array(cats, dtype=object)
    prov_names = np.array([f"SYN-AANB-{i + 1:02d}" for i in range(n_providers)], dtype=object)
    client_names = pd.Series(np.arange(n_cl)).astype(str).str.zfill(7).radd("SYN-K").to_numpy(dtype=object)
    toew = pd.Series(np.arange(n_rows)).astype(str).str.zfill(9).radd("SYN-T").to_numpy(dtype=object)
    cat_codes_rows = cat_codes[cat[ep_all]]
    end_dates = _to_dates(end_all)
    end_dates[run_all] = np.datetime64("NaT")
    traj = pd.DataFrame(
        {
            "client_id": client_names[client[ep_all]][order],
            "gemeentecode": pd.Categorical(np.array(gemeenten, dtype=object)[gem[client[ep_all]]][order]),
            "aanbieder": pd.Categorical(prov_names[prov[ep_all]][order]),
            "toewijzingnummer": toew,
            "productcategorie": pd.Categorical(cat_codes_rows[order], categories=list(_codes("productcategorie"))),
            "productcode": pd.Categorical(
                pd.Series(cat_codes_rows[order]) + "S" + pd.Series(variant[ep_all][order]).astype(str).str.zfill(2)
            ),
            "begindatum": _to_dates(start_all[order]),
            "einddatum": end_dates[order],
            "reden_beeindiging": pd.Categorical(rr_all[order], categories=list(_codes("reden_beeindiging"))),
            "reden_wijziging": pd.Categorical(rw_all[order], categories=list(_codes("reden_wijziging"))),
            "verwijzer": pd.Categorical(verw[ep_all][order], categories=list(_codes("verwijzer"))),
        }
    )
    attrs = {"synthetic": True, "description": _SYNTHETIC_NOTE}  # the SYNTHETIC label travels with the data
    traj.attrs = dict(attrs)
    claims_df = None
    if claims:
        claims_df = _simulate_claims(traj, cats, s_day, e_day, rng)
        claims_df.attrs = dict(attrs)
    return SimulatedTrajectories(
        traj,
        claims_df,
        as_of=pd.Timestamp(end).normalize(),
        observed_from=pd.Timestamp(start).normalize(),
        scenario=scenario,
        seed=seed,
    )


def _simulate_claims(
    traj: pd.DataFrame, cats: list[str], s_day: int, e_day: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Monthly claim lines for the part of each assignment inside the extract period (SYNTHETIC)."""
    b = traj["begindatum"].to_numpy().astype("datetime64[D]").astype(np.int64)
    e_raw = traj["einddatum"].to_numpy().astype("datetime64[D]")
    e = np.where(np.isnat(e_raw), e_day, e_raw.astype(np.int64))
    lo = np.maximum(b, s_day)
    keep = e >= lo
    idx = np.flatnonzero(keep)
    lo, hi = lo[idx], e[idx]
    m_lo = lo.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    m_hi = hi.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    n_m = m_hi - m_lo + 1
    r = np.repeat(np.arange(len(idx)), n_m)
    month = m_lo[r] + (np.arange(len(r)) - np.repeat(np.cumsum(n_m) - n_m, n_m))
    m_start = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    m_end = (month + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
    ps = np.maximum(m_start, lo[r])
    pe = np.minimum(m_end, hi[r])
    days = (pe - ps + 1).astype(float)
    cat_rows = traj["productcategorie"].astype(object).to_numpy()[idx][r]
    unit = np.array([_CATS[c][5] for c in cats], dtype=object)
    tariff = np.array([_CATS[c][6] for c in cats])
    per_month = np.array([_CATS[c][7] for c in cats])
    ci = pd.Index(cats).get_indexer(cat_rows)
    year = month // 12 + 1970
    start_year = int(pd.Timestamp(s_day, unit="D").year)
    tarief = np.round(tariff[ci] * 1.03 ** (year - start_year), 2)
    frac = days / 30.44
    vol = per_month[ci] * frac * rng.gamma(4.0, 0.25, len(r))
    is_day = unit[ci] == "14"
    vol = np.where(is_day, days, vol)
    is_prod = unit[ci] == "82"
    vol = np.where(is_prod, 1.0, np.round(vol * 4) / 4)
    tarief = np.where(is_prod, np.round(tarief * frac, 2), tarief)
    vol = np.maximum(vol, 0.25)
    bedrag = np.round(vol * tarief, 2)
    return pd.DataFrame(
        {
            "toewijzingnummer": traj["toewijzingnummer"].to_numpy(dtype=object)[idx][r],
            "periode_start": _to_dates(ps),
            "periode_eind": _to_dates(pe),
            "volume": vol,
            "eenheid": pd.Categorical(unit[ci], categories=list(_codes("eenheid"))),
            "tarief": tarief,
            "bedrag": bedrag,
        }
    )
