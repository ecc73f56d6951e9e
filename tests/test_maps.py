"""Maps a gemeenteraad can read: region geometry, inline-SVG maps, robust scales, accessible figures.

Real regions (Haaglanden JZ24, Amsterdam-Amstelland JZ13, Rijnmond JZ29) for completeness; small hand-built
grids for the scale, the titles and the fall-back when wijk polygons are missing.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

gpd = pytest.importorskip("geopandas")
bs4 = pytest.importorskip("bs4")
from shapely.geometry import box  # noqa: E402

from jeugdlib.data import load_wijken  # noqa: E402
from jeugdlib.data.geometry import assemble_region_geometry, region_wijk_geometries  # noqa: E402
from jeugdlib.plots import figure_html, svgmap  # noqa: E402

REGIONS = ["JZ24", "JZ13", "JZ29"]


def _soup(text: str):
    return bs4.BeautifulSoup(text, "html.parser")


def _clean(text: str) -> None:
    """No missing-value markers and no external references anywhere in the output."""
    assert not re.search(r"\bnan\b|\bNone\b|<NA>|\bNaN\b", text)
    assert "http" not in text
    assert not re.search(r"""src=["'](?!data:)""", text)
    assert "<script" not in text


@pytest.fixture(scope="module")
def wijken() -> pd.DataFrame:
    return load_wijken(2022)


def _values(region: pd.DataFrame) -> pd.DataFrame:
    """Report-like values from the region's real shares: observed, a fixed expected, difference, interval."""
    obs = region["perc_jz_van_0_24_proxy"].to_numpy(dtype=float)
    exp = np.full(len(region), float(np.nanmedian(obs)))
    diff = obs - exp
    return pd.DataFrame(
        {
            "wijkcode": region["wijkcode"].to_numpy(),
            "wijknaam": region["wijknaam"].to_numpy(),
            "waargenomen": obs,
            "verwacht": exp,
            "verschil": diff,
            "pi_laag": diff - 4.0,
            "pi_hoog": diff + 4.0,
            "categorie": np.where(np.abs(diff) >= 1.5, "verschil van 1,5 procentpunt of meer", None),
            "status": np.where(np.isnan(obs), "afgeschermd", "gepubliceerd"),
        }
    )


# --------------------------------------------------------------------------- geometry
@pytest.mark.parametrize("code", REGIONS)
def test_region_geometry_covers_every_wijk(code, wijken):
    geo = region_wijk_geometries(code)
    region = wijken[wijken.jeugdregio_code == code]
    drawn = set(geo.frame.loc[geo.frame.level == "wijk", "wijkcode"])
    missing = set(geo.missing.wijkcode)
    assert drawn | missing == set(region.wijkcode) and not drawn & missing
    for name in geo.missing.wijknaam:
        assert name in geo.note
    assert geo.frame.crs.to_epsg() == 28992
    assert geo.frame.geometry.is_valid.all() and not geo.frame.geometry.is_empty.any()
    assert list(geo.frame.columns) == ["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "level", "geometry"]
    # simplification keeps every wijk's area within 5% of the unsimplified polygon
    raw = region_wijk_geometries(code, tolerance_m=0.0).frame.set_index("wijkcode").area
    ratio = geo.frame.set_index("wijkcode").area / raw
    assert ratio.between(0.95, 1.05).all(), ratio.sort_values().head()


def test_goeree_overflakkee_is_drawn_from_the_embedded_supplement(wijken):
    geo = region_wijk_geometries("JZ29")
    gm = geo.frame[geo.frame.gemeentecode == "GM1924"]
    expected = set(wijken.loc[wijken.gemeentecode == "GM1924", "wijkcode"])
    assert len(expected) == 14 and set(gm.wijkcode) == expected and (gm.level == "wijk").all()
    assert geo.note == "" and geo.missing.empty and geo.extra.empty
    # the 14 wijken tile the gemeente: their area is the gemeente's within a few percent (both generalised)
    from jeugdlib.data.geometry import load_geometries

    gem = load_geometries("gemeente", 2022).to_crs(28992)
    assert gm.area.sum() / gem.loc[gem.gemeentecode == "GM1924"].area.sum() == pytest.approx(1.0, abs=0.03)


def test_region_geometry_is_cached_and_returned_as_copy():
    a = region_wijk_geometries("JZ24")
    a.frame.loc[0, "wijknaam"] = "veranderd"
    b = region_wijk_geometries("JZ24")
    assert b.frame.loc[0, "wijknaam"] != "veranderd"
    pd.testing.assert_frame_equal(pd.DataFrame(b.frame), pd.DataFrame(region_wijk_geometries("JZ24").frame))
    with pytest.raises(Exception, match="JZ99"):
        region_wijk_geometries("JZ99")


def _toy_region():
    """Two gemeenten: GM0001 with 3 wijken (WK000102 has no polygon), GM0002 with 2 wijken and no polygons."""
    wijken = pd.DataFrame(
        {
            "wijkcode": ["WK000100", "WK000101", "WK000102", "WK000200", "WK000201"],
            "wijknaam": ["Noord", "Zuid", "Haven", "Dorp", "Polder"],
            "gemeentecode": ["GM0001"] * 3 + ["GM0002"] * 2,
            "gemeentenaam": ["Eerstestad"] * 3 + ["Tweedorp"] * 2,
        }
    )
    wijk_geo = gpd.GeoDataFrame(
        {"wijkcode": ["WK000100", "WK000101", "WK000199"], "gemeentecode": ["GM0001"] * 3},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(0, 1000, 500, 1500)],
        crs=28992,
    )
    gem_geo = gpd.GeoDataFrame(
        {"gemeentecode": ["GM0001", "GM0002"]},
        geometry=[box(0, 0, 3000, 1500), box(3000, 0, 5000, 1500)],
        crs=28992,
    )
    return wijken, wijk_geo, gem_geo


