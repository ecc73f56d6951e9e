"""Loading and validating trajectory and claims tables (iJw-shaped).

Reading, header matching, gemeentecodes, dates and numbers go through the one input
layer (:mod:`jeugdlib.io`, schemas in :mod:`jeugdlib.trajectories._schema`); this
module adds the checks specific to iJw data (code lists, end before start, future
dates, duplicates, BSN-like ids) and the CBS merge rule. All checks are vectorised:
columns with few distinct values are factorised and only their distinct values are
normalised and parsed.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import (
    Schema,
    mask_headers,
    mask_value,
    normalise_code,
    parse_dates,
    parse_numeric,
    read_table,
    rows_text,
)
from jeugdlib.io.identifiers import bsn_like
from jeugdlib.trajectories._chain import OVERLAP_ONLY, RUNNING_DAY, chain_ids, chain_order, new_key_mask
from jeugdlib.trajectories._codes import (
    OPTIONAL_TRAJECTORY_COLUMNS,
    _codes,
)
from jeugdlib.trajectories._data import LoadedTable, LoadReport, ValidationReport, synthetic_attrs
from jeugdlib.trajectories._pseudonym import PseudonymKey, _resolve_key, pseudonymise
from jeugdlib.trajectories._schema import CLAIMS_SCHEMA, TRAJECTORY_SCHEMA
from jeugdlib.trajectories._simulate import SimulatedTrajectories

__all__ = [
    "LoadReport",
    "LoadedTable",
    "ValidationReport",
    "load_claims",
    "load_trajectories",
    "read_claims",
    "read_trajectories",
    "looks_like_bsn",
    "merge_overlapping",
    "validation_report",
]

#: Day number used for "still running" when comparing end dates as integers.
_RUNNING = RUNNING_DAY


def validation_report(data: LoadedTable | pd.DataFrame) -> LoadReport:
    """The :class:`LoadReport` of a table loaded with :func:`read_trajectories` / :func:`read_claims`."""
    if isinstance(data, LoadedTable):
        return data.report
    raise DataError(
        "a plain DataFrame carries no load report; load it with read_trajectories/read_claims, which "
        "return a LoadedTable with .report (load_trajectories/load_claims return only the table)."
    )


# --------------------------------------------------------------------------- helpers


def _read_with_schema(
    path: str | Path | pd.DataFrame, source: str | None, sheet_name: str | int, schema: Schema
) -> tuple[pd.DataFrame, str]:
    """Read with :func:`jeugdlib.io.read_table`, match the headers to ``schema``, refuse a table without rows."""
    # only the trajectory table's client_id may hold identifiers (checked and pseudonymised by the loader)
    identifiers = ("client_id",) if schema is TRAJECTORY_SCHEMA else ()
    raw, label = read_table(path, sheet_name=sheet_name, source=source, identifiers=identifiers)
    raw = schema.rename(raw, label)
    missing = [c.name for c in schema.columns if c.required and c.name not in raw.columns]
    if missing:
        raise DataError(
            f"{label}: column(s) {missing} missing from the {schema.name}; found {mask_headers(raw.columns)}. "
            f"Rename your columns to the jeugdlib schema (headers are matched ignoring case, spaces and "
            f"underscores; see jeugdlib.trajectories.{'TRAJECTORY' if schema is TRAJECTORY_SCHEMA else 'CLAIMS'}"
            "_SCHEMA.describe()).",
            source=label,
            column=missing[0],
        )
    if len(raw) < schema.min_rows:
        raise DataError(
            f"{label}: the {schema.name} has a header but no data rows. Export the table again with its rows "
            "(an extract without any assignment or claim cannot be analysed).",
            source=label,
        )
    return raw, label


def _parsed(
    problems: list[str], label: str, func: Callable[[], pd.Series], fallback: Callable[[], pd.Series]
) -> pd.Series:
    """Run an input-layer parser; on a :class:`DataError` note the problem and go on with ``fallback()``.

    The loaders report every problem of a table in one message, so a refused column does not
    stop the other checks.
    """
    try:
        return func()
    except DataError as exc:
        problems.append(str(exc).removeprefix(f"{label}: "))
        return fallback()


def _nothing(raw: pd.DataFrame) -> pd.Series:
    return pd.Series([None] * len(raw), index=raw.index, dtype=object)


def _dates(
    raw: pd.DataFrame, col: str, label: str, date_format: str | None, problems: list[str]
) -> tuple[pd.Series, bool]:
    """Strict dates (:func:`jeugdlib.io.parse_dates`); (dates, parsed) with all-NaT when refused."""
    n = len(problems)
    out = _parsed(
        problems,
        label,
        lambda: parse_dates(raw[col], column=col, source=label, format=date_format),
        lambda: pd.Series(np.full(len(raw), np.datetime64("NaT", "ns")), index=raw.index),
    )
    if len(problems) > n:  # the loaders call the parser's format= argument date_format=
        problems[-1] = problems[-1].replace("pass format=", "pass date_format=")
    return out.dt.normalize().astype("datetime64[ns]"), len(problems) == n


def _numbers(raw: pd.DataFrame, col: str, label: str, problems: list[str]) -> pd.Series:
    """Numbers (:func:`jeugdlib.io.parse_numeric`: decimal comma, no mixed separators); NaN when refused."""
    return _parsed(
        problems,
        label,
        lambda: parse_numeric(raw[col], column=col, source=label).astype(float),
        lambda: pd.Series(np.full(len(raw), np.nan), index=raw.index),
    )


def _norm_scalar(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def _factor_map(s: pd.Series, fn: Callable[[Any], Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply ``fn`` to the distinct values of ``s``; return (codes, mapped uniques, raw uniques)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    mapped = np.array([fn(u) for u in uniques], dtype=object)
    return codes, mapped, uniques


def _take(mapped: np.ndarray, codes: np.ndarray) -> np.ndarray:
    out = np.empty(len(codes), dtype=object)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    out[~ok] = None
    return out


_WHOLE_FLOAT_TEXT = re.compile(r"[0-9]+\.0+", re.ASCII)
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _code_col(s: pd.Series, codelijst: str, label: str, problems: list[str], col: str) -> pd.Categorical:
    """Normalise a code column (``4`` -> ``"04"``) and check it against its code list."""
    known = _codes(codelijst)

    def norm(v: Any) -> str | None:
        t = _norm_scalar(v)
        if t is not None and _WHOLE_FLOAT_TEXT.fullmatch(t):  # 45.0: a code saved as a float (as normalise_code)
            t = t.split(".", 1)[0]
        if t is not None and _ASCII_DIGITS.fullmatch(t) and len(t) < 2:
            t = t.zfill(2)
        return t

    codes, mapped, _ = _factor_map(s, norm)
    bad_u = np.array([m is not None and m not in known for m in mapped], dtype=bool)
    if bad_u.any():
        bad_rows = s.index[(codes >= 0) & bad_u[np.maximum(codes, 0)]]
        vals = sorted({str(m) for m, b in zip(mapped, bad_u, strict=True) if b})[:10]
        shown = "[" + ", ".join(mask_value(v) for v in vals) + "]"  # BSN-like values never printed
        problems.append(
            f"column {col!r}: {len(bad_rows)} row(s) with codes that are not in the {codelijst} code list "
            f"(unknown codes {shown}; {rows_text(bad_rows, label)}). Valid codes: {list(known)} "
            "(see jeugdlib.trajectories.codelists()). Recode them, or set them empty if unknown."
        )
    mapped = np.where(bad_u, None, mapped) if len(mapped) else mapped
    return pd.Categorical(_take(mapped, codes), categories=list(known))


def _id_col(s: pd.Series) -> pd.Series:
    """Identifier column as stripped ``str`` (numbers without ``.0``), missing as ``None``."""
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        t = s.astype("string").str.strip()
        t = t.mask(t == "")
        return t.astype(object).where(t.notna(), None)
    codes, mapped, _ = _factor_map(s, _norm_scalar)
    return pd.Series(_take(mapped, codes), index=s.index, dtype=object)


def _label_col(s: pd.Series) -> pd.Categorical:
    codes, mapped, _ = _factor_map(s, _norm_scalar)
    return pd.Categorical(_take(mapped, codes))


def _days(s: pd.Series) -> np.ndarray:
    """Dates as int64 day numbers since 1970-01-01 (NaT -> _RUNNING)."""
    v = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = v.astype(np.int64)
    out[np.isnat(v)] = _RUNNING
    return out


def looks_like_bsn(values: pd.Series | Iterable[Any]) -> np.ndarray:
    """Flag values that look like a Dutch citizen service number (BSN).

    A value is BSN-like when it is a number of 8 or 9 digits (8: a BSN whose leading
    zero was lost), written plain, as an integer, in groups (``123-45-678``,
    ``123.456.782``, ``123 456 782``, ``123_456_782``) or after ``BSN``, that passes the
    *elfproef* (11-test): ``9*d1 + 8*d2 + ... + 2*d8 - 1*d9`` is divisible by 11 and not
    0. Dates are not BSN-like. Same as :func:`jeugdlib.io.identifiers.bsn_like`.

    Parameters
    ----------
    values:
        Identifiers (strings or integers).

    Returns
    -------
    ndarray of bool
    """
    return bsn_like(values)


def _as_of(as_of: str | dt.date | pd.Timestamp | None) -> pd.Timestamp:
    return pd.Timestamp.today().normalize() if as_of is None else pd.Timestamp(as_of).normalize()


def _raise(problems: list[str], source: str, table: str) -> None:
    if problems:
        lines = "\n".join(f"- {p}" for p in problems)
        raise DataError(f"{source}: {len(problems)} problem(s) in the {table} table:\n{lines}", source=source)


def _required_values(df: pd.DataFrame, cols: Iterable[str], problems: list[str], label: str, raw: pd.DataFrame) -> None:
    """Report rows whose cell is empty in the input (a refused value was reported already: one error per defect)."""
    for c in cols:
        miss = df[c].isna().to_numpy(dtype=bool)
        if miss.any():
            given = raw[c].to_numpy(dtype=object)[miss]
            miss[miss] = [v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                          or (isinstance(v, str) and not v.strip()) for v in given]  # fmt: skip
        if miss.any():
            problems.append(
                f"column {c!r}: {int(miss.sum())} row(s) without a value ({rows_text(df.index[miss], label)}). "
                "Fill them in at the source or drop these rows."
            )


# --------------------------------------------------------------------------- merge rule


def merge_overlapping(df: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Merge overlapping trajectories of the same form at the same provider (CBS rule).

    Rows of one ``client_id``, ``aanbieder`` and ``productcategorie`` whose
    periods overlap (share at least one day; ``einddatum`` is the last day of
    care, empty = running) become one trajectory: the earliest row is kept
    with ``begindatum`` the earliest start, ``einddatum`` the latest end
    (empty if any is running) and ``reden_beeindiging`` of the row that ended
    last. Adjacent rows (the next starts the day after the previous ends) are
    *not* merged: they are successive assignments (see :func:`extensions`).

    Returns
    -------
    (DataFrame, int, int)
        The table with columns ``n_samengevoegd`` (rows merged into the row, 1
        if none) and ``samengevoegd_uit`` (``;``-separated toewijzingnummers
        merged into it), the number of rows absorbed and the number of merged
        trajectories.
    """
    df = df.reset_index(drop=True)  # labels below are positions: duplicate input labels are safe
    n = len(df)
    out = df.copy()
    out["n_samengevoegd"] = np.ones(n, dtype=np.int64)
    out["samengevoegd_uit"] = pd.Series([None] * n, index=df.index, dtype=object)
    if n == 0:
        return out, 0, 0
    client = pd.factorize(df["client_id"])[0].astype(np.int64)
    prov = pd.factorize(df["aanbieder"])[0].astype(np.int64)
    cat = pd.factorize(df["productcategorie"])[0].astype(np.int64)
    b = _days(df["begindatum"])
    e = _days(df["einddatum"])
    order = chain_order((client, prov, cat), b, e)
    bs, es = b[order], e[order]
    tid = chain_ids(new_key_mask(client[order], prov[order], cat[order]), bs, es, max_gap_days=OVERLAP_ONLY)
    sizes = np.bincount(tid)
    multi = sizes[tid] > 1
    if not multi.any():
        return out, 0, 0
    n_traj = int((sizes > 1).sum())
    n_absorbed = int(n - len(sizes))
    # work on the rows that take part in a merge (usually few)
    pos = order[multi]
    sub = df.iloc[pos]
    t = tid[multi]
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    e_sub = es[multi]
    max_e = np.maximum.reduceat(e_sub, starts)
    # row that ends last within each merged trajectory: stable sort by (t, e), take the last
    last_idx = np.lexsort((e_sub, t))[np.r_[starts[1:], len(t)] - 1]
    keep = pos[starts]
    keep_labels = df.index[keep]
    end_dates = np.where(max_e == _RUNNING, np.datetime64("NaT"), max_e.astype("datetime64[D]")).astype(
        "datetime64[ns]"
    )
    out.loc[keep_labels, "einddatum"] = end_dates
    rb = sub["reden_beeindiging"].to_numpy(dtype=object)[last_idx]
    rb = np.where(max_e == _RUNNING, None, rb)
    out.loc[keep_labels, "reden_beeindiging"] = pd.Categorical(rb, categories=out["reden_beeindiging"].cat.categories)
    out.loc[keep_labels, "n_samengevoegd"] = np.diff(np.r_[starts, len(t)])
    first = np.zeros(len(t), dtype=bool)
    first[starts] = True
    others = pd.Series(sub["toewijzingnummer"].to_numpy(dtype=object)[~first]).groupby(t[~first], sort=True)
    joined = others.agg(";".join)
    out.loc[keep_labels, "samengevoegd_uit"] = joined.to_numpy(dtype=object)
    drop = np.ones(n, dtype=bool)
    drop[pos] = False
    drop[keep] = True
    return out.loc[drop], n_absorbed, n_traj


