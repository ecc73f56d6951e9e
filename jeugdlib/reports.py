"""Regional reports: a parameterised notebook per region, rendered by papermill on warm kernels.

The report notebook (``notebooks/regio_rapport.ipynb``, paired with a ``py:percent``
file) is thin: it calls the section functions of :mod:`jeugdlib.report_sections`
(re-exported here); every table passes the publication boundary
(:mod:`jeugdlib.publication`). This module renders it:

* :func:`render_region` and :func:`render_all` check their input first (user files,
  output folder, signed models file) and decide *in this process* which reports are
  out of date (:mod:`jeugdlib._batch`: a digest of the jeugdlib code and embedded
  data, the notebook, library versions and user-file contents). Current reports are
  skipped without fitting or starting anything.
* The national models are fitted once per run and handed to the notebooks as a
  pickle in a private (0700) folder, signed with HMAC-SHA256 under a random key that
  the kernels receive through their environment; :meth:`NationalModels.load`
  checks the signature *before* unpickling, so a planted file never runs code.
* Each worker owns one warm kernel (:mod:`jeugdlib._kernels`): started once with the
  heavy imports done, reset between regions, replaced after a failure. papermill
  executes the notebook on it; nbconvert exports it in this process
  (:mod:`jeugdlib._htmlexport`: self-contained, ``lang="nl"``, print CSS, checked);
  one headless Chromium prints every PDF (:mod:`jeugdlib._chromium`).
* A report is built in an exclusively created work folder next to its final place
  and renamed into place under a lock; a failed region leaves its previous report,
  records why (``logboek/``), and the index is rebuilt from what is on disk.

Every file is written atomically through :mod:`jeugdlib._files`; work folders a
killed run left behind are removed at the start of the next run; kernels and the
browser end when the batch process ends.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import queue
import re
import secrets
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jeugdlib
from jeugdlib import _batch, _files
from jeugdlib._chromium import Chromium, ChromiumError, find_chromium
from jeugdlib._htmlexport import check_self_contained, notebook_html
from jeugdlib._kernels import WarmKernel
from jeugdlib.data import find_region, load_scp_2017
from jeugdlib.errors import DataError, JeugdlibWarning
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
    "ReportError",
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
        digest = hashlib.sha256(payload).hexdigest()
        cached = _LOADED.get(digest)
        if cached is not None:  # a warm kernel renders many regions with the same verified models
            return cached
        obj = pickle.loads(payload)  # noqa: S301 - authenticated above: written by save() with our key
        if not isinstance(obj, NationalModels):
            raise DataError(f"modelbestand {Path(path).name} bevat geen jeugdlib NationalModels.")
        _LOADED.clear()  # keep one set of models per process
        _LOADED[digest] = obj
        return obj


#: Models verified and unpickled in this process, by SHA-256 of the signed payload (see :meth:`NationalModels.load`).
_LOADED: dict[str, NationalModels] = {}


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


# --------------------------------------------------------------------------- checks and publishing
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


# --------------------------------------------------------------------------- rendering
class ReportError(RuntimeError):
    """A region's report could not be made (the previous report, if any, stays in place).

    ``error_type`` is the name of the underlying exception (``CellTimeoutError``,
    ``DeadKernelError``, ``ValueError`` in a notebook cell, ...); the message is masked.
    """

    def __init__(self, region: str, error_type: str, message: str) -> None:
        super().__init__(f"{region}: {error_type}: {message}")
        self.region, self.error_type, self.message = region, error_type, message


@dataclass
class _Run:
    """Settings shared by every region of one run."""

    out_dir: Path
    year: int
    timeout: int
    params: dict[str, str]
    audit: Path | None
    code_digest: str
    names: dict[str, str]
    models_path: Path | None = None
    key: bytes = b""
    pdf: bool = True


def _region_names(year: int) -> dict[str, str]:
    from jeugdlib.data import regions as all_regions

    r = all_regions(year)
    return dict(zip(r.jeugdregio_code.astype(str), r.jeugdregio_naam.astype(str), strict=True))


def _user_files_by_role(params: dict[str, str]) -> dict[str, str]:
    return {_FILE_ROLES.get(k, k): v for k, v in params.items()}


def _digest(run: _Run, code: str) -> str:
    return _batch.inputs_digest(run.code_digest, code, run.year, _user_files_by_role(run.params))


@dataclass
class _Draft:
    """A region executed and exported into its work folder, not yet printed or published."""

    work: Path
    private: Path
    t0: float
    t_exec: float
    t_export: float

    def discard(self) -> None:
        _files.remove_tree(self.work)
        _files.remove_tree(self.private)


def _draft(run: _Run, code: str, kernel: WarmKernel) -> _Draft:
    """Execute the notebook on ``kernel``, export and check the page into a work folder; raises on failure."""
    import nbformat

    t0 = time.perf_counter()
    private = _files.private_tempdir(f".jeugdlib-{code}-{os.getpid()}-")
    draft = _Draft(_files.work_dir(run.out_dir, code), private, t0, 0.0, 0.0)
    try:
        executed = draft.private / "rapport.ipynb"
        kernel.execute_notebook(
            NOTEBOOK,
            executed,
            {
                "region": code,
                "year": run.year,
                "models_path": str(run.models_path) if run.models_path else None,
                "tables_dir": str(draft.work / "tabellen"),
                **run.params,
            },
            timeout=run.timeout,
        )
        draft.t_exec = time.perf_counter() - t0
        nb = nbformat.read(executed, as_version=4)
        if run.audit is not None:
            _files.atomic_write(run.audit / f"{code}-rapport.ipynb", executed.read_bytes(), mode=0o600)
        body = notebook_html(nb, f"Jeugdhulp in de wijk — {run.names.get(code, code)}")
        problems = check_self_contained(body)
        if problems:
            raise ReportError(code, "ZelfstandigheidsFout", "; ".join(problems[:3]))
        _files.atomic_write(draft.work / "rapport.html", body)
        draft.t_export = time.perf_counter() - t0 - draft.t_exec
        return draft
    except BaseException:
        draft.discard()
        raise


def _finish(run: _Run, code: str, draft: _Draft, browser: Chromium | None) -> None:
    """Print the PDF, write the manifest and publish the work folder (under the lock); always cleans up."""
    try:
        files = ["rapport.html"]
        if browser is not None:
            browser.print_pdf(draft.work / "rapport.html", draft.work / "rapport.pdf")
            files.append("rapport.pdf")
        manifest = {
            "manifest": _batch.MANIFEST_VERSION,
            "region": code,
            "name": run.names.get(code, code),
            "year": run.year,
            "status": "ok",
            "inputs": _digest(run, code),
            "jeugdlib": jeugdlib.__version__,
            "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds_execute": round(draft.t_exec, 2),
            "seconds_export": round(draft.t_export, 2),
            "seconds_total": round(time.perf_counter() - draft.t0, 2),
            "bestanden": files,
            "pdf": browser is not None,
            "files": _published_inputs(run.params),
        }
        _files.atomic_write(draft.work / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        with _batch.out_lock(run.out_dir):
            _publish(draft.work, run.out_dir / code, code)
    finally:
        draft.discard()


def _render_one(run: _Run, code: str, kernel: WarmKernel, browser: Chromium | None) -> None:
    """Execute, export, check, print and publish one report; raises on any failure (nothing published then)."""
    _finish(run, code, _draft(run, code, kernel), browser)


def _failure(exc: BaseException) -> tuple[str, str]:
    """(exception type, message) of a failed region; papermill's wrapper gives the notebook's own exception."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, ReportError):
        return exc.error_type, exc.message
    if isinstance(exc, PapermillExecutionError):
        return str(exc.ename), str(exc.evalue)
    name = type(exc).__name__
    text = str(exc)
    if name in ("CellTimeoutError", "RegionTimeout"):
        limit = "de ingestelde tijdslimiet (--timeout) is verstreken"
        return "TimeoutError", f"het rapport duurde {text or 'te lang'}: {limit}"
    if name == "DeadKernelError":
        return name, "het rekenproces van het rapport stopte onverwacht (bijvoorbeeld door te weinig geheugen)"
    return name, text or name


