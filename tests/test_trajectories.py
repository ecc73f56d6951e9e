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
from lifelines import KaplanMeierFitter  # noqa: E402
from lifelines.utils import median_survival_times  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

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
def loaded(sim: T.SimulatedTrajectories) -> T.LoadedTable:
    # the simulation's observed_from (2018-01-01) travels as a typed field
    return T.read_trajectories(sim, as_of=AS_OF)


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
    return T.read_trajectories(frame(*rows), as_of=AS_OF)


def test_km_median_and_rmst_match_hand_computed_product_limit() -> None:
    # Product-limit estimate: S(10) = 4/5, S(30) = 4/5 * 2/3 = 8/15, S(40) = 8/15 * 1/2 = 4/15.
    # The median is the first t with S(t) <= 0.5: t = 40 (S(30) = 0.533 > 0.5).
    # Restricted mean to 50 days: 10*1 + 20*0.8 + 10*(8/15) + 10*(4/15) = 34.
    res = T.durations(_km_table(), tau_days=50)
    s = res.table.loc["totaal"]
    assert s["median_days"] == 40
    assert s["rmst_days"] == pytest.approx(34.0)
    assert (s["n_completed"], s["n_running"]) == (3, 2)
    assert s["mean_days_completed"] == pytest.approx(80 / 3)
    surv = res.survival.set_index("days")["survival"]
    assert surv.loc[35.0] == pytest.approx(8 / 15)
    # all completed trajectories fall in the 0-3 month bucket
    b = res.buckets.set_index("bucket")
    assert b.loc["0-3 mnd", "n_completed"] == 3
    # P(duration in bucket) = S(first day - 1) - S(first day of the next bucket - 1): all events fall
    # within 3 months (S drops to 4/15), and the last observation (50 days, running) leaves 4/15 for
    # the open-ended last bucket under the Kaplan–Meier convention that S stays flat after it
    np.testing.assert_allclose(b["km_share"], [11 / 15, 0, 0, 0, 0, 0, 4 / 15], atol=1e-12)


def _km_direct(ep: pd.DataFrame, observed_from: str | None) -> KaplanMeierFitter:
    """Kaplan–Meier fitted by lifelines directly on one row per trajectory (no aggregation)."""
    d = ep["duur_dagen"].to_numpy()
    ev = (~ep["lopend"]).to_numpy().astype(int)
    if observed_from is None:
        return KaplanMeierFitter().fit(d, ev)
    entry = np.maximum((pd.Timestamp(observed_from) - ep["begindatum"]).dt.days.to_numpy(), 0)
    keep = d > entry  # ended before the extract began: never observable
    return KaplanMeierFitter().fit(d[keep], ev[keep], entry=entry[keep])


def test_durations_by_group_and_trend(loaded: T.LoadedTable) -> None:
    res = T.durations(loaded, by="productcategorie")
    assert {"45", "43"} <= set(res.table.index)
    # residential care lasts longer than basis-ggz in the simulation
    assert res.table.loc["43", "median_days"] > res.table.loc["51", "median_days"]
    assert res.trend["start_year"].min() == 2018  # cohorts before observed_from left out
    # group 43 against lifelines fitted directly with the left truncation at 2018-01-01
    ep = T.episodes(loaded)
    direct = _km_direct(ep[ep["productcategorie"] == "43"], "2018-01-01")
    assert res.table.loc["43", "median_days"] == direct.median_survival_time_
    first_day_3m = int(np.ceil(3 * 365.25 / 12))  # first day of the 3-6 month bucket
    km = res.buckets.set_index(["group", "bucket"])["km_share"]
    s_3m = direct.survival_function_at_times(first_day_3m - 1).iloc[0]
    assert km.loc[("43", "0-3 mnd")] == pytest.approx(1 - s_3m, abs=1e-12)


