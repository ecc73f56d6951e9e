"""The publication boundary (jeugdlib.publication): classification, rates, register, cross-table audit, files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdlib import publication as P
from jeugdlib.errors import DataError
from jeugdlib.publication import Publication, TableSpec


def _traj_spec(name: str = "t", total: bool = True) -> TableSpec:
    return TableSpec(
        name,
        (P.label("Groep"), P.count("Aantal", "trajecten")),
        key="Groep",
        total_row="Totaal" if total else None,
    )


def test_unclassified_column_is_not_published(tmp_path):
    """A user column the spec does not declare never reaches the table or the CSV; a note says so."""
    df = pd.DataFrame({"Gemeentecode": ["GM0518", "GM0503"], "jaar_wijkteam": [2016, 2018], "Aantal kinderen": [3, 8]})
    spec = TableSpec("beleid", (P.code("Gemeentecode"), P.year("jaar_wijkteam")), key="Gemeentecode")
    pub = Publication(tmp_path)
    out = pub.publish(df, spec)
    assert list(out.table.columns) == ["Gemeentecode", "jaar_wijkteam"]
    assert any("1 kolom uit de invoer is niet gepubliceerd" in n for n in out.notes)
    assert not any("Aantal kinderen" in n for n in out.notes)  # a header can be an identifier: not repeated
    csv = (tmp_path / "beleid.csv").read_text(encoding="utf-8")
    assert "Aantal kinderen" not in csv and ";3" not in csv and ";8" not in csv


def test_missing_declared_column_is_a_data_error():
    with pytest.raises(DataError, match="not in the table"):
        Publication().publish(pd.DataFrame({"a": [1]}), TableSpec("x", (P.count("b"),)))


def test_rate_recomputed_from_rounded_counts():
    """The review's example: 29 of 101 published as 100 at 28.7% gives 101 back; from the rounded counts it cannot."""
    df = pd.DataFrame(
        {"Aanbieder": ["A", "B"], "Aantal trajecten": [101, 200], "Aantal verlengd": [29, 60], "% verlengd": [0.0, 0.0]}
    )
    spec = TableSpec(
        "aanbieders",
        (
            P.label("Aanbieder"),
            P.count("Aantal trajecten"),
            P.count("Aantal verlengd"),
            P.rate("% verlengd", "Aantal verlengd", "Aantal trajecten"),
        ),
        key="Aanbieder",
    )
    t = Publication().publish(df, spec).table
    assert t["Aantal trajecten"].tolist() == [100.0, 200.0]
    assert t["Aantal verlengd"].tolist() == [30.0, 60.0]
    assert t["% verlengd"].tolist() == pytest.approx([30.0, 30.0])
    # the published rate is a function of the published counts only
    assert np.allclose(t["% verlengd"], 100 * t["Aantal verlengd"] / t["Aantal trajecten"])


def test_derived_and_label_hidden_with_their_count():
    df = pd.DataFrame(
        {
            "wijkcode": ["WK1", "WK2", "WK3"],
            "Aantal": [4.0, 50.0, 60.0],
            "Waargenomen (%)": [1.0, 9.0, 8.0],
            "Verwacht (%)": [2.0, 7.0, 8.5],
            "Uitkomst": ["lager", "hoger", "zoals verwacht"],
        }
    )
    spec = TableSpec(
        "w",
        (
            P.code("wijkcode"),
            P.count("Aantal"),
            P.statistic("Waargenomen (%)", "Aantal"),
            P.statistic("Verwacht (%)"),
            P.label("Uitkomst", "Aantal"),
        ),
        key="wijkcode",
    )
    t = Publication().publish(df, spec).table
    assert pd.isna(t.loc[0, "Aantal"]) and pd.isna(t.loc[0, "Waargenomen (%)"]) and t.loc[0, "Uitkomst"] is None
    assert t.loc[0, "Verwacht (%)"] == 2.0  # from the wijk's characteristics only
    assert t.loc[1, "Uitkomst"] == "hoger"


