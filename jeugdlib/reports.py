"""Regional reports: a parameterised notebook rendered by papermill to HTML.

The report notebook (``notebooks/regio_rapport.ipynb``, paired with a
``py:percent`` file) is thin: it calls the functions in this module, which
compute every table of a section and pass it through
:func:`jeugdlib.disclosure.protect` (:func:`publish_table`). Rendering:

* :func:`render_region` executes the notebook with papermill in a temporary
  folder, converts it to self-contained HTML without code (nbconvert), and only
  then moves the result into place (``<out>/<code>/``) — a failed run leaves the
  previous good report untouched and no half-written files.
* :func:`render_all` renders many regions, each in its own Python process
  (papermill's working-directory handling is not thread-safe; threads here only
  wait on the processes), with a per-region timeout, failure isolation,
  incremental skipping and an ``index.html``. The national models are fitted
  once per batch and handed to every region as a pickle.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import jeugdlib
from jeugdlib.data import find_region, load_gemeenten, load_scp_2017, load_wijken
from jeugdlib.disclosure import check_protected, protect
from jeugdlib.errors import DataError

__all__ = [
    "NOTEBOOK",
    "NationalModels",
    "fit_national_models",
    "publish_table",
    "region_overview",
    "region_scp_2017",
    "region_open_model",
    "region_indicators",
    "render_all",
    "render_region",
]

#: The report notebook (paired ``.py`` source next to it).
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "regio_rapport.ipynb"
KERNEL = "python3"

COUNT_PREFIX = "Aantal"
INTEGER_COLUMNS = {"Wijken", "Gemeenten", "Jaar"}  # every count column in a report starts with this word (tests rely on it)


# --------------------------------------------------------------------------- models
@dataclass
class NationalModels:
    """The national models a report needs, fitted once per batch."""

    scp_2017: Any  # jeugdlib.scp.ScpModel
    open_model: Any  # jeugdlib.scp.ScpModel on load_wijken(year)
    year: int

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        return path

    @staticmethod
    def load(path: str | Path) -> NationalModels:
        with Path(path).open("rb") as fh:
            obj = pickle.load(fh)  # noqa: S301 - our own file, written by save()
        if not isinstance(obj, NationalModels):
            raise DataError(f"{path}: not a jeugdlib NationalModels pickle")
        return obj


def fit_national_models(year: int = 2022) -> NationalModels:
    """Fit the SCP 2017 model and the open-data model of ``year`` on all wijken."""
    import warnings

    from jeugdlib import scp
    from jeugdlib.errors import JeugdlibWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JeugdlibWarning)
        return NationalModels(scp_2017=scp.fit_scp_model(load_scp_2017()), open_model=scp.fit_open_model(year),
                              year=year)


# --------------------------------------------------------------------------- publishing
def publish_table(
    df: pd.DataFrame,
    *,
    count_cols: Sequence[str] = (),
    rate_cols: dict[str, str | Sequence[str]] | None = None,
    total_row: Any = None,
    total_col: str | None = None,
    groups: str | None = None,
    column_totals: bool = True,
    name: str | None = None,
    tables_dir: str | Path | None = None,
    decimals: int = 1,
) -> pd.DataFrame:
    """Protect a table for publication, verify it, optionally save it as CSV.

    Count columns must start with ``"Aantal"`` (so published reports can be
    audited mechanically). Returns the protected table; display it with
    :func:`to_html`.
    """
    count_cols = [*count_cols, *([total_col] if total_col and total_col not in count_cols else [])]
    bad = [c for c in count_cols if not str(c).startswith(COUNT_PREFIX)]
    if bad:
        raise ValueError(f"count columns must start with {COUNT_PREFIX!r}: {bad}")
    out = protect(df, list(count_cols), rate_cols=rate_cols, total_row=total_row, total_col=total_col,
                  groups=groups, column_totals=column_totals, source=name or "report table") if count_cols \
        else df.copy()
    if count_cols:
        check_protected(out, list(count_cols), column_totals=False, total_col=total_col,
                        source=name or "report table")
    num = out.select_dtypes("number").columns
    out[num] = out[num].round(decimals)
    if tables_dir is not None and name:
        d = Path(tables_dir)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{name}.csv.tmp"
        out.to_csv(tmp, index=out.index.name is not None or not isinstance(out.index, pd.RangeIndex))
        tmp.replace(d / f"{name}.csv")
    return out


def nl(value: float, decimals: int = 1) -> str:
    """A number in Dutch notation for report text: ``9.84`` → ``"9,8"``; NaN → ``"–"``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def to_html(df: pd.DataFrame, *, decimals: int = 1, index: bool = False) -> str:
    """HTML for a published table: suppressed cells shown as '–', counts without decimals."""
    fmt = {}
    for c in df.columns:
        if str(c).startswith(COUNT_PREFIX):
            fmt[c] = lambda v: "–" if pd.isna(v) else f"{int(v):,}".replace(",", ".")
        elif pd.api.types.is_float_dtype(df[c]) and ((df[c].dropna() % 1) == 0).all() and str(c) in INTEGER_COLUMNS:
            fmt[c] = lambda v: "–" if pd.isna(v) else f"{int(v)}"
        elif pd.api.types.is_float_dtype(df[c]):
            fmt[c] = lambda v, d=decimals: "–" if pd.isna(v) else f"{v:.{d}f}".replace(".", ",")
    return df.to_html(index=index, formatters=fmt, na_rep="–", classes="jeugdlib-tabel", border=0, escape=True)


