"""Extensions of the SCP model: extra wijk variables, model comparison, random slopes.

SCP's expected values leave room for local knowledge: the Haaglanden study
(Kennisnetwerk Jeugd Haaglanden, 2020) found that in almost 40% of its wijken
use was substantially higher or lower than expected, and that (perceived)
social cohesion, safety and facilities improved the prediction. This module
lets a user test such variables on top of the SCP model:

* :func:`load_local_wijk_data` reads and validates local cohesion/safety data
  in the schema :data:`LOCAL_WIJK_SCHEMA` (wijkmonitor, Veiligheidsmonitor);
* :func:`add_wijk_variables` joins any table of wijk variables to the wijk
  data — a left join that never drops a row and reports unmatched and
  duplicated codes and boundary-year mismatches;
* :func:`compare_models` fits the model with and without the extra variables
  by maximum likelihood (ML, not REML: REML likelihoods of models with
  different fixed effects are not comparable) on exactly the same wijken, and
  returns the likelihood-ratio test, AIC/BIC, the proportional reduction of the
  region, gemeente and wijk variance, the change in the share of wijken
  flagged ``higher``/``lower`` and the extra coefficients with confidence
  intervals;
* :func:`random_slope_test` lets one coefficient vary by jeugdregio and tests
  that with the boundary-corrected (mixture chi-square) likelihood-ratio test;
* :func:`deviation_share` counts the wijken of one region that lie
  substantially above or below expectation, under stated definitions.

As SCP stresses, a difference between observed and expected use is **no
verdict on policy**: it says the wijk has characteristics the model lacks and
is a reason to look closer with local partners.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.regression.mixed_linear_model import VCSpec

from jeugdlib.data import find_region, load_scp_2017
from jeugdlib.data.validation import CODE_PATTERNS, format_items, read_table, to_numeric_nl, validate_table
from jeugdlib.disclosure import protect
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.scp import (
    OPTIMIZERS,
    SCP_DETERMINANTS,
    ScpModel,
    fit_mixedlm_with_fallback,
    fit_scp_model,
    impute_hierarchical,
)

__all__ = [
    "LOCAL_WIJK_SCHEMA",
    "DeviationShare",
    "JoinReport",
    "LRTest",
    "ModelComparison",
    "SchemaColumn",
    "SlopeTest",
    "add_wijk_variables",
    "compare_by_region",
    "compare_models",
    "deviation_share",
    "load_local_wijk_data",
    "lr_test",
    "mixture_pvalue",
    "random_slope_test",
]

_LEVELS = ("jeugdregio_code", "gemeentecode")
#: Columns that carry the boundary year of the codes in a user table (first found wins).
_YEAR_COLUMNS = ("boundary_year", "indelingsjaar", "jaar")
#: Descriptive columns never joined as variables by default.
_ID_COLUMNS = {"wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "jeugdregio_code", "jeugdregio_naam",
               "buurtcode", "buurtnaam", "bron", *_YEAR_COLUMNS}


# =========================================================================== schema and loader
@dataclass(frozen=True)
class SchemaColumn:
    """One column of :data:`LOCAL_WIJK_SCHEMA`."""

    name: str
    required: bool
    kind: Literal["code", "year", "score", "share", "count", "text"]
    description: str
    low: float | None = None
    high: float | None = None


#: Schema of local wijk data on cohesion, safety and facilities as municipalities
#: publish it (wijkmonitor, Veiligheidsmonitor, Leefbaarometer exports).
#: One row per wijk (per year); codes are CBS wijk codes of the boundary year
#: ``indelingsjaar`` (default: ``jaar``). At least one variable column is needed.
#: Other numeric columns are kept as extra variables (``perc_*`` columns are
#: checked to lie within 0–100). The values must come from a real source:
#: jeugdlib never ships or invents cohesion or safety values.
LOCAL_WIJK_SCHEMA: tuple[SchemaColumn, ...] = (
    SchemaColumn("wijkcode", True, "code", "CBS wijk code WK + 6 digits, boundaries of `indelingsjaar`"),
    SchemaColumn("jaar", True, "year", "measurement year (e.g. 2017; Veiligheidsmonitor: survey year)",
                 1990, 2100),
    SchemaColumn("indelingsjaar", False, "year",
                 "boundary year of the wijk codes when it differs from `jaar`", 1990, 2100),
    SchemaColumn("wijknaam", False, "text", "wijk name (for messages and tables only)"),
    SchemaColumn("sociale_cohesie", False, "score",
                 "social cohesion scale score 0–10 (Veiligheidsmonitor 'schaalscore sociale cohesie')", 0, 10),
    SchemaColumn("veiligheid_ervaren", False, "score",
                 "perceived safety in the own buurt, report mark 0–10 (higher = safer)", 0, 10),
    SchemaColumn("tevredenheid_voorzieningen", False, "score",
                 "satisfaction with facilities (play areas, shops, youth facilities), mark 0–10", 0, 10),
    SchemaColumn("n_respondenten", False, "count", "number of survey respondents behind the wijk's scores",
                 0, None),
)
_SCORE_COLUMNS = tuple(c.name for c in LOCAL_WIJK_SCHEMA if c.kind == "score")


def local_wijk_schema() -> pd.DataFrame:
    """:data:`LOCAL_WIJK_SCHEMA` as a table (for documentation and notebooks)."""
    return pd.DataFrame([c.__dict__ for c in LOCAL_WIJK_SCHEMA])


def load_local_wijk_data(
    path: str | Path | pd.DataFrame,
    *,
    jaar: int | None = None,
    sheet_name: str | int = 0,
) -> pd.DataFrame:
    """Read and validate local wijk data in the :data:`LOCAL_WIJK_SCHEMA` schema.

    Parameters
    ----------
    path:
        CSV (``,`` or ``;``; decimal comma accepted), Excel/ODS or parquet
        file, or a DataFrame.
    jaar:
        Year to keep when the file holds several years (required then).
    sheet_name:
        Sheet of an Excel/ODS file.

    Returns
    -------
    DataFrame
        One row per wijk: ``wijkcode, jaar``, the score columns and any other
        numeric variables as float. ``attrs['boundary_year']`` is
        ``indelingsjaar`` (else ``jaar``); ``attrs['source']`` the file.

    Raises
    ------
    DataError
        Missing ``wijkcode``/``jaar``, no variable column, malformed or
        duplicated codes, non-numeric values or scores outside 0–10, naming
        the file, column and rows.
    """
    raw, source = read_table(path, sheet_name=sheet_name)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    known = {c.name: c for c in LOCAL_WIJK_SCHEMA}
    missing = [c.name for c in LOCAL_WIJK_SCHEMA if c.required and c.name not in raw.columns]
    if missing:
        raise DataError(
            f"{source}: required column(s) {missing} missing (present: {list(raw.columns)}). The local wijk "
            "schema needs `wijkcode` (CBS code WK + 6 digits) and `jaar`; see jeugdlib.multilevel.LOCAL_WIJK_SCHEMA."
        )
    raw["jaar"] = to_numeric_nl(raw["jaar"], column="jaar", source=source)
    if raw["jaar"].isna().any():
        raise DataError(f"{source}: column 'jaar' is empty at rows {format_items(raw.index[raw['jaar'].isna()])}; "
                        "give the measurement year of every row.")
    years = sorted(int(y) for y in raw["jaar"].unique())
    if jaar is None and len(years) > 1:
        raise DataError(f"{source}: the file holds several years {years}; pass jaar=... to pick one "
                        "(a model uses the wijk characteristics of one year).")
    if jaar is not None:
        if jaar not in years:
            raise DataError(f"{source}: no rows for jaar={jaar}; years in the file: {years}.")
        raw = raw[raw["jaar"].astype(int) == jaar]
    text = {c.name for c in LOCAL_WIJK_SCHEMA if c.kind in ("text", "code")} | {
        "gemeentecode", "gemeentenaam", "buurtcode", "buurtnaam", "bron"}
    variables = [c for c in raw.columns if c not in text and c not in ("jaar", "indelingsjaar")]
    if not variables:
        raise DataError(f"{source}: no variable columns besides codes and names; expected e.g. "
                        f"{list(_SCORE_COLUMNS)}.")
    shares = [c for c in variables if c.startswith("perc_")]
    df = validate_table(raw, key="wijkcode", numeric=[c for c in variables if c not in shares], shares=shares,
                        codes=["wijkcode"], source=source)
    for c in variables:
        spec = known.get(c)
        if spec is None or spec.low is None:
            continue
        v = df[c]
        bad = v.notna() & ((v < spec.low) | ((v > spec.high) if spec.high is not None else False))
        if bad.any():
            rng = f"{spec.low:g}–{spec.high:g}" if spec.high is not None else f">= {spec.low:g}"
            raise DataError(
                f"{source}: column {c!r} ({spec.description}) must lie in {rng} but has "
                f"{format_items(v[bad].round(3).tolist())} at rows {format_items(df.index[bad])} "
                f"(wijken {format_items(df.loc[bad, 'wijkcode'])}). Percentages? Store them as a `perc_...` column."
            )
    all_empty = [c for c in variables if df[c].isna().all()]
    if all_empty:
        raise DataError(f"{source}: column(s) {all_empty} are entirely empty; remove them or fill them.")
    if "indelingsjaar" in df.columns:
        df["indelingsjaar"] = to_numeric_nl(df["indelingsjaar"], column="indelingsjaar", source=source)
        by = sorted({int(v) for v in df["indelingsjaar"].dropna()})
        if len(by) != 1:
            raise DataError(f"{source}: column 'indelingsjaar' must hold one boundary year, found {by}.")
        boundary = by[0]
    else:
        boundary = int(df["jaar"].iloc[0])
    df["jaar"] = df["jaar"].astype(int)
    out = df.reset_index(drop=True)
    out.attrs["boundary_year"] = boundary
    out.attrs["source"] = source
    return out


# =========================================================================== join
@dataclass
class JoinReport:
    """What :func:`add_wijk_variables` matched; stored in ``result.attrs['join_report']``."""

    source: str
    on: str
    columns: list[str]
    n_rows: int
    n_extra: int
    n_matched: int
    unmatched_extra: list[str]
    unmatched_rows_in_covered_gemeenten: list[str]
    extra_boundary_year: int | None
    data_boundary_year: int | None
    missing_values: dict[str, int] = field(default_factory=dict)

    @property
    def match_rate(self) -> float:
        """Share of the extra table's codes found in the data."""
        return self.n_matched / self.n_extra if self.n_extra else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The report as a two-column table (``item, value``)."""
        items = {
            "source": self.source, "rows in data": self.n_rows, "codes in extra table": self.n_extra,
            "matched codes": self.n_matched, "match rate": round(self.match_rate, 4),
            "extra codes not in data": format_items(self.unmatched_extra),
            "data rows of covered gemeenten without a match": format_items(self.unmatched_rows_in_covered_gemeenten),
            "boundary year extra / data": f"{self.extra_boundary_year} / {self.data_boundary_year}",
            **{f"missing values in {k}": v for k, v in self.missing_values.items()},
        }
        return pd.DataFrame({"item": list(items), "value": [str(v) for v in items.values()]})


def _boundary_year_of(extra: pd.DataFrame, source: str) -> int | None:
    for col in _YEAR_COLUMNS:
        if col in extra.columns:
            vals = sorted({int(v) for v in to_numeric_nl(extra[col], column=col, source=source).dropna()})
            if len(vals) > 1:
                raise DataError(f"{source}: column {col!r} holds several years {sorted(vals)}; a join needs the "
                                "wijk codes of one boundary year. Select one year first.")
            if len(vals) == 1:
                return int(vals[0])
    by = extra.attrs.get("boundary_year")
    return int(by) if by is not None else None


def add_wijk_variables(
    df: pd.DataFrame,
    extra: str | Path | pd.DataFrame,
    on: str = "wijkcode",
    columns: Sequence[str] | None = None,
    *,
    boundary_year: int | None = None,
    min_match: float = 0.8,
    allow_year_mismatch: bool = False,
) -> pd.DataFrame:
    """Join user-supplied wijk variables to wijk data, validated and without row loss.

    Parameters
    ----------
    df:
        Wijk data (e.g. :func:`jeugdlib.data.load_scp_2017`); its
        ``attrs['boundary_year']`` is the boundary year of its codes.
    extra:
        Table of wijk variables: CSV/Excel/parquet path or DataFrame.
    on:
        Code column present in both (default ``wijkcode``).
    columns:
        Variables to add (default: every column of ``extra`` except codes,
        names and year columns). They are converted to numbers (decimal comma
        accepted); a non-numeric value raises :class:`DataError`.
    boundary_year:
        Boundary year of the extra table's codes, if it has no
        ``boundary_year``/``indelingsjaar``/``jaar`` column or attribute.
    min_match:
        If fewer than this share of the extra table's codes, or of the data's
        wijken in the gemeenten the extra table covers, are matched, a
        :class:`JeugdlibWarning` names the unmatched codes (codes of another
        boundary year are the usual cause). No match at all raises.
    allow_year_mismatch:
        Turn a differing boundary year from an error into a warning.

    Returns
    -------
    DataFrame
        ``df`` with the added columns (left join: every row of ``df`` is kept,
        in order; unmatched rows get NaN). ``attrs`` are kept and
        ``attrs['join_report']`` holds a :class:`JoinReport` with match counts.

    Raises
    ------
    DataError
        Missing ``on`` column, malformed or duplicated codes in ``extra``
        (listing codes and rows), a column name that already exists in ``df``,
        non-numeric values, a boundary year differing from
        ``df.attrs['boundary_year']``, or no matching code.
    """
    table, source = read_table(extra)
    if isinstance(extra, pd.DataFrame):
        table.attrs = dict(extra.attrs)
        source = str(extra.attrs.get("source", source))
    for frame, name in ((df, "data"), (table, source)):
        if on not in frame.columns:
            raise DataError(f"{name}: join column {on!r} missing; present: {list(frame.columns)}. "
                            f"Rename the code column to {on!r} or pass on=...")
    table = table.copy()
    if on in CODE_PATTERNS:
        table = validate_table(table, codes=[on], source=source)
    table[on] = table[on].astype("string").str.strip().str.upper()
    empty = table[on].isna()
    if empty.any():
        raise DataError(f"{source}: column {on!r} is empty at rows {format_items(table.index[empty])}; "
                        "every row needs a code.")
    dup = table[on].duplicated(keep=False)
    if dup.any():
        codes = sorted(table.loc[dup, on].unique())
        raise DataError(
            f"{source}: duplicate codes in {on!r}: {format_items(codes)} at rows {format_items(table.index[dup])}. "
            "A join needs one row per wijk: keep one year (jaar) or aggregate the duplicates first."
        )
    if columns is None:
        columns = [c for c in table.columns if c != on and c not in _ID_COLUMNS]
        if not columns:
            raise DataError(f"{source}: no variable columns to join besides codes, names and years.")
    columns = list(columns)
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise DataError(f"{source}: column(s) {absent} not found; present: {list(table.columns)}.")
    clash = [c for c in columns if c in df.columns]
    if clash:
        raise DataError(f"{source}: column(s) {clash} already exist in the data; rename them in the extra table "
                        "(e.g. with a suffix _lokaal) so no variable is silently overwritten.")
    for c in columns:
        table[c] = to_numeric_nl(table[c], column=c, source=source)

    # boundary year
    extra_year = boundary_year if boundary_year is not None else _boundary_year_of(table, source)
    data_year = df.attrs.get("boundary_year")
    data_codes = df[on].astype("string").str.strip().str.upper()
    matched_mask = table[on].isin(set(data_codes.dropna()))
    unmatched_extra = sorted(table.loc[~matched_mask, on])
    if extra_year is not None and data_year is not None and int(extra_year) != int(data_year):
        msg = (f"{source}: codes are of boundary year {extra_year} but the data uses {data_year} boundaries "
               f"({int(matched_mask.sum())} of {len(table)} codes match; unmatched {format_items(unmatched_extra)}). "
               "Wijk codes and boundaries change between years: use the extra variables for the data's boundary "
               f"year or convert the codes to {data_year} boundaries first.")
        if not allow_year_mismatch:
            raise DataError(msg + " Pass allow_year_mismatch=True to join anyway.")
        warnings.warn(msg, JeugdlibWarning, stacklevel=2)
    if not matched_mask.any():
        raise DataError(f"{source}: none of the {len(table)} codes in {on!r} occur in the data (e.g. "
                        f"{format_items(unmatched_extra, 5)}); are they of another boundary year "
                        f"(data: {data_year}) or another level (wijk vs buurt)?")

    covered_rows: list[str] = []
    rate_data = 1.0
    if on == "wijkcode":
        gm_extra = set(table[on].str[2:6])
        in_covered = data_codes.str[2:6].isin(gm_extra).fillna(False).to_numpy()
        covered = data_codes[in_covered]
        unmatched_cov = covered[~covered.isin(set(table[on]))]
        covered_rows = sorted(unmatched_cov.dropna().tolist())
        rate_data = 1 - len(unmatched_cov) / len(covered) if len(covered) else 1.0
    rate_extra = float(matched_mask.mean())
    if min(rate_extra, rate_data) < min_match:
        warnings.warn(
            f"{source}: low match rate — {rate_extra:.0%} of the extra table's codes found in the data "
            f"(unmatched {format_items(unmatched_extra)}), {rate_data:.0%} of the data's wijken in the covered "
            f"gemeenten matched (unmatched {format_items(covered_rows)}). Codes of another boundary year "
            f"(data: {data_year}) are the usual cause.", JeugdlibWarning, stacklevel=2)
    elif unmatched_extra:
        warnings.warn(f"{source}: {len(unmatched_extra)} of {len(table)} codes not found in the data and not "
                      f"joined: {format_items(unmatched_extra)}.", JeugdlibWarning, stacklevel=2)

    right = table[[on, *columns]].rename(columns={on: "__key"})
    left = df.copy()
    left["__key"] = data_codes.to_numpy()
    out = left.merge(right, on="__key", how="left", validate="many_to_one", sort=False).drop(columns="__key")
    if len(out) != len(df):  # defensive: a left join on a unique key cannot change the row count
        raise DataError(f"{source}: the join changed the number of rows ({len(df)} → {len(out)}); report a bug.")
    out.index = df.index
    out.attrs = dict(df.attrs)
    report = JoinReport(
        source=source, on=on, columns=columns, n_rows=len(df), n_extra=len(table),
        n_matched=int(matched_mask.sum()), unmatched_extra=unmatched_extra,
        unmatched_rows_in_covered_gemeenten=covered_rows,
        extra_boundary_year=int(extra_year) if extra_year is not None else None,
        data_boundary_year=int(data_year) if data_year is not None else None,
        missing_values={c: int(out[c].isna().sum()) for c in columns},
    )
    out.attrs["join_report"] = report
    return out


# =========================================================================== LR tests
@dataclass(frozen=True)
class LRTest:
    """A likelihood-ratio test of two nested ML fits."""

    llf_null: float
    llf_alt: float
    statistic: float
    df: int
    p_value: float
    distribution: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def mixture_pvalue(statistic: float, dfs: tuple[int, int] = (1, 2)) -> float:
    """p-value of an LR statistic under a 50:50 mixture of chi-square distributions.

    For a variance parameter tested at its boundary (zero), the LR statistic
    follows ``0.5 chi2(dfs[0]) + 0.5 chi2(dfs[1])`` (Self & Liang 1987; Stram &
    Lee 1994): ``(1, 2)`` for a random slope correlated with the random
    intercept (slope variance + covariance), ``(0, 1)`` for an independent
    slope (``chi2(0)`` is a point mass at zero).
    """
    s = max(float(statistic), 0.0)

    def sf(k: int) -> float:
        if k == 0:
            return 0.0 if s > 0 else 1.0
        return float(stats.chi2.sf(s, k))

    return 0.5 * sf(dfs[0]) + 0.5 * sf(dfs[1])


def lr_test(llf_null: float, llf_alt: float, df: int, *, mixture: tuple[int, int] | None = None) -> LRTest:
    """Likelihood-ratio test ``2 (llf_alt - llf_null)``.

    Parameters
    ----------
    llf_null, llf_alt:
        Maximised (ML) log-likelihoods of the nested and the larger model.
    df:
        Number of extra parameters.
    mixture:
        Degrees of freedom of a 50:50 chi-square mixture for boundary tests
        (see :func:`mixture_pvalue`); ``None`` uses ``chi2(df)``.

    Notes
    -----
    A slightly negative statistic (optimizer tolerance) is reported as 0.
    """
    stat = max(2.0 * (float(llf_alt) - float(llf_null)), 0.0)
    if mixture is None:
        return LRTest(float(llf_null), float(llf_alt), stat, int(df), float(stats.chi2.sf(stat, df)), f"chi2({df})")
    return LRTest(float(llf_null), float(llf_alt), stat, int(df), mixture_pvalue(stat, mixture),
                  f"0.5 chi2({mixture[0]}) + 0.5 chi2({mixture[1]})")


# =========================================================================== random slopes
@dataclass
class SlopeTest:
    """A random slope by jeugdregio and its boundary-corrected LR test."""

    predictor: str
    correlated: bool
    test: LRTest
    slope_variance: float
    intercept_slope_cov: float
    region_slopes: pd.DataFrame
    result: object
    converged: bool

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: statistic, mixture, p-value, slope SD (per SD of the predictor)."""
        return pd.DataFrame([{
            "predictor": self.predictor, "correlated": self.correlated, "lr_statistic": self.test.statistic,
            "distribution": self.test.distribution, "p_value": self.test.p_value,
            "p_value_naive_chi2": float(stats.chi2.sf(self.test.statistic, 2 if self.correlated else 1)),
            "slope_sd": float(np.sqrt(max(self.slope_variance, 0.0))), "converged": self.converged,
        }])


