"""Figures for difference-in-differences: event studies, ATT(g,t) and intensity comparisons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from jeugdlib.did import AttResult, EventStudyResult, GrowthResult, IntensityResult

__all__ = ["att_gt_plot", "event_study_plot", "growth_plot", "intensity_plot"]

ESTIMATOR_LABELS = {
    "twfe": "TWFE (dynamisch)",
    "sunab": "Sun & Abraham",
    "did2s": "Gardner did2s",
    "cs": "Callaway & Sant'Anna",
    "truth": "werkelijk (simulatie)",
}
ESTIMATOR_COLOURS = {
    "twfe": "#c0392b",
    "sunab": "#2471a3",
    "did2s": "#27ae60",
    "cs": "#8e44ad",
    "truth": "#222222",
}


def _as_table(obj: object) -> pd.DataFrame:
    """Event-study coefficients ``event_time, estimate, ci_low, ci_high`` of one estimator."""
    if hasattr(obj, "coefs"):
        return obj.coefs  # EventStudyResult
    if isinstance(obj, pd.DataFrame):
        d = obj.rename(columns={"att": "estimate"})
        if "term" in d.columns:
            d = d[d["term"] == "event"]
        if "ci_low_uniform" in d.columns:  # a tidy() table: draw the simultaneous band where there is one
            band = d["ci_low_uniform"].notna()
            d = d.assign(
                ci_low=d["ci_low_uniform"].where(band, d["ci_low"]),
                ci_high=d["ci_high_uniform"].where(band, d["ci_high"]),
            )
        return d
    raise TypeError("expected an EventStudyResult or a DataFrame with event_time/estimate columns")


def event_study_plot(
    results: EventStudyResult | pd.DataFrame | Mapping[str, EventStudyResult | pd.DataFrame],
    *,
    truth: pd.DataFrame | None = None,
    title: str | None = None,
    ylabel: str = "effect",
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Event-study coefficients with confidence intervals; several estimators side by side.

    Parameters
    ----------
    results:
        One :class:`~jeugdlib.did.EventStudyResult`, a mapping ``{estimator:
        result}``, or the long table of :func:`jeugdlib.did.compare_estimators`
        (one series per ``estimator``; its ``term == "event"`` rows are used).
    truth:
        Optional ``event_time, att`` (e.g. :func:`jeugdlib.did.true_att` with
        ``kind="dynamic"``) drawn as a black line.
    title, ylabel, ax:
        Labels; draw into an existing axis.
    """
    if isinstance(results, pd.DataFrame) and "estimator" in results.columns:
        series = {e: d for e, d in results.groupby("estimator", sort=False) if (d["term"] == "event").any()}
    elif isinstance(results, Mapping):
        series = dict(results)
    else:
        name = getattr(results, "estimator", "estimate")
        series = {name: results}
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7.5, 4.5))
    k = len(series)
    offsets = np.linspace(-0.12 * (k - 1), 0.12 * (k - 1), k) if k > 1 else [0.0]
    for off, (name, res) in zip(offsets, series.items(), strict=True):
        d = _as_table(res).sort_values("event_time")[["event_time", "estimate", "ci_low", "ci_high"]]
        d = d.astype(float)
        x = d["event_time"].to_numpy() + off
        colour = ESTIMATOR_COLOURS.get(name)
        ax.errorbar(
            x,
            d["estimate"].to_numpy(),
            yerr=np.vstack([(d["estimate"] - d["ci_low"]).to_numpy(), (d["ci_high"] - d["estimate"]).to_numpy()]),
            fmt="o",
            ms=4,
            capsize=2,
            color=colour,
            label=ESTIMATOR_LABELS.get(name, name),
        )
    if truth is not None:
        t = truth.sort_values("event_time")
        ax.plot(
            t["event_time"].to_numpy(float),
            t["att"].to_numpy(float),
            color=ESTIMATOR_COLOURS["truth"],
            lw=1.2,
            ls="--",
            label=ESTIMATOR_LABELS["truth"],
        )
    ax.axhline(0, color="#888888", lw=0.8)
    ax.axvline(-0.5, color="#888888", lw=0.8, ls=":")
    ax.set_xlabel("jaren sinds invoering (event time)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def att_gt_plot(result: AttResult, *, title: str | None = None) -> plt.Figure:
    """ATT(g,t) per cohort (one panel per group), pre-periods grey, post-periods coloured."""
    tab = result.att_gt
    groups = sorted(tab["group"].unique())
    fig, axes = plt.subplots(len(groups), 1, figsize=(7, 1.9 * len(groups) + 0.6), sharex=True, squeeze=False)
    for ax, g in zip(axes[:, 0], groups, strict=True):
        d = tab[tab["group"] == g]
        for post, colour in ((False, "#7f8c8d"), (True, "#2471a3")):
            p = d[d["post"] == post]
            ax.errorbar(
                p["time"].to_numpy(float),
                p["estimate"].to_numpy(float),
                yerr=np.vstack(
                    [(p["estimate"] - p["ci_low"]).to_numpy(float), (p["ci_high"] - p["estimate"]).to_numpy(float)]
                ),
                fmt="o",
                ms=4,
                capsize=2,
                color=colour,
            )
        ax.axhline(0, color="#888888", lw=0.8)
        ax.set_ylabel(f"cohort {g}", fontsize=8)
    axes[-1, 0].set_xlabel("jaar")
    band = "simultane" if result.n_boot > 0 else "puntsgewijze"
    fig.suptitle(title or f"ATT(g,t) met {band} 95%-banden", fontsize=10)
    fig.tight_layout()
    return fig


def _bars_with_ci(ax: plt.Axes, tab: pd.DataFrame, col: str, color: Any, *, errorbars: bool) -> None:
    """One bar per ``group`` of ``tab`` (height ``col``), ``ci_low``–``ci_high`` error bars and a zero line."""
    x = np.arange(len(tab))
    y = tab[col].to_numpy(float)
    ax.bar(x, y, color=color)
    if errorbars:
        ax.errorbar(
            x,
            y,
            yerr=np.vstack([y - tab["ci_low"].to_numpy(float), tab["ci_high"].to_numpy(float) - y]),
            fmt="none",
            color="black",
            capsize=3,
        )
    ax.set_xticks(x, [str(g) for g in tab["group"]])
    ax.axhline(0, color="#888888", lw=0.8)


def intensity_plot(result: IntensityResult, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """Growth per intensity group (e.g. weinig / midden / veel wijkteamhulp) with CIs."""
    tab = result.groups
    col = "growth_pct" if "growth_pct" in tab.columns else "change_mean"
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 4))
    colors = ["#95a5a6", "#5d9cec", "#2c3e50"][: len(tab)] if len(tab) <= 3 else None
    _bars_with_ci(ax, tab, col, colors, errorbars=True)
    ax.set_xlabel("intensiteitsgroep")
    ax.set_ylabel("groei (%)" if col == "growth_pct" else "verandering")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def growth_plot(result: GrowthResult, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """Percentage growth per group between ``base_year`` and ``end_year`` with bootstrap CIs."""
    tab = result.table
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 4))
    _bars_with_ci(ax, tab, "growth_pct", "#5d9cec", errorbars=bool(tab["ci_low"].notna().all()))
    ax.set_ylabel(f"groei {result.base_year}-{result.end_year} (%)")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
