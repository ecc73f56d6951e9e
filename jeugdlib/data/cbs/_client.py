"""Talking to CBS StatLine through :mod:`cbsodata`: :func:`fetch`, :func:`fetch_meta`, :func:`prefetch`.

Every call goes through the disk cache of :mod:`jeugdlib.data.cbs.cache`: a
second call for the same query needs no network, and a machine without network
can work from a copied cache. Connection problems become an
:class:`~jeugdlib.errors.OfflineError` that says how to fill the cache. A cache
entry is used only after :func:`~jeugdlib.data.cbs.cache.read_entry` has checked
its table id, query and checksum; a bad entry is fetched again, or, offline,
reported as an :class:`OfflineError` (a :class:`DataError`) naming the table.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jeugdlib.data.cbs.cache import (
    _ENV_VAR,
    CacheFault,
    _check_table_id,
    _normalise_query,
    _write_cache,
    cache_path,
    read_entry,
)
from jeugdlib.errors import DataError, JeugdlibWarning, OfflineError

__all__ = ["fetch", "fetch_meta", "prefetch"]


def _default_client() -> Any:
    import cbsodata

    return cbsodata


def _client_version(client: Any) -> str:
    return str(getattr(client, "__version__", "unknown"))


def _records_to_frame(records: Any) -> pd.DataFrame:
    """Turn a cbsodata result into a DataFrame that round-trips through parquet.

    Object columns that mix strings and numbers (untyped CBS output does this)
    are converted to strings, missing values stay missing.
    """
    if isinstance(records, pd.DataFrame):
        df = records.copy()
    else:
        df = pd.DataFrame(list(records))
    for col in df.columns:
        s = df[col]
        if s.dtype == object:
            nonnull = s.dropna()
            kinds = {type(v) for v in nonnull}
            if kinds and not kinds <= {str}:
                if kinds <= {int, float, bool, np.int64, np.float64}:
                    df[col] = pd.to_numeric(s)
                else:
                    df[col] = s.map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    df.columns = [str(c) for c in df.columns]
    return df.reset_index(drop=True)


def _is_network_error(exc: BaseException) -> bool:
    """True for connection problems (DNS, refused, timeout), False for HTTP answers."""
    try:
        import requests
    except ImportError:  # pragma: no cover - requests comes with cbsodata
        requests = None  # type: ignore[assignment]
    if requests is not None:
        if isinstance(exc, requests.HTTPError):
            return False
        if isinstance(exc, requests.RequestException):
            return True
    if _http_status(exc) is not None and getattr(exc, "response", None) is not None:
        return False
    return isinstance(exc, (ConnectionError, TimeoutError, OSError))


def _http_status(exc: BaseException) -> int | None:
    resp = getattr(exc, "response", None)
    status = getattr(resp, "status_code", None)
    if status is None:
        m = re.search(r"\b(4\d\d|5\d\d)\b", str(exc))
        status = int(m.group(1)) if m else None
    return status


def _offline_message(table_id: str, query: dict[str, Any], what: str, root: Path, exc: BaseException | None) -> str:
    q = []
    if query.get("select"):
        q.append(f"select={query['select']!r}")
    if query.get("filters"):
        q.append(f"filters={query['filters']!r}")
    qtxt = ", ".join(q) if q else "the full table"
    cause = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
    return (
        f"Cannot reach CBS StatLine for table {table_id} ({what}; {qtxt}){cause} and the query "
        f"is not in the cache at {root}. On a machine with network access run "
        f"`jeugdlib data fetch {table_id}` (or call jeugdlib.data.cbs.prefetch({table_id!r}) / the same "
        f"jeugdlib function you called here), then copy that cache directory to this machine and "
        f"point to it with cache_dir=... or the environment variable {_ENV_VAR}."
    )


def _fault_message(
    table_id: str, query: dict[str, Any], what: str, path: Path, fault: CacheFault, exc: BaseException
) -> str:
    return (
        f"The cached copy of CBS table {table_id} ({what}) at {path} cannot be used: {fault}. "
        f"CBS StatLine cannot be reached to fetch it again ({type(exc).__name__}). Delete {path.name} and "
        f"{path.with_suffix('.json').name} from the cache, then, on a machine with network access, run "
        f"`jeugdlib data fetch {table_id}` and copy that cache directory here (cache_dir=... or {_ENV_VAR})."
    )


def _cached_call(
    table_id: str,
    query: dict[str, Any],
    kind: str,
    call: Callable[[], Any],
    *,
    cache_dir: str | os.PathLike[str] | None,
    refresh: bool,
    client: Any,
    what: str,
) -> pd.DataFrame:
    path = cache_path(table_id, query.get("select"), query.get("filters"), cache_dir=cache_dir, kind=kind)
    fault: CacheFault | None = None
    if not refresh and (path.exists() or path.with_suffix(".json").exists()):
        try:
            return read_entry(path, table_id=table_id, kind=kind, query=query)
        except CacheFault as exc:  # corrupt or foreign: fetch again below
            fault = exc
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 - classified below
        if _is_network_error(exc):
            if fault is None and path.exists():  # refresh requested but offline: fall back to the cache
                try:
                    df = read_entry(path, table_id=table_id, kind=kind, query=query)
                except CacheFault as bad:
                    fault = bad
                else:
                    warnings.warn(
                        f"CBS unreachable; using the cached copy of {table_id} ({what}) from {path}.",
                        JeugdlibWarning,
                        stacklevel=3,
                    )
                    return df
            if fault is not None:
                raise OfflineError(_fault_message(table_id, query, what, path, fault, exc)) from exc
            raise OfflineError(_offline_message(table_id, query, what, path.parent, exc)) from exc
        if _http_status(exc) == 404:
            raise DataError(
                f"CBS table {table_id} ({what}) does not exist on StatLine (HTTP 404). Check the "
                "table id on opendata.cbs.nl; discontinued tables move to the archive catalog."
            ) from exc
        raise
    df = _records_to_frame(result)
    sidecar = {
        "table_id": table_id,
        "kind": kind,
        "query": {"select": query.get("select"), "filters": query.get("filters")},
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cbsodata_version": _client_version(client),
        "n_rows": int(len(df)),
        "columns": list(df.columns),
    }
    _write_cache(path, df, sidecar)
    return df


def fetch(
    table_id: str,
    select: Sequence[str] | str | None = None,
    filters: str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    client: Any = None,
) -> pd.DataFrame:
    """Fetch (part of) a CBS StatLine table through cbsodata, with a disk cache.

    Parameters
    ----------
    table_id : str
        CBS table id, e.g. ``"85318NED"``.
    select : sequence of str, optional
        Column keys to return (``cbsodata.get_data(select=...)``).
    filters : str, optional
        OData filter on keys, e.g. ``"startswith(WijkenEnBuurten,'GM')"``.
    cache_dir : path-like, optional
        Root cache directory; default ``$JEUGDLIB_CACHE_DIR`` or the user cache dir.
    refresh : bool
        Ignore an existing cache entry and fetch again (falls back to the cache,
        with a warning, when CBS is unreachable).
    client : module or object, optional
        Anything with cbsodata's ``get_data``/``get_meta``; default :mod:`cbsodata`.

    Returns
    -------
    pandas.DataFrame
        The rows as cbsodata returns them (dimension columns carry titles, codes
        keep their space padding). Identical on a cache hit.

    Raises
    ------
    DataError
        Malformed or unknown table id.
    OfflineError
        CBS unreachable and the query is not cached.
    """
    tid = _check_table_id(table_id)
    client = client if client is not None else _default_client()
    query = _normalise_query(tid, select, filters)
    sel = query["select"]
    return _cached_call(
        tid,
        query,
        "data",
        lambda: client.get_data(tid, select=sel, filters=query["filters"]),
        cache_dir=cache_dir,
        refresh=refresh,
        client=client,
        what="data",
    )


def fetch_meta(
    table_id: str,
    name: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    client: Any = None,
) -> pd.DataFrame:
    """Fetch one metadata list of a table (``cbsodata.get_meta``), cached like :func:`fetch`.

    Parameters
    ----------
    table_id : str
        CBS table id.
    name : str
        ``"DataProperties"``, ``"TableInfos"``, ``"Perioden"``, ``"RegioS"``, ...
    cache_dir, refresh, client
        As in :func:`fetch`.

    Returns
    -------
    pandas.DataFrame
        One row per metadata entry.
    """
    tid = _check_table_id(table_id)
    client = client if client is not None else _default_client()
    kind = f"meta:{name}"
    query = _normalise_query(tid, None, None)
    return _cached_call(
        tid,
        query,
        kind,
        lambda: client.get_meta(tid, name),
        cache_dir=cache_dir,
        refresh=refresh,
        client=client,
        what=f"metadata {name}",
    )


def _dimension_keys(props: pd.DataFrame) -> list[str]:
    if "Type" not in props.columns or "Key" not in props.columns:
        return []
    mask = props["Type"].astype(str).str.endswith("Dimension")
    return [str(k) for k in props.loc[mask, "Key"]]


def prefetch(
    table_id: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    client: Any = None,
) -> list[Path]:
    """Cache a whole table and its metadata for offline use.

    This is what ``jeugdlib data fetch TABLE_ID`` should call. It stores the
    full table (no select, no filter), ``TableInfos``, ``DataProperties`` and
    the key/title lists of every dimension; :func:`kwb` and
    :func:`jeugdzorg_gemeenten` fall back to the full table when their own
    narrower query is not cached.

    Parameters
    ----------
    table_id : str
        CBS table id.
    cache_dir, refresh, client
        As in :func:`fetch`.

    Returns
    -------
    list of pathlib.Path
        The cache files written or found.
    """
    tid = _check_table_id(table_id)
    kw: dict[str, Any] = {"cache_dir": cache_dir, "refresh": refresh, "client": client}
    paths = []
    for name in ("TableInfos", "DataProperties"):
        fetch_meta(tid, name, **kw)
        paths.append(cache_path(tid, cache_dir=cache_dir, kind=f"meta:{name}"))
    props = fetch_meta(tid, "DataProperties", cache_dir=cache_dir, client=client)
    for dim in _dimension_keys(props):
        fetch_meta(tid, dim, **kw)
        paths.append(cache_path(tid, cache_dir=cache_dir, kind=f"meta:{dim}"))
    fetch(tid, **kw)
    paths.append(cache_path(tid, cache_dir=cache_dir))
    return paths


def _fetch_or_full(
    table_id: str,
    select: Sequence[str] | None,
    filters: str | None,
    *,
    cache_dir: str | os.PathLike[str] | None,
    client: Any,
) -> tuple[pd.DataFrame, bool]:
    """Fetch a narrow query; offline, fall back to a cached full table.

    Returns the frame and whether it is the full table (caller filters locally).
    """
    try:
        return fetch(table_id, select, filters, cache_dir=cache_dir, client=client), False
    except OfflineError as offline:
        full = cache_path(table_id, cache_dir=cache_dir)
        if not full.exists():
            raise
        try:
            return read_entry(full, table_id=table_id, kind="data", query=_normalise_query(table_id, None, None)), True
        except CacheFault as fault:
            raise OfflineError(
                f"{offline} The cached full table {table_id} at {full} cannot be used either: {fault}. Delete it "
                f"and its .json file, then run `jeugdlib data fetch {table_id}` on a machine with network access."
            ) from fault