def random_slope_test(model: ScpModel, predictor: str, *, correlated: bool = True,
                      optimizers: Sequence[str] = OPTIMIZERS) -> SlopeTest:
    """Let ``predictor``'s coefficient vary by jeugdregio and test it.

    The random-intercept model ``model`` (fitted by ML, ``reml=False``) is
    refitted with a random slope of the (standardised) predictor per region,
    on the same wijken and design. The LR statistic is referred to a 50:50
    mixture — ``chi2(1)``/``chi2(2)`` for a slope correlated with the region
    intercept (``correlated=True``: slope variance and covariance added),
    ``chi2(0)``/``chi2(1)`` for an independent slope — because the slope
    variance is tested at its boundary, zero; the naive ``chi2`` p-value would
    be conservative (too large).

    Returns
    -------
    SlopeTest
        With ``region_slopes``: per region the slope per SD and per unit of
        the predictor (fixed slope + region deviation, the BLUP).
    """
    if model.reml:
        raise DataError("random_slope_test needs an ML fit: refit with fit_scp_model(..., reml=False).")
    names = ["const", *model.design.X.columns]
    if predictor not in names[1:]:
        raise DataError(f"random slope predictor {predictor!r} is not in the model; predictors: {names[1:]}.")
    j = names.index(predictor)
    mod = model.result.model
    x = mod.exog[:, j]  # already ordered by region and scaled by sqrt(weight)
    if correlated:
        new = sm.MixedLM(mod.endog, mod.exog, groups=mod.groups, exog_re=np.column_stack([mod.exog_re[:, 0], x]),
                         exog_vc=mod.exog_vc)
    else:
        vc = mod.exog_vc
        mats, cols = [], []
        for g in mod.group_labels:
            rows = mod.row_indices[g]
            mats.append(x[rows][:, None])
            cols.append(["slope"])
        spec = VCSpec([*vc.names, "slope"], [*vc.colnames, cols], [*vc.mats, mats])
        new = sm.MixedLM(mod.endog, mod.exog, groups=mod.groups, exog_re=mod.exog_re, exog_vc=spec)
    res, converged, _, _ = fit_mixedlm_with_fallback(new, False, optimizers)
    k_extra = 2 if correlated else 1
    test = lr_test(model.llf, res.llf, k_extra, mixture=(1, 2) if correlated else (0, 1))
    if correlated:
        cov = np.asarray(res.cov_re)
        slope_var, cov_is = float(cov[1, 1]), float(cov[0, 1])
    else:
        slope_var = float(np.asarray(res.vcomp)[list(new.exog_vc.names).index("slope")])
        cov_is = 0.0
    fixed = float(np.asarray(res.fe_params)[j])
    sd_raw = float(model.design.raw_sds[predictor])
    rows = []
    for g, eff in res.random_effects.items():
        vals = pd.Series(eff)
        dev = float(vals.iloc[1]) if correlated else float(vals[[i for i in vals.index if "slope" in str(i)]].iloc[0])
        rows.append({"jeugdregio_code": g, "slope_per_sd": fixed + dev, "deviation": dev,
                     "slope_per_unit": (fixed + dev) / sd_raw})
    slopes = pd.DataFrame(rows).sort_values("slope_per_sd", ignore_index=True)
    if "jeugdregio_naam" in model.data.columns:
        names_map = model.data.drop_duplicates(model.levels[0]).set_index(model.levels[0])["jeugdregio_naam"]
        slopes.insert(1, "jeugdregio_naam", slopes.jeugdregio_code.map(names_map))
    return SlopeTest(predictor=predictor, correlated=correlated, test=test, slope_variance=slope_var,
                     intercept_slope_cov=cov_is, region_slopes=slopes, result=res, converged=converged)


