"""Regression DiD estimators on pyfixest: dynamic TWFE, Sun & Abraham, Gardner's did2s,
the static TWFE, and :func:`compare_estimators` to put them next to Callaway–Sant'Anna.

Standard errors are clustered by gemeente; p-values and intervals use t(G-1) with G clusters,
as fixest/pyfixest. With few clusters the wild cluster restricted bootstrap
(:func:`jeugdlib.did.inference.wild_cluster_pvalues`) adds ``p_wild``. did2s is computed
here (:mod:`jeugdlib.did._did2s`): pyfixest's fails when a unit has one untreated period.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from jeugdlib.did._adapters import fit_vcov
from jeugdlib.did._did2s import did2s_fit
from jeugdlib.did._panel import EventFrame, _event_frame, _numeric, _prepare_panel, _rows
from jeugdlib.did._results import EventStudyResult, TwfeResult
from jeugdlib.did.callaway_santanna import estimate_att_gt
from jeugdlib.did.inference import (
    demean_twoway,
    wald_test,
    wild_cluster_pvalues,
    wild_cluster_wald,
    wild_weights_for,
)
from jeugdlib.did.options import CS_FEW_CLUSTERS, InferenceSpec, PanelSpec, level_from_alpha, resolve_specs
from jeugdlib.errors import DataError, JeugdlibWarning, StaggeredTimingWarning
from jeugdlib.results import TestResult, critical_value, tidy_frame

__all__ = ["compare_estimators", "estimate_event_study", "event_study", "twfe"]

_ES_INFERENCE = InferenceSpec(n_boot=0)


def _code(e: int) -> str:
    return f"m{-e}" if e < 0 else f"p{e}"


@dataclass
class _Fit:
    """Coefficients of one regression event study and the map to event times."""

    fit: object
    data: pd.DataFrame
    coefnames: list[str]
    beta: np.ndarray
    vcov: np.ndarray
    rmat: np.ndarray  # (n_event_times, n_coefs): event-time estimates = rmat @ beta
    event_times: list[int]


def _fit_binned(
    data: pd.DataFrame, rel: np.ndarray, treated_g: np.ndarray, lo: int, hi: int, estimator: str, notes: list[str]
) -> _Fit:
    """Dynamic TWFE or did2s with binned endpoints and reference period -1."""
    import pyfixest as pf

    binned = np.clip(rel, lo, hi)
    evs = [e for e in range(lo, hi + 1) if e != -1]
    names = []
    for e in evs:
        name = f"ev_{_code(e)}"
        data[name] = (binned == e).astype(float)
        if data[name].sum() > 0:
            names.append(name)
    ev_of = {f"ev_{_code(e)}": e for e in evs}
    if estimator == "twfe":
        fit = pf.feols(f"_y ~ {' + '.join(names)} | _unit + _time", data=data, vcov={"CRV1": "_cl"})
        vcov = fit_vcov(fit)
    else:
        # own two-stage computation: pyfixest's did2s fails when a unit has one untreated period
        post = data["_time"].to_numpy() >= np.where(treated_g, data["_g"].to_numpy(), np.inf)
        fit, data = did2s_fit(data, names, treated_g & post)
        notes.extend(fit.notes)
        vcov = fit.vcov
    coefnames = list(fit.coef().index)
    return _Fit(
        fit,
        data,
        coefnames,
        fit.coef().to_numpy(),
        vcov,
        np.eye(len(coefnames)),
        [ev_of[c] for c in coefnames],
    )


def _fit_sunab(
    data: pd.DataFrame, rel: np.ndarray, treated_g: np.ndarray, cohorts: np.ndarray, lo: int, hi: int, notes: list[str]
) -> _Fit:
    """Sun & Abraham: cohort x event-time dummies, aggregated with the cohorts' observation shares."""
    import pyfixest as pf

    if treated_g.all():
        g_ctrl = float(cohorts.max())
        data = data[data["_time"] < g_ctrl].copy()
        treated_g = data["_g"].to_numpy() != g_ctrl
        rel = np.where(treated_g, data["_time"] - data["_g"], np.nan)
        cohorts = cohorts[cohorts != g_ctrl]
        notes.append(f"no never-treated units: cohort {g_ctrl:g} used as control, periods >= {g_ctrl:g} dropped")
    names, pairs = [], []
    for gg in cohorts:
        mask = treated_g & (data["_g"].to_numpy() == gg)
        for e in np.unique(rel[mask]).astype(int):
            if e == -1:
                continue
            name = f"sa_{int(gg)}_{_code(e)}"
            data[name] = (mask & (rel == e)).astype(float)
            names.append(name)
            pairs.append((gg, e))
    if not names:
        raise DataError(
            "event_study[sunab]: no cohort x event-time cells to estimate: Sun & Abraham needs never-treated "
            "units or a later-treated cohort as control."
        )
    fit = pf.feols(f"_y ~ {' + '.join(names)} | _unit + _time", data=data, vcov={"CRV1": "_cl"})
    coefnames = list(fit.coef().index)
    pair_of = dict(zip(names, pairs, strict=True))
    # fixest sunab: cohort g weighs by its observations at relative period e (not by its units;
    # the two differ on unbalanced panels)
    n_obs = {name: float(data[name].sum()) for name in names}
    event_times, rows = [], []
    for e in range(lo, hi + 1):
        idx = [i for i, c in enumerate(coefnames) if pair_of[c][1] == e]
        if not idx:
            continue
        w = np.array([n_obs[coefnames[i]] for i in idx], float)
        r = np.zeros(len(coefnames))
        r[idx] = w / w.sum()
        rows.append(r)
        event_times.append(e)
    return _Fit(fit, data, coefnames, fit.coef().to_numpy(), fit_vcov(fit), np.array(rows), event_times)


