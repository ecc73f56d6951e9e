"""Choropleth maps of wijk or gemeente values (geopandas + matplotlib)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["choropleth", "choropleth_panel"]


def choropleth(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    title: str = "",
    cmap: str = "viridis",
    diverging: bool = False,
    ax: plt.Axes | None = None,
    legend_label: str = "",
    vmin: float | None = None,
    vmax: float | None = None,
) -> plt.Figure:
    """One map; missing values are hatched grey ("geen gegevens").

    With ``diverging=True`` the colour scale is centred on zero (for differences).
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 6))
    g = gdf.to_crs(28992) if gdf.crs is not None and gdf.crs.to_epsg() != 28992 else gdf
    vals = pd.to_numeric(g[column], errors="coerce")
    if diverging:
        lim = float(np.nanmax(np.abs(vals))) if vals.notna().any() else 1.0
        vmin, vmax, cmap = -lim, lim, "RdBu_r"
    g.plot(
        column=vals,
        ax=ax,
        cmap=cmap,
        legend=True,
        vmin=vmin,
        vmax=vmax,
        edgecolor="white",
        linewidth=0.3,
        missing_kwds={"color": "#eeeeee", "hatch": "///", "edgecolor": "#bbbbbb", "label": "geen gegevens"},
        legend_kwds={"label": legend_label, "shrink": 0.6},
    )
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def choropleth_panel(gdf: gpd.GeoDataFrame, panels: list[tuple[str, str, bool]], *, suptitle: str = "") -> plt.Figure:
    """Several maps side by side: ``panels`` is a list of ``(column, title, diverging)``.

    The non-diverging panels share one colour scale so they can be compared.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 5.5))
    axes = np.atleast_1d(axes)
    shared = [c for c, _, div in panels if not div]
    vals = pd.concat([pd.to_numeric(gdf[c], errors="coerce") for c in shared]) if shared else pd.Series(dtype=float)
    vmin, vmax = (float(vals.quantile(0.02)), float(vals.quantile(0.98))) if vals.notna().any() else (None, None)
    for ax, (col, title, div) in zip(axes, panels, strict=True):
        choropleth(
            gdf,
            col,
            title=title,
            diverging=div,
            ax=ax,
            vmin=None if div else vmin,
            vmax=None if div else vmax,
            legend_label="%" if not div else "procentpunt",
        )
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
