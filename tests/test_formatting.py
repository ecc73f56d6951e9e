"""jeugdlib.formatting and the report table formatter (to_html): Dutch notation against known values."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from jeugdlib import formatting as F
from jeugdlib.report_sections import nl, to_html
from jeugdlib.report_sections._common import format_table, guess_kind, shown

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1.234,5"),
        (1234567.891, 2, "1.234.567,89"),
        (0.05, 1, "0,1"),  # half away from zero on the number as written
        (0.15, 1, "0,2"),  # format() gives 0.1 (the binary float lies below 0.15)
        (2.675, 2, "2,68"),
        (-0.05, 1, f"{MINUS}0,1"),
        (-0.04, 1, "0,0"),  # rounds to zero: no sign
        (-0.0, 1, "0,0"),  # negative zero
        (-1.25, 1, f"{MINUS}1,3"),
        (999.95, 1, "1.000,0"),
        (1e15, 0, "1.000.000.000.000.000"),
        (1.5e30, 0, "1.500" + ".000" * 9),
        (3, 2, "3,00"),
        (2.0, 0, "2"),
        (np.int64(1234567), 0, "1.234.567"),
        (np.float32(0.15), 1, "0,2"),  # float32 shown by its own shortest representation
        (np.float64(-2.5), 0, f"{MINUS}3"),
        (float("inf"), 1, "∞"),
        (float("-inf"), 1, f"{MINUS}∞"),
    ],
)
def test_number_known_values(value, decimals, expected):
    assert F.number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, np.float32("nan"), pd.NA, pd.NaT])
def test_every_missing_value_is_a_dash(missing):
    for f in (F.number, F.count, F.percent, F.share, F.points, F.euro, F.std_error, F.p_value, F.year, F.yes_no):
        assert f(missing) == F.MISSING == "–", f.__name__
    assert nl(missing) == "–"
    assert F.format_value(missing, "text") == "–" and F.format_value(missing, "code") == "–"


def test_counts_percentages_shares_points():
    assert F.count(160620.0) == "160.620"
    assert F.count(np.int64(5)) == "5" and F.count(9.5) == "10"
    assert F.percent(12.34) == "12,3%" and F.percent(-3.25, 1) == f"{MINUS}3,3%"
    assert F.share(0.2034) == "20,3%"
    assert F.share(2.03) == "203,0%"  # the review read "2,0" for 203%
    assert F.share(0.2035) == "20,4%"  # exact: 0.2035 * 100 is 20.349999... in floats
    assert F.share(np.float64(-0.264), 0) == f"{MINUS}26%"
    assert F.points(2.2) == "+2,2 procentpunt"
    assert F.points(-1) == f"{MINUS}1,0 procentpunt"
    assert F.points(0.04) == "0,0 procentpunt"  # no "+0,0"
    assert F.points(1.25, 2, sign=False, unit=False) == "1,25"
    assert F.number(1.5, sign=True) == "+1,5"


def test_euro():
    assert F.euro(1234567) == "€ 1.234.567"
    assert F.euro(-542004.4) == f"{MINUS}€ 542.004"
    assert F.euro(-0.4) == "€ 0"
    assert F.euro(0.5) == "€ 1"
    assert F.euro(12.5, 2) == "€ 12,50"
    assert F.euro(np.float64(2.5e9)) == "€ 2.500.000.000"


@pytest.mark.parametrize(
    ("se", "expected"),
    [
        (0.0123, "0,012"),
        (1.234, "1,2"),
        (12.34, "12"),
        (123.4, "123"),
        (0.0996, "0,10"),  # rounds up a magnitude: still two significant digits
        (0.995, "1,0"),
        (0.00004567, "0,000046"),
        (0.0, "0"),
    ],
)
def test_std_error_significant_digits(se, expected):
    assert F.std_error(se) == expected


def test_std_error_is_never_zero_for_a_nonzero_value():
    for k in range(-9, 7):
        for mantissa in (1.0, 1.04, 4.96, 9.99):
            x = mantissa * 10.0**k
            text = F.std_error(x)
            digits = re.sub(r"[^0-9]", "", text).lstrip("0")
            assert digits and len(digits) >= 2 or x >= 10, (x, text)
            assert float(text.replace(".", "").replace(",", ".")) == pytest.approx(x, rel=0.06), (x, text)
    assert F.significant(-0.000456) == f"{MINUS}0,00046"
    assert F.significant_decimals(0.0123) == 3 and F.significant_decimals(0.0996) == 2
    assert F.significant_decimals(250.0) == 0 and F.significant_decimals(None) == 0


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0004, "p < 0,001"),
        (0.000999, "p < 0,001"),
        (0.0, "p < 0,001"),
        (0.001, "p = 0,001"),
        (0.0042, "p = 0,004"),
        (0.0342, "p = 0,034"),
        (0.049, "p = 0,049"),
        (0.5, "p = 0,50"),
        (0.409, "p = 0,41"),
        (0.994, "p = 0,99"),
        (0.9996, "p > 0,99"),
        (1.0, "p > 0,99"),
    ],
)
def test_p_value(p, expected):
    assert F.p_value(p) == expected
    assert F.p_value(p, prefix=False) == expected.removeprefix("p ").removeprefix("= ")


def test_p_value_outside_unit_interval_is_refused():
    with pytest.raises(ValueError):
        F.p_value(1.2)
    with pytest.raises(ValueError):
        F.p_value(-0.01)


def test_plural_and_year():
    assert F.plural(1, "wijk", "wijken") == "1 wijk"
    assert F.plural(1.0, "gemeente", "gemeenten") == "1 gemeente"
    assert F.plural(0, "wijk", "wijken") == "0 wijken"
    assert F.plural(3, "wijk", "wijken") == "3 wijken"
    assert F.plural(1200, "jongere", "jongeren") == "1.200 jongeren"
    assert F.year(2022.0) == "2022" and F.year(np.int64(2017)) == "2017" and F.year("2022*") == "2022*"


def test_format_column_by_kind():
    s = pd.Series([1234.0, None, 0.5])
    assert F.format_column(s, "count") == ["1.234", "–", "1"]
    assert F.format_column(pd.Series([0.5, pd.NA], dtype="Float64"), "share") == ["50,0%", "–"]
    assert F.format_column(pd.Series([2.2, -1.0]), "points") == ["+2,2", f"{MINUS}1,0"]
    assert F.format_column(pd.Series([-542004.4]), "euro") == [f"{MINUS}€ 542.004"]
    assert F.format_column(pd.Series([0.0004, 0.0342]), "p") == ["< 0,001", "0,034"]
    assert F.format_column(pd.Series([0.0123]), "se") == ["0,012"]
    assert F.format_column(pd.Series([363.0, "GM0363"], dtype=object), "code") == ["363", "GM0363"]
    assert F.format_column(pd.Series([True, False, None], dtype=object), "bool") == ["ja", "nee", "–"]
    assert F.format_column(pd.Series([1.234, 5.0]), "number", 2) == ["1,23", "5,00"]
    assert F.format_column([2021.0, 2022], "year") == ["2021", "2022"]
    assert F.format_column(pd.Series([1234.0, "n.v.t."], dtype=object), "count") == ["1.234", "n.v.t."]
    with pytest.raises(ValueError):
        F.format_column(s, "bogus")


def test_dutch_column_names():
    df = pd.DataFrame(columns=["term", "estimate", "std_error", "p_value", "llf", "aic", "converged", "Wijk"])
    assert list(F.dutch_columns(df).columns) == [
        "Term",
        "Schatting",
        "Standaardfout",
        "p-waarde",
        "Log-likelihood",
        "AIC",
        "Geconvergeerd",
        "Wijk",
    ]
    english = {"estimate", "std_error", "p_value", "llf", "aic", "converged", "ci_low", "ci_high", "statistic"}
    assert english <= set(F.COLUMN_NAMES)
    assert not english & set(F.COLUMN_NAMES.values())
    assert F.label("sociale_cohesie") == "Sociale cohesie (0–10)" and F.label("eigen_score") == "Eigen score"


def test_nl_delegates_to_number():
    assert nl(9.84) == "9,8" and nl(1234.56, 2) == "1.234,56" and nl(-0.04) == "0,0"
    assert nl(-2.5, 0) == f"{MINUS}3"


def _cells(html: str) -> tuple[list[str], list[list[str]]]:
    soup = BeautifulSoup(html, "html.parser")
    head = [th.get_text() for th in soup.find("thead").find_all("th")]
    body = [[td.get_text() for td in tr.find_all("td")] for tr in soup.find("tbody").find_all("tr")]
    return head, body


def test_to_html_guesses_kinds_from_headers():
    df = pd.DataFrame(
        {
            "Aantal jongeren": pd.array([160620, None], dtype="Int64"),
            "Kosten (euro)": [-542004.4, np.nan],
            "Bedrag (€)": [1234567.0, 0.0],
            "p_value": [0.0004, 0.5],
            "std_error": [0.0123, 1.234],
            "Jaar": [2022.0, 2021.0],
            "Wijken": [3.0, np.nan],
            "Gemeentecode": ["GM0363", None],
            "Score": pd.array([1.25, pd.NA], dtype="Float64"),
            "Omschrijving": ["a", None],
        }
    )
    head, body = _cells(to_html(df))
    assert head == [
        "Aantal jongeren",
        "Kosten (euro)",
        "Bedrag (€)",
        "p-waarde",
        "Standaardfout",
        "Jaar",
        "Wijken",
        "Gemeentecode",
        "Score",
        "Omschrijving",
    ]
    assert body[0] == ["160.620", f"{MINUS}€ 542.004", "€ 1.234.567", "< 0,001", "0,012", "2022", "3", "GM0363",
                       "1,3", "a"]  # fmt: skip
    assert body[1] == ["–", "–", "€ 0", "0,50", "1,2", "2021", "–", "–", "–", "–"]


def test_to_html_explicit_kinds_and_decimals_win():
    df = pd.DataFrame({"Aandeel": [0.2034, 2.03], "Verschil": [2.2, -1.0], "Waarde": [1.23456, 2.0]})
    head, body = _cells(to_html(df, kinds={"Aandeel": "share", "Verschil": "points"}, decimals={"Waarde": 3}))
    assert [r[0] for r in body] == ["20,3%", "203,0%"]
    assert [r[1] for r in body] == ["+2,2", f"{MINUS}1,0"]
    assert [r[2] for r in body] == ["1,235", "2,000"]
    # kinds attached with shown() travel with the frame; an explicit kind still overrides them
    shown(df, {"Aandeel": "share"}, {"Waarde": 0})
    assert format_table(df)["Aandeel"].tolist() == ["20,3%", "203,0%"]
    assert format_table(df)["Waarde"].tolist() == ["1", "2"]
    assert format_table(df, kinds={"Aandeel": "number"})["Aandeel"].tolist() == ["0,2", "2,0"]


def test_to_html_never_shows_nan_none_or_na():
    df = pd.DataFrame(
        {
            "estimate": [np.nan, 1.0],
            "converged": pd.array([True, None], dtype="boolean"),
            "n": pd.array([None, 5], dtype="Int64"),
            "x": pd.Series([None, pd.NA], dtype=object),
            np.nan: [1.0, None],
        },
        index=[None, "b"],
    )
    html = to_html(df, index=True)
    for bad in ("nan", "NaN", "None", "<NA>", "&lt;NA&gt;", "NaT", "estimate", "converged"):
        assert bad not in html, bad
    head, body = _cells(html)
    assert head[1:] == ["Schatting", "Geconvergeerd", "n", "x", ""]
    assert body == [["–", "ja", "–", "–", "1,0"], ["1,0", "–", "5", "–", "–"]]
    assert [th.get_text() for th in BeautifulSoup(html, "html.parser").select("tbody th")] == ["–", "b"]


def test_guess_kind():
    assert guess_kind("Aantal cliënten", pd.Series([1.0])) == "count"
    assert guess_kind("Kosten per cliënt (euro)", pd.Series([1.0])) == "euro"
    assert guess_kind("Standaardfout", pd.Series([1.0])) == "se"
    assert guess_kind("p-waarde", pd.Series([1.0])) == "p"
    assert guess_kind("Wijken hoger", pd.Series([1.0])) == "units"
    assert guess_kind("Parameters", pd.Series([13])) == "count"
    assert guess_kind("Verschil (procentpunt)", pd.Series([1.0])) == "number"
    assert guess_kind("Naam", pd.Series(["a"])) == "text"
    assert guess_kind("Score", pd.Series([1.5, None], dtype=object)) == "number"