def test_missing_wijk_polygons_fall_back_to_the_gemeente_with_a_note():
    frame, missing, extra, note = assemble_region_geometry(*_toy_region(), tolerance_m=0)
    assert list(missing.wijkcode) == ["WK000102", "WK000200", "WK000201"]
    assert list(extra.wijkcode) == ["WK000199"]
    rows = frame.set_index("wijkcode")
    assert rows.loc["GM0002", "level"] == "gemeente" and rows.loc["GM0002"].geometry.area == 2000 * 1500
    # GM0001's rest: the gemeente minus the three wijk polygons it does have
    assert rows.loc["GM0001", "level"] == "gemeente"
    assert rows.loc["GM0001"].geometry.area == 3000 * 1500 - 1000 * 1000 * 2 - 500 * 500
    assert rows.loc["WK000199", "level"] == "wijk"  # extra polygon drawn, named in the note
    assert note == (
        "Van Eerstestad ontbreken de grenzen van 1 wijk (Haven) in de meegeleverde wijk- en buurtkaart 2022; "
        "dat deel van de gemeente is als geheel getekend en de wijk staat in de tabel. "
        "Van Tweedorp (2 wijken) ontbreken de wijkgrenzen in de meegeleverde wijk- en buurtkaart 2022; "
        "de gemeente is als geheel getekend en de wijken staan in de tabel. "
        "De kaart bevat 1 wijkvlak zonder wijkcijfers 2022 (WK000199); dat is getekend als ‘geen gegevens’."
    )


# --------------------------------------------------------------------------- robust limits
def test_robust_limits_ignore_one_outlier():
    values = [0.1 * k * (-1) ** k for k in range(20)] + [23.0, np.nan]
    # |values| = 0, 0.1, …, 1.9 and 23: the 95% quantile over 21 values is the 20th smallest, 1.9
    assert svgmap.robust_limits(values) == pytest.approx((-1.9, 1.9))
    assert svgmap.robust_limits([0.1, -0.2]) == (-0.5, 0.5)  # the floor
    assert svgmap.robust_limits([]) == (-0.5, 0.5)
    lo, hi = svgmap.robust_limits(np.arange(101.0), symmetric=False, quantile=0.9)
    assert (lo, hi) == pytest.approx((10.0, 90.0))
    with pytest.raises(ValueError):
        svgmap.robust_limits([1.0], quantile=0.3)


