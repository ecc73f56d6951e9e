"""Disclosure control: thresholds, rounding, secondary suppression, derived rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from jeugdlib.disclosure import (
    DisclosureError,
    DisclosureInfo,
    ProtectedTable,
    ProtectionReport,
    check_protected,
    protect,
    protect_table,
    round_to_base,
)
from jeugdlib.errors import DataError


def test_threshold_rounding_and_rates():
    df = pd.DataFrame({"n": [3, 12, 13, 27, 100], "rate": [1.0, 2.0, 3.0, 4.0, 5.0]})
    out, info = protect_table(df, ["n"], rate_cols={"rate": "n"}, column_totals=False)
    assert out.n.tolist()[1:] == [10, 15, 25, 100]
    assert np.isnan(out.n[0]) and np.isnan(out.rate[0])
    assert out.rate.tolist()[1:] == [2.0, 3.0, 4.0, 5.0]
    assert info.primary == 1 and info.secondary == 0 and info.rates_suppressed == 1
    assert info.suppressed_cells == [(0, "n")] and info.n_suppressed == 1
    assert (info.threshold, info.base, info.count_cols) == (10, 5, ["n"])


def test_secondary_suppression_column_total():
    # one small cell in a column whose total is published: the next smallest goes too
    df = pd.DataFrame({"n": [4, 50, 22, 40]})
    out, info = protect_table(df, ["n"])
    assert out.n.isna().tolist() == [True, False, True, False]
    assert info.primary == 1 and info.secondary == 1
    assert info.suppressed_cells == [(0, "n"), (2, "n")]
    check_protected(out, ["n"])


def test_protect_returns_the_table_of_protect_table_and_no_hidden_attrs():
    """protect() returns the same table as protect_table(); the report is a typed field, not in attrs."""
    df = pd.DataFrame({"n": [4, 50, 22, 40], "rate": [1.0, 2.0, 3.0, 4.0]}, index=list("abcd"))
    df.attrs["boundary_year"] = 2022
    res = protect_table(df, ["n"], rate_cols={"rate": "n"})
    assert isinstance(res, ProtectedTable) and isinstance(res.report, ProtectionReport)
    assert DisclosureInfo is ProtectionReport
    out = protect(df, ["n"], rate_cols={"rate": "n"})
    assert isinstance(out, pd.DataFrame)
    pd.testing.assert_frame_equal(out, res.table)
    assert "disclosure" not in out.attrs
    assert "disclosure" not in res.table.attrs and res.table.attrs["boundary_year"] == 2022
    assert df.attrs == {"boundary_year": 2022} and df.n.tolist() == [4, 50, 22, 40]  # input untouched
    # a table carrying a report of an older jeugdlib: the stale report does not travel along
    stale = out.copy()
    stale.attrs["disclosure"] = res.report
    again = protect_table(stale, ["n"])
    assert "disclosure" not in again.table.attrs
    assert again.report.primary == 0 and again.report.suppressed_cells == [("a", "n"), ("c", "n")]


def test_secondary_suppression_with_total_column_and_row():
    df = pd.DataFrame({"a": [3, 50, 22], "b": [12, 13, 70]}, index=["x", "y", "z"])
    df["tot"] = df.a + df.b
    df.loc["totaal"] = df.sum()
    out, info = protect_table(df, ["a", "b"], total_col="tot", total_row="totaal", column_totals=False)
    # x.a = 3 is primary; the smallest pattern that protects it in a table with both margins is a
    # rectangle of four hidden cells: x.b (row x), z.a (column a, the cheaper of y.a/z.a) and z.b
    assert info.suppressed_cells == [("x", "a"), ("x", "b"), ("z", "a"), ("z", "b")]
    assert (info.primary, info.secondary) == (1, 3)
    assert out.loc["y"].tolist() == [50, 15, 65] and out.loc["totaal"].tolist() == [75, 95, 170]
    assert out.loc[["x", "z"], "tot"].tolist() == [15, 90]
    check_protected(out, ["a", "b"], total_col="tot", total_row="totaal", column_totals=False)
    # the reader's interval for x.a: wide, and containing the truth
    rep = check_protected(out, ["a", "b"], total_col="tot", total_row="totaal", column_totals=False)
    lo, hi = rep.intervals.loc[[("x", "a")], ["lo", "hi"]].to_numpy()[0]
    assert lo <= 3 <= hi and hi - lo >= 5


def test_round_half_up():
    assert round_to_base(np.array([12.5, 12.4, 17.5]), 5).tolist() == [15, 10, 20]


def test_check_protected_rejects_raw_counts():
    with pytest.raises(DisclosureError, match="below 10"):
        check_protected(pd.DataFrame({"n": [4, 20]}), ["n"])
    with pytest.raises(DisclosureError, match="not a multiple of 5"):
        check_protected(pd.DataFrame({"n": [12, 20]}), ["n"])
    # one hidden cell in a column whose total is published elsewhere: total minus the others
    with pytest.raises(DisclosureError, match=r"\(0, 'n'\).*determine it from the published cells"):
        check_protected(pd.DataFrame({"n": [np.nan, 20, 30]}), ["n"])
    check_protected(pd.DataFrame({"n": [np.nan, 20, 30]}), ["n"], column_totals=False)
    check_protected(pd.DataFrame({"n": [np.nan, np.nan, 30]}), ["n"])


def test_bad_input():
    from jeugdlib import DataError

    with pytest.raises(DataError, match="not found"):
        protect(pd.DataFrame({"n": [1]}), ["m"])
    with pytest.raises(DataError, match="non-numeric"):
        protect(pd.DataFrame({"n": ["veel"]}), ["n"])
    with pytest.raises(DataError, match="negative"):
        protect(pd.DataFrame({"n": [-1]}), ["n"])


counts = st.integers(min_value=0, max_value=400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_frames(
        [column("a", elements=counts), column("b", elements=counts), column("c", elements=counts)],
        index=range_indexes(min_size=1, max_size=12),
    )
)
def test_property_published_counts_are_safe(df):
    df = df.astype(float)
    df["tot"] = df[["a", "b", "c"]].sum(axis=1)
    out = protect(df, ["a", "b", "c"], total_col="tot")
    vals = out[["a", "b", "c", "tot"]].to_numpy()
    shown = vals[~np.isnan(vals)]
    assert (shown >= 10).all()
    assert (np.mod(shown, 5) == 0).all()
    # every shown count is within rounding of the truth
    raw = df[["a", "b", "c", "tot"]].to_numpy()
    mask = ~np.isnan(vals)
    assert (np.abs(vals[mask] - raw[mask]) <= 2.5).all()
    # the reader's audit with the same declarations passes (no primary cell pinned down)
    check_protected(out, ["a", "b", "c", "tot"], total_col="tot")
    # primary suppression: every true count below 10 is hidden
    assert np.isnan(vals[raw < 10]).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 200), min_size=2, max_size=20))
def test_property_rates_follow_counts(ns):
    df = pd.DataFrame({"n": ns, "denom": [max(n, 1) * 3 for n in ns]})
    df["rate"] = 100 * df.n / df.denom
    out = protect(df, ["n", "denom"], rate_cols={"rate": ["n", "denom"]})
    assert (out.rate.isna() | out.n.notna()).all()
    assert out.loc[out.n.isna(), "rate"].isna().all()


def test_group_column_totals():
    df = pd.DataFrame({"gemeente": ["A", "A", "A", "B", "B"], "n": [4, 30, 25, 40, 50]})
    out = protect(df, ["n"], groups="gemeente")
    a = out[out.gemeente == "A"].n
    assert a.isna().sum() == 2  # 4 primary, 25 secondary within gemeente A
    assert out[out.gemeente == "B"].n.notna().all()


def test_distinct_counts_are_not_summed():
    """A total row of distinct clients is not the sum of the providers: no relation, and a warning if undeclared."""
    df = pd.DataFrame({"n_clients": [30, 25, 40], "n_traj": [40, 30, 70]}, index=["A", "B", "Totaal"])
    from jeugdlib.errors import JeugdlibWarning

    with pytest.warns(JeugdlibWarning, match=r"\('Totaal', 'n_clients'\) is not the sum .* distinct_cols"):
        _, rep = protect_table(df, ["n_clients", "n_traj"], total_row="Totaal")
    assert [r.cells[0] for r in rep.dropped_relations] == [("Totaal", "n_clients")]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, rep = protect_table(df, ["n_clients", "n_traj"], total_row="Totaal", distinct_cols=["n_clients"])
    assert rep.dropped_relations == [] and [r.cells[0] for r in rep.relations] == [("Totaal", "n_traj")]
    with pytest.raises(DataError, match="distinct_cols"):
        protect_table(df, ["n_traj"], distinct_cols=["n_clients"])