# --------------------------------------------------------------------------- sections
def region_overview(region: str, year: int = 2022) -> dict[str, Any]:
    """Gemeenten of the region with wijken, youths (0–24 proxy) and youth-care use vs the nation."""
    reg = find_region(region, year)
    g = load_gemeenten(year)
    w = load_wijken(year)
    g = g[g.jeugdregio_code == reg.jeugdregio_code]
    n_wijken = w[w.jeugdregio_code == reg.jeugdregio_code].groupby("gemeentecode").size()
    tab = pd.DataFrame({
        "Gemeente": g.gemeentenaam.to_numpy(),
        "Wijken": g.gemeentecode.map(n_wijken).fillna(0).astype(int).to_numpy(),
        "Aantal inwoners 0–24 jaar": g.jeugd_0_24_proxy.to_numpy(),
        "Aantal jongeren met jeugdzorg": g.jz_jongeren.to_numpy(),
    })
    tab = tab.sort_values("Gemeente", ignore_index=True)
    total = tab[["Wijken", "Aantal inwoners 0–24 jaar", "Aantal jongeren met jeugdzorg"]].sum(min_count=1)
    tab.loc[len(tab)] = {"Gemeente": "Totaal regio", **total.to_dict()}
    tab["% jeugdzorg (van 0–24 jaar)"] = 100 * tab["Aantal jongeren met jeugdzorg"] / tab["Aantal inwoners 0–24 jaar"]
    nat_all = load_gemeenten(year)
    national = 100 * nat_all.jz_jongeren.sum() / nat_all.jeugd_0_24_proxy.sum()
    return {
        "region": reg, "table": tab, "total_row": len(tab) - 1, "national_share": float(national),
        "n_gemeenten": int(len(g)), "n_wijken": int(n_wijken.sum()),
        "region_share": float(tab["% jeugdzorg (van 0–24 jaar)"].iloc[-1]),
    }


def region_open_model(models: NationalModels, region: str) -> dict[str, Any]:
    """Open-data model per wijk of the region: table, map frame and flags (protected)."""
    from jeugdlib.scp import OPEN_OUTCOME, open_data_frame

    reg = find_region(region, models.year)
    data, _ = open_data_frame(models.year)
    exp = models.open_model.expected(data[data.jeugdregio_code == reg.jeugdregio_code])
    w = data.set_index("wijkcode")
    exp = exp.merge(w[["wijknaam", "gemeentenaam", "jz_jongeren", "jeugd_0_24_proxy"]], left_on="wijkcode",
                    right_index=True, how="left")
    tab = pd.DataFrame({
        "wijkcode": exp.wijkcode, "Wijk": exp.wijknaam, "Gemeente": exp.gemeentenaam,
        "Aantal jongeren met jeugdzorg": exp.jz_jongeren,
        "Waargenomen (%)": exp.observed, "Verwacht (%)": exp.expected, "Verschil (procentpunt)": exp.difference,
        "Uitkomst": exp.flag.map({"higher": "hoger", "lower": "lager", "as_expected": "zoals verwacht"}),
    })
    protected = publish_table(tab, count_cols=["Aantal jongeren met jeugdzorg"], groups="Gemeente",
                              rate_cols={"Waargenomen (%)": "Aantal jongeren met jeugdzorg",
                                         "Verschil (procentpunt)": "Aantal jongeren met jeugdzorg"})
    protected.loc[protected["Aantal jongeren met jeugdzorg"].isna(), "Uitkomst"] = None
    return {"region": reg, "table": protected, "outcome": OPEN_OUTCOME,
            "n_observed": int(protected["Waargenomen (%)"].notna().sum()),
            "flag_counts": protected["Uitkomst"].value_counts().to_dict()}