def test_left_truncation_matches_lifelines_and_removes_length_bias(loaded: T.LoadedTable) -> None:
    ep = T.episodes(loaded)
    with_trunc = T.durations(loaded).table.loc["totaal", "median_days"]
    naive = T.durations(loaded, observed_from="1900-01-01").table.loc["totaal", "median_days"]
    assert with_trunc == _km_direct(ep, "2018-01-01").median_survival_time_
    assert naive == _km_direct(ep, None).median_survival_time_
    # trajectories that began before the extract and lasted into it are over-represented
    # when their earlier days are counted as observed: the naive median is longer
    assert with_trunc < naive


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
    # mean duration of the trajectories ending in each year, counted directly from the episodes
    ep = T.episodes(loaded)
    done = ep[~ep["lopend"]]
    expected = done.groupby(done["einddatum"].dt.year.astype(str))["duur_dagen"].mean()
    got = total["mean_duration_completed_days"]
    assert list(got.index) == [str(y) for y in range(2018, 2024)]
    np.testing.assert_allclose(got.to_numpy(), expected.reindex(got.index).to_numpy(), rtol=1e-12)


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
        traj = T.read_trajectories(s, as_of=AS_OF)
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
        # independent count: monthly claim lines never cross a year, so a year's cost is the plain sum
        # of its lines; clients in care are those with a trajectory overlapping the year
        start = claims["periode_start"].dt.year
        for year in (2019, 2023):
            assert res.yearly.loc[year, "cost"] == pytest.approx(claims.loc[start == year, "bedrag"].sum(), rel=1e-12)
            t = traj.table
            y0, y1 = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
            in_care = (t["begindatum"] <= y1) & (t["einddatum"].isna() | (t["einddatum"] >= y0))
            assert res.yearly.loc[year, "clients"] == t.loc[in_care, "client_id"].nunique()
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
    traj = T.read_trajectories(df, as_of=AS_OF)
    res = T.extensions(traj)
    per = res.per_trajectory.set_index("toewijzingnummer")
    assert per.loc["T1", "n_verlengingen"] == 2 and per.loc["T1", "n_toewijzingen"] == 3
    assert per.loc["T4", "n_verlengingen"] == 1
    assert per.loc["T5", "n_verlengingen"] == 0 and per.loc["T6", "n_verlengingen"] == 0
    assert per.loc["T7", "n_verlengingen"] == 0 and per.loc["T8", "n_verlengingen"] == 0
    assert per.loc["T9", "n_verlengingen"] == 4 and bool(per.loc["T9", "lopend"])
    assert len(per) == 7
    tot = res.table.loc["totaal"]
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
    loaded = T.read_trajectories(df, as_of=AS_OF)
    rep, traj = T.validation_report(loaded), loaded.table
    assert rep.n_merged_rows == 3 and rep.n_merged_trajectories == 2
    assert "3 overlapping rows merged into 2 trajectories" in rep.summary()
    t = traj.set_index("toewijzingnummer")
    assert list(t.index) == ["T1", "T4", "T5", "T6", "T7", "T8"]
    assert pd.isna(t.loc["T1", "einddatum"]) and pd.isna(t.loc["T1", "reden_beeindiging"])
    assert t.loc["T1", "n_samengevoegd"] == 3 and t.loc["T1", "samengevoegd_uit"] == "T2;T3"
    assert t.loc["T8", "einddatum"] == pd.Timestamp("2022-05-31") and t.loc["T8", "reden_beeindiging"] == "34"
    unmerged = T.read_trajectories(df, as_of=AS_OF, merge=False)
    assert len(unmerged) == 9 and T.validation_report(unmerged).n_merged_rows == 0


def test_claims_of_merged_assignments_are_linked() -> None:
    df = frame(row("SYN-A", "T1", "2021-01-01", "2021-06-30"), row("SYN-A", "T2", "2021-03-01", "2021-09-30"),
               row("SYN-A", "T3", "2022-01-01", "2022-06-30"))  # fmt: skip
    traj = T.read_trajectories(df, as_of=AS_OF)
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
    res = T.care_paths(T.read_trajectories(df, as_of=AS_OF))
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


def test_care_paths_on_simulation(loaded: T.LoadedTable) -> None:
    res = T.care_paths(loaded, top=5)
    # counted independently with pandas: each client's trajectories in order of start (then end)
    ep = T.episodes(loaded).assign(
        cat=lambda x: x["productcategorie"].astype(str),
        e_sort=lambda x: x["einddatum"].fillna(pd.Timestamp("2200-01-01")),
    )
    ep = ep.sort_values(["client_id", "begindatum", "e_sort"], kind="stable")
    ep["next"] = ep.groupby("client_id", sort=False)["cat"].shift(-1)
    pairs = ep.dropna(subset=["next"])
    expected = pd.crosstab(pairs["cat"], pairs["next"])
    tr = res.transitions
    cats = list(expected.columns)
    pd.testing.assert_frame_equal(
        tr.loc[expected.index, cats].astype(np.int64), expected.astype(np.int64), check_names=False
    )
    assert tr[[c for c in tr.columns if c in expected.index]].to_numpy().sum() == len(pairs)
    running_last = ep[ep["next"].isna() & ep["lopend"]].groupby("cat").size()
    np.testing.assert_array_equal(tr.loc[running_last.index, "lopend"], running_last)
    per_client = ep.groupby("client_id").size()
    assert res.share_sequential == pytest.approx((per_client >= 2).mean())
    assert res.n_clients == len(per_client)
    paths = ep.groupby("client_id", sort=False)["cat"].agg(
        lambda c: " → ".join(c.iloc[:6]) + (" → …" if len(c) > 6 else "")
    )
    counts = paths.value_counts()
    assert len(res.common_paths) == 5
    assert res.common_paths["n_clients"].tolist() == counts.iloc[:5].tolist()
    for path, n in zip(res.common_paths["path"], res.common_paths["n_clients"], strict=True):
        assert counts[path] == n


# --------------------------------------------------------------------------- provider indicators


def test_provider_indicators_protected(loaded: pd.DataFrame) -> None:
    tab = T.provider_indicators(loaded)
    counts = ["n_clients", "n_trajectories", "n_completed", "n_extended", "n_ended_to_plan"]
    check_protected(tab.drop(index="Totaal"), counts)
    assert "Totaal" in tab.index
    # rates derived from a suppressed count are suppressed
    assert tab.loc[tab["n_extended"].isna(), "pct_extended"].isna().all()
    assert tab.loc[tab["n_completed"].isna(), "pct_ended_to_plan"].isna().all()
    assert tab.loc[tab["n_trajectories"].isna(), "median_duration_days"].isna().all()
    shown = tab.drop(index="Totaal")[counts].stack().dropna()
    assert (shown >= 10).all() and (shown % 5 == 0).all()
    t = loaded.table
    small = T.provider_indicators(loaded.subset(t["client_id"].isin(t["client_id"].unique()[:60])))
    assert small[counts].isna().any().any()


# --------------------------------------------------------------------------- loading & bad input


