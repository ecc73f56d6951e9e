"""Reading CBS metadata: keys without positional suffix, titles, missing-value tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io import MISSING_TOKENS

_SUFFIX_RE = re.compile(r"_\d+$")
_MISSING_TOKENS = {*MISSING_TOKENS, "?"}  # the input layer's CBS symbols, and StatLine's "?"


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


@dataclass(frozen=True)
class _Column:
    keys: tuple[str, ...]  # DataProperties keys without positional suffix
    titles: tuple[str, ...]  # normalised titles, exact match
    description: str


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
