"""Scope masks and the preparation of extra variables for :func:`jeugdlib.multilevel.compare_models`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.io import parse_numeric
from jeugdlib.multilevel._common import _DATA_YEAR_COLUMNS, _boundary_year_of
from jeugdlib.scp import impute_hierarchical


def _resolve_scope_code(df: pd.DataFrame, code: str, rg: str, gm: str) -> str:
    """A code present in the data, or a jeugdregio name resolved with :func:`find_region`."""
    if df[gm].eq(code).any() or df[rg].eq(code).any():
        return code
    from jeugdlib.data import find_region
    from jeugdlib.errors import RegionNotFoundError

    year = _boundary_year_of(df, "data", _DATA_YEAR_COLUMNS) or 2017  # the loaders' indelingsjaar column
    try:
        return str(find_region(code, 2022 if year == 2021 else year).jeugdregio_code)
    except (RegionNotFoundError, DataError):
        return code  # reported as unknown below


def _scope_mask(
    df: pd.DataFrame, scope: str | Sequence[str] | pd.Series | np.ndarray | None, levels: tuple[str, str]
) -> tuple[np.ndarray | None, list[str] | None]:
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


def _prepare_extras(
    df: pd.DataFrame,
    extra: list[str],
    fit_mask: np.ndarray,
    levels: tuple[str, str],
    extra_missing: str,
    scope: np.ndarray | None,
    source: str,
) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """Numeric, imputed (or row-restricted) and, with a scope, scope-centred extra variables."""
    raw = pd.DataFrame({c: parse_numeric(df[c], column=c, source=source) for c in extra}, index=df.index)
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
            raise DataError(
                f"{source}: extra variable {c!r} is missing for every fitted wijk"
                f"{' in the scope' if scope is not None else ''}; check the join "
                "(codes of another boundary year?)."
            )
        if v.nunique() < 2:
            raise DataError(
                f"{source}: extra variable {c!r} is constant ({v.dropna().iloc[0]!r}) in the fitted "
                "wijken; it cannot explain differences. Remove it."
            )
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
                "remove the base predictor(s) it duplicates."
            )
        if r2 > warn_r2:
            warnings.warn(
                f"{source}: extra variable {c!r} is nearly collinear with the base predictors "
                f"(R² = {r2:.3f}, VIF = {1 / (1 - r2):.0f}); its coefficient will be imprecise.",
                JeugdlibWarning,
                stacklevel=4,
            )
