"""Regional reports: a parameterised notebook rendered by papermill to HTML.

The report notebook (``notebooks/regio_rapport.ipynb``, paired with a
``py:percent`` file) is thin: it calls the section functions of
:mod:`jeugdlib.report_sections` (re-exported here), which compute every table
of a section and pass it through :func:`jeugdlib.disclosure.protect_table`
(:func:`publish_table`). Rendering, in this module:

* :func:`render_region` executes the notebook with papermill in a private
  temporary folder, converts it to self-contained HTML without code (nbconvert),
  builds the report in an exclusively created work folder next to its final place
  and only then renames it into place (``<out>/<code>/``) — a failed run leaves the
  previous good report untouched and no half-written files. The executed notebook
  is an audit copy: it holds local paths and is never published (``audit_dir=``
  keeps a private copy). ``manifest.json`` names input files by base name and
  SHA-256 only.
* :func:`render_all` renders many regions, each in its own Python process
  (papermill's working-directory handling is not thread-safe; threads here only
  wait on the processes), with a per-region timeout, failure isolation,
  incremental skipping and an ``index.html``. The national models are fitted
  once per batch and handed to every region as a pickle in a private (0700)
  temporary folder, signed with HMAC-SHA256 under a random per-batch key that the
  region processes receive through their environment (never the command line);
  :meth:`NationalModels.load` checks the signature *before* unpickling, so a file
  planted in the publication folder or passed with ``--models`` never runs code.
  Killing the batch ends its region processes (:func:`jeugdlib._files.die_with_parent`).

Every file is written atomically through :mod:`jeugdlib._files` (exclusive
temporary names, never through a symlink); work folders a killed run left behind
are removed at the start of the next run.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import pickle
import re
import secrets
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jeugdlib
from jeugdlib import _files
from jeugdlib.data import find_region, load_scp_2017
from jeugdlib.errors import DataError
from jeugdlib.io import mask_text
from jeugdlib.report_sections import (
    COUNT_PREFIX,
    INTEGER_COLUMNS,
    deviation_section,
    elan_trend_section,
    leefbaarheid_section,
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
    safe_markdown,
    to_html,
    trajectory_section,
    validate_user_inputs,
)

__all__ = [
    "COUNT_PREFIX",
    "INTEGER_COLUMNS",
    "KERNEL",
    "MODELS_KEY_ENV",
    "NOTEBOOK",
    "NationalModels",
    "deviation_section",
    "elan_trend_section",
    "fit_national_models",
    "leefbaarheid_section",
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
    "safe_markdown",
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
#: Environment variable holding the hex key that signs the models file of a batch (never on a command line).
MODELS_KEY_ENV = "JEUGDLIB_MODELS_KEY"


def _env_models_key() -> bytes | None:
    """The models key of this process (from :data:`MODELS_KEY_ENV`), or ``None``."""
    text = os.environ.get(MODELS_KEY_ENV, "")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        return None
    return key if len(key) >= 16 else None


def models_key() -> bytes:
    """The key that signs models files written in this process; created at random on first use.

    The key is put in :data:`MODELS_KEY_ENV` so that the notebook kernels started
    from this process (which inherit its environment) can check the files it
    signed; nothing else ever sees it.
    """
    key = _env_models_key()
    if key is None:
        key = secrets.token_bytes(32)
        os.environ[MODELS_KEY_ENV] = key.hex()
    return key


@dataclass
class NationalModels:
    """The national models a report needs, fitted once per batch.

    :meth:`save` writes a pickle signed with HMAC-SHA256; :meth:`load` refuses any
    file whose signature does not verify under the current key *before* unpickling
    it (a pickle can run arbitrary code when loaded).
    """

    scp_2017: Any  # jeugdlib.scp.ScpModel
    open_model: Any  # jeugdlib.scp.ScpModel on load_wijken(year)
    year: int
    leefbaarheid: Any = None  # jeugdlib.multilevel.leefbaarheid.LeefbaarheidTests (national test, two sets)

    def save(self, path: str | os.PathLike[str], key: bytes | None = None) -> Path:
        """Write the models, signed with ``key`` (default :func:`models_key`), atomically and mode 0600."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        return _files.write_signed(path, payload, key if key is not None else models_key())

    @staticmethod
    def load(path: str | os.PathLike[str], key: bytes | None = None) -> NationalModels:
        """Read models written by :meth:`save` with the same key (default: from :data:`MODELS_KEY_ENV`).

        Raises
        ------
        DataError
            The file is not signed, signed with another key or altered (Dutch message); it is
            not unpickled.
        """
        payload = _files.read_signed(path, key if key is not None else _env_models_key(), what="modelbestand")
        obj = pickle.loads(payload)  # noqa: S301 - authenticated above: written by save() with our key
        if not isinstance(obj, NationalModels):
            raise DataError(f"modelbestand {Path(path).name} bevat geen jeugdlib NationalModels.")
        return obj