# --------------------------------------------------------------------------- loaders


def load_trajectories(path: Any, **kwargs: Any) -> pd.DataFrame:
    """Load and validate a trajectory table; return only the table.

    Same as ``read_trajectories(path, **kwargs).table``; see :func:`read_trajectories` for
    the parameters. Use :func:`read_trajectories` to keep the :class:`LoadReport` and the
    observation window (``as_of``, ``observed_from``) that the analyses use: a DataFrame
    does not carry them (jeugdlib no longer hides them in ``DataFrame.attrs``), so with
    ``as_of``/``observed_from`` (or a :class:`SimulatedTrajectories`) a
    :class:`jeugdlib.JeugdlibWarning` says so.
    """
    loaded = read_trajectories(path, **kwargs)
    if loaded.as_of is not None or loaded.observed_from is not None:
        warnings.warn(
            "load_trajectories returns only the table: as_of/observed_from are not kept with it, so "
            "durations/flows/care_paths would fall back to the latest date and no left truncation. "
            "Use read_trajectories(...) (a LoadedTable the analyses accept), or pass as_of=/observed_from= "
            "to each analysis.",
            JeugdlibWarning,
            stacklevel=2,
        )
    return loaded.table


def read_trajectories(
    path: str | Path | pd.DataFrame | SimulatedTrajectories | LoadedTable,
    *,
    as_of: str | dt.date | pd.Timestamp | None = None,
    observed_from: str | dt.date | pd.Timestamp | None = None,
    pseudonymise_bsn: bool = False,
    pseudonym_key: PseudonymKey | str | Path | None = None,
    salt: str | None = None,
    future_einddatum: Literal["error", "running"] = "error",
    drop_duplicates: bool = False,
    merge: bool = True,
    date_format: str | None = None,
    sheet_name: str | int = 0,
    source: str | None = None,
) -> LoadedTable:
    """Load and validate a trajectory table (one row per assignment / trajectory).

    Parameters
    ----------
    path:
        CSV (``,`` or ``;``), Excel, parquet file, or a DataFrame. Columns:
        ``client_id`` (a pseudonym, never a BSN), ``gemeentecode`` (``GM`` + 4
        digits; ``363`` is read as ``GM0363``), ``aanbieder``,
        ``toewijzingnummer``, ``productcategorie`` (JZ020), ``productcode``,
        ``begindatum``, ``einddatum`` (last day of care; empty = running),
        and optionally ``reden_beeindiging`` (JZ588), ``reden_wijziging``
        (JZ002) and ``verwijzer`` (COD327). Single-digit codes are padded
        (``4`` -> ``"04"``). A :class:`SimulatedTrajectories` is read as its
        trajectory table, with its ``as_of`` and ``observed_from`` as defaults.
    as_of:
        Reference date for "in the future" (default: today). When given it is
        also kept as ``LoadedTable.as_of`` and used by the analyses as the
        censoring date.
    observed_from:
        First date covered by the extract, when it holds only trajectories
        active on or after that date. Kept as ``LoadedTable.observed_from``;
        :func:`durations` then treats earlier starts as delayed entries (left
        truncation) so that long trajectories are not over-represented.
    pseudonymise_bsn:
        ``client_id`` values that look like a BSN (any common format, see
        :func:`looks_like_bsn`) are refused unless this is ``True``; then every
        ``client_id`` is replaced by its keyed pseudonym (HMAC-SHA-256, see
        :func:`jeugdlib.trajectories.pseudonymise`; BSNs keyed on their 9 digits, so
        ``123-45-678`` and ``12345678`` are one client). This is pseudonymisation,
        not anonymisation: the table stays personal data under the AVG/GDPR.
    pseudonym_key:
        The secret key: a :class:`PseudonymKey` or the path of a key file
        (:func:`jeugdlib.trajectories.new_pseudonym_key`). Default: the key file in
        ``$JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND`` or the key in
        ``$JEUGDLIB_PSEUDONIEM_SLEUTEL``. Never put a key on a command line.
    salt:
        No longer accepted (a salted SHA-256 of a BSN can be inverted by hashing all
        valid BSNs); passing it raises a :class:`DataError` explaining the key.
    future_einddatum:
        ``"error"`` (default) refuses an ``einddatum`` after ``as_of``;
        ``"running"`` treats such a (planned) end date as running (empty).
    drop_duplicates:
        Drop rows that are exact copies of another row instead of refusing
        them. Rows sharing ``gemeentecode`` + ``toewijzingnummer`` but
        differing otherwise are always refused.
    merge:
        Merge overlapping trajectories of the same form at the same provider
        (CBS rule; see :func:`merge_overlapping`). The number merged is in
        the :class:`LoadReport`.
    date_format:
        Explicit ``strptime`` format of the date columns (e.g. ``"%d-%m-%Y"``) for a
        file that does not use ISO dates; by default only ``YYYY-MM-DD`` is accepted
        (:func:`jeugdlib.io.parse_dates`: no guessing of day/month order).
    sheet_name:
        Sheet of an Excel/ODS file.
    source:
        Name for error messages (default: the file name).

    Returns
    -------
    LoadedTable
        ``table``: the validated table (codes as categoricals, dates as
        ``datetime64[ns]``, plus ``n_samengevoegd`` and ``samengevoegd_uit``);
        ``report``: the :class:`LoadReport`; ``as_of`` and ``observed_from`` as
        given (``None`` otherwise). The table keeps only the SYNTHETIC label of
        the input's ``attrs`` (``synthetic``, ``description``).

    Raises
    ------
    jeugdlib.DataError
        Missing columns, missing required values, unparseable dates, an end
        before the start, dates in the future, unknown codes, duplicates or
        BSN-like identifiers; the message names the source, the column, the
        rows and what to do. BSN values themselves are never printed.
    """
    if isinstance(path, SimulatedTrajectories):
        as_of = path.as_of if as_of is None else as_of
        observed_from = path.observed_from if observed_from is None else observed_from
        path = path.trajectories
    elif isinstance(path, LoadedTable):  # e.g. `traj, claims = simulate_trajectories(...)`: keep its window
        as_of = path.as_of if as_of is None else as_of
        observed_from = path.observed_from if observed_from is None else observed_from
        path = path.table
    if salt is not None:
        raise DataError(
            f"{source or '<input>'}: salt= is no longer accepted: a salted SHA-256 of a BSN is undone by hashing "
            "all 90 million valid BSNs. Pseudonymisation now uses a secret key (HMAC-SHA-256): create one once "
            "with jeugdlib.trajectories.new_pseudonym_key('<key file>'), keep it apart from the data, and pass "
            "pseudonym_key='<key file>' or set JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND. Pseudonyms made with the old "
            "salt cannot be linked to the new ones: pseudonymise the earlier extracts again with the key.",
            source=source,
        )
    key = _resolve_key(pseudonym_key) if pseudonymise_bsn else None  # a missing or weak key fails before reading
    raw, label = _read_with_schema(path, source, sheet_name, TRAJECTORY_SCHEMA)
    ref = _as_of(as_of)
    report = LoadReport(source=label, table="trajectories", n_rows_in=len(raw), as_of=ref)
    problems: list[str] = []
    df = pd.DataFrame(index=raw.index)
    df["client_id"] = _id_col(raw["client_id"])
    df["gemeentecode"] = pd.Categorical(
        _parsed(
            problems,
            label,
            lambda: normalise_code(raw["gemeentecode"], "gemeente", column="gemeentecode", source=label),
            lambda: _nothing(raw),
        )
    )
    df["aanbieder"] = _label_col(raw["aanbieder"])
    df["toewijzingnummer"] = _id_col(raw["toewijzingnummer"])
    df["productcategorie"] = _code_col(raw["productcategorie"], "productcategorie", label, problems, "productcategorie")
    df["productcode"] = _label_col(raw["productcode"])
    df["begindatum"], b_ok = _dates(raw, "begindatum", label, date_format, problems)
    df["einddatum"], _ = _dates(raw, "einddatum", label, date_format, problems)
    for c in OPTIONAL_TRAJECTORY_COLUMNS:
        src = raw[c] if c in raw.columns else pd.Series([None] * len(raw), index=raw.index, dtype=object)
        df[c] = _code_col(src, c, label, problems, c)
    _required_values(
        df, ["client_id", "gemeentecode", "aanbieder", "toewijzingnummer", "productcategorie"], problems, label, raw
    )
    # begindatum missing (but not unparseable: that was reported above) is its own problem
    b_missing = df["begindatum"].isna() & b_ok
    if b_missing.any():
        problems.append(
            f"column 'begindatum': {int(b_missing.sum())} row(s) without a start date ("
            f"{rows_text(df.index[b_missing], label)}). Every trajectory needs a begindatum."
        )
    b, e = df["begindatum"], df["einddatum"]
    before = e.notna() & b.notna() & (e < b)
    if before.any():
        problems.append(
            f"column 'einddatum': {int(before.sum())} row(s) end before they begin ("
            f"{rows_text(df.index[before], label)}). Correct the dates at the source or drop these rows."
        )
    fut_b = b.notna() & (b > ref)
    if fut_b.any():
        problems.append(
            f"column 'begindatum': {int(fut_b.sum())} row(s) start after {ref.date()} (in the future; "
            f"{rows_text(df.index[fut_b], label)}). Check the dates, or pass as_of= the extraction date of the data."
        )
    fut_e = e.notna() & (e > ref)
    if fut_e.any():
        if future_einddatum == "running":
            df.loc[fut_e, "einddatum"] = pd.NaT
            df.loc[fut_e, "reden_beeindiging"] = None
            report.notes.append(f"{int(fut_e.sum())} future einddatum values treated as running")
        else:
            problems.append(
                f"column 'einddatum': {int(fut_e.sum())} row(s) end after {ref.date()} (in the future; "
                f"{rows_text(df.index[fut_e], label)}). A planned end date is not an end of care: leave einddatum "
                "empty for running trajectories, or pass future_einddatum='running'."
            )
    # BSN-like identifiers
    bsn = looks_like_bsn(raw["client_id"])
    if key is not None:
        df["client_id"] = pseudonymise(df["client_id"], key)
        report.n_bsn_pseudonymised = int(bsn.sum())
        report.notes.append(f"client_id pseudonymised with key {key.fingerprint} (HMAC-SHA-256)")
    elif bsn.any():
        problems.append(
            f"column 'client_id': {int(bsn.sum())} value(s) look like a BSN (8-9 digits passing the "
            f"11-test; {rows_text(raw.index[bsn], label)}; values not shown). jeugdlib does not process BSNs: "
            "pseudonymise them before loading, or pass pseudonymise_bsn=True with a secret key "
            "(pseudonym_key='<key file>' from jeugdlib.trajectories.new_pseudonym_key, or "
            "$JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND) to replace every client_id by its keyed pseudonym."
        )
    # duplicates
    dup_exact = df.duplicated(keep="first")
    if dup_exact.any():
        if drop_duplicates:
            report.n_duplicates_dropped = int(dup_exact.sum())
            df = df.loc[~dup_exact]
        else:
            problems.append(
                f"{int(dup_exact.sum())} row(s) are exact duplicates of an earlier row ("
                f"{rows_text(df.index[dup_exact], label)}). Remove them, or pass drop_duplicates=True."
            )
    distinct = df.loc[~df.duplicated(keep="first")] if dup_exact.any() else df
    dup_key = distinct.duplicated(["gemeentecode", "toewijzingnummer"], keep=False)
    if dup_key.any():
        problems.append(
            f"column 'toewijzingnummer': {int(dup_key.sum())} row(s) share a toewijzingnummer within one "
            f"gemeente but differ in other columns ({rows_text(distinct.index[dup_key], label)}). Keep one "
            "version per assignment (usually the latest JW301 message)."
        )
    _raise(problems, label, "trajectory")
    n_absorbed = n_traj = 0
    if merge:
        df, n_absorbed, n_traj = merge_overlapping(df)
    else:
        df = df.assign(n_samengevoegd=np.ones(len(df), dtype=np.int64), samengevoegd_uit=None)
    report.n_merged_rows = n_absorbed
    report.n_merged_trajectories = n_traj
    report.n_rows_out = len(df)
    report.n_running = int(df["einddatum"].isna().sum())
    if n_absorbed:
        report.notes.append(f"{n_absorbed} overlapping rows merged into {n_traj} trajectories (CBS rule)")
    df.attrs = synthetic_attrs(raw)
    return LoadedTable(
        df,
        report,
        as_of=None if as_of is None else ref,
        observed_from=None if observed_from is None else pd.Timestamp(observed_from).normalize(),
    )