def test_load_csv_fixture_normalises_codes_and_dates() -> None:
    traj = T.read_trajectories(FIX / "synthetic_trajecten_klein.csv", as_of=AS_OF)
    t = traj.table.set_index("toewijzingnummer")
    assert t.loc["SYN-T2", "reden_wijziging"] == "04"
    assert t.loc["SYN-T1", "gemeentecode"] == "GM9901" and t.loc["SYN-T1", "verwijzer"] == "02"
    assert t.loc["SYN-T4", "begindatum"] == pd.Timestamp("2021-03-01")
    assert t.loc["SYN-T5", "begindatum"] == pd.Timestamp("2021-09-01") and pd.isna(t.loc["SYN-T5", "einddatum"])
    assert T.validation_report(traj).n_merged_rows == 1  # SYN-T7 and SYN-T8 overlap
    claims = T.load_claims(FIX / "synthetic_declaraties_klein.csv", as_of=AS_OF)
    assert claims["bedrag"].iloc[-1] == 450.0 and claims["eenheid"].iloc[0] == "04"


def test_load_parquet_and_excel_roundtrip(tmp_path: Path) -> None:
    src = T.read_trajectories(FIX / "synthetic_trajecten_klein.csv", as_of=AS_OF, merge=False).table
    cols = list(T.TRAJECTORY_COLUMNS)
    src[cols].to_parquet(tmp_path / "t.parquet")
    src[cols].to_excel(tmp_path / "t.xlsx", index=False)
    a = T.read_trajectories(tmp_path / "t.parquet", as_of=AS_OF).table
    b = T.read_trajectories(tmp_path / "t.xlsx", as_of=AS_OF).table
    pd.testing.assert_series_equal(a["einddatum"], b["einddatum"])
    assert list(a["productcategorie"].astype(str)) == list(b["productcategorie"].astype(str))


def _good() -> pd.DataFrame:
    return frame(row("SYN-A", "T1", "2021-01-01", "2021-06-30"), row("SYN-B", "T2", "2021-02-01", None))


def test_missing_column() -> None:
    with pytest.raises(DataError, match=r"<DataFrame>.*\['einddatum'\] missing.*Rename") as exc:
        T.load_trajectories(_good().drop(columns="einddatum"))
    assert "jeugdlib.trajectories.TRAJECTORY_SCHEMA.describe()" in str(exc.value)
    assert T.TRAJECTORY_SCHEMA.describe()["column"].tolist() == list(T.TRAJECTORY_COLUMNS)


def test_optional_columns_may_be_absent() -> None:
    traj = T.read_trajectories(_good().drop(columns=["verwijzer", "reden_wijziging"]), as_of=AS_OF).table
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
    ok = T.read_trajectories(df, as_of=AS_OF, future_einddatum="running").table
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
    ok = T.read_trajectories(df, as_of=AS_OF, drop_duplicates=True)
    assert len(ok) == 2 and T.validation_report(ok).n_duplicates_dropped == 1
    df = pd.concat([_good(), _good().iloc[[0]].assign(productcode="45S02")], ignore_index=True)
    with pytest.raises(DataError, match=r"share a toewijzingnummer.*rows \[0, 2\]"):
        T.load_trajectories(df, as_of=AS_OF, drop_duplicates=True)


def test_unparseable_dates() -> None:
    df = _good()
    df.loc[1, "begindatum"] = "31 februari"
    with pytest.raises(
        DataError,
        match=r"'begindatum' has values that are not valid dates: '31 februari' at rows \[1\]"
        r".*YYYY-MM-DD.*date_format=",
    ):
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


def test_bsn_pseudonymised_only_on_request_with_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    monkeypatch.delenv("JEUGDLIB_PSEUDONIEM_SLEUTEL", raising=False)
    monkeypatch.delenv("JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND", raising=False)
    df = _good()
    df.loc[1, "client_id"] = BSN_OK
    with pytest.raises(DataError, match="no pseudonym key"):
        T.load_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True)
    with pytest.raises(DataError, match="salt= is no longer accepted.*new_pseudonym_key"):
        T.load_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True, salt="geheim")
    key_a = T.new_pseudonym_key(tmp_path / "a.key")
    key_b = T.new_pseudonym_key(tmp_path / "b.key")
    a = T.read_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True, pseudonym_key=key_a)
    b = T.read_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True, pseudonym_key=str(key_b)).table
    secret = bytes.fromhex(key_a.read_text().strip())
    expected = "P" + hmac.new(secret, b"bsn:" + BSN_OK.encode(), hashlib.sha256).hexdigest()[:32]
    assert a.table["client_id"].iloc[1] == expected and b["client_id"].iloc[1] != expected
    assert a.table["client_id"].iloc[0] == "P" + hmac.new(secret, b"id:SYN-A", hashlib.sha256).hexdigest()[:32]
    assert T.validation_report(a).n_bsn_pseudonymised == 1
    assert not T.looks_like_bsn(a.table["client_id"]).any()
    monkeypatch.setenv("JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND", str(key_a))  # the same key from the environment
    c = T.read_trajectories(df, as_of=AS_OF, pseudonymise_bsn=True).table
    assert c["client_id"].tolist() == a.table["client_id"].tolist()


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
    assert "end before they begin" in msg and "WJ756" not in msg and "eenheid" in msg
    assert "column 'volume' must be numeric but has values 'veel' at rows [1]" in msg
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