# =========================================================================== model comparison
@dataclass
class ModelComparison:
    """Result of :func:`compare_models`: tidy tables plus both ML fits.

    Attributes
    ----------
    test:
        LR test of the extra fixed effects, ``chi2(len(extra))``.
    fit_stats:
        ``model, n_wijken, n_params, llf, deviance, aic, bic``.
    variance:
        ``component`` (``jeugdregio, gemeente, wijk, total``), ``base``,
        ``extended``, ``change`` and ``proportional_reduction`` =
        ``(base - extended) / base``: the share of that level's variance the
        extra variables explain (negative: the variance grew).
    flags:
        Per flag (``higher, lower, as_expected``, from the ML fits' prediction
        intervals) counts and shares among the fitted wijken, base vs extended,
        and — with ``scope`` — within the scope too (``scope`` column).
    coefficients:
        The extra variables' fixed effects: per SD and per unit, SE, CI, z, p.
    slope_test:
        :class:`SlopeTest` when ``random_slope`` was given.
    """

    base: ScpModel
    extended: ScpModel
    base_predictors: list[str]
    extra_predictors: list[str]
    test: LRTest
    fit_stats: pd.DataFrame
    variance: pd.DataFrame
    flags: pd.DataFrame
    coefficients: pd.DataFrame
    extra_missing: str
    scope: list[str] | None
    imputed: dict[str, int]
    slope_test: SlopeTest | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """One long tidy table: ``section, item, statistic, value``."""
        rows: list[dict[str, object]] = []
        for k, v in self.test.to_dict().items():
            rows.append({"section": "lr_test", "item": "extra fixed effects", "statistic": k, "value": v})
        for r in self.fit_stats.itertuples(index=False):
            for s in ("n_wijken", "n_params", "llf", "aic", "bic"):
                rows.append({"section": "fit", "item": r.model, "statistic": s, "value": getattr(r, s)})
        for r in self.variance.itertuples(index=False):
            for s in ("base", "extended", "proportional_reduction"):
                rows.append({"section": "variance", "item": r.component, "statistic": s, "value": getattr(r, s)})
        for r in self.flags.itertuples(index=False):
            for s in ("share_base", "share_extended", "change"):
                rows.append({"section": f"flags_{r.scope}", "item": r.flag, "statistic": s, "value": getattr(r, s)})
        for r in self.coefficients.itertuples(index=False):
            for s in ("estimate_per_unit", "ci_low_per_unit", "ci_high_per_unit", "p_value"):
                rows.append({"section": "coefficients", "item": r.term, "statistic": s, "value": getattr(r, s)})
        if self.slope_test is not None:
            t = self.slope_test
            for s, v in (("lr_statistic", t.test.statistic), ("p_value_mixture", t.test.p_value),
                         ("slope_variance", t.slope_variance)):
                rows.append({"section": "random_slope", "item": t.predictor, "statistic": s, "value": v})
        return pd.DataFrame(rows)


def _resolve_scope_code(df: pd.DataFrame, code: str, rg: str, gm: str) -> str:
    """A code present in the data, or a jeugdregio name resolved with :func:`find_region`."""
    if df[gm].eq(code).any() or df[rg].eq(code).any():
        return code
    from jeugdlib.data import find_region
    from jeugdlib.errors import RegionNotFoundError

    year = int(df.attrs.get("boundary_year", 2017))
    try:
        return str(find_region(code, 2022 if year == 2021 else year).jeugdregio_code)
    except (RegionNotFoundError, DataError):
        return code  # reported as unknown below


def _scope_mask(df: pd.DataFrame, scope: str | Sequence[str] | pd.Series | np.ndarray | None,
                levels: tuple[str, str]) -> tuple[np.ndarray | None, list[str] | None]:
    if scope is None:
        return None, None
    if isinstance(scope, (pd.Series, np.ndarray)) and np.asarray(scope).dtype == bool:
        mask = np.asarray(scope, dtype=bool)
        if len(mask) != len(df):
            raise DataError(f"scope mask has {len(mask)} values for {len(df)} rows.")
        return mask, ["<mask>"]
    codes = [scope] if isinstance(scope, str) else list(scope)
    rg, gm = levels
    codes = [_resolve_scope_code(df, c, rg, gm) for c in codes]
    mask = (df[gm].isin(codes) | df[rg].isin(codes)).to_numpy()
    unknown = [c for c in codes if not (df[gm].eq(c).any() or df[rg].eq(c).any())]
    if unknown:
        raise DataError(f"scope codes {unknown} are neither a {gm} nor a {rg} in the data.")
    return mask, codes


