"""Figures for the SCP model: observed vs expected, caterpillar and coefficient plots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

if TYPE_CHECKING:
    from jeugdlib.scp import ScpModel

__all__ = ["caterpillar", "coefficient_plot", "observed_vs_expected", "FLAG_COLOURS", "FLAG_LABELS"]

FLAG_COLOURS = {"higher": "#c0392b", "lower": "#2471a3", "as_expected": "#9e9e9e"}
FLAG_LABELS = {"higher": "hoger dan verwacht", "lower": "lager dan verwacht", "as_expected": "zoals verwacht"}


def observed_vs_expected(
    expected: pd.DataFrame,
    *,
    title: str | None = None,
    show_intervals: bool = True,
    level: float | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Observed against expected share per wijk, with the prediction interval and flags.

    ``expected`` is the output of :meth:`jeugdlib.scp.ScpModel.expected`; wijken
    without an observed share are left out. One scatter per flag (higher, lower,
    as expected; legend entries with their counts), the diagonal ``observed =
    expected``, and — for at most 400 wijken and ``show_intervals`` — the
    prediction interval of each wijk as a vertical grey line. ``level`` (the
    interval level passed to ``expected()``) is named in the legend when given.
    """
    d = expected.dropna(subset=["observed"])
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.5, 6))
    if show_intervals and len(d) <= 400:
        interval_label = f"{round(level * 100):d}%-voorspellingsinterval" if level is not None else None
        ax.vlines(d.expected, d.pi_low, d.pi_high, color="#cccccc", lw=0.8, zorder=1, label=interval_label)
    for flag, colour in FLAG_COLOURS.items():
        part = d[d.flag == flag]
        if len(part):
            ax.scatter(
                part.expected,
                part.observed,
                s=14 if len(d) > 400 else 24,
                color=colour,
                label=f"{FLAG_LABELS[flag]} ({len(part)})",
                alpha=0.75,
                zorder=2,
                edgecolor="none",
            )
    lo = float(np.nanmin([d.expected.min(), d.observed.min()])) if len(d) else 0.0
    hi = float(np.nanmax([d.expected.max(), d.observed.max()])) if len(d) else 1.0
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", zorder=0)
    ax.set_xlabel("verwacht gebruik (%)")
    ax.set_ylabel("waargenomen gebruik (%)")
    ax.set_title(title or "Waargenomen en verwacht gebruik per wijk")
    ax.legend(frameon=False, loc="upper left", fontsize=8)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def caterpillar(
    model: ScpModel,
    level: Literal["gemeente", "jeugdregio"] = "jeugdregio",
    *,
    codes: list[str] | None = None,
    names: dict[str, str] | None = None,
    top: int | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Random effects with 95% intervals (conditional SDs), sorted.

    ``codes`` restricts to some gemeenten/regions; ``names`` maps codes to labels;
    ``top`` keeps the ``top`` largest absolute effects.
    """
    if level == "jeugdregio":
        eff, var = model.region_effects, model.region_effect_var
    elif level == "gemeente":
        eff, var = model.gemeente_effects, model.gemeente_effect_var
    else:
        raise ValueError("level must be 'gemeente' or 'jeugdregio'")
    d = pd.DataFrame({"effect": eff, "se": np.sqrt(var.reindex(eff.index))})
    if codes is not None:
        d = d.loc[d.index.intersection(codes)]
    if top is not None:
        d = d.reindex(d.effect.abs().sort_values(ascending=False).index[:top])
    d = d.sort_values("effect")
    labels = [names.get(c, c) if names else c for c in d.index]
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.5, max(2.5, 0.22 * len(d) + 1)))
    y = np.arange(len(d))
    ax.errorbar(d.effect, y, xerr=1.96 * d.se, fmt="o", color="#34495e", ms=4, lw=1, capsize=0)
    ax.axvline(0, color="black", lw=0.8, ls="--")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("effect op gebruik (procentpunt)" if model.transform is None else "effect (modelschaal)")
    ax.set_title("Effecten per " + ("jeugdregio" if level == "jeugdregio" else "gemeente"))
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def coefficient_plot(model: ScpModel, *, ax: plt.Axes | None = None) -> plt.Figure:
    """Fixed effects per standard deviation of each predictor, with 95% CIs."""
    c = model.coefficients()
    c = c[c.term != "const"].sort_values("estimate")
    labels = [
        f"{t}: {lab[:38]}…"
        if isinstance(lab, str) and len(lab) > 38
        else (f"{t}: {lab}" if isinstance(lab, str) else t)
        for t, lab in zip(c.term, c.label, strict=True)
    ]
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(8, max(3, 0.25 * len(c) + 1)))
    y = np.arange(len(c))
    colours = np.where(c.ci_low > 0, "#c0392b", np.where(c.ci_high < 0, "#2471a3", "#9e9e9e"))
    ax.hlines(y, c.ci_low, c.ci_high, color=colours, lw=1.5)
    ax.scatter(c.estimate, y, color=colours, s=18, zorder=3)
    ax.axvline(0, color="black", lw=0.8, ls="--")
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("verandering in gebruik per standaarddeviatie (procentpunt)")
    ax.set_title("Samenhang van wijkkenmerken met jeugdhulpgebruik")
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig
