"""Loading and validating trajectory and claims tables (iJw-shaped).

All checks are vectorised: columns with few distinct values (codes, dates) are
factorised and only their distinct values are normalised and parsed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from jeugdlib.data.validation import format_items as _rows
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.trajectories._chain import OVERLAP_ONLY, RUNNING_DAY, chain_ids, chain_order, new_key_mask
from jeugdlib.trajectories._codes import (
    CLAIM_COLUMNS,
    OPTIONAL_TRAJECTORY_COLUMNS,
    TRAJECTORY_COLUMNS,
    _codes,
)
from jeugdlib.trajectories._data import LoadedTable, LoadReport, ValidationReport, synthetic_attrs
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
_ROWS_NOTE = "Rows are index labels; for a file they count data rows from 0 (CSV line = row + 2)."


def validation_report(data: LoadedTable | pd.DataFrame) -> LoadReport:
    """The :class:`LoadReport` of a table loaded with :func:`read_trajectories` / :func:`read_claims`."""
    if isinstance(data, LoadedTable):
        return data.report
    raise DataError(
        "a plain DataFrame carries no load report; load it with read_trajectories/read_claims, which "
        "return a LoadedTable with .report (load_trajectories/load_claims return only the table)."
    )


# --------------------------------------------------------------------------- helpers


def _read(path: str | Path | pd.DataFrame, source: str | None, read_kwargs: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Read CSV / Excel / parquet (or pass a DataFrame through)."""
    if isinstance(path, pd.DataFrame):
        return path, source or "<DataFrame>"
    p = Path(path)
    label = source or str(p)
    if not p.exists():
        raise DataError(f"{label}: file not found. Check the path (current directory: {Path.cwd()}).")
    suffix = p.suffix.lower()
    try:
        if suffix in {".csv", ".txt"}:
            kwargs = dict(read_kwargs)
            if "sep" not in kwargs and "delimiter" not in kwargs:
                with p.open(encoding=kwargs.get("encoding", "utf-8"), errors="replace") as fh:
                    header = fh.readline()
                kwargs["sep"] = ";" if header.count(";") > header.count(",") else ","
            df = _read_csv_as_text(p, kwargs)
        elif suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
            df = pd.read_excel(p, **read_kwargs)
        elif suffix in {".parquet", ".pq"}:
            df = pd.read_parquet(p, **read_kwargs)
        else:
            raise DataError(
                f"{label}: unsupported file type {suffix!r}; use CSV, Excel (.xlsx) or parquet, or pass a DataFrame."
            )
    except DataError:
        raise
    except Exception as exc:  # pragma: no cover - depends on the reader
        raise DataError(f"{label}: could not be read ({type(exc).__name__}: {exc}).") from exc
    return df, label


def _read_csv_as_text(p: Path, kwargs: dict[str, Any]) -> pd.DataFrame:
    """Read every CSV column as text (codes keep leading zeros); pyarrow when possible."""
    simple = set(kwargs) <= {"sep", "delimiter", "encoding"}
    if simple:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        sep = kwargs.get("sep", kwargs.get("delimiter", ","))
        encoding = kwargs.get("encoding", "utf-8")
        cols = list(pd.read_csv(p, sep=sep, nrows=0, encoding=encoding).columns)
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in cols}, strings_can_be_null=True),
        )
        return table.to_pandas()
    kwargs = {"dtype": str, "keep_default_na": False, "na_values": [""], **kwargs}
    return pd.read_csv(p, **kwargs)


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


