"""Static choropleth maps of wijk or gemeente values (geopandas + matplotlib), for notebooks.

The HTML reports use the interactive :mod:`jeugdlib.plots.svgmap`; both share :func:`robust_limits`, so a
single outlier never stretches a difference scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from jeugdlib.plots.svgmap import robust_limits

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["choropleth", "choropleth_panel", "robust_limits"]

_MISSING = {"color": "#eeeeee", "hatch": "///", "edgecolor": "#bbbbbb", "label": "geen gegevens"}
_HIDDEN = {"color": "#dddddd", "hatch": "\\\\\\", "edgecolor": "#888888", "label": "afgeschermd"}


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
    quantile: float = 0.95,
) -> plt.Figure:
    """One map; missing values are hatched ("geen gegevens", or "afgeschermd" where ``status`` says so).

    With ``diverging=True`` the scale is symmetric around zero at :func:`robust_limits` (``quantile`` of
    ``|value|``; an explicit ``vmin``/``vmax`` is ignored); wijken beyond it keep the end colour, get a dashed
    black outline and the colour bar an arrow. A legend explains the hatching and the outline.
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 6))
    g = gdf.to_crs(28992) if gdf.crs is not None and gdf.crs.to_epsg() != 28992 else gdf
    vals = pd.to_numeric(g[column], errors="coerce")
    if diverging:
        vmin, vmax = robust_limits(vals, symmetric=True, quantile=quantile)
        cmap = "RdBu_r"
    hidden = vals.isna() & (g["status"] == "afgeschermd") if "status" in g else pd.Series(False, index=g.index)
    lo = vmin if vmin is not None else vals.min()
    hi = vmax if vmax is not None else vals.max()
    clipped = (vals < lo - 1e-9) | (vals > hi + 1e-9)
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max", (True, True): "both"}[
        (bool((vals < lo - 1e-9).any()), bool((vals > hi + 1e-9).any()))
    ]
    base = g[~hidden]
    base.plot(
        column=vals[~hidden],
        ax=ax,
        cmap=cmap,
        legend=True,
        vmin=vmin,
        vmax=vmax,
        edgecolor="white",
        linewidth=0.3,
        missing_kwds=_MISSING,
        legend_kwds={"label": legend_label, "shrink": 0.6, "extend": extend},
    )
    handles = [Patch(facecolor=_MISSING["color"], edgecolor=_MISSING["edgecolor"], hatch="///", label="geen gegevens")]
    if hidden.any():
        g[hidden].plot(ax=ax, color=_HIDDEN["color"], hatch=_HIDDEN["hatch"], edgecolor=_HIDDEN["edgecolor"])
        handles.append(
            Patch(facecolor=_HIDDEN["color"], edgecolor=_HIDDEN["edgecolor"], hatch="\\\\\\", label="afgeschermd")
        )
    if clipped.any():
        g[clipped].boundary.plot(ax=ax, color="black", linewidth=1.0, linestyle="--")
        handles.append(Patch(facecolor="none", edgecolor="black", linestyle="--", label="buiten de kleurschaal"))
    ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def choropleth_panel(gdf: gpd.GeoDataFrame, panels: list[tuple[str, str, bool]], *, suptitle: str = "") -> plt.Figure:
    """Several maps side by side: ``panels`` is a list of ``(column, title, diverging)``.

    The non-diverging panels share one colour scale (2nd–98th percentile of their values together) so they
    can be compared; diverging panels use the robust symmetric scale of :func:`choropleth`.
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