def test_hidden_once_hidden_everywhere():
    """A quantity hidden in one table is hidden where the same quantity appears again."""
    pub = Publication()
    a = pd.DataFrame({"Groep": ["x", "y", "z", "Totaal"], "Aantal": [50, 5, 40, 95]})
    ta = pub.publish(a, _traj_spec("a")).table.set_index("Groep")["Aantal"]
    assert pd.isna(ta["y"])
    hidden = [g for g in ["x", "z"] if pd.isna(ta[g])]
    assert hidden, "a lone hidden cell next to a published total needs a secondary suppression"
    b = pd.DataFrame({"Groep": [hidden[0], "w"], "Aantal": [float(a.set_index("Groep").Aantal[hidden[0]]), 300]})
    tb = pub.publish(b, _traj_spec("b", total=False)).table.set_index("Groep")["Aantal"]
    assert pd.isna(tb[hidden[0]]) and tb["w"] == 300
    assert pub.is_hidden("trajecten", hidden[0]) and pub.count_text("trajecten", "w") == "300"


def test_cross_table_suppression_respects_earlier_tables():
    """A cell published by an earlier table cannot be hidden any more: secondary suppression picks another one."""
    pub = Publication()
    pub.publish(pd.DataFrame({"Groep": ["z"], "Aantal": [40]}), _traj_spec("eerst", total=False))
    a = pd.DataFrame({"Groep": ["x", "y", "z", "Totaal"], "Aantal": [50, 5, 40, 95]})
    t = pub.publish(a, _traj_spec("daarna")).table.set_index("Groep")["Aantal"]
    # per table, z (40) would be the cheapest secondary; it is public already, so x goes
    assert pd.isna(t["y"]) and t["z"] == 40 and pd.isna(t["x"]) and t["Totaal"] == 95


def test_later_table_cannot_give_away_an_earlier_hidden_cell():
    """A new cell tied to earlier cells (w = z + y, z published, y hidden) is hidden as well."""
    pub = Publication()
    a = pd.DataFrame({"Groep": ["x", "y", "z", "Totaal"], "Aantal": [50, 5, 400, 455]})
    first = pub.publish(a, _traj_spec("a")).table.set_index("Groep")["Aantal"]
    assert pd.isna(first["y"]) and pd.isna(first["x"]) and first["z"] == 400
    b = pd.DataFrame({"Groep": ["w", "v"], "Aantal": [405.0, 300.0]})
    spec = TableSpec(
        "b",
        (P.label("Groep"), P.count("Aantal", "trajecten")),
        key="Groep",
        identities=({("w", "Aantal"): 1.0, ("z", "Aantal"): -1.0, ("y", "Aantal"): -1.0},),
    )
    with pytest.raises(DataError, match="unknown rows"):  # identities are within one table's rows
        pub.publish(b, spec)
    b2 = pd.concat([b, pd.DataFrame({"Groep": ["z", "y"], "Aantal": [400.0, 5.0]})], ignore_index=True)
    t = pub.publish(b2, spec).table.set_index("Groep")["Aantal"]
    assert pd.isna(t["y"]), "hidden once, hidden everywhere"
    assert pd.isna(t["w"]), "w - z would give y away"
    assert t["z"] == 400
    assert t["v"] == 300