def test_plots_show_the_numbers(loaded: T.LoadedTable, sim: T.SimulatedTrajectories) -> None:
    from jeugdlib.plots import trajectories as P

    claims = T.load_claims(sim.claims, as_of=AS_OF)
    dur = T.durations(loaded, by="productcategorie")
    fig = P.plot_survival(dur, groups=["45", "43"])
    ax = fig.axes[0]
    curves = ax.get_lines()[:2]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "45 Jeugdhulp ambulant",
        "43 " + T.code_labels("productcategorie")["43"],
    ]
    surv43 = dur.survival[dur.survival["group"] == "43"]["survival"].to_numpy()
    np.testing.assert_allclose(curves[1].get_ydata(), surv43)
    plt.close(fig)
    total = T.durations(loaded)
    fig = P.plot_duration_buckets(total)
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_allclose(heights, total.buckets["km_share"].to_numpy())
    plt.close(fig)
    fl = T.flows(loaded)
    fig = P.plot_flows(fl)
    ax = fig.axes[0]
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], fl["stock_end"].to_numpy())
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), fl["inflow"].to_numpy())
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), fl["outflow"].to_numpy())
    plt.close(fig)
    cost = T.cost_decomposition(loaded, claims, 2019, 2023)
    fig = P.plot_cost_decomposition(cost)
    bars = fig.axes[0].patches
    assert bars[0].get_height() == pytest.approx(cost.yearly.loc[2019, "cost"] / 1e6)
    assert bars[-1].get_height() == pytest.approx(cost.yearly.loc[2023, "cost"] / 1e6)
    eff = cost.effects["effect_eur"]
    for bar, k in zip(bars[1:4], ["clients", "care_months_per_client", "cost_per_care_month"], strict=True):
        assert bar.get_height() == pytest.approx(abs(eff[k]) / 1e6)
    plt.close(fig)
    tr = T.care_paths(loaded).transitions
    fig = P.plot_transitions(tr)
    img = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(img.sum(axis=1), 100.0)  # row percentages
    assert img.shape == tr.shape and img.min() >= 0 and fig.axes[0].get_images()[0].get_clim() == (0, 100)
    plt.close(fig)


def test_duplicate_index_labels_are_safe():
    """Two extracts concatenated without ignore_index: merging must not misplace values."""
    import pandas as pd

    from jeugdlib import trajectories as tr

    sim = tr.simulate_trajectories(300, "2019-01-01", "2021-12-31", seed=5)
    t = sim.trajectories
    half = len(t) // 2
    stacked = pd.concat([t.iloc[:half], t.iloc[half:].set_axis(range(len(t) - half))])
    assert stacked.index.has_duplicates
    a = tr.read_trajectories(stacked, as_of="2022-01-01").table
    b = tr.read_trajectories(t.reset_index(drop=True), as_of="2022-01-01").table
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_published_cost_tables_hide_exact_counts():
    import numpy as np

    from jeugdlib import trajectories as tr

    sim = tr.simulate_trajectories(3000, "2018-01-01", "2022-12-31", seed=2)
    cost = tr.cost_decomposition(sim, sim.claims, 2019, 2021)
    yr, eff = cost.published()
    assert (yr["clients"] % 5 == 0).all()
    # cost / cost_per_client gives back only the rounded count
    np.testing.assert_allclose(yr["cost"] / yr["cost_per_client"], yr["clients"])
    assert (
        abs(
            eff.loc[["clients", "care_months_per_client", "cost_per_care_month"], "effect_eur"].sum()
            - eff.loc["total", "effect_eur"]
        )
        < 1e-6
    )
    assert eff.loc["clients", "log_ratio"] == np.log(yr.loc[2021, "clients"] / yr.loc[2019, "clients"])


# --------------------------------------------------------------------------- one chaining algorithm


def _chain_by_loop(keys: list, begin: list, end: list, max_gap_days: int) -> list[int]:
    """Reference: walk the sorted rows one by one (plain Python, no running-max trick)."""
    ids, current, latest, prev_key = [], -1, None, object()
    for k, b, e in zip(keys, begin, end, strict=True):
        if k != prev_key or b - latest - 1 > max_gap_days:
            current += 1
            latest = e
        else:
            latest = max(latest, e)
        ids.append(current)
        prev_key = k
    return ids


def test_chain_ids_hand_made_and_against_a_loop() -> None:
    from jeugdlib.trajectories._chain import RUNNING_DAY, chain_ids, chain_order, new_key_mask

    # one key: [0, 9], [5, 12] overlap; [13, 20] adjacent; [25, 30] after a 4-day gap; running from 40
    b = np.array([0, 5, 13, 25, 40, 50], dtype=np.int64)
    e = np.array([9, 12, 20, 30, RUNNING_DAY, 60], dtype=np.int64)
    new = new_key_mask(np.zeros(6, dtype=np.int64))
    assert chain_ids(new, b, e, max_gap_days=-1).tolist() == [0, 0, 1, 2, 3, 3]  # CBS: overlap only
    assert chain_ids(new, b, e, max_gap_days=0).tolist() == [0, 0, 0, 1, 2, 2]  # adjacent too
    assert chain_ids(new, b, e, max_gap_days=7).tolist() == [0, 0, 0, 0, 1, 1]  # 4- and 9-day gaps
    assert chain_ids(new, b, e, max_gap_days=9).tolist() == [0, 0, 0, 0, 0, 0]
    assert chain_ids(new[:0], b[:0], e[:0], max_gap_days=7).tolist() == []
    # random intervals of several keys, also before 1970 (negative day numbers)
    rng = np.random.default_rng(1)
    n = 3000
    k1, k2 = rng.integers(0, 40, n), rng.integers(0, 3, n)
    b = rng.integers(-2000, 2000, n)
    e = np.where(rng.random(n) < 0.05, RUNNING_DAY, b + rng.integers(0, 120, n))
    order = chain_order((k1, k2), b, e)
    ks = list(zip(k1[order].tolist(), k2[order].tolist(), strict=True))
    for gap in (-1, 0, 7, 30):
        got = chain_ids(new_key_mask(k1[order], k2[order]), b[order], e[order], max_gap_days=gap)
        assert got.tolist() == _chain_by_loop(ks, b[order].tolist(), e[order].tolist(), gap)


