"""Youth care per gemeente per year (84134NED, 85099NED), on one gemeente boundary year."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from jeugdlib.data.cbs._client import _default_client, _fetch_or_full, fetch_meta
from jeugdlib.data.cbs._meta import (
    _Column,
    _norm_title,
    _require_props,
    _resolve,
    _strip_suffix,
    _title_to_key,
    _to_number,
)
from jeugdlib.data.cbs.mergers import harmonise_gemeenten
from jeugdlib.errors import DataError
from jeugdlib.io import normalise_code

__all__ = ["JEUGDZORG_TABLES", "VORMEN", "jeugdzorg_gemeenten"]

#: Youth care per gemeente: table id -> (first year, last year or None if open).
JEUGDZORG_TABLES: dict[str, tuple[int, int | None]] = {
    "84134NED": (2015, 2020),
    "85099NED": (2021, None),
}


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
    (
        "jongeren met jeugdzorg",
        "jongeren met jeugdzorg in natura",
        "totaal jongeren met jeugdzorg in natura",
        "jongeren",
    ),
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
    status = {str(k).strip(): str(s) for k, s in zip(periods["Key"], periods["Status"])} if "Status" in periods else {}
    ptitle = {str(k).strip(): str(t).strip() for k, t in zip(periods["Key"], periods["Title"])}
    rtitle = {str(k).strip(): str(t).strip() for k, t in zip(regions["Key"], regions["Title"])}

    pkeys = [k for k in ptitle if k[:4].isdigit() and int(k[:4]) in years and "JJ" in k]
    if not pkeys:
        raise DataError(f"CBS table {table_id} has no yearly period for {years}; available: {sorted(ptitle)}.")
    filt = f"startswith({geo_key},'GM') and (" + " or ".join(f"{time_key} eq '{k}'" for k in pkeys) + ")"
    raw, _ = _fetch_or_full(table_id, [geo_key, time_key, vorm_key, measure], filt, cache_dir=cache_dir, client=client)
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
    out["gemeentecode"] = normalise_code(
        out["gemeentecode"], "gemeente", column=geo_key, source=f"CBS table {table_id}"
    )
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
