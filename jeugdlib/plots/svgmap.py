"""Interactive, self-contained inline-SVG maps of wijk values for the HTML reports.

No external resources and no JavaScript: each wijk is an SVG ``<path>`` with a ``<title>`` child (the
browser shows it on hover, screen readers read it), hatch patterns mark hidden or missing figures, and a
legend and a numbered key sit inside the ``<figure>``.

Frame contract (one row per drawn feature; the report builds it, see :func:`map_frame`)::

    wijkcode, wijknaam, gemeentenaam, waargenomen, verwacht, verschil, pi_laag, pi_hoog,
    categorie (Dutch text or None), status, geometry (EPSG:28992; other CRSs are reprojected)

``status`` is ``"gepubliceerd"``, ``"afgeschermd"`` (count hidden for privacy), ``"geen gegevens"`` or, for a
gemeente drawn as a whole because its wijk polygons are missing, ``"geen wijkgrenzen"``. Shares are in %,
differences and the interval (``pi_laag``, ``pi_hoog``) in procentpunt.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

    from jeugdlib.data.geometry import RegionGeometry

__all__ = [
    "STATUSES",
    "map_frame",
    "map_svg",
    "map_style",
    "region_maps_html",
    "robust_limits",
    "wijk_numbers",
]

#: Allowed values of the ``status`` column.
STATUSES = ("gepubliceerd", "afgeschermd", "geen gegevens", "geen wijkgrenzen")
_LABELS = {"waargenomen": "waargenomen", "verwacht": "verwacht", "verschil": "verschil"}
_SEQ_CMAP, _DIV_CMAP = "viridis", "RdBu_r"
_MINUS = "\u2212"


# --------------------------------------------------------------------------- numbers and scales
def _nl(x: float, decimals: int = 1, *, sign: bool = False) -> str:
    """Dutch number: decimal comma, thousands dot, a real minus sign; ``sign`` adds '+' to positives."""
    text = f"{abs(x):,.{decimals}f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    if round(x, decimals) < 0:
        return _MINUS + text
    return ("+" + text) if sign and round(x, decimals) > 0 else text


def _finite(values: object) -> np.ndarray:
    arr = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    return arr[np.isfinite(arr)]


def robust_limits(
    values: object,
    *,
    symmetric: bool = True,
    quantile: float = 0.95,
    floor: float = 0.5,
) -> tuple[float, float]:
    """Colour limits that one outlier cannot stretch.

    Symmetric (differences): ``±max(q, floor)`` with ``q`` the ``quantile`` of ``|value|`` (linear
    interpolation); the floor keeps small differences from looking large. Otherwise ``(q_low, q_high)`` at
    ``1 - quantile`` and ``quantile``, widened to at least ``floor`` apart. NaN is ignored; without values
    the result is ``(-floor, floor)`` or ``(0, floor)``.
    """
    if not 0.5 < quantile <= 1:
        raise ValueError(f"quantile must be in (0.5, 1], not {quantile}")
    v = _finite(values)
    if symmetric:
        lim = max(float(np.quantile(np.abs(v), quantile)), floor) if v.size else floor
        return (-lim, lim)
    if not v.size:
        return (0.0, floor)
    lo, hi = (float(q) for q in np.quantile(v, [1 - quantile, quantile]))
    if hi - lo < floor:
        mid = (lo + hi) / 2
        lo, hi = mid - floor / 2, mid + floor / 2
    return (lo, hi)


def _hex(rgba: np.ndarray) -> list[str]:
    rgb = np.clip(np.round(np.asarray(rgba)[:, :3] * 255), 0, 255).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


def _colours(values: np.ndarray, lo: float, hi: float, cmap: str) -> list[str]:
    import matplotlib

    span = hi - lo if hi > lo else 1.0
    t = np.clip((values - lo) / span, 0, 1)
    return _hex(matplotlib.colormaps[cmap](np.nan_to_num(t)))


def _text_colour(fill: str) -> str:
    """Black or white text, whichever contrasts more with ``fill`` (WCAG relative luminance)."""
    rgb = [int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#fff"


# --------------------------------------------------------------------------- frame
def map_frame(geometry: RegionGeometry, values: pd.DataFrame) -> gpd.GeoDataFrame:
    """Join a region's geometry to wijk values into the frame :func:`map_svg` draws.

    ``values`` has ``wijkcode`` and any of the value columns of the contract (missing ones become NaN/None).
    A wijk without a ``status`` gets ``"gepubliceerd"`` when it has an observed value and ``"geen gegevens"``
    otherwise; gemeente rows (missing wijk polygons) get ``"geen wijkgrenzen"``.
    """
    import geopandas as gpd

    frame = geometry.frame.drop(columns=[c for c in ("wijknaam",) if c in values.columns], errors="ignore")
    merged = frame.merge(values.drop_duplicates("wijkcode"), on="wijkcode", how="left")
    for col in ("waargenomen", "verwacht", "verschil", "pi_laag", "pi_hoog"):
        merged[col] = pd.to_numeric(merged[col], errors="coerce") if col in merged else np.nan
    if "categorie" not in merged:
        merged["categorie"] = None
    if "wijknaam" not in merged:
        merged["wijknaam"] = merged["wijkcode"]
    status = merged["status"] if "status" in merged else pd.Series(None, index=merged.index, dtype=object)
    default = np.where(merged["waargenomen"].notna(), "gepubliceerd", "geen gegevens")
    status = status.where(status.notna(), pd.Series(default, index=merged.index))
    merged["status"] = np.where(merged["level"] == "gemeente", "geen wijkgrenzen", status)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=28992)


def wijk_numbers(frame: pd.DataFrame) -> dict[str, int]:
    """Key numbers 1..n for the features of ``frame``, in gemeente order of appearance, then by wijkcode."""
    order = {g: i for i, g in enumerate(dict.fromkeys(frame["gemeentenaam"].fillna("")))}
    keyed = frame.assign(_g=frame["gemeentenaam"].fillna("").map(order)).sort_values(["_g", "wijkcode"], kind="stable")
    return {code: i + 1 for i, code in enumerate(keyed["wijkcode"])}


# --------------------------------------------------------------------------- geometry → SVG
class _Viewport:
    """Maps RD metres onto an SVG canvas ``width`` px wide, y pointing down."""

    def __init__(self, bounds: Sequence[float], width: float, pad: float = 6.0) -> None:
        x0, y0, x1, y1 = bounds
        span_x, span_y = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
        self.scale = (width - 2 * pad) / span_x
        self.x0, self.y1, self.pad = x0, y1, pad
        self.width, self.height = width, span_y * self.scale + 2 * pad

    def xy(self, coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords, dtype=float)
        out[:, 0] = (coords[:, 0] - self.x0) * self.scale + self.pad
        out[:, 1] = (self.y1 - coords[:, 1]) * self.scale + self.pad
        return out


def _path_data(geom: object, vp: _Viewport) -> str:
    import shapely

    parts = []
    for ring in shapely.get_rings(shapely.get_parts(geom)):
        pts = np.round(vp.xy(shapely.get_coordinates(ring)), 1)
        if len(pts) < 3:
            continue
        coords = " ".join(f"{x:g},{y:g}" for x, y in pts[:-1])
        parts.append(f"M{coords}Z")
    return "".join(parts)


def _labels_at(frame: gpd.GeoDataFrame, vp: _Viewport, font: float) -> dict[str, tuple[float, float] | None]:
    """Label positions (SVG px) of the features, ``None`` where the feature is too small or a label overlaps."""
    import shapely

    geoms = frame.geometry.to_numpy()
    pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
    xy = vp.xy(pts)
    area_px = shapely.area(geoms) * vp.scale**2
    placed: list[tuple[float, float]] = []
    out: dict[str, tuple[float, float] | None] = {}
    for code, (x, y), a in sorted(zip(frame["wijkcode"], xy, area_px, strict=True), key=lambda r: -r[2]):
        if a < (1.6 * font) ** 2 or any(abs(x - px) < 1.4 * font and abs(y - py) < font for px, py in placed):
            out[code] = None
            continue
        placed.append((x, y))
        out[code] = (float(x), float(y))
    return out


# --------------------------------------------------------------------------- text
def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _name(row: Mapping[str, object]) -> str:
    name = row.get("wijknaam")
    name = str(row["wijkcode"]) if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    gm = row.get("gemeentenaam")
    if row.get("status") == "geen wijkgrenzen":
        return f"{name} (gemeente)"
    if gm is None or (isinstance(gm, float) and math.isnan(gm)) or str(gm) == name:
        return name
    return f"{name} ({gm})"


def _num(row: Mapping[str, object], col: str) -> float | None:
    v = row.get(col)
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _title(row: Mapping[str, object], clip_note: str) -> str:
    """Hover text of one feature: name, observed, expected, difference with interval, category."""
    status = row.get("status")
    obs, exp, diff = _num(row, "waargenomen"), _num(row, "verwacht"), _num(row, "verschil")
    lo, hi = _num(row, "pi_laag"), _num(row, "pi_hoog")
    bits: list[str] = []
    if status == "geen wijkgrenzen":
        return f"{_name(row)} — wijkgrenzen ontbreken op deze kaart; de wijken staan in de tabel"
    if status == "afgeschermd":
        bits.append("waargenomen afgeschermd (aantal niet gepubliceerd om privacyredenen)")
    elif obs is not None:
        bits.append(f"waargenomen {_nl(obs)}%")
    else:
        bits.append("geen gegevens over het waargenomen gebruik")
    if exp is not None:
        bits.append(f"verwacht {_nl(exp)}%")
    if diff is not None and status != "afgeschermd":
        text = f"verschil {_nl(diff, sign=True)} procentpunt"
        if lo is not None and hi is not None:
            text += f" (95%-interval {_nl(lo, sign=True)} tot {_nl(hi, sign=True)})"
        bits.append(text)
    out = f"{_name(row)} — " + ", ".join(bits)
    cat = row.get("categorie")
    if isinstance(cat, str) and cat.strip():
        out += f"; {cat.strip()}"
    if clip_note:
        out += f"; {clip_note}"
    return out


# --------------------------------------------------------------------------- style
def map_style() -> str:
    """The ``<style>`` block the maps need (once per HTML page; print-friendly)."""
    return (
        "<style>"
        ".jl-maps{font-family:system-ui,sans-serif;font-size:14px}"
        ".jl-map{margin:0 0 1.2em 0;break-inside:avoid}"
        ".jl-map svg{width:100%;height:auto;display:block}"
        ".jl-map path.wijk{stroke:#fff;stroke-width:.6}"
        ".jl-map path.wijk:hover,.jl-map path.wijk:focus{stroke:#000;stroke-width:2}"
        ".jl-map path.afgekapt{stroke:#222;stroke-width:1.4;stroke-dasharray:3 2}"
        ".jl-map path.gemeente{stroke:#555;stroke-width:1}"
        ".jl-map text.nr{font-size:9px;text-anchor:middle;dominant-baseline:central;pointer-events:none;"
        "paint-order:stroke;stroke-width:2px}"
        ".jl-map text.lg{font-size:11px;fill:#222}"
        ".jl-map figcaption{font-size:13px;color:#333;margin-top:.3em}"
        ".jl-key{columns:3 16em;font-size:12px;margin:.4em 0 0 0;padding-left:2.6em}"
        ".jl-key li{break-inside:avoid}"
        ".jl-maps .jl-row{display:grid;grid-template-columns:1fr 1fr;gap:1em}"
        ".jl-note{font-size:13px;border-left:3px solid #999;padding-left:.6em}"
        "@media print{.jl-maps .jl-row{grid-template-columns:1fr 1fr}.jl-key{columns:3}"
        ".jl-map path.wijk{stroke-width:.4}"
        # on paper flat greys replace the hatching: Chromium prints every pattern fill as a large image
        # (seconds and megabytes per report); the legend swatches follow, so the key stays right
        ".jl-map .afgeschermd,.jl-map .sw-afg{fill:#c4c4c4}"
        ".jl-map .geen-gegevens,.jl-map .sw-geen{fill:#f1f1f1}"
        ".jl-map path.gemeente,.jl-map .sw-grens{fill:#fafafa}}"
        "</style>"
    )


def _patterns(uid: str) -> str:
    def pat(name: str, body: str, bg: str) -> str:
        return (
            f'<pattern id="{uid}-{name}" patternUnits="userSpaceOnUse" width="6" height="6">'
            f'<rect width="6" height="6" fill="{bg}"/>{body}</pattern>'
        )

    return (
        "<defs>"
        + pat("afg", '<path d="M0,6L6,0M-1,1L1,-1M5,7L7,5" stroke="#666" stroke-width="1.2"/>', "#e6e6e6")
        + pat("geen", '<circle cx="3" cy="3" r="1.1" fill="#888"/>', "#f4f4f4")
        + pat("grens", '<path d="M0,3H6M3,0V6" stroke="#999" stroke-width="1"/>', "#ffffff")
        + "</defs>"
    )


# --------------------------------------------------------------------------- one map
def _legend(
    uid: str,
    y0: float,
    width: float,
    lims: tuple[float, float],
    kind: str,
    clipped: tuple[bool, bool],
    unit: str,
    has_gemeente: bool,
) -> str:
    import matplotlib

    cmap = matplotlib.colormaps[_DIV_CMAP if kind == "diverging" else _SEQ_CMAP]
    stops = "".join(
        f'<stop offset="{t:.2f}" stop-color="{c}"/>'
        for t, c in zip(np.linspace(0, 1, 11), _hex(cmap(np.linspace(0, 1, 11))), strict=True)
    )
    bar_w = min(260.0, width * 0.45)
    x0 = 8.0
    lo, hi = lims
    sign = kind == "diverging"
    lo_txt = ("≤ " if clipped[0] else "") + _nl(lo, sign=sign)
    hi_txt = ("≥ " if clipped[1] else "") + _nl(hi, sign=sign)
    mid_txt = "0" if sign else _nl((lo + hi) / 2)
    out = [
        f'<g class="legenda" aria-hidden="true"><linearGradient id="{uid}-ramp">{stops}</linearGradient>',
        f'<rect x="{x0}" y="{y0 + 4}" width="{bar_w:.0f}" height="12" fill="url(#{uid}-ramp)" stroke="#888" '
        'stroke-width=".5"/>',
        f'<text class="lg" x="{x0}" y="{y0 + 30}">{_esc(lo_txt)}</text>',
        f'<text class="lg" x="{x0 + bar_w / 2:.0f}" y="{y0 + 30}" text-anchor="middle">{_esc(mid_txt)}</text>',
        f'<text class="lg" x="{x0 + bar_w:.0f}" y="{y0 + 30}" text-anchor="end">{_esc(hi_txt)}</text>',
        f'<text class="lg" x="{x0}" y="{y0 + 44}">{_esc(unit)}</text>',
    ]
    sw = [("afg", "afgeschermd"), ("geen", "geen gegevens")]
    if has_gemeente:
        sw.append(("grens", "wijkgrenzen ontbreken"))
    x = x0 + bar_w + 24
    for i, (key, label) in enumerate(sw):  # stacked: a row per swatch always fits beside the ramp (no clipping)
        y = y0 + 4 + 16 * i
        out.append(
            f'<rect class="sw-{key}" x="{x:.0f}" y="{y}" width="14" height="12" fill="url(#{uid}-{key})" stroke="#888" '
            f'stroke-width=".5"/><text class="lg" x="{x + 18:.0f}" y="{y + 10}">{_esc(label)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _with_unit(number: str, unit: str) -> str:
    """``12,9%`` (no space before %, as everywhere in the report) or ``2,3 procentpunt``."""
    return f"{number}%" if unit == "%" else f"{number} {unit}"


def _uid(*parts: object) -> str:
    return "jm" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:8]


def _describe(frame: pd.DataFrame, column: str, vals: np.ndarray, unit: str, kind: str) -> str:
    """Dutch alt text: what the map shows, the range and the extremes, and how many wijken lack figures."""
    label = _LABELS.get(column, column)
    n = len(frame)
    has = np.isfinite(vals)
    text = f"Kaart van {n} {'gebied' if n == 1 else 'gebieden'}, kleur naar {label} ({unit})."
    if has.any():
        names = frame["wijknaam"].fillna(frame["wijkcode"]).astype(str).to_numpy()
        order = np.argsort(vals[has])
        hi_names, lo_names = names[has][order[::-1][:3]], names[has][order[:3]]
        sign = kind == "diverging"
        text += (
            f" Waarden van {_nl(float(np.min(vals[has])), sign=sign)} tot {_nl(float(np.max(vals[has])), sign=sign)}."
            f" Hoogste: {', '.join(hi_names)}. Laagste: {', '.join(lo_names)}."
        )
    counts = frame.loc[~has, "status"].value_counts()
    for status, word in (("afgeschermd", "afgeschermd"), ("geen gegevens", "zonder gegevens")):
        k = int(counts.get(status, 0))
        if k:
            text += f" {k} {'wijk' if k == 1 else 'wijken'} {word}."
    return text


def _prepare(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.crs is not None and frame.crs.to_epsg() != 28992:
        frame = frame.to_crs(28992)
    frame = frame.reset_index(drop=True)
    for col in ("wijknaam", "gemeentenaam", "categorie", "status"):
        if col not in frame:
            frame = frame.assign(**{col: None})
    status = frame["status"].where(frame["status"].isin(STATUSES), "geen gegevens")
    if "level" in frame:
        status = status.where(frame["level"] != "gemeente", "geen wijkgrenzen")
    return frame.assign(status=status)


def map_svg(
    frame: gpd.GeoDataFrame,
    column: str,
    *,
    title: str,
    kind: Literal["sequential", "diverging"] = "sequential",
    limits: tuple[float, float] | None = None,
    numbered: bool = True,
    width_px: int = 640,
    numbers: Mapping[str, int] | None = None,
    key: bool = True,
    caption: str | None = None,
    include_style: bool = True,
    quantile: float = 0.95,
) -> str:
    """One map as ``<figure>`` with an accessible inline ``<svg>``, legend and (optionally) a numbered key.

    ``column`` is coloured with viridis (``kind="sequential"``, e.g. shares in %) or RdBu_r around zero
    (``"diverging"``, differences in procentpunt). ``limits`` fixes the scale (pass the same limits to maps
    that must be compared); otherwise :func:`robust_limits` picks it. Wijken beyond the scale keep the end
    colour, get the class ``afgekapt`` and say so in their title; the legend then shows "≤"/"≥". Features
    without a value are hatched by status. ``numbers`` (wijkcode → number) keeps one numbering across maps.
    """
    if kind not in ("sequential", "diverging"):
        raise ValueError(f"kind must be 'sequential' or 'diverging', not {kind!r}")
    frame = _prepare(frame)
    return _map_svg(
        frame, column, title=title, kind=kind, limits=limits, numbered=numbered, width_px=width_px,
        numbers=numbers, key=key, caption=caption, include_style=include_style, quantile=quantile, paths=None,
    )  # fmt: skip


def _map_svg(
    frame: gpd.GeoDataFrame,
    column: str,
    *,
    title: str,
    kind: str,
    limits: tuple[float, float] | None,
    numbered: bool,
    width_px: int,
    numbers: Mapping[str, int] | None,
    key: bool,
    caption: str | None,
    include_style: bool,
    quantile: float,
    paths: tuple[_Viewport, list[str]] | None,
) -> str:
    if column not in frame:
        raise KeyError(f"column {column!r} not in the map frame")
    vals = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    diverging = kind == "diverging"
    unit = "procentpunt" if diverging else "%"
    if limits is None:
        lims = robust_limits(vals, symmetric=diverging, quantile=quantile if diverging else 0.98)
    elif diverging:
        lim = max(abs(float(limits[0])), abs(float(limits[1])))
        lims = (-lim, lim)
    else:
        lims = (float(limits[0]), float(limits[1]))
    finite = np.isfinite(vals)
    below = finite & (vals < lims[0] - 1e-9)
    above = finite & (vals > lims[1] + 1e-9)
    fills = _colours(np.where(finite, vals, 0.0), lims[0], lims[1], _DIV_CMAP if diverging else _SEQ_CMAP)
    uid = _uid(title, column, kind, len(frame), frame["wijkcode"].iloc[0] if len(frame) else "")
    vp, dlist = paths if paths is not None else _paths(frame, width_px)
    numbers = dict(numbers) if numbers is not None else wijk_numbers(frame)
    legend_h = 54.0
    height = vp.height + legend_h
    title_id, desc_id = f"{uid}-t", f"{uid}-d"
    desc = _describe(frame, column, vals, unit, kind)
    out = [
        f'<figure class="jl-map" id="{uid}">' + (map_style() if include_style else ""),
        f'<svg role="img" viewBox="0 0 {vp.width:.0f} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMidYMin meet" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{_esc(title)}</title><desc id="{desc_id}">{_esc(desc)}</desc>',
        _patterns(uid),
    ]
    statuses = frame["status"].to_numpy()
    has_gemeente = bool((statuses == "geen wijkgrenzen").any())
    sign = diverging
    records = _records(frame)
    for i, rec in enumerate(records):
        st = statuses[i]
        classes = ["wijk"]
        if st == "geen wijkgrenzen":
            fill, classes = f"url(#{uid}-grens)", ["wijk", "gemeente"]
        elif not finite[i]:
            fill = f"url(#{uid}-afg)" if st == "afgeschermd" else f"url(#{uid}-geen)"
            classes.append("afgeschermd" if st == "afgeschermd" else "geen-gegevens")
        else:
            fill = fills[i]
        clip_note = ""
        if above[i] or below[i]:
            classes.append("afgekapt")
            end = _nl(lims[1] if above[i] else lims[0], sign=sign)
            clip_note = f"buiten de kleurschaal (die is afgekapt bij {_with_unit(end, unit)})"
        code = str(rec["wijkcode"])
        gm = rec.get("gemeentenaam")
        gm = "" if gm is None or (isinstance(gm, float) and math.isnan(gm)) else str(gm)
        nr = numbers.get(code)
        label = f"{nr}. " if numbered and nr is not None else ""
        out.append(
            f'<path class="{" ".join(classes)}" d="{dlist[i]}" fill="{fill}" data-wijkcode="{_esc(code)}" '
            f'data-gemeente="{_esc(gm)}" tabindex="0"><title>{_esc(label + _title(rec, clip_note))}</title></path>'
        )
    if numbered:
        font = 9.0
        pos = _labels_at(frame, vp, font)
        for i, code in enumerate(frame["wijkcode"]):
            p, nr = pos.get(code), numbers.get(code)
            if p is None or nr is None:
                continue
            ink = _text_colour(fills[i]) if finite[i] else "#000"
            halo = "#000" if ink == "#fff" else "#fff"
            out.append(f'<text class="nr" x="{p[0]:.1f}" y="{p[1]:.1f}" fill="{ink}" stroke="{halo}">{nr}</text>')
    out.append(
        _legend(uid, vp.height, vp.width, lims, kind, (bool(below.any()), bool(above.any())), unit, has_gemeente)
    )
    out.append("</svg>")
    cap = _esc(title) + "." + (f" {_esc(caption)}" if caption else "")
    if (above | below).any():
        k = int((above | below).sum())
        cap += (
            f" De kleurschaal loopt van {_esc(_nl(lims[0], sign=sign))} tot "
            f"{_esc(_with_unit(_nl(lims[1], sign=sign), unit))}; "
            f"{k} {'wijk valt' if k == 1 else 'wijken vallen'} erbuiten (gestreepte rand)."
        )
    out.append(f"<figcaption>{cap}</figcaption>")
    if key and numbered:
        out.append(_key(records, numbers))
    out.append("</figure>")
    return "".join(out)


def _paths(frame: gpd.GeoDataFrame, width_px: int) -> tuple[_Viewport, list[str]]:
    vp = _Viewport(frame.total_bounds, float(width_px))
    return vp, [_path_data(g, vp) for g in frame.geometry.to_numpy()]


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    cols = [c for c in frame.columns if c != frame.geometry.name]
    return frame[cols].to_dict("records")


def _key(records: list[dict[str, object]], numbers: Mapping[str, int]) -> str:
    """The number → wijk list under a map (complete, also for wijken whose number is not drawn)."""
    rows = sorted((numbers[str(r["wijkcode"])], _name(r)) for r in records if str(r["wijkcode"]) in numbers)
    items = "".join(f'<li value="{n}">{_esc(name)}</li>' for n, name in rows)
    return f'<ol class="jl-key" aria-label="Nummers op de kaart">{items}</ol>'


# --------------------------------------------------------------------------- the report block
def region_maps_html(
    frame: gpd.GeoDataFrame,
    *,
    region_name: str,
    gemeente_maps_from: int = 40,
    gemeente_min_wijken: int = 15,
    note: str = "",
    width_px: int = 640,
) -> str:
    """The map block of a regional report: observed and expected (one shared scale), the difference.

    When the region has more than ``gemeente_maps_from`` wijken, a larger difference map follows for every
    gemeente with at least ``gemeente_min_wijken`` wijken (same colour scale and numbers as the region map).
    ``note`` (e.g. :attr:`RegionGeometry.note`) is shown above the maps. Returns HTML for
    ``IPython.display.HTML``.
    """
    frame = _prepare(frame)
    numbers = wijk_numbers(frame)
    seq_vals = np.concatenate([_finite(frame["waargenomen"]), _finite(frame["verwacht"])])
    seq = robust_limits(seq_vals, symmetric=False, quantile=0.98)
    div = robust_limits(frame["verschil"], symmetric=True, quantile=0.95)
    paths = _paths(frame, width_px)
    small_w = max(320, int(width_px * 0.65))
    small = dict(numbered=False, key=False, include_style=False, numbers=numbers, width_px=small_w, quantile=0.95)
    small_paths = _paths(frame, small_w)
    parts = ['<div class="jl-maps" lang="nl">', map_style()]
    if note:
        parts.append(f'<p class="jl-note">{_esc(note)}</p>')
    parts.append('<div class="jl-row">')
    for col, label in (("waargenomen", "Waargenomen gebruik"), ("verwacht", "Verwacht gebruik")):
        parts.append(
            _map_svg(
                frame,
                col,
                title=f"{label} (%), {region_name}",
                kind="sequential",
                limits=seq,
                caption=None,
                paths=small_paths,
                **small,
            )  # fmt: skip
        )
    parts.append("</div>")

    def difference_map(sub: pd.DataFrame, title: str, caption: str, sub_paths: Any) -> str:
        """The interactive difference map: one scale and one numbering for the region and its gemeenten."""
        return _map_svg(
            sub, "verschil", title=title, kind="diverging", limits=div, numbered=True, width_px=width_px,
            numbers=numbers, key=True, caption=caption, include_style=False, quantile=0.95, paths=sub_paths,
        )  # fmt: skip

    parts.append(
        difference_map(
            frame,
            f"Verschil waargenomen − verwacht (procentpunt), {region_name}",
            "Beweeg de muis over een wijk voor de cijfers.",
            paths,
        )
    )
    n_wijken = int((frame["status"] != "geen wijkgrenzen").sum())
    if n_wijken > gemeente_maps_from:
        counts = frame.loc[frame["status"] != "geen wijkgrenzen", "gemeentenaam"].value_counts(sort=False)
        for gm, k in counts.items():
            if k < gemeente_min_wijken:
                continue
            sub = frame[frame["gemeentenaam"] == gm].reset_index(drop=True)
            caption = f"{k} wijken; dezelfde kleurschaal en nummers als de kaart van de regio."
            parts.append(difference_map(sub, f"Verschil per wijk (procentpunt), {gm}", caption, None))
    parts.append("</div>")
    return "".join(parts)