def _prepare_extras(df: pd.DataFrame, extra: list[str], fit_mask: np.ndarray, levels: tuple[str, str],
                    extra_missing: str, scope: np.ndarray | None, source: str
                    ) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """Numeric, imputed (or row-restricted) and, with a scope, scope-centred extra variables."""
    raw = pd.DataFrame({c: to_numeric_nl(df[c], column=c, source=source) for c in extra}, index=df.index)
    region = np.ones(len(df), dtype=bool) if scope is None else scope
    raw.loc[~region, :] = np.nan  # outside the scope the variables play no role
    if extra_missing == "drop":
        fit_mask = fit_mask & (raw.notna().all(axis=1).to_numpy() | ~region)
    elif extra_missing != "impute":
        raise ValueError(f"extra_missing must be 'impute' or 'drop', not {extra_missing!r}")
    use = fit_mask & region
    for c in extra:
        v = raw.loc[use, c]
        if v.notna().sum() == 0:
            raise DataError(f"{source}: extra variable {c!r} is missing for every fitted wijk"
                            f"{' in the scope' if scope is not None else ''}; check the join "
                            "(codes of another boundary year?).")
        if v.nunique() < 2:
            raise DataError(f"{source}: extra variable {c!r} is constant ({v.dropna().iloc[0]!r}) in the fitted "
                            "wijken; it cannot explain differences. Remove it.")
    imputed = {c: int((raw[c].isna() & region).sum()) for c in extra}
    ctx = pd.concat([raw, df[list(levels)]], axis=1)
    ref = ctx[use]
    filled = impute_hierarchical(ctx, extra, levels, reference=ref)
    if scope is not None:
        filled = filled - filled[use].mean()
        filled.loc[~region, :] = 0.0
    return filled, fit_mask, imputed


def _collinearity(X_base: np.ndarray, extra: pd.DataFrame, source: str, warn_r2: float = 0.95) -> None:
    """Error for an extra variable that is a linear combination of the others; warning when nearly so."""
    E = extra.to_numpy(dtype=float)
    for k, c in enumerate(extra.columns):
        others = np.column_stack([np.ones(len(E)), X_base, np.delete(E, k, axis=1)])
        y = E[:, k]
        coef, *_ = np.linalg.lstsq(others, y, rcond=None)
        resid = y - others @ coef
        tss = float(np.sum((y - y.mean()) ** 2))
        r2 = 1 - float(np.sum(resid**2)) / tss if tss > 0 else 1.0
        if r2 > 1 - 1e-8:
            raise DataError(
                f"{source}: extra variable {c!r} is (almost exactly) a linear combination of the base predictors "
                f"and the other extra variables (R² = {r2:.10f}); its effect is not identifiable. Remove it or "
                "remove the base predictor(s) it duplicates.")
        if r2 > warn_r2:
            warnings.warn(f"{source}: extra variable {c!r} is nearly collinear with the base predictors "
                          f"(R² = {r2:.3f}, VIF = {1 / (1 - r2):.0f}); its coefficient will be imprecise.",
                          JeugdlibWarning, stacklevel=3)


def _flag_table(base: ScpModel, ext: ScpModel, mask: np.ndarray, level: float, scope_name: str) -> pd.DataFrame:
    fb = base.expected(level=level).flag.to_numpy()[mask]
    fe = ext.expected(level=level).flag.to_numpy()[mask]
    n = int(mask.sum())
    rows = []
    for flag in ("higher", "lower", "as_expected"):
        nb, ne = int((fb == flag).sum()), int((fe == flag).sum())
        rows.append({"scope": scope_name, "flag": flag, "n_wijken": n, "n_base": nb, "n_extended": ne,
                     "share_base": nb / n, "share_extended": ne / n, "change": (ne - nb) / n})
    nb = int(np.isin(fb, ["higher", "lower"]).sum())
    ne = int(np.isin(fe, ["higher", "lower"]).sum())
    rows.append({"scope": scope_name, "flag": "higher_or_lower", "n_wijken": n, "n_base": nb, "n_extended": ne,
                 "share_base": nb / n, "share_extended": ne / n, "change": (ne - nb) / n})
    return pd.DataFrame(rows)