def test_merge_rule_and_episodes_use_the_one_chain_function(monkeypatch) -> None:
    """Both callers go through _chain.chain_ids, with tolerance -1 (merge) and max_gap_days (episodes)."""
    from jeugdlib.trajectories import _chain, _episodes, _io

    seen = []
    real = _chain.chain_ids

    def spy(*a, **kw):
        seen.append(kw["max_gap_days"])
        return real(*a, **kw)

    monkeypatch.setattr(_io, "chain_ids", spy)
    monkeypatch.setattr(_episodes, "chain_ids", spy)
    traj = T.read_trajectories(_good(), as_of=AS_OF)
    T.episodes(traj, max_gap_days=5)
    assert seen == [-1, 5]


# --------------------------------------------------------------------------- result protocol


def test_duration_tidy_against_lifelines() -> None:
    from jeugdlib.results import TIDY_COLUMNS

    res = T.durations(_km_table(), tau_days=50)
    direct = KaplanMeierFitter().fit([10, 20, 30, 40, 50], [1, 0, 1, 1, 0])  # one row per trajectory
    for level in (0.95, 0.80):
        tidy = res.tidy(level=level)
        assert list(tidy.columns) == [*TIDY_COLUMNS, "n_obs", "group"]
        row_ = tidy.iloc[0]
        assert (row_["term"], row_["group"], row_["n_obs"], row_["estimate"]) == ("median_days", "totaal", 5, 40)
        fit = KaplanMeierFitter(alpha=1 - level).fit([10, 20, 30, 40, 50], [1, 0, 1, 1, 0])
        ci = median_survival_times(fit.confidence_interval_)
        lo, hi = float(ci.iloc[0, 0]), float(ci.iloc[0, 1])
        assert row_["ci_low"] == lo
        assert row_["ci_high"] == hi if np.isfinite(hi) else np.isnan(row_["ci_high"])
        assert np.isnan(row_["std_error"]) and np.isnan(row_["p_value"]) and np.isnan(row_["statistic"])
    assert direct.median_survival_time_ == 40
    assert res.table.loc["totaal", "median_ci_lower"] == res.tidy().loc[0, "ci_low"]
    # a narrower interval at a lower level
    t95, t80 = res.tidy(0.95).iloc[0], res.tidy(0.80).iloc[0]
    assert t80["ci_low"] >= t95["ci_low"]


def test_duration_summary_plot_and_deprecated_table_alias(loaded: T.LoadedTable) -> None:
    from matplotlib.figure import Figure

    res = T.durations(loaded, by="productcategorie")
    text = res.summary()
    assert isinstance(text, str) and "median_days" in text and "95% intervals" in text
    with pytest.warns(DeprecationWarning, match=r"use \.table"):
        old = res.summary.loc["43", "median_days"]
    assert old == res.table.loc["43", "median_days"]
    fig = res.plot(groups=["45", "43"])
    assert isinstance(fig, Figure) and len(fig.axes[0].get_lines()) == 3  # two curves and the 0.5 line
    plt.close(fig)