def _grid(values: list[float], status: list[str] | None = None) -> gpd.GeoDataFrame:
    n = len(values)
    return gpd.GeoDataFrame(
        {
            "wijkcode": [f"WK0001{i:02d}" for i in range(n)],
            "wijknaam": [f"Wijk {i}" for i in range(n)],
            "gemeentenaam": "Eerstestad",
            "waargenomen": [10 + v for v in values],
            "verwacht": 10.0,
            "verschil": values,
            "pi_laag": np.nan,
            "pi_hoog": np.nan,
            "categorie": None,
            "status": status or ["gepubliceerd"] * n,
        },
        geometry=[box(i % 7 * 1000, i // 7 * 1000, i % 7 * 1000 + 950, i // 7 * 1000 + 950) for i in range(n)],
        crs=28992,
    )


def test_outlier_is_clipped_marked_and_legend_says_so():
    values = [0.1 * k * (-1) ** k for k in range(20)] + [23.0]
    out = svgmap.map_svg(_grid(values), "verschil", title="Verschil", kind="diverging")
    _clean(out)
    soup = _soup(out)
    paths = {p["data-wijkcode"]: p for p in soup.find_all("path", attrs={"data-wijkcode": True})}
    clipped = [c for c, p in paths.items() if "afgekapt" in p["class"]]
    assert clipped == ["WK000120"]
    assert "buiten de kleurschaal (die is afgekapt bij +1,9 procentpunt)" in paths["WK000120"].title.text
    texts = [t.text for t in soup.find_all("text", class_="lg")]
    assert "≥ +1,9" in texts and "−1,9" in texts and "procentpunt" in texts
    assert "afgeschermd" in texts and "geen gegevens" in texts and "wijkgrenzen ontbreken" not in texts
    # the scale really is ±1,9: −1,9 (wijk 19) and the clipped 23 get the colormap's end colours, +1,8 does not
    bottom, top = svgmap._hex(matplotlib.colormaps["RdBu_r"]([0.0, 1.0]))
    fill = {c: p["fill"] for c, p in paths.items()}
    assert (fill["WK000119"], fill["WK000120"]) == (bottom, top) and fill["WK000118"] != top


def test_titles_are_dutch_and_complete():
    g = _grid([2.2, -0.4, 0.0], status=["gepubliceerd", "afgeschermd", "geen gegevens"])
    g.loc[0, ["wijknaam", "gemeentenaam", "waargenomen", "verwacht", "pi_laag", "pi_hoog", "categorie"]] = [
        "Escamp-Zuid", "’s-Gravenhage", 12.3, 10.1, -1.0, 5.4, "buiten het 80%-interval"]  # fmt: skip
    g.loc[1, "waargenomen"] = np.nan
    g.loc[1, "verschil"] = np.nan
    g.loc[2, ["waargenomen", "verschil"]] = np.nan
    out = svgmap.map_svg(g, "verschil", title="Verschil", kind="diverging", numbered=True)
    _clean(out)
    titles = [p.title.text for p in _soup(out).find_all("path", attrs={"data-wijkcode": True})]
    assert titles[0] == (
        "1. Escamp-Zuid (’s-Gravenhage) — waargenomen 12,3%, verwacht 10,1%, verschil +2,2 procentpunt "
        "(95%-interval −1,0 tot +5,4); buiten het 80%-interval"
    )
    assert titles[1].startswith("2. Wijk 1 (Eerstestad) — waargenomen afgeschermd") and "verwacht 10,0%" in titles[1]
    assert titles[2] == "3. Wijk 2 (Eerstestad) — geen gegevens over het waargenomen gebruik, verwacht 10,0%"
    classes = [p["class"] for p in _soup(out).find_all("path", attrs={"data-wijkcode": True})]
    assert "afgeschermd" in classes[1] and "geen-gegevens" in classes[2]
    assert _soup(out).find("path", attrs={"data-wijkcode": "WK000101"})["fill"].endswith("-afg)")


def test_gemeente_feature_gets_its_own_swatch_and_title():
    wijken, wijk_geo, gem_geo = _toy_region()
    frame, *_, note = assemble_region_geometry(wijken, wijk_geo, gem_geo, tolerance_m=0)
    geo = type("G", (), {"frame": frame})()
    vals = pd.DataFrame({"wijkcode": ["WK000100", "WK000101"], "waargenomen": [8.0, 12.0], "verwacht": [9.0, 9.5]})
    vals["verschil"] = vals.waargenomen - vals.verwacht
    mf = svgmap.map_frame(geo, vals)
    assert mf.set_index("wijkcode").status.to_dict() == {
        "WK000100": "gepubliceerd", "WK000101": "gepubliceerd", "WK000199": "geen gegevens",
        "GM0001": "geen wijkgrenzen", "GM0002": "geen wijkgrenzen"}  # fmt: skip
    out = svgmap.region_maps_html(mf, region_name="Toy", note=note)
    _clean(out)
    soup = _soup(out)
    assert "wijkgrenzen ontbreken" in [t.text for t in soup.find_all("text", class_="lg")]
    title = soup.find("path", attrs={"data-wijkcode": "GM0002"}).title.text
    assert "Tweedorp (gemeente) — wijkgrenzen ontbreken" in title
    assert soup.find("p", class_="jl-note").text == note


# --------------------------------------------------------------------------- the regional block
@pytest.mark.parametrize("code", REGIONS)
def test_region_maps_show_every_wijk_with_titles(code, wijken):
    region = wijken[wijken.jeugdregio_code == code]
    geo = region_wijk_geometries(code)
    frame = svgmap.map_frame(geo, _values(region))
    out = svgmap.region_maps_html(frame, region_name=code, note=geo.note)
    _clean(out)
    soup = _soup(out)
    figures = soup.find_all("figure")
    # observed, expected, difference, and one larger map per gemeente with ≥ 15 wijken (the region has > 40)
    big = region.gemeentenaam.value_counts()
    big = sorted(big[big >= 15].index)
    assert len(region) > 40
    assert len(figures) == 3 + len(big)
    assert sorted(f.svg.title.text.split("(procentpunt), ", 1)[1] for f in figures[3:]) == big
    for fig in figures[:3]:
        svg = fig.svg
        assert svg["role"] == "img" and svg["viewbox"].startswith("0 0 ")
        assert svg.title.text and svg.desc.text.startswith("Kaart van")
        assert sorted(fig.svg["aria-labelledby"].split()) == sorted([svg.title["id"], svg.desc["id"]])
        paths = fig.find_all("path", attrs={"data-wijkcode": True})
        codes = {p["data-wijkcode"] for p in paths}
        assert codes | set(geo.missing.wijkcode) >= set(region.wijkcode)
        for p in paths:
            title = p.title.text
            assert p["data-gemeente"] and " — " in title
            row = region.loc[region.wijkcode == p["data-wijkcode"]].iloc[0]
            assert title.split(" — ")[0].endswith(f"{row.wijknaam} ({row.gemeentenaam})")
            if np.isnan(row.perc_jz_van_0_24_proxy):
                assert "afgeschermd" in title
            else:
                assert re.search(r"waargenomen \d+,\d%, verwacht \d+,\d%, verschil [+−]?\d+,\d procentpunt", title)
    # the difference map has a complete numbered key, one item per drawn feature
    key = figures[2].find("ol", class_="jl-key")
    assert [int(li["value"]) for li in key.find_all("li")] == list(range(1, len(frame) + 1))
    # ids are unique in the page (patterns are referenced by id)
    ids = [t["id"] for t in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_shared_sequential_scale(wijken):
    region = wijken[wijken.jeugdregio_code == "JZ24"]
    frame = svgmap.map_frame(region_wijk_geometries("JZ24"), _values(region))
    soup = _soup(svgmap.region_maps_html(frame, region_name="Haaglanden"))
    obs, exp = soup.find_all("figure")[:2]
    legend = [[t.text for t in f.find_all("text", class_="lg")][:3] for f in (obs, exp)]
    # same numbers; only the observed map has wijken beyond the scale (the expected share here is constant)
    assert legend[0][0].startswith("≤ ") and legend[0][2].startswith("≥ ") and legend[1][0][0].isdigit()
    assert [t.lstrip("≤≥ ") for t in legend[0]] == legend[1]
    shares = np.concatenate([frame.waargenomen.dropna(), frame.verwacht.dropna()])
    lo, hi = np.quantile(shares, [0.02, 0.98])
    assert legend[0][0].endswith(svgmap._nl(lo)) and legend[0][2].endswith(svgmap._nl(hi))


# --------------------------------------------------------------------------- figure_html
def test_figure_html_requires_alt_escapes_and_closes():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    out = figure_html(fig, 'Daling van 1 naar 0 <"test">', caption="Figuur 1 & 2", dpi=50)
    assert not plt.fignum_exists(fig.number)
    soup = _soup(out)
    img = soup.figure.img
    assert img["alt"] == 'Daling van 1 naar 0 <"test">' and "&lt;&quot;test&quot;&gt;" in out
    assert img["src"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert soup.figure.figcaption.text == "Figuur 1 & 2"
    fig2, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt"):
        figure_html(fig2, "  ")
    assert not plt.fignum_exists(fig2.number)