def _code_col(s: pd.Series, codelijst: str, source: str, problems: list[str], col: str) -> pd.Categorical:
    """Normalise a code column (``4`` -> ``"04"``) and check it against its code list."""
    known = _codes(codelijst)

    def norm(v: Any) -> str | None:
        t = _norm_scalar(v)
        if t is not None and t.isdigit() and len(t) < 2:
            t = t.zfill(2)
        return t

    codes, mapped, _ = _factor_map(s, norm)
    bad_u = np.array([m is not None and m not in known for m in mapped], dtype=bool)
    if bad_u.any():
        bad_rows = s.index[(codes >= 0) & bad_u[np.maximum(codes, 0)]]
        vals = sorted({str(m) for m, b in zip(mapped, bad_u, strict=True) if b})[:10]
        problems.append(
            f"column {col!r}: {len(bad_rows)} row(s) with codes that are not in the {codelijst} code list "
            f"(unknown codes {vals}; rows {_rows(bad_rows)}). Valid codes: {list(known)} "
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


def _parse_one_date(v: Any) -> pd.Timestamp | None:
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        return pd.Timestamp(v).normalize()
    t = _norm_scalar(v)
    if t is None:
        return None
    if t.endswith(" 00:00:00"):
        t = t[:-9]
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d"):
        try:
            return pd.Timestamp(dt.datetime.strptime(t, fmt))
        except ValueError:
            continue
    try:
        return pd.Timestamp(t).normalize()
    except (ValueError, TypeError):
        return pd.NaT  # unparseable (distinct from empty)


def _date_col(s: pd.Series, col: str, problems: list[str]) -> tuple[pd.Series, np.ndarray]:
    """Parse a date column (ISO, YYYYMMDD, DD-MM-YYYY, Excel dates); flag unparseable values.

    Returns the parsed dates and a mask of the rows that were empty (not unparseable).
    """
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        out = out.dt.normalize().astype("datetime64[ns]")
        return out, out.isna().to_numpy()
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    parsed = [_parse_one_date(u) for u in np.asarray(uniques, dtype=object)]
    bad_u = np.array([p is pd.NaT for p in parsed], dtype=bool)
    vals = np.array(
        [np.datetime64("NaT", "ns") if (p is None or p is pd.NaT) else p.to_datetime64() for p in parsed],
        dtype="datetime64[ns]",
    )
    out = np.full(len(s), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    ok = codes >= 0
    out[ok] = vals[codes[ok]]
    empty_u = np.array([p is None for p in parsed], dtype=bool)
    empty = ~ok | (ok & empty_u[np.maximum(codes, 0)])
    if bad_u.any():
        bad_rows = s.index[ok & bad_u[np.maximum(codes, 0)]]
        examples = [str(u) for u, b in zip(uniques, bad_u, strict=True) if b][:3]
        problems.append(
            f"column {col!r}: {len(bad_rows)} row(s) with unparseable dates (e.g. {examples}; rows "
            f"{_rows(bad_rows)}). Write dates as YYYY-MM-DD (also accepted: YYYYMMDD, DD-MM-YYYY)."
        )
    return pd.Series(out, index=s.index), empty


def _days(s: pd.Series) -> np.ndarray:
    """Dates as int64 day numbers since 1970-01-01 (NaT -> _RUNNING)."""
    v = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = v.astype(np.int64)
    out[np.isnat(v)] = _RUNNING
    return out


def looks_like_bsn(values: pd.Series | Iterable[Any]) -> np.ndarray:
    """Flag values that look like a Dutch citizen service number (BSN).

    A value is BSN-like when, after stripping, it consists of 8 or 9 digits
    (8 digits: a BSN whose leading zero was lost) and passes the *elfproef*
    (11-test): ``9*d1 + 8*d2 + ... + 2*d8 - 1*d9`` is divisible by 11 and not 0.

    Parameters
    ----------
    values:
        Identifiers (strings or integers).

    Returns
    -------
    ndarray of bool
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    u = pd.Series([_norm_scalar(x) for x in np.asarray(uniques, dtype=object)], dtype="string")
    cand = u.str.fullmatch(r"\d{8,9}").fillna(False).to_numpy(dtype=bool)
    flag_u = np.zeros(len(u), dtype=bool)
    if cand.any():
        padded = u[cand].str.zfill(9).to_numpy(dtype=str).astype("S9")
        digits = np.frombuffer(padded.tobytes(), dtype=np.uint8).reshape(-1, 9).astype(np.int64) - 48
        weights = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)
        total = digits @ weights
        flag_u[np.flatnonzero(cand)] = (total % 11 == 0) & (digits.sum(axis=1) > 0)
    out = np.zeros(len(s), dtype=bool)
    ok = codes >= 0
    out[ok] = flag_u[codes[ok]]
    return out


def _hash_ids(values: np.ndarray, salt: str) -> np.ndarray:
    """Salted SHA-256 of each distinct value (hex digest, prefixed ``"H"``)."""
    key = salt.encode("utf-8")
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    hashed = np.array(["H" + hashlib.sha256(key + b":" + u.encode("utf-8")).hexdigest() for u in uniq], dtype=object)
    return hashed[inv]


def _as_of(as_of: str | dt.date | pd.Timestamp | None) -> pd.Timestamp:
    return pd.Timestamp.today().normalize() if as_of is None else pd.Timestamp(as_of).normalize()


def _raise(problems: list[str], source: str, table: str) -> None:
    if problems:
        lines = "\n".join(f"- {p}" for p in problems)
        raise DataError(f"{source}: {len(problems)} problem(s) in the {table} table:\n{lines}\n{_ROWS_NOTE}")


def _missing_columns(df: pd.DataFrame, required: Iterable[str], source: str, table: str, func: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            f"{source}: column(s) {missing} missing from the {table} table; found {list(df.columns)}. "
            f"Rename your columns to the jeugdlib schema (see jeugdlib.trajectories.{func} docstring)."
        )


def _required_values(df: pd.DataFrame, cols: Iterable[str], problems: list[str]) -> None:
    for c in cols:
        miss = df[c].isna()
        if miss.any():
            problems.append(
                f"column {c!r}: {int(miss.sum())} row(s) without a value (rows {_rows(df.index[miss])}). "
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
    path: str | Path | pd.DataFrame | SimulatedTrajectories,
    *,
    as_of: str | dt.date | pd.Timestamp | None = None,
    observed_from: str | dt.date | pd.Timestamp | None = None,
    pseudonymise_bsn: bool = False,
    salt: str | None = None,
    future_einddatum: Literal["error", "running"] = "error",
    drop_duplicates: bool = False,
    merge: bool = True,
    source: str | None = None,
    **read_kwargs: Any,
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
        ``client_id`` values that look like a BSN (see :func:`looks_like_bsn`)
        are refused unless this is ``True``; then they are replaced by a salted
        SHA-256 hash (``"H" + hex``). Requires ``salt``.
    salt:
        Secret salt for the hash. Keep it secret and use the same salt for
        every load you want to link.
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
    source:
        Name for error messages (default: the file name).
    **read_kwargs:
        Passed to the pandas reader (e.g. ``sheet_name``, ``encoding``).

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
    raw, label = _read(path, source, read_kwargs)
    required = [c for c in TRAJECTORY_COLUMNS if c not in OPTIONAL_TRAJECTORY_COLUMNS]
    _missing_columns(raw, required, label, "trajectory", "load_trajectories")
    if pseudonymise_bsn and not salt:
        raise DataError(
            f"{label}: pseudonymise_bsn=True needs a secret salt, e.g. salt='...'; without a salt "
            "a hashed BSN can be recovered by hashing all possible BSNs."
        )
    ref = _as_of(as_of)
    report = LoadReport(source=label, table="trajectories", n_rows_in=len(raw), as_of=ref)
    problems: list[str] = []
    df = pd.DataFrame(index=raw.index)
    df["client_id"] = _id_col(raw["client_id"])
    df["gemeentecode"] = _gemeente_col(raw["gemeentecode"], problems)
    df["aanbieder"] = _label_col(raw["aanbieder"])
    df["toewijzingnummer"] = _id_col(raw["toewijzingnummer"])
    df["productcategorie"] = _code_col(raw["productcategorie"], "productcategorie", label, problems, "productcategorie")
    df["productcode"] = _label_col(raw["productcode"])
    df["begindatum"], b_empty = _date_col(raw["begindatum"], "begindatum", problems)
    df["einddatum"], _ = _date_col(raw["einddatum"], "einddatum", problems)
    for c in OPTIONAL_TRAJECTORY_COLUMNS:
        src = raw[c] if c in raw.columns else pd.Series([None] * len(raw), index=raw.index, dtype=object)
        df[c] = _code_col(src, c, label, problems, c)
    _required_values(df, ["client_id", "gemeentecode", "aanbieder", "toewijzingnummer", "productcategorie"], problems)
    # begindatum missing (but not unparseable) is its own problem
    b_missing = pd.Series(b_empty, index=df.index)
    if b_missing.any():
        problems.append(
            f"column 'begindatum': {int(b_missing.sum())} row(s) without a start date (rows "
            f"{_rows(df.index[b_missing])}). Every trajectory needs a begindatum."
        )
    b, e = df["begindatum"], df["einddatum"]
    before = e.notna() & b.notna() & (e < b)
    if before.any():
        problems.append(
            f"column 'einddatum': {int(before.sum())} row(s) end before they begin (rows "
            f"{_rows(df.index[before])}). Correct the dates at the source or drop these rows."
        )
    fut_b = b.notna() & (b > ref)
    if fut_b.any():
        problems.append(
            f"column 'begindatum': {int(fut_b.sum())} row(s) start after {ref.date()} (in the future; rows "
            f"{_rows(df.index[fut_b])}). Check the dates, or pass as_of= the extraction date of the data."
        )
    fut_e = e.notna() & (e > ref)
    if fut_e.any():
        if future_einddatum == "running":
            df.loc[fut_e, "einddatum"] = pd.NaT
            df.loc[fut_e, "reden_beeindiging"] = None
            report.notes.append(f"{int(fut_e.sum())} future einddatum values treated as running")
        else:
            problems.append(
                f"column 'einddatum': {int(fut_e.sum())} row(s) end after {ref.date()} (in the future; rows "
                f"{_rows(df.index[fut_e])}). A planned end date is not an end of care: leave einddatum "
                "empty for running trajectories, or pass future_einddatum='running'."
            )
    # BSN-like identifiers
    bsn = looks_like_bsn(raw["client_id"])
    if bsn.any():
        if pseudonymise_bsn:
            ids = df["client_id"].to_numpy(dtype=object).copy()
            ids[bsn] = _hash_ids(ids[bsn], salt or "")
            df["client_id"] = ids
            report.n_bsn_pseudonymised = int(bsn.sum())
        else:
            problems.append(
                f"column 'client_id': {int(bsn.sum())} value(s) look like a BSN (8-9 digits passing the "
                f"11-test; rows {_rows(raw.index[bsn])}; values not shown). jeugdlib does not process BSNs: "
                "pseudonymise them before loading, or pass pseudonymise_bsn=True, salt='<secret>' to "
                "replace them by a salted SHA-256 hash."
            )
    # duplicates
    dup_exact = df.duplicated(keep="first")
    if dup_exact.any():
        if drop_duplicates:
            report.n_duplicates_dropped = int(dup_exact.sum())
            df = df.loc[~dup_exact]
        else:
            problems.append(
                f"{int(dup_exact.sum())} row(s) are exact duplicates of an earlier row (rows "
                f"{_rows(df.index[dup_exact])}). Remove them, or pass drop_duplicates=True."
            )
    distinct = df.loc[~df.duplicated(keep="first")] if dup_exact.any() else df
    dup_key = distinct.duplicated(["gemeentecode", "toewijzingnummer"], keep=False)
    if dup_key.any():
        problems.append(
            f"column 'toewijzingnummer': {int(dup_key.sum())} row(s) share a toewijzingnummer within one "
            f"gemeente but differ in other columns (rows {_rows(distinct.index[dup_key])}). Keep one "
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


def _gemeente_col(s: pd.Series, problems: list[str]) -> pd.Categorical:
    def norm(v: Any) -> str | None:
        t = _norm_scalar(v)
        if t is None:
            return None
        t = t.upper()
        if t.isdigit() and len(t) <= 4:
            return "GM" + t.zfill(4)
        return t

    codes, mapped, _ = _factor_map(s, norm)
    bad_u = np.array([m is not None and not (len(m) == 6 and m[:2] == "GM" and m[2:].isdigit()) for m in mapped])
    if bad_u.any():
        bad_rows = s.index[(codes >= 0) & bad_u[np.maximum(codes, 0)]]
        problems.append(
            f"column 'gemeentecode': {len(bad_rows)} row(s) are not a gemeentecode (GM + 4 digits; rows "
            f"{_rows(bad_rows)}). Use the CBS code of the responsible gemeente, e.g. GM0363."
        )
    return pd.Categorical(_take(mapped, codes))


def _numeric_col(s: pd.Series, col: str, problems: list[str]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype(float)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)

    def num(v: Any) -> float:
        t = _norm_scalar(v)
        if t is None:
            return np.nan
        if "," in t and "." not in t:
            t = t.replace(",", ".")
        try:
            return float(t)
        except ValueError:
            return np.inf  # marker for unparseable

    vals = np.array([num(u) for u in np.asarray(uniques, dtype=object)], dtype=float)
    out = np.full(len(s), np.nan)
    ok = codes >= 0
    out[ok] = vals[codes[ok]]
    bad = np.isinf(out)
    if bad.any():
        problems.append(
            f"column {col!r}: {int(bad.sum())} row(s) are not numbers (rows {_rows(s.index[bad])}). "
            "Use a plain number with '.' or ',' as decimal separator and no thousands separator."
        )
        out[bad] = np.nan
    return pd.Series(out, index=s.index)


def load_claims(path: Any, **kwargs: Any) -> pd.DataFrame:
    """Load and validate a claims table; return only the table.

    Same as ``read_claims(path, **kwargs).table``; see :func:`read_claims` for the parameters.
    """
    return read_claims(path, **kwargs).table


def read_claims(
    path: str | Path | pd.DataFrame,
    *,
    as_of: str | dt.date | pd.Timestamp | None = None,
    drop_duplicates: bool = False,
    source: str | None = None,
    **read_kwargs: Any,
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
    source:
        Name for error messages.
    **read_kwargs:
        Passed to the pandas reader.

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
    raw, label = _read(path, source, read_kwargs)
    _missing_columns(raw, CLAIM_COLUMNS, label, "claims", "load_claims")
    ref = _as_of(as_of)
    report = LoadReport(source=label, table="claims", n_rows_in=len(raw), as_of=ref)
    problems: list[str] = []
    df = pd.DataFrame(index=raw.index)
    df["toewijzingnummer"] = _id_col(raw["toewijzingnummer"])
    df["periode_start"], ps_empty = _date_col(raw["periode_start"], "periode_start", problems)
    df["periode_eind"], pe_empty = _date_col(raw["periode_eind"], "periode_eind", problems)
    df["volume"] = _numeric_col(raw["volume"], "volume", problems)
    df["eenheid"] = _code_col(raw["eenheid"], "eenheid", label, problems, "eenheid")
    df["tarief"] = _numeric_col(raw["tarief"], "tarief", problems)
    df["bedrag"] = _numeric_col(raw["bedrag"], "bedrag", problems)
    for c in ("toewijzingnummer", "bedrag"):
        miss = df[c].isna()
        if miss.any():
            problems.append(
                f"column {c!r}: {int(miss.sum())} row(s) without a value (rows {_rows(df.index[miss])}). "
                "Every claim line needs a toewijzingnummer and a bedrag."
            )
    for c, empty in (("periode_start", ps_empty), ("periode_eind", pe_empty)):
        miss = pd.Series(empty, index=df.index)
        if miss.any():
            problems.append(f"column {c!r}: {int(miss.sum())} row(s) without a date (rows {_rows(df.index[miss])}).")
    ps, pe = df["periode_start"], df["periode_eind"]
    before = ps.notna() & pe.notna() & (pe < ps)
    if before.any():
        problems.append(
            f"column 'periode_eind': {int(before.sum())} row(s) end before they begin (rows "
            f"{_rows(df.index[before])}). Correct the periods at the source."
        )
    fut = (ps > ref) | (pe > ref)
    if fut.any():
        problems.append(
            f"columns 'periode_start'/'periode_eind': {int(fut.sum())} row(s) lie after {ref.date()} (in the "
            f"future; rows {_rows(df.index[fut])}). Claims are for care delivered; check the dates or as_of=."
        )
    dup = df.duplicated(keep="first")
    if dup.any():
        if drop_duplicates:
            report.n_duplicates_dropped = int(dup.sum())
            df = df.loc[~dup]
        else:
            problems.append(
                f"{int(dup.sum())} row(s) are exact duplicates of an earlier claim line (rows "
                f"{_rows(df.index[dup])}). Remove them, or pass drop_duplicates=True."
            )
    _raise(problems, label, "claims")
    expected = df["volume"] * df["tarief"]
    off = expected.notna() & ((expected - df["bedrag"]).abs() > 0.01 + 1e-9)
    if off.any():
        warnings.warn(
            f"{label}: column 'bedrag': {int(off.sum())} row(s) differ from volume * tarief by more than "
            f"one cent (rows {_rows(df.index[off])}). bedrag is used as is.",
            JeugdlibWarning,
            stacklevel=2,
        )
    report.n_rows_out = len(df)
    df.attrs = synthetic_attrs(raw)
    return LoadedTable(df, report, as_of=None if as_of is None else ref)
