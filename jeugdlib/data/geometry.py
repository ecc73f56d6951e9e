"""Embedded boundaries (wijk, gemeente, jeugdregio) as GeoDataFrames.

geopandas and shapely are imported inside the functions: they are slow to import.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from jeugdlib.data._datasets import EMBEDDED_DIR, embedded_path
from jeugdlib.errors import DataError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["RegionGeometry", "assemble_region_geometry", "load_geometries", "region_wijk_geometries"]

#: Wijk polygons that the main 2022 wijk file lacks (Goeree-Overflakkee, GM1924), from the same CBS
#: wijk- en buurtkaart 2022 (generalised layer, via cartomap/nl; provenance inside the file).
_WIJK_SUPPLEMENTS = {2022: "geo/wijken_2022_gm1924.geojson"}

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


# --------------------------------------------------------------------------- region geometry for maps
@dataclasses.dataclass(frozen=True)
class RegionGeometry:
    """The drawable geometry of one jeugdregio, with what could not be drawn.

    ``frame``
        GeoDataFrame in EPSG:28992 with ``wijkcode, wijknaam, gemeentecode, gemeentenaam, level, geometry``.
        ``level`` is ``"wijk"`` for a wijk polygon and ``"gemeente"`` for (the rest of) a gemeente drawn as one
        feature because its wijk polygons are missing; such a row has ``wijkcode`` = the gemeentecode.
    ``missing``
        Wijken of the region (per :func:`jeugdlib.data.load_wijken`) without an own polygon:
        ``wijkcode, wijknaam, gemeentecode, gemeentenaam``.
    ``extra``
        Wijk polygons of the region's gemeenten whose code is not in the wijk figures (same columns); they are
        drawn (without figures) and named in the note, so they never appear or vanish silently.
    ``note``
        One or more Dutch sentences naming what is missing or extra and why; ``""`` when everything matches.
    """

    jeugdregio_code: str
    year: int
    frame: gpd.GeoDataFrame
    missing: pd.DataFrame
    extra: pd.DataFrame
    note: str

    def copy(self) -> RegionGeometry:
        """A copy whose frames can be changed without touching the cache."""
        return dataclasses.replace(self, frame=self.frame.copy(), missing=self.missing.copy(), extra=self.extra.copy())


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _names(names: list[str], limit: int = 6) -> str:
    """Dutch enumeration: 'A, B en C' (with 'en nog n' beyond ``limit``)."""
    names = [str(x) for x in names]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" en nog {len(names) - limit}"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _simplify(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Topology-preserving simplification; keeps the original where simplification breaks a polygon."""
    import shapely

    if tolerance_m <= 0:
        return geoms
    simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    bad = shapely.is_empty(simple) | ~shapely.is_valid(simple)
    simple[bad] = geoms[bad]
    return simple