def test_flow_identity_protects_stock():
    """stock_end = stock_start + in - out per row: a hidden inflow is not recoverable from the stocks."""
    df = pd.DataFrame(
        {
            "jaar": ["2021", "2022"],
            "Aantal begin": [100, 120],
            "Aantal instroom": [40, 4],
            "Aantal uitstroom": [20, 30],
            "Aantal eind": [120, 94],
        }
    )
    ident = tuple(
        {(y, "Aantal eind"): 1.0, (y, "Aantal begin"): -1.0, (y, "Aantal instroom"): -1.0, (y, "Aantal uitstroom"): 1.0}
        for y in df.jaar
    )
    spec = TableSpec(
        "stromen",
        (
            P.label("jaar"),
            P.count("Aantal begin"),
            P.count("Aantal instroom"),
            P.count("Aantal uitstroom"),
            P.count("Aantal eind"),
        ),
        key="jaar",
        identities=ident,
    )
    t = Publication().publish(df, spec).table
    row = t.iloc[1]
    assert pd.isna(row["Aantal instroom"])
    assert row[["Aantal begin", "Aantal uitstroom", "Aantal eind"]].isna().sum() >= 1


def test_formula_cells_neutralised_in_csv(tmp_path):
    text = ['=HYPERLINK("http://x","klik")', "+31", "@SUM(A1)", "gewoon"]
    df = pd.DataFrame({"Aanbieder": text, "x": [1.0, -2, 3, 4]})
    spec = TableSpec("a", (P.label("Aanbieder"), P.statistic("x")))
    t = Publication(tmp_path).publish(df, spec).table
    assert t["Aanbieder"].tolist()[:3] == ['\'=HYPERLINK("http://x","klik")', "'+31", "'@SUM(A1)"]
    assert t["x"].tolist() == [1.0, -2.0, 3.0, 4.0]  # numbers are data, not formulas
    csv = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert "\n=" not in csv and ";=" not in csv and ",=" not in csv


def test_csv_write_does_not_follow_symlink(tmp_path):
    target = tmp_path / "elders.txt"
    target.write_text("onaangetast")
    out = tmp_path / "tabellen"
    out.mkdir()
    (out / "a.csv").symlink_to(target)
    Publication(out).publish(pd.DataFrame({"Groep": ["x"]}), TableSpec("a", (P.label("Groep"),)))
    assert target.read_text() == "onaangetast"
    assert not (out / "a.csv").is_symlink()


def test_spec_validation():
    with pytest.raises(ValueError, match="undeclared"):
        TableSpec("x", (P.rate("r", "a", "b"),))
    with pytest.raises(ValueError, match="twice"):
        TableSpec("x", (P.count("a"), P.count("a")))
    with pytest.raises(ValueError, match="numerator"):
        P.Column("r", P.Kind.RATE)


def test_register_summary_has_no_values(tmp_path):
    pub = Publication(tmp_path)
    pub.publish(pd.DataFrame({"Groep": ["x", "y"], "Aantal": [3, 50]}), _traj_spec("a", total=False))
    path = pub.write_register()
    text = path.read_text(encoding="utf-8")
    assert '"afgeschermd": 1' in text and "50" not in text.replace('"drempel": 10', "")


def _lp_ranges(values: dict, hidden: list, relations: list, lower: dict, upper: dict) -> dict:
    """An independent reader's LP: min and max of every hidden cell given bounds and linear relations."""
    from scipy.optimize import linprog

    cells = list(values)
    ix = {c: i for i, c in enumerate(cells)}
    A = np.zeros((len(relations), len(cells)))
    for r, rel in enumerate(relations):
        for c, coef in rel.items():
            A[r, ix[c]] = coef
    bounds = [(lower[c], upper[c]) for c in cells]
    out = {}
    for h in hidden:
        cvec = np.zeros(len(cells))
        cvec[ix[h]] = 1
        lo = linprog(cvec, A_eq=A, b_eq=np.zeros(len(relations)), bounds=bounds, method="highs").fun
        hi = -linprog(-cvec, A_eq=A, b_eq=np.zeros(len(relations)), bounds=bounds, method="highs").fun
        out[h] = (lo, hi)
    return out