def event_study(
    df: pd.DataFrame,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    window: tuple[int, int] = (-4, 4),
    estimator: Literal["twfe", "sunab", "did2s", "cs"] = "twfe",
    *,
    cluster: str | None = None,
    n_wild: int | None = None,
    wild_weights: Literal["rademacher", "webb", "mammen"] | None = None,
    few_clusters: int = 50,
    level: float | None = None,
    seed: int | None = None,
    n_boot: int = 0,
    control: Literal["never", "notyet"] = "never",
    panel: PanelSpec | None = None,
    inference: InferenceSpec | None = None,
    alpha: float | None = None,
) -> EventStudyResult:
    """Event study of ``outcome`` around the first treated period.

    Parameters
    ----------
    df, outcome, unit, time, cohort:
        Long panel; ``cohort`` is the first treated period (0/NaN never treated).
    window:
        ``(lo, hi)`` event times reported; for ``twfe``/``did2s`` the endpoints are binned
        (``e <= lo`` and ``e >= hi``), reference period ``-1``.
    estimator:
        ``"twfe"`` (dynamic TWFE; biased with heterogeneous effects under staggered
        timing, emits :class:`StaggeredTimingWarning`), ``"sunab"`` (Sun & Abraham
        interaction-weighted: cohort x event-time dummies with never-treated, or else the
        last-treated cohort, as control; aggregated with cohort-share weights),
        ``"did2s"`` (Gardner's two-stage estimator, pyfixest GMM standard errors) or
        ``"cs"`` (:func:`staggered_att`, dynamic aggregation).
    cluster:
        Cluster column (default ``unit``: gemeente).
    n_wild:
        Wild cluster (restricted, WCR-11) bootstrap draws for p-values of every
        coefficient and the post-period average (``twfe``/``sunab``). ``None``: 9,999
        draws when there are fewer than ``few_clusters`` clusters, none otherwise.
    wild_weights:
        ``rademacher``, ``webb`` or ``mammen``; default Webb below 12 clusters,
        Rademacher otherwise.
    level, seed:
        Confidence level (default 0.95) and seed (bootstrap).
    n_boot, control:
        Passed to :func:`staggered_att` for ``estimator="cs"``.
    panel, inference:
        Option objects instead of (or completed by) the keywords above.
    alpha:
        Deprecated (jeugdlib 0.1): use ``level = 1 - alpha``.

    Returns
    -------
    EventStudyResult
        ``p_value`` and intervals with t(G-1) for ``G`` clusters (as fixest/pyfixest; did2s:
        GMM standard errors of Butts & Gardner); ``pretrend`` is ``F(k, G-1)`` or, when the
        wild bootstrap runs (``twfe``/``sunab``), the joint wild cluster bootstrap Wald test.
        Below 30 clusters without the wild bootstrap a :class:`JeugdlibWarning` says that
        the F test and the t(G-1) p-values of thinly identified coefficients over-reject.
    """
    level = level_from_alpha(level, alpha, "event_study")
    panel, inference = resolve_specs(
        panel,
        inference,
        {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort},
        {
            "level": level,
            "cluster": cluster,
            "n_boot": n_boot,
            "seed": seed,
            "n_wild": n_wild,
            "wild_weights": wild_weights,
            "few_clusters": few_clusters,
        },
        _ES_INFERENCE,
        f"event_study[{estimator}]",
    )
    return estimate_event_study(df, panel, inference, window=window, estimator=estimator, control=control)


