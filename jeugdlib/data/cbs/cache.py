"""The on-disk cache of CBS queries: location, keys, atomic writes and listing.

Cache location, in order of precedence:

1. the ``cache_dir=`` argument,
2. the environment variable ``JEUGDLIB_CACHE_DIR``,
3. ``platformdirs.user_cache_dir("jeugdlib")``.

CBS files go to the ``cbs/`` subfolder of that directory. Each cached query is
``<TABLE>_<hash>.parquet`` plus a JSON sidecar ``<TABLE>_<hash>.json`` with the
table id, the kind, the query, the SHA-256 of the parquet file, the fetch
timestamp and the cbsodata version. Files are written atomically through
:func:`jeugdlib._files.atomic_write` (exclusive temporary file, ``os.replace``).

An entry is used only if its sidecar names the requested table, kind and query
and the parquet file has the recorded checksum (:func:`read_entry`); a corrupt,
truncated or foreign entry (another table's file copied over it, an entry of an
older jeugdlib without checksum) is fetched again, or — without network —
reported as a :class:`~jeugdlib.errors.DataError` naming the table and what to do.
A cache folder that cannot be written is a :class:`DataError` too.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from jeugdlib import _files
from jeugdlib.errors import DataError

__all__ = ["CacheFault", "cache_key", "cache_path", "default_cache_dir", "list_cache", "read_entry"]

_TABLE_ID_RE = re.compile(r"^\d{5}(NED|ENG)$")
_ENV_VAR = "JEUGDLIB_CACHE_DIR"


def default_cache_dir() -> Path:
    """Return the root cache directory (without the ``cbs/`` subfolder).

    Returns
    -------
    pathlib.Path
        ``$JEUGDLIB_CACHE_DIR`` if set, else ``platformdirs.user_cache_dir("jeugdlib")``.
    """
    env = os.environ.get(_ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("jeugdlib"))


def _cbs_dir(cache_dir: str | os.PathLike[str] | None) -> Path:
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return root / "cbs"


def _check_table_id(table_id: str) -> str:
    if not isinstance(table_id, str) or not _TABLE_ID_RE.match(table_id.strip().upper()):
        raise DataError(
            f"CBS table id {table_id!r} is not valid: expected five digits followed by "
            "'NED' or 'ENG' (for example '85318NED'). Look the id up on opendata.cbs.nl."
        )
    return table_id.strip().upper()


def _normalise_query(table_id: str, select: Sequence[str] | str | None, filters: str | None) -> dict[str, Any]:
    if isinstance(select, str):
        select = [select]
    sel = sorted(dict.fromkeys(select)) if select else None
    filt = filters.strip() if filters and filters.strip() else None
    return {"table_id": table_id, "select": sel, "filters": filt}


def cache_key(
    table_id: str,
    select: Sequence[str] | str | None = None,
    filters: str | None = None,
    *,
    kind: str = "data",
) -> str:
    """Hash of a query, used as the cache file name.

    Parameters
    ----------
    table_id : str
        CBS table id, e.g. ``"85318NED"``.
    select : sequence of str, optional
        Column keys; order and duplicates do not matter.
    filters : str, optional
        OData filter string, e.g. ``"startswith(WijkenEnBuurten,'WK')"``.
    kind : str
        ``"data"`` or ``"meta:<name>"``.

    Returns
    -------
    str
        24 hexadecimal characters.
    """
    query = _normalise_query(_check_table_id(table_id), select, filters)
    query["kind"] = kind
    blob = json.dumps(query, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def cache_path(
    table_id: str,
    select: Sequence[str] | str | None = None,
    filters: str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    kind: str = "data",
) -> Path:
    """Path of the parquet file that caches a query (it need not exist).

    Parameters
    ----------
    table_id, select, filters, kind
        As in :func:`cache_key`.
    cache_dir : path-like, optional
        Root cache directory; see the module docstring for the default.

    Returns
    -------
    pathlib.Path
    """
    tid = _check_table_id(table_id)
    key = cache_key(tid, select, filters, kind=kind)
    return _cbs_dir(cache_dir) / f"{tid}_{key}.parquet"


class CacheFault(Exception):
    """A cache entry that must not be used (missing sidecar, foreign, no checksum, corrupt); ``str`` says why."""


def _query_record(query: dict[str, Any]) -> dict[str, Any]:
    return {"select": query.get("select"), "filters": query.get("filters")}


def read_entry(path: Path, *, table_id: str, kind: str, query: dict[str, Any]) -> pd.DataFrame:
    """Read a cache entry after checking that it is the requested one and intact.

    The parquet bytes are read once, checked against the SHA-256 in the sidecar and
    parsed from memory, so what is checked is what is returned.

    Parameters
    ----------
    path : pathlib.Path
        The parquet file (:func:`cache_path`).
    table_id, kind : str
        The table and kind (``"data"`` or ``"meta:<name>"``) the caller asked for.
    query : dict
        ``{"select": ..., "filters": ...}`` as normalised by the client.

    Raises
    ------
    CacheFault
        The entry is missing, foreign, without checksum or corrupt (the message says which).
    """
    side = path.with_suffix(".json")
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CacheFault(f"its description {side.name} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CacheFault(f"its description {side.name} cannot be read ({type(exc).__name__})") from exc
    if not isinstance(meta, dict):
        raise CacheFault(f"its description {side.name} is not a JSON object")
    found = (meta.get("table_id"), meta.get("kind"), meta.get("query"))
    wanted = (table_id, kind, _query_record(query))
    if found != wanted:
        raise CacheFault(
            f"it belongs to another query (table {found[0]!r}, {found[1]!r}) than the one asked for "
            f"(table {table_id!r}, {kind!r})"
            if found[:2] != wanted[:2]
            else "it was written for another selection or filter"
        )
    digest = meta.get("sha256")
    if not isinstance(digest, str):
        raise CacheFault("it has no checksum (written by an older jeugdlib)")
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise CacheFault(f"{path.name} cannot be read ({exc.strerror or type(exc).__name__})") from exc
    if hashlib.sha256(blob).hexdigest() != digest:
        raise CacheFault(f"{path.name} does not match its checksum (damaged, truncated or replaced)")
    try:
        return pd.read_parquet(io.BytesIO(blob))
    except Exception as exc:  # noqa: BLE001 - any parser error means a corrupt entry
        raise CacheFault(f"{path.name} is not a readable parquet file ({type(exc).__name__})") from exc


def _write_cache(path: Path, df: pd.DataFrame, sidecar: dict[str, Any]) -> None:
    """Write the parquet file and then its sidecar (with the parquet's SHA-256), atomically.

    Raises
    ------
    DataError
        The cache folder cannot be created or written (read-only, full disk, a file in the way).
    """
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    blob = buf.getvalue()
    record = {**sidecar, "sha256": hashlib.sha256(blob).hexdigest()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _files.atomic_write(path, blob)
        _files.atomic_write(
            path.with_suffix(".json"), json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    except OSError as exc:
        raise DataError(
            f"CBS cache folder {path.parent} cannot be written ({exc.strerror or exc}) while caching table "
            f"{sidecar.get('table_id')}. Point the cache to a writable folder with cache_dir=... or the "
            f"environment variable {_ENV_VAR}, or make this folder writable.",
            source=str(path.parent),
        ) from exc


def list_cache(cache_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """List cached CBS queries from their JSON sidecars.

    Parameters
    ----------
    cache_dir : path-like, optional
        Root cache directory.

    Returns
    -------
    pandas.DataFrame
        Columns ``table_id, kind, select, filters, fetched_at, cbsodata_version,
        n_rows, path`` (empty frame if nothing is cached).
    """
    rows = []
    d = _cbs_dir(cache_dir)
    for side in sorted(d.glob("*.json")) if d.exists() else []:
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        pq = side.with_suffix(".parquet")
        rows.append(
            {
                "table_id": meta.get("table_id"),
                "kind": meta.get("kind"),
                "select": meta.get("query", {}).get("select"),
                "filters": meta.get("query", {}).get("filters"),
                "fetched_at": meta.get("fetched_at"),
                "cbsodata_version": meta.get("cbsodata_version"),
                "n_rows": meta.get("n_rows"),
                "path": str(pq) if pq.exists() else None,
            }
        )
    cols = ["table_id", "kind", "select", "filters", "fetched_at", "cbsodata_version", "n_rows", "path"]
    return pd.DataFrame(rows, columns=cols)