def compare_models(
    df: pd.DataFrame | None = None,
    base_predictors: Sequence[str] = SCP_DETERMINANTS,
    extra_predictors: Sequence[str] = (),
    *,
    outcome: str = "perc_jhzv",
    levels: tuple[str, str] = _LEVELS,
    extra_missing: Literal["impute", "drop"] = "impute",
    scope: str | Sequence[str] | pd.Series | np.ndarray | None = None,
    random_slope: str | None = None,
    slope_correlated: bool = True,
    weights: str | None = None,
    level: float = 0.95,
    ci_level: float = 0.95,
    source: str = "extra variables",
) -> ModelComparison:
    """Test whether extra wijk variables improve the SCP model.

    Both models are fitted by maximum likelihood (``reml=False``; REML
    likelihoods of models with different fixed effects are not comparable) on
    exactly the same wijken: those with an observed outcome (and, with
    ``extra_missing="drop"``, all extra variables observed).

    Parameters
    ----------
    df:
        Wijk data with the extra columns (e.g. from :func:`add_wijk_variables`;
        default: the SCP 2017 file).
    base_predictors, extra_predictors:
        The nested model's predictors and the variables added to it (disjoint).
    outcome, levels, weights:
        As :func:`jeugdlib.scp.fit_scp_model`.
    extra_missing:
        ``"impute"`` (default): a missing extra value is imputed like the SCP
        predictors — gemeente mean, else region mean, else national mean of
        the fitted wijken — so both fits use the same wijken and the base
        model is unchanged. ``"drop"``: both models are fitted only on wijken
        where every extra variable is observed.
    scope:
        Gemeente or region code(s), or a boolean mask: test the extension only
        within these wijken. The extra variables are centred on their mean in
        the scope and set to 0 outside it, i.e. they are interacted with a
        scope indicator; the national three-level model supplies the levels.
        This is how a variable available for one gemeente only (Amsterdam's
        KWB 2017 extract) is tested: a model of one gemeente alone has no
        gemeente or region level.
    random_slope:
        A predictor of the extended model whose coefficient may vary by
        jeugdregio; tested with :func:`random_slope_test` (mixture p-value).
    level:
        Prediction-interval coverage for the ``higher``/``lower`` flags.
    ci_level:
        Confidence level of the coefficient intervals.
    source:
        Name of the extra data for messages.

    Returns
    -------
    ModelComparison

    Raises
    ------
    DataError
        Overlapping predictor lists, missing or non-numeric columns (naming
        column and rows), an extra variable that is constant, entirely
        missing, or a linear combination of the others, or data of a single
        gemeente/region. A nearly collinear extra variable (R² > 0.95) gives a
        :class:`JeugdlibWarning`.
    """
    if df is None:
        df = load_scp_2017()
    df = df.reset_index(drop=True)
    base_predictors, extra = list(base_predictors), list(extra_predictors)
    if not extra:
        raise DataError("no extra_predictors given; name the variable(s) to add to the base model.")
    overlap = sorted(set(base_predictors) & set(extra))
    if overlap:
        raise DataError(f"{overlap} are both base and extra predictors; the models must be nested with "
                        "the extra variables added to the base model.")
    absent = [c for c in [*base_predictors, *extra, outcome, *levels] if c not in df.columns]
    if absent:
        raise DataError(f"column(s) {absent} not in the data; available: {list(df.columns)}. "
                        "Join extra variables with jeugdlib.multilevel.add_wijk_variables first.")
    y = to_numeric_nl(df[outcome], column=outcome, source="outcome")
    fit_mask = y.notna().to_numpy()
    rg, gm = levels
    if df.loc[fit_mask, rg].nunique() < 2 or df.loc[fit_mask, gm].nunique() < 2:
        raise DataError(
            f"the data has {df.loc[fit_mask, rg].nunique()} region(s) and {df.loc[fit_mask, gm].nunique()} "
            "gemeente(n): a model within one gemeente or region has no gemeente/region level. Pass the national "
            "data and restrict the extension with scope=<gemeentecode> (see compare_models).")
    scope_mask, scope_codes = _scope_mask(df, scope, levels)
    prepared, fit_mask, imputed = _prepare_extras(df, extra, fit_mask, levels, extra_missing, scope_mask, source)
    work = df.copy()
    work[outcome] = y.where(fit_mask)
    for c in extra:
        work[c] = prepared[c].to_numpy()
    notes = [f"ML fits (reml=False) on {int(fit_mask.sum())} wijken with an observed {outcome!r}."]
    if extra_missing == "impute" and any(imputed.values()):
        notes.append(f"missing extra values imputed (gemeente → region → overall mean): {imputed}")
    if scope_codes is not None:
        notes.append(f"extra variables centred within scope {scope_codes} and 0 elsewhere.")

    base = fit_scp_model(work, outcome=outcome, predictors=base_predictors, levels=levels, weights=weights,
                         reml=False)
    X_base = base.design.X.to_numpy()[fit_mask]
    _collinearity(X_base, prepared[fit_mask], source)
    ext = fit_scp_model(work, outcome=outcome, predictors=[*base_predictors, *extra], levels=levels,
                        weights=weights, reml=False)
    dropped = [c for c in extra if c in ext.design.dropped]
    if dropped:
        raise DataError(f"extra variable(s) {dropped} were dropped by the fit (constant or empty); remove them.")
    if not np.array_equal(base.fit_mask, ext.fit_mask):  # defensive: same rows in both fits
        raise DataError("the base and extended models were fitted on different wijken; report a bug.")
    if not (base.converged and ext.converged):
        notes.append("a fit did not converge cleanly; see the models' convergence_messages.")

    k = len(extra)
    n = int(fit_mask.sum())
    test = lr_test(base.llf, ext.llf, k)
    if ext.llf < base.llf - 1e-6:
        notes.append(f"the extended fit's log-likelihood is below the base fit's by {base.llf - ext.llf:.2g} "
                     "(optimizer tolerance); LR statistic set to 0.")
    fit_stats = pd.DataFrame([
        {"model": name, "n_wijken": n, "n_params": m.n_params, "llf": m.llf, "deviance": -2 * m.llf,
         "aic": m.aic, "bic": m.bic, "converged": m.converged}
        for name, m in (("base", base), ("extended", ext))])

    vb, ve = base.variance_components, ext.variance_components
    comp = ["jeugdregio", "gemeente", "wijk"]
    var = pd.DataFrame({"component": [*comp, "total"],
                        "base": [vb[c] for c in comp] + [sum(vb.values())],
                        "extended": [ve[c] for c in comp] + [sum(ve.values())]})
    var["change"] = var.extended - var.base
    var["proportional_reduction"] = np.where(var.base > 0, (var.base - var.extended) / var.base.where(var.base > 0),
                                             np.nan)

    flags = _flag_table(base, ext, fit_mask, level, "all")
    if scope_mask is not None:
        flags = pd.concat([flags, _flag_table(base, ext, fit_mask & scope_mask, level, "scope")],
                          ignore_index=True)

    coef = ext.coefficients()
    coef = coef[coef.term.isin(extra)].reset_index(drop=True)
    zc = stats.norm.ppf(0.5 + ci_level / 2)
    sds = ext.design.raw_sds.reindex(coef.term).to_numpy(dtype=float)
    coef["ci_low"] = coef.estimate - zc * coef.se
    coef["ci_high"] = coef.estimate + zc * coef.se
    coef["ci_low_per_unit"] = coef.ci_low / sds
    coef["ci_high_per_unit"] = coef.ci_high / sds
    coef["sd_predictor"] = sds
    coef["n_imputed"] = coef.term.map(imputed)
    coef = coef[["term", "estimate", "se", "ci_low", "ci_high", "z", "p_value", "estimate_per_unit",
                 "ci_low_per_unit", "ci_high_per_unit", "sd_predictor", "n_imputed"]]
    coef.attrs["ci_level"] = ci_level

    slope = None
    if random_slope is not None:
        slope = random_slope_test(ext, random_slope, correlated=slope_correlated)
    return ModelComparison(base=base, extended=ext, base_predictors=base_predictors, extra_predictors=extra,
                           test=test, fit_stats=fit_stats, variance=var, flags=flags, coefficients=coef,
                           extra_missing=extra_missing, scope=scope_codes, imputed=imputed, slope_test=slope,
                           notes=notes)


