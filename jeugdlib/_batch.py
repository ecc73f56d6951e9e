"""Bookkeeping of the report batch: what a report was made from, what the last run did, the index.

* **What a report was made from** (:func:`code_digest`, :func:`inputs_digest`): the
  jeugdlib version and the content of every file of the installed package (code,
  the report template and the embedded data), the report notebook (``.ipynb`` and
  its paired ``.py``), the versions of the libraries that compute or draw, the
  region, the year and the *content* of each user file. A report whose manifest
  carries the same digest is current (:func:`is_current`): the batch checks this
  in its own process, before fitting anything or starting a kernel, so a no-op
  run takes about a second, and changing ``reports.py`` or the notebook re-renders
  every report on the next scheduled run.
* **What the last run did** (:func:`record_status`): ``<out>/logboek/<code>.json``
  (the last attempt: status, the exception type and message on failure, when) and
  a per-region log ``<out>/logboek/<code>.log`` with one line per attempt. Messages
  are masked (BSN-like numbers) and user files appear by their role, never by path.
* **The index** (:func:`write_index`) is rebuilt from what is on disk (every
  report's ``manifest.json`` and every status record), never from the regions of
  the current run, so a run of a subset, or two runs at the same time, never drop
  a report from it. Publishing a report, recording a status and writing the index
  happen under one lock per output folder (:func:`out_lock`, ``flock``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import html
import json
import os
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jeugdlib
from jeugdlib import _files
from jeugdlib.io import mask_text

__all__ = [
    "LOG_DIR",
    "code_digest",
    "inputs_digest",
    "is_current",
    "out_lock",
    "read_status",
    "record_status",
    "write_index",
]

#: Folder (inside the output folder) with the last status and the log of each region.
LOG_DIR = "logboek"
#: Layout of ``manifest.json``; a report with another (older) layout is never current.
MANIFEST_VERSION = 3
#: Libraries whose version can change what a report computes or draws.
_LIBRARIES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "geopandas",
    "shapely",
    "nbconvert",
    "nbclient",
    "papermill",
    "ipykernel",
)
_SKIP = re.compile(r"(__pycache__|\.pyc$|\.pyo$|\.egg-info)")


def _tree_digest(root: Path, h: Any) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not _SKIP.search(d))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if _SKIP.search(name) or not p.is_file():
                continue
            h.update(str(p.relative_to(root)).encode() + b"\0")
            with open(p, "rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    h.update(chunk)
            h.update(b"\0")


def code_digest(notebook: Path, package_dir: Path | None = None) -> str:
    """SHA-256 of everything a report is made from apart from region, year and user files.

    The jeugdlib version, every file of the installed package (code, report template,
    embedded data), the notebook and its paired ``.py``, and the versions of the
    libraries in :data:`_LIBRARIES`. ``package_dir`` replaces the installed package (tests).
    """
    from importlib import metadata

    h = hashlib.sha256()
    h.update(f"jeugdlib {jeugdlib.__version__}\0".encode())
    _tree_digest(package_dir or Path(jeugdlib.__file__).resolve().parent, h)
    for p in (notebook, notebook.with_suffix(".py")):
        h.update(p.name.encode() + b"\0")
        h.update(p.read_bytes() if p.is_file() else b"(missing)")
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib} {metadata.version(lib)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib} -\0".encode())
    return h.hexdigest()


@functools.cache
def _file_sha(path: str, mtime_ns: int, size: int) -> str:
    return _files.file_digest(path)


def inputs_digest(code_dig: str, region: str, year: int, user_files: Mapping[str, str]) -> str:
    """The digest a report's manifest records: :func:`code_digest`, region, year, user-file contents."""
    parts: dict[str, Any] = {"code": code_dig, "region": region, "year": year, "files": {}}
    for role, path in sorted(user_files.items()):
        st = os.stat(path)
        parts["files"][role] = _file_sha(str(path), st.st_mtime_ns, st.st_size)
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def read_manifest(report_dir: Path) -> dict[str, Any]:
    """The manifest of a published report ({} when absent, unreadable or planted as a link)."""
    p = report_dir / "manifest.json"
    try:
        if report_dir.is_symlink() or p.is_symlink() or not p.is_file():
            return {}
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_current(out_dir: Path, code: str, digest: str) -> bool:
    """Whether ``<out>/<code>`` is a complete, successful report made from ``digest``."""
    final = out_dir / code
    man = read_manifest(final)
    if not (man.get("inputs") == digest and man.get("status") == "ok" and man.get("manifest") == MANIFEST_VERSION):
        return False
    return all((final / name).is_file() for name in man.get("bestanden", ["rapport.html"]))


