"""Figures for :mod:`jeugdlib.multilevel`: variance change, deviations, region slopes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from jeugdlib.multilevel import DeviationShare, ModelComparison, SlopeTest

__all__ = ["plot_deviations", "plot_region_slopes", "plot_variance_change"]

_COLORS = {"higher": "#c0392b", "lower": "#2471a3", "as_expected": "#7f8c8d"}


def plot_variance_change(comparison: ModelComparison, *, title: str | None = None) -> Figure:
    """Grouped bars of the region, gemeente and wijk variance before and after the extension.

    Each pair is annotated with the proportional reduction (negative: the
    variance grew).
    """
    var = comparison.variance[comparison.variance.component != "total"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    x = np.arange(len(var))
    ax.bar(x - 0.2, var.base, width=0.4, label="basismodel", color="#95a5a6")
    ax.bar(x + 0.2, var.extended, width=0.4, label="uitgebreid model", color="#2e86c1")
    for i, r in enumerate(var.itertuples(index=False)):
        ax.annotate(f"{r.proportional_reduction:+.1%}", (i + 0.2, r.extended), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, list(var.component))
    ax.set_ylabel("variantie (modelschaal)")
    ax.set_title(title or "Variantiecomponenten: " + ", ".join(comparison.extra_predictors))
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_deviations(share: DeviationShare, definition: str | None = None, *, title: str | None = None) -> Figure:
    """Observed versus expected share for a region's wijken, coloured by one definition.

    Wijken are sorted by expected value; vertical lines are the prediction
    interval of the first interval definition (if any). A difference is no
    verdict on policy.
    """
    w = share.wijken.dropna(subset=["observed"]).sort_values("expected").reset_index(drop=True)
    defs = list(share.summary.definition)
    key = definition or defs[0]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    x = np.arange(len(w))
    pi_cols = [c for c in w.columns if c.startswith("pi_low_")]
    if pi_cols:
        lev = pi_cols[0].removeprefix("pi_low_")
        ax.vlines(x, w[f"pi_low_{lev}"], w[f"pi_high_{lev}"], color="#d5d8dc", lw=2, label=f"{lev}% interval")
    ax.plot(x, w.expected, color="black", lw=1, label="verwacht")
    colors = w[key].map(_COLORS).fillna("#7f8c8d") if key in w else "#7f8c8d"
    ax.scatter(x, w.observed, c=colors, s=14, zorder=3, label="waargenomen")
    ax.set_xlabel("wijken, gesorteerd op verwacht gebruik")
    ax.set_ylabel("% jeugdigen met jeugdhulp zonder verblijf")
    ax.set_title(title or f"{share.region_name}: waargenomen vs verwacht ({key})")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def plot_region_slopes(slope: SlopeTest, *, per_unit: bool = True, title: str | None = None) -> Figure:
    """Caterpillar plot of the region-specific slopes of a random-slope model."""
    col = "slope_per_unit" if per_unit else "slope_per_sd"
    s = slope.region_slopes.sort_values(col).reset_index(drop=True)
    labels = s["jeugdregio_naam"] if "jeugdregio_naam" in s else s["jeugdregio_code"]
    fig, ax = plt.subplots(figsize=(6, max(4, 0.18 * len(s))))
    ax.scatter(s[col], np.arange(len(s)), s=12, color="#2e86c1")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(s)), labels, fontsize=7)
    unit = "per eenheid" if per_unit else "per SD"
    ax.set_xlabel(f"helling van {slope.predictor} ({unit})")
    ax.set_title(title or f"Random slope per jeugdregio (LR p = {slope.test.p_value:.3g}, mengverdeling)")
    fig.tight_layout()
    return fig