def region_map_frame(open_section: dict[str, Any]):
    """GeoDataFrame of the region's 2022 wijken with the protected observed/expected/difference."""
    from jeugdlib.data import load_geometries

    code = open_section["region"].jeugdregio_code
    geo = load_geometries("wijk", 2022)
    wijken = load_wijken(2022)
    codes = set(wijken.loc[wijken.jeugdregio_code == code, "gemeentecode"])
    geo = geo[geo.gemeentecode.isin(codes)]
    tab = open_section["table"].set_index("wijkcode")
    cols = {"Waargenomen (%)": "waargenomen", "Verwacht (%)": "verwacht", "Verschil (procentpunt)": "verschil"}
    return geo.merge(tab[list(cols)].rename(columns=cols), left_on="wijkcode", right_index=True, how="left")


def region_scp_2017(models: NationalModels, region: str) -> dict[str, Any]:
    """SCP 2017 results for the region's wijken: published values next to jeugdlib's reproduction."""
    reg = find_region(region, 2017)
    scp = load_scp_2017()
    exp = models.scp_2017.expected()
    m = exp.merge(scp[["wijkcode", "wijknaam", "gemeentenaam", "perc_przv", "residu"]], on="wijkcode")
    m = m[m.jeugdregio_code == reg.jeugdregio_code]
    tab = pd.DataFrame({
        "Wijk": m.wijknaam, "Gemeente": m.gemeentenaam, "Waargenomen 2017 (%)": m.observed,
        "Verwacht volgens SCP (%)": m.perc_przv, "Verschil volgens SCP": m.residu,
        "Verwacht jeugdlib (%)": m.expected,
        "Uitkomst": m.flag.map({"higher": "hoger", "lower": "lager", "as_expected": "zoals verwacht"}),
    }).sort_values(["Gemeente", "Wijk"], ignore_index=True)
    gem_eff = models.scp_2017.gemeente_effects
    gems = scp[scp.jeugdregio_code == reg.jeugdregio_code].drop_duplicates("gemeentecode")
    eff = pd.DataFrame({"Gemeente": gems.gemeentenaam.to_numpy(),
                        "Gemeente-effect (procentpunt)": gems.gemeentecode.map(gem_eff).to_numpy()}
                       ).sort_values("Gemeente-effect (procentpunt)", ignore_index=True)
    return {"region": reg, "table": publish_table(tab), "gemeente_effects": publish_table(eff, decimals=2),
            "region_effect": float(models.scp_2017.region_effects.get(reg.jeugdregio_code, np.nan)),
            "n_wijken": len(tab), "flag_counts": tab["Uitkomst"].value_counts().to_dict(),
            "gemeente_codes": gems.gemeentecode.tolist(),
            "gemeente_names": dict(zip(gems.gemeentecode, gems.gemeentenaam, strict=True))}


def region_indicators(region: str) -> dict[str, Any]:
    """CBS 85098NED indicators 2022* for the region's gemeenten next to the national figures."""
    reg = find_region(region, 2022)
    g = load_gemeenten(2022)
    cols = {"perc_jeugdhulp_in_natura": "Jeugdhulp in natura (%)",
            "perc_jeugdhulp_met_verblijf": "Waarvan met verblijf (%)",
            "perc_jeugdbescherming": "Jeugdbescherming (%)", "perc_jeugdreclassering": "Jeugdreclassering (%)"}
    sub = g[g.jeugdregio_code == reg.jeugdregio_code]
    tab = sub[["gemeentenaam", *cols]].rename(columns={"gemeentenaam": "Gemeente", **cols})
    tab = tab.sort_values("Gemeente", ignore_index=True)
    weights = g.jeugd_0_24_proxy
    nat = {v: float(np.average(g[k].dropna(), weights=weights[g[k].notna()])) for k, v in cols.items()}
    tab.loc[len(tab)] = {"Gemeente": "Nederland (gewogen gemiddelde)", **nat}
    return {"region": reg, "table": publish_table(tab)}