def estimate_event_study(
    df: pd.DataFrame,
    panel: PanelSpec,
    inference: InferenceSpec = _ES_INFERENCE,
    *,
    window: tuple[int, int] = (-4, 4),
    estimator: Literal["twfe", "sunab", "did2s", "cs"] = "twfe",
    control: Literal["never", "notyet"] = "never",
) -> EventStudyResult:
    """:func:`event_study` on option objects."""
    source = f"event_study[{estimator}]"
    lo, hi = int(window[0]), int(window[1])
    if not lo < 0 <= hi:
        raise ValueError("window must be (lo, hi) with lo < 0 <= hi")
    if estimator == "cs":
        res = estimate_att_gt(
            df, PanelSpec(panel.outcome, panel.unit, panel.time, panel.cohort), inference, control=control
        )
        return res.to_event_study((lo, hi))
    if estimator not in ("twfe", "sunab", "did2s"):
        raise ValueError("estimator must be 'twfe', 'sunab', 'did2s' or 'cs'")
    frame: EventFrame = _event_frame(df, panel.outcome, panel.unit, panel.time, panel.cohort, inference.cluster, source)
    data = frame.data
    notes: list[str] = []
    if frame.n_missing:
        notes.append(f"{frame.n_missing} row(s) with missing outcome dropped")
    treated_g = np.isfinite(data["_g"].to_numpy())
    rel = np.where(treated_g, data["_time"] - np.where(treated_g, data["_g"], 0), np.nan)
    cohorts = np.unique(data.loc[treated_g, "_g"])
    if estimator == "twfe" and len(cohorts) > 1:
        warnings.warn(
            f"{source}: TWFE with staggered timing ({len(cohorts)} adoption periods): with "
            "effects that change over time or differ between cohorts, already-treated units "
            "act as controls and coefficients can get negative weights. Compare with "
            "estimator='sunab', 'did2s' or 'cs' (compare_estimators).",
            StaggeredTimingWarning,
            stacklevel=3,
        )
    if estimator in ("twfe", "did2s"):
        f = _fit_binned(data, rel, treated_g, lo, hi, estimator, notes)
    else:
        f = _fit_sunab(data, rel, treated_g, cohorts, lo, hi, notes)
    return _event_study_result(f, estimator, inference, notes)


