"""Live CBS StatLine access through :mod:`cbsodata`, with an on-disk cache.

Everything that talks to CBS goes through :func:`fetch` (data) and
:func:`fetch_meta` (metadata). Both cache their result as parquet files under
a cache directory, so that a second call for the same query needs no network
and a machine without network can work from a copied cache.

Cache location, in order of precedence:

1. the ``cache_dir=`` argument,
2. the environment variable ``JEUGDLIB_CACHE_DIR``,
3. ``platformdirs.user_cache_dir("jeugdlib")``.

CBS files go to the ``cbs/`` subfolder of that directory. Each cached query is
``<TABLE>_<hash>.parquet`` plus a JSON sidecar ``<TABLE>_<hash>.json`` with the
table id, the query, the fetch timestamp and the cbsodata version. Files are
written to a temporary file first and moved into place with :func:`os.replace`.

On top of that the module offers harmonised readers:

- :func:`kwb` — the yearly *Kerncijfers wijken en buurten* tables (2017–2025)
  with stable, readable column names resolved from each table's metadata;
- :func:`jeugdzorg_gemeenten` — youth care per gemeente per year (84134NED,
  85099NED), harmonised to one gemeente boundary year;
- :func:`successor_map` and :func:`harmonise_gemeenten` — gemeente mergers
  from the embedded ``gemeente_herindelingen.csv``.

Notes
-----
``cbsodata.get_data`` replaces the keys of dimension columns (``RegioS``,
``Perioden``, ``WijkenEnBuurten``, ...) by their titles (``"Groningen
(gemeente)"``, ``"2022*"``). The readers therefore translate titles back to
keys with the dimension's metadata (``get_meta(table, "RegioS")``), and accept
keys as well. Server-side ``filters`` always act on keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError, JeugdlibWarning, OfflineError

__all__ = [
    "JEUGDZORG_TABLES",
    "KWB_COLUMNS",
    "KWB_TABLES",
    "VORMEN",
    "cache_key",
    "cache_path",
    "default_cache_dir",
    "fetch",
    "fetch_meta",
    "harmonise_gemeenten",
    "herindelingen",
    "jeugdzorg_gemeenten",
    "kwb",
    "list_cache",
    "prefetch",
    "successor_map",
]

#: Yearly "Kerncijfers wijken en buurten" tables.
KWB_TABLES: dict[int, str] = {
    2017: "83765NED",
    2018: "84286NED",
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}

#: Youth care per gemeente: table id -> (first year, last year or None if open).
JEUGDZORG_TABLES: dict[str, tuple[int, int | None]] = {
    "84134NED": (2015, 2020),
    "85099NED": (2021, None),
}

_TABLE_ID_RE = re.compile(r"^\d{5}(NED|ENG)$")
_SUFFIX_RE = re.compile(r"_\d+$")
_MISSING_TOKENS = {"", ".", "-", "x", "?"}
_ENV_VAR = "JEUGDLIB_CACHE_DIR"
_EMBEDDED = Path(__file__).parent / "embedded"


# ---------------------------------------------------------------------------
# Client and cache plumbing
# ---------------------------------------------------------------------------


def _default_client() -> Any:
    import cbsodata

    return cbsodata


def _client_version(client: Any) -> str:
    return str(getattr(client, "__version__", "unknown"))


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


def _normalise_query(
    table_id: str, select: Sequence[str] | str | None, filters: str | None
) -> dict[str, Any]:
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


def _write_cache(path: Path, df: pd.DataFrame, sidecar: dict[str, Any]) -> None:
    side = path.with_suffix(".json")
    _atomic_write_bytes(
        side,
        lambda p: p.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False), encoding="utf-8"),
    )
    _atomic_write_bytes(path, lambda p: df.to_parquet(p, index=False))


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
    if path.exists() and not refresh:
        return pd.read_parquet(path)
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 - classified below
        if _is_network_error(exc):
            if path.exists():  # refresh requested but offline: fall back to the cache
                warnings.warn(
                    f"CBS unreachable; using the cached copy of {table_id} ({what}) from {path}.",
                    JeugdlibWarning,
                    stacklevel=3,
                )
                return pd.read_parquet(path)
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
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
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
    except OfflineError:
        full = cache_path(table_id, cache_dir=cache_dir)
        if full.exists():
            return pd.read_parquet(full), True
        raise


# ---------------------------------------------------------------------------
# Metadata helpers
# ---------------------------------------------------------------------------


def _strip_suffix(key: str) -> str:
    return _SUFFIX_RE.sub("", str(key))


def _norm_title(title: Any) -> str:
    t = str(title).casefold().replace("\u00a0", " ")
    t = re.sub(r"[^0-9a-zà-ÿ%]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _require_props(props: pd.DataFrame, table_id: str) -> pd.DataFrame:
    missing = [c for c in ("Key", "Title", "Type") if c not in props.columns]
    if missing:
        raise DataError(
            f"Metadata DataProperties of CBS table {table_id} lacks the field(s) {missing}; "
            "the cached copy may be damaged: fetch again with refresh=True."
        )
    return props


def _clean_code(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    s = str(value).strip()
    return np.nan if s in _MISSING_TOKENS else s


def _to_number(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    cleaned = s.map(lambda v: np.nan if v is None else str(v).strip())
    cleaned = cleaned.map(lambda v: np.nan if isinstance(v, str) and v in _MISSING_TOKENS else v)
    return pd.to_numeric(cleaned, errors="coerce").astype(float)


def _title_to_key(meta: pd.DataFrame, table_id: str, name: str) -> dict[str, str]:
    if not {"Key", "Title"} <= set(meta.columns):
        raise DataError(
            f"Metadata {name} of CBS table {table_id} has no Key/Title fields; fetch again with refresh=True."
        )
    out: dict[str, str] = {}
    for key, title in zip(meta["Key"], meta["Title"]):
        k = str(key).strip()
        out.setdefault(str(title).strip(), k)
        out.setdefault(k, k)
    return out


def _table_provisional(infos: pd.DataFrame) -> bool:
    """Whether TableInfos marks the table as provisional.

    CBS marks provisional periods with ``*`` (``"2024*"``) and sometimes says
    "voorlopig" in the title or the reason of delivery.
    """
    if infos.empty:
        return False
    row = infos.iloc[0]
    period = str(row.get("Period", "") or "")
    if "*" in period:
        return True
    for field in ("Title", "ShortTitle", "ReasonDelivery", "Status"):
        if "voorlopig" in str(row.get(field, "") or "").casefold():
            return True
    return False


# ---------------------------------------------------------------------------
# Kerncijfers wijken en buurten
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    keys: tuple[str, ...]  # DataProperties keys without positional suffix
    titles: tuple[str, ...]  # normalised titles, exact match
    description: str


#: Harmonised KWB columns: readable name -> keys/titles searched in each table.
KWB_COLUMNS: dict[str, _Column] = {
    "inwoners": _Column(("AantalInwoners",), ("aantal inwoners",), "Number of inhabitants"),
    "mannen": _Column(("Mannen",), ("mannen",), "Men"),
    "vrouwen": _Column(("Vrouwen",), ("vrouwen",), "Women"),
    "inw_0_14": _Column(("k_0Tot15Jaar",), ("0 tot 15 jaar",), "Inhabitants aged 0-14"),
    "inw_15_24": _Column(("k_15Tot25Jaar",), ("15 tot 25 jaar",), "Inhabitants aged 15-24"),
    "inw_25_44": _Column(("k_25Tot45Jaar",), ("25 tot 45 jaar",), "Inhabitants aged 25-44"),
    "inw_45_64": _Column(("k_45Tot65Jaar",), ("45 tot 65 jaar",), "Inhabitants aged 45-64"),
    "inw_65_plus": _Column(("k_65JaarOfOuder",), ("65 jaar of ouder",), "Inhabitants aged 65+"),
    "gescheiden": _Column(("Gescheiden",), ("gescheiden",), "Divorced inhabitants"),
    "huishoudens": _Column(("HuishoudensTotaal",), ("huishoudens totaal",), "Private households"),
    "eenpersoonshuishoudens": _Column(("Eenpersoonshuishoudens",), ("eenpersoonshuishoudens",), "One-person households"),
    "huishoudens_met_kinderen": _Column(
        ("HuishoudensMetKinderen",), ("huishoudens met kinderen",), "Households with children"
    ),
    "gem_huishoudensgrootte": _Column(
        ("GemiddeldeHuishoudensgrootte",), ("gemiddelde huishoudensgrootte",), "Mean household size"
    ),
    "woningvoorraad": _Column(("Woningvoorraad",), ("woningvoorraad",), "Dwellings"),
    "woz_waarde": _Column(
        ("GemiddeldeWOZWaardeVanWoningen", "GemiddeldeWoningwaarde"),
        ("gemiddelde woz waarde van woningen", "gemiddelde woningwaarde"),
        "Mean WOZ value of dwellings (x 1000 euro)",
    ),
    "perc_koopwoningen": _Column(("Koopwoningen",), ("koopwoningen",), "Owner-occupied dwellings (%)"),
    "perc_huurwoningen": _Column(("HuurwoningenTotaal",), ("huurwoningen totaal",), "Rented dwellings (%)"),
    "perc_corporatiewoningen": _Column(
        ("InBezitWoningcorporatie",), ("in bezit woningcorporatie",), "Dwellings owned by housing corporations (%)"
    ),
    "bijstand": _Column(
        ("PersonenPerSoortUitkeringBijstand",),
        ("personen per soort uitkering bijstand", "bijstand"),
        "Persons receiving social assistance (bijstand)",
    ),
    "afstand_huisarts": _Column(
        ("AfstandTotHuisartsenpraktijk",), ("afstand tot huisartsenpraktijk",), "Distance to GP practice (km)"
    ),
    "bevolkingsdichtheid": _Column(("Bevolkingsdichtheid",), ("bevolkingsdichtheid",), "Inhabitants per km2"),
    "stedelijkheid": _Column(("MateVanStedelijkheid",), ("mate van stedelijkheid",), "Urbanity class 1-5"),
}

_KWB_ID_COLUMNS: dict[str, _Column] = {
    "gemeentenaam": _Column(("Gemeentenaam",), ("gemeentenaam",), "Gemeente name"),
    "soort_regio": _Column(("SoortRegio",), ("soort regio",), "Region type"),
    "codering": _Column(("Codering",), ("codering",), "Region code"),
}

_KWB_DEFAULT = (
    "inwoners",
    "inw_0_14",
    "inw_15_24",
    "gescheiden",
    "huishoudens",
    "huishoudens_met_kinderen",
    "woz_waarde",
    "perc_corporatiewoningen",
    "bijstand",
    "afstand_huisarts",
)


def _resolve(props: pd.DataFrame, spec: _Column, name: str, table_id: str, types: Iterable[str]) -> str:
    """Find the full (suffixed) key of one column in a table's DataProperties."""
    sub = props[props["Type"].astype(str).isin(list(types))]
    stripped = sub["Key"].astype(str).map(_strip_suffix)
    for k in spec.keys:
        hit = sub.loc[stripped == k, "Key"]
        if len(hit):
            return str(hit.iloc[0])
    titles = sub["Title"].map(_norm_title)
    for t in spec.titles:
        hit = sub.loc[titles == t, "Key"]
        if len(hit):
            return str(hit.iloc[0])
    raise DataError(
        f"CBS table {table_id}: metadata (DataProperties) has no entry with key "
        f"{' or '.join(repr(k) for k in spec.keys)} (title {' or '.join(repr(t) for t in spec.titles)}), "
        f"needed for column {name!r}. The table layout changed or the cached metadata is damaged; "
        "fetch again with refresh=True or leave the column out with columns=[...]."
    )