def compare_by_region(
    df: pd.DataFrame | None = None,
    base_predictors: Sequence[str] = SCP_DETERMINANTS,
    extra_predictors: Sequence[str] = (),
    *,
    regions: Sequence[str] | None = None,
    outcome: str = "perc_jhzv",
    levels: tuple[str, str] = _LEVELS,
    extra_missing: Literal["impute", "drop"] = "impute",
    weights: str | None = None,
) -> pd.DataFrame:
    """The extension tested within each jeugdregio in turn (``scope`` = that region).

    Equivalent to :func:`compare_models` with ``scope=<region>`` for every
    region, but the base model is fitted once (with ``extra_missing="drop"``
    once per region, as its rows depend on the region). Each row tests whether
    the variables explain differences *between wijken within* that region
    beyond the national model.

    Returns
    -------
    DataFrame
        One row per region: ``jeugdregio_code, n_wijken, lr_statistic, df,
        p_value, p_holm`` (Holm-adjusted across regions) and, for a single
        extra variable, its within-region coefficient per unit with 95% CI;
        ``error`` for a region where the test is impossible (e.g. the variable
        is constant there).
    """
    from statsmodels.stats.multitest import multipletests

    if df is None:
        df = load_scp_2017()
    df = df.reset_index(drop=True)
    base_predictors, extra = list(base_predictors), list(extra_predictors)
    rg = levels[0]
    y = to_numeric_nl(df[outcome], column=outcome, source="outcome")
    codes = sorted(df[rg].dropna().unique()) if regions is None else list(regions)
    base_cache: dict[bytes, ScpModel] = {}
    zc = stats.norm.ppf(0.975)
    rows: list[dict[str, object]] = []
    for code in codes:
        mask, _ = _scope_mask(df, code, levels)
        try:
            prepared, fit_mask, _ = _prepare_extras(df, extra, y.notna().to_numpy(), levels, extra_missing, mask,
                                                    "extra variables")
        except DataError as exc:
            rows.append({"jeugdregio_code": code, "error": str(exc)})
            continue
        work = df.copy()
        work[outcome] = y.where(fit_mask)
        for c in extra:
            work[c] = prepared[c].to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", JeugdlibWarning)
            key = fit_mask.tobytes()
            if key not in base_cache:
                base_cache[key] = fit_scp_model(work, outcome=outcome, predictors=base_predictors, levels=levels,
                                                weights=weights, reml=False)
            base = base_cache[key]
            try:
                _collinearity(base.design.X.to_numpy()[fit_mask], prepared[fit_mask], "extra variables")
            except DataError as exc:
                rows.append({"jeugdregio_code": code, "error": str(exc)})
                continue
            ext = fit_scp_model(work, outcome=outcome, predictors=[*base_predictors, *extra], levels=levels,
                                weights=weights, reml=False)
        t = lr_test(base.llf, ext.llf, len(extra))
        row: dict[str, object] = {"jeugdregio_code": code, "n_wijken": int((fit_mask & mask).sum()),
                                  "lr_statistic": t.statistic, "df": t.df, "p_value": t.p_value}
        if len(extra) == 1:
            c = ext.coefficients().set_index("term").loc[extra[0]]
            sd = float(ext.design.raw_sds[extra[0]])
            row.update(estimate_per_unit=c.estimate / sd, ci_low_per_unit=(c.estimate - zc * c.se) / sd,
                       ci_high_per_unit=(c.estimate + zc * c.se) / sd)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_holm"] = np.nan
    if "p_value" in out:
        ok = out["p_value"].notna()
        if ok.any():
            out.loc[ok, "p_holm"] = multipletests(out.loc[ok, "p_value"], method="holm")[1]
    return out


# =========================================================================== deviation share
@dataclass
class DeviationShare:
    """Wijken of one region substantially above or below expectation.

    Attributes
    ----------
    summary:
        One row per definition: ``definition, description, n_observed,
        n_higher, n_lower, n_deviating`` and the matching shares (of wijken
        with an observed outcome), and ``gemeenten``: the gemeenten with at
        least one deviating wijk ("; "-separated).
    by_gemeente:
        Per gemeente and definition: ``n_observed, n_higher, n_lower,
        n_deviating``.
    wijken:
        The region's wijken with observed, expected, interval bounds and one
        boolean-like flag column (``higher``/``lower``/``as_expected``) per
        definition.
    n_unobserved:
        Wijken whose outcome is suppressed (not counted in any denominator).
    """

    region_code: str
    region_name: str
    summary: pd.DataFrame
    by_gemeente: pd.DataFrame
    wijken: pd.DataFrame
    n_unobserved: int
    protected: bool

    @property
    def gemeenten(self) -> dict[str, list[str]]:
        """Per definition, the gemeenten (names, else codes) with at least one deviating wijk."""
        return {r.definition: [g for g in str(r.gemeenten).split("; ") if g] for r in self.summary.itertuples()}

    def describe(self) -> str:
        """Dutch report text: the share per definition and SCP's caveat.

        Uses the (possibly protected) summary, so suppressed counts are not
        revealed.
        """
        parts = []
        for r in self.summary.itertuples():
            share = "onderdrukt (te klein aantal)" if pd.isna(r.share_deviating) else f"{r.share_deviating:.0%}"
            parts.append(f"{share} bij de definitie '{r.description}'")
        return (f"In {self.region_name} ({self.region_code}) wijkt het waargenomen gebruik in "
                + "; ".join(parts) + f" af van het verwachte gebruik (wijken met een waargenomen aandeel; "
                f"{self.n_unobserved} wijken zonder gepubliceerd aandeel tellen niet mee). Een verschil is geen "
                "oordeel over goed of slecht beleid: de wijk heeft kenmerken die het model niet kent, en dat is "
                "aanleiding om met lokale partners beter te kijken.")