def _attempt(
    run: _Run,
    code: str,
    kernel: WarmKernel,
    browser: Chromium | None,
    printer: ThreadPoolExecutor | None = None,
    stop: threading.Event | None = None,
) -> dict[str, Any] | Future[dict[str, Any]]:
    """Render one region and record the outcome (status file, log line); never raises for a region's failure.

    With a ``printer`` the region is handed over after its export: the PDF is printed and the report
    published there, while this worker's kernel goes on with the next region (the future gives the
    result). Without one, everything happens here.
    """
    t0 = time.perf_counter()
    result: dict[str, Any] = {"region": code, "name": run.names.get(code, code), "status": "ok"}
    try:
        if not kernel.alive():
            kernel.restart()
        if printer is None:
            _render_one(run, code, kernel, browser)
        else:
            draft = _draft(run, code, kernel)
            try:
                return printer.submit(_complete, run, code, draft, browser, result, t0, stop)
            except RuntimeError:  # the printer was shut down: the run is stopping
                draft.discard()
                raise
    except Exception as exc:  # noqa: BLE001 - one region's failure must not stop the others
        if stop is not None and stop.is_set():  # the run was stopped (Ctrl-C, SIGTERM): nothing to record
            return _aborted(result)
        _failed(run, result, exc)
        try:  # a fresh kernel for the next region: this one may be stuck or in a broken state
            kernel.restart()
        except Exception:  # noqa: BLE001 - the next region will try again
            kernel.shutdown()
    return _record(run, code, result, t0)


