"""Regional reports: rendering, disclosure in the published HTML, bad input, browser check."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup

from jeugdlib import DataError, RegionNotFoundError, _batch, reports
from jeugdlib.cli import main as cli_main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def models():
    return reports.fit_national_models(2022)


class _Evil:
    """A pickle that, when loaded, creates a marker file (proves code execution)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def _plant_pickles(folder: Path, marker: Path) -> list[Path]:
    """Pickles planted where the batch used to keep (and could be tricked into loading) its models."""
    import pickle

    planted = []
    for rel in (".cache/national_models_2022.pkl", ".cache/models.pkl", "JZ24/models.pkl", "national_models_2022.pkl"):
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(pickle.dumps(_Evil(marker)))
        planted.append(p)
    return planted


def _victim(tmp: Path) -> tuple[Path, int, bytes]:
    victim = tmp / "victim.txt"
    victim.write_text("do not touch")
    old = time.time() - 1000
    os.utime(victim, (old, old))
    return victim, victim.stat().st_mtime_ns, victim.read_bytes()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, models):
    """One real render, into a folder where an attacker planted symlinks at every former temporary name
    and a killed run left a work folder and a backup."""
    out = tmp_path_factory.mktemp("reports")
    outside = tmp_path_factory.mktemp("outside")
    victim = _victim(outside)
    for name in ("index.tmp", f".write-test-{os.getpid()}", ".JZ24.old", "manifest.tmp", ".cache"):
        (out / name).symlink_to(victim[0] if name != ".cache" else outside, target_is_directory=name == ".cache")
    dead = _dead_pid()
    (out / f".JZ24-{dead}-stale1" / "tabellen").mkdir(parents=True)
    (out / f".JZ24.old-{dead}-stale2").mkdir()
    models_path = models.save(outside / "models.pkl")
    audit = tmp_path_factory.mktemp("private") / "audit"
    html = reports.render_region("haaglanden", out, models_path=models_path, audit_dir=audit)
    return out, html, victim, audit


@pytest.fixture
def rendered_report(rendered):
    out, html, *_ = rendered
    return out, html


def _cell_values(table) -> tuple[list[str], list[list[str]]]:
    head = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
    body = [[td.get_text(strip=True) for td in tr.find_all(["td", "th"])] for tr in table.find("tbody").find_all("tr")]
    return head, body


def test_report_files(rendered):
    out, html, (victim, mtime, content), audit = rendered
    folder = out / "JZ24"
    assert html == folder / "rapport.html"
    assert not (folder / "rapport.ipynb").exists(), "the executed notebook (local paths) is not published"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["region"] == "JZ24"
    tables = {p.stem for p in (folder / "tabellen").glob("*.csv")}
    assert {"overzicht", "scp_2017", "wijken_open_model", "indicatoren_2022"} <= tables
    assert not [p for p in out.iterdir() if p.name.startswith(".JZ24") and not p.is_symlink()], (
        "no temporary folders left behind"
    )
    # symlinks planted at the former fixed temporary names: their target is untouched
    assert victim.read_bytes() == content and victim.stat().st_mtime_ns == mtime
    assert (out / ".JZ24.old").is_symlink() and (out / "index.tmp").is_symlink()
    # the private audit copy: folder 0700, file 0600
    nb = audit / "JZ24-rapport.ipynb"
    assert nb.is_file() and (audit.stat().st_mode & 0o777) == 0o700 and (nb.stat().st_mode & 0o777) == 0o600
    assert (folder.stat().st_mode & 0o777) == 0o755 and (html.stat().st_mode & 0o777) == 0o644


def _published_text(folder: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file()}


def test_published_files_carry_no_local_paths(rendered):
    out, html, (victim, _, _), _ = rendered
    import tempfile

    forbidden = {str(out), str(victim.parent), str(victim.parent.resolve()), "/.jeugdlib-", tempfile.gettempdir() + "/"}
    for p, text in _published_text(out / "JZ24").items():
        for f in forbidden:
            assert f not in text, (p.name, f)