def _check_models_file(path: str | os.PathLike[str]) -> Path:
    """Verify the signature of a models file without unpickling it (fail before the notebook starts)."""
    p = Path(path).resolve()
    _files.read_signed(p, _env_models_key(), what="modelbestand")
    return p


def fit_national_models(year: int = 2022) -> NationalModels:
    """Fit the SCP 2017 model and the open-data model of ``year`` on all wijken."""
    import warnings

    from jeugdlib import scp
    from jeugdlib.errors import JeugdlibWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JeugdlibWarning)
        return NationalModels(
            scp_2017=scp.fit_scp_model(load_scp_2017()),
            open_model=scp.fit_open_model(year),
            year=year,
            leefbaarheid=_leefbaarheid_tests(year),
        )


def _leefbaarheid_tests(year: int):
    """The national Leefbaarometer test of the report (cohesion + safety; all five), or None without scores."""
    from jeugdlib.multilevel import leefbaarheid as L

    try:
        sets = {k: L.SETS[k] for k in ("sociale samenhang + onveiligheid", "alle vijf")}
        return L.leefbaarometer_tests(year, sets=sets)
    except DataError:
        return None


# --------------------------------------------------------------------------- rendering
#: Layout of ``manifest.json``; a report with another (older) layout is never skipped as unchanged.
_MANIFEST_VERSION = 2

#: The CLI flag of each user file, for messages.
_FLAGS = {
    "local_data_path": "--local-data",
    "policy_path": "--policy",
    "trajectories_path": "--trajectories",
    "claims_path": "--claims",
}


def _check_user_files(params: dict[str, Any]) -> dict[str, str]:
    """Absolute paths of the given user files; a missing file or claims without trajectories → DataError.

    Runs before anything is validated, fitted or written (single report and batch alike).
    """
    unknown = sorted(set(params) - _USER_FILES)
    if unknown:
        raise TypeError(f"unknown parameter(s) {unknown}; user files are {sorted(_USER_FILES)}")
    out: dict[str, str] = {}
    for k, v in params.items():
        if v is None or v == "":
            continue
        p = Path(v).expanduser()
        if not p.is_file():
            what = "is a folder, not a file" if p.is_dir() else "does not exist"
            raise DataError(f"{_FLAGS[k]} {p}: {what}. Check the path.", source=str(p))
        out[k] = str(p.resolve())
    if "claims_path" in out and "trajectories_path" not in out:
        raise DataError(
            "--claims needs --trajectories: the claims are only used next to the trajectories they belong to. "
            "Pass both files, or leave out --claims."
        )
    return out


def _file_digest(path: str | Path | None) -> str | None:
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found (passed as report input). Check the path.", source=str(p))
    return _files.file_digest(p)


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


#: How the manifest names each user file: by its role, never by its file name (a name can identify a person).
_FILE_ROLES = {
    "local_data_path": "lokaal wijkbestand",
    "policy_path": "beleidstabel",
    "trajectories_path": "trajectenbestand",
    "claims_path": "declaratiebestand",
}


def _published_inputs(params: dict[str, str]) -> dict[str, dict[str, str]]:
    """User files as the manifest records them: their role and SHA-256, never a path or a file name."""
    return {k: {"bestand": _FILE_ROLES.get(k, k), "sha256": _files.file_digest(v)} for k, v in sorted(params.items())}


def _check_writable(out_dir: Path) -> None:
    _files.check_writable(out_dir, hint="choose another --out.")