def _complete(
    run: _Run,
    code: str,
    draft: _Draft,
    browser: Chromium | None,
    result: dict[str, Any],
    t0: float,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """The printer's half of :func:`_attempt`: print, publish, record (a stopped run publishes nothing more)."""
    if stop is not None and stop.is_set():
        draft.discard()
        return _aborted(result)
    try:
        _finish(run, code, draft, browser)
    except Exception as exc:  # noqa: BLE001 - recorded as the region's failure
        _failed(run, result, exc)
    return _record(run, code, result, t0)


def _aborted(result: dict[str, Any]) -> dict[str, Any]:
    result.update(status="failed", error_type="Afgebroken", error="de run is gestopt voordat dit rapport klaar was")
    return result


def _failed(run: _Run, result: dict[str, Any], exc: BaseException) -> None:
    error_type, message = _failure(exc)
    result.update(status="failed", error_type=error_type,
                  error=_batch.clean_message(message, _user_files_by_role(run.params)))  # fmt: skip


def _record(run: _Run, code: str, result: dict[str, Any], t0: float) -> dict[str, Any]:
    result["seconds"] = round(time.perf_counter() - t0, 1)
    with _batch.out_lock(run.out_dir):
        _batch.record_status(run.out_dir, code, result)
    return result


def _open_browser(want_pdf: bool) -> Chromium | None:
    """One headless Chromium for the PDFs of this run, or None (no Chromium: no PDF, with a warning)."""
    import warnings

    if not want_pdf:
        return None
    if find_chromium() is None:
        warnings.warn(
            "Chromium is niet geïnstalleerd: de rapporten krijgen geen PDF (installeer chromium).",
            JeugdlibWarning,
            stacklevel=3,
        )
        return None
    try:
        return Chromium().start()
    except ChromiumError:  # once more: a busy machine can miss the first start
        return Chromium().start()


def _execute(
    run: _Run,
    codes: list[str],
    jobs: int,
    fit: bool,
    progress: bool,
) -> list[dict[str, Any]]:
    """Render ``codes`` on ``jobs`` warm kernels; fit the national models first if ``fit``.

    The kernels (and the browser) start while the models are being fitted. Returns one
    result per region, in the order of ``codes``.
    """
    from tqdm.auto import tqdm

    n_workers = max(1, min(jobs, len(codes)))
    env = {MODELS_KEY_ENV: run.key.hex(), "PYTHONWARNINGS": "ignore"}
    kernels = [WarmKernel(KERNEL, env=env) for _ in range(n_workers)]
    pool = ThreadPoolExecutor(max_workers=n_workers + 1)
    private = _files.private_tempdir(f".jeugdlib-batch-{os.getpid()}-")
    stop = threading.Event()
    starting = [pool.submit(k.start) for k in kernels]
    browser_f = pool.submit(_open_browser, run.pdf)
    browser: Chromium | None = None
    try:
        if fit:
            run.models_path = fit_national_models(run.year).save(private / f"national_models_{run.year}.pkl", run.key)
        for f in starting:
            _wait(f).exception()  # a kernel that did not start is started again by its worker, or its regions fail
        browser = _wait(browser_f).result()  # Chromium installed but not starting: ChromiumError, nothing is published
        todo: queue.Queue[str] = queue.Queue()
        for c in codes:
            todo.put(c)
        results: dict[str, Any] = {}
        bar = tqdm(total=len(codes), desc="rapporten", disable=not progress)
        # one printer: Chromium prints a region while its worker's kernel already runs the next one
        printer = ThreadPoolExecutor(max_workers=1) if browser is not None else None

        def worker(kernel: WarmKernel) -> None:
            while not stop.is_set():
                try:
                    code = todo.get_nowait()
                except queue.Empty:
                    return
                out = _attempt(run, code, kernel, browser, printer, stop)
                results[code] = out
                if isinstance(out, Future):
                    out.add_done_callback(lambda _f: bar.update(1))
                else:
                    bar.update(1)

        try:
            for f in [pool.submit(worker, k) for k in kernels]:
                _wait(f).result()
        except BaseException:  # Ctrl-C, SIGTERM: no new region starts, queued prints are discarded
            stop.set()
            for k in kernels:  # cut a running notebook short
                k.shutdown()
            raise
        finally:
            if printer is not None:
                printer.shutdown(wait=True)
        bar.close()
        return [r.result() if isinstance(r, Future) else r for r in (results[c] for c in codes)]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for k in kernels:
            k.shutdown()
        if browser is None and browser_f.done() and not browser_f.cancelled() and browser_f.exception() is None:
            browser = browser_f.result()  # started, but the run ended before using it
        if browser is not None:
            browser.close()
        _files.remove_tree(private)


def _wait(future: Future[Any]) -> Future[Any]:
    """Wait for ``future`` in short steps, so that Ctrl-C and SIGTERM reach this (main) thread at once.

    A signal is often delivered to a worker thread; Python then runs its handler only when the main
    thread next runs Python code, and a plain ``future.result()`` would not return before the
    whole queue was done.
    """
    while not future.done():
        wait([future], timeout=0.2)
    return future


def _prepare(
    out_dir: str | Path,
    year: int,
    params: dict[str, Any],
    audit_dir: str | Path | None,
    timeout: int,
    pdf: bool,
) -> _Run:
    """Check everything a run needs before anything is fitted or written (bad input → DataError)."""
    out = Path(out_dir).expanduser().resolve()
    checked = _check_user_files(params)  # unknown keys: TypeError; None or "": not given
    audit = _audit_folder(audit_dir, out)
    validate_user_inputs(**checked)
    if not NOTEBOOK.exists():
        raise DataError(
            f"rapportnotebook {NOTEBOOK} niet gevonden; installeer jeugdlib vanuit de repository "
            "(pip install -e .), zodat notebooks/ aanwezig is."
        )
    return _Run(
        out_dir=out,
        year=year,
        timeout=timeout,
        params=checked,
        audit=audit,
        code_digest=_batch.code_digest(NOTEBOOK),
        names=_region_names(year),
        pdf=pdf,
    )


def _run_regions(
    run: _Run,
    codes: list[str],
    *,
    jobs: int,
    force: bool,
    progress: bool,
    models_path: str | Path | None = None,
) -> list[dict[str, Any]]:
    """The run itself: skip current reports (no fit, no kernel), render the rest, rebuild the index."""
    _check_writable(run.out_dir)
    logs = run.out_dir / _batch.LOG_DIR
    if logs.exists() and not logs.is_symlink() and not logs.is_dir():
        raise DataError(
            f"{logs} is een bestand, geen map: hier schrijft jeugdlib het logboek van elke regio. "
            "Verwijder het bestand of kies een andere --out."
        )
    # work folders of a killed earlier run (ours, its process gone), here and in the temporary folder
    _files.clean_leftovers(run.out_dir, _leftover_tags())
    _files.clean_leftovers(tempfile.gettempdir(), r"jeugdlib-(?:batch|kernel|chromium|JZ\d{2})")
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for c in codes:
        if not force and _batch.is_current(run.out_dir, c, _digest(run, c)):
            results[c] = {"region": c, "name": run.names.get(c, c), "status": "skipped", "seconds": 0.0}
        else:
            todo.append(c)
    if todo:
        if models_path is not None:
            run.models_path = _check_models_file(models_path)
            run.key = _env_models_key() or b""
        else:
            run.key = secrets.token_bytes(32)
        restore = _terminate_on_sigterm()
        try:
            for r in _execute(run, todo, jobs, fit=models_path is None, progress=progress):
                results[r["region"]] = r
        finally:
            restore()
    with _batch.out_lock(run.out_dir):
        for c, r in results.items():  # a region that failed before and is current now: say so
            if r["status"] == "skipped" and _batch.read_status(run.out_dir, c).get("status") == "failed":
                _batch.record_status(run.out_dir, c, r)
        _batch.write_index(run.out_dir, run.names)
    return [results[c] for c in codes]


def render_region(
    region: str,
    out_dir: str | Path = "reports",
    *,
    year: int = 2022,
    models_path: str | Path | None = None,
    timeout: int = 600,
    force: bool = True,
    pdf: bool = True,
    local_data_path: str | None = None,
    policy_path: str | None = None,
    trajectories_path: str | None = None,
    claims_path: str | None = None,
    audit_dir: str | Path | None = None,
) -> Path:
    """Render the report of one jeugdregio; return the path of its HTML file.

    Output (published only once everything succeeded, by renaming a complete work
    folder into place): ``<out>/<code>/rapport.html`` (self-contained, Dutch, no code),
    ``rapport.pdf`` (headless Chromium; left out with a warning when Chromium is not
    installed, or with ``pdf=False``), ``tabellen/`` (each published table as ``.csv``
    and ``.xlsx``), ``afscherming.json`` and ``manifest.json`` (user files by role and
    SHA-256 only). The last attempt is recorded in ``<out>/logboek/`` and
    ``<out>/index.html`` is rebuilt from the reports on disk. The executed notebook is
    not published: it holds local paths; ``audit_dir`` keeps a private copy
    (``<audit_dir>/<code>-rapport.ipynb``, folder 0700, file 0600).

    ``models_path`` must be a file written by :meth:`NationalModels.save` with this
    process's key (:data:`MODELS_KEY_ENV`); any other file is refused before it is
    read. Without it, the national models are fitted here first. With
    ``force=False`` a report made from the same code, notebook, data and user files
    is kept as it is.

    Raises
    ------
    RegionNotFoundError
        Unknown region, before anything is written.
    DataError
        A user file is missing or invalid, the output folder is not writable, or the
        notebook met bad data (the message of the notebook's ``DataError``).
    ReportError
        The report could not be made for another reason (type and message of the cause).
    """
    files = {"local_data_path": local_data_path, "policy_path": policy_path,
             "trajectories_path": trajectories_path, "claims_path": claims_path}  # fmt: skip
    run = _prepare(out_dir, year, files, audit_dir, timeout, pdf)
    code = str(find_region(region, year).jeugdregio_code)
    (r,) = _run_regions(run, [code], jobs=1, force=force, progress=False, models_path=models_path)
    if r["status"] == "failed":
        if r.get("error_type") in _data_error_names():
            raise DataError(r["error"])
        raise ReportError(code, r.get("error_type", ""), r.get("error", ""))
    return run.out_dir / code / "rapport.html"


def render_all(
    out_dir: str | Path = "reports",
    jobs: int = 2,
    regions: Sequence[str] | None = None,
    force: bool = False,
    *,
    year: int = 2022,
    timeout: int = 600,
    progress: bool = True,
    pdf: bool = True,
    audit_dir: str | Path | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Render many regional reports on ``jobs`` warm kernels; rebuild ``index.html``.

    Returns one dict per region: ``region``, ``name``, ``status`` (``ok``, ``skipped``
    or ``failed``), ``seconds`` and, for a failure, ``error_type`` and ``error``.

    * **Incremental.** A region whose report was made from the same jeugdlib code,
      notebook, embedded data, library versions and user-file contents is skipped
      (unless ``force``); this is checked here, before anything is fitted or started.
    * **Fast.** The national models are fitted once; each worker starts one kernel
      with the heavy imports done and reuses it, reset between regions
      (:mod:`jeugdlib._kernels`); HTML export runs in this process; one headless
      Chromium prints every PDF.
    * **Failures stay local.** A failing region is recorded with its exception type
      and message (``logboek/<code>.json`` and ``.log``, and the index); its previous
      report stays in place and the other regions continue, on a fresh kernel.
    * **Index.** ``index.html`` lists every report on disk, so a run of a subset or two
      concurrent runs never drop a report.

    ``params`` are the user files of :func:`render_region`; the same file goes to every
    region and each region's section uses only its own gemeenten/wijken. They are
    checked once, before anything is fitted or written.
    """
    run = _prepare(out_dir, year, params, audit_dir, timeout, pdf)
    codes = (
        list(dict.fromkeys(str(find_region(r, year).jeugdregio_code) for r in regions)) if regions else list(run.names)
    )
    return _run_regions(run, codes, jobs=jobs, force=force, progress=progress)


def _terminate_on_sigterm() -> Any:
    """In the main thread, turn SIGTERM into :class:`SystemExit` so ``finally`` blocks run; returns a restorer."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second SIGTERM must not cut the clean-up short
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


def write_index(out_dir: str | Path, year: int = 2022) -> Path:
    """Rebuild ``<out>/index.html`` from the reports and status records on disk."""
    out = Path(out_dir)
    with _batch.out_lock(out):
        return _batch.write_index(out, _region_names(year))