def test_report_content(rendered_report):
    _, html = rendered_report
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    text = soup.get_text(" ")
    assert "Haaglanden" in text
    assert "geen oordeel" in text  # SCP's caveat
    assert "CC BY 4.0" in text and "jeugdlib" in text
    assert "import " not in text, "code cells must be hidden"
    for naam in ("Delft", "Zoetermeer", "Westland", "Wassenaar"):
        assert naam in text
    imgs = soup.find_all("img")
    assert len(imgs) >= 1  # the caterpillar plot, embedded, with alt text
    assert all(img["src"].startswith("data:image/png;base64,") and img["alt"].strip() for img in imgs)
    maps = soup.find_all("svg")
    assert len(maps) >= 3  # observed, expected and difference maps: inline SVG
    assert len({p["data-wijkcode"] for p in soup.select("path[data-wijkcode]")}) >= 100  # Haaglanden: 108 wijken


def test_published_counts_obey_disclosure(rendered_report):
    """Every count column ('Aantal …') is empty or >= 10 and a multiple of 5; no lone hidden cell next to a total."""
    _, html = rendered_report
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    n_checked = 0
    for table in soup.find_all("table", class_="jeugdlib-tabel"):
        head, body = _cell_values(table)
        for j, name in enumerate(head):
            if not name.startswith("Aantal"):
                continue
            col = [row[j] for row in body]
            for v in col:
                if v == "–":
                    continue
                n = int(v.replace(".", ""))
                assert n >= 10 and n % 5 == 0, (name, v)
                n_checked += 1
            totals = [i for i, row in enumerate(body) if row[0].startswith("Totaal")]
            if totals and col[totals[0]] != "–":
                hidden = sum(1 for i, v in enumerate(col) if v == "–" and i not in totals)
                assert hidden != 1, f"{name}: one hidden cell is recoverable from the total"
        if {"Aantal hoger", "Aantal lager", "Aantal afwijkend"} <= set(head):
            ih, il, ia = (head.index(c) for c in ("Aantal hoger", "Aantal lager", "Aantal afwijkend"))
            for row in body:  # afwijkend = hoger + lager: never one hidden part next to a shown total
                if row[ia] != "–":
                    assert (row[ih] == "–") == (row[il] == "–"), row
    assert n_checked >= 20


def test_wijk_table_groups_protect_gemeente_totals(rendered_report):
    out, _ = rendered_report
    import pandas as pd

    t = pd.read_csv(out / "JZ24" / "tabellen" / "wijken_open_model.csv", sep=";", decimal=",", encoding="utf-8-sig")
    for _, g in t.groupby("Gemeente"):
        assert g["Aantal jongeren met jeugdzorg"].isna().sum() != 1
        shown = g["Aantal jongeren met jeugdzorg"].dropna()
        assert (shown >= 10).all() and (shown % 5 == 0).all()
        assert g.loc[g["Aantal jongeren met jeugdzorg"].isna(), "Waargenomen (%)"].isna().all()


def test_incremental_skip_and_force(rendered, models):
    out, html, (victim, mtime, content), _ = rendered
    before = (out / "JZ24" / "manifest.json").read_text()
    stamps = {p: p.stat().st_mtime_ns for p in (out / "JZ24").rglob("*")}
    again = reports.render_region("JZ24", out, models_path=victim.parent / "models.pkl", force=False)
    assert again == html and (out / "JZ24" / "manifest.json").read_text() == before
    # nothing was re-rendered: every file is the same file, untouched
    assert {p: p.stat().st_mtime_ns for p in (out / "JZ24").rglob("*")} == stamps
    # a report of an older layout (absolute paths in its manifest, a published rapport.ipynb) is redone
    man = json.loads(before)
    del man["manifest"]
    man["params"] = {"policy_path": "/home/x/beleid.csv"}
    (out / "JZ24" / "manifest.json").write_text(json.dumps(man))
    (out / "JZ24" / "rapport.ipynb").write_text("{}")
    reports.render_region("JZ24", out, models_path=victim.parent / "models.pkl", force=False)
    fresh = json.loads((out / "JZ24" / "manifest.json").read_text())
    assert (
        fresh["manifest"] == _batch.MANIFEST_VERSION
        and "params" not in fresh
        and not (out / "JZ24" / "rapport.ipynb").exists()
    )
    # the swap over the old report went past the links planted at '.JZ24.old' and co. without touching them
    assert victim.read_bytes() == content and victim.stat().st_mtime_ns == mtime
    assert not [p for p in out.iterdir() if p.name.startswith(".JZ24") and not p.is_symlink()]


