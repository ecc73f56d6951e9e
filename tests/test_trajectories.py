"""Tests for jeugdlib.trajectories (all data here are SYNTHETIC)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import jeugdlib.trajectories as T  # noqa: E402
from jeugdlib import DataError, JeugdlibWarning  # noqa: E402
from jeugdlib.disclosure import check_protected  # noqa: E402

FIX = Path(__file__).parent / "fixtures" / "trajectories"
AS_OF = "2023-12-31"


def row(client: str, tw: str, begin: str, end: str | None, *, cat: str = "45", prov: str = "SYN-AANB-01",
        rw: str | None = None, rb: str | None = None, code: str = "45S01") -> dict:  # fmt: skip
    return {
        "client_id": client,
        "gemeentecode": "GM9901",
        "aanbieder": prov,
        "toewijzingnummer": tw,
        "productcategorie": cat,
        "productcode": code,
        "begindatum": begin,
        "einddatum": end,
        "reden_beeindiging": rb if rb is not None else ("31" if end else None),
        "reden_wijziging": rw,
        "verwijzer": "01",
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


@pytest.fixture(scope="module")
def sim() -> T.SimulatedTrajectories:
    return T.simulate_trajectories(1500, "2018-01-01", AS_OF, seed=7)


@pytest.fixture(scope="module")
def loaded(sim: T.SimulatedTrajectories) -> pd.DataFrame:
    return T.load_trajectories(sim.trajectories, as_of=AS_OF)


# --------------------------------------------------------------------------- code lists


def test_codelists_have_dutch_labels() -> None:
    labels = T.code_labels("productcategorie")
    assert labels["45"] == "Jeugdhulp ambulant"
    assert T.code_labels("reden_wijziging")["04"].startswith("Herbeoordeling: verlenging")
    assert T.code_labels("reden_beeindiging")["31"].startswith("Levering is volgens plan")
    assert T.code_labels("verwijzer")["02"] == "Huisarts"
    assert T.code_labels("eenheid")["14"] == "Etmaal"
    assert set(T.codelists()["codelijst"]) == {
        "productcategorie", "reden_beeindiging", "reden_wijziging", "verwijzer", "eenheid",
    }  # fmt: skip


# --------------------------------------------------------------------------- Kaplan–Meier


def _km_table() -> pd.DataFrame:
    """Five clients: durations 10 (ended), 20 (running), 30, 40 (ended), 50 (running) days."""
    as_of = pd.Timestamp(AS_OF)
    rows = []
    for i, (d, done) in enumerate([(10, True), (20, False), (30, True), (40, True), (50, False)]):
        begin = pd.Timestamp("2023-01-01") if done else as_of - pd.Timedelta(days=d - 1)
        end = (begin + pd.Timedelta(days=d - 1)).date().isoformat() if done else None
        rows.append(row(f"SYN-{i}", f"SYN-T{i}", begin.date().isoformat(), end))
    return T.load_trajectories(frame(*rows), as_of=AS_OF)


def test_km_median_and_rmst_match_hand_computed_product_limit() -> None:
    # Product-limit estimate: S(10) = 4/5, S(30) = 4/5 * 2/3 = 8/15, S(40) = 8/15 * 1/2 = 4/15.
    # The median is the first t with S(t) <= 0.5: t = 40 (S(30) = 0.533 > 0.5).
    # Restricted mean to 50 days: 10*1 + 20*0.8 + 10*(8/15) + 10*(4/15) = 34.
    res = T.durations(_km_table(), tau_days=50)
    s = res.summary.loc["totaal"]
    assert s["median_days"] == 40
    assert s["rmst_days"] == pytest.approx(34.0)
    assert (s["n_completed"], s["n_running"]) == (3, 2)
    assert s["mean_days_completed"] == pytest.approx(80 / 3)
    surv = res.survival.set_index("days")["survival"]
    assert surv.loc[35.0] == pytest.approx(8 / 15)
    # all completed trajectories fall in the 0-3 month bucket
    b = res.buckets.set_index("bucket")
    assert b.loc["0-3 mnd", "n_completed"] == 3
    assert b["km_share"].sum() == pytest.approx(1.0)


def test_durations_by_group_and_trend(loaded: pd.DataFrame) -> None:
    res = T.durations(loaded, by="productcategorie")
    assert {"45", "43"} <= set(res.summary.index)
    # residential care lasts longer than basis-ggz in the simulation
    assert res.summary.loc["43", "median_days"] > res.summary.loc["51", "median_days"]
    assert res.trend["start_year"].min() >= 2018  # cohorts before observed_from left out
    np.testing.assert_allclose(res.buckets.groupby("group")["km_share"].sum(), 1.0, atol=1e-9)


def test_left_truncation_removes_length_bias(loaded: pd.DataFrame) -> None:
    with_trunc = T.durations(loaded).summary.loc["totaal", "median_days"]
    naive = T.durations(loaded.assign(), observed_from="1900-01-01").summary.loc["totaal", "median_days"]
    assert with_trunc <= naive


# --------------------------------------------------------------------------- flows


@pytest.mark.parametrize("freq", ["year", "quarter"])
def test_flow_identity_exact(loaded: pd.DataFrame, freq: str) -> None:
    f = T.flows(loaded, freq)
    np.testing.assert_array_equal(f["stock_end"], f["stock_start"] + f["inflow"] - f["outflow"])
    np.testing.assert_array_equal(f["stock_start"].to_numpy()[1:], f["stock_end"].to_numpy()[:-1])
    # stock checked against a direct count of trajectories running at the end of each period
    ep = T.episodes(loaded)
    code = "Y" if freq == "year" else "Q"
    for period, stock in f["stock_end"].items():
        last_day = pd.Period(period, freq=code).end_time.normalize()
        running = (ep["begindatum"] <= last_day) & (ep["einddatum"].isna() | (ep["einddatum"] > last_day))
        assert int(running.sum()) == stock


def test_flows_by_group_and_durations(loaded: pd.DataFrame) -> None:
    f = T.flows(loaded, by="productcategorie")
    np.testing.assert_array_equal(f["stock_end"], f["stock_start"] + f["inflow"] - f["outflow"])
    total = T.flows(loaded)
    np.testing.assert_array_equal(f.groupby(level="period")["inflow"].sum().to_numpy(), total["inflow"].to_numpy())
    assert (total["mean_duration_completed_days"].dropna() > 0).all()


# --------------------------------------------------------------------------- cost decomposition


def test_lmdi_is_exactly_additive_on_hand_numbers() -> None:
    f0 = {"a": 100.0, "b": 6.0, "c": 2000.0}
    f1 = {"a": 116.0, "b": 7.5, "c": 2300.0}
    k0, k1 = np.prod(list(f0.values())), np.prod(list(f1.values()))
    eff = T.lmdi(k0, k1, f0, f1)
    assert sum(eff.values()) == pytest.approx(k1 - k0, rel=1e-12)
    # a factor that does not change has no effect
    eff2 = T.lmdi(k0, k0 * 1.1, f0, {**f0, "c": f0["c"] * 1.1})
    assert eff2["a"] == 0 and eff2["b"] == 0 and eff2["c"] == pytest.approx(k0 * 0.1)


def test_cost_decomposition_additive_and_aef_scenario() -> None:
    out = {}
    for scenario in ("baseline", "longer_durations"):
        s = T.simulate_trajectories(1500, "2018-01-01", AS_OF, seed=3, scenario=scenario)
        traj = T.load_trajectories(s.trajectories, as_of=AS_OF)
        claims = T.load_claims(s.claims, as_of=AS_OF)
        res = T.cost_decomposition(traj, claims, 2019, 2023)
        eff = res.effects["effect_eur"]
        total = res.yearly.loc[2023, "cost"] - res.yearly.loc[2019, "cost"]
        assert eff["total"] == pytest.approx(total)
        assert abs(eff[["clients", "care_months_per_client", "cost_per_care_month"]].sum() - total) < 1e-6 * abs(total)
        assert res.check_additivity() < 1e-6 * abs(total)
        chained = res.chained.set_index("from_year")
        np.testing.assert_allclose(
            chained[["clients", "care_months_per_client", "cost_per_care_month"]].sum(axis=1), chained["total"]
        )
        assert res.n_unmatched_claims == 0
        out[scenario] = res
    # AEF: with longer durations the cost grows through care-months per client
    assert (
        out["longer_durations"].effects.loc["care_months_per_client", "effect_eur"]
        > out["baseline"].effects.loc["care_months_per_client", "effect_eur"]
    )


def test_cost_decomposition_rejects_years_without_cost(loaded: pd.DataFrame, sim) -> None:
    claims = T.load_claims(sim.claims, as_of=AS_OF)
    with pytest.raises(DataError, match="no clients, care-months or cost"):
        T.cost_decomposition(loaded, claims.iloc[:0], 2019, 2020)


# --------------------------------------------------------------------------- extensions & merge rule


def test_extension_counting_on_hand_made_chains() -> None:
    df = frame(
        # A: three adjacent assignments of the same product -> 1 trajectory, 2 extensions
        row("SYN-A", "T1", "2021-01-01", "2021-06-30", rb=""),
        row("SYN-A", "T2", "2021-07-01", "2021-12-31", rw="04", rb=""),
        row("SYN-A", "T3", "2022-01-01", "2022-03-31", rw="04"),
        # B: one assignment extended in place (reden_wijziging 04) -> 1 extension
        row("SYN-B", "T4", "2021-01-01", "2021-12-31", rw="04"),
        # C: two assignments 60 days apart -> two trajectories, no extensions
        row("SYN-C", "T5", "2021-01-01", "2021-03-31"),
        row("SYN-C", "T6", "2021-06-01", "2021-08-31"),
        # D: adjacent, but at another provider -> no extension
        row("SYN-D", "T7", "2021-01-01", "2021-03-31"),
        row("SYN-D", "T8", "2021-04-01", "2021-06-30", prov="SYN-AANB-02"),
        # E: four assignments, the first extended in place as well -> 1 + 3 = 4 extensions, running
        row("SYN-E", "T9", "2021-01-01", "2021-03-31", rw="04", rb=""),
        row("SYN-E", "T10", "2021-04-01", "2021-06-30", rw="04", rb=""),
        row("SYN-E", "T11", "2021-07-05", "2021-09-30", rw="04", rb=""),  # 4-day gap <= 7
        row("SYN-E", "T12", "2021-10-01", None, rw="04"),
    )
    df["reden_beeindiging"] = df["reden_beeindiging"].replace("", None)
    traj = T.load_trajectories(df, as_of=AS_OF)
    res = T.extensions(traj)
    per = res.per_trajectory.set_index("toewijzingnummer")
    assert per.loc["T1", "n_verlengingen"] == 2 and per.loc["T1", "n_toewijzingen"] == 3
    assert per.loc["T4", "n_verlengingen"] == 1
    assert per.loc["T5", "n_verlengingen"] == 0 and per.loc["T6", "n_verlengingen"] == 0
    assert per.loc["T7", "n_verlengingen"] == 0 and per.loc["T8", "n_verlengingen"] == 0
    assert per.loc["T9", "n_verlengingen"] == 4 and bool(per.loc["T9", "lopend"])
    assert len(per) == 7
    tot = res.summary.loc["totaal"]
    assert tot["n_trajectories"] == 7
    assert tot["n_extended"] == 3
    assert tot["n_extended_2plus"] == 2
    assert tot["share_extended_2plus"] == pytest.approx(2 / 7)
    assert res.distribution["n_trajectories"].tolist() == [4, 1, 1, 0, 1]
    # a stricter gap splits E's chain at the 4-day gap
    strict = T.extensions(traj, max_gap_days=0).per_trajectory.set_index("toewijzingnummer")
    assert strict.loc["T9", "n_verlengingen"] == 2 and strict.loc["T11", "n_verlengingen"] == 2


def test_merge_rule_overlapping_same_form_same_provider() -> None:
    df = frame(
        row("SYN-A", "T1", "2021-01-01", "2021-06-30", rb="32"),
        row("SYN-A", "T2", "2021-03-01", "2021-09-30", rb="31"),  # overlaps T1 -> merged
        row("SYN-A", "T3", "2021-09-15", None),  # overlaps the merged period, running -> merged
        row("SYN-A", "T4", "2021-02-01", "2021-04-30", cat="54"),  # other form -> kept
        row("SYN-A", "T5", "2021-02-01", "2021-04-30", prov="SYN-AANB-02"),  # other provider -> kept
        row("SYN-B", "T6", "2021-01-01", "2021-06-30"),
        row("SYN-B", "T7", "2021-07-01", "2021-12-31", rw="04"),  # adjacent: not merged
        row("SYN-C", "T8", "2022-01-01", "2022-05-31", rb="34"),
        row("SYN-C", "T9", "2022-02-01", "2022-03-31", rb="31"),  # inside T8 -> merged
    )
    traj = T.load_trajectories(df, as_of=AS_OF)
    rep = T.validation_report(traj)
    assert rep.n_merged_rows == 3 and rep.n_merged_trajectories == 2
    assert "3 overlapping rows merged into 2 trajectories" in rep.summary()
    t = traj.set_index("toewijzingnummer")
    assert list(t.index) == ["T1", "T4", "T5", "T6", "T7", "T8"]
    assert pd.isna(t.loc["T1", "einddatum"]) and pd.isna(t.loc["T1", "reden_beeindiging"])
    assert t.loc["T1", "n_samengevoegd"] == 3 and t.loc["T1", "samengevoegd_uit"] == "T2;T3"
    assert t.loc["T8", "einddatum"] == pd.Timestamp("2022-05-31") and t.loc["T8", "reden_beeindiging"] == "34"
    unmerged = T.load_trajectories(df, as_of=AS_OF, merge=False)
    assert len(unmerged) == 9 and T.validation_report(unmerged).n_merged_rows == 0


def test_claims_of_merged_assignments_are_linked() -> None:
    df = frame(row("SYN-A", "T1", "2021-01-01", "2021-06-30"), row("SYN-A", "T2", "2021-03-01", "2021-09-30"),
               row("SYN-A", "T3", "2022-01-01", "2022-06-30"))  # fmt: skip
    traj = T.load_trajectories(df, as_of=AS_OF)
    claims = T.load_claims(
        pd.DataFrame(
            {
                "toewijzingnummer": ["T1", "T2", "T3", "T3"],
                "periode_start": ["2021-01-01", "2021-08-01", "2022-01-01", "2022-02-01"],
                "periode_eind": ["2021-01-31", "2021-08-31", "2022-01-31", "2022-02-28"],
                "volume": [1, 1, 1, 1],
                "eenheid": ["82"] * 4,
                "tarief": [100.0, 100.0, 150.0, 150.0],
                "bedrag": [100.0, 100.0, 150.0, 150.0],
            }
        ),
        as_of=AS_OF,
    )
    res = T.cost_decomposition(traj, claims, 2021, 2022)
    assert res.n_unmatched_claims == 0
    assert res.yearly.loc[2021, "cost"] == pytest.approx(200.0)
    assert res.yearly.loc[2022, "clients"] == 1


# --------------------------------------------------------------------------- care paths


def test_care_paths_hand_made() -> None:
    df = frame(
        row("SYN-A", "T1", "2019-01-01", "2019-06-30", cat="51", code="51S01"),
        row("SYN-A", "T2", "2019-08-01", "2020-03-31", cat="54", code="54S01"),
        row("SYN-A", "T3", "2020-05-01", "2020-08-31", cat="45"),  # lighter than 54; then out of care
        row("SYN-B", "T4", "2019-01-01", "2019-12-31", cat="43", code="43S01"),
        row("SYN-B", "T5", "2020-02-01", None, cat="44", code="44S01"),  # lighter, running
        row("SYN-C", "T6", "2023-10-01", "2023-11-30"),  # ended recently: outcome unknown
    )
    res = T.care_paths(T.load_trajectories(df, as_of=AS_OF))
    tr = res.transitions
    assert tr.loc["51", "54"] == 1 and tr.loc["54", "45"] == 1 and tr.loc["43", "44"] == 1
    assert tr.loc["45", "uit zorg"] == 1 and tr.loc["45", "onbekend"] == 1 and tr.loc["44", "lopend"] == 1
    assert tr.to_numpy().sum() == 6
    assert res.n_clients == 3 and res.share_sequential == pytest.approx(2 / 3)
    paths = dict(zip(res.common_paths["path"], res.common_paths["n_clients"], strict=True))
    assert paths == {"51 → 54 → 45": 1, "43 → 44": 1, "45": 1}
    sd = res.scale_down.loc["totaal"]
    # completed: T1 (51->54 heavier), T2 (54->45 lighter), T3 (out of care), T4 (43->44 lighter), T6 (unknown)
    assert (sd["n_heavier"], sd["n_lighter"], sd["n_out_of_care"], sd["n_unknown"]) == (1, 2, 1, 1)
    assert sd["scale_down_rate"] == pytest.approx(3 / 4)
    ttn = res.time_to_next.loc["totaal"]
    assert ttn["n"] == 3  # T1 -> 31 days, T2 -> 30 days, T4 -> 31 days without care
    assert ttn["median_days"] == 31


def test_care_paths_on_simulation(loaded: pd.DataFrame) -> None:
    res = T.care_paths(loaded, top=5)
    assert 0.1 < res.share_sequential < 0.6
    assert len(res.common_paths) == 5
    assert res.common_paths["n_clients"].is_monotonic_decreasing
    assert res.transitions.to_numpy().sum() == len(T.episodes(loaded))


# --------------------------------------------------------------------------- provider indicators


def test_provider_indicators_protected(loaded: pd.DataFrame) -> None:
    tab = T.provider_indicators(loaded)
    counts = ["n_clients", "n_trajectories", "n_completed", "n_extended", "n_ended_to_plan"]
    check_protected(tab.drop(index="Totaal"), counts)
    info = tab.attrs["disclosure"]
    assert "Totaal" in tab.index
    # rates derived from a suppressed count are suppressed
    assert tab.loc[tab["n_extended"].isna(), "pct_extended"].isna().all()
    assert tab.loc[tab["n_completed"].isna(), "pct_ended_to_plan"].isna().all()
    assert tab.loc[tab["n_trajectories"].isna(), "median_duration_days"].isna().all()
    assert info.threshold == 10
    small = T.provider_indicators(loaded[loaded["client_id"].isin(loaded["client_id"].unique()[:60])])
    assert small[counts].isna().any().any()


# --------------------------------------------------------------------------- loading & bad input


def test_load_csv_fixture_normalises_codes_and_dates() -> None:
    traj = T.load_trajectories(FIX / "synthetic_trajecten_klein.csv", as_of=AS_OF)
    t = traj.set_index("toewijzingnummer")
    assert t.loc["SYN-T2", "reden_wijziging"] == "04"
    assert t.loc["SYN-T1", "gemeentecode"] == "GM9901" and t.loc["SYN-T1", "verwijzer"] == "02"
    assert t.loc["SYN-T4", "begindatum"] == pd.Timestamp("2021-03-01")
    assert t.loc["SYN-T5", "begindatum"] == pd.Timestamp("2021-09-01") and pd.isna(t.loc["SYN-T5", "einddatum"])
    assert T.validation_report(traj).n_merged_rows == 1  # SYN-T7 and SYN-T8 overlap
    claims = T.load_claims(FIX / "synthetic_declaraties_klein.csv", as_of=AS_OF)
    assert claims["bedrag"].iloc[-1] == 450.0 and claims["eenheid"].iloc[0] == "04"


def test_load_parquet_and_excel_roundtrip(tmp_path: Path) -> None:
    src = T.load_trajectories(FIX / "synthetic_trajecten_klein.csv", as_of=AS_OF, merge=False)
    cols = list(T.TRAJECTORY_COLUMNS)
    src[cols].to_parquet(tmp_path / "t.parquet")
    src[cols].to_excel(tmp_path / "t.xlsx", index=False)
    a = T.load_trajectories(tmp_path / "t.parquet", as_of=AS_OF)
    b = T.load_trajectories(tmp_path / "t.xlsx", as_of=AS_OF)
    pd.testing.assert_series_equal(a["einddatum"], b["einddatum"])
    assert list(a["productcategorie"].astype(str)) == list(b["productcategorie"].astype(str))


def _good() -> pd.DataFrame:
    return frame(row("SYN-A", "T1", "2021-01-01", "2021-06-30"), row("SYN-B", "T2", "2021-02-01", None))


def test_missing_column() -> None:
    with pytest.raises(DataError, match=r"<DataFrame>.*\['einddatum'\] missing.*Rename"):
        T.load_trajectories(_good().drop(columns="einddatum"))


def test_optional_columns_may_be_absent() -> None:
    traj = T.load_trajectories(_good().drop(columns=["verwijzer", "reden_wijziging"]), as_of=AS_OF)
    assert traj["verwijzer"].isna().all()


def test_end_before_start() -> None:
    df = _good()
    df.loc[1, "einddatum"] = "2021-01-15"
    with pytest.raises(DataError, match=r"'einddatum': 1 row\(s\) end before they begin \(rows \[1\]\)"):
        T.load_trajectories(df, as_of=AS_OF)


def test_future_dates() -> None:
    df = _good()
    df.loc[0, "einddatum"] = "2030-01-01"
    with pytest.raises(DataError, match=r"'einddatum'.*in the future.*future_einddatum='running'"):
        T.load_trajectories(df, as_of=AS_OF)
    ok = T.load_trajectories(df, as_of=AS_OF, future_einddatum="running")
    assert ok["einddatum"].isna().all()
    df = _good()
    df.loc[1, "begindatum"] = "2024-02-01"
    with pytest.raises(DataError, match=r"'begindatum'.*start after 2023-12-31"):
        T.load_trajectories(df, as_of=AS_OF)


def test_unknown_codes() -> None:
    df = _good()
    df.loc[0, "productcategorie"] = "99"
    df.loc[1, "reden_wijziging"] = "4"  # padded to "04": fine
    df.loc[1, "verwijzer"] = "07"
    with pytest.raises(DataError) as exc:
        T.load_trajectories(df, as_of=AS_OF)
    msg = str(exc.value)
    assert "'productcategorie'" in msg and "['99']" in msg and "rows [0]" in msg
    assert "'verwijzer'" in msg and "['07']" in msg
    assert "reden_wijziging" not in msg


def test_bad_gemeentecode() -> None:
    df = _good()
    df.loc[0, "gemeentecode"] = "Utrecht"
    with pytest.raises(DataError, match="gemeentecode.*GM0363"):
        T.load_trajectories(df, as_of=AS_OF)


def test_duplicates() -> None:
    df = pd.concat([_good(), _good().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"exact duplicates.*rows \[2\].*drop_duplicates=True"):
        T.load_trajectories(df, as_of=AS_OF)
    ok = T.load_trajectories(df, as_of=AS_OF, drop_duplicates=True)
    assert len(ok) == 2 and T.validation_report(ok).n_duplicates_dropped == 1
    df = pd.concat([_good(), _good().iloc[[0]].assign(productcode="45S02")], ignore_index=True)
    with pytest.raises(DataError, match=r"share a toewijzingnummer.*rows \[0, 2\]"):
        T.load_trajectories(df, as_of=AS_OF, drop_duplicates=True)


def test_unparseable_dates() -> None:
    df = _good()
    df.loc[1, "begindatum"] = "31 februari"
    with pytest.raises(DataError, match=r"'begindatum': 1 row\(s\) with unparseable dates.*YYYY-MM-DD"):
        T.load_trajectories(df, as_of=AS_OF)


def test_missing_required_values() -> None:
    df = _good()
    df.loc[0, "aanbieder"] = None
    df.loc[1, "begindatum"] = None
    with pytest.raises(DataError) as exc:
        T.load_trajectories(df, as_of=AS_OF)
    assert "'aanbieder': 1 row(s) without a value" in str(exc.value)
    assert "without a start date" in str(exc.value)


BSN_OK = "111222333"  # passes the 11-test (a well-known test number, not a person)


def test_bsn_check() -> None:
    flags = T.looks_like_bsn(pd.Series([BSN_OK, "123456789", "SYN-1", 111222333, "11122233", None]))
    assert flags.tolist() == [True, False, False, True, False, False]
    assert T.looks_like_bsn(["000000000"]).tolist() == [False]


def test_bsn_refused_without_echoing_the_value() -> None:
    df = _good()
    df.loc[1, "client_id"] = BSN_OK
    with pytest.raises(DataError) as exc:
        T.load_trajectories(df, as_of=AS_OF)
    msg = str(exc.value)
    assert "look like a BSN" in msg and "rows [1]" in msg and "pseudonymise_bsn=True" in msg
    assert BSN_OK not in msg


def test_bsn_hashed_only_on_request() -> None:
    df = _good()
    df.loc[1, "client_id"] = BSN_OK
    with pytest.raises(DataError, match="needs a secret salt"):
        T.load_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True)
    a = T.load_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True, salt="geheim")
    b = T.load_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True, salt="anders")
    expected = "H" + hashlib.sha256(b"geheim:" + BSN_OK.encode()).hexdigest()
    assert a["client_id"].iloc[1] == expected and b["client_id"].iloc[1] != expected
    assert a["client_id"].iloc[0] == "SYN-A"
    assert T.validation_report(a).n_bsn_pseudonymised == 1
    assert not T.looks_like_bsn(a["client_id"]).any()


def test_missing_file_and_unsupported_type(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        T.load_trajectories(tmp_path / "nope.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match="unsupported file type"):
        T.load_trajectories(tmp_path / "x.json")


def test_claims_validation() -> None:
    good = pd.DataFrame(
        {
            "toewijzingnummer": ["T1", "T1"],
            "periode_start": ["2021-01-01", "2021-02-01"],
            "periode_eind": ["2021-01-31", "2021-02-28"],
            "volume": ["6", "5,5"],
            "eenheid": ["4", "04"],
            "tarief": [85.0, 85.0],
            "bedrag": [510.0, 467.5],
        }
    )
    ok = T.load_claims(good, as_of=AS_OF)
    assert ok["volume"].tolist() == [6.0, 5.5] and list(ok["eenheid"]) == ["04", "04"]
    bad = good.copy()
    bad.loc[0, "periode_eind"] = "2020-12-01"
    bad.loc[1, "eenheid"] = "99"
    bad.loc[1, "volume"] = "veel"
    with pytest.raises(DataError) as exc:
        T.load_claims(bad, as_of=AS_OF)
    msg = str(exc.value)
    assert "end before they begin" in msg and "WJ756" not in msg and "eenheid" in msg and "not numbers" in msg
    with pytest.raises(DataError, match="missing from the claims table"):
        T.load_claims(good.drop(columns="bedrag"))
    off = good.assign(bedrag=[510.0, 400.0])
    with pytest.warns(JeugdlibWarning, match="differ from volume"):
        T.load_claims(off, as_of=AS_OF)


# --------------------------------------------------------------------------- simulation & plots


def test_simulation_is_labelled_and_reproducible(sim: T.SimulatedTrajectories) -> None:
    assert "SYNTHETIC" in (T.simulate_trajectories.__doc__ or "")
    for table in sim:
        assert table.attrs["synthetic"] is True and "SYNTHETIC" in table.attrs["description"]
    again = T.simulate_trajectories(1500, "2018-01-01", AS_OF, seed=7)
    pd.testing.assert_frame_equal(sim.trajectories, again.trajectories)
    t = sim.trajectories
    assert t["einddatum"].isna().any()  # censoring
    assert (t["reden_wijziging"] == "04").any()  # extension chains
    assert set(t.columns) == set(T.TRAJECTORY_COLUMNS)
    assert set(sim.claims.columns) == set(T.CLAIM_COLUMNS)
    with pytest.raises(ValueError, match="unknown scenario"):
        T.simulate_trajectories(10, scenario="boom")


def test_plots_return_figures(loaded: pd.DataFrame, sim: T.SimulatedTrajectories) -> None:
    from matplotlib.figure import Figure

    from jeugdlib.plots import trajectories as P

    claims = T.load_claims(sim.claims, as_of=AS_OF)
    figs = [
        P.plot_survival(T.durations(loaded, by="productcategorie"), groups=["45", "43"]),
        P.plot_duration_buckets(T.durations(loaded)),
        P.plot_flows(T.flows(loaded)),
        P.plot_cost_decomposition(T.cost_decomposition(loaded, claims, 2019, 2023)),
        P.plot_transitions(T.care_paths(loaded).transitions),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    for f in figs:
        plt.close(f)


def test_duplicate_index_labels_are_safe():
    """Two extracts concatenated without ignore_index: merging must not misplace values."""
    import pandas as pd

    from jeugdlib import trajectories as tr

    sim = tr.simulate_trajectories(300, "2019-01-01", "2021-12-31", seed=5)
    t = sim.trajectories
    half = len(t) // 2
    stacked = pd.concat([t.iloc[:half], t.iloc[half:].set_axis(range(len(t) - half))])
    assert stacked.index.has_duplicates
    a = tr.load_trajectories(stacked, as_of="2022-01-01")
    b = tr.load_trajectories(t.reset_index(drop=True), as_of="2022-01-01")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_published_cost_tables_hide_exact_counts():
    import numpy as np

    from jeugdlib import trajectories as tr

    sim = tr.simulate_trajectories(3000, "2018-01-01", "2022-12-31", seed=2)
    cost = tr.cost_decomposition(sim.trajectories, sim.claims, 2019, 2021)
    yr, eff = cost.published()
    assert (yr["clients"] % 5 == 0).all()
    # cost / cost_per_client gives back only the rounded count
    np.testing.assert_allclose(yr["cost"] / yr["cost_per_client"], yr["clients"])
    assert abs(eff.loc[["clients", "care_months_per_client", "cost_per_care_month"], "effect_eur"].sum()
               - eff.loc["total", "effect_eur"]) < 1e-6
    assert eff.loc["clients", "log_ratio"] == np.log(yr.loc[2021, "clients"] / yr.loc[2019, "clients"])