def test_reader_who_knows_published_counts_are_at_least_10():
    """The review's 4x2 table with both margins: a reader uses that every published count is >= 10."""
    df = pd.DataFrame({"k": ["r0", "r1", "r2", "r3"], "a": [20.0, 7, 12, 14], "b": [0.0, 1, 11, 12]})
    df["t"] = df.a + df.b
    df.loc[4] = ["Totaal", *df[["a", "b", "t"]].sum()]
    spec = TableSpec(
        "t", (P.label("k"), P.count("a"), P.count("b"), P.count("t")), key="k", total_row="Totaal", total_col="t"
    )
    pub = Publication().publish(df, spec).table.set_index("k")
    true = df.set_index("k")
    values = {(r, c): true.loc[r, c] for r in true.index for c in "abt"}
    hidden = [cell for cell in values if pd.isna(pub.loc[cell])]
    lower = {cell: 0.0 if cell in hidden else max(pub.loc[cell] - 2, 10) for cell in values}
    upper = {cell: np.inf if cell in hidden else pub.loc[cell] + 2 for cell in values}
    rows = [r for r in true.index if r != "Totaal"]
    relations = [{(r, "a"): 1, (r, "b"): 1, (r, "t"): -1} for r in true.index]
    relations += [{**{(r, c): 1 for r in rows}, ("Totaal", c): -1} for c in "abt"]
    ranges = _lp_ranges(values, hidden, relations, lower, upper)
    for cell, (lo, hi) in ranges.items():
        if 1 <= values[cell] <= 9:
            assert hi - lo >= 5 - 1e-6, (cell, lo, hi)
    assert any(1 <= values[c] <= 9 for c in hidden)


def test_identifiers_in_labels_and_headers_are_masked(tmp_path):
    """A provider named by a BSN, or a header holding one, is published masked; an AGB code is kept."""
    df = pd.DataFrame({"Aanbieder": ["111.222.333", "AGB 12345678", "NL123456782B01"], "BSN 123456782 x": [1.0, 2, 3]})
    spec = TableSpec("a", (P.label("Aanbieder"), P.statistic("BSN 123456782 x")))
    t = Publication(tmp_path).publish(df, spec).table
    assert t["Aanbieder"].tolist() == ["11*.***.***", "AGB 12345678", "NL12*******B01"]
    assert list(t.columns) == ["Aanbieder", "BSN 12******* x"]
    csv = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert "123456782" not in csv and "222.333" not in csv


def test_html_and_markdown_in_section_text_are_defused():
    from jeugdlib.report_sections import safe_markdown

    out = safe_markdown("kop <img src=x onerror=alert(1)> en ![t](https://evil.example/p.png) [a](b) `code`")
    assert "<img" not in out and "&lt;img" in out and "![" not in out and "](" not in out.replace("\\](", "")
    assert "`code`" in out


def test_tables_for_dutch_excel(tmp_path):
    """tabellen/: a ';'-separated UTF-8 CSV with BOM and decimal comma, integer counts, and an xlsx with a note."""
    df = pd.DataFrame({"Gemeentecode": ["GM0518", "GM0503"], "Gemeente": ["'s-Gravenhage", "Delft"],
                       "Aantal cliënten": [160620, 2685], "Aandeel (%)": [9.95, 7.99]})  # fmt: skip
    spec = TableSpec(
        "t",
        (P.code("Gemeentecode"), P.label("Gemeente"), P.count("Aantal cliënten"), P.statistic("Aandeel (%)")),
        key="Gemeentecode",
    )
    Publication(tmp_path).publish(df, spec)
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "Gemeentecode;Gemeente;Aantal cliënten;Aandeel (%)"
    assert "GM0518;'s-Gravenhage;160620;9,95" in text  # integer count, decimal comma, codes kept
    back = pd.read_csv(tmp_path / "t.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert back["Aantal cliënten"].tolist() == [160620, 2685]
    xl = pd.read_excel(tmp_path / "t.xlsx", header=None)
    assert "Afscherming" in str(xl.iloc[1, 0]) and list(xl.iloc[3, :4]) == list(df.columns)