def test_failed_run_keeps_previous_report(rendered_report, models, tmp_path, monkeypatch):
    out, html = rendered_report
    before = html.read_bytes()
    broken = tmp_path / "broken.ipynb"
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("region = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise RuntimeError('kapot')"),
    ]
    nbformat.write(nb, broken)
    monkeypatch.setattr(reports, "NOTEBOOK", broken)
    with pytest.raises(reports.ReportError, match="RuntimeError: kapot") as info:
        reports.render_region("JZ24", out, force=True, models_path=models.save(tmp_path / "m.pkl"))
    assert info.value.error_type == "RuntimeError"
    assert html.read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".JZ24") and not p.is_symlink()]


def test_unknown_region_exit_2_writes_nothing(tmp_path, capsys):
    out = tmp_path / "rep"
    code = cli_main(["report", "--region", "Haaglandn", "--out", str(out)])
    assert code == 2
    assert "Haaglanden" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(RegionNotFoundError, match="unknown jeugdregio 'Atlantis'.*Closest"):
        reports.render_region("Atlantis", out)
    assert not out.exists()


def test_unwritable_output(tmp_path, monkeypatch, capsys):
    """A read-only output folder: DataError (CLI exit 2) naming the folder, nothing written.

    CI runs as root, which ignores permission bits, so besides ``chmod`` the file system
    calls below ``ro`` are made to fail with EACCES as they do for a normal user.
    """

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)

    def denied(original):
        def call(self, *args, **kwargs):
            if Path(self).is_relative_to(ro):
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return original(self, *args, **kwargs)

        return call

    monkeypatch.setattr(Path, "mkdir", denied(Path.mkdir))
    monkeypatch.setattr(Path, "write_text", denied(Path.write_text))
    try:
        with pytest.raises(DataError, match=r"output folder .*ro/sub is not writable \(.*Permission denied.*--out"):
            reports.render_region("JZ24", ro / "sub")
        code = cli_main(["report", "--region", "JZ24", "--out", str(ro / "sub")])
        assert code == 2
        assert "not writable" in capsys.readouterr().err
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


def test_unwritable_output_path_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(DataError, match="not writable"):
        reports.render_region("JZ24", f)


def test_render_all_two_regions(tmp_path):
    """A real batch into a folder with planted pickles: none is ever loaded (no marker), models stay private."""
    out = tmp_path / "batch"
    marker = tmp_path / "PWNED"
    _plant_pickles(out, marker)
    dead = _dead_pid()
    (out / f".JZ38-{dead}-stale").mkdir()  # left by a killed run
    res = reports.render_all(out, jobs=2, regions=["JZ24", "Zeeland"], progress=False)
    assert [r["status"] for r in res] == ["ok", "ok"], res
    assert not marker.exists(), "a planted pickle was loaded"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "JZ24/rapport.html" in index and "JZ38/rapport.html" in index
    assert not (out / f".JZ38-{dead}-stale").exists()
    # the batch keeps nothing of its own in the publication folder: only the planted files are there
    assert sorted(p.name for p in (out / ".cache").iterdir()) == ["models.pkl", "national_models_2022.pkl"]
    res2 = reports.render_all(out, jobs=2, regions=["JZ24"], progress=False)
    assert res2[0]["status"] == "skipped"
    assert not marker.exists()


def test_forged_models_file_is_refused_before_unpickling(tmp_path, models, monkeypatch):
    """A planted or foreign models file is refused (DataError, Dutch) before anything runs; the pickle never runs."""
    marker = tmp_path / "PWNED"
    evil = _plant_pickles(tmp_path / "out", marker)[0]
    with pytest.raises(DataError, match="modelbestand national_models_2022.pkl is geweigerd"):
        reports.render_region("JZ24", tmp_path / "out", models_path=evil)
    # a correctly signed file under another key (another batch, or a forger's) is refused too
    other = models.save(tmp_path / "other.pkl", key=os.urandom(32))
    with pytest.raises(DataError, match="handtekening klopt niet"):
        reports.render_region("JZ24", tmp_path / "out", models_path=other)
    assert not marker.exists()
    assert not (tmp_path / "out" / "JZ24" / "rapport.html").exists()