def _leftover_tags(code: str | None = None) -> str:
    """Regular expression of our work-folder tags (:func:`jeugdlib._files.work_dir`): one region or all."""
    return (re.escape(code) if code else r"JZ\d{2}") + r"(?:\.old)?"


def _audit_folder(audit_dir: str | Path | None, out_dir: Path) -> Path | None:
    """The private folder for executed notebooks (created with mode 0700); never inside the publication folder."""
    if audit_dir is None:
        return None
    audit = Path(audit_dir).expanduser().resolve()
    if audit.is_relative_to(out_dir) or out_dir.is_relative_to(audit):
        raise DataError(
            f"--audit-dir {audit} lies inside (or around) the output folder {out_dir}: the executed notebooks hold "
            "local paths and must stay private. Choose a folder outside --out."
        )
    try:
        audit.mkdir(mode=0o700, parents=True, exist_ok=True)
        if audit.stat().st_uid == os.getuid():
            audit.chmod(0o700)  # an existing folder too: the audit copies hold local paths
    except OSError as exc:
        raise DataError(f"--audit-dir {audit} cannot be created ({exc.strerror or exc}); choose another.") from exc
    return audit


def _data_error_names() -> set[str]:
    """Class names of DataError and its subclasses (as papermill reports a notebook's exception)."""
    names, todo = set(), [DataError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _publish(work: Path, final: Path, code: str) -> None:
    """Rename the finished work folder to ``final``; the previous report survives until this point."""
    if hasattr(os, "fchmod"):  # through a descriptor of the directory itself, never a symlink
        fd = os.open(work, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.fchmod(fd, 0o755)  # mkdtemp made it 0700; a published report is readable
        finally:
            os.close(fd)
    else:  # pragma: no cover - Windows
        os.chmod(work, 0o755)
    backup = None
    try:
        st = os.lstat(final)
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            backup = _files.work_dir(final.parent, f"{code}.old")  # empty, exclusive: rename replaces it
            os.rename(final, backup)
        else:  # a file or symlink planted where the report goes: removed, never followed
            os.unlink(final)
    try:
        os.rename(work, final)
    except BaseException:
        if backup is not None:
            os.rename(backup, final)
        raise
    if backup is not None:
        _files.remove_tree(backup)


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
    audit_dir: str | Path | None = None,
) -> Path:
    """Render the report of one jeugdregio; return the path of its HTML file.

    Output (only written once everything succeeded): ``<out>/<code>/rapport.html``
    (self-contained, code hidden), ``tabellen/*.csv`` (the published tables) and
    ``manifest.json`` (inputs by base name and SHA-256). The executed notebook is
    not published: it holds local paths. With ``audit_dir`` a private copy is kept
    as ``<audit_dir>/<code>-rapport.ipynb`` (folder created with mode 0700, file 0600).

    ``models_path`` must be a file written by :meth:`NationalModels.save` with this
    process's key (:data:`MODELS_KEY_ENV`); any other file is refused before it is
    read. Without it, the notebook fits the models itself.

    Raises
    ------
    RegionNotFoundError
        Unknown region, before anything is written.
    DataError
        A missing or bad user file, an unsigned models file, an unwritable output
        folder, or a :class:`DataError` raised inside the notebook (its message, with
        BSN-like numbers masked).
    """
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter
    from papermill.exceptions import PapermillExecutionError

    reg = find_region(region, year)
    code = str(reg.jeugdregio_code)
    out_dir = Path(out_dir).resolve()  # the notebook runs with its own cwd: pass absolute paths only
    params = _check_user_files(
        {
            "local_data_path": local_data_path,
            "policy_path": policy_path,
            "trajectories_path": trajectories_path,
            "claims_path": claims_path,
        }
    )
    models_file = _check_models_file(models_path) if models_path else None
    audit = _audit_folder(audit_dir, out_dir)
    validate_user_inputs(**params)
    digest = _inputs_digest(code, year, params)
    final = out_dir / code
    manifest_path = final / "manifest.json"
    if not force and manifest_path.is_file() and not final.is_symlink():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if (
            isinstance(old, dict)
            and old.get("inputs") == digest
            and old.get("status") == "ok"
            and old.get("manifest") == _MANIFEST_VERSION  # an older report (paths, rapport.ipynb) is redone
            and (final / "rapport.html").is_file()
        ):
            return final / "rapport.html"
    _check_writable(out_dir)
    _files.clean_leftovers(out_dir, _leftover_tags(code))
    if not NOTEBOOK.exists():
        raise DataError(
            f"report notebook {NOTEBOOK} not found; install jeugdlib from its repository "
            "(pip install -e .) so notebooks/ is present."
        )
    private = _files.private_tempdir(f".jeugdlib-{code}-{os.getpid()}-")
    work = _files.work_dir(out_dir, code)
    try:
        tables_dir = work / "tabellen"
        executed = private / "rapport.ipynb"
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(NOTEBOOK),
                str(executed),
                parameters={
                    "region": code,
                    "year": year,
                    "models_path": str(models_file) if models_file else None,
                    "tables_dir": str(tables_dir),
                    **params,
                },
                kernel_name=KERNEL,
                cwd=str(private),
                progress_bar=False,
                execution_timeout=timeout,
                start_timeout=120,
                log_output=False,
            )
        except PapermillExecutionError as exc:
            if exc.ename in _data_error_names():
                # bad user data found only while rendering: a DataError (exit 2), not a traceback
                raise DataError(mask_text(str(exc.evalue))) from None
            raise
        t_exec = time.perf_counter() - t0
        nb = nbformat.read(executed, as_version=4)
        if audit is not None:
            _files.atomic_write(audit / f"{code}-rapport.ipynb", executed.read_bytes(), mode=0o600)
        exporter = HTMLExporter(template_name="lab")
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": f"Jeugdhulp in {reg.jeugdregio_naam}"}}
        )
        _files.atomic_write(work / "rapport.html", body)
        manifest = {
            "manifest": _MANIFEST_VERSION,
            "region": code,
            "name": str(reg.jeugdregio_naam),
            "year": year,
            "status": "ok",
            "inputs": digest,
            "jeugdlib": jeugdlib.__version__,
            "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds_execute": round(t_exec, 2),
            "seconds_total": round(time.perf_counter() - t0, 2),
            "files": _published_inputs(params),
        }
        _files.atomic_write(work / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        _publish(work, final, code)
        return final / "rapport.html"
    finally:
        _files.remove_tree(work)
        _files.remove_tree(private)


#: Region processes of running batches (terminated when the batch ends early).
_CHILDREN: set[subprocess.Popen[str]] = set()
_CHILDREN_LOCK = threading.Lock()


def _render_subprocess(
    code: str,
    out_dir: Path,
    year: int,
    models_path: Path,
    timeout: int,
    force: bool,
    params: dict[str, Any],
    key: bytes | None = None,
    audit_dir: Path | None = None,
) -> dict[str, Any]:
    """Run one region in its own Python process (with a hard timeout).

    The models key travels in the child's environment (:data:`MODELS_KEY_ENV`), never
    on its command line; the child ends when this process dies
    (:data:`jeugdlib._files.PARENT_ENV`).
    """
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
    if audit_dir is not None:
        cmd += ["--audit-dir", str(audit_dir)]
    for k, v in params.items():
        cmd += [f"--{k}", str(v)]
    env = {**os.environ, _files.PARENT_ENV: str(os.getpid())}
    env[MODELS_KEY_ENV] = (key if key is not None else models_key()).hex()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with _CHILDREN_LOCK:
        _CHILDREN.add(proc)
    try:
        try:
            stdout, stderr = proc.communicate(timeout=timeout + 60)
        except subprocess.TimeoutExpired:
            proc.terminate()  # SIGTERM: the child cleans its work folder and stops its kernel
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
            return {
                "region": code,
                "status": "failed",
                "error": f"timeout after {timeout + 60} s",
                "seconds": round(time.perf_counter() - t0, 1),
            }
    finally:
        with _CHILDREN_LOCK:
            _CHILDREN.discard(proc)
    status = "ok" if proc.returncode == 0 else "failed"
    err = "" if status == "ok" else _last_error(stderr)
    skipped = status == "ok" and "skipped" in stdout
    return {
        "region": code,
        "status": "skipped" if skipped else status,
        "error": err,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _stop_children() -> None:
    """Terminate the region processes still running (the batch is ending early)."""
    with _CHILDREN_LOCK:
        running = [p for p in _CHILDREN if p.poll() is None]
    for p in running:
        p.terminate()


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
    audit_dir: str | Path | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Render many regional reports in parallel processes; write ``index.html``.

    A failing region is recorded with its error and the others continue;
    unchanged regions are skipped unless ``force``. Returns one status dict
    per region (``region, status ∈ {ok, skipped, failed}, error, seconds``).
    ``params`` are the user files of :func:`render_region` (``local_data_path``,
    ``policy_path``, ``trajectories_path``, ``claims_path``): the same file goes to
    every region and each region's section uses only its own gemeenten/wijken. They
    are checked once, before anything is fitted or written; a missing file is a
    :class:`DataError`.

    The national models are fitted once and stored, signed with a fresh random key,
    in a private temporary folder (mode 0700, outside ``out_dir``) that is removed at
    the end; the key reaches the region processes only through their environment.
    Work folders of a killed earlier run are removed first. If this process is
    terminated, its region processes end too.
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
    params = _check_user_files(params)  # the region processes get absolute paths
    audit = _audit_folder(audit_dir, out_dir)
    validate_user_inputs(**params)
    _check_writable(out_dir)
    _files.clean_leftovers(out_dir, _leftover_tags())
    _files.clean_leftovers(tempfile.gettempdir(), r"jeugdlib-(?:batch|JZ\d{2})")
    key = secrets.token_bytes(32)
    private = _files.private_tempdir(f".jeugdlib-batch-{os.getpid()}-")
    restore = _terminate_on_sigterm()
    results: list[dict[str, Any]] = []
    try:
        models_path = fit_national_models(year).save(private / f"national_models_{year}.pkl", key=key)
        pool = ThreadPoolExecutor(max_workers=max(1, jobs))  # threads only wait on processes
        try:
            futures = {
                pool.submit(_render_subprocess, c, out_dir, year, models_path, timeout, force, params, key, audit): c
                for c in codes
            }
            bar = tqdm(total=len(futures), desc="rapporten", disable=not progress)
            for fut in as_completed(futures):
                results.append(fut.result())
                bar.update(1)
            bar.close()
        finally:
            _stop_children()
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        restore()
        _files.remove_tree(private)
    results.sort(key=lambda r: r["region"])
    write_index(out_dir, results)
    return results


def _terminate_on_sigterm() -> Any:
    """In the main thread, turn SIGTERM into :class:`SystemExit` so ``finally`` blocks run; returns a restorer."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


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
    return _files.atomic_write(Path(out_dir) / "index.html", page)


def _main(argv: list[str] | None = None) -> int:
    """Entry point for one region in a subprocess (used by :func:`render_all`).

    Exit codes as the CLI: 0 success (``skipped`` printed when unchanged), 2 bad input
    (unknown region, bad file, unsigned models file: Dutch message on stderr), 1 other failures.
    """
    import argparse

    _files.die_with_parent()
    restore = _terminate_on_sigterm()  # a terminated region removes its work folder and kernel
    p = argparse.ArgumentParser(prog="python -m jeugdlib.reports")
    p.add_argument("--region", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--year", type=int, default=2022)
    p.add_argument("--models", default=None)
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--force", action="store_true")
    p.add_argument("--audit-dir", dest="audit_dir", default=None)
    for k in sorted(_USER_FILES):
        p.add_argument(f"--{k}", default=None)
    a = p.parse_args(argv)
    try:
        man = Path(a.out) / str(find_region(a.region, a.year).jeugdregio_code) / "manifest.json"
        before = man.stat().st_mtime_ns if man.is_file() else None
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
            audit_dir=a.audit_dir,
        )
    except DataError as exc:  # RegionNotFoundError included
        print(f"fout in de invoer: {mask_text(str(exc))}", file=sys.stderr)
        return 2
    finally:
        restore()
    if before is not None and man.is_file() and man.stat().st_mtime_ns == before:
        print("skipped")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
