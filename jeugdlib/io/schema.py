"""Declared table schemas: one small schema type for every table jeugdlib reads.

Why not pandera: its failure reports are tables of check names and index
values, written for developers. jeugdlib's users are policy staff, and every
message must name the file, the column, the file lines and say what to do
(see :mod:`jeugdlib.io._messages`), and the parsers must understand Dutch
spreadsheet habits (decimal comma, CBS missing symbols, codes without leading
zeros). A schema here is a list of :class:`Column` declarations that the
parsers of :mod:`jeugdlib.io` apply; it stays small on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jeugdlib.errors import DataError
from jeugdlib.io._messages import examples, format_rows, mask_headers, mask_value, problem, rows_text
from jeugdlib.io.codes import CODE_FORMATS, normalise_code
from jeugdlib.io.dates import parse_dates
from jeugdlib.io.numeric import finish_numeric, parse_numeric, parse_numeric_columns
from jeugdlib.io.read import header_key

__all__ = ["KINDS", "Column", "Schema"]

#: The column kinds a schema knows, with what they mean.
KINDS: dict[str, str] = {
    "str": "text (stripped; empty = missing)",
    "float": "number (decimal comma or point)",
    "int": "whole number",
    "count": "whole number >= 0",
    "share": "percentage between 0 and 100",
    "date": "date YYYY-MM-DD",
    "bool": "yes/no (ja/nee, true/false, 1/0)",
    **{f"code:{k}": f"CBS {k} code ({p} + {n} digits, e.g. {ex})" for k, (p, n, ex) in CODE_FORMATS.items()},
}

_TRUE = {"1", "true", "ja", "j", "yes", "y", "waar"}
_FALSE = {"0", "false", "nee", "n", "no", "onwaar"}


@dataclass(frozen=True)
class Column:
    """One declared column.

    Parameters
    ----------
    name:
        Canonical name (the name in the validated frame).
    kind:
        One of :data:`KINDS`.
    required:
        The column must be present. An optional column that is absent is added
        with all values missing.
    min, max:
        Inclusive bounds for numeric kinds (``count`` implies ``min=0``,
        ``share`` implies 0–100 unless given).
    description:
        What the column holds (shown by :meth:`Schema.describe`).
    aliases:
        Other header names accepted for this column.
    nullable:
        Whether cells may be empty.
    """

    name: str
    kind: str = "str"
    required: bool = True
    min: float | None = None
    max: float | None = None
    description: str = ""
    aliases: tuple[str, ...] = ()
    nullable: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}; choose from {sorted(KINDS)}")

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.min, self.max
        if self.kind == "count" and lo is None:
            lo = 0
        if self.kind == "share":
            lo = 0 if lo is None else lo
            hi = 100 if hi is None else hi
        return lo, hi

    def convert(self, s: pd.Series, source: str, parsed: np.ndarray | None = None) -> pd.Series:
        """Convert one column to this kind (raises :class:`DataError`).

        ``parsed``: the column's numbers when already parsed by
        :func:`jeugdlib.io.numeric.parse_numeric_columns` (numeric kinds only).
        """
        kind = self.kind
        lo, hi = self.bounds
        if kind in NUMERIC_KINDS:
            integer = kind in ("int", "count")
            share = kind == "share"
            if parsed is not None:
                v = finish_numeric(parsed, s, column=self.name, source=source, integer=integer,
                                   min=None if share else lo, max=None if share else hi)  # fmt: skip
            else:
                v = parse_numeric(s, column=self.name, source=source, integer=integer,
                                  min=None if share else lo, max=None if share else hi)  # fmt: skip
            return _check_share(v, s, self.name, source, lo, hi) if share else v
        if kind == "date":
            return parse_dates(s, column=self.name, source=source)
        if kind.startswith("code:"):
            return normalise_code(s, kind.split(":", 1)[1], column=self.name, source=source)  # type: ignore[arg-type]
        if kind == "bool":
            return _parse_bool(s, self.name, source)
        return _parse_str(s)


#: Kinds parsed as numbers.
NUMERIC_KINDS = ("float", "share", "int", "count")


def _check_share(v: pd.Series, s: pd.Series, column: str, source: str, lo: float, hi: float) -> pd.Series:
    vals = v.to_numpy(dtype=float)
    bad = ~np.isnan(vals) & ((vals < lo) | (vals > hi))
    if bad.any():
        raise DataError(
            problem(
                source,
                column,
                f"is a percentage but has values outside {lo:g}–{hi:g}:",
                s.index[bad],
                s[bad],
                "Check the unit of this column (a fraction such as 0.25 is 25 per cent).",
            ),
            source=source,
            column=column,
        )
    return v


def _parse_str(s: pd.Series) -> pd.Series:
    if not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)):
        return s.map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    try:  # text cells (the common case): trimmed by arrow, fast
        arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers among the text (a DataFrame or spreadsheet column)
        arr = None
    if arr is not None:
        t = pc.utf8_trim_whitespace(arr)
        t = pc.if_else(pc.equal(t, ""), pa.scalar(None, pa.string()), t)
        return pd.Series(t.to_numpy(zero_copy_only=False), index=s.index, dtype=object)
    t = s.astype("string").str.strip()
    t = t.mask(t == "")
    return t.astype(object).where(t.notna(), None)


def _parse_bool(s: pd.Series, column: str, source: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    t = s.astype("string").str.strip().str.lower().str.replace(r"\.0$", "", regex=True)
    t = t.mask(t == "")
    val = pd.Series(pd.NA, index=s.index, dtype="boolean")
    val[t.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = True
    val[t.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = False
    bad = (t.notna() & val.isna()).to_numpy(dtype=bool)
    if bad.any():
        raise DataError(
            problem(
                source, column, "must be yes/no but has values", s.index[bad], s[bad], "Use ja/nee, true/false or 1/0."
            ),
            source=source,
            column=column,
        )
    return val


@dataclass(frozen=True)
class Schema:
    """A declared table type: its columns, key and description.

    Parameters
    ----------
    name:
        Table name (e.g. ``"policy table"``).
    columns:
        The declared columns.
    key:
        Column (or columns) identifying a row: never empty, unique together.
    description:
        What one row is.
    min_rows:
        Fewest data rows accepted (a header-only file is refused by default).
    """

    name: str
    columns: Sequence[Column]
    key: str | Sequence[str] | None = None
    description: str = ""
    min_rows: int = 1
    _by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Column] = {}
        for col in self.columns:
            for n in (col.name, *col.aliases):
                k = header_key(n)
                if k in by_key and by_key[k] is not col:
                    raise ValueError(f"schema {self.name!r}: {n!r} is declared twice")
                by_key[k] = col
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "columns", tuple(self.columns))
        for k in self.key_columns:
            if k not in {c.name for c in self.columns}:
                raise ValueError(f"schema {self.name!r}: key column {k!r} is not declared")

    @property
    def key_columns(self) -> tuple[str, ...]:
        if self.key is None:
            return ()
        return (self.key,) if isinstance(self.key, str) else tuple(self.key)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The declared column called ``name`` (or one of its aliases)."""
        return self._by_key[header_key(name)]

    def describe(self) -> pd.DataFrame:
        """The schema as a table: name, kind (and its meaning), required, range, key, aliases, description."""
        rows = []
        for c in self.columns:
            lo, hi = c.bounds
            rows.append(
                {
                    "column": c.name,
                    "kind": c.kind,
                    "meaning": KINDS[c.kind],
                    "required": c.required,
                    "may_be_empty": c.nullable and c.name not in self.key_columns,
                    "min": lo,
                    "max": hi,
                    "key": c.name in self.key_columns,
                    "aliases": ", ".join(c.aliases),
                    "description": c.description,
                }
            )
        return pd.DataFrame(rows)

    def canonical_names(self, columns: Sequence[object], source: str) -> list[str]:
        """The headers renamed to their declared names (others stripped); refuse two headers for one column."""
        names: list[str] = []
        seen: dict[str, str] = {}
        dups: list[str] = []
        for c in columns:
            col = self._by_key.get(header_key(c))
            target = col.name if col is not None else str(c).replace("\ufeff", "").strip()
            if target in seen:
                dups.append(f"{mask_value(seen[target])} and {mask_value(str(c))}")
            seen[target] = str(c)
            names.append(target)
        if dups:
            raise DataError(
                f"{source}: columns {', '.join(dups[:5])} are the same column of the {self.name} "
                "(names are compared ignoring case, spaces and underscores). Keep one of each.",
                source=source,
            )
        return names

    def rename(self, df: pd.DataFrame, source: str) -> pd.DataFrame:
        """Rename matching headers to their canonical names; refuse two headers for one column."""
        return df.set_axis(self.canonical_names(df.columns, source), axis=1)

    def validate(self, df: pd.DataFrame, source: str) -> pd.DataFrame:
        """Check and convert a table read by :func:`jeugdlib.io.read_table`.

        Matches headers ignoring case, whitespace, underscores and BOM, renames
        them to the declared names (other columns keep their stripped names),
        converts each declared column to its kind, checks ranges, empty cells,
        codes and key uniqueness.

        Returns
        -------
        DataFrame
            A converted copy with the same index; absent optional columns are
            added empty.

        Raises
        ------
        DataError
            Listing every problem found (each naming the column, rows and what to do).
        """
        out = df.set_axis(self.canonical_names(df.columns, source), axis=1, copy=False)  # read only below
        present = set(out.columns)
        missing = [c.name for c in self.columns if c.required and c.name not in present]
        if missing:
            raise DataError(
                f"{source}: required column(s) {missing} missing. Present columns: {mask_headers(out.columns)}. "
                f"The {self.name} needs {[c.name for c in self.columns if c.required]}; rename the columns in the "
                "file (see the schema's describe()).",
                source=source,
                column=missing[0],
            )
        if len(out) < self.min_rows:
            raise DataError(
                f"{source}: the {self.name} has {len(out)} data rows; at least {self.min_rows} needed. "
                "Is the file complete?",
                source=source,
            )
        errors: list[DataError] = []
        converted: dict[str, pd.Series] = {}
        parsed = parse_numeric_columns(
            {c.name: out[c.name] for c in self.columns if c.kind in NUMERIC_KINDS and c.name in present},
            point_known=getattr(source, "decimal", None) == ".",
        )
        for col in self.columns:
            if col.name not in present:
                converted[col.name] = col.convert(pd.Series([None] * len(out), index=out.index, dtype=object), source)
                continue
            try:
                converted[col.name] = col.convert(out[col.name], source, parsed.get(col.name))
            except DataError as exc:
                errors.append(exc)
                continue
            if col.nullable and col.name not in self.key_columns:
                continue
            empty = converted[col.name].isna().to_numpy(dtype=bool)
            if empty.any():
                errors.append(
                    DataError(
                        problem(source, col.name, "is empty", out.index[empty], None, f"Every row needs a {col.name}."),
                        source=source,
                        column=col.name,
                    )
                )
        if not errors and self.key_columns:
            keys = pd.DataFrame({k: converted[k] for k in self.key_columns}, index=out.index)
            dup = keys.duplicated(keep=False).to_numpy(dtype=bool)
            if dup.any():
                vals = keys[dup].drop_duplicates().astype(str).agg(" / ".join, axis=1)
                shown = [v.strip("'") for v in examples(sorted(vals)).split(", ")]
                label = " + ".join(self.key_columns)
                what = (
                    f"key column {label!r} has duplicate codes"
                    if len(self.key_columns) == 1
                    else f"key columns {' + '.join(map(repr, self.key_columns))} have duplicate values"
                )
                errors.append(
                    DataError(
                        f"{source}: {what} {format_rows(shown, 5)} at {rows_text(out.index[dup], source)}. "
                        f"Each {label} may appear once; aggregate or remove duplicates.",
                        source=source,
                        column=self.key_columns[0],
                    )
                )
        if len(errors) == 1:
            raise errors[0]
        if errors:
            lines = "\n".join(f"- {str(e).removeprefix(f'{source}: ')}" for e in errors)
            raise DataError(
                f"{source}: {len(errors)} problems in the {self.name}:\n{lines}", source=source, column=errors[0].column
            )
        declared = set(self.names)  # a set: wide files (10,000 columns) stay linear
        extra = [i for i, c in enumerate(out.columns) if c not in declared]
        # arrays, not Series: no alignment (an index may hold duplicate labels)
        result = pd.DataFrame({k: v.array for k, v in converted.items()}, index=out.index)
        if extra:
            rest = out.iloc[:, extra]
            if len(extra) > 50:  # one block copy instead of one Series per column
                result = pd.concat([result, rest.set_axis(result.index, axis=0)], axis=1, copy=False)
            else:
                for i, c in zip(extra, rest.columns):
                    result[c] = out.iloc[:, i].array
        result.attrs = dict(out.attrs)
        return result