def _to_rd(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:28992 (Rijksdriehoek); a frame without CRS is taken to be in RD already."""
    return gdf.to_crs(28992) if gdf.crs is not None and gdf.crs.to_epsg() != 28992 else gdf


def assemble_region_geometry(
    wijken: pd.DataFrame,
    wijk_geo: gpd.GeoDataFrame,
    gemeente_geo: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 15.0,
    year: int = 2022,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, str]:
    """Match a region's wijk rows to polygons: ``(frame, missing, extra, note)`` as in :class:`RegionGeometry`.

    ``wijken`` holds the region's wijken (``wijkcode, wijknaam, gemeentecode, gemeentenaam``); ``wijk_geo``
    and ``gemeente_geo`` are boundaries in any CRS (``wijkcode, gemeentecode`` / ``gemeentecode``). A gemeente
    whose wijken lack polygons is drawn as one ``level="gemeente"`` feature: the gemeente polygon minus the
    wijk polygons that do exist. Pure function: no I/O.
    """
    import geopandas as gpd

    cols = ["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam"]
    wijken = wijken[cols].drop_duplicates("wijkcode").reset_index(drop=True)
    gm_codes = list(dict.fromkeys(wijken["gemeentecode"]))
    gm_names = dict(zip(wijken["gemeentecode"], wijken["gemeentenaam"], strict=False))
    wg = _to_rd(wijk_geo)
    wg = wg[wg["gemeentecode"].isin(gm_codes) & wg.geometry.notna() & ~wg.geometry.is_empty]
    wg = wg.drop_duplicates("wijkcode")
    known = set(wijken["wijkcode"])
    drawn = set(wg["wijkcode"])
    missing = wijken[~wijken["wijkcode"].isin(drawn)].reset_index(drop=True)
    extra_geo = wg[~wg["wijkcode"].isin(known)]
    extra = pd.DataFrame(
        {
            "wijkcode": extra_geo["wijkcode"].to_numpy(),
            "wijknaam": extra_geo["wijkcode"].to_numpy(),
            "gemeentecode": extra_geo["gemeentecode"].to_numpy(),
            "gemeentenaam": extra_geo["gemeentecode"].map(gm_names).to_numpy(),
        },
        columns=cols,
    )
    names = dict(zip(wijken["wijkcode"], wijken["wijknaam"], strict=True))
    rows = pd.DataFrame(
        {
            "wijkcode": wg["wijkcode"].to_numpy(),
            "wijknaam": [names.get(c, c) for c in wg["wijkcode"]],
            "gemeentecode": wg["gemeentecode"].to_numpy(),
            "gemeentenaam": wg["gemeentecode"].map(gm_names).to_numpy(),
            "level": "wijk",
        }
    )
    geoms = list(wg.geometry.to_numpy())
    notes = []
    gg = _to_rd(gemeente_geo)
    for gm, part in missing.groupby("gemeentecode", sort=False):
        n_all = int((wijken["gemeentecode"] == gm).sum())
        name = gm_names.get(gm, gm)
        poly = gg.loc[gg["gemeentecode"] == gm, "geometry"]
        have = wg.loc[wg["gemeentecode"] == gm, "geometry"]
        rest = None
        if len(poly):
            rest = poly.union_all()
            if len(have):
                rest = rest.difference(have.union_all())
            if rest.is_empty or rest.area < 1e-3 * poly.union_all().area:
                rest = None
        source = f"in de meegeleverde wijk- en buurtkaart {year}"
        if len(part) == n_all:
            head = f"Van {name} ({_plural(n_all, 'wijk', 'wijken')}) ontbreken de wijkgrenzen {source}"
            tail = "de gemeente is als geheel getekend" if rest is not None else "ook de gemeentegrens ontbreekt"
        else:
            head = (
                f"Van {name} ontbreken de grenzen van {_plural(len(part), 'wijk', 'wijken')} "
                f"({_names(list(part['wijknaam']))}) {source}"
            )
            tail = "dat deel van de gemeente is als geheel getekend" if rest is not None else "ze zijn niet getekend"
        wijk_word = "de wijk staat" if len(part) == 1 else "de wijken staan"
        notes.append(f"{head}; {tail} en {wijk_word} in de tabel.")
        if rest is not None:
            rows.loc[len(rows)] = [gm, name, gm, name, "gemeente"]
            geoms.append(rest)
    if len(extra):
        notes.append(
            f"De kaart bevat {_plural(len(extra), 'wijkvlak', 'wijkvlakken')} zonder wijkcijfers {year} "
            f"({_names(list(extra['wijkcode']))}); {'dat is' if len(extra) == 1 else 'die zijn'} "
            "getekend als ‘geen gegevens’."
        )
    simple = _simplify(np.asarray(geoms, dtype=object), tolerance_m) if geoms else np.asarray([], dtype=object)
    frame = gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(list(simple), crs=28992), crs=28992)
    order = {c: i for i, c in enumerate(gm_codes)}
    frame = frame.assign(_o=frame["gemeentecode"].map(order)).sort_values(["_o", "level", "wijkcode"], kind="stable")
    frame = frame.drop(columns="_o").reset_index(drop=True)
    frame = frame[[*cols, "level", "geometry"]]
    return frame, missing, extra, " ".join(notes)


def _wijk_polygons(year: int) -> gpd.GeoDataFrame:
    """The wijk boundaries of ``year`` plus the embedded supplements (codes not in the main file)."""
    import geopandas as gpd

    main = _geometries("wijk", year)
    sup_name = _WIJK_SUPPLEMENTS.get(year)
    if sup_name is None:
        return main
    sup = gpd.read_file(EMBEDDED_DIR / sup_name).rename(columns={"statcode": "wijkcode", "gm_naam": "gemeentenaam"})
    sup["gemeentecode"] = "GM" + sup["wijkcode"].str[2:6]
    sup = sup[~sup["wijkcode"].isin(main["wijkcode"])]
    return pd.concat([main, sup[["wijkcode", "gemeentenaam", "gemeentecode", "geometry"]]], ignore_index=True)


@functools.cache
def _region_geometry(jeugdregio_code: str, year: int, tolerance_m: float) -> RegionGeometry:
    from jeugdlib.data import load_wijken

    wijken = load_wijken(year)
    region = wijken[wijken["jeugdregio_code"] == jeugdregio_code]
    if region.empty:
        raise DataError(f"jeugdregio {jeugdregio_code!r} has no wijken in {year}")
    frame, missing, extra, note = assemble_region_geometry(
        region, _wijk_polygons(year), _geometries("gemeente", year), tolerance_m=tolerance_m, year=year
    )
    return RegionGeometry(jeugdregio_code, year, frame, missing, extra, note)


def region_wijk_geometries(jeugdregio_code: str, year: int = 2022, tolerance_m: float = 15.0) -> RegionGeometry:
    """Simplified wijk geometry of one jeugdregio for maps (EPSG:28992), cached per (code, year, tolerance).

    Every wijk of the region in :func:`jeugdlib.data.load_wijken` is either a ``level="wijk"`` row of
    ``frame`` or listed in ``missing`` and named in ``note``; see :class:`RegionGeometry`. Goeree-Overflakkee,
    absent from the main 2022 wijk file, comes from an embedded supplement of the same CBS wijk- en buurtkaart.
    Returns a copy, so callers may change it.
    """
    if ("wijk", year) not in _GEO:
        raise DataError(f"no embedded wijk geometries for {year}; available: 2022")
    return _region_geometry(str(jeugdregio_code).upper(), int(year), float(tolerance_m)).copy()
