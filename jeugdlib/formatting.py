"""One formatter for every number a report reader sees: Dutch notation, one rule per kind of value.

Every function takes a number (Python, numpy or pandas scalar) and returns a string in Dutch
notation: ``.`` between thousands, ``,`` before the decimals, a true minus sign (U+2212) and
:data:`MISSING` (``"–"``) for anything missing or suppressed (``None``, ``NaN``, ``pd.NA``,
``pd.NaT``), so that ``nan``, ``None`` or ``<NA>`` never reach a table or a sentence.

Rounding is *half away from zero on the number as written*: ``0.05`` → ``"0,1"`` and ``0.15`` →
``"0,2"`` (Python's ``format`` would give ``"0,1"`` for ``0.15``, because the binary float lies
just below). A value that rounds to zero is shown without a sign (``-0.04`` → ``"0,0"``).

>>> number(1234.5)
'1.234,5'
>>> share(0.2034)
'20,3%'
>>> p_value(0.0004)
'p < 0,001'

:func:`format_column` formats a whole column by its kind; :data:`COLUMN_NAMES` is the one
dictionary of Dutch column headers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext
from numbers import Number
from typing import Any

import pandas as pd

__all__ = [
    "COLUMN_NAMES",
    "KINDS",
    "MINUS",
    "MISSING",
    "count",
    "dutch_columns",
    "euro",
    "format_column",
    "format_value",
    "is_missing",
    "label",
    "number",
    "p_value",
    "percent",
    "plural",
    "points",
    "share",
    "significant",
    "significant_decimals",
    "std_error",
    "year",
    "yes_no",
]

#: Shown for every missing or suppressed value.
MISSING = "–"
#: The true minus sign (U+2212), used for every negative number.
MINUS = "\u2212"

#: The kinds :func:`format_column` knows.
KINDS = frozenset(
    {"count", "units", "percent", "share", "points", "euro", "se", "p", "number", "sig", "text", "year", "code", "bool"}
)


# --------------------------------------------------------------------------- helpers
def is_missing(x: Any) -> bool:
    """True for ``None``, ``NaN`` (any float type), ``pd.NA`` and ``pd.NaT``.

    >>> is_missing(float("nan")), is_missing(pd.NA), is_missing(0.0)
    (True, True, False)
    """
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x)) if not isinstance(x, str | bytes) else False
    except (TypeError, ValueError):  # array-likes: not a scalar missing value
        return False


def _decimal(x: Any) -> Decimal:
    """The number as written: ``0.15`` → ``Decimal("0.15")`` (not the binary expansion)."""
    if isinstance(x, bool):
        return Decimal(int(x))
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int):
        return Decimal(x)
    if not isinstance(x, Number):
        try:
            x = float(x)
        except (TypeError, ValueError) as e:
            raise TypeError(f"not a number: {x!r}") from e
    try:
        as_int = int(x)  # numpy integers
        if isinstance(x, int) or (hasattr(x, "dtype") and x.dtype.kind in "iu"):  # type: ignore[attr-defined]
            return Decimal(as_int)
    except (OverflowError, ValueError):
        pass
    if hasattr(x, "dtype"):  # numpy floats: str gives the shortest repr in their own precision
        return Decimal(str(x))
    return Decimal(repr(float(x)))


def _round(d: Decimal, decimals: int) -> Decimal:
    """Half away from zero to ``decimals`` places, with enough precision for huge values."""
    with localcontext() as ctx:
        ctx.prec = max(28, d.adjusted() + decimals + 5)
        return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def rounded(x: Any, decimals: int = 1) -> float:
    """``x`` rounded as this module shows it (half away from zero on the number as written); NaN stays NaN.

    >>> rounded(1.45), rounded(-1.45), rounded(0.15)
    (1.5, -1.5, 0.2)
    """
    if is_missing(x):
        return float("nan")
    return float(_round(_decimal(x), decimals))


def _digits(d: Decimal, decimals: int) -> str:
    """The absolute value of a rounded Decimal in Dutch notation (no sign)."""
    text = f"{abs(d):,.{decimals}f}"  # Decimal formatting is exact
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _signed(x: Any, decimals: int, *, plus: bool = False) -> tuple[str, str]:
    """(sign, digits) for ``x`` rounded to ``decimals``; the sign is empty for a value that rounds to zero."""
    f = float(x) if not isinstance(x, int | Decimal) else x
    if isinstance(f, float) and math.isinf(f):
        return (MINUS if f < 0 else ("+" if plus else "")), "∞"
    d = _round(_decimal(x), decimals)
    if d == 0:
        return "", _digits(d, decimals)
    return (MINUS if d < 0 else ("+" if plus else "")), _digits(d, decimals)


# --------------------------------------------------------------------------- scalars
def number(x: Any, decimals: int = 1, *, sign: bool = False) -> str:
    """A number in Dutch notation.

    ``sign=True`` puts ``+`` before a positive value (a change).

    >>> number(1234.5)
    '1.234,5'
    >>> number(-0.04), number(-1.25), number(0.05)
    ('0,0', '−1,3', '0,1')
    >>> number(2.0, 0), number(3, 2), number(float("nan"))
    ('2', '3,00', '–')
    >>> number(1.5, sign=True)
    '+1,5'
    """
    if is_missing(x):
        return MISSING
    s, digits = _signed(x, decimals, plus=sign)
    return s + digits


def count(n: Any) -> str:
    """A count (persons, wijken, gemeenten) as a whole number with thousands separators.

    >>> count(160620.0), count(1), count(None)
    ('160.620', '1', '–')
    """
    return number(n, 0)


def percent(x: Any, decimals: int = 1, *, sign: bool = False) -> str:
    """A value already in percent: ``12.34`` → ``"12,3%"``.

    >>> percent(12.34), percent(100), percent(pd.NA)
    ('12,3%', '100,0%', '–')
    """
    text = number(x, decimals, sign=sign)
    return text if text == MISSING else text + "%"


def share(x: Any, decimals: int = 1) -> str:
    """A fraction shown as a percentage: ``0.2034`` → ``"20,3%"``, ``2.03`` → ``"203,0%"``.

    The multiplication is exact (``0.2035`` → ``"20,4%"``, not ``"20,3%"`` from ``20.349999...``).

    >>> share(0.2034), share(2.03), share(0.2035)
    ('20,3%', '203,0%', '20,4%')
    """
    if is_missing(x):
        return MISSING
    f = float(x)
    if math.isinf(f):
        return percent(f, decimals)
    return percent(_decimal(x) * 100, decimals)


def points(x: Any, decimals: int = 1, sign: bool = True, *, unit: bool = True) -> str:
    """A difference in percentage points: ``2.2`` → ``"+2,2 procentpunt"``.

    ``sign`` puts ``+`` before a positive difference; ``unit=False`` leaves off the unit (a table
    column whose header names it).

    >>> points(2.2), points(-1), points(0.0)
    ('+2,2 procentpunt', '−1,0 procentpunt', '0,0 procentpunt')
    >>> points(2.2, sign=False, unit=False)
    '2,2'
    """
    text = number(x, decimals, sign=sign)
    return text if text == MISSING or not unit else text + " procentpunt"


def euro(x: Any, decimals: int = 0) -> str:
    """An amount in euros, whole euros by default: ``1234567`` → ``"€ 1.234.567"``.

    >>> euro(1234567), euro(-542004.4), euro(12.5, 2), euro(None)
    ('€ 1.234.567', '−€ 542.004', '€ 12,50', '–')
    """
    if is_missing(x):
        return MISSING
    s, digits = _signed(x, decimals)
    return f"{s}€ {digits}"


def _significant_decimals(d: Decimal, digits: int) -> int:
    """Decimals that show ``digits`` significant digits of ``d`` (never fewer than 0)."""
    return max(0, digits - 1 - d.adjusted())


def significant_decimals(x: Any, digits: int = 2) -> int:
    """The decimals that show ``digits`` significant digits of ``x`` (0 for whole numbers, zero or missing).

    Use it to give estimates the decimals of their standard error.

    >>> significant_decimals(0.0123), significant_decimals(0.0996), significant_decimals(1234.5)
    (3, 2, 0)
    """
    if is_missing(x) or math.isinf(float(x)) or float(x) == 0:
        return 0
    d = abs(_decimal(x))
    decimals = _significant_decimals(d, digits)
    if _round(d, decimals).adjusted() > d.adjusted():  # 0.0996 → 0.100: one digit too many
        decimals = _significant_decimals(_round(d, decimals), digits)
    return decimals


def significant(x: Any, digits: int = 2) -> str:
    """A number with ``digits`` significant digits (whole numbers kept whole), sign kept.

    For small model quantities whose size is not known in advance (a change in a variance, an
    estimate next to its SE): a nonzero value is never shown as ``"0,0"``.

    >>> significant(0.0123), significant(-0.000456), significant(1234.5), significant(0.0)
    ('0,012', '−0,00046', '1.235', '0')
    """
    if is_missing(x):
        return MISSING
    return number(x, significant_decimals(x, digits))


def std_error(x: Any, digits: int = 2) -> str:
    """A standard error with ``digits`` significant digits (whole numbers kept whole).

    A nonzero SE is never shown as ``"0,0"``.

    >>> std_error(0.0123), std_error(1.234), std_error(123.4), std_error(0.0996)
    ('0,012', '1,2', '123', '0,10')
    >>> std_error(0.00004567)
    '0,000046'
    """
    return significant(x, digits)


def p_value(p: Any, *, prefix: bool = True) -> str:
    """A p-value: two significant digits, at most three decimals, ``< 0,001`` below that.

    ``prefix=False`` gives the cell of a column headed "p-waarde" (``"< 0,001"``, ``"0,034"``).

    >>> p_value(0.0004), p_value(0.0342), p_value(0.5), p_value(0.0042)
    ('p < 0,001', 'p = 0,034', 'p = 0,50', 'p = 0,004')
    >>> p_value(0.9996), p_value(0.0004, prefix=False), p_value(float("nan"))
    ('p > 0,99', '< 0,001', '–')
    """
    if is_missing(p):
        return MISSING
    f = float(p)
    if not 0 <= f <= 1:
        raise ValueError(f"a p-value lies between 0 and 1, not {f!r}")
    head = "p " if prefix else ""
    if f < 0.001:
        return f"{head}< 0,001"
    d = _decimal(p)
    decimals = min(3, _significant_decimals(d, 2))
    if _round(d, 2) >= Decimal("0.995") or f >= 0.995:
        return f"{head}> 0,99"
    text = number(p, decimals)
    return f"p = {text}" if prefix else text


def plural(n: Any, singular: str, plural: str) -> str:
    """``n`` with the right form of the noun: ``"1 wijk"``, ``"3 wijken"``, ``"0 wijken"``.

    >>> plural(1, "wijk", "wijken"), plural(3.0, "wijk", "wijken"), plural(1200, "jongere", "jongeren")
    ('1 wijk', '3 wijken', '1.200 jongeren')
    """
    text = count(n)
    return f"{text} {singular if text == '1' else plural}"


def year(x: Any) -> str:
    """A year without thousands separator: ``2022.0`` → ``"2022"``.

    >>> year(2022.0), year("2022*"), year(None)
    ('2022', '2022*', '–')
    """
    if is_missing(x):
        return MISSING
    if isinstance(x, str):
        return x
    return str(int(_round(_decimal(x), 0)))


def yes_no(x: Any) -> str:
    """A truth value in Dutch: ``True`` → ``"ja"``.

    >>> yes_no(True), yes_no(False), yes_no(None)
    ('ja', 'nee', '–')
    """
    if is_missing(x):
        return MISSING
    return "ja" if bool(x) else "nee"


def _code(x: Any) -> str:
    """A code (gemeente, wijk): an integer stored as float loses its ``.0``."""
    if is_missing(x):
        return MISSING
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _text(x: Any) -> str:
    if is_missing(x):
        return MISSING
    if isinstance(x, bool):
        return yes_no(x)
    return str(x)


# --------------------------------------------------------------------------- columns
def format_value(x: Any, kind: str, decimals: int = 1) -> str:
    """One cell formatted by its column's ``kind`` (see :func:`format_column`).

    Text is shown as it is, whatever the kind.

    >>> format_value(0.2034, "share"), format_value(2.2, "points"), format_value(0.0004, "p")
    ('20,3%', '+2,2', '< 0,001')
    >>> format_value("12 (geschat)", "count")
    '12 (geschat)'
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {sorted(KINDS)}")
    if isinstance(x, str):  # already text (a label in a numeric column, a pre-formatted cell): shown as is
        return x
    if kind in {"count", "units"}:
        return count(x)
    if kind == "percent":
        return percent(x, decimals)
    if kind == "share":
        return share(x, decimals)
    if kind == "points":
        return points(x, decimals, unit=False)
    if kind == "euro":
        return euro(x)
    if kind == "se":
        return std_error(x)
    if kind == "sig":
        return significant(x)
    if kind == "p":
        return p_value(x, prefix=False)
    if kind == "number":
        return number(x, decimals)
    if kind == "year":
        return year(x)
    if kind == "code":
        return _code(x)
    if kind == "bool":
        return yes_no(x)
    return _text(x)


