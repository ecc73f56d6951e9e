"""Live CBS StatLine access through :mod:`cbsodata`, with an on-disk cache.

Everything that talks to CBS goes through :func:`fetch` (data) and
:func:`fetch_meta` (metadata). Both cache their result as parquet files under
a cache directory, so that a second call for the same query needs no network
and a machine without network can work from a copied cache.

The cache location and layout are described in :mod:`jeugdlib.data.cbs.cache`
(``cache_dir=``, else ``$JEUGDLIB_CACHE_DIR``, else the user cache directory).

On top of that the module offers harmonised readers:

- :func:`kwb` — the yearly *Kerncijfers wijken en buurten* tables (2017–2025)
  with stable, readable column names resolved from each table's metadata;
- :func:`jeugdzorg_gemeenten` — youth care per gemeente per year (84134NED,
  85099NED), harmonised to one gemeente boundary year;
- :func:`successor_map` and :func:`harmonise_gemeenten` — gemeente mergers
  from the embedded ``gemeente_herindelingen.csv``;
- :func:`wijk_panel` — a long wijk x year panel of the KWB tables that marks each
  boundary change, so trends are never computed across a redrawn wijk.

Notes
-----
``cbsodata.get_data`` replaces the keys of dimension columns (``RegioS``,
``Perioden``, ``WijkenEnBuurten``, ...) by their titles (``"Groningen
(gemeente)"``, ``"2022*"``). The readers therefore translate titles back to
keys with the dimension's metadata (``get_meta(table, "RegioS")``), and accept
keys as well. Server-side ``filters`` always act on keys.

Layout of the package (one responsibility per module):

- :mod:`~jeugdlib.data.cbs.cache` — cache location, keys, atomic writes, listing;
- :mod:`~jeugdlib.data.cbs._client` — :func:`fetch`, :func:`fetch_meta`, :func:`prefetch`
  (cbsodata calls, offline handling);
- :mod:`~jeugdlib.data.cbs._meta` — metadata helpers shared by the readers;
- :mod:`~jeugdlib.data.cbs.kwb`, :mod:`~jeugdlib.data.cbs.jeugdzorg`,
  :mod:`~jeugdlib.data.cbs.mergers`, :mod:`~jeugdlib.data.cbs.panel` — the harmonised readers.
"""

from __future__ import annotations

from jeugdlib.data.cbs._client import fetch, fetch_meta, prefetch
from jeugdlib.data.cbs.cache import cache_key, cache_path, default_cache_dir, list_cache
from jeugdlib.data.cbs.jeugdzorg import JEUGDZORG_TABLES, VORMEN, jeugdzorg_gemeenten
from jeugdlib.data.cbs.kwb import KWB_COLUMNS, KWB_TABLES, kwb
from jeugdlib.data.cbs.mergers import harmonise_gemeenten, herindelingen, successor_map
from jeugdlib.data.cbs.panel import wijk_panel

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
    "wijk_panel",
]
