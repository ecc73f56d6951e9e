"""Embedded boundaries (wijk, gemeente, jeugdregio) as GeoDataFrames.

geopandas and shapely are imported inside the functions: they are slow to import.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from jeugdlib.data._datasets import embedded_path
from jeugdlib.errors import DataError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["load_geometries"]

_GEO = {
    ("wijk", 2022): "wijken_2022_geo",
    ("gemeente", 2022): "gemeenten_2022_geo",
    ("jeugdregio", 2017): "jeugdregio_2017_geo",
    ("jeugdregio", 2022): "jeugdregio_2022_geo",
}


@functools.cache
def _geometries(level: str, year: int) -> gpd.GeoDataFrame:
    import geopandas as gpd

    name = _GEO[(level, year)]
    path = embedded_path(name)
    if path.suffix == ".topojson":
        gdf = _read_topojson(path)
    else:
        gdf = gpd.read_file(path)
    if level == "wijk":
        gdf = gdf.rename(columns={"statcode": "wijkcode", "gm_naam": "gemeentenaam"})
        gdf["gemeentecode"] = "GM" + gdf["wijkcode"].str[2:6]
    elif level == "gemeente":
        gdf = gdf.rename(columns={"statcode": "gemeentecode", "statnaam": "gemeentenaam"})
    else:
        gdf = gdf.rename(columns={"statcode": "jeugdregio_code", "statnaam": "jeugdregio_naam"})
    return gdf


def _read_topojson(path: Path) -> gpd.GeoDataFrame:
    """Decode a TopoJSON file (quantised arcs) into a GeoDataFrame.

    GDAL's TopoJSON driver is not built into every pyogrio wheel, and the
    format is simple, so it is decoded here with shapely.
    """
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, Polygon

    topo = json.loads(path.read_text(encoding="utf-8"))
    tf = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        pts = np.asarray(arc, dtype=float)
        if tf:
            pts = np.cumsum(pts, axis=0) * np.asarray(tf["scale"]) + np.asarray(tf["translate"])
        arcs.append(pts)

    def ring(indices: list[int]) -> np.ndarray:
        parts = []
        for k, i in enumerate(indices):
            seg = arcs[i] if i >= 0 else arcs[~i][::-1]
            parts.append(seg if k == 0 else seg[1:])
        return np.vstack(parts)

    def geom(obj: dict):
        if obj["type"] == "Polygon":
            rings = [ring(r) for r in obj["arcs"]]
            return Polygon(rings[0], rings[1:])
        if obj["type"] == "MultiPolygon":
            polys = [[ring(r) for r in poly] for poly in obj["arcs"]]
            return MultiPolygon([Polygon(p[0], p[1:]) for p in polys])
        return None

    rows = []
    for collection in topo["objects"].values():
        for g in collection.get("geometries", []):
            rows.append({**(g.get("properties") or {}), "geometry": geom(g)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def load_geometries(level: Literal["wijk", "gemeente", "jeugdregio"], year: int = 2022) -> gpd.GeoDataFrame:
    """Boundaries as a GeoDataFrame (WGS84): wijk 2022, gemeente 2022, jeugdregio 2017/2022.

    Wijken carry ``wijkcode, gemeentecode, gemeentenaam``; gemeenten
    ``gemeentecode, gemeentenaam``; jeugdregio's the properties of the source
    file. Goeree-Overflakkee (GM1924) is missing from the 2022 wijk map.
    """
    if (level, year) not in _GEO:
        raise DataError(f"no embedded geometries for level={level!r}, year={year}; available: {sorted(_GEO)}")
    return _geometries(level, year).copy()