# --------------------------------------------------------------------------- rendering
def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def _file_digest(path: str | Path | None) -> str | None:
    if not path:
        return None
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found (passed as report input). Check the path.")
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _inputs_digest(code: str, year: int, params: dict[str, Any]) -> str:
    nb_src = NOTEBOOK.with_suffix(".py")
    parts = {
        "jeugdlib": jeugdlib.__version__, "region": code, "year": year,
        "notebook": hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest() if NOTEBOOK.exists() else None,
        "notebook_py": hashlib.sha256(nb_src.read_bytes()).hexdigest() if nb_src.exists() else None,
        "params": {k: (v if not k.endswith("_path") else _file_digest(v)) for k, v in sorted(params.items())},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise DataError(f"output folder {out_dir} is not writable ({exc}); choose another --out.") from exc


def render_region(
    region: str,
    out_dir: str | Path = "reports",
    *,
    year: int = 2022,
    models_path: str | Path | None = None,
    timeout: int = 600,
    force: bool = True,
    local_data_path: str | None = None,
    policy_path: str | None = None,
    trajectories_path: str | None = None,
    claims_path: str | None = None,
) -> Path:
    """Render the report of one jeugdregio; return the path of its HTML file.

    Output (only written once everything succeeded): ``<out>/<code>/rapport.html``
    (self-contained, code hidden), ``rapport.ipynb`` (the executed notebook, for
    audit), ``tabellen/*.csv`` (the published tables) and ``manifest.json``.
    An unknown region raises :class:`~jeugdlib.errors.RegionNotFoundError`
    before anything is written.
    """
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    reg = find_region(region, year)
    code = str(reg.jeugdregio_code)
    out_dir = Path(out_dir).resolve()  # the notebook runs with its own cwd: pass absolute paths only
    params: dict[str, Any] = {"local_data_path": local_data_path, "policy_path": policy_path,
                              "trajectories_path": trajectories_path, "claims_path": claims_path}
    params = {k: str(Path(v).resolve()) for k, v in params.items() if v}
    validate_user_inputs(**params)
    digest = _inputs_digest(code, year, params)
    final = out_dir / code
    manifest_path = final / "manifest.json"
    if not force and manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        if old.get("inputs") == digest and old.get("status") == "ok" and (final / "rapport.html").exists():
            return final / "rapport.html"
    _check_writable(out_dir)
    if not NOTEBOOK.exists():
        raise DataError(f"report notebook {NOTEBOOK} not found; install jeugdlib from its repository "
                        "(pip install -e .) so notebooks/ is present.")
    work = Path(tempfile.mkdtemp(prefix=f".{code}-", dir=out_dir))
    try:
        tables_dir = work / "tabellen"
        t0 = time.perf_counter()
        pm.execute_notebook(
            str(NOTEBOOK), str(work / "rapport.ipynb"),
            parameters={"region": code, "year": year,
                        "models_path": str(Path(models_path).resolve()) if models_path else None,
                        "tables_dir": str(tables_dir), **params},
            kernel_name=KERNEL, cwd=str(work), progress_bar=False, execution_timeout=timeout, start_timeout=120,
            log_output=False,
        )
        t_exec = time.perf_counter() - t0
        nb = nbformat.read(work / "rapport.ipynb", as_version=4)
        exporter = HTMLExporter(template_name="lab")
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": f"Jeugdhulp in {reg.jeugdregio_naam}"}})
        (work / "rapport.html").write_text(body, encoding="utf-8")
        manifest = {"region": code, "name": str(reg.jeugdregio_naam), "year": year, "status": "ok",
                    "inputs": digest, "jeugdlib": jeugdlib.__version__,
                    "rendered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "seconds_execute": round(t_exec, 2), "seconds_total": round(time.perf_counter() - t0, 2),
                    "params": params}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        # swap into place: the previous good report survives until this point
        backup = out_dir / f".{code}.old"
        if backup.exists():
            shutil.rmtree(backup)
        if final.exists():
            final.rename(backup)
        work.rename(final)
        final.chmod(0o755)
        if backup.exists():
            shutil.rmtree(backup)
        return final / "rapport.html"
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _render_subprocess(code: str, out_dir: Path, year: int, models_path: Path, timeout: int, force: bool,
                       params: dict[str, Any]) -> dict[str, Any]:
    """Run one region in its own Python process (with a hard timeout)."""
    cmd = [sys.executable, "-m", "jeugdlib.reports", "--region", code, "--out", str(out_dir), "--year", str(year),
           "--models", str(models_path), "--timeout", str(timeout)]
    if force:
        cmd.append("--force")
    for k, v in params.items():
        cmd += [f"--{k}", str(v)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 60)
    except subprocess.TimeoutExpired:
        return {"region": code, "status": "failed", "error": f"timeout after {timeout + 60} s",
                "seconds": round(time.perf_counter() - t0, 1)}
    status = "ok" if proc.returncode == 0 else "failed"
    err = "" if status == "ok" else (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
    skipped = status == "ok" and "skipped" in proc.stdout
    return {"region": code, "status": "skipped" if skipped else status, "error": err,
            "seconds": round(time.perf_counter() - t0, 1)}


def render_all(
    out_dir: str | Path = "reports",
    jobs: int = 2,
    regions: Sequence[str] | None = None,
    force: bool = False,
    *,
    year: int = 2022,
    timeout: int = 600,
    progress: bool = True,
    **params: Any,
) -> list[dict[str, Any]]:
    """Render many regional reports in parallel processes; write ``index.html``.

    A failing region is recorded with its error and the others continue;
    unchanged regions are skipped unless ``force``. Returns one status dict
    per region (``region, status ∈ {ok, skipped, failed}, error, seconds``).
    """
    from tqdm.auto import tqdm

    from jeugdlib.data import regions as all_regions

    out_dir = Path(out_dir).resolve()
    _check_writable(out_dir)
    codes = [str(find_region(r, year).jeugdregio_code) for r in regions] if regions else \
        all_regions(year).jeugdregio_code.tolist()
    models_path = fit_national_models(year).save(out_dir / ".cache" / f"national_models_{year}.pkl")
    params = {k: v for k, v in params.items() if v}
    results: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # threads only wait on processes
        futures = {pool.submit(_render_subprocess, c, out_dir, year, models_path, timeout, force, params): c
                   for c in codes}
        bar = tqdm(total=len(futures), desc="rapporten", disable=not progress)
        for fut in as_completed(futures):
            results.append(fut.result())
            bar.update(1)
        bar.close()
    results.sort(key=lambda r: r["region"])
    write_index(out_dir, results)
    return results


def write_index(out_dir: Path, results: list[dict[str, Any]]) -> Path:
    """``index.html`` linking every report with its status and date."""
    from jeugdlib.data import regions as all_regions

    names = dict(zip(*all_regions(2022)[["jeugdregio_code", "jeugdregio_naam"]].T.to_numpy(), strict=True))
    rows = []
    for r in results:
        man = Path(out_dir) / r["region"] / "manifest.json"
        date = json.loads(man.read_text()).get("rendered_at", "") if man.exists() else ""
        link = f'<a href="{r["region"]}/rapport.html">{html.escape(names.get(r["region"], r["region"]))}</a>' \
            if (Path(out_dir) / r["region"] / "rapport.html").exists() else html.escape(names.get(r["region"], ""))
        status = {"ok": "in orde", "skipped": "ongewijzigd", "failed": "mislukt"}[r["status"]]
        rows.append(f"<tr><td>{r['region']}</td><td>{link}</td><td class='{r['status']}'>{status}</td>"
                    f"<td>{html.escape(date)}</td><td>{html.escape(r.get('error') or '')}</td></tr>")
    page = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Jeugdhulp per jeugdregio</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd}}
