"""Callaway & Sant'Anna (2021) group-time ATT for staggered adoption.

Without covariates every CS estimator reduces to the unconditional 2x2 difference of mean
changes, which is implemented directly in numpy: it is transparent, needs no private API,
and exposes the per-unit influence functions that the aggregations, the uniform bootstrap
bands, the pre-trend Wald test and the sensitivity analysis are built on. With covariates
the ``differences`` package (0.3, an R ``did`` port) estimates the cells and the per-cell
influence functions are read from its fitted object (:mod:`jeugdlib.did._adapters`), so
that every downstream step is shared by both engines. Agreement with R ``did`` is tested
row by row against ``tests/reference/r_did_mpdta_aggte.csv``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from jeugdlib.did._adapters import attgt_cells
from jeugdlib.did._panel import _balance, _numeric, _prepare_panel, _rows, _unit_cohort
from jeugdlib.did._results import EventStudyResult
from jeugdlib.did.aggregate import Aggregate, aggregate
from jeugdlib.did.inference import multiplier_bootstrap, multiplier_draws, wald_test
from jeugdlib.did.options import (
    CS_FEW_CLUSTERS,
    InferenceSpec,
    PanelSpec,
    deprecated_alpha,
    level_from_alpha,
    resolve_specs,
)
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.results import Result, TestResult, tidy_frame

__all__ = ["AttResult", "estimate_att_gt", "staggered_att"]


@dataclass
class AttResult(Result):
    """Group-time average treatment effects (Callaway & Sant'Anna 2021).

    Attributes
    ----------
    att_gt:
        One row per (group, time) cell: ``group, time, base_period, event_time, post,
        estimate, std_error, ci_low, ci_high, n_treated, n_control``. Bands are uniform
        over all cells when ``n_boot > 0`` (as R ``did``), pointwise otherwise.
    influence:
        ``(n_units, n_cells)`` influence functions (columns in ``att_gt`` order).
    units, unit_cohort:
        Unit ids and their first treatment period (``inf`` = never treated).
    level:
        Confidence level of the intervals.
    notes:
        What was dropped or assumed (unbalanced units, early-treated units, ...).
    base_period:
        ``"varying"`` (pre-period cells are t-1 to t changes) or ``"universal"`` (every
        cell is the long difference to ``g - 1 - anticipation``; that reference cell is
        reported with estimate 0 and a NaN standard error, as R ``did``).
    multiplier_weights:
        ``"rademacher"`` (R ``did``) or ``"mammen"``.
    df:
        ``G - 1`` when the small-G correction is applied (t(G-1) intervals and p-values,
        ``G/(G-1)`` variance scaling, permutation or Hotelling F pre-trend test, see
        :meth:`pretrend_test`); ``None`` otherwise.
    """

    result_name: ClassVar[str] = "ATT(g,t) (Callaway-Sant'Anna)"

    att_gt: pd.DataFrame
    influence: np.ndarray
    units: np.ndarray
    unit_cohort: np.ndarray
    cluster_codes: np.ndarray
    control: str
    method: str
    anticipation: int
    level: float
    n_boot: int
    seed: int | None
    engine: str
    times: np.ndarray
    crit_value: float
    uniform: bool = True
    notes: list[str] = field(default_factory=list)
    base_period: str = "varying"
    multiplier_weights: str = "rademacher"
    df: float | None = None
    _draws: np.ndarray | None = field(default=None, repr=False)
    _outcomes: np.ndarray | None = field(default=None, repr=False)  # (units, periods), native engine

    @property
    def n_clusters(self) -> int:
        """Number of clusters (units, or the ``cluster`` column's groups)."""
        return int(self.cluster_codes.max()) + 1

    @property
    def alpha(self) -> float:
        """Deprecated: ``1 - level``."""
        return deprecated_alpha(self)

    @property
    def n_units(self) -> int:
        """Number of units used."""
        return int(self.influence.shape[0])

    def bootstrap_draws(self) -> np.ndarray | None:
        """The multiplier-bootstrap weights ``(n_boot, n_clusters)`` (drawn once), or ``None``."""
        if self.n_boot <= 0:
            return None
        if self._draws is None:
            self._draws = multiplier_draws(self.n_boot, self.n_clusters, self.seed, self.multiplier_weights)
        return self._draws

    def aggregate(
        self,
        kind: Literal["simple", "group", "dynamic", "calendar"] = "simple",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
        level: float | None = None,
    ) -> Aggregate:
        """Aggregate as R ``did::aggte`` does; see :func:`jeugdlib.did.aggregate.aggregate`."""
        return aggregate(self, kind, min_e=min_e, max_e=max_e, balance_e=balance_e, level=level)

    def pretrend_test(
        self, method: Literal["auto", "chi2", "hotelling", "permutation"] = "auto", n_perm: int = 999
    ) -> TestResult:
        """Joint Wald test that all pre-treatment ATT(g,t) are zero (R ``did``'s pre-test).

        With the varying base period each pre-treatment cell is a short (t-1 to t)
        difference, so this tests parallel trends period by period (with the universal base
        period the reference cells, zero by construction, are left out).

        Parameters
        ----------
        method:
            ``"chi2"``: the Wald statistic against chi-square(k), as R ``did``.
            ``"hotelling"``: ``W (G-k) / (k G) ~ F(k, G-k)``. ``"permutation"``: a
            studentised randomisation test: the same Wald statistic recomputed with the units'
            cohorts permuted ``n_perm`` times (exact under the sharp null that pre-period
            changes are unrelated to the cohort, asymptotically valid under parallel trends
            in means, Chung & Romano 2013; needs the native engine and clusters equal to
            units). The chi-square's size depends on the cohort sizes, not only on G: each
            cell's variance is estimated from its cohort's units, so it rejected 7.6% at 300
            gemeenten (cohorts of about 40) and 79-90% at 12 (cohorts of one or two units,
            issue 12); the permutation test keeps 5% (``benchmarks/bench_inference.py``).
            ``"auto"`` (default): permutation where available; otherwise Hotelling with the
            small-G correction, chi-square without it.
        n_perm:
            Permutations (``"permutation"``), seeded by the result's ``seed``.
        """
        tab = self.att_gt
        pre = np.flatnonzero(~tab["post"].to_numpy() & (tab["time"] != tab["base_period"]).to_numpy())
        if pre.size == 0:
            return wald_test(np.array([]), np.zeros((0, 0)), [])
        _, _, vcov = multiplier_bootstrap(self.influence[:, pre], self.cluster_codes, None, self.level)
        terms = list(zip(tab["group"].iloc[pre], tab["time"].iloc[pre], strict=True))
        theta = tab["estimate"].to_numpy()[pre]
        can_permute = self._outcomes is not None and self.n_clusters == self.n_units
        if method == "auto":
            method = "permutation" if can_permute else ("hotelling" if self.df is not None else "chi2")
            if not can_permute:
                # simulated under parallel trends: chi2/Hotelling reject ~48% at 40 gemeenten with wijken nested in
                # them, 11% at 200, and ~49% at 40 with a covariate (the review of issue 12)
                warnings.warn(
                    "pretrend_test: no permutation test here (clusters are not the units, or covariates are used); "
                    f"the {method} Wald test of the pre-period ATT(g,t) over-rejects badly under parallel trends with "
                    "clustered or covariate-adjusted estimates (about 50% at 40 clusters, 11% at 200). Treat a "
                    "rejection as unreliable; aggregate to one unit per cluster without covariates for a test of "
                    "correct size.",
                    JeugdlibWarning,
                    stacklevel=2,
                )
        if method == "chi2":
            return wald_test(theta, vcov, terms)
        if method == "hotelling":
            return wald_test(theta, vcov, terms, n_clusters=self.n_clusters, small_g="hotelling")
        if method != "permutation":
            raise ValueError("method must be 'auto', 'chi2', 'hotelling' or 'permutation'")
        if not can_permute:
            raise ValueError(
                "pretrend_test(method='permutation') needs the unconditional (native) estimator with clusters "
                "equal to units; use method='hotelling'"
            )
        return self._permutation_pretrend(theta, vcov, terms, int(n_perm))

    def _permutation_pretrend(self, theta: np.ndarray, vcov: np.ndarray, terms: list, n_perm: int) -> TestResult:
        """Randomisation pre-trend test: the Wald statistic over permutations of the units' cohorts."""
        stat = wald_test(theta, vcov, terms).statistic
        tab = self.att_gt
        cells = tab.loc[~tab["post"] & (tab["time"] != tab["base_period"]), ["group", "time", "base_period"]]
        rng = np.random.default_rng(self.seed)
        perms = np.stack([rng.permutation(self.unit_cohort) for _ in range(n_perm)])
        y = self._outcomes
        n = y.shape[0]
        chunk = max(1, int(4e6 // max(1, n * len(cells))))  # bounded memory: (chunk, n, k) floats
        w = np.concatenate([self._permuted_wald(perms[i : i + chunk], cells, y) for i in range(0, n_perm, chunk)])
        p = (1 + np.sum(w >= stat * (1 - 1e-10))) / (1 + n_perm)
        name = f"pre-trends (Wald, permutation of cohorts, {n_perm} draws)"
        return TestResult(name, float(stat), len(theta), float(p), "permutation", list(terms))

    def _permuted_wald(self, perms: np.ndarray, cells: pd.DataFrame, y: np.ndarray) -> np.ndarray:
        """Wald statistics of the pre-period cells for each row of permuted cohorts ``perms``."""
        col = {t: j for j, t in enumerate(self.times)}
        n = y.shape[0]
        thetas, infs = [], []
        for g, t, b in cells.itertuples(index=False):
            dy = y[:, col[t]] - y[:, col[b]]
            d = perms == g
            if self.control == "never":
                c = ~np.isfinite(perms)
            else:
                c = ~np.isfinite(perms) | ((perms > max(t, b) + self.anticipation) & (perms != g))
            n_g, n_c = d.sum(axis=1, keepdims=True), c.sum(axis=1, keepdims=True)
            m_g, m_c = (d * dy).sum(axis=1, keepdims=True) / n_g, (c * dy).sum(axis=1, keepdims=True) / n_c
            thetas.append((m_g - m_c)[:, 0])
            infs.append(d * n / n_g * (dy - m_g) - c * n / n_c * (dy - m_c))  # (P, n), clusters = units
        th = np.stack(thetas, axis=1)  # (P, k)
        inf = np.stack(infs, axis=2)  # (P, n, k)
        v = np.einsum("pik,pil->pkl", inf, inf) / n**2
        return np.einsum("pk,pkl,pl->p", th, np.linalg.pinv(v, hermitian=True), th)

    @property
    def has_uniform_band(self) -> bool:
        """Whether ``att_gt`` carries a simultaneous (bootstrap max-t) band."""
        return bool(self.uniform and self.n_boot > 0)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per cell, ``term`` ``"ATT(g,t)"``.

        ``ci_low``/``ci_high`` are pointwise (``estimate ± z·std_error``), consistent with
        the pointwise ``p_value``. When the result was bootstrapped with uniform bands,
        the simultaneous band of ``att_gt`` follows in ``ci_low_uniform``,
        ``ci_high_uniform`` with its critical value ``crit_uniform``.

        Extra columns: ``event_time, group, estimator`` and ``time``.
        """
        tab = self.att_gt
        est = tab["estimate"].to_numpy(float)
        se, crit = tab["std_error"].to_numpy(float), self.crit_value
        if not np.isclose(level, self.level):
            se, crit, _ = multiplier_bootstrap(
                self.influence, self.cluster_codes, self.bootstrap_draws(), level, self.uniform, self.df
            )
            se = np.where(np.isnan(tab["std_error"].to_numpy(float)), np.nan, se)
        extra: dict[str, Any] = {
            "event_time": tab["event_time"].to_numpy(),
            "group": tab["group"].to_numpy(),
            "estimator": "cs",
            "time": tab["time"].to_numpy(),
        }
        return tidy_frame(
            [f"ATT({g},{t})" for g, t in zip(tab["group"], tab["time"])],
            est,
            se,
            level=level,
            df=self.df,
            uniform_crit=crit if self.has_uniform_band else None,
            extra=extra,
        )

    def plot(self, **kwargs: Any):
        """ATT(g,t) per cohort (:func:`jeugdlib.plots.did.att_gt_plot`)."""
        from jeugdlib.plots.did import att_gt_plot

        return att_gt_plot(self, **kwargs)

    def to_event_study(self, window: tuple[int, int] | None = None, *, level: float | None = None) -> EventStudyResult:
        """The dynamic aggregation as an :class:`EventStudyResult` (estimator ``"cs"``).

        Its ``pretrend`` is :meth:`pretrend_test` (all pre-treatment ATT(g,t) cells).
        """
        level = self.level if level is None else level
        lo, hi = window if window is not None else (-np.inf, np.inf)
        agg = self.aggregate("dynamic", min_e=lo, max_e=hi, level=level)
        by = agg.by
        rows = tidy_frame(
            by["event_time"].tolist(), by["estimate"], by["std_error"], level=level, df=self.df, crit=agg.crit_value
        )
        coefs = pd.DataFrame(
            {
                "event_time": by["event_time"].astype(int),
                "estimate": by["estimate"],
                "std_error": by["std_error"],
                "ci_low": rows["ci_low"].to_numpy(),
                "ci_high": rows["ci_high"].to_numpy(),
                "p_value": rows["p_value"].to_numpy(),
                "p_wild": np.nan,
            }
        )
        vcov = pd.DataFrame(agg.vcov, index=coefs["event_time"], columns=coefs["event_time"])
        # the pre-trend test of the ATT(g,t) cells (permutation where available, see pretrend_test)
        pretrend = self.pretrend_test()
        o = agg.overall
        post_row = tidy_frame(
            "post_average", float(o["estimate"]), float(o["std_error"]), level=level, df=self.df
        ).iloc[0]
        post = pd.Series(
            {
                "estimate": o["estimate"],
                "std_error": o["std_error"],
                "ci_low": post_row["ci_low"],
                "ci_high": post_row["ci_high"],
                "p_value": float(post_row["p_value"]),
                "p_wild": np.nan,
            }
        )
        return EventStudyResult(
            estimator="cs",
            coefs=coefs,
            post_average=post,
            vcov=vcov,
            pretrend=pretrend,
            n_obs=self.n_units * len(self.times),
            n_clusters=self.n_clusters,
            n_wild=0,
            level=level,
            uniform=agg.uniform,
            crit_value=agg.crit_value,
            model=self,
            notes=[
                "Callaway-Sant'Anna dynamic aggregation; pre-period estimates are short "
                "(t-1 to t) differences (varying base period), not normalised to e=-1."
                if self.base_period == "varying"
                else "Callaway-Sant'Anna dynamic aggregation, universal base period (e=-1 is the reference).",
                *self.notes,
            ],
            window=window,
            df=self.df,
        )

    def __repr__(self) -> str:
        s = self.aggregate("simple").overall
        return (
            f"AttResult({len(self.att_gt)} ATT(g,t) cells, {self.n_units} units, control="
            f"{self.control!r}, method={self.method!r}, engine={self.engine!r}; simple ATT="
            f"{s['estimate']:.4f} (se {s['std_error']:.4f}))"
        )


_CS_INFERENCE = InferenceSpec(n_boot=999)


def staggered_att(
    df: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    control: Literal["never", "notyet"] = "never",
    covariates: Sequence[str] | None = None,
    method: Literal["dr", "reg", "ipw"] = "dr",
    anticipation: int = 0,
    n_boot: int = 999,
    seed: int | None = None,
    *,
    level: float | None = None,
    cluster: str | None = None,
    unbalanced: Literal["drop", "error"] | None = None,
    base_period: Literal["varying", "universal"] = "varying",
    multiplier_weights: Literal["rademacher", "mammen"] = "rademacher",
    small_g: Literal["auto", "always", "never"] = "auto",
    panel: PanelSpec | None = None,
    inference: InferenceSpec | None = None,
    alpha: float | None = None,
) -> AttResult:
    """Callaway & Sant'Anna (2021) group-time ATT for staggered adoption.

    Reproduces R ``did::att_gt`` (panel data): for cohort ``g`` and period ``t`` the ATT
    is the difference between the mean change of cohort ``g`` and of the control units,
    from the base period to ``t``. With ``base_period="varying"`` (R's default) the base
    period is ``t - 1`` for pre-treatment cells and the last period before
    ``g - anticipation`` for post-treatment cells; with ``"universal"`` it is that last
    period for every cell. The keyword form is a shorthand for
    ``estimate_att_gt(df, PanelSpec(...), InferenceSpec(...), ...)``.

    Parameters
    ----------
    df:
        Long panel, one row per unit and period.
    outcome, unit, time:
        Column names. ``time`` must be numeric (e.g. a year).
    cohort:
        First treated period of the unit (constant within unit); 0 or NaN means never
        treated. Cohorts after the last observed period count as never treated.
    control:
        ``"never"``: never-treated units; ``"notyet"``: never treated plus units not yet
        treated by ``max(t, base) + anticipation``.
    covariates:
        Time-invariant covariates (their base-period values are used, as R ``did``).
        ``None``: the unconditional estimator (native implementation; ``method`` is then
        irrelevant because dr, reg and ipw coincide).
    method:
        ``"dr"`` (doubly robust, Sant'Anna & Zhao), ``"reg"`` (outcome regression) or
        ``"ipw"`` (standardised IPW); used with covariates, through ``differences``.
    anticipation:
        Number of periods before ``g`` in which units may already react.
    n_boot, seed:
        Multiplier-bootstrap draws (clustered by unit or ``cluster``) for bootstrap SEs and
        uniform bands; 0 = analytic SEs and pointwise intervals.
    level:
        Confidence level (default 0.95).
    cluster:
        Optional column at a coarser level than ``unit`` (constant within unit).
    unbalanced:
        ``"drop"`` (default, as R ``did``): units not observed in every period (or with a
        missing outcome) are dropped with a warning; ``"error"``: raise.
    base_period:
        ``"varying"`` or ``"universal"`` (as R ``did``): see above.
    multiplier_weights:
        Multiplier-bootstrap weights: ``"rademacher"`` (R ``did``'s) or ``"mammen"``.
    small_g:
        ``"auto"``: below 30 clusters (:data:`~jeugdlib.did.options.CS_FEW_CLUSTERS`) warn
        that cluster-robust inference is unreliable and apply the small-G correction
        (variance × G/(G-1), t(G-1) intervals and p-values, bootstrap band × t/z,
        permutation pre-trend test, see :meth:`AttResult.pretrend_test`);
        ``"always"``/``"never"`` force it.
    panel, inference:
        Option objects instead of (or completed by) the keywords above.
    alpha:
        Deprecated (jeugdlib 0.1): use ``level = 1 - alpha``.

    Returns
    -------
    AttResult
        ``att_gt`` table; ``aggregate(kind)``, ``pretrend_test()``, ``to_event_study()``,
        ``tidy()``.

    Raises
    ------
    DataError
        Missing columns, non-numeric outcome, duplicate unit-period rows, a cohort varying
        within a unit, no never-treated units with ``control="never"``, no treated cohort
        with a pre-period.
    """
    level = level_from_alpha(level, alpha, "staggered_att")
    panel, inference = resolve_specs(
        panel,
        inference,
        {
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "cohort": cohort,
            "covariates": tuple(covariates) if covariates is not None else None,
            "unbalanced": unbalanced,
        },
        {
            "level": level,
            "cluster": cluster,
            "n_boot": n_boot,
            "seed": seed,
            "multiplier_weights": multiplier_weights,
            "small_g": small_g,
        },
        _CS_INFERENCE,
        "staggered_att",
    )
    return estimate_att_gt(
        df, panel, inference, control=control, method=method, anticipation=anticipation, base_period=base_period
    )


def estimate_att_gt(
    df: pd.DataFrame,
    panel: PanelSpec,
    inference: InferenceSpec = _CS_INFERENCE,
    *,
    control: Literal["never", "notyet"] = "never",
    method: Literal["dr", "reg", "ipw"] = "dr",
    anticipation: int = 0,
    base_period: Literal["varying", "universal"] = "varying",
) -> AttResult:
    """:func:`staggered_att` on option objects (``panel.cohort`` is required)."""
    source = "staggered_att"
    if control not in ("never", "notyet"):
        raise ValueError("control must be 'never' or 'notyet'")
    if base_period not in ("varying", "universal"):
        raise ValueError("base_period must be 'varying' or 'universal'")
    if method not in ("dr", "reg", "ipw"):
        raise ValueError("method must be 'dr', 'reg' or 'ipw'")
    if panel.cohort is None:
        raise TypeError(f"{source}: a cohort column is required (PanelSpec(cohort=...))")
    outcome, unit, time, cohort = panel.outcome, panel.unit, panel.time, panel.cohort
    covariates, cluster = list(panel.covariates), inference.cluster
    extra = [cohort, *covariates] + ([cluster] if cluster else [])
    data = _prepare_panel(df, outcome, unit, time, extra, source)
    for c in covariates:
        data[c] = _numeric(data, c, source, "covariate")
    data["_g"] = data[unit].map(_unit_cohort(data, unit, cohort, source))
    data, notes = _balance(data, outcome, unit, time, [outcome, *covariates], panel.unbalanced, source)
    times = np.sort(data[time].unique())
    if len(times) < 2:
        raise DataError(f"{source}: column {time!r} has fewer than two periods; DiD needs two.")
    data = _restrict_cohorts(data, unit, cohort, times, anticipation, control, notes, source)

    data = data.sort_values([unit, time])
    units = data[unit].drop_duplicates().to_numpy()
    ucoh = data.groupby(unit, sort=False)["_g"].first().reindex(units).to_numpy(float)
    if cluster:
        cl = data.groupby(unit, sort=False)[cluster].nunique()
        if (cl > 1).any():
            raise DataError(
                f"{source}: cluster column {cluster!r} varies within unit(s) "
                f"{_rows(cl.index[cl > 1])}; clusters must contain whole units."
            )
        codes = pd.factorize(data.groupby(unit, sort=False)[cluster].first().reindex(units))[0]
    else:
        codes = np.arange(len(units))

    if covariates:
        tab, inf = _cs_differences(
            data, outcome, unit, time, covariates, control, method, anticipation, units, base_period
        )
        engine = "differences"
    else:
        y = data.pivot(index=unit, columns=time, values=outcome).reindex(units)[times].to_numpy()
        tab, inf = _cs_unconditional(y, ucoh, times, control, anticipation, base_period)
        engine = "native"
    n_clusters = int(codes.max()) + 1
    few = n_clusters < CS_FEW_CLUSTERS
    dof = float(n_clusters - 1) if (inference.small_g == "always" or (inference.small_g == "auto" and few)) else None
    if few:
        fix = (
            "small-G correction applied: variance x G/(G-1), t(G-1) intervals and p-values, permutation "
            "(or Hotelling F) pre-trend test"
            if dof is not None
            else "no small-G correction (small_g='never'): intervals and p-values are too optimistic"
        )
        warnings.warn(
            f"{source}: only {n_clusters} clusters; cluster-robust inference for Callaway-Sant'Anna is unreliable "
            f"below {CS_FEW_CLUSTERS} clusters (cohorts of a few units dominate). {fix}. Read intervals and "
            "p-values as approximate; for cells of cohorts with one or two units they mean little (a cohort "
            "of one unit has no within-cohort variance).",
            JeugdlibWarning,
            stacklevel=3,
        )
        notes.append(f"{n_clusters} clusters (< {CS_FEW_CLUSTERS}): " + fix)
    if tab.empty:
        raise DataError(f"{source}: no estimable (group, time) cells; check cohorts and periods.")

    res = AttResult(
        att_gt=tab,
        influence=inf,
        units=units,
        unit_cohort=ucoh,
        cluster_codes=codes,
        control=control,
        method=method if covariates else "unconditional",
        anticipation=anticipation,
        level=inference.level,
        n_boot=int(inference.n_boot),
        seed=inference.seed,
        engine=engine,
        times=times,
        crit_value=np.nan,
        uniform=inference.uniform,
        notes=notes,
        base_period=base_period,
        multiplier_weights=inference.multiplier_weights,
        df=dof,
        _outcomes=None if covariates else y,
    )
    se, crit, _ = multiplier_bootstrap(inf, codes, res.bootstrap_draws(), res.level, res.uniform, dof)
    res.crit_value = crit
    # reference cells of the universal base period: zero by construction, no SE (R: NA)
    se = np.where((tab["time"] == tab["base_period"]).to_numpy(), np.nan, se)
    est = tab["estimate"].to_numpy()
    cols = {c: tab[c].to_numpy() for c in ("group", "time", "base_period", "event_time", "post")}
    res.att_gt = pd.DataFrame(
        {
            **cols,
            "estimate": est,
            "std_error": se,
            "ci_low": est - crit * se,
            "ci_high": est + crit * se,
            "n_treated": tab["n_treated"].to_numpy(),
            "n_control": tab["n_control"].to_numpy(),
        }
    )
    return res


def _restrict_cohorts(
    data: pd.DataFrame,
    unit: str,
    cohort: str,
    times: np.ndarray,
    anticipation: int,
    control: str,
    notes: list[str],
    source: str,
) -> pd.DataFrame:
    """Late cohorts become never treated; units treated in the first period are dropped."""
    t_first, t_last = times[0], times[-1]
    late = np.isfinite(data["_g"]) & (data["_g"] > t_last)
    if late.any():
        notes.append(
            f"{data.loc[late, unit].nunique()} unit(s) first treated after {t_last:g} treated as never treated"
        )
        data.loc[late, "_g"] = np.inf
    # units treated in the first period have no pre-period (R did drops them too)
    early = data["_g"] <= t_first + anticipation
    if early.any():
        bad_units = data.loc[early, unit].unique()
        if (~early & np.isfinite(data["_g"])).sum() == 0:
            raise DataError(
                f"{source}: every treated unit in {cohort!r} is already treated in the first "
                f"period {t_first:g} (plus anticipation {anticipation}); there is no "
                f"pre-treatment period (units {_rows(bad_units)}). Add earlier periods."
            )
        warnings.warn(
            f"{source}: {len(bad_units)} unit(s) {_rows(bad_units)} are treated in the first "
            f"period ({cohort!r} <= {t_first + anticipation:g}) and have no pre-period; "
            "they are dropped, as R did does.",
            JeugdlibWarning,
            stacklevel=4,
        )
        notes.append(f"dropped {len(bad_units)} unit(s) treated in the first period")
        data = data[~early]
    if not np.isfinite(data["_g"]).any():
        raise DataError(f"{source}: no treated units in {cohort!r}; nothing to estimate.")
    if control == "never" and np.isfinite(data["_g"]).all():
        raise DataError(
            f"{source}: no never-treated units ({cohort!r} 0 or NaN) for control='never'. "
            "Use control='notyet' (not-yet-treated units as controls) or add never-treated units."
        )
    return data


def _cs_cells(
    ucoh: np.ndarray, times: np.ndarray, control: str, anticipation: int, base_period: str = "varying"
) -> list[tuple[float, float, float, np.ndarray, np.ndarray]]:
    """(g, t, base, treated mask, control mask) for every estimable cell.

    ``varying``: periods 2..T, base ``t - 1`` before treatment; ``universal``: every period,
    base ``g - 1 - anticipation`` (the reference cell itself is kept: zero, as R ``did``).
    """
    cells = []
    first = 0 if base_period == "universal" else 1
    for g in np.unique(ucoh[np.isfinite(ucoh)]):
        pre_times = times[times + anticipation < g]
        if pre_times.size == 0:
            continue
        for j in range(first, len(times)):
            t = times[j]
            post = g <= t
            b = pre_times[-1] if (post or base_period == "universal") else times[j - 1]
            treated = ucoh == g
            if control == "never":
                ctrl = ~np.isfinite(ucoh)
            else:
                ctrl = ~np.isfinite(ucoh) | ((ucoh > max(t, b) + anticipation) & (ucoh != g))
            if treated.sum() == 0 or ctrl.sum() == 0:
                continue
            cells.append((g, t, b, treated, ctrl))
    return cells


def _cs_unconditional(
    y: np.ndarray, ucoh: np.ndarray, times: np.ndarray, control: str, anticipation: int, base_period: str = "varying"
) -> tuple[pd.DataFrame, np.ndarray]:
    n = y.shape[0]
    col = {t: j for j, t in enumerate(times)}
    rows, infs = [], []
    for g, t, b, d, c in _cs_cells(ucoh, times, control, anticipation, base_period):
        dy = y[:, col[t]] - y[:, col[b]]
        n_g, n_c = d.sum(), c.sum()
        m_g, m_c = dy[d].mean(), dy[c].mean()
        inf = np.zeros(n)
        inf[d] = n / n_g * (dy[d] - m_g)
        inf[c] -= n / n_c * (dy[c] - m_c)
        rows.append((g, t, b, m_g - m_c, int(n_g), int(n_c)))
        infs.append(inf)
    return _cell_table(rows), (np.stack(infs, axis=1) if infs else np.zeros((n, 0)))


def _cell_table(rows: list[tuple]) -> pd.DataFrame:
    """``group, time, base_period, event_time, post, estimate, n_treated, n_control`` per cell."""
    arr = np.array([r[:3] for r in rows], dtype=float).reshape(-1, 3).astype(int)
    g, t, b = arr[:, 0], arr[:, 1], arr[:, 2]
    return pd.DataFrame(
        {
            "group": g,
            "time": t,
            "base_period": b,
            "event_time": t - g,
            "post": t >= g,
            "estimate": np.array([r[3] for r in rows], dtype=float),
            "n_treated": np.array([r[4] for r in rows], dtype=int),
            "n_control": np.array([r[5] for r in rows], dtype=int),
        }
    )


def _cs_differences(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    covariates: list[str],
    control: str,
    method: str,
    anticipation: int,
    units: np.ndarray,
    base_period: str = "varying",
) -> tuple[pd.DataFrame, np.ndarray]:
    """Covariate-adjusted CS through ``differences.ATTgt`` (influence functions included)."""
    from differences import ATTgt

    safe = {c: f"x{i}" for i, c in enumerate(covariates)}
    frame = (
        pd.DataFrame(
            {
                "uid": pd.Categorical(data[unit], categories=units).codes,
                "period": data[time].astype(int).to_numpy(),
                "y": data[outcome].to_numpy(float),
                "first_treat": data["_g"].replace(np.inf, np.nan).to_numpy(),
                **{safe[c]: data[c].to_numpy(float) for c in covariates},
            }
        )
        .set_index(["uid", "period"])
        .sort_index()
    )
    est = {"dr": "dr", "reg": "reg", "ipw": "std_ipw"}[method]
    model = ATTgt(data=frame, cohort_column="first_treat", anticipation=anticipation, base_period=base_period)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            formula="y ~ " + " + ".join(safe.values()),
            est_method=est,
            control_group={"never": "never_treated", "notyet": "not_yet_treated"}[control],
            progress_bar=False,
        )
    n = len(units)
    ucoh = data.groupby(unit)["_g"].first()
    rows, infs = [], []
    for cell in attgt_cells(model, n):
        d = int((ucoh == cell.cohort).sum())
        rows.append((cell.cohort, cell.time, cell.base_period, cell.att, d, cell.n_sample - d))
        infs.append(cell.influence)  # differences scales it so that se = sqrt(sum(inf^2))/n
    return _cell_table(rows), (np.stack(infs, axis=1) if infs else np.zeros((n, 0)))