def format_column(series: Iterable[Any], kind: str, decimals: int = 1) -> list[str]:
    """Every value of a column as text, by the column's kind.

    Kinds: ``count`` and ``units`` (whole numbers), ``percent`` (already in percent), ``share``
    (a fraction shown as percent), ``points`` (a signed difference in percentage points, the unit
    in the header), ``euro``, ``se`` (significant digits), ``p`` (``< 0,001``), ``number``
    (``decimals`` places), ``sig`` (two significant digits), ``year``, ``code``, ``bool`` (ja/nee) and ``text``.

    >>> format_column(pd.Series([1234.0, None]), "count")
    ['1.234', '–']
    >>> format_column(pd.Series([0.5, pd.NA], dtype="Float64"), "share")
    ['50,0%', '–']
    """
    values = series.astype(object) if isinstance(series, pd.Series) else series
    return [format_value(v, kind, decimals) for v in values]


#: Dutch column headers for internal or English column names (one dictionary for every report).
COLUMN_NAMES: Mapping[str, str] = {
    # model estimates
    "term": "Term",
    "estimate": "Schatting",
    "estimate_per_unit": "Schatting per eenheid",
    "coef": "Schatting",
    "std_error": "Standaardfout",
    "se": "Standaardfout",
    "statistic": "Toetsingsgrootheid",
    "z": "z-waarde",
    "t": "t-waarde",
    "p_value": "p-waarde",
    "pvalue": "p-waarde",
    "ci_low": "95%-interval ondergrens",
    "ci_high": "95%-interval bovengrens",
    "conf_low": "95%-interval ondergrens",
    "conf_high": "95%-interval bovengrens",
    # model fit
    "llf": "Log-likelihood",
    "loglik": "Log-likelihood",
    "aic": "AIC",
    "bic": "BIC",
    "n_obs": "Aantal waarnemingen",
    "nobs": "Aantal waarnemingen",
    "n_groups": "Aantal groepen",
    "df": "Vrijheidsgraden",
    "converged": "Geconvergeerd",
    "model": "Model",
    "variance": "Variantie",
    "sd": "Standaarddeviatie",
    "icc": "Intraklassecorrelatie",
    "lr_statistic": "LR-toetsingsgrootheid",
    # places and time
    "year": "Jaar",
    "gemeente": "Gemeente",
    "gemeentecode": "Gemeentecode",
    "wijk": "Wijk",
    "wijkcode": "Wijkcode",
    "region": "Regio",
    "observed": "Waargenomen",
    "expected": "Verwacht",
    "difference": "Verschil",
    # local wijk variables (jeugdlib.multilevel.LOCAL_WIJK_SCHEMA)
    "sociale_cohesie": "Sociale cohesie (0–10)",
    "veiligheid_ervaren": "Ervaren veiligheid (0–10)",
    "tevredenheid_voorzieningen": "Tevredenheid over voorzieningen (0–10)",
    "n_respondenten": "Aantal respondenten",
}


def dutch_columns(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with its columns renamed by :data:`COLUMN_NAMES` (unknown names kept).

    >>> list(dutch_columns(pd.DataFrame(columns=["term", "estimate", "Wijk"])).columns)
    ['Term', 'Schatting', 'Wijk']
    """
    return df.rename(columns={c: COLUMN_NAMES[c] for c in df.columns if isinstance(c, str) and c in COLUMN_NAMES})


def label(name: str) -> str:
    """A Dutch label for an internal name: from :data:`COLUMN_NAMES`, else the name made readable.

    >>> label("std_error"), label("sociale_cohesie"), label("Wijk")
    ('Standaardfout', 'Sociale cohesie (0–10)', 'Wijk')
    """
    if name in COLUMN_NAMES:
        return COLUMN_NAMES[name]
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