def _event_study_result(f: _Fit, estimator: str, inference: InferenceSpec, notes: list[str]) -> EventStudyResult:
    """Event-time estimates, post-period average, wild bootstrap p-values and the pre-trend test."""
    level, data, beta, vcov = inference.level, f.data, f.beta, f.vcov
    n_clusters = int(data["_cl"].nunique())
    dof = float(n_clusters - 1)  # t(G-1) p-values and intervals, as fixest/pyfixest
    est = f.rmat @ beta
    v_ev = f.rmat @ vcov @ f.rmat.T
    se = np.sqrt(np.diag(v_ev))
    rows = tidy_frame(list(f.event_times), est, se, level=level, df=dof)
    coefs = pd.DataFrame(
        {
            "event_time": np.array(f.event_times, int),
            "estimate": est,
            "std_error": se,
            "ci_low": rows["ci_low"].to_numpy(),
            "ci_high": rows["ci_high"].to_numpy(),
            "p_value": rows["p_value"].to_numpy(),
            "p_wild": np.nan,
        }
    ).sort_values("event_time", kind="stable")
    order = coefs.index.to_numpy()
    coefs = coefs.reset_index(drop=True)
    rmat = f.rmat[order]
    v_ev = v_ev[np.ix_(order, order)]
    post = coefs["event_time"].to_numpy() >= 0
    r_post = rmat[post].mean(axis=0)
    pa = float(r_post @ beta)
    pa_se = float(np.sqrt(r_post @ vcov @ r_post))
    pa_row = tidy_frame("post_average", pa, pa_se, level=level, df=dof).iloc[0]
    post_avg = pd.Series(
        {
            "estimate": pa,
            "std_error": pa_se,
            "ci_low": pa_row["ci_low"],
            "ci_high": pa_row["ci_high"],
            "p_value": float(pa_row["p_value"]),
            "p_wild": np.nan,
        }
    )
    n_wild = inference.n_wild
    if n_wild is None:
        n_wild = 9_999 if n_clusters < inference.few_clusters else 0
    pre = coefs["event_time"].to_numpy() < 0
    pretrend = None
    if n_wild and estimator in ("twfe", "sunab"):
        weights = wild_weights_for(n_clusters, inference.wild_weights)
        codes = (pd.factorize(data["_unit"])[0], pd.factorize(data["_time"])[0])
        fe = demean_twoway(np.column_stack([data["_y"].to_numpy(), data[f.coefnames].to_numpy()]), *codes)
        cl = pd.factorize(data["_cl"])[0]
        pw = wild_cluster_pvalues(
            fe[:, 1:], fe[:, 0], cl, np.vstack([rmat, r_post]), int(n_wild), weights, inference.seed, fe=codes
        )
        coefs["p_wild"] = pw[:-1]
        post_avg["p_wild"] = pw[-1]
        notes.append(f"wild cluster bootstrap (WCR-11, {weights}, {n_wild} draws, {n_clusters} clusters)")
        if pre.any():  # joint pre-trend test by the same bootstrap (right size with few clusters)
            stat, p = wild_cluster_wald(
                fe[:, 1:], fe[:, 0], cl, rmat[pre], int(n_wild), weights, inference.seed, fe=codes
            )
            name = f"pre-trends (wild cluster bootstrap Wald, {weights}, {n_wild} draws)"
            pretrend = TestResult(name, stat, int(pre.sum()), p, "wild bootstrap", coefs["event_time"][pre].tolist())
        if n_clusters < CS_FEW_CLUSTERS:
            # the wild bootstrap ran, but the t(G-1) p_value/CI columns sit beside p_wild: say which to read
            warnings.warn(
                f"event_study[{estimator}]: only {n_clusters} clusters; read p_wild (wild cluster bootstrap) and the "
                "bootstrap pre-trend test, not the t(G-1) p_value and CI columns: those over-reject for coefficients "
                "identified by few treated gemeenten (pre-period coefficients about 10-12% at 12 clusters).",
                JeugdlibWarning,
                stacklevel=4,
            )
            notes.append(f"{n_clusters} clusters: use p_wild; the t(G-1) p-values and CIs are optimistic")
    elif n_wild and estimator == "did2s":
        notes.append("wild cluster bootstrap not available for did2s; GMM cluster SEs reported")
        n_wild = 0
    if pretrend is None:
        if n_clusters < CS_FEW_CLUSTERS and pre.any():
            warnings.warn(
                f"event_study[{estimator}]: only {n_clusters} clusters and no wild cluster bootstrap; the joint "
                "pre-trend F test and the t(G-1) p-values of coefficients identified by few treated gemeenten "
                f"over-reject with fewer than {CS_FEW_CLUSTERS} clusters (about 16% and 9% at 12 in "
                "benchmarks/bench_inference.py). Use the wild cluster bootstrap (n_wild=9999, estimator 'twfe' or "
                "'sunab'): its p-values (p_wild) and joint pre-trend test keep their size.",
                JeugdlibWarning,
                stacklevel=4,
            )
            notes.append(f"{n_clusters} clusters, no wild bootstrap: pre-trend F test and t(G-1) p-values optimistic")
        pretrend = wald_test(
            coefs["estimate"].to_numpy()[pre],
            v_ev[np.ix_(pre, pre)],
            coefs["event_time"][pre].tolist(),
            n_clusters=n_clusters,
        )
    return EventStudyResult(
        estimator=estimator,
        coefs=coefs,
        post_average=post_avg,
        vcov=pd.DataFrame(v_ev, index=coefs["event_time"], columns=coefs["event_time"]),
        pretrend=pretrend,
        n_obs=int(len(data)),
        n_clusters=n_clusters,
        n_wild=int(n_wild),
        level=level,
        crit_value=critical_value(level, dof),
        model=f.fit,
        notes=notes,
        window=None,
        df=dof,
    )