def load_claims(path: Any, **kwargs: Any) -> pd.DataFrame:
    """Load and validate a claims table; return only the table.

    Same as ``read_claims(path, **kwargs).table``; see :func:`read_claims` for the parameters.
    """
    return read_claims(path, **kwargs).table


def read_claims(
    path: str | Path | pd.DataFrame | LoadedTable,
    *,
    as_of: str | dt.date | pd.Timestamp | None = None,
    drop_duplicates: bool = False,
    date_format: str | None = None,
    sheet_name: str | int = 0,
    source: str | None = None,
) -> LoadedTable:
    """Load and validate a claims table (JW323 declaratie lines).

    Parameters
    ----------
    path:
        CSV, Excel, parquet file or DataFrame with ``toewijzingnummer``,
        ``periode_start``, ``periode_eind``, ``volume``, ``eenheid`` (WJ756),
        ``tarief`` (euro per unit) and ``bedrag`` (euro; negative for credit
        lines).
    as_of:
        Reference date for "in the future" (default: today).
    drop_duplicates:
        Drop exact duplicate lines instead of refusing them.
    date_format:
        Explicit format of the date columns (default: ISO ``YYYY-MM-DD`` only).
    sheet_name:
        Sheet of an Excel/ODS file.
    source:
        Name for error messages.

    Returns
    -------
    LoadedTable
        ``table``: the validated claims; ``report``: the :class:`LoadReport`.
        A :class:`jeugdlib.JeugdlibWarning` is issued when ``bedrag`` differs
        from ``volume * tarief`` by more than one cent.

    Raises
    ------
    jeugdlib.DataError
        Missing columns or values, unparseable dates or numbers, a period
        ending before it starts, periods in the future, unknown units,
        duplicates.
    """
    if isinstance(path, LoadedTable):  # e.g. the claims of `traj, claims = simulate_trajectories(...)`
        as_of = path.as_of if as_of is None else as_of
        path = path.table
    raw, label = _read_with_schema(path, source, sheet_name, CLAIMS_SCHEMA)
    ref = _as_of(as_of)
    report = LoadReport(source=label, table="claims", n_rows_in=len(raw), as_of=ref)
    problems: list[str] = []
    df = pd.DataFrame(index=raw.index)
    df["toewijzingnummer"] = _id_col(raw["toewijzingnummer"])
    df["periode_start"], ps_ok = _dates(raw, "periode_start", label, date_format, problems)
    df["periode_eind"], pe_ok = _dates(raw, "periode_eind", label, date_format, problems)
    df["volume"] = _numbers(raw, "volume", label, problems)
    df["eenheid"] = _code_col(raw["eenheid"], "eenheid", label, problems, "eenheid")
    df["tarief"] = _numbers(raw, "tarief", label, problems)
    n_problems = len(problems)
    df["bedrag"] = _numbers(raw, "bedrag", label, problems)
    bedrag_ok = len(problems) == n_problems  # an unparseable bedrag is reported once, not also as missing
    for c in ("toewijzingnummer", "bedrag") if bedrag_ok else ("toewijzingnummer",):
        miss = df[c].isna()
        if miss.any():
            problems.append(
                f"column {c!r}: {int(miss.sum())} row(s) without a value ({rows_text(df.index[miss], label)}). "
                "Every claim line needs a toewijzingnummer and a bedrag."
            )
    for c, parsed_ok in (("periode_start", ps_ok), ("periode_eind", pe_ok)):
        miss = df[c].isna() & parsed_ok
        if miss.any():
            where = rows_text(df.index[miss], label)
            problems.append(f"column {c!r}: {int(miss.sum())} row(s) without a date ({where}).")
    ps, pe = df["periode_start"], df["periode_eind"]
    before = ps.notna() & pe.notna() & (pe < ps)
    if before.any():
        problems.append(
            f"column 'periode_eind': {int(before.sum())} row(s) end before they begin ("
            f"{rows_text(df.index[before], label)}). Correct the periods at the source."
        )
    fut = (ps > ref) | (pe > ref)
    if fut.any():
        problems.append(
            f"columns 'periode_start'/'periode_eind': {int(fut.sum())} row(s) lie after {ref.date()} (in the "
            f"future; {rows_text(df.index[fut], label)}). Claims are for care delivered; check the dates or as_of=."
        )
    dup = df.duplicated(keep="first")
    if dup.any():
        if drop_duplicates:
            report.n_duplicates_dropped = int(dup.sum())
            df = df.loc[~dup]
        else:
            problems.append(
                f"{int(dup.sum())} row(s) are exact duplicates of an earlier claim line ("
                f"{rows_text(df.index[dup], label)}). Remove them, or pass drop_duplicates=True."
            )
    _raise(problems, label, "claims")
    expected = df["volume"] * df["tarief"]
    off = expected.notna() & ((expected - df["bedrag"]).abs() > 0.01 + 1e-9)
    if off.any():
        warnings.warn(
            f"{label}: column 'bedrag': {int(off.sum())} row(s) differ from volume * tarief by more than "
            f"one cent ({rows_text(df.index[off], label)}). bedrag is used as is.",
            JeugdlibWarning,
            stacklevel=2,
        )
    report.n_rows_out = len(df)
    df.attrs = synthetic_attrs(raw)
    return LoadedTable(df, report, as_of=None if as_of is None else ref)
