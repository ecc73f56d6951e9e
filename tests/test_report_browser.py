"""Acceptance test of the rendered regional reports in headless Chromium (issue 13, "Done when").

Three large regions (Haaglanden, Amsterdam-Amstelland, Rijnmond) are rendered once into a temporary folder; each
``rapport.html`` is opened over ``file://`` and read through the DOM: the maps (every wijk drawn or named in the
note, legend, colours, contrast of the numbers), the hover tooltip, the tables, the network requests, a full-page
screenshot; then the PDF beside it, the ``tabellen/`` exports and ``index.html``.

The browser facts of one report are collected once (:func:`_collect`) and the tests assert on them, so the module
opens each report only once.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from jeugdlib import _chromium

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(_chromium.find_chromium() is None, reason="Chromium is niet geïnstalleerd"),
]

REGIONS = {"JZ24": "Haaglanden", "JZ13": "Amsterdam-Amstelland", "JZ29": "Rijnmond"}

#: English statistics headers that must not reach a reader (matched as whole words, case-insensitive).
ENGLISH_HEADERS = (
    "estimate",
    "estimate_per_unit",
    "std_error",
    "std err",
    "se",
    "p_value",
    "pvalue",
    "llf",
    "aic",
    "bic",
    "converged",
    "term",
    "statistic",
    "ci_low",
    "ci_high",
    "observed",
    "expected",
    "coef",
    "difference",
    "count",
    "share",
)
#: Missing-value spellings that must not appear as words in the page text.
MISSING_WORDS = re.compile(r"<NA>|(?<!\w)(?:nan|NaN|None|NaT)(?!\w)")


# --------------------------------------------------------------------------- helpers (pure)
def _rgb(colour: str) -> tuple[float, float, float]:
    """``rgb(r, g, b)``/``rgba(...)``/``#rrggbb`` as 0–255 floats."""
    colour = colour.strip()
    if colour.startswith("#"):
        h = colour[1:]
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return tuple(float(int(h[i : i + 2], 16)) for i in (0, 2, 4))  # type: ignore[return-value]
    m = re.match(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)", colour)
    if not m:
        raise ValueError(f"not a colour: {colour!r}")
    return tuple(float(x) for x in m.groups())  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""

    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(colour)
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1–21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_helper_known_values():
    assert _contrast("#000", "#fff") == pytest.approx(21.0)
    assert _contrast("rgb(118, 118, 118)", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the WCAG AA grey
    assert _contrast("#777", "#777") == pytest.approx(1.0)


def _squash(text: str) -> str:
    """Text for comparing HTML with PDF text: NFKC, no soft hyphens/line-break hyphens, no whitespace, lower case."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"-\s*\n\s*", "-", text)
    text = text.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", "", text).lower()


def test_squash_joins_pdf_line_breaks():
    assert _squash("Wijken om naar\n te kijken") == _squash("Wijken om naar te kijken")
    assert _squash("Welke cij\u00adfers?") == "welkecijfers?"
    assert _squash("a") != _squash("b")


def _english_headers(headers: list[str]) -> list[str]:
    """The headers that are (or contain as a word) an English statistics term or a snake_case name."""
    bad = []
    for h in headers:
        low = " ".join(h.lower().split())
        words = set(re.findall(r"[a-z_]+(?: err)?", low))
        if words & set(ENGLISH_HEADERS) or re.search(r"[a-z]_[a-z]", low):
            bad.append(h)
    return bad


def test_english_header_detector():
    assert _english_headers(["Schatting", "p-waarde", "Wijkcode", "Waargenomen (%)"]) == []
    assert _english_headers(["estimate", "Std_Error", "p_value", "llf", "Term", "waarde_x"]) == [
        "estimate",
        "Std_Error",
        "p_value",
        "llf",
        "Term",
        "waarde_x",
    ]


def _csv_problems(name: str, raw: bytes) -> list[str]:
    """What keeps a CSV export from opening correctly in Dutch Excel (empty list: fine)."""
    problems = []
    if not raw.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{name}: geen UTF-8-BOM")
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    if not lines or lines[0].count(";") == 0:
        problems.append(f"{name}: kop is niet ;-gescheiden: {lines[:1]}")
        return problems
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = rows[0], [r for r in rows[1:] if r]
    for r in body:
        if len(r) != len(header):
            problems.append(f"{name}: rij met {len(r)} i.p.v. {len(header)} velden: {r[:4]}")
            break
    number = re.compile(r"^[-+\u2212]?\d+([.,]\d+)?$")
    for j, col in enumerate(header):
        cells = [r[j].strip() for r in body if j < len(r) and r[j].strip()]
        nums = [c for c in cells if number.match(c)]
        dotted = [c for c in nums if "." in c]
        if dotted:
            problems.append(f"{name}: kolom {col!r} heeft decimale punten: {dotted[:3]}")
        floats = [c for c in nums if re.search(r"[.,]\d+$", c)]
        if len(floats) >= 2 and len(floats) == len(nums) and all(re.search(r"[.,]0+$", c) for c in floats):
            problems.append(f"{name}: kolom {col!r} zijn gehele aantallen met ',0'/'.0': {floats[:3]}")
    return problems


def test_csv_checker_catches_english_excel_csv():
    good = "\ufeffwijkcode;Aantal;Aandeel (%)\nWK1;1235;10,4\nWK2;160620;9,5\n".encode()
    assert _csv_problems("g.csv", good) == []
    bad = b"wijkcode,Aantal,Aandeel\nWK1,1235.0,10.4\n"
    assert any("BOM" in p for p in _csv_problems("b.csv", bad))
    assert any("gescheiden" in p for p in _csv_problems("b.csv", bad))
    floaty = "\ufeffAantal;Aandeel\n1235.0;10.4\n15985,0;9,5\n".encode()
    found = " ".join(_csv_problems("f.csv", floaty))
    assert "decimale punten" in found and "gehele aantallen" in found


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The three reports, rendered once (one national fit, two warm kernels, PDFs by headless Chromium)."""
    from jeugdlib import reports

    out = tmp_path_factory.mktemp("rapporten")
    res = reports.render_all(out, regions=list(REGIONS), jobs=2, progress=False)
    failed = [r for r in res if r["status"] != "ok"]
    assert not failed, f"rapporten mislukt: {failed}"
    return out


@pytest.fixture(scope="module")
def browser():
    with _chromium.Chromium() as b:
        yield b


@pytest.fixture(scope="module")
def region_wijken() -> dict[str, dict[str, str]]:
    """wijkcode → wijknaam per region, from the 2022 wijk figures."""
    from jeugdlib.data import load_wijken

    w = load_wijken(2022)
    return {
        code: dict(
            zip(w.loc[w["jeugdregio_code"] == code, "wijkcode"], w.loc[w["jeugdregio_code"] == code, "wijknaam"])
        )
        for code in REGIONS
    }


_COLLECT_JS = r"""
(() => {
  const txt = (e) => (e ? e.textContent : null);
  const ownTitle = (el) => {
    const t = [...el.children].find((c) => c.localName === 'title');
    return t ? t.textContent : null;
  };
  const resolveFill = (el) => {
    const f = getComputedStyle(el).fill;
    const m = /url\(["']?#([^"')]+)["']?\)/.exec(f);
    if (!m) return {fill: f, ref: null, ok: true};
    const target = document.getElementById(m[1]);
    if (!target) return {fill: f, ref: m[1], ok: false, kind: null};
    let base = null;
    if (target.localName === 'pattern') {
      const r = target.querySelector('rect'); base = r ? getComputedStyle(r).fill : null;
    }
    const stops = target.localName === 'linearGradient'
      ? [...target.querySelectorAll('stop')].map((s) => getComputedStyle(s).stopColor) : [];
    return {fill: f, ref: m[1], ok: true, kind: target.localName,
            ns: target.namespaceURI, base: base, stops: stops};
  };
  const maps = [...document.querySelectorAll('figure.jl-map')].map((fig) => {
    const svg = fig.querySelector('svg');
    const paths = [...fig.querySelectorAll('path[data-wijkcode]')].map((p) => {
      const r = resolveFill(p);
      return {code: p.dataset.wijkcode, cls: p.getAttribute('class') || '', title: ownTitle(p),
              fill: r.fill, base: r.base, pattern: r.kind === 'pattern', resolved: r.ok};
    });
    const byNr = {};
    for (const p of paths) { const m = /^(\d+)\.\s/.exec(p.title || ''); if (m) byNr[m[1]] = p; }
    const numbers = [...fig.querySelectorAll('text.nr')].map((t) => {
      const cs = getComputedStyle(t); const under = byNr[t.textContent.trim()];
      return {nr: t.textContent.trim(), fill: cs.fill, stroke: cs.stroke, size: parseFloat(cs.fontSize),
              under: under ? (under.base || under.fill) : null};
    });
    const legend = fig.querySelector('g.legenda');
    const rects = legend ? [...legend.querySelectorAll('rect')].map(resolveFill) : [];
    const ramp = rects.find((r) => r.kind === 'linearGradient');
    return {
      title: txt(svg && [...svg.children].find((c) => c.localName === 'title')),
      paths, numbers,
      legendTexts: legend ? [...legend.querySelectorAll('text')].map((t) => t.textContent.trim()) : null,
      ramp: ramp || null,
      width: svg ? svg.getBoundingClientRect().width : 0,
    };
  });
  return {
    lang: document.documentElement.getAttribute('lang'),
    notes: [...document.querySelectorAll('.jl-note')].map((e) => e.textContent),
    maps,
    th: [...document.querySelectorAll('th')].map((e) => e.textContent.trim()),
    h2: [...document.querySelectorAll('h2')].map((e) => e.textContent.replace(/¶$/, '').trim()),
    imgs: [...document.querySelectorAll('img')].map(
      (e) => ({alt: e.getAttribute('alt'), src: (e.getAttribute('src') || '').slice(0, 40)})),
    body: document.body.innerText,
    resources: performance.getEntriesByType('resource').map((e) => e.name),
  };
})()
"""

_FIND_POINT_JS = r"""
((code) => {
  const fig = [...document.querySelectorAll('figure.jl-map')].find((f) => f.querySelector('text.nr'));
  const p = fig.querySelector(`path[data-wijkcode="${code}"]`);
  p.scrollIntoView({block: 'center', inline: 'center'});
  const r = p.getBoundingClientRect();
  for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
    const x = r.left + r.width * i / 12, y = r.top + r.height * j / 12;
    if (document.elementFromPoint(x, y) === p) return [x, y];
  }
  return null;
})
"""

_HOVER_STATE_JS = r"""
(() => {
  const hovered = [...document.querySelectorAll(':hover')].pop();
  const title = hovered ? [...hovered.children].find((c) => c.localName === 'title') : null;
  return {
    code: hovered && hovered.dataset ? hovered.dataset.wijkcode || null : null,
    title: title ? title.textContent : null,
    strokeWidth: hovered ? getComputedStyle(hovered).strokeWidth : null,
    events: window.__hoverSeen || [],
  };
})()
"""


def _hover(page: _chromium.Page, code: str) -> dict[str, Any]:
    """Move the real (protocol) mouse onto wijk ``code`` of the numbered map; what the page shows then."""
    page.evaluate(
        "window.__hoverSeen = []; document.addEventListener('mouseover', (e) => { const t = [...e.target.children]"
        ".find((c) => c.localName === 'title'); window.__hoverSeen.push(t ? t.textContent : null); });"
    )
    point = page.evaluate(f"{_FIND_POINT_JS}({code!r})")
    if point is None:
        return {"code": None, "title": None, "strokeWidth": None, "events": [], "point": None}
    call = page.browser.call
    for kind in ("mouseMoved",):
        call(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": point[0] - 30, "y": point[1] - 30, "button": "none"},
            session=page.session,
        )
        call("Input.dispatchMouseEvent", {"type": kind, "x": point[0], "y": point[1]}, session=page.session)
    state = page.evaluate(_HOVER_STATE_JS)
    state["point"] = point
    return state


@pytest.fixture(scope="module")
def facts(rendered, browser, region_wijken) -> dict[str, dict[str, Any]]:
    """Everything the tests check in the browser, per region (each report is opened once)."""
    return {
        code: _collect(browser, rendered / code / "rapport.html", rendered / f"screenshot_{code}.png")
        for code in REGIONS
    }


def _collect(browser: _chromium.Chromium, html: Path, shot: Path) -> dict[str, Any]:
    """Open one report and read what the tests check: DOM facts, a hover, a full-page screenshot, the requests."""
    url = html.resolve().as_uri()
    with browser.page(url, width=1280, height=1000) as page:
        data = page.evaluate(_COLLECT_JS)
        # hover a published wijk of the numbered (difference) map
        numbered = next((m for m in data["maps"] if m["numbers"]), None)
        target = None
        if numbered is not None:
            pub = [p for p in numbered["paths"] if not p["pattern"] and "gemeente" not in p["cls"]]
            target = pub[len(pub) // 2]["code"] if pub else None
        data["hover_target"] = target
        data["hover"] = _hover(page, target) if target else None
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(shot)
        data["screenshot"] = shot
        page.drain()
        data["requests"] = list(page.requests)
        data["url"] = url
    return data


def _diff_map(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The region-wide numbered difference map."""
    maps = [m for m in data["maps"] if m["numbers"] and (m["title"] or "").endswith(name)]
    assert maps, f"geen genummerde verschilkaart van {name}; kaarten: {[m['title'] for m in data['maps']]}"
    return maps[0]


# --------------------------------------------------------------------------- the maps
@pytest.mark.parametrize("code", list(REGIONS))
def test_every_wijk_on_a_map_or_in_the_note(facts, region_wijken, code):
    data, wijken = facts[code], region_wijken[code]
    assert data["maps"], "het rapport heeft geen kaarten (figure.jl-map)"
    note = " ".join(data["notes"])
    on_some_map = {p["code"] for m in data["maps"] for p in m["paths"]}
    lost = {c: n for c, n in wijken.items() if c not in on_some_map and n not in note}
    assert not lost, f"{len(lost)} wijken niet op een kaart en niet in de kaartnotitie: {sorted(lost.items())[:10]}"
    # the region-wide difference map alone is complete too (apart from the wijken the note names)
    diff = {p["code"] for p in _diff_map(data, REGIONS[code])["paths"]}
    lost = {c: n for c, n in wijken.items() if c not in diff and n not in note}
    assert not lost, f"{len(lost)} wijken ontbreken op de verschilkaart: {sorted(lost.items())[:10]}"
    from jeugdlib.data.geometry import region_wijk_geometries

    geo = region_wijk_geometries(code)
    unnamed = [n for n in geo.missing["wijknaam"] if n not in note]
    assert not unnamed, f"wijken zonder eigen kaartvlak die de kaartnotitie niet noemt: {unnamed[:10]}"
    unknown = {p["code"] for m in data["maps"] for p in m["paths"]} - set(wijken) - {f"GM{c[2:6]}" for c in wijken}
    assert not unknown or note, f"wijkcodes op de kaart die niet bij de regio horen, zonder notitie: {unknown}"


_DUTCH_TICK = re.compile(r"^[≤≥]?\s?[−+]?\d{1,3}(\.\d{3})*(,\d+)?\s?%?$")


@pytest.mark.parametrize("code", list(REGIONS))
def test_legend_with_hatching_and_dutch_ticks(facts, code):
    for m in facts[code]["maps"]:
        texts = m["legendTexts"]
        assert texts is not None, f"kaart zonder legenda: {m['title']}"
        assert "afgeschermd" in texts and "geen gegevens" in texts, f"{m['title']}: legenda {texts}"
        ticks = [t for t in texts if re.search(r"\d", t)]
        assert len(ticks) >= 2, f"{m['title']}: te weinig schaalwaarden in de legenda: {texts}"
        bad = [t for t in ticks if not _DUTCH_TICK.match(t)]
        assert not bad, f"{m['title']}: schaalwaarden niet in Nederlandse notatie: {bad}"
        ramp = m["ramp"]
        assert ramp and ramp["ns"] == "http://www.w3.org/2000/svg", f"{m['title']}: geen kleurverloop in de legenda"
        assert len(set(ramp["stops"])) >= 3, f"{m['title']}: kleurverloop zonder kleuren: {ramp['stops']}"


@pytest.mark.parametrize("code", list(REGIONS))
def test_map_colours_differ_and_numbers_are_readable(facts, code):
    for m in facts[code]["maps"]:
        unresolved = [p["code"] for p in m["paths"] if not p["resolved"]]
        assert not unresolved, f"{m['title']}: vulling verwijst naar een onbekend patroon: {unresolved[:5]}"
        solid = [p["fill"] for p in m["paths"] if not p["pattern"]]
        assert len(solid) >= 10, f"{m['title']}: maar {len(solid)} wijken met een kleur"
        assert len(set(solid)) >= min(10, len(solid) // 3), f"{m['title']}: kleuren bijna gelijk: {set(solid)}"
        assert m["width"] >= 300, f"{m['title']}: kaart maar {m['width']:.0f} px breed"
    numbered = _diff_map(facts[code], REGIONS[code])
    numbers = numbered["numbers"]
    assert len(numbers) >= 10, f"te weinig nummers op de verschilkaart: {len(numbers)}"
    poor = []
    for t in numbers:
        assert t["under"] is not None, f"nummer {t['nr']} hoort bij geen wijk op de kaart"
        ratio = _contrast(t["fill"], t["under"])
        halo = _contrast(t["fill"], t["stroke"])
        if ratio < 4.5 and halo < 4.5:
            poor.append((t["nr"], t["fill"], t["under"], round(ratio, 2)))
    assert not poor, f"nummers met te weinig contrast (tekst, ondergrond, ratio): {poor[:10]}"
    assert min(t["size"] for t in numbers) >= 8, "nummers kleiner dan 8 px"


# --------------------------------------------------------------------------- tooltip
@pytest.mark.parametrize("code", list(REGIONS))
def test_tooltip_titles_name_the_wijk(facts, region_wijken, code):
    wijken = region_wijken[code]
    diff = _diff_map(facts[code], REGIONS[code])
    # published: coloured on the difference map (a hidden wijk may still be coloured on the 'verwacht' map)
    published = {p["code"] for p in diff["paths"] if not p["pattern"] and "gemeente" not in p["cls"]}
    assert len(published) >= 10, f"maar {len(published)} gepubliceerde wijken op de verschilkaart"
    missing_title, unnamed, incomplete = [], [], []
    for m in facts[code]["maps"]:
        for p in m["paths"]:
            title = p["title"]
            if not title:
                missing_title.append(p["code"])
                continue
            name = wijken.get(p["code"])
            if name is not None and name not in title:
                unnamed.append((p["code"], name, title[:80]))
            if p["code"] in published:
                if not all(w in title for w in ("waargenomen", "verwacht", "verschil")) or "%" not in title:
                    incomplete.append(title[:120])
    assert not missing_title, f"wijkvlakken zonder <title>: {missing_title[:10]}"
    assert not unnamed, f"titels die de wijk niet noemen: {unnamed[:5]}"
    assert not incomplete, f"titels zonder waargenomen/verwacht/verschil: {incomplete[:5]}"


@pytest.mark.parametrize("code", list(REGIONS))
def test_hover_shows_the_wijk(facts, region_wijken, code):
    data = facts[code]
    target, hover = data["hover_target"], data["hover"]
    assert target is not None and hover is not None, "geen gepubliceerde wijk op de verschilkaart om over te bewegen"
    assert hover["point"] is not None, f"wijk {target} is niet aan te wijzen op de kaart (bedekt of buiten beeld)"
    name = region_wijken[code][target]
    assert hover["code"] == target, f"onder de muis is {hover['code']!r}, niet {target}"
    assert hover["title"] and name in hover["title"], f"hover-titel {hover['title']!r} noemt {name!r} niet"
    assert any(t and name in t for t in hover["events"]), f"mouseover kwam niet bij de wijk aan: {hover['events']}"
    assert float(hover["strokeWidth"].rstrip("px")) >= 1.5, f"wijk niet gemarkeerd bij hover: {hover['strokeWidth']}"


_TOOLTIP = re.compile(
    r"waargenomen (?P<obs>[−+]?[\d.]+,\d)%, verwacht (?P<exp>[−+]?[\d.]+,\d)%, "
    r"verschil (?P<diff>[−+]?[\d.]+,\d) procentpunt \(95%-interval (?P<lo>[−+]?[\d.]+,\d) tot (?P<hi>[−+]?[\d.]+,\d)\)"
)


def _nl_float(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".").replace("\u2212", "-"))


@pytest.mark.parametrize("code", list(REGIONS))
def test_tooltip_numbers_match_the_wijk_table(rendered, facts, code):
    """The hover text of the difference map gives the figures of tabellen/wijken_open_model.csv (to 0,1)."""
    table = rendered / code / "tabellen" / "wijken_open_model.csv"
    rows = {r["wijkcode"]: r for r in csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig")), delimiter=";")}
    cols = {
        "obs": "Waargenomen (%)",
        "exp": "Verwacht (%)",
        "diff": "Verschil (procentpunt)",
        "lo": "Verschil 95%-interval laag",
        "hi": "Verschil 95%-interval hoog",
    }
    some = next(iter(rows.values()))
    assert set(cols.values()) <= set(some), f"kolommen van de wijktabel: {list(some)}"
    checked, wrong = 0, []
    for p in _diff_map(facts[code], REGIONS[code])["paths"]:
        m = _TOOLTIP.search(p["title"] or "")
        row = rows.get(p["code"])
        if m is None or row is None or not row[cols["obs"]]:
            continue
        checked += 1
        for key, col in cols.items():
            want = float(row[col].replace(",", "."))
            if abs(_nl_float(m[key]) - want) > 0.051:
                wrong.append(f"{p['code']} {key}: kaart {m[key]}, tabel {row[col]}")
    assert checked >= 10, f"maar {checked} hover-teksten met alle cijfers gevonden"
    assert not wrong, f"{len(wrong)} hover-cijfers wijken af van de wijktabel, bv.: {wrong[:6]}"


# --------------------------------------------------------------------------- text, tables, accessibility
@pytest.mark.parametrize("code", list(REGIONS))
def test_no_english_headers_and_no_missing_values(facts, code):
    data = facts[code]
    assert data["th"], "het rapport heeft geen tabellen"
    bad = _english_headers(data["th"])
    assert not bad, f"Engelse of snake_case kolomkoppen: {sorted(set(bad))}"
    hits = []
    for m in MISSING_WORDS.finditer(data["body"]):
        hits.append(data["body"][max(0, m.start() - 60) : m.end() + 20].replace("\n", " | "))
    assert not hits, f"{len(hits)} keer een ontbrekende waarde als tekst, bv.: {hits[:5]}"


@pytest.mark.parametrize("code", list(REGIONS))
def test_self_contained_and_accessible(facts, code):
    data = facts[code]
    assert data["lang"] == "nl", f"<html lang={data['lang']!r}>"
    foreign = [u for u in data["requests"] + data["resources"] if not (u.startswith("data:") or u == data["url"])]
    assert not foreign, f"het rapport vraagt iets buiten zichzelf op: {foreign[:5]}"
    assert data["requests"] and data["requests"][0] == data["url"]
    no_alt = [i["src"] for i in data["imgs"] if not (i["alt"] or "").strip()]
    assert not no_alt, f"{len(no_alt)} afbeeldingen zonder alt-tekst: {no_alt[:3]}"


@pytest.mark.parametrize("code", list(REGIONS))
def test_screenshot_is_not_blank(facts, code):
    import numpy as np
    from PIL import Image

    shot = facts[code]["screenshot"]
    with Image.open(shot) as im:
        assert im.height > 2000, f"pagina maar {im.height} px hoog"
        small = im.convert("RGB").reduce(4)  # a 1280 × 30 000 page: the statistics need no full resolution
    colour = np.asarray(small, dtype=np.int16)
    gray = np.asarray(small.convert("L"), dtype=np.float32)
    assert gray.std() > 15, f"schermafdruk (bijna) leeg: standaardafwijking {gray.std():.1f}"
    assert (gray < 200).mean() > 0.02, "schermafdruk bijna geheel wit"
    assert (colour.max(axis=2) - colour.min(axis=2) > 60).mean() > 0.005, "geen gekleurde kaart op de schermafdruk"


# --------------------------------------------------------------------------- PDF
@pytest.mark.parametrize("code", list(REGIONS))
def test_pdf_has_the_same_sections(rendered, facts, code):
    import pypdf

    pdf = rendered / code / "rapport.pdf"
    assert pdf.is_file(), "geen rapport.pdf naast rapport.html"
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) >= 2
    text = _squash("\n".join(p.extract_text() or "" for p in reader.pages))
    headings = facts[code]["h2"]
    assert len(headings) >= 3, f"te weinig secties (h2) in het rapport: {headings}"
    missing = [h for h in headings if _squash(h) not in text]
    assert not missing, f"secties van de HTML die niet in de PDF staan: {missing}"


# --------------------------------------------------------------------------- tabellen
@pytest.mark.parametrize("code", list(REGIONS))
def test_tabellen_xlsx_and_wijkcodes(rendered, region_wijken, code):
    import openpyxl

    folder = rendered / code / "tabellen"
    csvs, xlsxs = sorted(folder.glob("*.csv")), sorted(folder.glob("*.xlsx"))
    assert csvs and xlsxs, f"tabellen/ mist csv of xlsx: {sorted(p.name for p in folder.iterdir())}"
    stems = {f.stem for f in csvs}
    assert stems == {f.stem for f in xlsxs}, f"csv en xlsx verschillen: {stems ^ {f.stem for f in xlsxs}}"
    for f in xlsxs:
        wb = openpyxl.load_workbook(f, read_only=True)
        try:
            assert len(wb.sheetnames) == 1, f"{f.name}: {len(wb.sheetnames)} werkbladen"
            assert wb.active.max_row >= 2, f"{f.name}: leeg werkblad"
        finally:
            wb.close()
    wijk_tables = 0
    for f in csvs:
        header = next(csv.reader(io.StringIO(f.read_text(encoding="utf-8-sig")), delimiter=";"))
        if any(h.strip().lower() in ("wijk", "wijknaam") for h in header):
            assert "wijkcode" in [h.strip().lower() for h in header], f"{f.name} heeft wijken maar geen wijkcode"
            wijk_tables += 1
    wijk_csv = folder / "wijken_open_model.csv"
    assert wijk_csv.is_file() and wijk_tables >= 1
    rows = list(csv.DictReader(io.StringIO(wijk_csv.read_text(encoding="utf-8-sig")), delimiter=";"))
    codes = {r.get("wijkcode") or r.get("Wijkcode") for r in rows}
    assert codes and codes <= set(region_wijken[code]), (
        f"wijkcodes die niet bij de regio horen: {codes - set(region_wijken[code])}"
    )


@pytest.mark.parametrize("code", list(REGIONS))
def test_tabellen_csv_bom_semicolon_decimal_comma(rendered, code):
    csvs = sorted((rendered / code / "tabellen").glob("*.csv"))
    assert csvs
    problems = [p for f in csvs for p in _csv_problems(f.name, f.read_bytes())]
    assert not problems, "CSV-problemen:\n" + "\n".join(problems)


def test_index_links_all_reports(rendered, browser):
    index = rendered / "index.html"
    with browser.page(index.resolve().as_uri(), width=1000, height=800) as page:
        hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map((a) => a.href)")
        lang = page.evaluate("document.documentElement.getAttribute('lang')")
    assert lang == "nl"
    for code in REGIONS:
        target = (rendered / code / "rapport.html").resolve().as_uri()
        assert target in hrefs, f"index.html linkt niet naar {code}: {hrefs[:10]}"
        assert (rendered / code / "rapport.html").is_file()