def twfe(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    *,
    cluster: str | None = None,
    n_wild: int | None = None,
    wild_weights: Literal["rademacher", "webb", "mammen"] | None = None,
    few_clusters: int = 50,
    level: float | None = None,
    seed: int | None = None,
    inference: InferenceSpec | None = None,
    alpha: float | None = None,
) -> TwfeResult:
    """Static TWFE DiD: ``outcome ~ treated | unit + time``, SEs clustered by unit.

    Parameters
    ----------
    df, outcome, unit, time:
        Long panel.
    treated:
        0/1 (or boolean) treatment indicator per unit-period.
    cluster:
        Cluster column (default ``unit``).
    n_wild, wild_weights, few_clusters:
        Wild cluster bootstrap as in :func:`event_study` (automatic with fewer than
        ``few_clusters`` clusters).
    level, seed:
        Confidence level (default 0.95); bootstrap seed.
    inference:
        Option object instead of (or completed by) the inference keywords.
    alpha:
        Deprecated (jeugdlib 0.1): use ``level = 1 - alpha``.

    Returns
    -------
    TwfeResult
        SE as pyfixest ``CRV1``; ``p_value`` and interval with t(G-1) (``df``), as
        fixest/pyfixest; ``p_wild`` from the wild cluster restricted bootstrap when it ran.

    Warns
    -----
    StaggeredTimingWarning
        When units adopt treatment in more than one period: the TWFE coefficient is then a
        weighted average of 2x2 comparisons, some with negative weights.
    """
    import pyfixest as pf

    level = level_from_alpha(level, alpha, "twfe")
    _, spec = resolve_specs(
        PanelSpec(outcome, unit, time),
        inference,
        {},
        {
            "level": level,
            "cluster": cluster,
            "seed": seed,
            "n_wild": n_wild,
            "wild_weights": wild_weights,
            "few_clusters": few_clusters,
        },
        _ES_INFERENCE,
        "twfe",
    )
    source, cluster = "twfe", spec.cluster
    extra = [treated] + ([cluster] if cluster and cluster != unit else [])
    panel = _prepare_panel(df, outcome, unit, time, extra, source)
    d = _numeric(panel, treated, source, "treatment")
    if not d.dropna().isin([0.0, 1.0]).all():
        raise DataError(
            f"{source}: treatment column {treated!r} must be 0/1; rows "
            f"{_rows(panel.index[~d.isin([0.0, 1.0]) & d.notna()])} are not."
        )
    data = pd.DataFrame(
        {
            "_y": panel[outcome],
            "_d": d,
            "_unit": pd.factorize(panel[unit])[0],
            "_time": panel[time],
            "_cl": pd.factorize(panel[cluster] if cluster else panel[unit])[0],
        }
    ).dropna()
    adoption = sorted(data[data["_d"] == 1].groupby("_unit")["_time"].min().unique().tolist())
    staggered = len(adoption) > 1
    if staggered:
        warnings.warn(
            f"{source}: treatment {treated!r} starts in {len(adoption)} different periods "
            f"({adoption[:6]}{'...' if len(adoption) > 6 else ''}); TWFE with staggered timing "
            "can put negative weights on some comparisons and is biased when effects vary "
            "over time or between cohorts. Use staggered_att / compare_estimators.",
            StaggeredTimingWarning,
            stacklevel=2,
        )
    fit = pf.feols("_y ~ _d | _unit + _time", data=data, vcov={"CRV1": "_cl"})
    b, s = float(fit.coef()["_d"]), float(fit.se()["_d"])
    n_clusters = int(data["_cl"].nunique())
    dof = float(n_clusters - 1)  # t(G-1), as fixest/pyfixest
    row = tidy_frame(treated, b, s, level=spec.level, df=dof).iloc[0]
    n_wild = spec.n_wild
    if n_wild is None:
        n_wild = 9_999 if n_clusters < spec.few_clusters else 0
    p_wild = np.nan
    if n_wild:
        codes = (pd.factorize(data["_unit"])[0], pd.factorize(data["_time"])[0])
        fe = demean_twoway(data[["_y", "_d"]].to_numpy(), *codes)
        weights = wild_weights_for(n_clusters, spec.wild_weights)
        cl = pd.factorize(data["_cl"])[0]
        p_wild = float(
            wild_cluster_pvalues(fe[:, 1:], fe[:, 0], cl, np.array([[1.0]]), int(n_wild), weights, spec.seed, fe=codes)[
                0
            ]
        )
    return TwfeResult(
        estimate=b,
        std_error=s,
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        p_value=float(row["p_value"]),
        p_wild=p_wild,
        n_obs=int(len(data)),
        n_units=int(data["_unit"].nunique()),
        n_clusters=n_clusters,
        adoption_periods=adoption,
        staggered=staggered,
        level=spec.level,
        treated=treated,
        model=fit,
        df=dof,
    )


