"""Regional reports: a parameterised notebook rendered by papermill to HTML.

The report notebook (``notebooks/regio_rapport.ipynb``, paired with a
``py:percent`` file) is thin: it calls the section functions of
:mod:`jeugdlib.report_sections` (re-exported here), which compute every table
of a section and pass it through :func:`jeugdlib.disclosure.protect_table`
(:func:`publish_table`). Rendering, in this module:

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jeugdlib
from jeugdlib.data import find_region, load_scp_2017
from jeugdlib.errors import DataError
from jeugdlib.report_sections import (
    COUNT_PREFIX,
    INTEGER_COLUMNS,
    deviation_section,
    local_data_section,
    nl,
    optional_sections,
    policy_section,
    publish_table,
    region_indicators,
    region_map_frame,
    region_open_model,
    region_overview,
    region_scp_2017,
    to_html,
    trajectory_section,
    validate_user_inputs,
)

__all__ = [
    "COUNT_PREFIX",
    "INTEGER_COLUMNS",
    "KERNEL",
    "NOTEBOOK",
    "NationalModels",
    "deviation_section",
    "fit_national_models",
    "local_data_section",
    "nl",
    "optional_sections",
    "policy_section",
    "publish_table",
    "region_indicators",
    "region_map_frame",
    "region_open_model",
    "region_overview",
    "region_scp_2017",
    "render_all",
    "render_region",
    "to_html",
    "trajectory_section",
    "validate_user_inputs",
    "write_index",
]

#: The optional user files a report takes (see :func:`render_region`).
_USER_FILES = frozenset({"local_data_path", "policy_path", "trajectories_path", "claims_path"})

#: The report notebook (paired ``.py`` source next to it).
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "regio_rapport.ipynb"
KERNEL = "python3"


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
        return NationalModels(
            scp_2017=scp.fit_scp_model(load_scp_2017()), open_model=scp.fit_open_model(year), year=year
        )


# --------------------------------------------------------------------------- rendering
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
        "jeugdlib": jeugdlib.__version__,
        "region": code,
        "year": year,
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
    params: dict[str, Any] = {
        "local_data_path": local_data_path,
        "policy_path": policy_path,
        "trajectories_path": trajectories_path,
        "claims_path": claims_path,
    }
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
        raise DataError(
            f"report notebook {NOTEBOOK} not found; install jeugdlib from its repository "
            "(pip install -e .) so notebooks/ is present."
        )
    work = Path(tempfile.mkdtemp(prefix=f".{code}-", dir=out_dir))
    try:
        tables_dir = work / "tabellen"
        t0 = time.perf_counter()
        pm.execute_notebook(
            str(NOTEBOOK),
            str(work / "rapport.ipynb"),
            parameters={
                "region": code,
                "year": year,
                "models_path": str(Path(models_path).resolve()) if models_path else None,
                "tables_dir": str(tables_dir),
                **params,
            },
            kernel_name=KERNEL,
            cwd=str(work),
            progress_bar=False,
            execution_timeout=timeout,
            start_timeout=120,
            log_output=False,
        )
        t_exec = time.perf_counter() - t0
        nb = nbformat.read(work / "rapport.ipynb", as_version=4)
        exporter = HTMLExporter(template_name="lab")
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": f"Jeugdhulp in {reg.jeugdregio_naam}"}}
        )
        (work / "rapport.html").write_text(body, encoding="utf-8")
        manifest = {
            "region": code,
            "name": str(reg.jeugdregio_naam),
            "year": year,
            "status": "ok",
            "inputs": digest,
            "jeugdlib": jeugdlib.__version__,
            "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds_execute": round(t_exec, 2),
            "seconds_total": round(time.perf_counter() - t0, 2),
            "params": params,
        }
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


def _render_subprocess(
    code: str, out_dir: Path, year: int, models_path: Path, timeout: int, force: bool, params: dict[str, Any]
) -> dict[str, Any]:
    """Run one region in its own Python process (with a hard timeout)."""
    cmd = [
        sys.executable,
        "-m",
        "jeugdlib.reports",
        "--region",
        code,
        "--out",
        str(out_dir),
        "--year",
        str(year),
        "--models",
        str(models_path),
        "--timeout",
        str(timeout),
    ]
    if force:
        cmd.append("--force")
    for k, v in params.items():
        cmd += [f"--{k}", str(v)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 60)
    except subprocess.TimeoutExpired:
        return {
            "region": code,
            "status": "failed",
            "error": f"timeout after {timeout + 60} s",
            "seconds": round(time.perf_counter() - t0, 1),
        }
    status = "ok" if proc.returncode == 0 else "failed"
    err = "" if status == "ok" else _last_error(proc.stderr)
    skipped = status == "ok" and "skipped" in proc.stdout
    return {
        "region": code,
        "status": "skipped" if skipped else status,
        "error": err,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _last_error(stderr: str, limit: int = 300) -> str:
    """The last exception of a traceback as one line, e.g. ``CellTimeoutError: A cell timed out ...``.

    Exception messages of nbclient/papermill span several lines (a preview of the cell, a
    nested traceback), so the last line of stderr alone is often a row of dashes. This takes
    the first line of the exception after the last ``Traceback`` header and, when that line
    carries no message of its own (papermill's ``PapermillExecutionError:``), the last line of
    the exception text (``RuntimeError: kapot``).
    """
    lines = stderr.strip().splitlines()
    if not lines:
        return "unknown error"
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    block = lines[starts[-1] + 1 :] if starts else []
    head = next((i for i, line in enumerate(block) if line and not line[0].isspace()), None)
    if head is None:  # no traceback: the last line, as printed
        return lines[-1].strip()[:limit]
    exc = [line.strip() for line in block[head:] if line.strip() and line.strip().strip("-")]
    first = exc[0]
    if first.endswith(":") and len(exc) > 1:
        first = f"{first} {exc[-1]}"
    return first[:limit]


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
    ``params`` are the user files of :func:`render_region` (``local_data_path``,
    ``policy_path``, ``trajectories_path``, ``claims_path``), used for every
    region; they are checked once, before anything is written.
    """
    from tqdm.auto import tqdm

    from jeugdlib.data import regions as all_regions

    unknown = sorted(set(params) - _USER_FILES)
    if unknown:
        raise TypeError(f"render_all: unknown parameter(s) {unknown}; user files are {sorted(_USER_FILES)}")
    out_dir = Path(out_dir).resolve()
    codes = (
        [str(find_region(r, year).jeugdregio_code) for r in regions]
        if regions
        else all_regions(year).jeugdregio_code.tolist()
    )
    params = {k: str(Path(v).resolve()) for k, v in params.items() if v}  # the region processes get absolute paths
    validate_user_inputs(**params)
    _check_writable(out_dir)
    models_path = fit_national_models(year).save(out_dir / ".cache" / f"national_models_{year}.pkl")
    results: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # threads only wait on processes
        futures = {
            pool.submit(_render_subprocess, c, out_dir, year, models_path, timeout, force, params): c for c in codes
        }
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
        link = (
            f'<a href="{r["region"]}/rapport.html">{html.escape(names.get(r["region"], r["region"]))}</a>'
            if (Path(out_dir) / r["region"] / "rapport.html").exists()
            else html.escape(names.get(r["region"], ""))
        )
        status = {"ok": "in orde", "skipped": "ongewijzigd", "failed": "mislukt"}[r["status"]]
        rows.append(
            f"<tr><td>{r['region']}</td><td>{link}</td><td class='{r['status']}'>{status}</td>"
            f"<td>{html.escape(date)}</td><td>{html.escape(r.get('error') or '')}</td></tr>"
        )
    page = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Jeugdhulp per jeugdregio</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd}}
.failed{{color:#c0392b}}.ok{{color:#1e8449}}</style></head><body>
<h1>Jeugdhulp in de wijk — rapporten per jeugdregio</h1>
<p>Gemaakt met jeugdlib {jeugdlib.__version__} op {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>
<table><tr><th>Code</th><th>Jeugdregio</th><th>Status</th><th>Gemaakt</th><th>Fout</th></tr>
{"".join(rows)}</table></body></html>"""
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
    for k in sorted(_USER_FILES):
        p.add_argument(f"--{k}", default=None)
    a = p.parse_args(argv)
    before = None
    man = Path(a.out) / str(find_region(a.region, a.year).jeugdregio_code) / "manifest.json"
    if man.exists():
        before = man.stat().st_mtime
    render_region(
        a.region,
        a.out,
        year=a.year,
        models_path=a.models,
        timeout=a.timeout,
        force=a.force,
        local_data_path=a.local_data_path,
        policy_path=a.policy_path,
        trajectories_path=a.trajectories_path,
        claims_path=a.claims_path,
    )
    if before is not None and man.stat().st_mtime == before:
        print("skipped")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