.failed{{color:#c0392b}}.ok{{color:#1e8449}}</style></head><body>
<h1>Jeugdhulp in de wijk — rapporten per jeugdregio</h1>
<p>Gemaakt met jeugdlib {jeugdlib.__version__} op {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.</p>
<table><tr><th>Code</th><th>Jeugdregio</th><th>Status</th><th>Gemaakt</th><th>Fout</th></tr>
{''.join(rows)}</table></body></html>"""
    path = Path(out_dir) / "index.html"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def _main(argv: list[str] | None = None) -> int:
    """Entry point for one region in a subprocess (used by :func:`render_all`)."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m jeugdlib.reports")
    p.add_argument("--region", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--year", type=int, default=2022)
    p.add_argument("--models", default=None)
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--force", action="store_true")
    for k in ("local_data_path", "policy_path", "trajectories_path", "claims_path"):
        p.add_argument(f"--{k}", default=None)
    a = p.parse_args(argv)
    before = None
    man = Path(a.out) / str(find_region(a.region, a.year).jeugdregio_code) / "manifest.json"
    if man.exists():
        before = man.stat().st_mtime
    render_region(a.region, a.out, year=a.year, models_path=a.models, timeout=a.timeout, force=a.force,
                  local_data_path=a.local_data_path, policy_path=a.policy_path,
                  trajectories_path=a.trajectories_path, claims_path=a.claims_path)
    if before is not None and man.stat().st_mtime == before:
        print("skipped")
    return 0



# --------------------------------------------------------------------------- optional sections
def _absent(title: str, what: str) -> dict[str, Any]:
    return {"title": title, "text": f"Niet opgenomen: {what}", "tables": [], "figures": []}


def optional_sections(
    region: str,
    models: NationalModels,
    *,
    local_data_path: str | None = None,
    policy_path: str | None = None,
    trajectories_path: str | None = None,
    claims_path: str | None = None,
    tables_dir: str | Path | None = None,
) -> list[dict[str, Any]]:
    """The report's sections that depend on user data; an absent input gives a section saying so.

    Each section is ``{"title", "text", "tables": [protected DataFrames], "figures": [Figure]}``.
    """
    sections = [deviation_section(region, models, tables_dir=tables_dir)]
    sections.append(local_data_section(region, models, local_data_path, tables_dir=tables_dir)
                    if local_data_path else _absent(
        "Sociale cohesie, veiligheid en voorzieningen",
        "geen lokaal wijkbestand opgegeven. Gemeenten met een wijkmonitor of de Veiligheidsmonitor kunnen een bestand "
        "met `wijkcode`, `jaar` en bijvoorbeeld `sociale_cohesie`, `veiligheid_ervaren` en "
        "`tevredenheid_voorzieningen` meegeven (`jeugdlib report --local-data BESTAND`); het model toetst dan of deze "
        "kenmerken het verwachte gebruik beter verklaren."))
    sections.append(policy_section(region, policy_path, tables_dir=tables_dir) if policy_path else _absent(
        "Wijkteams en POH-jeugd",
        "geen beleidstabel opgegeven (`gemeentecode` met het jaar waarin wijkteams zelf hulp gingen geven of een "
        "POH-jeugd werd gefinancierd; `jeugdlib report --policy BESTAND`)."))
    sections.append(trajectory_section(trajectories_path, claims_path, tables_dir=tables_dir)
                    if trajectories_path else _absent(
        "Trajecten en kosten",
        "geen trajectgegevens opgegeven (iJw-berichten: toewijzingen en declaraties; "
        "`jeugdlib report --trajectories BESTAND --claims BESTAND`)."))
    return sections


def deviation_section(region: str, models: NationalModels, *, tables_dir: str | Path | None = None) -> dict[str, Any]:
    """How many of the region's wijken deviate substantially from expectation (SCP 2017 model)."""
    from jeugdlib import multilevel

    share = multilevel.deviation_share(models.scp_2017, region, year=2017, thresholds=(1.0, 1.5, 2.0),
                                       for_report=True)
    d = share.summary
    labels = {"pi": "buiten het {}%-voorspellingsinterval", "abs": "verschil van minstens {} procentpunt"}

    def dutch(defn: str) -> str:
        if defn.startswith("pi"):
            return labels["pi"].format(defn[2:])
        return labels["abs"].format(nl(float(defn[3:].removesuffix("pp")), 1).replace(",0", ""))

    tab = pd.DataFrame({
        "Definitie": d["definition"].map(dutch),
        "Aantal wijken met waarneming": d["n_observed"], "Aantal hoger": d["n_higher"],
        "Aantal lager": d["n_lower"], "Aantal afwijkend": d["n_deviating"],
    })
    # afwijkend = hoger + lager per row: a row relation for secondary suppression
    tab = protect(tab, ["Aantal wijken met waarneming"], column_totals=False, source="afwijkende wijken")
    tab = protect(tab, ["Aantal hoger", "Aantal lager"], total_col="Aantal afwijkend", column_totals=False,
                  source="afwijkende wijken")
    # the share from the published (rounded) counts, so it reveals nothing the counts do not
    tab["% afwijkend"] = 100 * tab["Aantal afwijkend"] / tab["Aantal wijken met waarneming"]
    tab = publish_table(tab, count_cols=["Aantal wijken met waarneming", "Aantal hoger", "Aantal lager",
                                         "Aantal afwijkend"], column_totals=False,
                        name="afwijkende_wijken", tables_dir=tables_dir)
    text = ("Hoeveel van de wijken wijken duidelijk af van het verwachte gebruik (SCP-model 2017)? Dat hangt af "
            "van de definitie; de studie in Haaglanden vond 'bijna 40%'. Het gaat om aantallen wijken "
            "(afgerond op 5, onder 10 weggelaten). Een afwijking is geen oordeel over beleid.")
    return {"title": "Hoeveel wijken wijken af? (2017)", "text": text, "tables": [tab], "figures": []}


def policy_section(region: str, path: str, *, tables_dir: str | Path | None = None) -> dict[str, Any]:
    """The region's gemeenten in the user's policy table, next to the national 2022 picture by policy group.

    A growth comparison needs the CBS panel per gemeente (84134NED/85099NED),
    which is used when it is in the local cache; otherwise the section says how
    to fetch it and shows the 2022 cross-section (descriptive, not causal).
    """
    from jeugdlib import did
    from jeugdlib.data import cbs
    from jeugdlib.errors import OfflineError

    reg = find_region(region, 2022)
    policy = did.load_policy_table(path)
    g = load_gemeenten(2022)
    cols = [c for c in policy.columns if c != "gemeentecode"]
    m = g[["gemeentecode", "gemeentenaam", "jeugdregio_code", "jz_jongeren", "jeugd_0_24_proxy",
           "perc_jeugdhulp_in_natura", "perc_jeugdhulp_met_verblijf"]].merge(policy, on="gemeentecode", how="left")
    regional = m[m.jeugdregio_code == reg.jeugdregio_code]
    tab = regional[["gemeentenaam", *cols, "perc_jeugdhulp_in_natura", "perc_jeugdhulp_met_verblijf"]].rename(
        columns={"gemeentenaam": "Gemeente", "perc_jeugdhulp_in_natura": "Jeugdhulp in natura 2022 (%)",
                 "perc_jeugdhulp_met_verblijf": "Waarvan met verblijf (%)"})
    tables = [publish_table(tab, name="beleid_regio", tables_dir=tables_dir)]
    adoption = [c for c in cols if pd.api.types.is_integer_dtype(m[c]) or c.startswith(("jaar", "adoptie"))]
    text = (f"{int(regional[cols].notna().any(axis=1).sum())} van de {len(regional)} gemeenten in de regio staan in "
            "de beleidstabel. ")
    if adoption:
        c = adoption[0]
        grp = np.where(pd.to_numeric(m[c], errors="coerce").fillna(0) > 0, "met beleid", "zonder beleid (of onbekend)")
        nat = m.assign(groep=grp).groupby("groep").agg(
            **{"Aantal jongeren met jeugdzorg": ("jz_jongeren", "sum"), "Gemeenten": ("gemeentecode", "size"),
               "jeugd": ("jeugd_0_24_proxy", "sum")}).reset_index()
        nat["% jeugdzorg (van 0–24 jaar)"] = 100 * nat["Aantal jongeren met jeugdzorg"] / nat["jeugd"]
        nat = nat.drop(columns="jeugd").rename(columns={"groep": "Groep gemeenten (landelijk)"})
        tables.append(publish_table(nat, count_cols=["Aantal jongeren met jeugdzorg"], column_totals=False,
                                    rate_cols={"% jeugdzorg (van 0–24 jaar)": "Aantal jongeren met jeugdzorg"},
                                    name="beleid_landelijk", tables_dir=tables_dir))
        text += ("Landelijk (2022) verschilt het gebruik tussen gemeenten met en zonder dit beleid zoals in de tweede "
                 "tabel; dat is een momentopname, geen effect. ")
    try:
        cbs.jeugdzorg_gemeenten(range(2015, 2023))
        text += "De CBS-reeks per gemeente staat in de cache; notebook 03 schat daarmee het effect (DiD)."
    except (OfflineError, DataError):
        text += ("Voor een verschil-in-verschillen-analyse is de CBS-reeks per gemeente nodig "
                 "(`jeugdlib data fetch 84134NED` en `jeugdlib data fetch 85099NED` op een machine met internet); "
                 "notebook 03 laat de analyse zien.")
    return {"title": "Wijkteams en POH-jeugd", "text": text, "tables": tables, "figures": []}


def trajectory_section(trajectories_path: str, claims_path: str | None, *,
                       tables_dir: str | Path | None = None) -> dict[str, Any]:
    """Durations per product category, provider indicators and (with claims) the cost decomposition."""
    from jeugdlib import trajectories as tr
    from jeugdlib.trajectories import code_labels

    traj = tr.load_trajectories(trajectories_path)
    labels = code_labels("productcategorie")
    dur = tr.durations(traj, by="productcategorie").summary.reset_index()
    dur_tab = pd.DataFrame({
        "Productcategorie": dur.productcategorie.astype(str).map(lambda c: f"{c} {labels.get(str(c), '')}".strip()),
        "Aantal trajecten": dur.n_trajectories, "Aantal lopend": dur.n_running,
        "Mediane duur (dagen)": dur.median_days, "Gemiddelde duur afgerond (dagen)": dur.mean_days_completed,
    })
    tables = [publish_table(dur_tab, count_cols=["Aantal trajecten", "Aantal lopend"], column_totals=False,
                            rate_cols={"Mediane duur (dagen)": "Aantal trajecten",
                                       "Gemiddelde duur afgerond (dagen)": "Aantal trajecten"},
                            name="trajecten_duur", tables_dir=tables_dir, decimals=0)]
    prov = tr.provider_indicators(traj).reset_index()
    prov_tab = pd.DataFrame({
        "Aanbieder": prov.aanbieder, "Aantal cliënten": prov.n_clients, "Aantal trajecten": prov.n_trajectories,
        "Mediane duur (dagen)": prov.median_duration_days, "% verlengd": prov.pct_extended,
        "% volgens plan beëindigd": prov.pct_ended_to_plan,
    })
    tables.append(publish_table(prov_tab, count_cols=["Aantal cliënten", "Aantal trajecten"], column_totals=False,
                                rate_cols={"Mediane duur (dagen)": "Aantal trajecten",
                                           "% verlengd": "Aantal trajecten",
                                           "% volgens plan beëindigd": "Aantal trajecten"},
                                name="aanbieders", tables_dir=tables_dir))
    text = ("Duur met Kaplan–Meier (lopende trajecten tellen mee als gecensureerd). Aanbieders: 'tellen en "
            "vertellen' — duur, verlengingen en beëindiging volgens plan.")
    if claims_path:
        claims = tr.load_claims(claims_path)
        years = sorted(pd.to_datetime(claims.periode_start).dt.year.unique())
        # the first and the last full claim year (the last one is often still being claimed)
        base, end = (int(years[1]), int(years[-2])) if len(years) > 3 else (int(years[0]), int(years[-1]))
        try:
            cost = tr.cost_decomposition(traj, claims, base, end)
        except DataError as exc:
            text += f" Kostendecompositie niet mogelijk: {exc}"
        else:
            _, published_effects = cost.published()  # LMDI on the rounded client counts
            eff = published_effects.reset_index()
            eff.columns = ["Component", "Effect (euro)", "Aandeel van de verandering", "Log-ratio"]
            eff["Component"] = eff["Component"].map({
                "clients": "aantal cliënten", "care_months_per_client": "zorgmaanden per cliënt",
                "cost_per_care_month": "kosten per zorgmaand", "total": "totaal"}).fillna(eff["Component"])
            tables.append(publish_table(eff, name="kosten_decompositie", tables_dir=tables_dir, decimals=2))
            text += (f" De kostenontwikkeling {base}–{end} is gesplitst in aantal cliënten × zorgmaanden per cliënt "
                     "× kosten per zorgmaand (LMDI; de delen tellen exact op tot de totale verandering).")
    return {"title": "Trajecten en kosten", "text": text, "tables": tables, "figures": []}


def local_data_section(region: str, models: NationalModels, path: str, *,
                       tables_dir: str | Path | None = None) -> dict[str, Any]:
    """Extension of the open-data model with the user's local wijk variables (cohesion, safety, facilities)."""
    from jeugdlib import multilevel
    from jeugdlib.scp import OPEN_OUTCOME, open_data_frame

    reg = find_region(region, models.year)
    local = multilevel.load_local_wijk_data(path)
    data, preds = open_data_frame(models.year)
    regional_codes = set(data.loc[data.jeugdregio_code == reg.jeugdregio_code, "wijkcode"])
    local = local[local.wijkcode.isin(regional_codes)]
    if local.empty:
        # a batch over all regions with one municipality's file: the other regions skip this section
        return _absent("Sociale cohesie, veiligheid en voorzieningen",
                       f"het lokale wijkbestand bevat geen wijken van {reg.jeugdregio_naam} "
                       f"(wijkcodes met wijkgrenzen {models.year}).")
    data.attrs["boundary_year"] = models.year
    extra_cols = [c for c in local.columns if c not in ("wijkcode", "jaar", "indelingsjaar", "n_respondenten",
                                                        "gemeentecode", "wijknaam")
                  and pd.api.types.is_numeric_dtype(local[c])]
    joined = multilevel.add_wijk_variables(data, local, columns=extra_cols, boundary_year=models.year)
    result = multilevel.compare_models(joined, base_predictors=preds, extra_predictors=extra_cols,
                                       outcome=OPEN_OUTCOME,
                                       scope=(joined.jeugdregio_code == reg.jeugdregio_code).to_numpy())
    tables = []
    for attr, name in (("fit_stats", "lokale_data_toets"), ("coefficients", "lokale_data_coefficienten"),
                       ("variance", "lokale_data_variantie")):
        t = getattr(result, attr, None)
        if isinstance(t, pd.DataFrame):
            tables.append(publish_table(t.reset_index(drop=t.index.name is None), name=name,
                                        tables_dir=tables_dir, decimals=3))
    jr = joined.attrs.get("join_report")
    matched = f"{jr.n_matched} van de {jr.n_extra} wijken uit het bestand gekoppeld. " if jr is not None and \
        hasattr(jr, "n_matched") and hasattr(jr, "n_extra") else ""
    text = (matched + "Het landelijke model is uitgebreid met de lokale kenmerken, getoetst binnen deze regio "
            "(likelihood-ratiotoets op ML-schattingen van beide modellen op dezelfde wijken).")
    return {"title": "Sociale cohesie, veiligheid en voorzieningen", "text": text, "tables": tables, "figures": []}


def validate_user_inputs(*, local_data_path: str | None = None, policy_path: str | None = None,
                         trajectories_path: str | None = None, claims_path: str | None = None) -> None:
    """Check every user file before a report is rendered (a bad file → DataError, nothing written)."""
    if local_data_path:
        from jeugdlib import multilevel

        multilevel.load_local_wijk_data(local_data_path)
    if policy_path:
        from jeugdlib import did

        did.load_policy_table(policy_path)
    if trajectories_path:
        from jeugdlib import trajectories

        trajectories.load_trajectories(trajectories_path)
    if claims_path:
        from jeugdlib import trajectories

        trajectories.load_claims(claims_path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