def deviation_share(
    model: ScpModel,
    region: str,
    *,
    year: int = 2017,
    intervals: Sequence[float] = (0.95, 0.80),
    thresholds: Sequence[float] = (1.0, 2.0),
    for_report: bool = False,
) -> DeviationShare:
    """Share of a region's wijken substantially above or below expectation.

    Definitions (each reported separately; a wijk counts when its outcome is
    observed):

    * ``pi{L}``: the observed share lies outside the model's ``L`` prediction
      interval for that wijk (:meth:`ScpModel.expected`: fixed-part,
      region/gemeente effect and wijk residual uncertainty);
    * ``abs{T}pp``: ``|observed − expected| >= T`` percentage points (on the
      share scale), irrespective of the interval.

    The Haaglanden study's "almost 40% of wijken substantially higher or lower"
    did not publish its definition; compare several. A difference is no
    verdict on policy.

    Parameters
    ----------
    model:
        A fitted SCP model (REML or ML).
    region:
        Jeugdregio code or name (``"JZ24"``, ``"Haaglanden"``), looked up with
        :func:`jeugdlib.data.find_region` in ``year``'s boundaries.
    intervals, thresholds:
        Prediction-interval levels and absolute thresholds (pp).
    for_report:
        Pass the counts through :func:`jeugdlib.disclosure.protect` (counts
        below 10 suppressed, the rest rounded to 5, shares of suppressed counts
        hidden). These are counts of *wijken*, not of persons, so raw counts are
        returned by default; use ``for_report=True`` for anything printed in a
        report, which keeps the API consistent with the rest of jeugdlib.
    """
    info = find_region(region, year)
    code, name = str(info.jeugdregio_code), str(info.jeugdregio_naam)
    rg, gm = model.levels
    in_region = (model.data[rg] == code).to_numpy()
    if not in_region.any():
        raise DataError(f"region {name} ({code}) has no wijken in the model's data; is the data of the "
                        f"{year} boundaries?")
    base_cols = None
    defs: list[tuple[str, str, np.ndarray]] = []
    for lev in intervals:
        e = model.expected(level=lev)[in_region].reset_index(drop=True)
        if base_cols is None:
            base_cols = e[["wijkcode", "gemeentecode", "observed", "expected", "difference"]].copy()
        base_cols[f"pi_low_{int(round(lev * 100))}"] = e.pi_low
        base_cols[f"pi_high_{int(round(lev * 100))}"] = e.pi_high
        defs.append((f"pi{int(round(lev * 100))}",
                     f"observed outside the {lev:.0%} prediction interval", e.flag.to_numpy()))
    if base_cols is None:
        e = model.expected()[in_region].reset_index(drop=True)
        base_cols = e[["wijkcode", "gemeentecode", "observed", "expected", "difference"]].copy()
    diff = base_cols.difference.to_numpy()
    observed = ~np.isnan(base_cols.observed.to_numpy())
    for t in thresholds:
        flag = np.where(~observed, None, np.where(diff >= t, "higher", np.where(diff <= -t, "lower", "as_expected")))
        defs.append((f"abs{t:g}pp", f"|observed - expected| >= {t:g} percentage points", flag))
    wijken = base_cols
    if "gemeentenaam" in model.data.columns:
        names = model.data[in_region].set_index("wijkcode")["gemeentenaam"]
        wijken.insert(2, "gemeentenaam", wijken.wijkcode.map(names))
    summary_rows, gem_rows = [], []
    for key, desc, flag in defs:
        wijken[key] = flag
        f = flag[observed]
        nh, nl = int((f == "higher").sum()), int((f == "lower").sum())
        n = int(observed.sum())
        summary_rows.append({"definition": key, "description": desc, "n_observed": n, "n_higher": nh,
                             "n_lower": nl, "n_deviating": nh + nl, "share_higher": nh / n if n else np.nan,
                             "share_lower": nl / n if n else np.nan,
                             "share_deviating": (nh + nl) / n if n else np.nan})
        tmp = wijken[observed].assign(_f=f)
        by = ["gemeentecode", "gemeentenaam"] if "gemeentenaam" in tmp else ["gemeentecode"]
        involved = tmp.loc[np.isin(tmp._f, ["higher", "lower"]), by[-1]]
        summary_rows[-1]["gemeenten"] = "; ".join(sorted(involved.dropna().unique()))
        for keys, g in tmp.groupby(by, sort=True):
            keys = keys if isinstance(keys, tuple) else (keys,)
            row = dict(zip(by, keys, strict=True))
            gh, gl = int((g._f == "higher").sum()), int((g._f == "lower").sum())
            row.update(definition=key, n_observed=len(g), n_higher=gh, n_lower=gl, n_deviating=gh + gl)
            gem_rows.append(row)
    summary = pd.DataFrame(summary_rows)
    by_gem = pd.DataFrame(gem_rows)
    if for_report:
        summary = protect(summary, ["n_observed", "n_higher", "n_lower", "n_deviating"],
                          rate_cols={"share_higher": "n_higher", "share_lower": "n_lower",
                                     "share_deviating": "n_deviating"},
                          column_totals=False, source=f"deviation_share {code}")
        for s, c in (("share_higher", "n_higher"), ("share_lower", "n_lower"), ("share_deviating", "n_deviating")):
            summary[s] = (summary[c] / summary["n_observed"]).where(summary[s].notna())
        parts = []
        for key, g in by_gem.groupby("definition", sort=False):
            parts.append(protect(g.reset_index(drop=True), ["n_observed", "n_higher", "n_lower", "n_deviating"],
                                 source=f"deviation_share {code} {key}"))
        by_gem = pd.concat(parts, ignore_index=True)
        wijken = wijken.drop(columns=[k for k, _, _ in defs])  # per-wijk flags reveal the counts
    summary.attrs["definitions"] = {k: d for k, d, _ in defs}
    return DeviationShare(region_code=code, region_name=name, summary=summary, by_gemeente=by_gem, wijken=wijken,
                          n_unobserved=int((~observed).sum()), protected=for_report)