def kwb(
    year: int,
    level: Literal["wijk", "gemeente"] = "wijk",
    *,
    columns: Sequence[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Kerncijfers wijken en buurten of one year with harmonised column names.

    Columns are found through each table's metadata: the DataProperties key
    with its positional suffix stripped (``AantalInwoners_5`` ->
    ``AantalInwoners``) or, failing that, the title. Never by position.

    Parameters
    ----------
    year : int
        2017 to 2025 (see :data:`KWB_TABLES`); the boundary year of the codes.
    level : {"wijk", "gemeente"}
        Region level.
    columns : sequence of str, optional
        Harmonised names from :data:`KWB_COLUMNS`; default
        ``inwoners, inw_0_14, inw_15_24, gescheiden, huishoudens,
        huishoudens_met_kinderen, woz_waarde, perc_corporatiewoningen,
        bijstand, afstand_huisarts``.
    cache_dir, client
        As in :func:`fetch`.

    Returns
    -------
    pandas.DataFrame
        ``wijkcode`` (wijk level only), ``gemeentecode``, ``naam``,
        ``gemeentenaam``, ``jaar``, the requested columns (float, NaN where CBS
        has ``.`` or blank) and ``voorlopig``. For wijk level ``gemeentecode``
        is derived from the wijk code (``WK036301`` -> ``GM0363``).

    Raises
    ------
    DataError
        Unknown year or level, unknown column name, or a column missing from
        the table's metadata.
    OfflineError
        CBS unreachable and nothing cached.
    """
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or int(year) not in KWB_TABLES:
        raise DataError(
            f"No Kerncijfers wijken en buurten table for year {year!r}. Supported years: "
            f"{', '.join(str(y) for y in KWB_TABLES)}."
        )
    if level not in ("wijk", "gemeente"):
        raise DataError(f"kwb(level={level!r}) is not supported; use 'wijk' or 'gemeente'.")
    year = int(year)
    wanted = list(_KWB_DEFAULT if columns is None else columns)
    unknown = [c for c in wanted if c not in KWB_COLUMNS]
    if unknown:
        raise DataError(
            f"Unknown KWB column name(s) {unknown}. Available harmonised names: {', '.join(KWB_COLUMNS)}."
        )
    table_id = KWB_TABLES[year]
    client = client if client is not None else _default_client()
    props = _require_props(fetch_meta(table_id, "DataProperties", cache_dir=cache_dir, client=client), table_id)
    infos = fetch_meta(table_id, "TableInfos", cache_dir=cache_dir, client=client)

    geo = props.loc[props["Type"].astype(str) == "GeoDimension", "Key"]
    if geo.empty:
        raise DataError(f"CBS table {table_id}: DataProperties has no GeoDimension (expected 'WijkenEnBuurten').")
    geo_key = str(geo.iloc[0])
    id_keys = {
        name: _resolve(props, spec, name, table_id, ("Topic", "GeoDetail")) for name, spec in _KWB_ID_COLUMNS.items()
    }
    value_keys = {name: _resolve(props, KWB_COLUMNS[name], name, table_id, ("Topic",)) for name in wanted}

    prefix = "WK" if level == "wijk" else "GM"
    select = [geo_key, *id_keys.values(), *value_keys.values()]
    raw, _ = _fetch_or_full(
        table_id, select, f"startswith({geo_key},'{prefix}')", cache_dir=cache_dir, client=client
    )
    if raw.empty:
        raw = pd.DataFrame(columns=select, dtype=object)
    missing_cols = [k for k in select if k not in raw.columns]
    if missing_cols:
        raise DataError(
            f"CBS table {table_id}: the data lack column(s) {missing_cols} that its metadata lists; "
            "fetch again with refresh=True."
        )
    # filter locally too: the frame may be the full table (offline fallback after prefetch)
    codes = raw[id_keys["codering"]].map(_clean_code)
    keep = codes.astype(str).str.startswith(prefix)
    raw, codes = raw.loc[keep].reset_index(drop=True), codes.loc[keep].reset_index(drop=True)

    out = pd.DataFrame(index=raw.index)
    if level == "wijk":
        out["wijkcode"] = codes
        out["gemeentecode"] = "GM" + codes.str[2:6]
    else:
        out["gemeentecode"] = codes
    out["naam"] = raw[geo_key].map(_clean_code)
    out["gemeentenaam"] = raw[id_keys["gemeentenaam"]].map(_clean_code)
    out["jaar"] = year
    for name, key in value_keys.items():
        out[name] = _to_number(raw[key])
    out["voorlopig"] = _table_provisional(infos)
    return out


# ---------------------------------------------------------------------------
# Gemeente mergers
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _herindelingen_cached() -> pd.DataFrame:
    path = _EMBEDDED / "gemeente_herindelingen.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    required = {"ingangsjaar", "oude_gemeentecode", "nieuwe_gemeentecode", "nieuwe_gemeentenaam"}
    if not required <= set(df.columns):
        raise DataError(f"{path} lacks columns {sorted(required - set(df.columns))}.")
    df["ingangsjaar"] = df["ingangsjaar"].astype(int)
    dup = df[df.duplicated("oude_gemeentecode", keep=False)]
    if not dup.empty:
        raise DataError(f"{path}: gemeente codes listed as merged more than once: {sorted(set(dup['oude_gemeentecode']))}.")
    return df


def herindelingen() -> pd.DataFrame:
    """The embedded table of gemeente mergers (1 January 2016 to 1 January 2025).

    Returns
    -------
    pandas.DataFrame
        Columns ``ingangsjaar`` (first boundary year, 1 January, without the old
        gemeente), ``oude_gemeentecode``, ``oude_gemeentenaam``,
        ``nieuwe_gemeentecode``, ``nieuwe_gemeentenaam``, ``bron``,
        ``opmerking`` (partitions: the main successor is listed, the note names
        the others).
    """
    return _herindelingen_cached().copy()


_MERGER_YEARS = (2015, 2025)


def successor_map(from_year: int, to_year: int) -> dict[str, str]:
    """Map gemeente codes of boundary year ``from_year`` to codes of ``to_year``.

    Chains mergers (``GM0005`` Bedum 2018 -> ``GM1966`` Het Hogeland 2019).
    Only codes that change are in the map; a gemeente that was partitioned is
    mapped to its main successor (see ``opmerking`` in :func:`herindelingen`).

    Parameters
    ----------
    from_year, to_year : int
        Boundary years (1 January), ``2015 <= from_year <= to_year <= 2025``.

    Returns
    -------
    dict of str to str

    Raises
    ------
    DataError
        ``from_year > to_year`` (mergers cannot be undone) or years outside the
        range covered by the embedded table.
    """
    lo, hi = _MERGER_YEARS
    if from_year > to_year:
        raise DataError(
            f"successor_map({from_year}, {to_year}): cannot map codes backwards in time; merged "
            "gemeenten cannot be split. Harmonise to the latest boundary year instead."
        )
    if from_year < lo or to_year > hi:
        raise DataError(
            f"successor_map({from_year}, {to_year}): the embedded merger table covers boundary years "
            f"{lo}-{hi} (mergers of 1 January {lo + 1} to 1 January {hi})."
        )
    df = _herindelingen_cached()
    step = df[(df["ingangsjaar"] > from_year) & (df["ingangsjaar"] <= to_year)].sort_values("ingangsjaar")
    mapping: dict[str, str] = {}
    for old, new in zip(step["oude_gemeentecode"], step["nieuwe_gemeentecode"]):
        for k, v in mapping.items():
            if v == old:
                mapping[k] = new
        mapping[old] = new
    return mapping


def _successor_names() -> dict[str, str]:
    df = _herindelingen_cached()
    return dict(zip(df["nieuwe_gemeentecode"], df["nieuwe_gemeentenaam"]))


def harmonise_gemeenten(
    df: pd.DataFrame,
    code_col: str = "gemeentecode",
    year_col: str = "jaar",
    boundary_year: int = 2022,
    sum_cols: Sequence[str] | None = None,
    *,
    by: Sequence[str] = (),
    name_col: str | None = "gemeentenaam",
) -> pd.DataFrame:
    """Bring gemeente rows of several years to the boundaries of one year.

    Each row of year ``y`` with code ``c`` is relabelled with
    ``successor_map(y, boundary_year)``; rows that end up with the same code,
    year and ``by`` keys are summed.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per gemeente (per year, per ``by`` keys).
    code_col, year_col : str
        Columns with the ``GM`` code and the boundary year of that code.
    boundary_year : int
        Target boundary year.
    sum_cols : sequence of str, optional
        Count columns to add up; default all numeric columns except ``year_col``.
        Only counts can be summed: recompute shares and rates afterwards.
    by : sequence of str
        Extra grouping keys (e.g. ``("vorm",)``).
    name_col : str or None
        Name column; merged rows get the successor's name.

    Returns
    -------
    pandas.DataFrame
        The grouped frame with two added columns: ``n_bronnen`` (number of
        source gemeenten summed) and ``onvolledig`` (True where at least one but
        not all components of a sum column were missing, i.e. suppressed: the
        sum is an undercount). Boolean columns not in ``sum_cols`` are combined
        with *any*, other columns keep the first value. Sums of CBS counts that
        were rounded (to multiples of 5) are approximate.

    Raises
    ------
    DataError
        Missing columns, or rows of a year after ``boundary_year`` whose code
        does not exist in ``boundary_year`` (cannot be split back).
    """
    missing = [c for c in (code_col, year_col, *by) if c not in df.columns]
    if missing:
        raise DataError(f"harmonise_gemeenten: input lacks column(s) {missing}.")
    if sum_cols is None:
        sum_cols = [
            c
            for c in df.columns
            if c not in (year_col, *by) and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        ]
    else:
        bad = [c for c in sum_cols if c not in df.columns]
        if bad:
            raise DataError(f"harmonise_gemeenten: sum_cols {bad} are not in the input.")
    sum_cols = list(sum_cols)
    out = df.copy()
    codes = out[code_col].astype(str).str.strip()
    years = out[year_col].astype(int)
    new_codes = codes.copy()
    later = years > boundary_year
    if later.any():
        future = successor_map(boundary_year, min(int(years.max()), _MERGER_YEARS[1]))
        merged_later = set(future.values())
        bad_rows = out.index[later & codes.isin(merged_later)]
        if len(bad_rows):
            raise DataError(
                f"harmonise_gemeenten: rows {list(bad_rows[:10])} are of years after {boundary_year} with "
                f"gemeenten formed by later mergers ({sorted(set(codes[bad_rows]))}); they cannot be split "
                f"back to {boundary_year} boundaries. Use boundary_year={int(years.max())}."
            )
    for y in sorted(years[~later].unique()):
        m = successor_map(int(y), boundary_year)
        sel = years == y
        new_codes[sel] = codes[sel].map(lambda c, m=m: m.get(c, c))
    out[code_col] = new_codes
    if name_col is not None and name_col in out.columns:
        names = _successor_names()
        changed = new_codes != codes
        out.loc[changed, name_col] = new_codes[changed].map(names)

    keys = [code_col, year_col, *by]
    g = out.groupby(keys, sort=True, dropna=False)
    agg: dict[str, Any] = {}
    for c in out.columns:
        if c in keys:
            continue
        if c in sum_cols:
            agg[c] = lambda s: s.sum(min_count=1)
        elif pd.api.types.is_bool_dtype(out[c]):
            agg[c] = "any"
        else:
            agg[c] = "first"
    res = g.agg(agg) if agg else g.size().to_frame("_n").drop(columns="_n")
    res["n_bronnen"] = g.size()
    if sum_cols:
        n_missing = g[sum_cols].agg(lambda s: s.isna().sum())
        n_total = g.size()
        partial = n_missing.gt(0) & n_missing.lt(n_total, axis=0)
        res["onvolledig"] = partial.any(axis=1)
    else:
        res["onvolledig"] = False
    res = res.reset_index()
    return res[[*keys, *[c for c in res.columns if c not in keys]]]


# ---------------------------------------------------------------------------
# Youth care per gemeente
# ---------------------------------------------------------------------------

#: Stable names of youth-care forms (``vorm``) and the title rules that find them.
VORMEN: dict[str, str] = {
    "jeugdzorg_totaal": "all youth care (jeugdhulp, jeugdbescherming, jeugdreclassering)",
    "jeugdhulp_totaal": "jeugdhulp, all forms",
    "jeugdhulp_zonder_verblijf": "jeugdhulp without residence, total",
    "jeugdhulp_wijkteam": "jeugdhulp without residence provided by the wijkteam / local team",
    "jeugdhulp_zonder_verblijf_overig": "jeugdhulp without residence by other providers",
    "jeugdhulp_met_verblijf": "jeugdhulp with residence (pleegzorg, gezinshuis, other residence)",
    "jeugdbescherming": "jeugdbescherming (child protection measures)",
    "jeugdreclassering": "jeugdreclassering (juvenile probation)",
}


def _vorm_name(title: str) -> str:
    """Map the title of a youth-care form to a stable name (see :data:`VORMEN`)."""
    t = _norm_title(title)
    if "wijkteam" in t or "lokaal team" in t or "lokale team" in t:
        return "jeugdhulp_wijkteam"
    if "zonder verblijf" in t:
        if "overig" in t or "ander" in t or "aanbieder" in t:
            return "jeugdhulp_zonder_verblijf_overig"
        return "jeugdhulp_zonder_verblijf"
    if "met verblijf" in t:
        return "jeugdhulp_met_verblijf"
    if "jeugdbescherming" in t:
        return "jeugdbescherming"
    if "jeugdreclassering" in t:
        return "jeugdreclassering"
    if "jeugdhulp" in t:
        return "jeugdhulp_totaal"
    if "jeugdzorg" in t:
        return "jeugdzorg_totaal"
    return re.sub(r"\s+", "_", t) or "onbekend"


_JEUGDZORG_MEASURE = _Column(
    ("JongerenMetJeugdzorg", "JongerenMetJeugdzorgInNatura", "TotaalJongerenMetJeugdzorgInNatura", "Jongeren"),
    ("jongeren met jeugdzorg", "jongeren met jeugdzorg in natura", "totaal jongeren met jeugdzorg in natura", "jongeren"),
    "Number of young people (0-22) with youth care",
)


def _jeugdzorg_table(year: int) -> str:
    for tid, (lo, hi) in JEUGDZORG_TABLES.items():
        if year >= lo and (hi is None or year <= hi):
            return tid
    raise DataError(
        f"No CBS youth-care table per gemeente for year {year}. Supported: 2015-2020 (84134NED) "
        "and 2021 onward (85099NED)."
    )


def _jeugdzorg_one_table(
    table_id: str, years: list[int], cache_dir: str | os.PathLike[str] | None, client: Any
) -> pd.DataFrame:
    props = _require_props(fetch_meta(table_id, "DataProperties", cache_dir=cache_dir, client=client), table_id)
    types = props["Type"].astype(str)
    geo = props.loc[types == "GeoDimension", "Key"]
    time = props.loc[types == "TimeDimension", "Key"]
    dims = props.loc[types == "Dimension", "Key"].astype(str)
    vorm_dims = [d for d in dims if _strip_suffix(d).casefold().startswith("vorm")]
    for label, found, expected in (
        ("GeoDimension", list(geo), "RegioS"),
        ("TimeDimension", list(time), "Perioden"),
        ("Dimension of forms", vorm_dims, "VormenVanJeugdzorg"),
    ):
        if not found:
            raise DataError(
                f"CBS table {table_id}: DataProperties has no {label} (expected key {expected!r}); "
                "the layout changed or the cached metadata is damaged: fetch again with refresh=True."
            )
    geo_key, time_key, vorm_key = str(geo.iloc[0]), str(time.iloc[0]), vorm_dims[0]
    measure = _resolve(props, _JEUGDZORG_MEASURE, "aantal_jongeren", table_id, ("Topic",))

    regions = fetch_meta(table_id, geo_key, cache_dir=cache_dir, client=client)
    periods = fetch_meta(table_id, time_key, cache_dir=cache_dir, client=client)
    vormen = fetch_meta(table_id, vorm_key, cache_dir=cache_dir, client=client)
    region_key = _title_to_key(regions, table_id, geo_key)
    period_key = _title_to_key(periods, table_id, time_key)
    vorm_key_map = _title_to_key(vormen, table_id, vorm_key)
    vorm_title = {k: str(t).strip() for k, t in zip(vormen["Key"].astype(str).str.strip(), vormen["Title"])}
    status = (
        {str(k).strip(): str(s) for k, s in zip(periods["Key"], periods["Status"])} if "Status" in periods else {}
    )
    ptitle = {str(k).strip(): str(t).strip() for k, t in zip(periods["Key"], periods["Title"])}
    rtitle = {str(k).strip(): str(t).strip() for k, t in zip(regions["Key"], regions["Title"])}

    pkeys = [k for k in ptitle if k[:4].isdigit() and int(k[:4]) in years and "JJ" in k]
    if not pkeys:
        raise DataError(
            f"CBS table {table_id} has no yearly period for {years}; available: {sorted(ptitle)}."
        )
    filt = f"startswith({geo_key},'GM') and (" + " or ".join(f"{time_key} eq '{k}'" for k in pkeys) + ")"
    raw, _ = _fetch_or_full(
        table_id, [geo_key, time_key, vorm_key, measure], filt, cache_dir=cache_dir, client=client
    )
    if raw.empty:  # no rows match: cbsodata returns an empty list without columns
        raw = pd.DataFrame(columns=[geo_key, time_key, vorm_key, measure], dtype=object)
    for col in (geo_key, time_key, vorm_key, measure):
        if col not in raw.columns:
            raise DataError(f"CBS table {table_id}: the data lack column {col!r}; fetch again with refresh=True.")

    code = raw[geo_key].map(lambda v: region_key.get(str(v).strip(), str(v).strip()))
    pk = raw[time_key].map(lambda v: period_key.get(str(v).strip(), str(v).strip()))
    vk = raw[vorm_key].map(lambda v: vorm_key_map.get(str(v).strip(), str(v).strip()))
    out = pd.DataFrame(
        {
            "gemeentecode": code,
            "gemeentenaam": code.map(lambda c: re.sub(r"\s*\((gemeente|gem\.)\)$", "", rtitle.get(c, c))),
            "periode": pk,
            "vorm": vk.map(lambda k: _vorm_name(vorm_title.get(k, k))),
            "aantal_jongeren": _to_number(raw[measure]),
        }
    )
    out = out[out["gemeentecode"].str.startswith("GM") & out["periode"].isin(pkeys)].copy()
    out["jaar"] = out["periode"].str[:4].astype(int)
    out["voorlopig"] = out["periode"].map(
        lambda k: ptitle.get(k, "").endswith("*") or "voorlopig" in status.get(k, "").casefold()
    )
    out["onderdrukt"] = out["aantal_jongeren"].isna()
    out["tabel"] = table_id
    return out.drop(columns="periode")


def jeugdzorg_gemeenten(
    years: int | Iterable[int],
    *,
    boundary_year: int = 2022,
    wide: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Young people with youth care per gemeente per year, on one set of boundaries.

    Reads 84134NED (2015-2020) and 85099NED (2021 onward), recognises the form
    of care by its title (see :data:`VORMEN`) and sums gemeenten that merged
    before ``boundary_year`` into their successor.

    The result is *long* (one row per gemeente, year and form) because the
    set of forms differs between the two tables and years, and because
    suppression is recorded per form; pass ``wide=True`` for one column per
    form (``aantal_jongeren`` values; the flags are then combined per row).

    Parameters
    ----------
    years : int or iterable of int
        Reporting years.
    boundary_year : int
        Gemeente boundary year of the output codes (default 2022, 345 gemeenten).
    wide : bool
        Pivot to one column per form.
    cache_dir, client
        As in :func:`fetch`.

    Returns
    -------
    pandas.DataFrame
        Long: ``gemeentecode, gemeentenaam, jaar, vorm, aantal_jongeren,
        voorlopig, onderdrukt, onvolledig, n_bronnen, tabel``.
        ``onderdrukt``: the (summed) count is missing (CBS ``.``: secret or
        below the publication threshold); ``onvolledig``: a merged gemeente
        summed from several source gemeenten of which at least one was
        suppressed, so the value is an undercount. CBS rounds these counts (to
        multiples of 5), so sums over merged gemeenten are approximate.

    Raises
    ------
    DataError
        Unsupported years, malformed metadata, or years after
        ``boundary_year`` containing gemeenten that did not exist then.
    OfflineError
        CBS unreachable and nothing cached.
    """
    ys = sorted({int(years)} if isinstance(years, (int, np.integer)) else {int(y) for y in years})
    if not ys:
        raise DataError("jeugdzorg_gemeenten: no years requested.")
    client = client if client is not None else _default_client()
    by_table: dict[str, list[int]] = {}
    for y in ys:
        by_table.setdefault(_jeugdzorg_table(y), []).append(y)
    parts = [_jeugdzorg_one_table(t, yy, cache_dir, client) for t, yy in by_table.items()]
    long = pd.concat(parts, ignore_index=True)
    found = set(long["jaar"].unique())
    absent = [y for y in ys if y not in found]
    if absent:
        raise DataError(f"CBS youth-care tables have no gemeente rows for year(s) {absent}.")
    harm = harmonise_gemeenten(
        long,
        boundary_year=boundary_year,
        sum_cols=["aantal_jongeren"],
        by=("vorm",),
    )
    harm["onderdrukt"] = harm["aantal_jongeren"].isna()
    cols = [
        "gemeentecode",
        "gemeentenaam",
        "jaar",
        "vorm",
        "aantal_jongeren",
        "voorlopig",
        "onderdrukt",
        "onvolledig",
        "n_bronnen",
        "tabel",
    ]
    harm = harm[cols].sort_values(["jaar", "gemeentecode", "vorm"]).reset_index(drop=True)
    if not wide:
        return harm
    values = harm.pivot(index=["gemeentecode", "jaar"], columns="vorm", values="aantal_jongeren")
    values.columns.name = None
    flags = harm.groupby(["gemeentecode", "jaar"]).agg(
        gemeentenaam=("gemeentenaam", "first"),
        voorlopig=("voorlopig", "any"),
        onderdrukt=("onderdrukt", "any"),
        onvolledig=("onvolledig", "any"),
        n_bronnen=("n_bronnen", "max"),
        tabel=("tabel", "first"),
    )
    res = flags[["gemeentenaam"]].join(values).join(flags.drop(columns="gemeentenaam"))
    return res.reset_index()