def _wilson(k: float, n: float, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def test_extension_rates_tidy_wilson() -> None:
    from scipy.stats import norm

    traj = T.read_trajectories(
        frame(
            row("SYN-A", "T1", "2021-01-01", "2021-06-30", rb=""),
            row("SYN-A", "T2", "2021-07-01", "2021-12-31", rw="04"),
            row("SYN-B", "T3", "2021-01-01", "2021-12-31", rw="04"),
            row("SYN-C", "T4", "2021-01-01", "2021-03-31"),
            row("SYN-D", "T5", "2021-01-01", "2021-03-31", cat="54", code="54S01"),
        ).replace({"reden_beeindiging": {"": None}}),
        as_of=AS_OF,
    )
    res = T.extensions(traj)
    tidy = res.tidy().set_index(["term", "group"])
    # hand count: category 45 has A (1 extension), B (1, in place), C (0) -> 2 of 3; 54: 0 of 1; total 2 of 4
    for group, k, n in (("45", 2, 3), ("54", 0, 1), ("totaal", 2, 4)):
        r = tidy.loc[("share_extended", group)]
        assert r["estimate"] == pytest.approx(k / n) and r["n_obs"] == n
        assert r["std_error"] == pytest.approx(np.sqrt(k / n * (1 - k / n) / n))
        lo, hi = _wilson(k, n, norm.ppf(0.975))
        assert (r["ci_low"], r["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    r90 = res.tidy(level=0.9).set_index(["term", "group"]).loc[("share_extended", "totaal")]
    assert (r90["ci_low"], r90["ci_high"]) == pytest.approx(proportion_confint(2, 4, alpha=0.1, method="wilson"))
    assert tidy.loc[("share_extended_2plus", "totaal"), "estimate"] == 0
    assert "Wilson" in res.summary()


def test_cost_decomposition_is_not_an_estimator_result(loaded: T.LoadedTable, sim) -> None:
    from jeugdlib.results import Result

    cost = T.cost_decomposition(loaded, T.load_claims(sim.claims, as_of=AS_OF), 2019, 2023)
    assert not isinstance(cost, Result) and not hasattr(cost, "tidy")
    text = cost.summary()
    eff = cost.effects["effect_eur"]
    assert f"{eff['care_months_per_client']:,.2f}" in text and "exact, no sampling error" in text
    fig = cost.plot()
    assert len(fig.axes[0].patches) == 5  # base year, three effects, end year
    plt.close(fig)


# --------------------------------------------------------------------------- typed metadata


def test_load_report_and_window_are_typed_fields(sim: T.SimulatedTrajectories, loaded: T.LoadedTable) -> None:
    assert isinstance(loaded.report, T.LoadReport)
    assert loaded.as_of == pd.Timestamp(AS_OF) and loaded.observed_from == pd.Timestamp("2018-01-01")
    assert loaded.report.as_of == pd.Timestamp(AS_OF) and loaded.report.n_rows_in == len(sim.trajectories)
    assert loaded.report.n_rows_out == len(loaded.table)
    assert loaded.report.n_merged_rows == len(sim.trajectories) - len(loaded.table)
    assert loaded.report.n_running == int(loaded.table["einddatum"].isna().sum())
    # attrs: only the SYNTHETIC label, on simulated data and what is derived from it
    assert sim.trajectories.attrs == {"synthetic": True, "description": sim.description}
    assert set(loaded.table.attrs) == {"synthetic", "description"}
    assert set(T.episodes(loaded).attrs) == {"synthetic", "description"}
    assert T.load_trajectories(_good(), as_of=None).attrs == {}
    csv = T.read_trajectories(FIX / "synthetic_trajecten_klein.csv", as_of=AS_OF)
    assert csv.table.attrs == {} and csv.observed_from is None and csv.as_of == pd.Timestamp(AS_OF)
    with pytest.raises(DataError, match="read_trajectories"):
        T.validation_report(csv.table)
    with pytest.warns(JeugdlibWarning, match="read_trajectories"):
        T.load_trajectories(_good(), as_of=AS_OF)
    # the window comes from the typed fields; the same numbers as passing it explicitly
    explicit = T.durations(loaded.table, as_of=AS_OF, observed_from="2018-01-01").table
    pd.testing.assert_frame_equal(T.durations(loaded).table, explicit)
    sub = loaded.subset(loaded.table["gemeentecode"] == "GM9901")
    assert sub.as_of == loaded.as_of and (sub.table["gemeentecode"] == "GM9901").all()
    # an episode table knows its censoring date through its running rows
    pd.testing.assert_frame_equal(T.care_paths(T.episodes(loaded)).scale_down, T.care_paths(loaded).scale_down)
    traj, claims = sim  # still unpacks like the former NamedTuple, now with the window
    assert traj.table is sim.trajectories and claims.table is sim.claims
    assert (traj.as_of, traj.observed_from, claims.as_of) == (sim.as_of, sim.observed_from, sim.as_of)


# --------------------------------------------------------------------------- input layer (jeugdlib.io)


def _csv(tmp_path: Path, rows: list[dict], name: str = "t.csv", sep: str = ";") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, sep=sep, index=False)
    return path


@pytest.mark.parametrize("bad", ["today", "now", "2021", "01-02-21", "12/31/2021", "2021-02-30", "20210301"])
def test_dates_are_strict(tmp_path: Path, bad: str) -> None:
    rows = [row("SYN-A", "T1", "2021-01-01", "2021-06-30"), row("SYN-B", "T2", bad, None)]
    with pytest.raises(DataError) as exc:
        T.load_trajectories(_csv(tmp_path, rows))
    msg = str(exc.value)
    assert "column 'begindatum' has values that are not valid dates" in msg and "file lines [3]" in msg
    assert "YYYY-MM-DD" in msg and "date_format=" in msg


def test_explicit_date_format(tmp_path: Path) -> None:
    rows = [row("SYN-A", "T1", "01-03-2021", "31-05-2021"), row("SYN-B", "T2", "15-02-2021", None)]
    path = _csv(tmp_path, rows)
    with pytest.raises(DataError, match="not valid dates"):
        T.load_trajectories(path, as_of=None)
    t = T.read_trajectories(path, as_of=AS_OF, date_format="%d-%m-%Y").table.set_index("toewijzingnummer")
    assert t.loc["T1", "begindatum"] == pd.Timestamp("2021-03-01") and t.loc["T1", "einddatum"] == pd.Timestamp(
        "2021-05-31"
    )
    claims = pd.DataFrame({"toewijzingnummer": ["T1"], "periode_start": ["01-03-2021"], "periode_eind": ["31-03-2021"],
                           "volume": ["1"], "eenheid": ["82"], "tarief": ["100"], "bedrag": ["100"]})  # fmt: skip
    c = T.load_claims(claims, as_of=AS_OF, date_format="%d-%m-%Y")
    assert c["periode_eind"].iloc[0] == pd.Timestamp("2021-03-31")


def test_every_trajectory_running(tmp_path: Path) -> None:
    """An all-empty einddatum column (nothing has ended yet) is read as running, not refused."""
    rows = [row("SYN-A", "T1", "2023-01-01", None), row("SYN-B", "T2", "2023-06-01", None)]
    for path in (_csv(tmp_path, rows), _csv(tmp_path, rows, "t2.csv", sep=",")):
        loaded = T.read_trajectories(path, as_of=AS_OF)
        assert loaded.table["einddatum"].isna().all() and loaded.report.n_running == 2
        assert str(loaded.table["einddatum"].dtype) == "datetime64[ns]"
        dur = T.durations(loaded).table.loc["totaal"]
        assert (dur["n_running"], dur["n_completed"]) == (2, 0) and np.isnan(dur["median_days"])
    pd.DataFrame(rows).astype({"einddatum": "datetime64[ns]"}).to_parquet(tmp_path / "t.parquet")
    assert T.load_trajectories(tmp_path / "t.parquet")["einddatum"].isna().all()


def test_header_only_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "leeg.csv"
    path.write_text(";".join(T.TRAJECTORY_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"leeg\.csv: the trajectory table has a header but no data rows"):
        T.load_trajectories(path)
    claims = tmp_path / "leeg_declaraties.csv"
    claims.write_text(",".join(T.CLAIM_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="the claims table has a header but no data rows"):
        T.load_claims(claims)


def test_dutch_excel_csv_claims_and_mixed_separators(tmp_path: Path) -> None:
    raw = (FIX / "synthetic_declaraties_klein.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw  # BOM, semicolons
    c = T.load_claims(FIX / "synthetic_declaraties_klein.csv", as_of=AS_OF)
    assert c["volume"].tolist() == [6.0, 5.5, 30.0, 1.0]
    assert c["bedrag"].tolist() == [510.0, 467.5, 7500.0, 450.0]  # 7.500,00: thousands dot, decimal comma
    # a column mixing 12,5 and 13.5 is refused, not read as 135
    text = raw.decode("utf-8-sig").replace("467,50", "467.50")
    (tmp_path / "mixed.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"'bedrag' mixes a decimal comma and a decimal point"):
        T.load_claims(tmp_path / "mixed.csv", as_of=AS_OF)
    bad = raw.decode("utf-8-sig").replace(";6;", ";inf;")
    (tmp_path / "inf.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(DataError, match=r"'volume' must be numeric"):
        T.load_claims(tmp_path / "inf.csv", as_of=AS_OF)


def test_headers_and_gemeentecodes_are_normalised(tmp_path: Path) -> None:
    df = _good().rename(columns={"client_id": " Client_ID", "begindatum": "BEGINDATUM"})
    df["gemeentecode"] = ["gm363", " GM 0363 "]
    path = tmp_path / "t.csv"
    path.write_text("\ufeff" + df.to_csv(sep=";", index=False), encoding="utf-8")
    t = T.load_trajectories(path)
    assert list(t.columns[:8]) == list(T.TRAJECTORY_COLUMNS[:8])
    assert t["gemeentecode"].tolist() == ["GM0363", "GM0363"]
    df["gemeentecode"] = ["GM0363", "WK036300"]
    with pytest.raises(DataError, match=r"'gemeentecode' has codes not of the form GM \+ 4 digits: 'WK036300'"):
        T.load_trajectories(df)


def test_schemas_are_the_declared_columns() -> None:
    from jeugdlib.io import Schema
    from jeugdlib.trajectories._codes import OPTIONAL_TRAJECTORY_COLUMNS
    from jeugdlib.trajectories._schema import CLAIMS_SCHEMA, TRAJECTORY_SCHEMA

    assert isinstance(TRAJECTORY_SCHEMA, Schema) and isinstance(CLAIMS_SCHEMA, Schema)
    assert TRAJECTORY_SCHEMA.names == T.TRAJECTORY_COLUMNS and CLAIMS_SCHEMA.names == T.CLAIM_COLUMNS
    desc = TRAJECTORY_SCHEMA.describe().set_index("column")
    assert tuple(desc.index[~desc["required"]]) == OPTIONAL_TRAJECTORY_COLUMNS
    assert desc.loc["begindatum", "kind"] == "date" and desc.loc["gemeentecode", "kind"] == "code:gemeente"
    assert CLAIMS_SCHEMA.describe().set_index("column").loc["bedrag", "kind"] == "float"


def test_duration_trend_test_against_lifelines_cox() -> None:
    from lifelines import CoxPHFitter

    from jeugdlib.results import TestResult

    sim = T.simulate_trajectories(3000, "2018-01-01", AS_OF, seed=4, scenario="longer_durations")
    res = T.durations(sim)
    test = res.trend_test()
    assert isinstance(test, TestResult) and (test.df, test.distribution) == (1.0, "chi2")
    # lifelines directly, one row per trajectory of the cohorts 2018-2023 (started inside the extract)
    ep = T.episodes(sim)
    ep = ep[ep["begindatum"] >= "2018-01-01"]
    frame = pd.DataFrame(
        {"d": ep["duur_dagen"], "e": (~ep["lopend"]).astype(int), "year": ep["begindatum"].dt.year - 2018}
    )
    row_ = CoxPHFitter().fit(frame, "d", "e").summary.loc["year"]
    assert test.statistic == pytest.approx(row_["z"] ** 2, rel=1e-8)
    assert test.p_value == pytest.approx(row_["p"], rel=1e-6)
    # the simulated durations grow 8% a year: later cohorts end more slowly
    assert row_["exp(coef)"] < 1 and test.p_value < 1e-6 and f"HR per year = {row_['exp(coef)']:.3f}" in test.name
    with pytest.raises(ValueError, match="choose a group"):
        T.durations(sim, by="productcategorie").trend_test()


def _problems(df: pd.DataFrame) -> str:
    with pytest.raises(DataError) as info:
        T.load_trajectories(df, as_of="2025-01-01")
    return str(info.value)


def test_bad_gemeentecode_reported_once() -> None:
    msg = _problems(frame(row("K1", "T1", "2021-01-04", None), row("K2", "T2", "2021-01-04", None)).assign(
        gemeentecode=["XX12", "GM0363"]))  # fmt: skip
    assert "1 problem(s)" in msg and "codes not of the form" in msg and "without a value" not in msg
    msg = _problems(frame(row("K1", "T1", "2021-01-04", None, cat="99"), row("K2", "T2", "2021-01-04", None)))
    assert "1 problem(s)" in msg and "not in the productcategorie code list" in msg


def test_codes_saved_as_floats_accepted_in_code_lists() -> None:
    df = frame(row("K1", "T1", "2021-01-04", "2021-03-01", cat="45.0", rb="31.0"), row("K2", "T2", "2021-01-04", None))
    out = T.load_trajectories(df.assign(verwijzer=["1.0", "01"]), as_of="2025-01-01")
    assert out["productcategorie"].astype(str).tolist() == ["45", "45"]
    assert out["verwijzer"].astype(str).tolist() == ["01", "01"]
    assert out["reden_beeindiging"].astype(str).iloc[0] == "31"


def test_trajectory_messages_mask_bsn_like_values() -> None:
    msg = _problems(frame(row("K1", "T1", "2021-01-04", None, cat="123456782"), row("K2", "T2", "2021-01-04", None)))
    assert "123456782" not in msg and "unknown codes [***]" in msg
    headerless = pd.DataFrame([["K1", "GM0363"]], columns=["123456782", "GM0363"])
    msg = _problems(headerless)
    assert "123456782" not in msg and "found [***, 'GM0363']" in msg
    headerless = pd.DataFrame([["123456782", "GM0363"]], columns=["123456782", "GM0363"])  # a BSN column
    msg = _problems(headerless)
    assert "123456782" not in msg and "kolom *** bevat burgerservicenummers" in msg and "'12*******'" in msg


# --------------------------------------------------------------------------- robustness: no usable rows, all running
def test_lmdi_refuses_totals_that_are_not_the_product_of_their_factors() -> None:
    f0 = {"a": 100.0, "b": 6.0}
    f1 = {"a": 110.0, "b": 6.0}
    assert sum(T.lmdi(600.0, 660.0, f0, f1).values()) == pytest.approx(60.0)
    with pytest.raises(DataError, match="base total 601 is not the product of its factors"):
        T.lmdi(601.0, 660.0, f0, f1)
    with pytest.raises(DataError, match="end total 700 is not the product"):
        T.lmdi(600.0, 700.0, f0, f1)
    with pytest.raises(DataError, match="same factors"):
        T.lmdi(600.0, 660.0, f0, {"a": 110.0, "c": 6.0})
    with pytest.raises(DataError, match="positive finite"):
        T.lmdi(600.0, np.inf, f0, f1)


def _all_running() -> T.LoadedTable:
    df = frame(row("K1", "T1", "2021-01-04", None), row("K2", "T2", "2021-02-01", None, cat="43"),
               row("K3", "T3", "2020-11-15", None, prov="SYN-AANB-02"))  # fmt: skip
    return T.read_trajectories(df, as_of="2022-01-01")


_ANALYSES = {
    "episodes": T.episodes,
    "durations": T.durations,
    "extensions": T.extensions,
    "care_paths": T.care_paths,
    "flows": T.flows,
    "provider_indicators": T.provider_indicators,
}


@pytest.mark.filterwarnings("ignore::jeugdlib.errors.JeugdlibWarning")
@pytest.mark.parametrize("name", list(_ANALYSES))
def test_analyses_on_zero_usable_rows_raise_data_error(name: str) -> None:
    traj = _all_running()
    for data in (traj.subset(traj.table.index[:0]), traj.table.iloc[:0]):
        with pytest.raises(DataError, match="no rows|empty"):
            _ANALYSES[name](data, as_of="2022-01-01")
    with pytest.raises(DataError, match="none of the 3 trajectories starts on or before 2019-01-01"):
        _ANALYSES[name](traj, as_of="2019-01-01")


def test_cost_decomposition_on_zero_usable_rows_raises_data_error() -> None:
    traj = _all_running()
    claims = T.read_claims(
        pd.DataFrame({"toewijzingnummer": ["T1"], "periode_start": ["2021-01-04"], "periode_eind": ["2021-01-31"],
                      "volume": ["1"], "eenheid": ["04"], "tarief": ["10"], "bedrag": ["10"]}), as_of="2022-01-01"
    )  # fmt: skip
    for t, c in ((traj.subset(traj.table.index[:0]), claims), (traj, claims.subset(claims.table.index[:0]))):
        with pytest.raises(DataError, match="no rows|no clients, care-months or cost"):
            T.cost_decomposition(t, c, 2020, 2021, unmatched="ignore")


@pytest.mark.parametrize("name", list(_ANALYSES))
def test_analyses_accept_a_table_where_every_trajectory_is_running(name: str) -> None:
    traj = _all_running()
    assert traj.report.n_running == 3
    out = _ANALYSES[name](traj)
    if name == "episodes":
        assert out["lopend"].all() and len(out) == 3


def test_all_empty_einddatum_file_loads(tmp_path: Path) -> None:
    p = tmp_path / "lopend.csv"
    frame(row("K1", "T1", "2021-01-04", None), row("K2", "T2", "2021-02-01", None)).to_csv(p, index=False)
    assert pd.read_csv(p)["einddatum"].isna().all()  # the einddatum column is empty on every line
    traj = T.read_trajectories(p, as_of="2022-01-01")
    assert traj.table["einddatum"].isna().all() and T.durations(traj).tidy().shape[0] > 0


def test_header_only_files_refused_at_load(tmp_path: Path) -> None:
    p = tmp_path / "leeg.csv"
    p.write_text(",".join(T.TRAJECTORY_COLUMNS[:8]) + "\n")
    with pytest.raises(DataError, match="has a header but no data rows"):
        T.read_trajectories(p)
    p.write_text("toewijzingnummer,periode_start,periode_eind,volume,eenheid,tarief,bedrag\n")
    with pytest.raises(DataError, match="has a header but no data rows"):
        T.read_claims(p)
