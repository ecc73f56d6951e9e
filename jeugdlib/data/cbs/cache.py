"""The on-disk cache of CBS queries: location, keys, atomic writes and listing.

Cache location, in order of precedence:

1. the ``cache_dir=`` argument,
2. the environment variable ``JEUGDLIB_CACHE_DIR``,
3. ``platformdirs.user_cache_dir("jeugdlib")``.

CBS files go to the ``cbs/`` subfolder of that directory. Each cached query is
``<TABLE>_<hash>.parquet`` plus a JSON sidecar ``<TABLE>_<hash>.json`` with the
table id, the query, the fetch timestamp and the cbsodata version. Files are
written to a temporary file first and moved into place with :func:`os.replace`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from jeugdlib.errors import DataError

__all__ = ["cache_key", "cache_path", "default_cache_dir", "list_cache"]

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


def _atomic_write_bytes(path: Path, writer: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_cache(path: Path, df: pd.DataFrame, sidecar: dict[str, Any]) -> None:
    side = path.with_suffix(".json")
    _atomic_write_bytes(
        side,
        lambda p: p.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False), encoding="utf-8"),
    )
    _atomic_write_bytes(path, lambda p: df.to_parquet(p, index=False))


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
