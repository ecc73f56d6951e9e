"""Figures for :mod:`jeugdlib.trajectories` (labels in Dutch, for reports).

Every function returns a matplotlib :class:`~matplotlib.figure.Figure`. Pass
tables whose counts have been through :func:`jeugdlib.disclosure.protect`
when the figure shows counts (flows, transitions).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from jeugdlib.trajectories import CostDecomposition, DurationResult, code_labels

__all__ = [
    "plot_cost_decomposition",
    "plot_duration_buckets",
    "plot_flows",
    "plot_survival",
    "plot_transitions",
]

_FACTOR_LABELS = {
    "clients": "aantal cliënten",
    "care_months_per_client": "zorgmaanden per cliënt",
    "cost_per_care_month": "kosten per zorgmaand",
}


def _label(group: object) -> str:
    labels = code_labels("productcategorie")
    g = str(group)
    return f"{g} {labels[g]}" if g in labels else g


def plot_survival(
    result: DurationResult, groups: Sequence[object] | None = None, *, title: str | None = None
) -> Figure:
    """Kaplan–Meier curves: share of trajectories still running after *t* months.

    Parameters
    ----------
    result:
        From :func:`jeugdlib.trajectories.durations`.
    groups:
        Groups to draw (default all, at most 8).
    title:
        Figure title.
    """
    surv = result.survival
    keys = list(dict.fromkeys(surv["group"])) if groups is None else list(groups)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key in keys[:8]:
        sub = surv[surv["group"] == key]
        ax.step(sub["days"] / (365.25 / 12), sub["survival"], where="post", label=_label(key))
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("maanden sinds begin traject")
    ax.set_ylabel("aandeel nog lopend")
    ax.set_ylim(0, 1.02)
    ax.set_title(title or "Duur van trajecten (Kaplan–Meier, lopende trajecten gecensureerd)")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def plot_duration_buckets(result: DurationResult, *, column: str = "km_share", title: str | None = None) -> Figure:
    """Bar chart of the CBS/BMC duration buckets (share of trajectories).

    Parameters
    ----------
    result:
        From :func:`jeugdlib.trajectories.durations`.
    column:
        ``"km_share"`` (Kaplan–Meier, includes running trajectories) or
        ``"share_completed"`` (completed trajectories only).
    """
    tab = result.buckets.pivot(index="bucket", columns="group", values=column)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    tab.rename(columns=_label).plot.bar(ax=ax, width=0.8)
    ax.set_xlabel("duur")
    ax.set_ylabel("aandeel trajecten")
    ax.tick_params(axis="x", rotation=0)
    ax.set_title(title or "Trajecten naar duurklasse")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def plot_flows(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Inflow and outflow (lines) and the stock at the end of each period (bars).

    Parameters
    ----------
    table:
        From :func:`jeugdlib.trajectories.flows` (``by=None``), preferably
        passed through :func:`jeugdlib.disclosure.protect`.
    """
    x = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.bar(x, table["stock_end"], color="#c6dbef", label="lopend aan eind periode")
    ax.plot(x, table["inflow"], marker="o", color="#2171b5", label="instroom")
    ax.plot(x, table["outflow"], marker="s", color="#cb181d", label="uitstroom")
    ax.set_xticks(x, [str(i) for i in table.index], rotation=45 if len(table) > 8 else 0)
    ax.set_ylabel("aantal trajecten")
    ax.set_title(title or "Instroom, uitstroom en lopende trajecten")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def plot_cost_decomposition(result: CostDecomposition, *, title: str | None = None) -> Figure:
    """Waterfall: cost in the base year, the three LMDI effects, cost in the end year."""
    y0, y1 = result.base_year, result.end_year
    c0 = float(result.yearly.loc[y0, "cost"])
    c1 = float(result.yearly.loc[y1, "cost"])
    eff = result.effects["effect_eur"]
    names = [f"kosten {y0}", *(_FACTOR_LABELS[k] for k in _FACTOR_LABELS), f"kosten {y1}"]
    steps = [eff[k] for k in _FACTOR_LABELS]
    bottoms = [0.0]
    level = c0
    for s in steps:
        bottoms.append(level if s >= 0 else level + s)
        level += s
    bottoms.append(0.0)
    heights = [c0, *np.abs(steps), c1]
    colors = ["#969696", *("#cb181d" if s >= 0 else "#238b45" for s in steps), "#525252"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.bar(range(len(names)), np.array(heights) / 1e6, bottom=np.array(bottoms) / 1e6, color=colors)
    for i, s in enumerate(steps, start=1):
        ax.text(i, (bottoms[i] + heights[i]) / 1e6, f"{s / 1e6:+.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylabel("miljoen euro")
    ax.set_title(title or f"Kostengroei {y0}–{y1} ontleed (LMDI)")
    fig.tight_layout()
    return fig


def plot_transitions(matrix: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Heat map of row percentages of a transition matrix (suppressed cells blank).

    Parameters
    ----------
    matrix:
        ``CarePathsResult.transitions``, preferably after
        :func:`jeugdlib.disclosure.protect` (``NaN`` = suppressed).
    """
    m = matrix.astype(float)
    pct = 100 * m.div(m.sum(axis=1, min_count=1), axis=0)
    fig, ax = plt.subplots(figsize=(8, 5))
    im = ax.imshow(pct.to_numpy(), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(pct.shape[1]), [str(c) for c in pct.columns], rotation=45, ha="right")
    ax.set_yticks(range(pct.shape[0]), [_label(r) for r in pct.index])
    for (i, j), v in np.ndenumerate(pct.to_numpy()):
        if np.isfinite(v) and v >= 1:
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7, color="black" if v < 60 else "white")
    ax.set_xlabel("volgend traject")
    ax.set_ylabel("traject")
    ax.set_title(title or "Zorgpaden: van traject naar volgend traject (% van rij)")
    fig.colorbar(im, ax=ax, label="% van rij")
    fig.tight_layout()
    return fig