def compare_estimators(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    window: tuple[int, int] = (-4, 4),
    estimators: Sequence[str] = ("twfe", "sunab", "did2s", "cs"),
    *,
    cluster: str | None = None,
    n_wild: int | None = 0,
    n_boot: int = 0,
    seed: int | None = None,
    level: float | None = None,
    static: bool = True,
    return_results: bool = False,
    alpha: float | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, EventStudyResult]]:
    """TWFE and the heterogeneity-robust estimators side by side, built from their ``tidy()``.

    ``level`` is the confidence level (default 0.95); ``alpha`` is deprecated (jeugdlib
    0.1): use ``level = 1 - alpha``.

    Every estimator that can run on a valid panel is run; one that cannot (e.g. Sun &
    Abraham without a control cohort) is listed with ``term = "not_estimated"`` and its
    ``reason``, with a :class:`~jeugdlib.errors.JeugdlibWarning`. Bad input (missing
    columns, duplicate rows, ...) raises :class:`~jeugdlib.errors.DataError`.

    Returns
    -------
    DataFrame
        Long table ``estimator, term, event_time, estimate, std_error, statistic,
        p_value, ci_low, ci_high, p_wild, df, reason`` (``df``: degrees of freedom of the t
        distribution behind ``p_value``, NaN for normal; pointwise intervals; plus ``ci_low_uniform,
        ci_high_uniform, crit_uniform`` when ``cs`` was bootstrapped with a simultaneous
        band) with ``term`` ``"event"`` (per event time),
        ``"post_average"`` (mean of the ``e >= 0`` effects within ``window``) and, with
        ``static=True``, ``"static"`` for the single-coefficient TWFE
        (``estimator="twfe_static"``). With ``return_results=True`` a tuple ``(table,
        {estimator: EventStudyResult})``.
    """
    level = level_from_alpha(level, alpha, "compare_estimators")
    # bad input (columns, duplicates, cohorts varying within a unit) is the user's to fix: raise
    _event_frame(df, outcome, unit, time, cohort, cluster, "compare_estimators")
    frames, results = [], {}
    for est in estimators:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StaggeredTimingWarning)
                r = event_study(
                    df,
                    outcome,
                    unit,
                    time,
                    cohort,
                    window,
                    est,
                    cluster=cluster,
                    n_wild=n_wild,
                    n_boot=n_boot,
                    seed=seed,
                    level=level,
                )
        except (ValueError, np.linalg.LinAlgError, RuntimeError) as exc:  # DataError is a ValueError
            reason = f"{type(exc).__name__}: {exc}"
            warnings.warn(
                f"compare_estimators: estimator {est!r} could not be estimated on this panel and is listed "
                f"without estimates ({reason})",
                JeugdlibWarning,
                stacklevel=2,
            )
            frames.append(pd.DataFrame({"estimator": [est], "term": ["not_estimated"], "reason": [reason]}))
            continue
        results[est] = r
        frames.append(r.tidy(level=level))
    if static:
        d = df.copy()
        g = pd.to_numeric(d[cohort], errors="coerce").fillna(0)
        d["_treated"] = ((g > 0) & (pd.to_numeric(d[time], errors="coerce") >= g)).astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StaggeredTimingWarning)
            s = twfe(d, outcome, unit, time, "_treated", cluster=cluster, n_wild=n_wild, seed=seed, level=level)
        frames.append(s.tidy(level=level).assign(term="static", event_time=np.nan))
    n_staggered = pd.to_numeric(df[cohort], errors="coerce").replace(0, np.nan).nunique()
    if "twfe" in estimators and n_staggered > 1:
        warnings.warn(
            f"compare_estimators: {n_staggered} adoption periods; the TWFE rows can be biased "
            "under heterogeneous effects (negative weights); read them against the robust rows.",
            StaggeredTimingWarning,
            stacklevel=2,
        )
    cols = [
        "estimator",
        "term",
        "event_time",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "ci_low",
        "ci_high",
        "p_wild",
        "df",
        "reason",
    ]
    if any("ci_low_uniform" in f.columns for f in frames):
        cols += ["ci_low_uniform", "ci_high_uniform", "crit_uniform"]
    table = pd.concat(frames, ignore_index=True).reindex(columns=cols)
    return (table, results) if return_results else table