def test_data_error_inside_notebook_is_exit_2_masked(tmp_path, monkeypatch, capsys):
    """User data that passes validation but fails while rendering: DataError (exit 2), BSN masked, no traceback."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("region = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "from jeugdlib.errors import DataError\n"
            "raise DataError('trajecten.csv, kolom client: waarde 111222333 kan niet; lever een ander bestand')"
        ),
    ]
    broken = tmp_path / "data_error.ipynb"
    nbformat.write(nb, broken)
    monkeypatch.setattr(reports, "NOTEBOOK", broken)
    monkeypatch.setattr(reports, "fit_national_models", lambda year: reports.NationalModels(None, None, year))
    out = tmp_path / "rep"
    with pytest.raises(DataError, match=r"trajecten.csv, kolom client: waarde \*\*\* kan niet") as info:
        reports.render_region("JZ24", out)
    assert "111222333" not in str(info.value)
    assert cli_main(["report", "--region", "JZ24", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fout in de invoer: trajecten.csv") and "111222333" not in err and "Traceback" not in err
    assert not (out / "JZ24").exists() and not [
        p for p in out.iterdir() if p.name.startswith(".JZ24") and not p.is_symlink()
    ]


def test_report_with_user_data_sections(tmp_path, models):
    """Policy table and (SYNTHETIC) trajectories/claims: the optional sections render and stay protected."""
    import pandas as pd

    from jeugdlib.trajectories import simulate_trajectories

    # two Haaglanden gemeenten and one of another region (GM0363 Amsterdam): only JZ24's rows may be published
    sim = simulate_trajectories(1500, "2018-01-01", "2022-12-31", seed=3, gemeenten=("GM0518", "GM0503", "GM0363"))
    sim.trajectories.to_csv(tmp_path / "trajecten.csv", index=False)
    sim.claims.to_csv(tmp_path / "declaraties.csv", index=False)
    pd.DataFrame({"gemeentecode": ["GM0518", "GM0503", "GM0603"], "jaar_wijkteam": [2016, 0, 2017]}).to_csv(
        tmp_path / "beleid.csv", index=False
    )
    out = tmp_path / "rep"
    html = reports.render_region(
        "JZ24",
        out,
        models_path=models.save(tmp_path / "m.pkl"),
        policy_path=str(tmp_path / "beleid.csv"),
        trajectories_path=str(tmp_path / "trajecten.csv"),
        claims_path=str(tmp_path / "declaraties.csv"),
    )
    text = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "Trajecten en kosten" in text and "Kaplan" in text and "zorgmaanden per cliënt" in text
    assert "3 van de 10 gemeenten" in text
    tables = {p.stem for p in (out / "JZ24" / "tabellen").glob("*.csv")}
    assert {"trajecten_duur", "aanbieders", "kosten_decompositie", "beleid_regio"} <= tables
    # no local path in anything published; the manifest names inputs by base name and digest only
    for p, body in _published_text(out / "JZ24").items():
        assert str(tmp_path) not in body and "/.jeugdlib-" not in body, p.name
    files = json.loads((out / "JZ24" / "manifest.json").read_text())["files"]
    assert files["policy_path"] == {
        "bestand": "beleidstabel",
        "sha256": hashlib.sha256((tmp_path / "beleid.csv").read_bytes()).hexdigest(),
    }
    assert sorted(files) == ["claims_path", "policy_path", "trajectories_path"]
    test_published_counts_obey_disclosure((out, html))
    # the durations table counts only the region's trajectories, not the whole file's
    own = sim.trajectories.gemeentecode.astype(str).isin(["GM0518", "GM0503"])
    section = reports.trajectory_section("JZ24", str(tmp_path / "trajecten.csv"), None)
    dur = section["tables"][0]
    n_region = dur.loc[dur["Productcategorie"] != "Totaal", "Aantal trajecten"].sum()
    assert 0 < n_region and own.sum() < len(sim.trajectories)
    assert n_region <= own.sum() + 5 * len(section["tables"][0])  # rounded to 5 per row, never the whole file
    other = reports.trajectory_section("JZ01", str(tmp_path / "trajecten.csv"), None)
    assert other["tables"] == [] and "geen trajecten" in other["text"]


def test_bad_user_file_writes_nothing(tmp_path, capsys):
    import pandas as pd

    pd.DataFrame({"gemeentecode": ["GM05X8"], "jaar_wijkteam": [2016]}).to_csv(tmp_path / "beleid.csv", index=False)
    out = tmp_path / "rep"
    code = cli_main(["report", "--region", "JZ24", "--out", str(out), "--policy", str(tmp_path / "beleid.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "beleid.csv" in err and "gemeentecode" in err
    assert not out.exists() or not any(out.iterdir())
    # the batch checks the file once, before fitting or writing anything
    code = cli_main(
        ["report", "--all", "--regions", "JZ24", "--out", str(out), "--policy", str(tmp_path / "beleid.csv")]
    )
    assert code == 2
    assert "beleid.csv" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_report_with_local_wijk_data(tmp_path, models):
    """A SYNTHETIC local cohesion file (random values, test only) exercises the extension section."""
    import pandas as pd

    from jeugdlib.data import load_wijken

    w = load_wijken(2022)
    w = w[w.jeugdregio_code == "JZ24"]
    rng = np.random.default_rng(0)
    local = pd.DataFrame(
        {
            "wijkcode": w.wijkcode,
            "jaar": 2022,
            "indelingsjaar": 2022,
            "sociale_cohesie": rng.uniform(4, 8, len(w)).round(1),
            "veiligheid_ervaren": rng.uniform(5, 9, len(w)).round(1),
        }
    )
    local.to_csv(tmp_path / "SYNTHETIC_wijkmonitor.csv", index=False)
    out = tmp_path / "rep"
    html = reports.render_region(
        "JZ24",
        out,
        models_path=models.save(tmp_path / "m.pkl"),
        local_data_path=str(tmp_path / "SYNTHETIC_wijkmonitor.csv"),
    )
    text = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "likelihood-ratiotoets" in text
    tables = {p.stem for p in (out / "JZ24" / "tabellen").glob("*.csv")}
    assert "lokale_data_toets" in tables and "lokale_data_coefficienten" in tables
    coef = pd.read_csv(
        out / "JZ24" / "tabellen" / "lokale_data_coefficienten.csv", sep=";", decimal=",", encoding="utf-8-sig"
    )
    from jeugdlib.formatting import COLUMN_NAMES

    # the Dutch names of the one dictionary, not the file's raw column names
    assert sorted(coef.Kenmerk) == sorted(COLUMN_NAMES[k] for k in ("sociale_cohesie", "veiligheid_ervaren"))
    # published with Dutch headings (the result protocol's tidy columns are the Python API: result.tidy())
    assert list(coef.columns[:4]) == ["Kenmerk", "Effect per SD (procentpunt)", "Standaardfout", "p-waarde"]
    assert coef.columns[4].startswith("Ondergrens 95%") and coef.columns[5].startswith("Bovengrens 95%")
    assert "LR = " in text and "df = 2" in text
    assert coef["p-waarde"].between(0, 1).all()
    est, lo, hi = coef["Effect per SD (procentpunt)"], coef[coef.columns[4]], coef[coef.columns[5]]
    assert ((lo <= est) & (est <= hi) & (lo < hi)).all()
    heads = {th.get_text(strip=True) for th in BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")("th")}
    assert not heads & {"term", "p_value", "llf", "aic", "std_error", "estimate", "estimate_per_unit"}, heads
    fit = pd.read_csv(out / "JZ24" / "tabellen" / "lokale_data_toets.csv", sep=";", decimal=",", encoding="utf-8-sig")
    ll = fit["Log-likelihood"]
    assert len(fit) == 2 and ll.iloc[1] >= ll.iloc[0] - 2e-3  # extended model nests the base model


def test_report_has_leefbaarheid_and_haaglanden_trend(rendered_report):
    """Issue 14: every report has the Leefbaarheid section (sentences from tested functions); Haaglanden its trend."""
    out, html = rendered_report
    text = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "Leefbaarheid en jeugdhulp" in text and "Landelijke toets" in text and "KJH" in text
    assert "Leefbaarometer 3.0, ministerie van BZK" in text
    assert "Jeugdhulp door de jaren" in text and "ELAN/LUMC op basis van CBS-microdata" in text
    tables = {p.stem for p in (out / "JZ24" / "tabellen").glob("*.csv")}
    assert {"leefbaarheid", "jeugdhulp_trend_elan"} <= tables


def test_report_tells_one_story(rendered_report):
    """Issue 13, item 1: summary and 'Welke cijfers?' first, totals explained, deviations graded; no raw values."""
    import re

    out, html = rendered_report
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    text = re.sub(r"\s+", " ", soup.get_text(" "))
    heads = ("In het kort", "Welke cijfers?", "1. De regio in het kort", "Wijken om naar te kijken")
    order = [text.find(s) for s in heads]
    assert -1 not in order and order == sorted(order), order
    assert "85098NED" in text and "13,2%" in text and "9,5%" in text and "8,5%" in text
    assert "Gemeentetotaal en wijken" in text and "Voorbeeld: Voorschoten telt 630" in text
    assert "Het 95%-interval is gemiddeld" in text and "procentpunt breed" in text
    assert "buiten het 80%-interval" in text and "verschil ≥ 1,5 procentpunt" in text
    assert "Nederland (CBS)" in text and "(ZH.)" not in text and "(gemeente)" not in text
    assert not re.search(r"\b1 (wijken|gemeenten)\b", text)
    for bad in ("nan", "NaN", "None", "<NA>"):
        assert not re.search(rf"(?<![\w<]){re.escape(bad)}(?![\w>])", text), bad
    tables = {p.stem for p in (out / "JZ24" / "tabellen").glob("*.csv")}
    assert "totalen_gemeente_en_wijken" in tables


@pytest.mark.parametrize("region", ["JZ13", "JZ29", "JZ38", "JZ02"])
def test_every_section_passes_the_joint_audit(models, region):
    """Amsterdam-Amstelland, Rijnmond, Zeeland and a region with many hidden wijken: every table of the report's
    national sections is published through one register, and an independent reader's audit of each published
    table (check_protected, with the relations the table declares) finds nothing recoverable."""
    from jeugdlib.disclosure import check_protected
    from jeugdlib.publication import Kind, Publication

    pub = Publication()
    overview = reports.region_overview(region, 2022, pub=pub)
    open_section = reports.region_open_model(models, region, pub=pub)
    reports.region_scp_2017(models, region, pub=pub)
    reports.region_indicators(region, pub=pub)
    reports.deviation_section(region, models, pub=pub)
    reports.leefbaarheid_section(region, models, open_section, pub=pub)
    from jeugdlib.report_sections.regional import totals_section

    totals_section(overview, open_section, pub=pub)
    assert {t.name for t in pub.tables} >= {"overzicht", "wijken_open_model", "scp_2017", "leefbaarheid"}
    for t in pub.tables:
        counts = [c.name for c in t.spec.columns if c.kind is Kind.COUNT]
        if not counts:
            continue
        frame = t.table.astype({c: float for c in counts})
        if t.spec.key is not None and t.spec.key in frame.columns:
            frame = frame.set_index(t.spec.key)
        total_row = t.spec.total_row
        report = check_protected(
            frame, counts, column_totals=t.spec.column_totals, groups=t.spec.groups, total_row=total_row,
            source=t.name,
        )  # fmt: skip
        report.raise_if_failed(t.name)
    # the region's share in the text comes from the published total row
    tab = overview["table"]
    total = tab.iloc[-1]
    expect = 100 * total["Aantal jongeren met jeugdzorg"] / total["Aantal inwoners 0–24 jaar"]
    assert overview["region_share"] == pytest.approx(expect, abs=0.05)


def test_dutch_number_format():
    assert reports.nl(9.84) == "9,8"
    assert reports.nl(1234.56, 2) == "1.234,56"
    assert reports.nl(float("nan")) == "–"


def test_dead_kernel_keeps_previous_report(rendered_report, models, tmp_path, monkeypatch):
    """A kernel that dies mid-run: the error surfaces, the previous report and folder stay as they were."""
    import nbformat

    out, html = rendered_report
    before = sorted(p.relative_to(out) for p in (out / "JZ24").rglob("*"))
    content = html.read_bytes()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("region = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import os\nos._exit(1)"),
    ]
    dying = tmp_path / "dying.ipynb"
    nbformat.write(nb, dying)
    monkeypatch.setattr(reports, "NOTEBOOK", dying)
    with pytest.raises(reports.ReportError, match="DeadKernelError: het rekenproces van het rapport stopte"):
        reports.render_region("JZ24", out, force=True, timeout=60, models_path=models.save(tmp_path / "m.pkl"))
    assert html.read_bytes() == content
    assert sorted(p.relative_to(out) for p in (out / "JZ24").rglob("*")) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".JZ24") and not p.is_symlink()]


def test_region_with_every_wijk_suppressed(models, monkeypatch):
    """All wijk counts suppressed: the section reports nothing observed and publishes no value."""
    from jeugdlib import scp

    real = scp.open_data_frame

    def all_suppressed(year, min_inwoners=100):
        data, preds = real(year, min_inwoners)
        mask = data.jeugdregio_code == "JZ24"
        data.loc[mask, ["jz_jongeren", scp.OPEN_OUTCOME]] = np.nan
        return data, preds

    monkeypatch.setattr(scp, "open_data_frame", all_suppressed)
    section = reports.region_open_model(models, "JZ24")
    assert section["n_observed"] == 0
    tab = section["table"]
    assert tab["Aantal jongeren met jeugdzorg"].isna().all()
    assert tab["Waargenomen (%)"].isna().all() and tab["Categorie"].isna().all()
    assert tab["Verschil 95%-interval laag"].isna().all() and tab["Verschil 95%-interval hoog"].isna().all()
    assert tab["Verwacht (%)"].notna().all()  # the model still gives an expectation
    assert tab["Verwacht 95%-interval laag (%)"].notna().all()
    assert section["counts"]["gepubliceerd"] == 0


def test_batch_isolates_a_failing_region(tmp_path, monkeypatch, capsys):
    """One region fails: it is recorded with its reason, the others are rendered, the CLI exits non-zero.

    The user files given to ``--all`` reach every region as absolute paths; the models are signed with the
    run's key and kept outside the output folder.
    """
    import pandas as pd

    from jeugdlib import _kernels

    calls, passed = [], []

    def fake(run, code, kernel, browser):
        assert not run.models_path.is_relative_to(run.out_dir) and run.models_path.is_file()
        assert reports.NationalModels.load(run.models_path, run.key).year == 2022  # signed with the run's key
        calls.append(code)
        passed.append(dict(run.params))
        if code == "JZ38":
            raise RuntimeError("kernel died")
        folder = run.out_dir / code
        folder.mkdir(parents=True)
        (folder / "rapport.html").write_text("<html></html>")
        (folder / "manifest.json").write_text(json.dumps({"rendered_at": "2026-01-01T00:00:00+00:00"}))

    monkeypatch.setattr(reports, "_render_one", fake)
    monkeypatch.setattr(reports, "_open_browser", lambda want_pdf: None)  # no printer: each region in _render_one
    monkeypatch.setattr(_kernels, "WARM_IMPORTS", "import os")
    # the fake regions need no models: skip the national fit
    monkeypatch.setattr(reports, "fit_national_models", lambda year: reports.NationalModels(None, None, year))
    pd.DataFrame({"gemeentecode": ["GM0518"], "jaar_wijkteam": [2016]}).to_csv(tmp_path / "beleid.csv", index=False)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "batch"
    code = cli_main(
        ["report", "--all", "--regions", "JZ24", "JZ38", "JZ01", "--out", str(out), "--policy", "beleid.csv"]
    )
    assert code == 1
    assert sorted(calls) == ["JZ01", "JZ24", "JZ38"]
    assert passed == [{"policy_path": str(tmp_path / "beleid.csv")}] * 3
    err = capsys.readouterr().err
    assert "MISLUKT JZ38" in err and "RuntimeError: kernel died" in err
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "JZ24/rapport.html" in index and "JZ01/rapport.html" in index
    assert "mislukt" in index and "RuntimeError: kernel died" in index
    assert "RuntimeError: kernel died" in (out / "logboek" / "JZ38.log").read_text(encoding="utf-8")


def test_local_data_for_another_region_skips_section(tmp_path, models):
    import pandas as pd

    from jeugdlib.data import load_wijken

    w = load_wijken(2022)
    w = w[w.jeugdregio_code == "JZ24"]
    pd.DataFrame({"wijkcode": w.wijkcode, "jaar": 2022, "sociale_cohesie": 6.0}).to_csv(
        tmp_path / "SYNTHETIC_local.csv", index=False
    )
    section = reports.local_data_section("Zeeland", models, str(tmp_path / "SYNTHETIC_local.csv"))
    assert "geen wijken van Zeeland" in section["text"]


def test_relative_output_folder(tmp_path, models, monkeypatch):
    """`jeugdlib report --out reports` (a relative path, as in the README) puts the tables beside the report."""
    monkeypatch.chdir(tmp_path)
    models.save(tmp_path / "m.pkl")
    html = reports.render_region("JZ24", "reports", models_path="m.pkl")
    folder = tmp_path / "reports" / "JZ24"
    assert html == folder / "rapport.html" and html.exists()
    assert (folder / "tabellen" / "overzicht.csv").exists()
    assert {p.name for p in folder.iterdir()} - {"rapport.pdf"} == {"manifest.json", "rapport.html", "tabellen"}