# --------------------------------------------------------------------------- lock
@contextlib.contextmanager
def out_lock(out_dir: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``<out>/.jeugdlib.lock`` (blocks until other runs release it)."""
    path = out_dir / ".jeugdlib.lock"
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        os.unlink(path)  # a symlink planted in the lock's place: removed, never followed
        fd = os.open(path, flags | os.O_EXCL, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- status and log
STATUS_NL = {"ok": "in orde", "skipped": "ongewijzigd", "failed": "mislukt"}


def clean_message(text: str, user_files: Mapping[str, str] | None = None, limit: int = 400) -> str:
    """One line of an error message fit to publish: masked, user-file paths replaced by their role."""
    out = str(text)
    for role, path in (user_files or {}).items():
        out = out.replace(str(path), f"<{role}>")
        out = out.replace(Path(path).name, f"<{role}>")
    first = next((line.strip() for line in out.splitlines() if line.strip().strip("-")), "")
    return mask_text(first)[:limit]


def record_status(out_dir: Path, code: str, result: Mapping[str, Any]) -> None:
    """Write the last attempt of ``code`` (``logboek/<code>.json``) and append a line to its log.

    Call under :func:`out_lock`. ``result`` has ``status`` and, for a failure,
    ``error_type`` and ``error`` (already cleaned by :func:`clean_message`).
    """
    logs = out_dir / LOG_DIR
    if logs.is_symlink():
        logs.unlink()
    logs.mkdir(mode=0o755, exist_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    record = {
        "region": code,
        "status": result["status"],
        "error_type": result.get("error_type") or "",
        "error": result.get("error") or "",
        "seconds": result.get("seconds"),
        "at": now,
        "jeugdlib": jeugdlib.__version__,
    }
    _files.atomic_write(logs / f"{code}.json", json.dumps(record, indent=2, ensure_ascii=False))
    line = f"{now} {code} {STATUS_NL.get(record['status'], record['status'])}"
    if record["seconds"] is not None:
        line += f" ({record['seconds']} s)"
    if record["status"] == "failed":
        line += f": {record['error_type']}: {record['error']}"
    log = logs / f"{code}.log"
    old = b""
    if log.is_file() and not log.is_symlink():
        old = log.read_bytes()[-200_000:]  # keep the log small: the last few thousand attempts
    _files.atomic_write(log, old + (line + "\n").encode("utf-8"))


def read_status(out_dir: Path, code: str) -> dict[str, Any]:
    p = out_dir / LOG_DIR / f"{code}.json"
    try:
        if p.is_symlink():
            return {}
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --------------------------------------------------------------------------- index
def write_index(out_dir: Path, names: Mapping[str, str]) -> Path:
    """``index.html`` from the reports and status records on disk (call under :func:`out_lock`).

    ``names`` maps every region code to its name; regions with neither a report nor a
    status record are listed as "nog niet gemaakt".
    """
    rows = []
    n_ok = n_failed = 0
    for code in sorted(set(names) | {p.stem for p in (out_dir / LOG_DIR).glob("JZ*.json")}):
        if not re.fullmatch(r"JZ\d{2}", code):
            continue
        name = html.escape(names.get(code, code))
        man = read_manifest(out_dir / code)
        status = read_status(out_dir, code)
        has_report = bool(man) and (out_dir / code / "rapport.html").is_file()
        made = html.escape(str(man.get("rendered_at", ""))[:16].replace("T", " ")) if has_report else ""
        links = ""
        if has_report:
            links = f'<a href="{code}/rapport.html">{name}</a>'
            if (out_dir / code / "rapport.pdf").is_file():
                links += f' · <a href="{code}/rapport.pdf">pdf</a>'
            links += f' · <a href="{code}/tabellen/">tabellen</a>'
        else:
            links = name
        st = status.get("status") or ("ok" if has_report else "")
        if st == "failed":
            n_failed += 1
            why = html.escape(f"{status.get('error_type', '')}: {status.get('error', '')}".strip(": "))
            when = html.escape(str(status.get("at", ""))[:16].replace("T", " "))
            keep = " Het vorige rapport blijft staan." if has_report else ""
            cell = f"<td class='failed'>mislukt op {when}</td><td>{why}.{keep}</td>"
        elif has_report:
            n_ok += 1
            cell = f"<td class='ok'>{STATUS_NL.get(st, 'in orde')}</td><td></td>"
        else:
            cell = "<td class='todo'>nog niet gemaakt</td><td></td>"
        rows.append(f"<tr><td>{code}</td><td>{links}</td>{cell}<td>{made}</td></tr>")
    summary = f"{n_ok} {'rapport' if n_ok == 1 else 'rapporten'} beschikbaar"
    if n_failed:
        summary += f"; bij {n_failed} {'regio' if n_failed == 1 else 'regio’s'} mislukte de laatste poging"
    page = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Jeugdhulp per jeugdregio</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}}.failed{{color:#a93226}}.ok{{color:#1e6b3a}}.todo{{color:#666}}</style></head><body>
<h1>Jeugdhulp in de wijk — rapporten per jeugdregio</h1>
<p>{summary}. Bijgewerkt met jeugdlib {html.escape(jeugdlib.__version__)} op
{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>
<table><tr><th>Code</th><th>Jeugdregio</th><th>Laatste poging</th><th>Toelichting</th>
<th>Rapport gemaakt (UTC)</th></tr>
{"".join(rows)}</table></body></html>"""
    return _files.atomic_write(out_dir / "index.html", page)
